"""The air model works against a DX CRAC's capacity at the run's outdoor air
(twin.solve.dx_cop.derated_capacity_kw, passed to twin.solve.airflow.solve_air), the capacity
twin.solve.coupled_checks.dx_at_capacity checks: a unit between its derated and its rated
capacity supplies warmer air, exactly when it is reported over capacity.

Closed form (airflow.solve_air's coil at fixed effectiveness, supply air ``T_sup = T_evap +
(T_set - T_evap) Q / Q_cap`` with the DX evaporator ``CRAC_EVAP_BELOW_SUPPLY_K`` below the
setpoint): ``T_sup = T_set + CRAC_EVAP_BELOW_SUPPLY_K (Q - Q_avail) / Q_avail`` for a unit given
Q above what it can remove, ``Q_avail = capacity_kw * capacity_factor(T_db)``; the hall's racks
see that supply (their rise over it does not depend on it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.model.scenario import Scenario
from twin.solve import airflow, run
from twin.solve.airflow import CRAC_EVAP_BELOW_SUPPLY_K, K_AIR_KW_PER_M3S_K
from twin.solve.dx_cop import derated_capacity_kw

ON = ["CRAC-1", "CRAC-2"]
F48 = 0.8782 - 0.0117 * 2.0
"""capacity_factor at 48 C by hand: the Liebert DSE 46 C point and its last slope."""


def _hot(small_room, t_db_c):
    """small-room with CRAC-3 failed and IT at 110 %: CRAC-1 and -2 carry ~107 kW each,
    within their 120 kW nameplate, over the ~102.6 kW they have at 48 C."""
    sc = Scenario(name="hot", failed=frozenset({"CRAC-3"}), load_scale={"*": 1.1}, t_db_c=t_db_c)
    return run(small_room, sc)


def test_supply_air_rises_with_the_heat_over_the_derated_capacity(small_room):
    cool, hot = _hot(small_room, 35.0), _hot(small_room, 48.0)
    t_set = small_room.crahs.loc[ON, "t_supply_c"].to_numpy(float)
    rc0, rc = cool["res_crahs"], hot["res_crahs"]
    load = rc.loc[ON, "load_kw"].to_numpy(float)
    avail = 120.0 * F48
    assert np.all((load > avail) & (load < 120.0))  # between derated and rated
    np.testing.assert_allclose(rc0.loc[ON, "t_supply_c"], t_set, rtol=0, atol=0)  # 35 C: setpoint

    # the closed form, and the same capacity the DX check reports
    want = t_set + CRAC_EVAP_BELOW_SUPPLY_K * (load - avail) / avail
    np.testing.assert_allclose(rc.loc[ON, "t_supply_c"], want, rtol=1e-12)
    assert np.all(want - t_set > 0.5)  # ~0.54 K: not a rounding effect
    np.testing.assert_allclose(rc.loc[ON, "capacity_avail_kw"], avail, rtol=1e-12)
    np.testing.assert_allclose(rc.loc[ON, "loading_pct"], 100.0 * load / avail, rtol=1e-12)

    # the hall's supply is the running units' airflow-weighted mix (both equal here), and
    # every rack inlet moves with it: mean and top, by exactly the supply's rise
    h0, h = cool["res_halls"].iloc[0], hot["res_halls"].iloc[0]
    assert h["t_supply_c"] == pytest.approx(want.mean(), rel=1e-12)
    d_sup = h["t_supply_c"] - h0["t_supply_c"]
    for col in ("t_inlet_c", "t_inlet_max_c", "t_outlet_c"):
        d = hot["res_racks"][col] - cool["res_racks"][col]
        np.testing.assert_allclose(d, d_sup, atol=1e-9)
    assert hot.kpis["t_inlet_max_c"] == pytest.approx(cool.kpis["t_inlet_max_c"] + d_sup, abs=1e-9)
    assert h["crah_capacity_kw"] == pytest.approx(2 * avail, rel=1e-12)  # running units, now

    # energy closes: the air carries the hall's heat from supply to return, each unit
    # removes what it can and leaves the rest, and the site balance holds
    v = h["airflow_supply_m3_s"]
    q_air = K_AIR_KW_PER_M3S_K * v * (h["t_return_c"] - h["t_supply_c"])
    assert q_air == pytest.approx(h["q_air_kw"], rel=1e-12)
    np.testing.assert_allclose(rc.loc[ON, "removed_kw"], avail, rtol=1e-12)
    np.testing.assert_allclose(
        rc["removed_kw"] + rc["unremoved_kw"], rc["load_kw"], rtol=1e-12, atol=1e-12
    )
    assert hot.kpis["heat_unremoved_kw"] == pytest.approx(float((load - avail).sum()), rel=1e-9)
    assert abs(hot.kpis["energy_balance_residual_kw"]) < 1e-6


def test_one_set_of_units_is_over_capacity_in_every_view(small_room):
    """The units whose supply air rises, those the air model calls over capacity and those
    the DX check leaves heat for are the same, against the same capacity."""
    for t_db, over in ((35.0, []), (45.0, ON), (48.0, ON)):
        r = _hot(small_room, t_db)
        rc, v = r["res_crahs"], r.violations
        t_set = small_room.crahs["t_supply_c"]
        rises = sorted(rc.index[rc["running"] & (rc["t_supply_c"] > t_set)])
        left = sorted(rc.index[rc["unremoved_kw"] > 0])
        oc = v[v["kind"] == "over_capacity"].set_index("component")
        unc = v[v["kind"] == "uncooled"]
        assert rises == left == sorted(oc.index) == sorted(unc["component"]) == over, t_db
        if over:
            np.testing.assert_allclose(oc.loc[over, "limit"], rc.loc[over, "capacity_avail_kw"])
            np.testing.assert_allclose(oc.loc[over, "value"], rc.loc[over, "load_kw"])


def test_rated_capacity_and_chilled_water_are_bit_identical(small_room, layouts_dir):
    """At and below the 35 C rating point the DX capacity is exactly capacity_kw, so the air
    solve given it equals the air solve without it; a chilled-water CRAH's never changes."""
    from twin.model import Twin

    m = airflow.air_model(small_room)
    n = len(small_room.crahs)
    p = small_room.racks["power_kw"].to_numpy() * 2.0  # over nameplate too: the rise path
    args = (small_room, m, p, np.zeros(1), np.ones(n, bool), np.full(n, np.nan))
    ref = airflow.solve_air(*args)
    assert (ref.res_crahs["t_supply_c"] > 18.0).all()
    for t_db in (-20.0, 20.0, 35.0):
        cap = derated_capacity_kw(small_room.crahs, t_db)
        assert np.array_equal(cap, small_room.crahs["capacity_kw"].to_numpy(float))
        got = airflow.solve_air(*args, capacity_kw=cap)
        for name in ("res_racks", "res_crahs", "res_halls"):
            pd.testing.assert_frame_equal(getattr(got, name), getattr(ref, name), check_exact=True)
        assert got.violations == ref.violations
    crahs = Twin.load(layouts_dir / "ai-factory-hall.yaml").crahs
    assert (crahs["type"] == "crah").all()
    for t_db in (35.0, 48.0, 60.0):
        assert np.array_equal(derated_capacity_kw(crahs, t_db), crahs["capacity_kw"].to_numpy())
