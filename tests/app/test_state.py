"""The app adapter: solves, edits, details, report."""

from __future__ import annotations

import math

import pytest

from twin.app import edit as E
from twin.app import report
from twin.app import state as S
from twin.errors import LayoutError


def test_failures_go_through_the_coupled_solve(small_room):
    """The app solves with `twin.solve.run` itself: no fallback that estimates results."""
    from twin.model.scenario import Scenario
    from twin.solve import run

    assert not hasattr(S, "RUN") and not hasattr(S, "_topology_results")
    ups = small_room.ups.index[0]  # the room's only UPS: every rack loses power
    res = S.solve(small_room, {ups})
    assert res.kpis == pytest.approx(run(small_room, Scenario.fail(ups)).kpis, nan_ok=True)
    assert set(S.affected_racks(small_room, res)) == set(small_room.unfed_racks({ups}))
    k = S.kpis(small_room, res)
    assert k["it_mw"] == 0.0 and math.isnan(k["pue"])  # undefined, not an estimate
    assert S.capabilities(res).notes  # and the app says why
    res = S.solve(small_room, {"PDU-1"})
    k = S.kpis(small_room, res)
    assert k["pue"] == res.kpis["pue"] == run(small_room, Scenario.fail("PDU-1")).kpis["pue"]
    assert k["it_mw"] == res.kpis["it_kw"] / 1000 > 0
    assert not S.capabilities(res).notes


def test_rack_table_and_colour_columns(small_room):
    res = S.solve(small_room)
    t = S.rack_table(small_room, res)
    cols = S.colour_columns(t)
    assert "power_kw" in cols and "x_m" not in cols
    if "res_power_nodes" in res.tables:
        assert "pdu_loading_pct" in cols


def test_details_and_search(small_room):
    rack = small_room.racks.index[0]
    info = S.details(small_room, rack, S.solve(small_room))
    assert info["kind"] == "racks" and info["power_path_a"]
    assert rack in S.search(small_room, rack.lower())
    with pytest.raises(KeyError):
        S.details(small_room, "no-such-thing")


def test_edits_validate_with_located_messages(small_room):
    data = E.to_data(small_room.layout)
    rack = small_room.racks.index[0]
    bad = E.set_rack(data, rack, power_kw=5000)
    with pytest.raises(LayoutError) as exc:
        E.apply(bad)
    assert "power_kw" in E.field_errors(exc.value)
    row = small_room.racks.at[rack, "row"]
    new, rid = E.add_rack(data, small_room.racks.at[rack, "hall"], row)
    assert len(E.apply(new).halls[0].racks) == len(small_room.racks) + 1
    assert data == E.to_data(small_room.layout)  # edits copy, never mutate
    gone = E.apply(E.remove_rack(new, rid))
    assert len(gone.halls[0].racks) == len(small_room.racks)


def test_report_is_self_contained(small_room):
    res = S.solve(small_room)
    html = report.report_html(
        "t", S.kpis(small_room, res), {"Redundancy": S.redundancy(small_room, res)}
    )
    assert "Key figures" in html and "http" not in html
