"""A cooling group's loading with a unit out counts its unremoved heat once: a unit's
`load_kw` is its share of the hall's heat, removed and unremoved (`res_crahs`); `twin n1`
added `unremoved_kw` on top and read 225.8 % for small-room with CRAC-1 and CRAC-2 failed,
where `twin solve` says CRAC-3 is given 195.5 kW on its 120 kW (162.9 %) (audit
2026-12-05 #2). Checked against the solve's own unit table and the fast screen."""

from __future__ import annotations

import pytest

from twin.model.scenario import Scenario
from twin.scenarios.sweep import FastSweep, cooling_groups
from twin.solve import run


def test_two_cracs_out_reads_the_survivors_load_over_its_capacity(small_room_kernel):
    res = run(small_room_kernel, Scenario.fail("CRAC-1", "CRAC-2"))
    rc = res.tables["res_crahs"]
    crac3 = rc.loc["CRAC-3"]
    assert crac3["unremoved_kw"] > 1.0  # heat goes unremoved: the case this is about
    assert crac3["load_kw"] == pytest.approx(crac3["removed_kw"] + crac3["unremoved_kw"])
    out, pct, group = cooling_groups(small_room_kernel, res)
    assert out == 2 and group.endswith(":ROOM")
    assert pct == pytest.approx(100.0 * crac3["load_kw"] / crac3["capacity_avail_kw"], rel=1e-9)
    # the fast screen of the same state, CRAC-2 failed on top of CRAC-1, says the same
    fast = FastSweep(small_room_kernel, Scenario.fail("CRAC-1"))
    row = fast.evaluate([("CRAC-2",)]).iloc[0]
    assert float(row["max_cooling_loading_pct"]) == pytest.approx(pct, rel=5e-3)  # its base duty
