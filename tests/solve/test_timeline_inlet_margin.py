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
