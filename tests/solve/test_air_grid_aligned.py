"""The air field's rack-aligned rectilinear grid (`twin.solve.airfield_grid._grid_aligned`).

Checked against closed forms (a linear potential on unequal cells), conservation, the
uniform grid it reduces to where the faces already lie on uniform cell faces, a mirror
symmetry, and the uniform grid's own answer to a 5 cm row move."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from solve.air_helpers import room
from twin.solve import airfield as af
from twin.solve.airfield_aisles import box_faces
from twin.solve.airfield_grid import (
    MAX_CELLS_ALIGNED,
    MERGE_M,
    _boxes,
    _face_areas,
    _Grid,
    _grid,
    _grid_aligned,
    _laplacian,
)
from twin.solve.airfield_lu import factorise

RISE_K = 12.0


def _two_rows(dy=0.0, dx=0.0, **kw):
    """Two rows of 8 racks back to back around a 1.2 m hot aisle in a 12 x 8 x 3 m room,
    two units on the west wall blowing east. The rows stand off the uniform grid's cell
    faces (1/3 m), row A's front 0.3 cm past the point where the uniform grid snaps it to the
    next face: a 5 cm move south moves it a whole cell there."""
    x = 2.37 + 0.6 * np.arange(8) + dx
    base = dict(
        size_m=(12.0, 8.0, 3.0),
        x_m=np.r_[x, x],
        y_m=np.r_[np.full(8, 2.77), np.full(8, 5.17)] + dy,
        face_x=np.zeros(16),
        face_y=np.r_[np.full(8, -1.0), np.full(8, 1.0)],
        width_m=np.full(16, 0.6),
        depth_m=np.full(16, 1.2),
        height_m=np.full(16, 2.0),
        flow_m3_s=np.full(16, 0.5),
        blanking=np.ones(16),
        ux_m=np.array([0.5, 0.5]),
        uy_m=np.array([1.0, 7.0]),
        u_flow_m3_s=np.array([5.0, 5.0]),
        u_face=np.array([0.0, 0.0]),
        u_supply=("front", "front"),
        u_return=("ceiling", "ceiling"),
    )
    base.update(kw)
    return af.HallAir(**base)


def _rack_faces(air):
    hx = np.where(np.abs(air.face_y) >= np.abs(air.face_x), air.width_m, air.depth_m) / 2
    hy = np.where(np.abs(air.face_y) >= np.abs(air.face_x), air.depth_m, air.width_m) / 2
    return air.x_m - hx, air.x_m + hx, air.y_m - hy, air.y_m + hy


def _inlet_rise(b: sp.csr_matrix) -> np.ndarray:
    """Each rack's inlet over the supply when every rack heats its intake by `RISE_K`:
    T = B (T + R), the closed form of the shares."""
    b = b.toarray()
    return np.linalg.solve(np.eye(len(b)) - b, b @ np.full(len(b), RISE_K))


def test_every_rack_and_unit_face_lies_on_a_cell_face():
    air = _two_rows()
    g = _grid_aligned(air.size_m, 0.6, box_faces(air, af.CRAH_FOOTPRINT_M / 2))
    assert not g.uniform and g.n <= MAX_CELLS_ALIGNED
    x0, x1, y0, y1 = _rack_faces(air)
    half = af.CRAH_FOOTPRINT_M / 2
    for v in np.r_[x0, x1, air.ux_m - half, air.ux_m + half]:
        assert np.abs(g.x_edges - v).min() < 1e-9
    for v in np.r_[y0, y1, air.uy_m - half, air.uy_m + half]:
        assert np.abs(g.y_edges - v).min() < 1e-9
    # the box lookup finds exactly those faces (no snapping)
    box = _boxes(g, x0, x1, y0, y1, air.height_m)
    np.testing.assert_allclose(g.x_edges[box[:, 0]], x0, atol=1e-9)
    np.testing.assert_allclose(g.x_edges[box[:, 1]], x1, atol=1e-9)
    np.testing.assert_allclose(g.y_edges[box[:, 2]], y0, atol=1e-9)
    np.testing.assert_allclose(g.y_edges[box[:, 3]], y1, atol=1e-9)
    # no sliver, no cell wider than the uniform grid's
    u = _grid(air.size_m, 0.6)
    assert g.min_cell_m >= MERGE_M - 1e-9
    assert g.dx.max() <= max(u.hx, u.hy) + 1e-9 and g.dy.max() <= max(u.hx, u.hy) + 1e-9
    assert g.nz == u.nz and g.dz == u.dz


def test_faces_nearer_than_the_merge_distance_merge_and_walls_stay():
    # a row 3 cm from the south wall and a second row 4 cm off the first's back
    air = _two_rows()
    air = dataclasses.replace(air, y_m=np.r_[np.full(8, 0.63), np.full(8, 1.87)])
    g = _grid_aligned(air.size_m, 0.6, box_faces(air, af.CRAH_FOOTPRINT_M / 2))
    assert g.y_edges[0] == 0.0 and g.y_edges[-1] == air.size_m[1]
    assert np.diff(g.y_edges).min() >= MERGE_M - 1e-9


def _unequal_grid() -> _Grid:
    xe = np.array([0.0, 0.3, 0.37, 0.8, 1.25, 1.6, 2.0])
    ye = np.array([0.0, 0.25, 0.7, 0.78, 1.2, 1.5])
    return _Grid(len(xe) - 1, len(ye) - 1, 4, 0.45, 0.45, 0.4, xe, ye)


def test_laplacian_is_exact_for_a_linear_potential_on_unequal_cells():
    g = _unequal_grid()
    a, b, c = 0.7, -1.3, 2.1
    ix, iy, iz = g.ijk(np.arange(g.n))
    phi = a * g.xc[ix] + b * g.yc[iy] + c * (iz + 0.5) * g.dz
    lap, (fp, fn, gf) = _laplacian(g, np.zeros(g.n, bool))
    # each face's flux is the gradient times its area, exactly (closed form)
    area = _face_areas(g, fp, fn)
    grad = np.where(fn - fp == 1, c, np.where(fn - fp == g.nz, b, a))
    np.testing.assert_allclose(gf * (phi[fn] - phi[fp]), grad * area, rtol=1e-12)
    # interior cells balance; a wall cell's net is the flux through its missing wall face
    wall = (
        a * g.area(np.arange(g.n), 0) * ((ix == g.nx - 1).astype(float) - (ix == 0))
        + b * g.area(np.arange(g.n), 1) * ((iy == g.ny - 1).astype(float) - (iy == 0))
        + c * g.area(np.arange(g.n), 2) * ((iz == g.nz - 1).astype(float) - (iz == 0))
    )
    np.testing.assert_allclose(lap @ phi, wall, atol=1e-12)


def test_laplacian_on_unequal_cells_conserves_flux():
    g = _unequal_grid()
    solid = np.zeros(g.n, bool)
    solid[g.index3[2:4, 1:3, :2].ravel()] = True  # a box
    lap, (fp, fn, gf) = _laplacian(g, solid)
    fluid = np.flatnonzero(~solid)
    rng = np.random.default_rng(3)
    s = np.zeros(g.n)
    s[fluid] = rng.normal(size=len(fluid))
    s[fluid] -= s[fluid].mean()
    m = lap[fluid][:, fluid].tocsc()
    pin = sp.csc_matrix(([1.0], ([0], [0])), shape=m.shape)
    phi = np.zeros(g.n)
    phi[fluid] = factorise(m + pin).solve(s[fluid])
    flux = gf * (phi[fp] - phi[fn])
    net = np.bincount(fp, flux, g.n) - np.bincount(fn, flux, g.n)
    np.testing.assert_allclose(net[fluid], s[fluid], atol=1e-10)
    assert not (solid[fp] | solid[fn]).any()


def _on_cells(**kw):
    """A room whose every face lies on the uniform grid's cell faces (0.5 m cells: 1 m racks
    and units at whole and half metres)."""
    n = 6
    base = dict(
        size_m=(10.0, 8.0, 3.0),
        x_m=np.r_[3.0 + np.arange(n), 3.0 + np.arange(n)],
        y_m=np.r_[np.full(n, 3.0), np.full(n, 5.0)],
        face_x=np.zeros(2 * n),
        face_y=np.r_[np.full(n, -1.0), np.full(n, 1.0)],
        width_m=np.full(2 * n, 1.0),
        depth_m=np.full(2 * n, 1.0),
        height_m=np.full(2 * n, 2.0),
        flow_m3_s=np.full(2 * n, 0.6),
        blanking=np.ones(2 * n),
        ux_m=np.array([0.5, 9.5]),
        uy_m=np.array([1.5, 6.5]),
        u_flow_m3_s=np.array([5.0, 5.0]),
        u_face=np.array([0.0, 1.0]),
        u_supply=("front", "front"),
        u_return=("ceiling", "top"),
    )
    base.update(kw)
    return af.HallAir(**base)


@pytest.mark.parametrize("containment", ["none", "hot-aisle"])
def test_faces_on_uniform_cells_give_the_uniform_grid_and_its_shares(containment):
    air = _on_cells(containment=containment)
    u = _grid(air.size_m, 1.0)
    g = _grid_aligned(air.size_m, 1.0, box_faces(air, af.CRAH_FOOTPRINT_M / 2))
    assert (g.nx, g.ny, g.nz) == (u.nx, u.ny, u.nz)
    np.testing.assert_allclose(g.x_edges, u.x_edges, atol=1e-12)
    np.testing.assert_allclose(g.y_edges, u.y_edges, atol=1e-12)
    aligned = af._solve(air)
    uniform = af._solve(dataclasses.replace(air, grid="uniform"))
    assert aligned.info["grid"] == "aligned" and uniform.info["grid"] == "uniform"
    np.testing.assert_allclose(aligned.b_mean.toarray(), uniform.b_mean.toarray(), atol=1e-10)
    np.testing.assert_allclose(aligned.b_top.toarray(), uniform.b_top.toarray(), atol=1e-10)
    np.testing.assert_allclose(aligned.return_share, uniform.return_share, atol=1e-10)


def test_mirror_symmetric_room_keeps_its_symmetry():
    # one row along x, centred off the cells, a unit at each end blowing at it
    n, w = 8, 11.0
    x = w / 2 + (np.arange(n) - (n - 1) / 2) * 0.6
    air = room(
        n,
        size=(w, 6.0, 3.0),
        x0=float(x[0]),
        y=3.13,
        ux_m=np.array([0.5, w - 0.5]),
        uy_m=np.array([1.7, 1.7]),
        u_flow_m3_s=np.array([3.0, 3.0]),
        u_face=np.array([0.0, 1.0]),
        u_supply=("front", "front"),
        u_return=("ceiling", "ceiling"),
    )
    s = af._solve(air)
    assert s.info["grid"] == "aligned"
    b = s.b_mean.toarray()
    flip = np.arange(n)[::-1]  # rack i <-> rack n - 1 - i
    np.testing.assert_allclose(b[np.ix_(flip, flip)], b, atol=1e-9)
    np.testing.assert_allclose(s.return_share[flip], s.return_share, atol=1e-9)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"containment": "hot-aisle"},
        {"plenum": True, "u_supply": ("floor", "floor")},
        {"drift_m_s": 0.1},
    ],
)
def test_energy_balances_on_the_aligned_grid(kw):
    air = _two_rows(**kw)
    s = af._solve(air)
    assert s.info["grid"] == "aligned"
    assert s.info["continuity_residual_m3_s"] < 1e-9
    assert s.info["tracer_balance_rel"] < 1e-9  # every rack's exhaust leaves by a sink
    # what the racks' fronts and the returns take of each rack's exhaust is all of it
    flows = air.flow_m3_s
    drawn = (s.b_mean.toarray() * flows[:, None]).sum(axis=0) / flows + s.return_share
    np.testing.assert_allclose(drawn, 1.0, atol=1e-6)


@pytest.mark.parametrize("kw", [{}, {"plenum": True, "u_supply": ("floor", "floor")}])
def test_a_5_cm_row_move_changes_the_inlets_little(kw):
    """On the uniform grid a move of 5 cm can move a face by a whole cell; on the aligned grid
    the faces move with the rows. Bound: 0.25 K at a 12 K rise (bench.air_shift's rooms
    change 0.01-0.5 K for 5 cm, smoothly, ~0.1 K per cm at most); the uniform grid's own
    change is measured beside it and must be larger here (its faces snap)."""
    changes = {}
    for grid in ("aligned", "uniform"):
        base = _inlet_rise(af._solve(_two_rows(grid=grid, **kw)).b_mean)
        worst = 0.0
        for dy in (-0.05, 0.05):
            moved = _inlet_rise(af._solve(_two_rows(dy=dy, grid=grid, **kw)).b_mean)
            worst = max(worst, float(np.abs(moved - base).max()))
        changes[grid] = worst
    assert changes["aligned"] < 0.25, changes
    assert changes["aligned"] < changes["uniform"], changes
