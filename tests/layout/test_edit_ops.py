"""Site edits on plain layout data: a copied hall is a working hall of its own, a removed hall
leaves nothing that names what went, shared equipment stays shared."""

from __future__ import annotations

import copy

import pytest

from twin.errors import LayoutError
from twin.layout import dump, load, validate_data
from twin.layout import edit_ops as O
from twin.layout.generate import campus
from twin.model import Twin


@pytest.fixture(scope="module")
def hall_data() -> dict:
    return dump(load("layouts/ai-factory-hall.yaml"))


@pytest.fixture(scope="module")
def campus_data() -> dict:
    """Two halls (B01H1, B01H2) in one building, on the building's MV switchgear."""
    d = campus(30.0)
    assert [h["id"] for h in d["halls"]] == ["B01H1", "B01H2"]
    return d


def refs(data: dict) -> set[str]:
    """Every id some item names in a reference field."""
    out = set()
    items = [x for h in data["halls"] for x in h.get("racks", []) + h.get("rows", [])]
    for section in ("power", "cooling", "storage"):
        items += [x for xs in (data.get(section) or {}).values() for x in xs]
    for x in items:
        out |= {x[f] for f in O.REF_FIELDS if isinstance(x.get(f), str)}
    return out


def test_copied_hall_validates_and_doubles_its_it(hall_data):
    before = copy.deepcopy(hall_data)
    new = O.copy_hall(hall_data, "H1", "H2", (40.0, 0.0))
    assert hall_data == before  # the input is not changed
    twin0 = Twin.from_layout(validate_data(copy.deepcopy(hall_data), "a"))
    twin = Twin.from_layout(validate_data(copy.deepcopy(new), "b"))
    assert twin.it_kw == pytest.approx(2 * twin0.it_kw, rel=1e-12)
    # every table the hall owns has twice the rows: CRAHs, CDUs, pumps, pipes, loops, chain
    owned = O.hall_equipment(hall_data, "H1")
    assert {"crahs", "cdus", "pumps", "pipes", "loops", "ups", "pdus", "transformers"} <= set(owned)
    for table, ids in owned.items():
        assert len(getattr(twin, table)) == len(getattr(twin0, table)) + len(ids), table
    # the copy names only its own equipment (and the building's shared MV bus / site grid)
    h2 = next(h for h in new["halls"] if h["id"] == "H2")
    assert all(r["id"].startswith("H2-") and r["feed_a"].startswith("H2-") for r in h2["racks"])
    assert all(r["liquid_loop"].startswith("H2-TCS") for r in h2["racks"])
    copied_tx = [x for x in new["power"]["transformers"] if x["id"].startswith("H2-")]
    assert {x["upstream"] for x in copied_tx} == {"B01-MV-A", "B01-MV-B"}
    crahs = [x for x in new["cooling"]["crahs"] if x["hall"] == "H2"]
    assert {x["loop"] for x in crahs} == {"H2-FWS"}
    # positioned equipment moved with the hall
    a = {x["id"]: x["position_m"] for x in new["cooling"]["crahs"]}
    assert a["H2-CRAH1"] == pytest.approx([a["H1-CRAH1"][0] + 40.0, a["H1-CRAH1"][1]])


def test_copy_then_remove_is_the_original_renamed(hall_data):
    """Copy H1 to H2, remove H1: exactly H1's layout with every owned id renamed H2-...;
    remove H2 instead: exactly the original."""
    two = O.copy_hall(hall_data, "H1", "H2", (0.0, 0.0))
    assert O.remove_hall(two, "H2") == hall_data
    only = O.remove_hall(two, "H1")
    lay = validate_data(copy.deepcopy(only), "only-h2")
    assert [h.id for h in lay.halls] == ["H2"]
    assert not [i for i in O.all_ids(only) if i.startswith("H1")]
    assert refs(only) <= O.all_ids(only)


def test_removed_hall_leaves_no_dangling_reference(campus_data):
    out = O.remove_hall(campus_data, "B01H1")
    validate_data(copy.deepcopy(out), "campus-minus-B01H1")  # raises on any unknown reference
    assert not [i for i in O.all_ids(out) if i.startswith("B01H1")]
    assert refs(out) <= O.all_ids(out)
    # the building's MV switchgear serves the other hall: shared, so it stays
    assert {"B01-MV-A", "B01-MV-B"} <= O.all_ids(out)
    assert "B01-MV-A" not in {
        i for ids in O.hall_equipment(campus_data, "B01H1").values() for i in ids
    }


