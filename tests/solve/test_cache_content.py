"""Solver caches are keyed by the Twin's content, and a solve does not depend on call history.

An edited Twin (a table reassigned, or written in place) solved after a solve of
the unedited one gives what a fresh Twin built from the same edit of the layout
gives; and run A, run B, run A gives A twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from twin.layout.validate import validate_data
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import cache, run
from twin.solve.power_model import power_model

ROOT = Path(__file__).resolve().parents[2]
HALL = ROOT / "layouts" / "ai-factory-hall.yaml"
SMALL = ROOT / "layouts" / "small-room.yaml"
RTOL = 1e-9


def _doc(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _fresh(doc: dict, name: str) -> Twin:
    return Twin.from_layout(validate_data(doc, name))


def _racks(doc: dict) -> list[dict]:
    return [r for h in doc["halls"] for r in h["racks"]]


def _item(items: list[dict], cid: str) -> dict:
    (item,) = [i for i in items if i["id"] == cid]
    return item


def assert_same(a, b) -> None:
    """Same KPIs and result tables, to `RTOL` (NaN equals NaN)."""
    assert set(a.kpis) == set(b.kpis)
    for k, v in a.kpis.items():
        assert np.isclose(v, b.kpis[k], rtol=RTOL, atol=0.0, equal_nan=True), (k, v, b.kpis[k])
    assert set(a.tables) == set(b.tables)
    for name, t in a.tables.items():
        pd.testing.assert_frame_equal(t, b.tables[name], check_exact=False, rtol=RTOL, obj=name)
    pd.testing.assert_frame_equal(a.violations, b.violations, check_exact=False, rtol=RTOL)


def _differs(a, b) -> bool:
    try:
        assert_same(a, b)
    except AssertionError:
        return True
    return False


# --------------------------------------------------- edits: (twin edit, layout edit)


def rack_power_assign(twin: Twin, doc: dict) -> None:
    """Every rack at 1.3 x its power: a new racks table."""
    twin.racks = twin.racks.assign(power_kw=twin.racks["power_kw"] * 1.3)
    for r, kw in zip(_racks(doc), twin.racks["power_kw"], strict=True):
        r["power_kw"] = float(kw)


def rack_power_in_place(twin: Twin, doc: dict) -> None:
    """One rack's power, written into the existing table."""
    rid = twin.racks.index[3]
    kw = float(twin.racks.at[rid, "power_kw"]) * 0.5
    twin.racks.loc[rid, "power_kw"] = kw
    _item(_racks(doc), rid)["power_kw"] = kw


def crah_capacity_in_place(twin: Twin, doc: dict) -> None:
    cid = twin.crahs.index[0]
    kw = float(twin.crahs.at[cid, "capacity_kw"]) * 0.4
    twin.crahs.loc[cid, "capacity_kw"] = kw
    _item(doc["cooling"]["crahs"], cid)["capacity_kw"] = kw


def pipe_diameter_assign(twin: Twin, doc: dict) -> None:
    pid = twin.pipes.index[0]
    d = float(twin.pipes.at[pid, "diameter_m"]) * 0.5
    diameter = twin.pipes["diameter_m"].copy()
    diameter[pid] = d
    twin.pipes = twin.pipes.assign(diameter_m=diameter)
    _item(doc["cooling"]["pipes"], pid)["diameter_m"] = d


def ups_rating_in_place(twin: Twin, doc: dict) -> None:
    """A UPS rating: in `ups` and in `power_nodes`, which holds a copy of every rating."""
    uid = twin.ups.index[0]
    kva = float(twin.ups.at[uid, "rating_kva"]) * 0.6
    twin.ups.loc[uid, "rating_kva"] = kva
    twin.power_nodes.loc[uid, "rating_kva"] = kva
    _item(doc["power"]["ups"], uid)["rating_kva"] = kva


def rack_removed(twin: Twin, doc: dict) -> None:
    rid = twin.racks.index[5]
    twin.racks = twin.racks.drop(rid)
    for h in doc["halls"]:
        h["racks"] = [r for r in h["racks"] if r["id"] != rid]


EDITS: list[tuple[Path, Callable]] = [
    (HALL, rack_power_assign),
    (HALL, rack_power_in_place),
    (HALL, crah_capacity_in_place),
    (HALL, pipe_diameter_assign),
    (HALL, ups_rating_in_place),
    (HALL, rack_removed),
    (SMALL, rack_power_assign),
    (SMALL, rack_power_in_place),
    (SMALL, crah_capacity_in_place),
    (SMALL, ups_rating_in_place),
    (SMALL, rack_removed),
]


