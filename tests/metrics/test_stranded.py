"""Stranded capacity (issue 12): per hall, power and cooling margins from the headroom
search and what one side strands of the other; row scopes scale only that row."""

from __future__ import annotations

import json
import math

import pytest

from twin.cli import main
from twin.metrics import headroom
from twin.metrics.headroom_constraints import constraint_domains
from twin.metrics.stranded import stranded
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run


@pytest.fixture(scope="module")
def hall(layouts_dir) -> Twin:
    return Twin.load(layouts_dir / "ai-factory-hall.yaml")


def test_domains():
    d = constraint_domains(
        [
            "grid connection",
            "UPS H1-UPS-A1 in failover",
            "CDU group H1-TCS1 (N+1)",
            "CRAH air (hall H1)",
            "chillers H1-FWS (N+1)",
            "over_temperature R1",
            "undervoltage B",
            "starved H1-FWS",
            "standby_in_use GEN-1",
        ]
    )
    assert d.tolist() == [
        "power", "power", "cooling", "cooling", "cooling", "cooling", "power", "cooling", "power"
    ]  # fmt: skip


def test_the_hall_strands_cooling_behind_the_grid(hall):
    """The grid connection binds (0.36 MW more IT: inside the worst single failure, a CRAH
    lost whose peers' fans draw ~24 kW more, audit 6 #4; 0.38 MW in normal state); cooling
    could take more: stranded. The failure's grid constraint is power, whatever failed."""
    t = stranded(hall)
    row = t.loc["H1"]
    room = headroom(hall, scope="H1")
    assert row["binding_constraint"] == room.binding == row["power_binding"]
    assert room.binding.startswith("N-1 grid connection: "), room.binding
    assert row["power_margin_kw"] == pytest.approx(room.it_kw)
    assert row["cooling_margin_kw"] > row["power_margin_kw"]
    assert row["stranded_cooling_kw"] == pytest.approx(
        row["cooling_margin_kw"] - row["power_margin_kw"]
    )
    assert row["stranded_power_kw"] == 0
    # the cooling side's own limit: with the grid out of the way, the hall's racks grown by
    # the cooling margin (+/- 2 %, the interpolation's accuracy) break a cooling constraint
    site = hall.layout.site.model_copy(update={"grid_mw": 1000.0})
    big = Twin.from_layout(hall.layout.model_copy(update={"site": site}))
    s = (row["it_now_kw"] + row["cooling_margin_kw"]) / row["it_now_kw"]
    from twin.metrics.headroom_constraints import constraint_utilisation

    for f, broken in ((0.98, False), (1.02, True)):
        u = constraint_utilisation(big, run(big, Scenario(load_scale={"*": s * f})))
        cool = {k: v for k, v in u.items() if constraint_domains([k]).iat[0] == "cooling"}
        assert (max(cool.values()) > 1.0) == broken, (f, cool)


def test_row_scope_scales_only_that_row(hall):
    row = hall.racks["row"].iloc[0]
    room = headroom(hall, scope=row)
    mine = hall.racks["row"] == row
    assert room.it_now_kw == pytest.approx(hall.racks.loc[mine, "power_kw"].sum())
    # growing one row loads its own UPS (in failover) first, and never beyond the grid;
    # the full solve of a failure upstream of it binds a little earlier than first-order
    first = headroom(hall, scope=row, n1_check=False)
    assert first.binding == "UPS H1-UPS-A1 in failover"
    assert room.binding.startswith("N-1 (power): ") and room.it_kw <= first.it_kw
    assert 0 < room.it_kw <= headroom(hall).it_kw * 1.01
    with pytest.raises(ValueError, match="a hall id or a row id"):
        headroom(hall, scope="NO-SUCH-ROW")


