"""A site whose racks draw 0 kW at design: the IT headroom scales the racks, so none can be
added that way; the answer is undefined (NaN, 'n/a', with the reason), not 'unbounded'.

It used to print "IT headroom unbounded, binding constraint: none up to x100" (a wrong
answer in silence: the UPS alone stops the room near 300 kVA), list each constraint's
margin as 0 or NaN, and `twin info --stranded` died with an internal error (KeyError: nan).
"""

from __future__ import annotations

import json
import math

import pytest
from layout_edit import edited_layout

from twin.app.stranded import picture
from twin.cli import main
from twin.layout import loads
from twin.metrics.headroom import headroom
from twin.metrics.stranded import stranded
from twin.model import Twin


@pytest.fixture(scope="module")
def dark_room(layouts_dir, tmp_path_factory) -> str:
    """The small room with every rack at power_kw: 0 (legal: a rack not yet in service)."""

    def dark(doc: dict) -> None:
        for rack in doc["halls"][0]["racks"]:
            rack["power_kw"] = 0.0

    tmp = tmp_path_factory.mktemp("dark")
    return edited_layout(layouts_dir / "small-room.yaml", tmp, "dark-room.yaml", dark)


def test_headroom_of_racks_that_draw_nothing_is_undefined(dark_room):
    twin = Twin.from_layout(loads(open(dark_room).read()))
    h = headroom(twin)
    assert h.it_now_kw == 0.0 and h.binding is None
    assert math.isnan(h.it_kw)
    assert h.reason.startswith("undefined") and "0 kW" in h.reason
    assert h.table["margin_kw"].isna().all()  # no constraint claims a margin in kW
    row = stranded(twin).loc["ROOM"]
    for col in ("power_margin_kw", "cooling_margin_kw", "stranded_power_kw", "stranded_floor_kw"):
        assert math.isnan(row[col]), col
    _, notes = picture(stranded(twin))
    assert notes and all("undefined" in n and "unbounded" not in n for n in notes)


def test_cli_says_n_a_not_unbounded(dark_room, capsys):
    assert main(["info", dark_room, "--stranded"]) == 0
    out = capsys.readouterr().out
    assert "unbounded" not in out
    assert "IT headroom" in out and "n/a" in out and "undefined" in out
    assert main(["info", dark_room, "--stranded", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["headroom"]["it_headroom_kw"] is None
    assert d["headroom"]["reason"].startswith("undefined")
    assert d["stranded"]["ROOM"]["stranded_power_kw"] is None


def test_a_live_room_still_names_its_binding_constraint(layouts_dir):
    h = headroom(Twin.load(layouts_dir / "small-room.yaml"))
    assert h.it_kw > 0 and math.isfinite(h.it_kw) and h.reason == h.binding
    assert h.as_dict()["reason"] == h.binding
