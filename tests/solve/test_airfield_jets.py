"""Supply jets of the air field (twin.solve.airfield_jets): throw and entrainment."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from twin.solve import airfield as af
from twin.solve import airfield_jets as jets


def test_entrainment_keeps_the_jets_momentum():
    """Zone 3 of a free jet: Q_x / Q_0 = (2 / K) x / sqrt(A_0) with the centreline decay
    u_x / u_0 = K sqrt(A_0) / x, so Q_x u_x = 2 Q_0 u_0: the momentum flux (mean velocity half
    the centreline's in a Gaussian profile) is conserved."""
    for area in (0.25, 1.0, 2.0):
        for x in (5.0, 10.0, 40.0):
            u_ratio = jets.JET_K * np.sqrt(area) / x
            assert jets.jet_entrainment(x, area) * u_ratio == pytest.approx(2.0, rel=1e-12)
    assert jets.jet_entrainment(0.5, 1.0) == 1.0  # near the opening: nothing entrained yet
    # a round jet (d = 0.5 m): Ricou and Spalding (J. Fluid Mech. 11, 1961) measured
    # Q_x / Q_0 = 0.32 x / d; K = 5 for large rectangular openings entrains ~25 % more
    d = 0.5
    ratio = jets.jet_entrainment(10 * d, np.pi * d**2 / 4) / (0.32 * 10)
    assert 1.0 < ratio < 1.5


def test_throw_path_stops_at_the_wall_and_passes_the_aisle():
    g = af._grid((10.0, 4.0, 3.0), 0.6)
    solid = np.zeros(g.n, bool)
    start = g.index3[0, 1:3, 0:2].ravel()
    end, passed, length = jets._throw_path(g, start, 0, solid, 100.0)
    assert np.all(end // (g.ny * g.nz) == g.nx - 1)  # at the far wall
    assert length == pytest.approx((g.nx - 1) * g.hx)
    assert len(passed) == len(start) * (g.nx - 1) and not np.isin(end, passed).any()


def test_field_with_entraining_jet_conserves_air_and_heat():
    n = 8
    air = af.HallAir(
        size_m=(10.0, 6.0, 3.0),
        x_m=np.arange(n) * 0.6 + 2.3,
        y_m=np.full(n, 3.0),
        face_x=np.zeros(n),
        face_y=np.full(n, -1.0),
        width_m=np.full(n, 0.6),
        depth_m=np.full(n, 1.2),
        height_m=np.full(n, 2.2),
        flow_m3_s=np.full(n, 0.5),
        blanking=np.ones(n),
        ux_m=np.array([0.5]),
        uy_m=np.array([1.2]),
        u_flow_m3_s=np.array([6.0]),
        u_face=np.array([0.0]),
        u_supply=("front",),
        u_return=("ceiling",),
    )
    s = af._solve(air)
    assert s.info["continuity_residual_m3_s"] < 1e-9
    assert s.info["tracer_balance_rel"] < 1e-9
    # every rack's exhaust leaves by the intakes or the return: shares and return share sum to 1
    b = s.b_mean.toarray()
    k = air.flow_m3_s
    leaving = (b * k[:, None]).sum(axis=0) / k + s.return_share
    np.testing.assert_allclose(leaving, 1.0, atol=1e-9)


def test_throw_release_is_smooth_in_the_throw():
    """A throw of k + f cells releases 1 - f at k cells and f one further, so the release
    point (and a calibration of the throw) moves continuously; whole cells give `_throw`."""
    g = af._grid((10.0, 4.0, 3.0), 0.6)
    solid = np.zeros(g.n, bool)
    start = g.index3[0, 1:3, 0:2].ravel()
    for dist in (0.0, 0.3 * g.hx, 2.0 * g.hx, 2.4 * g.hx, 3.99 * g.hx):
        rel, rel_w, passed, pw, length = jets.throw_release(g, start, 0, solid, dist)
        assert rel_w.sum() == pytest.approx(1.0) and length == pytest.approx(dist)
        mean_x = float(np.sum(rel_w * (rel // (g.ny * g.nz)))) * g.hx
        assert mean_x == pytest.approx(dist)  # the release point moves with the throw
        assert pw.sum() == pytest.approx(len(start) * dist / g.hx)  # cells passed, in cells
        end, _, whole = jets._throw_path(g, start, 0, solid, dist)
        assert whole == pytest.approx(int(dist / g.hx + 1e-12) * g.hx)
    air = af.HallAir(
        size_m=(12.0, 6.0, 3.0),
        x_m=np.arange(6) * 0.6 + 5.3,
        y_m=np.full(6, 3.0),
        face_x=np.zeros(6),
        face_y=np.full(6, -1.0),
        width_m=np.full(6, 0.6),
        depth_m=np.full(6, 1.2),
        height_m=np.full(6, 2.2),
        flow_m3_s=np.full(6, 0.5),
        blanking=np.ones(6),
        ux_m=np.array([0.5]),
        uy_m=np.array([1.2]),
        u_flow_m3_s=np.array([3.0]),
        u_face=np.array([0.0]),
        u_supply=("front",),
        u_return=("ceiling",),
    )

    def mean_share(scale):
        return af._solve(dataclasses.replace(air, throw_scale=scale)).b_mean.toarray().sum()

    # the jet's throw (63 m at scale 1) is 5 m here, short of the far wall: scales a hair
    # apart give fields a hair apart (no jump of a whole cell)
    a, b, c = mean_share(0.08), mean_share(0.08 + 1e-5), mean_share(0.09)
    assert abs(b - a) < 0.01 * abs(c - a) and c != a


def _opposed(g, q=(6.0, 6.0), iy=(1, 1)):
    """Two front jets along x at the west and east walls, rows `iy` of cells, flows `q`."""
    west = g.index3[0, iy[0], 0:2].ravel()
    east = g.index3[g.nx - 1, iy[1], 0:2].ravel()
    area = 2 * g.hy * g.dz
    return [(west, 0, 100.0, q[0], area), (east, 1, 100.0, q[1], area)]


def test_opposed_jets_meet_where_their_centreline_velocities_are_equal():
    """u(x) = K u0 sqrt(A0) / x (ASHRAE ch. 20): equal jets meet midway; with the same opening,
    jet i reaches L q_i / (q_i + q_j); jets on different lines or both ways east run on."""
    g = af._grid((10.0, 4.0, 3.0), 0.6)
    span = (g.nx - 1) * g.hx  # centre to centre of the two openings' cells
    assert jets.meeting_throws(g, _opposed(g)) == pytest.approx([span / 2, span / 2])
    assert jets.meeting_throws(g, _opposed(g, q=(9.0, 3.0))) == pytest.approx(
        [0.75 * span, 0.25 * span]
    )
    assert jets.meeting_throws(g, _opposed(g, iy=(0, g.ny - 1))) == [100.0, 100.0]
    same_way = _opposed(g)
    same_way[1] = (same_way[1][0], 0, *same_way[1][2:])
    assert jets.meeting_throws(g, same_way) == [100.0, 100.0]


def test_opposed_jets_do_not_hang_on_the_grid():
    """Two rows facing one cold aisle, a unit at each end blowing at the other (the `dense`
    validation room): the room is mirror-symmetric, so are its inlets; moving the rows 5 cm
    either way (units fixed: the jets do not move) moves no inlet by more than 1 K. Before
    the jets met, each ran to the other unit's face and the same 5 cm moved a middle rack's
    inlet by 5 K."""
    from solve.air_helpers import room

    def inlets(x0: float) -> np.ndarray:
        n = 8
        x = np.arange(n) * 0.6 + x0 + 0.3
        both = dict(
            size=(10.0, 8.4, 3.4),
            x_m=np.r_[x, x],
            y_m=np.r_[np.full(n, 2.9), np.full(n, 5.5)],
            face_x=np.zeros(2 * n),
            face_y=np.r_[np.full(n, 1.0), np.full(n, -1.0)],
            width_m=np.full(2 * n, 0.6),
            depth_m=np.full(2 * n, 1.2),
            height_m=np.full(2 * n, 2.0),
            flow_m3_s=np.full(2 * n, 0.8),
            blanking=np.ones(2 * n),
            ux_m=np.array([0.5, 9.5]),
            uy_m=np.array([4.2, 4.2]),
            u_flow_m3_s=np.array([8.0, 8.0]),
            u_face=np.array([0.0, 1.0]),
            u_supply=("front", "front"),
            u_return=("ceiling", "ceiling"),
        )
        air = room(**both)
        b = af.hall_shares(air).b_mean.toarray()
        rise = 12.0 * 0.8 / air.flow_m3_s  # 12 kW racks at 0.8 m3/s: a 12.5 K rise each
        return np.linalg.solve(np.eye(len(b)) - b, b @ rise)

    mid = inlets(2.6)
    assert np.allclose(mid[:8], mid[7::-1], atol=1e-6)  # west-east mirror
    assert np.allclose(mid[:8], mid[8:], atol=1e-6)  # south-north mirror
    for x0 in (2.55, 2.65):
        assert np.abs(inlets(x0) - mid).max() < 1.0
