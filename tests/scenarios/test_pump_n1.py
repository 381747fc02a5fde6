"""The screen's pump capacity (`twin.scenarios.pump_n1`) against the full hydraulic solve:
what the pumps left move at full speed with one failed, on every reference loop with two or
more networked pumps. The estimate must not be above the solve (a screen that promises more
water than the network gives would pass a short loop) and within a few % of it."""

from __future__ import annotations

import pytest

from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios.pump_n1 import DERATE, n1_capacity_m3_s
from twin.solve import run


@pytest.mark.parametrize("name", ["ai-factory-hall", "hybrid-inference"])
def test_estimate_is_below_the_full_solve_and_close_to_it(name, layouts_dir):
    twin = Twin.load(layouts_dir / f"{name}.yaml")
    cap = n1_capacity_m3_s(twin.pumps, run(twin)["res_pumps"])
    checked = 0
    for loop, pumps in twin.pumps.groupby("loop"):
        if len(pumps) < 2:
            continue
        failed = pumps.index[0]
        left = run(twin, Scenario.fail(failed))["res_pumps"].loc[pumps.index[1:]]
        # the network's flows scale with speed: what the pumps left move at full speed
        solved = float((left["flow_m3_s"] / left["speed"]).sum())
        estimate = float(cap[pumps.index[1:]].sum())
        assert estimate <= solved, loop
        assert estimate / DERATE == pytest.approx(solved, rel=0.01), loop
        checked += 1
    assert checked >= 1


def test_without_a_base_solve_the_screen_keeps_the_rated_flows(layouts_dir):
    twin = Twin.load(layouts_dir / "ai-factory-hall.yaml")
    assert (n1_capacity_m3_s(twin.pumps, None) == twin.pumps["flow_m3_s"]).all()
