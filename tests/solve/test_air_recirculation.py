"""Air side: recirculation model, CRAH/CRAC behaviour, ASHRAE checks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import airflow, recirculation, run


@pytest.fixture
def small_room(small_room_open_kernel):
    """The kernel's room: small-room with its hot aisle open, on the kernel (conftest)."""
    return small_room_open_kernel


def test_d_matches_tang_form():
    """D = (I - B)^-1 B K^-1, applied without forming it, equals Tang's (K - A^T K)^-1 - K^-1."""
    rng = np.random.default_rng(1)
    n = 6
    b = rng.uniform(0, 0.1, (n, n))
    k = rng.uniform(0.5, 2.0, n)
    a = (b * k[:, None] / k[None, :]).T  # a_ij = b_ji K_j / K_i
    kk = np.diag(k)
    tang = np.linalg.inv(kk - a.T @ kk) - np.linalg.inv(kk)
    rec = recirculation.Recirculation([(np.arange(n), sp.csr_matrix(b))], k)
    assert np.allclose(rec.operator() @ np.eye(n), tang, rtol=1e-10, atol=1e-12)
    p = rng.uniform(0, 20, n)
    assert np.allclose(rec.rise(p), tang @ p, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("containment", ["none", "hot-aisle", "cold-aisle"])
def test_calibration_hits_hpe_mean(containment):
    """The reference room reproduces the HPE dc-rl mean inlet rise (dense D, numpy)."""
    c = airflow.containment_scale(containment)
    x = (np.arange(10) + 0.5) * 0.6
    inlet = np.c_[np.r_[x, x], np.r_[np.full(10, -0.6), np.full(10, 3.0)]]
    exhaust = np.c_[np.r_[x, x], np.r_[np.full(10, 0.6), np.full(10, 1.8)]]
    p = np.full(20, 10.0)
    d = np.linalg.norm(inlet[:, None, :] - exhaust[None, :, :], axis=2)
    b = c * np.exp(-d / recirculation.DECAY_M)
    k = airflow.rack_k_kw_per_k(p)
    dense = np.linalg.solve(np.eye(20) - b, b / k[None, :])
    assert (dense @ p).mean() == pytest.approx(airflow.TARGET_RISE_K[containment], rel=1e-6)


def test_small_room_rise_in_hpe_range(small_room):
    r = run(small_room)
    rise = r["res_racks"]["t_inlet_c"] - r["res_halls"]["t_supply_c"].iloc[0]
    assert 2.6 <= rise.min() and rise.max() <= 14.2  # HPE 'none' range [REFERENCE 1]
    assert (r["res_racks"]["t_outlet_c"] > r["res_racks"]["t_inlet_c"]).all()


def test_raising_one_rack_heats_it_and_its_neighbours(small_room):
    """A hotter exhaust heats the rack's own inlet and its neighbours'. The rack draws twice
    its power through the airflow it has (given as its design airflow at its present power),
    so its exhaust rises twice as far. (A rack's airflow follows its load, so load_scale alone
    keeps its exhaust rise: tests/solve/test_rack_airflow_load.py.)"""
    base = run(small_room)["res_racks"]["t_inlet_c"]
    layout = small_room.layout.model_copy(deep=True)
    rack = next(r for r in layout.halls[0].racks if r.id == "RA05")
    k = airflow.rack_k_kw_per_k(np.array([rack.power_kw]))[0]
    rack.airflow_m3_s = float(k / airflow.K_AIR_KW_PER_M3S_K)
    rack.power_kw = 2.0 * rack.power_kw
    hot = run(Twin.from_layout(layout))["res_racks"]["t_inlet_c"]
    d = hot - base
    assert d["RA05"] > 0.05
    assert d["RA04"] > 0.01 and d["RA06"] > 0.01
    assert d["RA05"] > d["RA01"]  # decays with distance
    assert (d >= -1e-12).all()


def _with_containment(twin: Twin, containment: str) -> Twin:
    layout = twin.layout.model_copy(deep=True)
    for h in layout.halls:
        h.containment = containment
    return Twin.from_layout(layout)


def test_containment_lowers_recirculation(small_room):
    rises = {}
    for c in ("none", "cold-aisle", "hot-aisle"):
        r = run(_with_containment(small_room, c))
        rises[c] = float(
            r["res_halls"]["t_inlet_mean_c"].iloc[0] - r["res_halls"]["t_supply_c"].iloc[0]
        )
        shi = r["res_halls"]["shi"].iloc[0]
        assert 0 < shi < 1
        # supply air = rack demand, so RTI = hall heat / rack air heat (losses and fans add)
        hall = r["res_halls"].iloc[0]
        air = r["res_racks"]["air_kw"].sum()
        assert hall["rti_pct"] == pytest.approx(100.0 * hall["q_air_kw"] / air, rel=1e-9)
    assert rises["hot-aisle"] < rises["cold-aisle"] < rises["none"]


def test_failed_crac_overloads_survivor_and_raises_supply(small_room):
    # the room is N+1: with two of its three 120 kW CRACs out, the survivor is over capacity
    r = run(small_room, Scenario.fail("CRAC-2", "CRAC-3"))
    crah = r["res_crahs"]
    assert not crah.at["CRAC-2", "running"] and not crah.at["CRAC-3", "running"]
    assert crah.at["CRAC-1", "load_kw"] == pytest.approx(r["res_halls"]["q_air_kw"].iloc[0])
    assert crah.at["CRAC-1", "t_supply_c"] > 18.0
    v = r.violations
    assert ((v["component"] == "CRAC-1") & (v["kind"] == "over_capacity")).any()
    assert r.kpis["t_inlet_max_c"] > run(small_room).kpis["t_inlet_max_c"]


def test_fan_cube_law_and_ashrae_flags(small_room):
    m = airflow.air_model(small_room)
    n = len(small_room.crahs)
    air = small_room.racks["power_kw"].to_numpy() * 0.5
    res = airflow.solve_air(small_room, m, air, np.zeros(1), np.ones(n, bool), np.full(n, np.nan))
    full = airflow.solve_air(
        small_room,
        m,
        small_room.racks["power_kw"].to_numpy(),
        np.zeros(1),
        np.ones(n, bool),
        np.full(n, np.nan),
    )
    speed = res.res_crahs["airflow_m3_s"] / small_room.crahs["airflow_m3_s"]
    assert np.allclose(res.res_crahs["fan_kw"], small_room.crahs["fan_kw"] * speed**3)
    assert np.allclose(
        full.res_crahs["fan_kw"] / res.res_crahs["fan_kw"],
        (full.res_crahs["airflow_m3_s"] / res.res_crahs["airflow_m3_s"]) ** 3,
    )
    # a hot room breaks the A1 allowable limit and shows in the indices
    hot = airflow.solve_air(
        small_room, m, air * 8, np.zeros(1), np.ones(n, bool), np.full(n, np.nan)
    )
    assert (~hot.res_racks["inlet_allowable"]).any()
    assert any(v["kind"] == "over_temperature" for v in hot.violations)
    assert hot.res_halls["rci_hi_pct"].iloc[0] < 100.0
    assert res.res_halls["rci_hi_pct"].iloc[0] == 100.0


def test_measured_coefficients_hook(small_room):
    """Given B per hall replaces the geometric model: zero recirculation -> inlet = supply."""
    import pandas as pd

    ids = small_room.racks.index
    zero = pd.DataFrame(0.0, index=ids, columns=ids)
    r = run(small_room, recirculation={"ROOM": zero})
    assert np.allclose(r["res_racks"]["t_inlet_c"], r["res_halls"]["t_supply_c"].iloc[0])
