"""twin.solve.air_calibrate: each run at its own rack airflows; a fit over several runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.layout.validate import validate_data
from twin.model import Twin
from twin.solve import air_calibrate as ac
from twin.solve.airflow import rack_k_kw_per_k

ROOM = {
    "format_version": 1,
    "site": {"name": "calibration", "grid_mw": 1.0},
    "halls": [
        {
            "id": "H",
            "air_model": "field",
            "size_m": [6.0, 4.0],
            "height_m": 2.8,
            "rows": [{"id": "R", "origin_m": [1.6, 2.2], "axis": "x", "facing": "-"}],
            "racks": [
                {"id": f"R{i}", "row": "R", "slot": i, "power_kw": p, "feed_a": "PDU"}
                for i, p in enumerate([6.0, 4.0, 8.0, 3.0])
            ],
        }
    ],
    "power": {
        "utilities": [{"id": "U", "voltage_kv": 0.415, "capacity_mva": 1.0}],
        "pdus": [{"id": "PDU", "upstream": "U", "rating_kva": 100.0}],
    },
    "cooling": {
        "crahs": [
            {"id": "C", "hall": "H", "type": "crac", "capacity_kw": 40.0, "airflow_m3_s": 3.0,
             "fan_kw": 1.0, "t_supply_c": 18.0, "position_m": [0.5, 0.8], "facing": "+x"}
        ]
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def twin():
    return Twin.from_layout(validate_data(ROOM, "calibration.yaml"))


def test_each_run_gets_its_own_airflows(twin):
    air, ids = ac.hall_input(twin, "H")
    power = pd.Series([2.0, 9.0, 5.0, 1.0], index=ids)
    run = ac.Run(power, 18.0, pd.Series(dtype=float))
    # racks' fans follow their load: 140 CFM per kW of the run's heat (as rack_k_kw_per_k)
    got = ac.run_air(twin, "H", air, ids, run).flow_m3_s
    k = rack_k_kw_per_k(power.to_numpy(), None)
    np.testing.assert_allclose(got * ac.K_AIR_KW_PER_M3S_K, k, rtol=1e-12)
    # a CFD case's airflows win where given
    flow = pd.Series([0.4, np.nan, 0.2, 0.3], index=ids)
    got = ac.run_air(twin, "H", air, ids, ac.Run(power, 18.0, power, flow)).flow_m3_s
    np.testing.assert_allclose(got, [0.4, air.flow_m3_s[1], 0.2, 0.3])


def test_fit_over_two_loads_finds_the_parameters_that_made_them(twin):
    """Inlets made by the model itself at two load distributions with known parameters: the
    fit over both reproduces a third load it never saw (the leave-one-out of
    bench.air_rooms calibrate, on a room where the model is exact)."""
    truth = {"air_diffusivity_m2_s": 0.1, "air_plume_share": 0.5, "jet_entrainment_scale": 2.0}
    ids = twin.racks.index
    loads = [[6.0, 4.0, 8.0, 3.0], [2.0, 9.0, 5.0, 1.0], [8.0, 8.0, 2.0, 6.0]]
    runs = []
    for p in loads:
        blank = ac.Run(pd.Series(p, index=ids), 18.0, pd.Series(dtype=float))
        runs.append(ac.Run(blank.air_kw, 18.0, ac.predict(twin, "H", blank, truth)))
    f = ac.fit(twin, "H", runs[:2])
    assert f.runs == 2 and f.rmse_after_k < 0.05 < f.rmse_before_k
    for name, (_, lo, hi) in ac.PARAMS.items():
        if name in f.params:
            assert lo <= f.params[name] <= hi
    held = ac.predict(twin, "H", runs[2], f.params) - runs[2].t_inlet_c
    assert float(held.abs().max()) < 0.1
    with pytest.raises(ac.ScenarioError, match="unknown air parameter"):
        ac.fit(twin, "H", runs[:1], ("air_speed",))