def test_cli_info_stranded_is_the_api_answer(capsys, layouts_dir, hall):
    path = str(layouts_dir / "ai-factory-hall.yaml")
    assert main(["info", path, "--stranded", "--json", "--no-headroom"]) == 0
    got = json.loads(capsys.readouterr().out)["stranded"]["H1"]
    want = stranded(hall).loc["H1"]
    for k in ("power_margin_kw", "cooling_margin_kw", "stranded_cooling_kw"):
        assert got[k] == pytest.approx(want[k])
    assert got["cooling_binding"] == want["cooling_binding"]
    assert main(["info", path, "--stranded", "--no-headroom"]) == 0
    text = capsys.readouterr().out
    assert "stranded cooling" in text and "grid connection" in text
    assert not math.isnan(got["stranded_power_kw"])
    # the site's line first: the headline's site headroom split (finding 4 of /work/audit3)
    from twin.metrics.stranded import site_row

    info = json.loads(_info_json(path))
    site = info["stranded"]["site"]
    assert site["it_headroom_kw"] == pytest.approx(info["headroom"]["it_headroom_kw"])
    assert site["binding_constraint"] == info["headroom"]["binding_constraint"]
    want = site_row(hall).loc["site"]
    for k in ("power_margin_kw", "cooling_margin_kw", "stranded_power_kw", "it_headroom_kw"):
        assert site[k] == pytest.approx(want[k])
    assert "site (all halls): power margin" in text and "hall H1: power margin" in text


def _info_json(path: str) -> str:
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["info", path, "--stranded", "--json"]) == 0
    return buf.getvalue()


def test_floor_term_is_a_hand_count_of_free_slots(layouts_dir):
    """small-room.yaml by hand: the hall is 12 m wide, both rows start at x = 2.0 m with
    0.6 m racks, so floor((12 - 2) / 0.6) = 16 slots fit each row (the last ends at 11.6 m);
    10 racks stand in each row and no CRAC stands on a row (CRAC-3's 2 x 1 m footprint at
    y 4.0-5.0 m lies between RA, y 2.4-3.6 m, and RB, y 5.4-6.6 m): 2 x (16 - 10) = 12 free
    slots. The racks' design powers (5, 6, 8, 10, 10, 12, 15, 12, 10, 7; 5, 8, 10, 14, 15,
    12, 10, 9, 6, 5 kW; unset ones take the 10 kW profile) have median 10 kW: 120 kW of floor."""
    twin = Twin.load(layouts_dir / "small-room.yaml")
    row = stranded(twin).loc["ROOM"]
    assert row["floor_slots"] == 12
    assert row["typical_rack_kw"] == 10.0
    assert row["floor_kw"] == 120.0
    fed = max(row["power_margin_kw"], row["cooling_margin_kw"])
    assert 0 < fed < 120.0
    assert row["stranded_floor_kw"] == pytest.approx(120.0 - fed)


def test_floor_term_counts_what_placement_fills_and_units_block(layouts_dir):
    """A CRAC moved onto row RA takes the slots its footprint touches from the floor; racks
    placed by `twin place` take theirs."""
    from twin.layout import dump, validate_data
    from twin.metrics.stranded import floor
    from twin.scenarios.placement import place

    twin = Twin.load(layouts_dir / "small-room.yaml")
    data = dump(twin.layout)
    crac = next(c for c in data["cooling"]["crahs"] if c["id"] == "CRAC-3")
    crac["position_m"] = [10.1, 3.0]  # 2.0 m wide: x 9.1-11.1 m, over slots 11-15
    moved = Twin.from_layout(validate_data(data, "<moved>"))
    # slot s spans 2.0 + 0.6 s .. 2.6 + 0.6 s: slots 11 (8.6-9.2) to 15 (11.0-11.6) overlap
    assert floor(moved).at["ROOM", "floor_slots"] == 12 - 5
    p = place(twin, "enterprise-10kw", 4, verify=1)
    placed = Twin.from_layout(p.apply(1))
    assert floor(placed).at["ROOM", "floor_slots"] == 12 - 4


def test_stranded_floor_kw_rule():
    from twin.metrics.stranded import stranded_floor_kw

    assert stranded_floor_kw(120.0, 49.4, 47.1) == pytest.approx(70.6)
    assert stranded_floor_kw(120.0, -5.0, -2.0) == 120.0  # both sides past their limit
    assert stranded_floor_kw(30.0, 49.4, 47.1) == 0.0
    assert stranded_floor_kw(120.0, math.inf, 10.0) == 0.0  # a side without limit


