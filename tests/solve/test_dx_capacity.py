"""DX CRAC capacity against outdoor dry bulb (twin.solve.dx_cop.capacity_factor): the rating
point, the published Liebert DSE table, an independent generic DX curve, and a hot day that
pushes a loaded small-room unit over its derated capacity in the coupled solve."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.dx_cop import MAX_AMBIENT_C, RATED_AMBIENT_C, capacity_factor

# Liebert DSE 125 capacity over rated at 19.44 C entering wet bulb, read from EnergyPlus
# testfiles/1ZoneDataCenterCRAC_wApproachTemp.idf ('Cool Cap Mod func of Temperature'):
# outdoor dry bulb C -> factor. Below 35 C the row holds 1.00.
LIEBERT_DSE = {-10.0: 1.00, 15.0: 1.00, 18.0: 1.00, 24.0: 1.00, 30.0: 1.00, 35.0: 1.00,
               38.0: 0.9718, 46.0: 0.8782}  # fmt: skip

# EnergyPlus' generic single-speed DX capacity curve HPACCoolCapFT (the default of
# OpenStudio's CoilCoolingDXSingleSpeed and of the Modelica Buildings library's generic DX
# coil): biquadratic in entering wet bulb x and outdoor dry bulb y, C.
HPAC_CAP_FT = (0.942587793, 0.009543347, 0.000683770, -0.011042676, 0.000005249, -0.000009720)


def _hpac(x, y):
    c = HPAC_CAP_FT
    return c[0] + c[1] * x + c[2] * x * x + c[3] * y + c[4] * y * y + c[5] * x * y


def test_one_at_the_rating_point_and_flat_below():
    assert RATED_AMBIENT_C == 35.0
    assert float(capacity_factor(35.0)) == 1.0
    cold = np.array([-40.0, -10.0, 0.0, 18.0, 30.0, 34.99])
    assert np.all(capacity_factor(cold) == 1.0)  # head-pressure control: no gain below


def test_falls_monotonically_above_the_rating_point():
    t = np.linspace(RATED_AMBIENT_C, MAX_AMBIENT_C, 500)
    f = capacity_factor(t)
    assert np.all(np.diff(f) < 0)
    assert 0.8 < f[-1] < 0.82  # ~19 % less at the 51.7 C cut-out
    assert np.isnan(capacity_factor(np.nan))  # never a quiet number for a missing input


def test_the_published_liebert_dse_table():
    t = np.array(list(LIEBERT_DSE))
    np.testing.assert_allclose(capacity_factor(t), list(LIEBERT_DSE.values()), atol=1e-12)
    # derating per K above the rating point, from the table by hand: 0.94 %/K to 38 C
    assert (1.0 - capacity_factor(38.0)) / 3.0 == pytest.approx(0.0094, abs=1e-6)


def test_against_an_independent_generic_dx_curve():
    """HPACCoolCapFT, normalised at 35 C and the same 19.44 C wet bulb, within 1.5 % from the
    rating point to the cut-out (it is fitted to other units; the extrapolation past 46 C is
    the [est] part of both)."""
    x = 19.4444
    t = np.linspace(RATED_AMBIENT_C, MAX_AMBIENT_C, 60)
    generic = _hpac(x, t) / _hpac(x, RATED_AMBIENT_C)
    np.testing.assert_allclose(capacity_factor(t), generic, rtol=0.015)
    # the generic curve gains ~1 %/K below 35 C; the data-centre unit's table does not
    assert _hpac(x, 24.0) / _hpac(x, 35.0) > 1.1


def _hot_day(small_room, t_db_c):
    """small-room with CRAC-3 failed and IT at 110 %: its two units carry ~107 kW each."""
    return run(
        small_room,
        Scenario(name="hot", failed=frozenset({"CRAC-3"}), load_scale={"*": 1.1}, t_db_c=t_db_c),
    )


def test_a_hot_day_pushes_a_loaded_dx_unit_over_its_capacity(small_room):
    rated = _hot_day(small_room, 35.0)
    rc = rated["res_crahs"]
    on = ["CRAC-1", "CRAC-2"]
    load = rc.loc[on, "load_kw"].to_numpy()
    assert np.all((load > 100.0) & (load < 120.0))  # within nameplate at the rating point
    assert not (rated.violations["kind"] == "uncooled").any()
    np.testing.assert_allclose(rc.loc[on, "capacity_avail_kw"], 120.0)

    hot = _hot_day(small_room, 48.0)  # below the 51.7 C cut-out
    rh = hot["res_crahs"]
    cap = 120.0 * (0.8782 - 0.0117 * 2.0)  # 46 C table point and its slope, by hand
    np.testing.assert_allclose(rh.loc[on, "capacity_avail_kw"], cap, rtol=1e-9)
    # the same heat reaches each unit: only what it can remove changes
    np.testing.assert_allclose(rh.loc[on, "load_kw"], load, rtol=1e-9)
    np.testing.assert_allclose(rh.loc[on, "removed_kw"], cap, rtol=1e-9)
    np.testing.assert_allclose(rh.loc[on, "unremoved_kw"], load - cap, rtol=1e-9)
    np.testing.assert_allclose(rh.loc[on, "loading_pct"], 100.0 * load / cap, rtol=1e-9)
    v = hot.violations[hot.violations["kind"] == "uncooled"]
    assert sorted(v["component"]) == on
    np.testing.assert_allclose(v["value"], load - cap, rtol=1e-9)
    for m in v["message"]:
        assert "48.0 °C outdoor air" in m and f"{cap:.1f} kW capacity" in m and "120 kW" in m
    # energy closes: heat removed + heat left in the hall = heat given to the units
    assert float(rh["removed_kw"].sum() + rh["unremoved_kw"].sum()) == pytest.approx(
        float(rh["load_kw"].sum()), rel=1e-12
    )
    assert hot.kpis["heat_unremoved_kw"] == pytest.approx(float((load - cap).sum()), rel=1e-9)
    assert abs(hot.kpis["energy_balance_residual_kw"]) < 1e-6
    assert np.isnan(hot.kpis["pue"])  # no steady state, no efficiency figure


def test_the_cut_out_still_stops_the_unit_with_one_violation(small_room):
    """Above the limit the unit stops (dx_at_ambient): one violation, not also a capacity one."""
    r = _hot_day(small_room, 55.0)
    v = r.violations[r.violations["kind"] == "uncooled"]
    assert sorted(v["component"]) == ["CRAC-1", "CRAC-2"]
    assert all("above the 51.7 °C" in m for m in v["message"])
    rc = r["res_crahs"]
    assert np.all(rc["capacity_avail_kw"] == 0.0)
    assert r.kpis["heat_unremoved_kw"] == pytest.approx(float(rc["load_kw"].sum()))


def test_n1_headroom_reads_the_derated_capacity(small_room):
    """'CRAH air (hall ROOM)' = hall load / (capacity - largest unit), with each DX unit's
    capacity at the run's outdoor air: the same number the solve checked."""
    from twin.metrics.headroom_constraints import constraint_utilisation

    for t, f in ((35.0, 1.0), (48.0, 0.8782 - 0.0117 * 2.0)):
        r = run(small_room, Scenario(t_db_c=t))
        u = constraint_utilisation(small_room, r)["CRAH air (hall ROOM)"]
        load = float(r["res_crahs"]["load_kw"].sum())
        assert u == pytest.approx(load / (2 * 120.0 * f), rel=1e-9)


