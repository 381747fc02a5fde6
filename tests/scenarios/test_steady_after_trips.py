"""Steady or not is read from the final state (audit 6 #6): on a 59.5 C day the AI hall's
chillers (high-ambient units, rated to 60 C) are short until racks shut down by heat, after
which the plant holds; the kept 'uncooled' violation (why they tripped) made the hottest
inlet 'a lower bound, no steady state' beside 'Heat not removed 0.0 kW' and a PUE."""

from __future__ import annotations

from tests.layout_edit import edited_layout
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios.rack_risk import no_steady_state
from twin.solve import run


def test_trips_that_let_the_plant_hold_leave_a_steady_state(layouts_dir, tmp_path):
    # high-ambient chillers (rated to 60 C): the default 51.7 C stops them outright (audit 7
    # F5), and the case here is chillers running short
    path = edited_layout(
        layouts_dir / "ai-factory-hall.yaml",
        tmp_path,
        "hot.yaml",
        lambda doc: doc["profiles"]["chiller-3500"].update(t_ambient_max_c=60.0),
    )
    tw = Twin.load(path)
    r = run(tw, Scenario(t_db_c=59.5, t_wb_c=30.0))  # at 60 C three trips no longer suffice
    v = r.violations
    kept = v[
        (v["kind"] == "uncooled") & v["message"].str.endswith("(before racks shut down by heat)")
    ]
    assert len(kept) and r.kpis["racks_shutdown"] > 0  # the case: short, then shed
    assert r.kpis["heat_unremoved_kw"] == 0.0
    assert not no_steady_state(r)
    # and a state that keeps heat in is still a lower bound
    short = run(tw, Scenario.fail("H1-CH1", "H1-CH2", "H1-CH3", "H1-CH4", "H1-CH5",
                                  *tw.dry_coolers.index))  # fmt: skip
    assert short.kpis["heat_unremoved_kw"] > 0 and no_steady_state(short)
