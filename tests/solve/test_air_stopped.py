"""A field hall's stopped cooling unit changes its air field (`twin.solve.air_stopped`): the
racks that drew on its air warm, mirror-image failures give mirror-image inlets, the N-1 screen
sends such failures to the full solve, and an ffd hall (not solved again yet) says so."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from twin.cli import main
from twin.layout import validate_data
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios.sweep import at_risk, brute_force, contingencies, n1, sweep
from twin.solve import run


def _room(layouts_dir, air_model: str, uniform: bool = False) -> Twin:
    """The shipped small room on `air_model`; `uniform`: every rack at its profile's 10 kW,
    so the room is its own mirror image across y = 4.5 m (rows RA and RB, CRAC-1 and CRAC-2;
    CRAC-3 stands on the mirror line)."""
    path = layouts_dir / "small-room.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["halls"][0]["air_model"] = air_model
    if uniform:
        for r in doc["halls"][0]["racks"]:
            r.pop("power_kw", None)
    return Twin.from_layout(validate_data(doc, str(path)))


def _top_change(twin, unit: str):
    base = run(twin).tables["res_racks"]["t_inlet_max_c"]
    res = run(twin, Scenario(name=unit, failed=frozenset([unit])))
    return res, res.tables["res_racks"]["t_inlet_max_c"] - base


@pytest.fixture(scope="module")
def mirror_room(layouts_dir):
    return _room(layouts_dir, "field", uniform=True)


def test_mirror_image_failures_give_mirror_image_inlets(mirror_room):
    _, d1 = _top_change(mirror_room, "CRAC-1")
    _, d2 = _top_change(mirror_room, "CRAC-2")
    ra = [f"RA{i:02d}" for i in range(1, 11)]
    rb = [f"RB{i:02d}" for i in range(1, 11)]
    # each failure's inlets are the other's mirrored (RA <-> RB) ...
    np.testing.assert_allclose(d1[ra].to_numpy(), d2[rb].to_numpy(), atol=1e-6)
    np.testing.assert_allclose(d1[rb].to_numpy(), d2[ra].to_numpy(), atol=1e-6)
    # ... and not the same everywhere: the field sees which unit stopped (before: one shift
    # for every rack, whichever unit failed)
    assert np.abs(d1[ra].to_numpy() - d1[rb].to_numpy()).max() > 0.5


def test_a_stopped_unit_moves_heat_where_it_stood_and_the_solve_balances(layouts_dir):
    twin = _room(layouts_dir, "field")
    res, d = _top_change(twin, "CRAC-3")  # the east wall's unit, alone on its side
    x = twin.racks["x_m"]
    east, west = d[x > x.median()], d[x <= x.median()]
    assert east.mean() > west.mean() + 0.1, (east.mean(), west.mean())
    assert not len(res.violations), res.violations
    assert abs(res.kpis["energy_balance_residual_kw"]) < 1e-3
    assert res.tables["res_halls"]["air_model"].tolist() == ["field"]


def test_the_n1_screen_sends_field_unit_failures_to_the_full_solve(layouts_dir):
    twin = _room(layouts_dir, "field")
    sets = [(c,) for c in contingencies(twin)]
    screen = sweep(twin, sets, verify=False)
    full = brute_force(twin, sets)
    units = screen["contingency"].isin(twin.crahs.index).to_numpy()
    assert np.isnan(screen["t_inlet_max_c"].to_numpy(float)[units]).all()
    assert at_risk(twin, screen, full["t_inlet_max_c"].max())[units].all()
    table = n1(twin, verify="risk").set_index("contingency")
    f = full.set_index("contingency")
    for unit in twin.crahs.index:
        assert table.at[unit, "verified"]
        assert table.at[unit, "t_inlet_max_c"] == pytest.approx(f.at[unit, "t_inlet_max_c"])
    # the failures differ by where the unit stood (one value for all three before)
    assert len({round(f.at[u, "t_inlet_max_c"], 2) for u in twin.crahs.index}) == 3


def test_an_ffd_hall_is_marched_again_without_its_stopped_unit(small_room, capsys):
    """The small room's FFD flow is marched again per failure: each unit's failure gives its
    own inlets (where the unit stood matters), the hall's heat still balances, and nothing is
    cautioned (until 2026-12-02 it kept the flow of every unit running, and said so)."""
    inlets = {}
    for unit in small_room.crahs.index:
        res = run(small_room, Scenario(name=unit, failed=frozenset([unit])))
        assert res.tables["res_halls"]["air_model"].tolist() == ["ffd"]
        assert abs(res.kpis["energy_balance_residual_kw"]) < 1e-3
        inlets[unit] = res.tables["res_racks"]["t_inlet_c"].to_numpy(float)
        assert np.isfinite(inlets[unit]).all()
    base = run(small_room).tables["res_racks"]["t_inlet_c"].to_numpy(float)
    moved = {u: t - base for u, t in inlets.items()}
    # not one shift for every rack: each failure moves racks differently, and differently
    # from the others (a kept flow moved every rack alike, by the hall's supply mix)
    for u, d in moved.items():
        assert np.ptp(d) > 0.5, (u, np.ptp(d))
    a, b, c = moved.values()
    assert min(np.abs(a - b).max(), np.abs(b - c).max(), np.abs(a - c).max()) > 0.5
    path = str(small_room.layout.source)
    assert main(["solve", path, "--fail", "CRAC-1", "--no-headroom"]) == 0
    assert "every cooling unit running" not in capsys.readouterr().err


def test_a_hall_whose_units_all_stop_keeps_its_field(mirror_room):
    units = frozenset(mirror_room.crahs.index)
    res = run(mirror_room, Scenario(name="all", failed=units))
    assert res.tables["res_halls"]["air_model"].tolist() == ["field"]


def test_a_field_that_could_not_be_solved_again_says_why_not_ffd():
    import pandas as pd

    from twin.solve.air_stopped import stopped_unit_cautions

    used = ["field, every unit running (without U1: its supply is boxed in)", "field", "ffd"]
    (said,) = stopped_unit_cautions(pd.DataFrame({"air_model": used}, index=["A", "B", "C"]))
    assert said.startswith("hall A: its rack inlets come from the FIELD air flow")
    assert "(without U1: its supply is boxed in)" in said and "FFD" not in said


def test_a_march_again_that_had_not_settled_is_cautioned(small_room, monkeypatch, capsys):
    """A failure's FFD march is held to the bound the hall's own march is
    (`MARCH_SPREAD_CAUTION_K`): past it, its inlets are read as uncertain, by how much and
    where (the hybrid hall's marches without a unit still move 0.2-1.6 K)."""
    from twin.solve import air_stopped, cache

    sc = Scenario(name="CRAC-1", failed=frozenset(["CRAC-1"]))
    cache.clear()
    monkeypatch.setattr(air_stopped, "MARCH_SPREAD_CAUTION_K", 0.0)
    monkeypatch.setattr(air_stopped, "unsettled_hall", lambda *a: "")  # the hall's own: test below
    (used,) = run(small_room, sc).tables["res_halls"]["air_model"].tolist()
    assert used.startswith("ffd, marched again, not settled (without CRAC-1: ")
    (said,) = air_stopped.stopped_unit_cautions(run(small_room, sc).tables["res_halls"])
    assert said.startswith(
        "hall ROOM: its rack inlets come from the FFD air flow marched again without CRAC-1, "
        "whose march had not settled: they would move "
    )
    assert " K (rack R" in said and said.endswith(" K")
    assert main(["solve", str(small_room.layout.source), "--fail", "CRAC-1", "--no-headroom"]) == 0
    assert "marched again without CRAC-1" in " ".join(capsys.readouterr().err.split())
    cache.clear()
    monkeypatch.undo()
    (used,) = run(small_room, sc).tables["res_halls"]["air_model"].tolist()
    assert used == "ffd"  # its march settled within the bound (0.03 K)


def test_a_hall_whose_own_march_had_not_settled_is_not_marched_again(small_room):
    """Past the bound on the hall's own march (the small room's moves 0.13 K; bound set to
    0.05 K here, 0.5 K shipped; the staggered AI hall's 2.4 K) a march without a unit would
    be read against a flow uncertain by more: the hall keeps the flow of every unit running
    and says why."""
    from twin.solve import air_stopped, cache

    sc = Scenario(name="CRAC-1", failed=frozenset(["CRAC-1"]))
    keep = air_stopped.MARCH_SPREAD_CAUTION_K
    cache.clear()
    try:
        air_stopped.MARCH_SPREAD_CAUTION_K = 0.05
        res = run(small_room, sc)
    finally:
        air_stopped.MARCH_SPREAD_CAUTION_K = keep
        cache.clear()
    (used,) = res.tables["res_halls"]["air_model"].tolist()
    assert used == (
        "ffd, every unit running (CRAC-1 stopped; not marched again: the hall's own march "
        "would still move its inlets by 0.1 K)"
    )
    (said,) = air_stopped.stopped_unit_cautions(res.tables["res_halls"])
    assert said.startswith("hall ROOM: its rack inlets come from the FFD air flow with every")


def test_a_failure_march_starts_at_the_step_the_halls_own_settled_at(small_room, monkeypatch):
    """A flow without a stopped unit starts at the step the hall's own march settled at
    (`airfield_ffd.hall_flux` halves a step that does not settle: the staggered AI hall's
    own settles at 0.05 s), so a failure's change of the inlets is not a change of step;
    the small room's own settles at `DT_S`."""
    from twin.solve import air_stopped, airfield_ffd
    from twin.solve.airfield import HallShares
    from twin.solve.airflow import air_model

    model = air_model(small_room)
    off = np.array([True, False, False])
    assert air_stopped.stopped_air(small_room, model, 0, off)[1].ffd_dt_s == airfield_ffd.DT_S

    own = HallShares(b_mean=None, b_top=None, cell_m=0.3, cells=1, info={"ffd_dt_s": 0.025})
    monkeypatch.setattr(air_stopped, "field_shares", lambda *a: own)
    idx, air = air_stopped.stopped_air(small_room, model, 0, off)
    assert air.ffd_dt_s == 0.025 and np.array_equal(idx, np.arange(len(small_room.racks)))
    assert np.array_equal(air.u_flow_m3_s == 0, off)  # the stopped unit moves no air
