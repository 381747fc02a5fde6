"""Issue 12: dual-fed mechanical units (`feed_b`).

The single-fed AI-factory hall (the `single_fed_hall_path` fixture: the reference
layout before this issue) feeds its CRAHs, CDUs, pumps, chillers and dry coolers
from one of two mechanical boards (H1-MCC-A / H1-MCC-B), so losing a board stops
half the plant and MCC-A tops the N-1 table. The reference layout now gives every
unit the other board as its second feed (a 2N mechanical design): losing a board
stops no unit, its draw moves to the other board, and N-1 no longer lists the
boards with racks at risk. The fast N-1 path and the pandapower export agree with
the full solve, as for single feeds.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from twin.errors import LayoutError
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios.sweep import brute_force, contingencies, n1, sweep
from twin.solve import run

BOARDS = ("H1-MCC-A", "H1-MCC-B")
UNIT_TABLES = ("crahs", "cdus", "pumps", "chillers", "dry_coolers")


OTHER = {"H1-MCC-A": "H1-MCC-B", "H1-MCC-B": "H1-MCC-A"}


@pytest.fixture(scope="module")
def paths(layouts_dir, single_fed_hall_path) -> tuple[Path, Path]:
    return single_fed_hall_path, layouts_dir / "ai-factory-hall.yaml"


@pytest.fixture(scope="module")
def twins(paths) -> tuple[Twin, Twin]:
    return Twin.load(paths[0]), Twin.load(paths[1])


def _units(twin: Twin) -> pd.DataFrame:
    return pd.concat([getattr(twin, k)[["feed", "feed_b"]] for k in UNIT_TABLES])


def _running(res, twin: Twin) -> int:
    """Units drawing power (electric draw > 0)."""
    from twin.model import registry

    n = 0
    for k in UNIT_TABLES:
        kind = registry.kind(k)
        t = res[kind.res]
        n += int((t[list(kind.electric_cols)].sum(axis=1) > 1e-9).sum())
    return n


def test_the_layout_says_two_feeds(twins):
    single, dual = twins
    u = _units(dual)
    assert u["feed_b"].notna().all()
    assert (u["feed"] != u["feed_b"]).all()
    assert _units(single)["feed_b"].isna().all()
    # the same design, each unit's second feed the other board
    assert (u["feed"] == _units(single)["feed"].reindex(u.index)).all()
    assert (u["feed_b"] == u["feed"].map(OTHER)).all()


def test_one_board_lost_stops_no_unit(twins):
    single, dual = twins
    before_s, before_d = run(single), run(dual)
    # normal operation: the same plant, the draw split over the two boards (the
    # losses differ a little: the boards carry it more evenly)
    assert before_d.kpis["cooling_kw"] == pytest.approx(before_s.kpis["cooling_kw"], rel=1e-6)
    assert before_d.kpis["facility_kw"] == pytest.approx(before_s.kpis["facility_kw"], rel=1e-4)

    fail = Scenario.fail("H1-MCC-A")
    s, d = run(single, fail), run(dual, fail)
    mcc_b = ("res_power_nodes", "H1-MCC-B", "loading_pct")
    # single-fed: half the plant stops; dual-fed: nothing stops, heat all removed
    assert _running(s, single) < _running(before_s, single)
    assert _running(d, dual) == _running(before_d, dual)
    assert s.kpis["cooling_kw"] < before_s.kpis["cooling_kw"]
    assert d["res_power_nodes"].at["H1-MCC-A", "live"] == False  # noqa: E712
    hot = d.violations["kind"].isin(["over_temperature", "uncooled"])
    assert not hot.any(), d.violations[hot]
    # the whole mechanical draw is now on MCC-B
    p_b = d["res_power_nodes"].at["H1-MCC-B", "p_out_kw"]
    assert p_b == pytest.approx(d.kpis["cooling_kw"], rel=0.02)
    assert d[mcc_b[0]].at[mcc_b[1], mcc_b[2]] > before_d[mcc_b[0]].at[mcc_b[1], mcc_b[2]] * 1.5
    assert d[mcc_b[0]].at[mcc_b[1], mcc_b[2]] > s[mcc_b[0]].at[mcc_b[1], mcc_b[2]]


def test_n1_no_longer_lists_the_boards(twins):
    single, dual = twins
    ts, td = n1(single).set_index("contingency"), n1(dual).set_index("contingency")
    for board in BOARDS:
        hit = ts.loc[board, ["it_lost_kw", "it_at_risk_kw", "cooling_shortfall_kw"]]
        assert (hit > 0).any(), hit
        assert td.at[board, "it_at_risk_kw"] == 0.0
        assert td.at[board, "racks_at_risk"] == 0
        assert td.at[board, "cooling_units_out"] == 0
        assert td.at[board, "cooling_shortfall_kw"] == pytest.approx(0.0, abs=1.0)
    assert not set(td.index[:2]) & set(BOARDS)


def test_fast_path_equals_the_full_solve(twins):
    """The boards, their transformers, a unit and both boards at once."""
    from scenarios.test_n1_matches_direct import _agree

    _, dual = twins
    sets = [
        ("H1-MCC-A",),
        ("H1-MCC-B",),
        ("H1-MTX-A",),
        ("H1-MTX-B",),
        ("H1-CRAH1",),
        ("H1-TCS1-CDU2",),
        ("H1-MCC-A", "H1-CH2"),
        ("H1-MCC-B", "H1-CRAH2"),
    ]
    assert all(set(s) <= set(dual.component_ids()) for s in sets)
    screen = sweep(dual, sets, verify=False)
    full = brute_force(dual, sets)
    ok = _agree(screen, full)
    assert ok.all(), screen.set_index("contingency")[~ok.to_numpy()]
    s = screen.set_index("contingency")
    assert (s.loc[[c[0] for c in sets[:4]], "cooling_units_out"] == 0).all()


def test_both_boards_lost_stops_every_unit(twins):
    """Both feeds dead: every unit stops, in the screen and the full solve alike. The
    screen puts every rack at risk (its shortfall for a plant with no unit left is a
    bound) and is re-solved in full, where every rack trips on heat: all IT lost."""
    _, dual = twins
    both = [BOARDS]
    screen, full = sweep(dual, both, verify=False), brute_force(dual, both)
    risk = sweep(dual, both, verify="risk")
    for t in (screen, full, risk):
        assert t.at[0, "cooling_units_out"] == len(_units(dual))
    assert screen.at[0, "racks_at_risk"] == len(dual.racks)
    for t in (full, risk):
        assert t.at[0, "racks_lost"] == len(dual.racks) and t.at[0, "racks_at_risk"] == 0
        assert t.at[0, "it_lost_kw"] == pytest.approx(dual.racks["power_kw"].sum())
    assert bool(risk.at[0, "verified"])


def test_whole_n1_fast_path_agrees(twins):
    from scenarios.test_n1_matches_direct import _agree

    _, dual = twins
    sets = [(i,) for i in contingencies(dual)]
    table = n1(dual)
    full = brute_force(dual, sets)
    ok = _agree(table, full)
    assert ok.all(), table.set_index("contingency")[~ok.to_numpy()]


def test_single_feed_model_unchanged(twins):
    """No `feed_b`: the cooling draw lands on the one feed, as before."""
    single, _ = twins
    r = run(single)
    assert np.isfinite(r.kpis["facility_kw"])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("feed: H1-MCC-A, feed_b: H1-MCC-A", "also its 'feed'"),
        ("feed: H1-MCC-A, feed_b: NOPE", "unknown distribution element 'NOPE'"),
        ("feed_b: H1-MCC-A", "needs a first"),
        ("feed: H1-MCC-A, feed_b: B01-MV-A", "22.9 kV"),
    ],
)
def test_bad_second_feeds(layouts_dir, tmp_path, edit, message):
    text = (layouts_dir / "ai-factory-hall.yaml").read_text(encoding="utf-8")
    crah = "hall: H1, loop: H1-FWS, feed: H1-MCC-A, feed_b: H1-MCC-B, position_m: [2.0, 4.84]"
    assert crah in text
    path = tmp_path / "bad.yaml"
    path.write_text(
        text.replace(crah, f"hall: H1, loop: H1-FWS, {edit}, position_m: [2.0, 4.84]"),
        encoding="utf-8",
    )
    with pytest.raises(LayoutError, match=re.escape(message)):
        Twin.load(path)


def test_generated_campus_is_2n_mechanical():
    """`twin generate campus`: every unit on both boards of its hall; losing a board
    stops nothing, and the fast path agrees with the full solve on both boards."""
    from scenarios.test_n1_matches_direct import _agree

    from twin.layout import generate, validate_data

    twin = Twin.from_layout(validate_data(generate.campus(13), "campus.yaml"))
    u = pd.concat([getattr(twin, k)[["feed", "feed_b"]] for k in (*UNIT_TABLES, "cooling_towers")])
    assert u["feed_b"].notna().all() and (u["feed"] != u["feed_b"]).all()
    boards = sorted(twin.power_nodes.index[twin.power_nodes.index.str.contains("-MCC-")])
    assert len(boards) == 2
    sets = [(b,) for b in boards]
    fast = sweep(twin, sets, verify=False)
    assert (fast["cooling_units_out"] == 0).all()
    assert (fast["it_at_risk_kw"] == 0).all()
    assert _agree(fast, brute_force(twin, sets)).all()
    # the single-hall reference design keeps one board per unit
    single = validate_data(generate.campus(13, dual_fed_mechanical=False), "c.yaml")
    assert all(c.feed_b is None for c in single.cooling.crahs)


@pytest.mark.parametrize("failed", [(), ("H1-MCC-A",)])
def test_pandapower_export_of_the_dual_fed_hall(paths, twins, failed, tmp_path):
    """The export puts each unit's draw on its live feeds as the twin does."""
    pytest.importorskip("pandapower")
    from interop.test_export_plain_runpp import compare

    compare(twins[1], paths[1], failed, tmp_path / "net.json")


def test_ride_through_keeps_dual_fed_units_running(twins):
    """Losing a board: single-fed units stop and the loop warms; dual-fed ones run on."""
    from twin.solve.transient import cooling_ride_through

    single, dual = twins
    fail = Scenario.fail("H1-MCC-A")
    s = cooling_ride_through(single, fail, t_end_s=600.0)
    d = cooling_ride_through(dual, fail, t_end_s=600.0)
    assert np.isinf(d.first_limit_s)
    assert d.first_limit_s >= s.first_limit_s
    # the utility lost: units wait for the generators either way (both boards move)
    g_s = cooling_ride_through(single, Scenario.fail("GRID"), t_end_s=600.0)
    g_d = cooling_ride_through(dual, Scenario.fail("GRID"), t_end_s=600.0)
    pd.testing.assert_series_equal(g_d.nodes["restart_s"], g_s.nodes["restart_s"])
