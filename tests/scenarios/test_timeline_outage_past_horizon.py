"""An outage that runs on past the horizon is simulated only up to it: the run says so (the
utility's return, the recharge and a battery emptying later are not in its figures), on the
CLI, in --json and on the Timeline page (`Timeline.notes`); one inside the horizon draws no
such note. It used to be cut without a word."""

from pathlib import Path

import pytest

from twin.model import Twin
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.solve.timeline_outage import Outage

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"


@pytest.fixture(scope="module")
def room():
    return Twin.load(LAYOUTS / "small-room.yaml")


def _notes(room, start_h, duration_s):
    spec = TimelineSpec(hours=2.0, dt_s=600.0, outage=Outage(start_h * 3600.0, duration_s))
    return [n for n in simulate(room, spec).notes if "outage" in n]


def test_an_outage_past_the_horizon_is_said_to_be_cut(room):
    (note,) = _notes(room, 1.9, 1800.0)
    assert "1.9-2.4 h, past the horizon (2 h)" in note
    assert "only its first 0.1 h is simulated" in note


def test_an_outage_inside_the_horizon_draws_no_note(room):
    assert _notes(room, 1.5, 1800.0) == []  # ends at the horizon exactly
    assert _notes(room, 0.5, 600.0) == []
