"""The air field (twin.solve.airfield): closed forms, conservation, symmetry, what it sees."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from solve.air_helpers import room as _room
from twin.solve import airfield as af
from twin.solve.airflow import K_AIR_KW_PER_M3S_K


def _rise(shares: af.HallShares, p_kw, flow):
    """Inlet rise over supply, K: (I - B) theta = B K^-1 p."""
    b = shares.b_mean.toarray()
    k = K_AIR_KW_PER_M3S_K * np.asarray(flow, float)
    return np.linalg.solve(np.eye(len(b)) - b, b @ (np.asarray(p_kw, float) / k))


def test_single_rack_well_mixed_limit():
    """Huge diffusivity mixes the room: the inlet sees the room air, T_sup + P / (rho cp Q).

    The tracer balance of a well-mixed room: exhaust Q at 1 in; intake Q and return Q
    (supply = rack airflow) at c out, so c = 1/2 and the rise is b / (1 - b) P/K = P/K.
    """
    air = _room(1, diffusivity_m2_s=1e4)
    s = af._solve(air)
    assert s.b_mean.toarray()[0, 0] == pytest.approx(0.5, abs=2e-3)
    p = 5.0
    rise = _rise(s, [p], air.flow_m3_s)[0]
    assert rise == pytest.approx(p / (K_AIR_KW_PER_M3S_K * air.flow_m3_s[0]), rel=1e-2)


@pytest.mark.parametrize("containment", ["hot-aisle", "cold-aisle"])
def test_full_containment_means_no_recirculation(containment):
    air = _room(4, containment=containment, leak=0.0)
    s = af._solve(air)
    assert s.b_mean.nnz == 0 and s.b_top.nnz == 0
    # a leaky one recirculates, less than no containment at all
    leaky = af._solve(dataclasses.replace(air, leak=0.1)).b_mean.toarray().sum()
    open_room = af._solve(dataclasses.replace(air, containment="none")).b_mean.toarray().sum()
    assert 0 < leaky < open_room


def test_contained_aisles_are_the_space_between_the_rows():
    """Two rows back to back: the hot aisle is the gap between their backs, the cold aisles run
    from each front to the wall within AISLE_MAX_M (here 1.2 m away)."""
    from twin.solve.airfield_aisles import aisle_strips

    air = _room(2, size=(4.0, 6.0, 3.0), y=1.8, x0=1.7)
    air = dataclasses.replace(
        air,
        x_m=np.r_[air.x_m, air.x_m],
        y_m=np.r_[air.y_m, air.y_m + 2.4],
        face_y=np.r_[air.face_y, -air.face_y],
        **{k: np.r_[getattr(air, k), getattr(air, k)] for k in
           ("face_x", "width_m", "depth_m", "height_m", "flow_m3_s", "blanking")},
    )  # fmt: skip
    hot = aisle_strips(air, "hot-aisle")
    assert len(hot) == 4
    assert all((s.y0, s.y1) == pytest.approx((2.4, 3.6)) for s in hot)
    cold = aisle_strips(air, "cold-aisle")
    assert sorted({(round(s.y0, 6), round(s.y1, 6)) for s in cold}) == [(0.0, 1.2), (4.8, 6.0)]
    assert aisle_strips(air, "none") == []


@pytest.mark.parametrize("containment", ["hot-aisle", "cold-aisle"])
def test_full_containment_in_a_solve_puts_every_inlet_at_the_supply(small_room, containment):
    """Closed form: a sealed enclosure (leak 0) whose duct carries all the racks' air leaves no
    path from any exhaust to any intake, so every rack inlet is the supply temperature."""
    from twin.model import Twin
    from twin.solve import run

    layout = small_room.layout.model_copy(deep=True)
    h = layout.halls[0]
    h.air_model, h.containment, h.containment_leak = "field", containment, 0.0
    r = run(Twin.from_layout(layout))
    t_sup = r["res_halls"]["t_supply_c"].iloc[0]
    rr = r["res_racks"]
    assert np.abs(rr["t_inlet_c"] - t_sup).max() < 1e-9
    assert np.abs(rr["t_inlet_max_c"] - t_sup).max() < 1e-9


def test_buoyant_drift_keeps_heat_up_and_conserves_it():
    """Warm air drifting up (air_buoyant_drift_m_s) leaves less exhaust at rack fronts, and the
    tracer still balances: what the racks inject leaves by intakes and returns."""
    air = _room(4, u_return=("ceiling",))
    still = af._solve(air)
    drift = af._solve(dataclasses.replace(air, drift_m_s=0.1))
    assert drift.b_mean.toarray().sum() < 0.9 * still.b_mean.toarray().sum()
    assert drift.info["tracer_balance_rel"] < 1e-9


def test_tracer_and_mass_conserved():
    """Every cell's flow balances (potential flow) and every rack's exhaust leaves the hall
    through the intakes and the returns, none lost (upwind finite volumes)."""
    air = _room(6)
    s = af._solve(air)
    assert s.info["continuity_residual_m3_s"] < 1e-9
    assert s.info["tracer_balance_rel"] < 1e-9
    # what the other racks take plus what the returns take is the whole exhaust
    b = s.b_mean.toarray()
    q = air.flow_m3_s
    taken = (b * q[:, None]).sum(axis=0) / q + s.return_share
    assert np.allclose(taken, 1.0, atol=1e-6)


def test_return_air_is_the_mixed_exhaust():
    """With inlets solved, the returns carry exactly the racks' heat: their mixed temperature
    is T_sup + sum P / (rho cp Q_return) (energy balance of the hall)."""
    air = _room(5)
    s = af._solve(air)
    p = np.array([3.0, 8.0, 5.0, 12.0, 4.0])
    k = K_AIR_KW_PER_M3S_K * air.flow_m3_s
    theta_out = _rise(s, p, air.flow_m3_s) + p / k
    returned_kw = float((s.return_share * k * theta_out).sum())
    assert returned_kw == pytest.approx(p.sum(), rel=1e-6)
    t_ret = returned_kw / (K_AIR_KW_PER_M3S_K * air.flow_m3_s.sum())
    assert t_ret == pytest.approx(p.sum() / (K_AIR_KW_PER_M3S_K * air.flow_m3_s.sum()))


def test_mirror_symmetry():
    """A room mirrored in x (racks and units) gives the mirrored shares."""
    size = (8.0, 5.0, 3.0)
    x = np.array([2.6, 3.2, 4.8, 5.4])
    common = dict(
        size_m=size,
        x_m=x,
        y_m=np.full(4, 2.5),
        face_x=np.zeros(4),
        face_y=np.full(4, -1.0),
        width_m=np.full(4, 0.6),
        depth_m=np.full(4, 1.2),
        height_m=np.full(4, 2.0),
        flow_m3_s=np.array([0.4, 0.5, 0.5, 0.4]),
        blanking=np.ones(4),
        ux_m=np.array([0.5, 7.5]),
        uy_m=np.array([1.0, 1.0]),
        u_flow_m3_s=np.array([3.0, 3.0]),
        u_face=np.array([0.0, 1.0]),
        u_supply=("front", "front"),
        u_return=("ceiling", "ceiling"),
    )
    b = af._solve(af.HallAir(**common)).b_mean.toarray()
    flip = np.arange(4)[::-1]
    assert np.allclose(b, b[np.ix_(flip, flip)], atol=1e-9)


def test_unit_position_matters():
    """Moving the unit to the other end of the row changes which racks run hot."""
    air = _room(8, size=(8.4, 5.0, 3.0))  # 28 cells across: the row's centre on a cell face
    west = _rise(af._solve(air), np.full(8, 6.0), air.flow_m3_s)
    east_air = dataclasses.replace(air, ux_m=np.array([7.9]), u_face=np.array([1.0]))
    east = _rise(af._solve(east_air), np.full(8, 6.0), air.flow_m3_s)
    assert np.allclose(west, east[::-1], atol=1e-6)  # the room is mirror-symmetric
    assert not np.allclose(west, west[::-1], atol=0.1)  # but not the row within it


def test_power_distribution_changes_inlets():
    """Same racks, same total power, different distribution: different inlets."""
    air = _room(6, size=(8.0, 5.0, 3.0))
    s = af._solve(air)
    a = _rise(s, [12, 12, 12, 2, 2, 2], air.flow_m3_s)
    b = _rise(s, [2, 2, 2, 12, 12, 12], air.flow_m3_s)
    assert np.abs(a - b).max() > 0.1


def test_top_of_rack_differs_and_blanking_adds_recirculation():
    air = _room(4)
    s = af._solve(air)
    assert not np.allclose(s.b_top.toarray(), s.b_mean.toarray())
    open_u = af._solve(dataclasses.replace(air, blanking=np.zeros(4))).b_mean.toarray()
    assert np.allclose(
        np.diag(open_u) - np.diag(s.b_mean.toarray()), af.BLANKING_OPEN_SHARE, atol=1e-9
    )


def test_boxed_in_rack_is_refused():
    """A rack whose front touches the wall has no air to draw: FieldError names it."""
    air = _room(1, y=0.6)  # 1.2 m deep, centred 0.6 m from the wall its front faces
    with pytest.raises(af.FieldError, match="rack 0: its front is boxed in"):
        af._solve(air)


def test_cache_by_content():
    air = _room(2)
    a = af.hall_shares(air)
    assert af.hall_shares(dataclasses.replace(air)) is a
    assert af.hall_shares(dataclasses.replace(air, diffusivity_m2_s=0.05)) is not a


def test_row_trend_follows_the_supply_momentum():
    """A unit at the end of a row: with a low-momentum supply (no throw) the inlets rise away
    from it (the trend issue 14 reports from a room CFD); a supply jet blowing along the cold
    aisle carries the cold air to the far end and starves the racks next to the unit (what
    our OpenFOAM runs of bench.air_rooms 'row' show: docs/validation.md)."""
    air = _room(10, size=(10.2, 6.0, 3.0), x0=2.0, y=3.0, flow=0.53,
                u_flow_m3_s=np.array([8.0]), uy_m=np.array([1.2]))  # fmt: skip
    p = np.full(10, 8.0)
    still = _rise(af._solve(dataclasses.replace(air, throw_scale=0.0)), p, air.flow_m3_s)
    jet = _rise(af._solve(air), p, air.flow_m3_s)
    # without momentum the supply also short-circuits into the ceiling return above the unit and
    # the far racks breathe their own exhaust (potential flow's limit; calibration scans the
    # throw and rejects it where a room's CFD says otherwise): the rise grows away from the unit
    assert np.all(np.diff(still[:7]) > 0) and still[6] - still[0] > 4.0
    # with the jet, the racks next to the unit are the hottest and the rise falls away from it;
    # the first rack comes out ~2 K below the second (the CFD has it ~2.6 K above: the jet's
    # entrainment, drawn evenly along its path, cools it too much; docs/validation.md)
    assert jet[:2].max() > jet[2:].max() and np.all(np.diff(jet[1:]) < 0)
    assert jet[:2].max() - jet[-1] > 4.0


def test_small_room_gets_the_field_and_top_of_rack_inlets(small_room):
    """With ``air_model: field`` the small room's racks get the air field (the FFD field by
    default: every unit has a position); the top of each front is at least as warm as its mean (solve_air's
    t_inlet_max_c) and somewhere warmer."""
    from twin.model import Twin
    from twin.solve import airflow

    assert airflow.air_model(small_room).hall_method["ROOM"] == "ffd"
    layout = small_room.layout.model_copy(deep=True)
    layout.halls[0].air_model = "field"
    small_room = Twin.from_layout(layout)
    m = airflow.air_model(small_room)
    assert m.hall_method == {"ROOM": "field"}
    n = len(small_room.crahs)
    p = small_room.racks["power_kw"].to_numpy(float)
    res = airflow.solve_air(small_room, m, p, np.zeros(1), np.ones(n, bool), np.full(n, np.nan))
    rr = res.res_racks
    assert (rr["t_inlet_max_c"] >= rr["t_inlet_c"] - 1e-9).all()
    assert (rr["t_inlet_max_c"] > rr["t_inlet_c"] + 0.1).any()
    # the class checks read the top against the maxima (the mean against the minima)
    lim = airflow.ASHRAE_C["A1"]
    top, mean = rr["t_inlet_max_c"], rr["t_inlet_c"]
    assert (rr["inlet_allowable"] == ((top <= lim[3]) & (mean >= lim[2]))).all()
    assert (rr["inlet_recommended"] == ((top <= lim[1]) & (mean >= lim[0]))).all()
    over = {v["component"] for v in res.violations if v["kind"] == "over_temperature"}
    assert over == set(rr.index[top > lim[3]])
    assert res.res_halls["t_inlet_max_c"].iloc[0] == pytest.approx(top.max())
