"""One small room as a layout document (5 x 3 m, four racks of 6-16 kW in one row, one
CRAC facing them), for the tests of the air models: small enough for the FFD flow (~1 s)."""

from __future__ import annotations

import yaml

ROOM = {  # 5 x 3 m, four racks of 6-16 kW along one row, one CRAC facing them: ~1 s of FFD
    "format_version": 1,
    "site": {"name": "ffd room", "grid_mw": 1.0},
    "halls": [
        {
            "id": "T",
            "size_m": [5.0, 3.0],
            "height_m": 2.5,
            "air_model": "ffd",
            "rows": [{"id": "R", "origin_m": [1.4, 1.8], "axis": "x", "facing": "-"}],
            "racks": [
                {"id": i, "row": "R", "slot": s, "power_kw": p, "feed_a": "PDU", "height_m": 2.0}
                for s, (i, p) in enumerate((("A", 12.0), ("B", 8.0), ("C", 16.0), ("D", 6.0)))
            ],
        }
    ],
    "power": {
        "utilities": [{"id": "UTIL", "voltage_kv": 0.415, "capacity_mva": 1.0}],
        "pdus": [{"id": "PDU", "upstream": "UTIL", "rating_kva": 100.0}],
    },
    "cooling": {
        "crahs": [
            {
                "id": "U",
                "hall": "T",
                "type": "crac",
                "capacity_kw": 80.0,
                "airflow_m3_s": 4.0,
                "fan_kw": 1.0,
                "t_supply_c": 18.0,
                "position_m": [0.5, 0.5],
                "facing": "+x",
            }
        ]
    },
}


def room_text(model: str = "field", hall: dict | None = None, **rack_a) -> str:
    """`ROOM` as YAML with the hall on `model`, the hall's fields `hall` and rack A's
    fields `rack_a` changed."""
    doc = yaml.safe_load(yaml.safe_dump(ROOM))
    doc["halls"][0]["air_model"] = model
    doc["halls"][0].update(hall or {})
    doc["halls"][0]["racks"][0].update(rack_a)
    return yaml.safe_dump(doc, sort_keys=False)
