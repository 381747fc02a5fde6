"""Random radial power chains against pandapower: every element kind, random parameters."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pandapower")

from interop.test_pandapower import compare  # noqa: E402
from twin.layout.validate import validate_data  # noqa: E402
from twin.model import Twin  # noqa: E402
from twin.model.scenario import Scenario  # noqa: E402


def random_layout(seed: int) -> dict:
    """Utility -> MV/LV transformers -> switchgear (some with a generator) -> UPS -> PDUs -> racks."""
    rng = np.random.default_rng(seed)
    power = {
        "utilities": [{"id": "U", "voltage_kv": 22.9, "capacity_mva": 50.0}],
        "generators": [],
        "transformers": [],
        "switchgear": [],
        "ups": [],
        "pdus": [],
    }
    pdus = []
    for t in range(rng.integers(2, 5)):
        tid = f"T{t}"
        rating = float(rng.choice([1000.0, 2000.0, 3000.0]))
        power["transformers"].append(
            {"id": tid, "upstream": "U", "rating_kva": rating, "v_primary_kv": 22.9,
             "v_secondary_kv": 0.415, "z_pct": float(rng.uniform(4, 8)), "x_r": float(rng.uniform(3, 12)),
             "p0_pct": float(rng.uniform(0.1, 0.3)), "pk_pct": float(rng.uniform(0.8, 1.2)),
             "cable_length_m": float(rng.uniform(0, 300))}
        )  # fmt: skip
        sw = {"id": f"S{t}", "upstream": tid, "rating_kva": rating,
              "cable_length_m": float(rng.uniform(5, 30)), "cable_parallel": int(rng.integers(4, 9))}  # fmt: skip
        if rng.random() < 0.5:
            power["generators"].append({"id": f"G{t}", "voltage_kv": 0.415, "rating_kva": rating})
            sw["alternate"] = f"G{t}"
        power["switchgear"].append(sw)
        for u in range(rng.integers(1, 3)):
            uid = f"UPS{t}{u}"
            power["ups"].append(
                {"id": uid, "upstream": f"S{t}", "rating_kva": rating / 2,
                 "mode": str(rng.choice(["double-conversion", "eco"])),
                 "cable_length_m": float(rng.uniform(5, 40)), "cable_parallel": int(rng.integers(2, 5))}
            )  # fmt: skip
            for p in range(rng.integers(1, 4)):
                pid = f"P{t}{u}{p}"
                power["pdus"].append(
                    {"id": pid, "upstream": uid, "rating_kva": rating / 4,
                     "loss_pct": float(rng.uniform(0.3, 1.5)), "cable_length_m": float(rng.uniform(5, 80)),
                     "cable_r_ohm_per_km": float(rng.uniform(0.05, 0.3)), "cable_parallel": int(rng.integers(1, 4))}
                )  # fmt: skip
                pdus.append((pid, rating / 4))
    racks = []
    for i in range(40):
        a, ra = pdus[rng.integers(len(pdus))]
        b, _ = pdus[rng.integers(len(pdus))]
        rack = {"id": f"K{i:02d}", "row": "R", "slot": i, "power_kw": float(ra / 12 * rng.uniform(0.3, 1.2)),
                "power_factor": float(rng.uniform(0.9, 1.0)), "feed_a": a,
                "split_a": float(rng.uniform(0.3, 0.7))}  # fmt: skip
        if b != a:
            rack["feed_b"] = b
        racks.append(rack)
    return {
        "format_version": 1,
        "site": {"name": f"random {seed}", "grid_mw": 100.0},
        "halls": [{"id": "H", "size_m": [40.0, 10.0], "rows": [{"id": "R", "origin_m": [1.0, 2.0]}],
                   "racks": racks}],
        "power": power,
        "cooling": {"crahs": [{"id": "C", "hall": "H", "type": "crac", "capacity_kw": 4000.0,
                               "airflow_m3_s": 100.0, "fan_kw": 10.0}]},
    }  # fmt: skip


@pytest.mark.parametrize("seed", range(3))
def test_random_chain_matches_pandapower(seed):
    twin = Twin.from_layout(validate_data(random_layout(seed), f"random-{seed}"))
    worst = compare(twin, Scenario())
    assert worst["vm_pu"] < 1e-6 and worst["loading_pp"] < 1e-4
    rng = np.random.default_rng(100 + seed)
    ids = twin.power_nodes.index[twin.power_nodes["kind"] != "utilities"].to_numpy()
    failed = frozenset(rng.choice(ids, size=2, replace=False))
    worst = compare(twin, Scenario(failed=failed))
    assert worst["vm_pu"] < 1e-6 and worst["loading_pp"] < 1e-4
