"""A hall on the opt-in air field that was never calibrated gets a located caution."""

from __future__ import annotations

import yaml

from twin.layout.plausibility import AIR_FIELD_BLIND, ModelCaution, check_bytes

ROOM = {
    "format_version": 1,
    "site": {"name": "t", "grid_mw": 1.0},
    "halls": [
        {
            "id": "ROOM",
            "size_m": [10.0, 6.0],
            "height_m": 3.0,
            "air_model": "field",
            "rows": [{"id": "R", "origin_m": [2.0, 3.0], "axis": "x", "facing": "-"}],
            "racks": [
                {"id": f"R{i}", "row": "R", "slot": i, "power_kw": 8.0, "feed_a": "PDU"}
                for i in range(3)
            ],
        }
    ],
    "power": {
        "utilities": [{"id": "UTIL", "voltage_kv": 0.415, "capacity_mva": 1.0}],
        "pdus": [{"id": "PDU", "upstream": "UTIL", "rating_kva": 500.0}],
    },
    "cooling": {
        "crahs": [
            {
                "id": "U1",
                "hall": "ROOM",
                "type": "crac",
                "capacity_kw": 150.0,
                "airflow_m3_s": 8.0,
                "fan_kw": 3.0,
                "t_supply_c": 18.0,
                "position_m": [0.5, 1.2],
                "facing": "+x",
            }
        ]
    },
}


def _text(**hall) -> str:
    doc = yaml.safe_load(yaml.safe_dump(ROOM))
    doc["halls"][0].update(hall)
    return yaml.safe_dump(doc, sort_keys=False)


def test_uncalibrated_air_field_is_named_with_its_line_and_blind_error():
    text = _text()
    (w,) = [w for w in check_bytes(text, "room.yaml") if isinstance(w, ModelCaution)]
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "air_model: field" in t)
    assert w.line == line and w.component == "ROOM" and w.path == "halls[0].air_model"
    assert str(w).startswith(f"room.yaml:{line}: halls[0].air_model: warning: ROOM: ")
    assert AIR_FIELD_BLIND in str(w) and "twin calibrate" in str(w)


def test_calibrated_or_kernel_halls_get_no_caution():
    for hall in ({"air_diffusivity_m2_s": 0.05}, {"air_model": "kernel"}):
        assert not [w for w in check_bytes(_text(**hall), "r.yaml") if isinstance(w, ModelCaution)]
