"""The app adapter: solves with and without the solver, edits, details, report."""

from __future__ import annotations

import pytest

from twin.app import edit as E
from twin.app import report
from twin.app import state as S
from twin.errors import LayoutError


def test_topology_fallback_when_no_solver(small_room, monkeypatch):
    monkeypatch.setattr(S, "RUN", None)
    ups = small_room.ups.index[0]
    res = S.solve(small_room, {ups})
    lost = S.affected_racks(small_room, res)
    assert set(lost) == set(small_room.unfed_racks({ups}))
    k = S.kpis(small_room, res)
    assert k["it_mw"] < small_room.it_kw / 1000 or not len(lost)
    assert S.capabilities(res).notes  # says what is missing


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
