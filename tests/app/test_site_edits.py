"""Editor site edits through `twin.app.edit` (the functions the editor page calls): a row
added and filled solves, a copied hall doubles the IT of the coupled solve."""

from __future__ import annotations

import pytest

from twin.app import edit as E
from twin.app import state as S
from twin.layout import load
from twin.model import Twin


def test_added_row_with_racks_solves():
    twin = Twin.from_layout(load("layouts/ai-factory-hall.yaml"))
    data = E.to_data(twin.layout)
    data = E.add_row(data, "H1", "H1-R07", (4.0, 20.8), facing="-")
    rids = []
    for _ in range(3):
        data, rid = E.add_rack(
            data, "H1", "H1-R07", power_kw=40.0, feed_a="H1-BW-A6a", feed_b="H1-BW-B6a"
        )
        rids.append(rid)
    assert rids == ["H1-R07-N01", "H1-R07-N02", "H1-R07-N03"]
    new = Twin.from_layout(E.apply(data))
    assert list(new.racks.loc[rids, "slot"]) == [0, 1, 2]
    base, res = S.solve(twin), S.solve(new)
    # the coupled solve serves the three new racks: 120 kW more IT, all of them powered
    assert res.kpis["it_kw"] == pytest.approx(base.kpis["it_kw"] + 120.0, rel=1e-9)
    assert bool(res["res_racks"].loc[rids, "fed"].all())


def test_copied_hall_doubles_the_solved_it():
    twin = Twin.from_layout(load("layouts/ai-factory-hall.yaml"))
    data = E.to_data(twin.layout)
    new = Twin.from_layout(E.apply(E.copy_hall(data, "H1", "H2", (40.0, 0.0))))
    base, res = S.solve(twin), S.solve(new)
    assert res.kpis["it_kw"] == pytest.approx(2 * base.kpis["it_kw"], rel=1e-6)
    assert int(res["res_racks"]["fed"].sum()) == 2 * len(twin.racks)


def test_bulk_edit_of_a_selection():
    from twin.errors import LayoutError

    data = E.to_data(load("layouts/small-room.yaml"))
    new = E.set_racks(data, ["RA01", "RB10"], power_kw=3.5, profile="")
    power = {r.id: r.power_kw for h in E.apply(new).halls for r in h.racks}
    assert power["RA01"] == power["RB10"] == 3.5 and power["RA02"] != 3.5
    with pytest.raises(LayoutError, match="no rack with id NOPE"):
        E.set_racks(data, ["RA01", "NOPE"], power_kw=1.0)