def test_copied_campus_hall_shares_the_building_bus_and_solves(campus_data):
    from twin.solve import run

    new = O.copy_hall(campus_data, "B01H2", "B01H3", (200.0, 0.0))
    twin = Twin.from_layout(validate_data(copy.deepcopy(new), "campus+1"))
    base = Twin.from_layout(validate_data(copy.deepcopy(campus_data), "campus"))
    h2 = base.racks[base.racks["hall"] == "B01H2"]["power_kw"].sum()
    assert twin.it_kw == pytest.approx(base.it_kw + h2, rel=1e-12)
    res = run(twin)
    fed = res["res_racks"]["fed"]
    assert bool(fed[twin.racks["hall"] == "B01H3"].all())
    # the MV switchgear is one element feeding three halls now, not copied
    assert len(twin.switchgear) == len(base.switchgear) + 2  # the new hall's two MCCs
    # the chillers' condenser loop and its towers are the hall's: copied with it
    owned = O.hall_equipment(campus_data, "B01H2")
    assert "B01H2-CW" in owned["loops"] and len(owned["cooling_towers"]) > 0
    towers = twin.cooling_towers
    assert set(towers[towers.index.str.startswith("B01H3-")]["loop"]) == {"B01H3-CW"}
    chillers = twin.chillers[twin.chillers.index.str.startswith("B01H3-")]
    assert set(chillers["condenser_loop"]) == {"B01H3-CW"}


def test_shared_loop_stays_shared(hall_data):
    """When hall H2's CRAHs use H1's facility loop, that loop and its chillers are no longer
    H1's alone: removing H1 keeps them (and the result validates)."""
    two = O.copy_hall(hall_data, "H1", "H2", (40.0, 0.0))
    for x in two["cooling"]["crahs"]:
        if x["hall"] == "H2":
            x["loop"] = "H1-FWS"
    owned = O.hall_equipment(two, "H1")
    assert "H1-FWS" not in owned.get("loops", []) and "chillers" not in owned
    assert "H1-TCS1" in owned["loops"]  # its racks' loops are still its own
    out = O.remove_hall(two, "H1")
    validate_data(copy.deepcopy(out), "shared")
    assert "H1-FWS" in O.all_ids(out) and "H1-CH1" in O.all_ids(out)


def test_small_room_copy_prefixes_ids_and_shares_sources():
    d = dump(load("layouts/small-room.yaml"))
    new = O.copy_hall(d, "ROOM", "ROOM2", (20.0, 0.0))
    validate_data(copy.deepcopy(new), "rooms")
    tx = {x["id"]: x for x in new["power"]["transformers"]}
    msb = {x["id"]: x for x in new["power"]["switchgear"]}
    assert tx["ROOM2-TX-1"]["upstream"] == "UTIL"  # the utility is the site's, never copied
    assert msb["ROOM2-MSB"] == {**msb["MSB"], "id": "ROOM2-MSB", "upstream": "ROOM2-TX-1"}
    assert msb["ROOM2-MSB"]["alternate"] == "GEN-1"
    assert O.copy_id("ROOM-X", "ROOM", "R2") == "R2-X" and O.copy_id("ROOMY", "ROOM", "R2") == (
        "R2-ROOMY"
    )


def test_copy_refuses_used_ids_and_unknown_halls(hall_data):
    with pytest.raises(LayoutError, match="already used"):
        O.copy_hall(O.copy_hall(hall_data, "H1", "H2", (0, 0)), "H1", "H2", (0, 0))
    with pytest.raises(LayoutError, match="no hall with id 'H9'"):
        O.copy_hall(hall_data, "H9", "H2", (0, 0))
    with pytest.raises(LayoutError, match="already used"):
        O.add_hall(hall_data, "H1-UPS-A1", (0, 0), (10, 10))


def test_added_hall_is_empty_and_valid(hall_data):
    new = O.add_hall(hall_data, "H2", (40.0, 0.0), (20.0, 30.0), name="Hall H2")
    lay = validate_data(copy.deepcopy(new), "added")
    h2 = lay.halls[-1]
    assert (h2.id, h2.size_m, h2.racks, h2.rows) == ("H2", (20.0, 30.0), [], [])


def test_moved_hall_takes_its_units_along(hall_data):
    new = O.move_hall(hall_data, "H1", (10.0, 5.0))
    a = {x["id"]: x["position_m"] for x in hall_data["cooling"]["crahs"]}
    b = {x["id"]: x["position_m"] for x in new["cooling"]["crahs"]}
    assert all(b[k] == pytest.approx([a[k][0] + 10.0, a[k][1] + 5.0]) for k in a)