def test_fast_n1_screen_agrees_with_the_full_solve_on_a_hot_day(small_room_kernel):
    """Losing a CRAC with IT at 110 %: the two left carry ~107 kW each, within their 120 kW
    nameplate but over the ~103 kW they have at 48 C. The fast screen and the brute-force
    re-solves both find no steady state then, and both find one at 35 C."""
    from twin.scenarios import brute_force, sweep

    room = small_room_kernel  # where the screen answers a unit's failure itself
    sets = [(i,) for i in room.crahs.index]
    for t, broken in ((35.0, False), (48.0, True)):
        sc = Scenario(load_scale={"*": 1.1}, t_db_c=t)
        fast, full = sweep(room, sets, sc, verify=False), brute_force(room, sets, sc)
        assert np.isinf(full["t_inlet_max_c"]).all() == broken, full["t_inlet_max_c"]
        assert np.isinf(fast["t_inlet_max_c"]).all() == broken, fast["t_inlet_max_c"]
        assert (fast["racks_at_risk"] == full["racks_at_risk"]).all()


def _small_crac_room():
    """small-room with 70 kW CRACs: ~92 % loaded at 35 C, over their capacity from ~43 C."""
    from twin.layout import loads
    from twin.model import Twin

    path = Path(__file__).resolve().parents[2] / "layouts" / "small-room.yaml"
    text = path.read_text(encoding="utf-8")
    old = "capacity_kw: 120.0"
    assert text.count(old) == 1
    return Twin.from_layout(loads(text.replace(old, "capacity_kw: 70.0"), "small-crac.yaml"))


def test_timeline_and_annual_pue_see_the_capacity_run_sees():
    """The timeline's fitted response and the annual PUE bins both call run(): at a hot hour
    their heat left in the room is run()'s, and none at the rating point."""
    from twin.metrics.pue import annual
    from twin.solve.timeline import Profile, solve_timeline
    from twin.solve.timeline_response import fit_response

    twin = _small_crac_room()
    db = np.repeat([30.0, 35.0, 49.0], 100)
    wb = db - 10.0
    hot = run(twin, Scenario(t_db_c=49.0, t_wb_c=39.0))
    lost = hot.kpis["heat_unremoved_kw"]
    cap = 70.0 * (0.8782 - 0.0117 * 3.0)
    load = hot["res_crahs"]["load_kw"].to_numpy()
    assert lost == pytest.approx(float(np.sum(load - cap)), rel=1e-9) and lost > 10.0
    assert run(twin, Scenario(t_db_c=35.0)).kpis["heat_unremoved_kw"] == 0.0

    resp = fit_response(twin, (db, wb))
    assert 49.0 in resp.t_db_c and 35.0 in resp.t_db_c
    prof = Profile(3600.0, np.full((2, 1), resp.design_it_kw), np.array([35.0, 49.0]))
    s = solve_timeline(resp, prof).steps
    assert s["unremoved_kw"].iloc[0] == 0.0
    assert s["unremoved_kw"].iloc[1] == pytest.approx(lost, rel=1e-6)

    year = annual(twin, weather=pd.DataFrame({"t_db_c": db, "t_wb_c": wb}))
    b = year.bins.set_index("t_db_c")
    assert b.loc[49.0, "heat_unremoved_kw"] == pytest.approx(lost, rel=1e-9)
    assert b.loc[35.0, "heat_unremoved_kw"] == 0.0
    assert np.isnan(year.pue)  # hours with heat left in the room: no annual PUE either
