"""The Failures page's helpers (`twin.app.failure_views`) as the UI audit of 2026-12-05 read
them: yes/no quantities in "every quantity that changed" (#4), cooling groups by name (#5)
and the hottest inlet's help (#6)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from twin.app import state as S
from twin.model.scenario import Scenario
from twin.solve import run


@pytest.fixture(scope="module")
def two_cracs_out(small_room):
    """small-room's base solve and the solve with CRAC-1 and CRAC-2 failed."""
    return run(small_room), run(small_room, Scenario.fail("CRAC-1", "CRAC-2"))


def test_yes_no_quantities_read_yes_and_no_not_numbers():
    """A boolean quantity (`changes`'s `boolean`) read 1 / 0 / -1; a number keeps its digits."""
    changes = pd.DataFrame(
        {"table": ["res_racks", "res_crahs", "res_crahs", "violations"],
         "component": ["RA01", "CRAC-1", "CRAC-3", "RA01"],
         "quantity": ["inlet_recommended", "running", "load_kw", "over_temperature"],
         "a": [1.0, 1.0, 64.1, 0.0], "b": [0.0, 0.0, 195.5, 1.0],
         "change": [-1.0, -1.0, 131.4, 1.0], "boolean": [True, True, False, False]}
    )  # fmt: skip
    shown = S.changes_readable(changes).set_index(["Component", "Quantity"])
    rows = shown.loc[[("RA01", "Inlet within recommended range"), ("CRAC-1", "Running")]]
    assert list(rows["Before"]) == ["yes", "yes"] and list(rows["After"]) == ["no", "no"]
    assert list(rows["Change"]) == ["yes → no", "yes → no"]
    assert set(rows["Unit"]) == {""}
    load = shown.loc[("CRAC-3", "Heat load")]
    assert (load["Before"], load["After"], load["Change"]) == ("64.1", "195.5", "131.4")
    assert tuple(shown.loc[("RA01", "violation: over temperature")][["Before", "Change"]]) == (
        "no",
        "new",
    )


def test_changes_marks_the_result_tables_yes_no_columns(small_room, two_cracs_out):
    """The page's own path (`changes` then `changes_readable`): no 1 / 0 / -1 anywhere for
    Running or the inlet ranges."""
    base, res = two_cracs_out
    d = S.changes(base, res, limit=100_000)
    flagged = set(d.loc[d["boolean"], "quantity"])
    assert {"running", "inlet_recommended"} <= flagged
    assert not d.loc[d["quantity"] == "load_kw", "boolean"].any()
    shown = S.changes_readable(d)
    yes_no = shown[shown["Quantity"].isin(["Running", "Inlet within recommended range"])]
    assert len(yes_no)
    assert set(yes_no["Before"]) | set(yes_no["After"]) <= {"yes", "no"}
    assert set(yes_no["Change"]) <= {"yes → no", "no → yes"}


def test_cooling_groups_are_named_not_shown_by_id(small_room, two_cracs_out):
    """`crahs:ROOM` read on the Failures page and in the N-1 tables; the ranking keeps it."""
    from twin.scenarios.cooling_groups import group_name

    assert group_name("crahs:ROOM") == "CRAH/CRAC units of hall ROOM"
    assert group_name("cdus:H1-TCS1") == "CDUs of technology loop H1-TCS1"
    assert group_name("chillers:CHW") == "chillers of water loop CHW"
    assert group_name("") == "" and S.cooling_group_name("") == ""
    base, res = two_cracs_out
    what = S.consequences(small_room, base, res)
    assert what["worst_cooling_group"] == "crahs:ROOM"  # the id, as the N-1 row's
    assert S.cooling_group_name(what["worst_cooling_group"]) == "CRAH/CRAC units of hall ROOM"
    ranking = pd.DataFrame(
        {"contingency": ["CRAC-1", "UPS-1"], "verified": [True, True], "untrusted": ["", ""],
         "worst_cooling_group": ["crahs:ROOM", ""]}
    )  # fmt: skip
    shown = S.n1_on_screen(ranking)
    assert list(shown["worst_cooling_group"]) == ["CRAH/CRAC units of hall ROOM", "none"]
    assert list(ranking["worst_cooling_group"]) == ["crahs:ROOM", ""]  # ids kept


def test_hottest_inlet_help_says_no_steady_state_only_where_there_is_none(
    small_room, two_cracs_out
):
    base, res = two_cracs_out
    normal = S.inlet_help(S.consequences(small_room, base, base))
    assert "steady state" in normal and "No steady state" not in normal
    one = S.inlet_help(S.consequences(small_room, base, run(small_room, Scenario.fail("CRAC-1"))))
    assert "No steady state" not in one
    what = S.consequences(small_room, base, res)
    assert what["t_inlet_lower_bound"] and what["t_inlet_max_c"] == math.inf
    help_ = S.inlet_help(what, "A note.")
    assert help_.startswith("No steady state") and "at least 36.2 °C" in help_
    assert help_.endswith("A note.")
    none_run = {**what, "t_inlet_max_c": math.nan, "t_inlet_lower_bound": False}
    assert S.inlet_help(none_run) == "n/a: no rack runs."