@pytest.mark.parametrize(("path", "edit"), EDITS, ids=[f"{p.stem}-{e.__name__}" for p, e in EDITS])
def test_edited_twin_solves_like_a_fresh_twin_of_the_edited_layout(path, edit) -> None:
    twin = Twin.load(path)
    before = run(twin)  # fills every cache for the unedited content
    run(twin, Scenario.fail(twin.crahs.index[0]))
    doc = _doc(path)
    edit(twin, doc)
    after = run(twin)
    fresh = run(_fresh(doc, path.name))
    assert _differs(before, fresh)  # the edit matters, so a stale cache would show
    for k in ("pue", "it_kw", "facility_kw", "t_inlet_max_c"):
        assert math.isfinite(after.kpis[k]), k
    assert_same(after, fresh)


def test_ups_rating_edited_in_the_ups_table_only() -> None:
    twin = Twin.load(HALL)
    run(twin)
    doc = _doc(HALL)
    uid = twin.ups.index[0]
    kva = float(twin.ups.at[uid, "rating_kva"]) * 0.6
    twin.ups.loc[uid, "rating_kva"] = kva
    _item(doc["power"]["ups"], uid)["rating_kva"] = kva
    assert_same(run(twin), run(_fresh(doc, HALL.name)))


@pytest.mark.parametrize("path", [HALL, SMALL], ids=lambda p: p.stem)
def test_run_a_b_a_gives_a_twice(path) -> None:
    twin = Twin.load(path)
    a = Scenario()
    others = [
        Scenario.fail(twin.crahs.index[0]),
        Scenario(name="cool day", t_db_c=12.0, t_wb_c=8.0),
        Scenario.fail(twin.ups.index[0]),
    ]
    first = run(twin, a)
    for b in others:
        run(twin, b)
        assert_same(run(twin, a), first)
    # and B after A and others equals B on a fresh Twin (nothing solved before)
    for b in others:
        assert_same(run(twin, b), run(Twin.load(path), b))
        run(twin, a)


def test_in_place_edit_changes_the_fingerprint_and_the_power_model() -> None:
    twin = Twin.load(SMALL)
    fp = cache.fingerprint(twin)
    assert cache.fingerprint(twin) == fp
    pm = power_model(twin)
    rid = twin.racks.index[0]
    twin.racks.loc[rid, "power_kw"] = 1.25
    assert cache.fingerprint(twin) != fp
    assert power_model(twin).rack_p_kw[0] == 1.25
    assert pm.rack_p_kw[0] != 1.25  # the old model is not changed either


def _new_column(t: Twin) -> None:
    racks = t.racks
    racks["note"] = "x"


def _new_ids(t: Twin) -> None:
    t.racks.index = t.racks.index.str.lower()


def _object_cell(t: Twin) -> None:
    t.racks.loc[t.racks.index[0], "feed_b"] = None


def _int_cell(t: Twin) -> None:
    t.racks.loc[t.racks.index[0], "slot"] = 99


def _nan_cell(t: Twin) -> None:
    t.crahs.loc[t.crahs.index[0], "capacity_kw"] = np.nan


def _iloc_cell(t: Twin) -> None:
    t.racks.iloc[0, t.racks.columns.get_loc("x_m")] += 1.0


def _site(t: Twin) -> None:
    t.layout.site.design.t_db_c = 20.0  # the one layout block solvers read


@pytest.mark.parametrize(
    "edit", [_new_column, _new_ids, _object_cell, _int_cell, _nan_cell, _iloc_cell, _site]
)
def test_fingerprint_sees_every_kind_of_edit(edit) -> None:
    twin = Twin.load(SMALL)
    fp = cache.fingerprint(twin)
    edit(twin)
    assert cache.fingerprint(twin) != fp


def test_equal_content_shares_structures_and_the_cache_is_bounded() -> None:
    a, b = Twin.load(SMALL), Twin.load(SMALL)
    assert cache.fingerprint(a) == cache.fingerprint(b)
    assert power_model(a) is power_model(b)
    for i in range(3 * cache.MAX_TWINS):
        a.racks.loc[a.racks.index[0], "power_kw"] = 1.0 + i
        run(a)
    assert len(cache._STORE) <= cache.MAX_TWINS
