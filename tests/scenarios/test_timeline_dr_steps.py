"""A demand-response event runs on whole steps within the horizon, or is refused: a step is
capped for all of it or none, so an event off the steps shed more than it said."""

from __future__ import annotations

import pytest

from twin.errors import ScenarioError
from twin.model import Twin
from twin.scenarios.policies import DrEvent
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.solve.timeline_response import fit_response


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


@pytest.mark.parametrize(
    ("start_h", "hours", "match"),
    [
        (23.0, 3.0, "ends after the horizon"),  # only 1 h of 3 ran, said nothing
        (18.5, 1.0, r"whole 3600 s steps.*--step-s 1800"),  # shed 2 h for a 1 h event
        (18.2, 0.1, r"whole 3600 s steps.*--step-s 360"),  # shed 1 h for a 6 min event
    ],
)
def test_a_dr_event_off_the_steps_is_refused(start_h, hours, match):
    """A step is capped for all of it or none (policies.event_mask): on the AI hall at 1 h
    steps a 3 MW event 18.5-19.5 h cut 6.0 MWh and one 18.2-18.3 h cut 3.0 MWh."""
    twin = Twin.load("layouts/ai-factory-hall.yaml")
    ev = DrEvent(start_h * 3600.0, hours * 3600.0, 3000.0)
    with pytest.raises(ScenarioError, match=match):
        simulate(twin, TimelineSpec(hours=24, dr=ev, weather=False))


def test_a_dr_event_on_whole_steps_sheds_what_it_says():
    """At 6 min steps the 18.2-18.3 h event is one step: 3 MW for 0.1 h is 0.3 MWh."""
    twin = Twin.load("layouts/ai-factory-hall.yaml")
    resp = fit_response(twin, None)
    base = simulate(twin, TimelineSpec(hours=24, dt_s=360, weather=False), response=resp)
    ev = DrEvent(18.2 * 3600.0, 0.1 * 3600.0, 3000.0)
    dr = simulate(twin, TimelineSpec(hours=24, dt_s=360, dr=ev, weather=False), response=resp)
    assert base.kpis["grid_mwh"] - dr.kpis["grid_mwh"] == pytest.approx(0.3, rel=1e-6)