def test_an_empty_row_or_hall_counts_its_floor_as_the_stranded_table_does(layouts_dir):
    """The headroom's free slots count every row of the scope, as `stranded` and `twin place`
    do: with the small room's racks removed, both rows' 16 slots (docstring above) are free,
    32 in all; the headroom used to count only rows with a rack in them, 0."""
    from twin.layout import dump, validate_data
    from twin.metrics.headroom import _free_slots

    twin = Twin.load(layouts_dir / "small-room.yaml")
    assert _free_slots(twin, "site") == stranded(twin).at["ROOM", "floor_slots"] == 12
    assert _free_slots(twin, "ROOM") == 12 and _free_slots(twin, "RA") == 6
    data = dump(twin.layout)
    data["halls"][0]["racks"] = []
    empty = Twin.from_layout(validate_data(data, "<empty>"))
    assert _free_slots(empty, "site") == 2 * 16


@pytest.fixture(scope="module")
def two_halls() -> Twin:
    """Two generated halls of 2 NVL72 rows in one building on the distance kernel: one grid
    connection and one building's switchgear feed both."""
    from twin.layout import generate, validate_data

    doc = generate.site(
        "two halls",
        [
            generate.HallSpec("H1", [("nvl72", 2)]),
            generate.HallSpec("H2", [("nvl72", 2)], origin_m=(60.0, 0.0)),
        ],
    )
    for h in doc["halls"]:
        h["air_model"] = "kernel"
    # the generated grid connection plus 0.35 MW: its margin (~560 kW of IT) binds the
    # power side above each hall's cooling margin (~480 kW), so power is stranded in each
    doc["site"]["grid_mw"] = round(doc["site"]["grid_mw"] + 0.35, 3)
    return Twin.from_layout(validate_data(doc, "two-halls"))


def test_site_row_is_the_site_headroom_and_shared_limits_do_not_add_up(two_halls):
    """/work/audit3 finding 4: every hall of a campus showed the grid connection's margin as
    its own (1,751 kW of power margin and 1,293 kW stranded per hall, 3,879 kW summed, for a
    site with 1,805 kW left at the grid). The site row is the site-scope headroom split (the
    headline's numbers); a hall whose binding element feeds both halls says so; and the
    site's stranded power is not the halls' sum."""
    from twin.metrics.stranded import SITE, site_row

    halls = stranded(two_halls, n1_check=False)
    room = headroom(two_halls, n1_check=False)
    site = site_row(two_halls, room=room).loc[SITE]
    power = room.table[room.table["domain"] == "power"]["margin_kw"]
    cooling = room.table[room.table["domain"] == "cooling"]["margin_kw"]
    assert site["power_margin_kw"] == pytest.approx(power.min())
    assert site["power_binding"] == power.idxmin() == "grid connection"
    assert site["cooling_margin_kw"] == pytest.approx(cooling.min())
    assert site["it_headroom_kw"] == pytest.approx(room.it_kw)
    assert site["binding_constraint"] == room.binding
    assert site["stranded_power_kw"] == pytest.approx(
        max(0.0, power.min() - max(cooling.min(), 0.0))
    )
    assert site["floor_slots"] == halls["floor_slots"].sum()
    # searched here too when not given, the same answer
    assert site_row(two_halls, n1_check=False).at[SITE, "power_margin_kw"] == pytest.approx(
        site["power_margin_kw"]
    )
    for h in ("H1", "H2"):
        assert halls.at[h, "power_binding"] == "grid connection"
        assert halls.at[h, "power_shared_halls"] == 2
    assert site["stranded_power_kw"] > 0
    assert site["stranded_power_kw"] < 0.9 * halls["stranded_power_kw"].sum()
    with pytest.raises(ValueError, match="site-scope"):
        site_row(two_halls, room=headroom(two_halls, scope="H1", n1_check=False))


def test_shared_halls_reads_the_element_a_constraint_names(two_halls):
    from twin.metrics.stranded import hall_reach, shared_halls

    reach = hall_reach(two_halls)
    assert shared_halls("grid connection", reach, 2) == 2
    assert shared_halls("utility GRID capacity", reach, 2) == 2
    ups = two_halls.racks.loc[two_halls.racks["hall"] == "H1", "feed_a"].iloc[0]
    up = two_halls.upstream_path(ups)[1]  # the UPS or board above the rack's feed
    assert shared_halls(f"N-1 (power): {ups} failed", reach, 2) == 1
    assert shared_halls(f"x {up} in failover", reach, 2) >= 1
    assert shared_halls("CRAH air (hall H2)", reach, 2) == 1
    assert shared_halls("CDU group H1-TCS1 (N+1)", reach, 2) == 1
    assert shared_halls(None, reach, 2) == shared_halls("no such thing", reach, 2) == 0
