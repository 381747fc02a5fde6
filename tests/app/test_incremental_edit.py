"""The editor's incremental rack edit gives what the full path gives (one question, one answer).

Full path: `edit.set_rack` on the layout's data, `edit.apply` (validate everything),
`Twin.from_layout`, `state.solve` with empty solver caches. Incremental path:
`incremental.edit_rack` (one rack re-validated, the Twin patched, solver
structures carried over) and `state.solve`. After each of a run of random edits
(power, profile, power factor, feed split, a second feed, a violation, a whole
row's power) the layout, every Twin table and every res_* table, KPI and
violation agree to 1e-9.
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from twin.app import edit as E
from twin.app import incremental as I
from twin.app import state as S
from twin.errors import LayoutError
from twin.layout import dump, load, validate_data
from twin.layout.generate import campus
from twin.model import Twin
from twin.model.twin import TABLES
from twin.solve import cache

TOL = 1e-9


def _scratch(data: dict, name: str):
    """The full path on fresh solver caches (the incremental path's stay as they were)."""
    saved = dict(cache._STORE)
    cache.clear()
    try:
        layout = E.apply(data, name)
        twin = Twin.from_layout(layout)
        return layout, twin, S.solve(twin)
    finally:
        cache._STORE.clear()
        cache._STORE.update(saved)


def _same_results(a, b) -> None:
    assert set(a.tables) == set(b.tables)
    for name, t in a.tables.items():
        u = b.tables[name]
        assert list(t.columns) == list(u.columns), name
        assert t.index.equals(u.index), name
        for col in t.columns:
            x, y = t[col], u[col]
            if pd.api.types.is_numeric_dtype(x) and not pd.api.types.is_bool_dtype(x):
                np.testing.assert_allclose(
                    x.to_numpy(float), y.to_numpy(float), rtol=TOL, atol=TOL, err_msg=name + col
                )
            else:
                assert x.equals(y), f"{name}.{col}"
    assert set(a.kpis) == set(b.kpis)
    for k, v in a.kpis.items():
        np.testing.assert_allclose(float(v), float(b.kpis[k]), rtol=TOL, atol=TOL, err_msg=k)
    va, vb = a.violations, b.violations
    assert list(va["component"]) == list(vb["component"])
    assert list(va["kind"]) == list(vb["kind"])
    assert list(va["message"]) == list(vb["message"])


def _same_twin(a, b) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    for g in ("power_graph", "cooling_graph"):
        ga, gb = getattr(a, g), getattr(b, g)
        assert sorted(ga.edges(data=True)) == sorted(gb.edges(data=True))
        assert dict(ga.nodes(data=True)) == dict(gb.nodes(data=True))


def _random_edit(rng: random.Random, layout, twin) -> dict[str, dict]:
    """{rack id: fields} of one editor action: one rack's fields, or a row's racks' power."""
    if rng.random() < 0.2:
        row = rng.choice(list(twin.racks["row"].unique()))
        ids = twin.racks.index[twin.racks["row"] == row]
        power = round(rng.uniform(10.0, 140.0), 3)
        return {rid: {"power_kw": power} for rid in ids}
    rid, fields = _one_rack(rng, layout, twin)
    return {rid: fields}


def _one_rack(rng: random.Random, layout, twin) -> tuple[str, dict]:
    rid = rng.choice(list(twin.racks.index))
    pdus = list(twin.pdus.index)
    kind = rng.choice(["power", "power", "profile", "pf", "split", "feed_b", "overload"])
    if kind == "power":
        return rid, {"power_kw": round(rng.uniform(0.0, 150.0), 3)}
    if kind == "profile":
        return rid, {"profile": rng.choice(sorted(layout.profiles)), "power_kw": None}
    if kind == "pf":
        return rid, {"power_factor": round(rng.uniform(0.9, 1.0), 3)}
    if kind == "split":
        return rid, {"split_a": round(rng.uniform(0.2, 0.8), 3)}
    if kind == "feed_b":
        a = twin.racks.at[rid, "feed_a"]
        return rid, {"feed_b": rng.choice([p for p in pdus if p != a])}
    return rid, {"power_kw": 1000.0, "liquid_fraction": 0.0}  # CRAHs over capacity


def _run(layout, n: int, seed: int) -> int:
    rng = random.Random(seed)
    name = layout.source
    data = dump(layout)
    twin = Twin.from_layout(layout)
    S.solve(twin)
    key, fast = "k0", 0
    for _ in range(n):
        edits = _random_edit(rng, layout, twin)
        full_data = data
        for rid, fields in edits.items():
            full_data = E.set_rack(full_data, rid, **fields)
        if len(edits) > 1:  # the editor's bulk edit of a row gives the same data
            (fields,) = {str(f): f for f in edits.values()}.values()
            assert E.set_racks(data, list(edits), **fields) == full_data
        ed = I.edit_racks(layout, data, key, twin, edits, name)
        try:
            ref_layout, ref_twin, ref_res = _scratch(full_data, name)
        except LayoutError:
            assert ed is None  # a problem: the fast path leaves it to the full one
            continue
        assert ed is not None, edits
        fast += 1
        assert ed.data == full_data
        assert dump(ed.layout) == dump(ref_layout)
        _same_twin(ed.twin, ref_twin)
        res = S.solve(ed.twin)
        _same_results(res, ref_res)
        layout, data, twin, key = ed.layout, ed.data, ed.twin, ed.key
    return fast


def test_random_edits_on_a_generated_campus_equal_the_full_path():
    layout = validate_data(campus(60.0), "campus-60mw")  # 5 halls, ~450 racks
    assert _run(layout, n=8, seed=3) >= 6


@pytest.mark.parametrize("name", ["ai-factory-hall.yaml", "hybrid-inference.yaml"])
def test_random_edits_on_reference_layouts_equal_the_full_path(layouts_dir, name):
    assert _run(load(layouts_dir / name), n=6, seed=11) >= 4


def test_the_solver_structures_are_carried_for_a_power_edit():
    """On kernel halls the air model is carried too; an FFD hall's shares depend on its
    racks' airflows and heat, so a power edit builds its air model again (the other halls'
    fields come from the content cache)."""
    doc = campus(30.0)
    for hall in doc["halls"]:
        hall["air_model"] = "kernel"
    layout = validate_data(doc, "campus-30mw")
    twin = Twin.from_layout(layout)
    S.solve(twin)
    rid = twin.racks.index[3]
    ed = I.edit_rack(layout, dump(layout), "k", twin, rid, {"power_kw": 90.0}, "c")
    assert {"power_model", "air", "coupled"} <= set(ed.carried)
    assert ed.twin.racks.at[rid, "power_kw"] == 90.0
    assert twin.racks.at[rid, "power_kw"] != 90.0  # the Twin before the edit is untouched


def test_an_invalid_edit_is_left_to_the_full_path_and_its_message():
    layout = validate_data(campus(30.0), "campus-30mw")
    twin = Twin.from_layout(layout)
    data = dump(layout)
    rid = twin.racks.index[0]
    for fields in (
        {"power_kw": -5.0},
        {"feed_a": "NOPE"},
        {"profile": "no-such-profile"},
        {"liquid_loop": None, "power_kw": 80.0},
        {"slot": int(twin.racks["slot"].iloc[1]), "row": twin.racks["row"].iloc[1]},
    ):
        assert I.edit_rack(layout, data, "k", twin, rid, fields, "c") is None, fields
        with pytest.raises(LayoutError) as err:
            E.apply(E.set_rack(data, rid, **fields), "c")
        assert err.value.problems  # located problems, from the full validation


def test_an_edit_that_creates_violations_gives_them_on_both_paths():
    layout = validate_data(campus(30.0), "campus-30mw")
    twin = Twin.from_layout(layout)
    assert not len(S.solve(twin).violations)
    data = dump(layout)
    rid = twin.racks.index[0]
    fields = {"power_kw": 1000.0, "liquid_fraction": 0.0}  # 1 MW into the hall's air
    ed = I.edit_rack(layout, data, "k", twin, rid, fields, "c")
    res = S.solve(ed.twin)
    _, _, ref = _scratch(E.set_rack(data, rid, **fields), "c")
    hall = twin.racks.at[rid, "hall"]
    over = res.violations[res.violations["kind"] == "over_capacity"]
    assert set(over["component"]) == set(twin.crahs.index[twin.crahs["hall"] == hall])
    _same_results(res, ref)


def test_the_3d_scene_of_an_edit_equals_the_full_paths():
    from twin.viz import build_scene, encode

    def scene(twin, res) -> dict:
        table = S.rack_table(twin, res)
        col = "t_inlet_c"
        sc = build_scene(twin, table[col], col, column=col, lod="row")
        return encode(sc, "k")[0]

    layout = validate_data(campus(30.0), "campus-30mw")
    twin = Twin.from_layout(layout)
    scene(twin, S.solve(twin))  # the placement is cached for the Twin before the edit
    data = dump(layout)
    rid = twin.racks.index[5]
    ed = I.edit_rack(layout, data, "k", twin, rid, {"power_kw": 20.0}, "c")
    assert any(n.startswith("viz.equipment") for n in ed.carried)
    got = scene(ed.twin, S.solve(ed.twin))
    saved = dict(cache._STORE)
    cache.clear()
    try:
        ref_twin = Twin.from_layout(E.apply(E.set_rack(data, rid, power_kw=20.0), "c"))
        want = scene(ref_twin, S.solve(ref_twin))
    finally:
        cache._STORE.clear()
        cache._STORE.update(saved)
    assert got["digest"] == want["digest"] and got["geometry"] == want["geometry"]
