"""The timeline's inlet margin at a load point with no air-cooled rack running is the supply
air's (audit 6 #5): a -100 K placeholder there was interpolated as a temperature, so the
AI hall capped at 2 % reported an inlet margin of -62.9 K (a rack inlet of about -31 C)."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from twin.layout import loads
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.airflow import ASHRAE_C
from twin.solve.timeline_response import _inlet_over_k


def test_no_rack_running_gives_the_supply_airs_margin(layouts_dir):
    doc = yaml.safe_load((layouts_dir / "ai-factory-hall.yaml").read_text())
    doc["halls"][0]["air_model"] = "kernel"
    tw = Twin.from_layout(loads(yaml.safe_dump(doc)))
    idle = run(tw, Scenario(load_scale={"*": 0.0}))
    supply = idle["res_halls"].at["H1", "t_supply_c"]
    allowable = ASHRAE_C[tw.halls.at["H1", "ashrae_class"]][3]
    assert _inlet_over_k(idle["res_racks"]) == pytest.approx(supply - allowable)
    # a light load is a little warmer than that, never tens of K colder
    light = _inlet_over_k(run(tw, Scenario(load_scale={"*": 0.1}))["res_racks"])
    assert supply - allowable <= light < 0.0
    assert np.isfinite(light)


@pytest.mark.parametrize("x", [0.01, 0.02])
def test_a_near_idle_timeline_inlet_is_not_below_the_supply_air(layouts_dir, x):
    """The audit's path (audit 6 #5, `twin timeline --trace` at fraction 0.01 gave -81.47 K,
    a -49.5 C inlet): through the fitted response and its interpolation. Conservation bound:
    a rack's intake is supply air plus recirculated exhaust, never colder than the supply."""
    from twin.solve.timeline import Profile, solve_timeline
    from twin.solve.timeline_response import fit_response

    doc = yaml.safe_load((layouts_dir / "ai-factory-hall.yaml").read_text())
    doc["halls"][0]["air_model"] = "kernel"
    tw = Twin.from_layout(loads(yaml.safe_dump(doc)))
    resp = fit_response(tw)
    it = np.full((3, 1), x * resp.design_it_kw)
    steps = solve_timeline(resp, Profile(3600.0, it, np.full(3, resp.t_db_c[0]))).steps
    supply = float(tw.crahs["t_supply_c"].min())
    allowable = ASHRAE_C[tw.halls.at["H1", "ashrae_class"]][3]
    inlet = steps["t_inlet_over_allowable_k"].to_numpy(float) + allowable
    assert np.all(inlet >= supply - 1e-9)
    assert np.all(inlet < supply + 5.0)  # near idle: within a few K of the supply
