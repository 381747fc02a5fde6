"""The FFD on the rack-aligned (rectilinear) grid: its kernels (`interp_rect`, `advect_rect`,
`diffuse_rect`, `predict_rect` in twin.solve.airfield_ffd_kernel; geometry in
twin.solve.airfield_ffd_grid) against scipy's RegularGridInterpolator and a numpy flux-form
stencil on unequal spacing, against the uniform kernels on equal spacing (to round-off), and
the march on the aligned grid: continuity, tracer balance, mirror symmetry."""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import pytest
from scipy.interpolate import RegularGridInterpolator

from solve.air_helpers import room as _room
from twin.solve import airfield as af
from twin.solve import airfield_ffd as ffd
from twin.solve import airfield_ffd_grid as fg
from twin.solve import airfield_ffd_kernel as kern
from twin.solve.airfield_grid import _Grid, _laplacian

pytestmark = pytest.mark.usefixtures("fresh_marches")  # they count or spy on marches


def _edges(rng, n, lo=0.06, hi=0.6):
    return np.r_[0.0, np.cumsum(rng.uniform(lo, hi, n))]


def _coords(xe, ye, nz, dz):
    """xe, xc, ye, yc, ze, zc."""
    ze = dz * np.arange(nz + 1)
    return xe, 0.5 * (xe[1:] + xe[:-1]), ye, 0.5 * (ye[1:] + ye[:-1]), ze, 0.5 * (ze[1:] + ze[:-1])


def _nodes(c, a):
    """Node coordinates (x, y, z) of face array a: faces along a, centres across."""
    return tuple(c[2 * b] if b == a else c[2 * b + 1] for b in range(3))


def _rgi(arr, nodes, pts):
    """scipy's trilinear value at pts (k x 3), each coordinate clamped to the nodes' range."""
    lo = np.array([x[0] for x in nodes])
    hi = np.array([x[-1] for x in nodes])
    return RegularGridInterpolator(nodes, arr)(np.clip(pts, lo, hi))


def test_interp_rect_is_regular_grid_interpolator_clamped():
    rng = np.random.default_rng(1)
    nodes = (_edges(rng, 7), _edges(rng, 5), _edges(rng, 3, 0.3, 0.5))
    arr = rng.normal(size=tuple(len(x) for x in nodes))
    ext = np.array([x[-1] for x in nodes])
    pts = rng.uniform(-0.3, 1.3, size=(3000, 3)) * ext  # many outside
    pts[:40] = np.stack([rng.choice(x, 40) for x in nodes], axis=1)  # on nodes exactly
    ref = _rgi(arr, nodes, pts)
    got = kern.interp_rect_many(arr, *nodes, pts)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-13)
    # any starting node gives the same value (the search walks from it)
    for q in range(0, 3000, 37):
        hint = rng.integers(-2, 9, 3)
        v = kern.interp_rect(arr, *nodes, *pts[q], *hint)
        assert v == pytest.approx(ref[q], abs=1e-13)
    bad = np.array([[np.nan, 0.1, 0.1], [np.inf, 0.1, 0.1], [0.1, -np.inf, 0.1]])
    assert np.isnan(kern.interp_rect_many(arr, *nodes, bad)).all()
    # the test can fail: index-space interpolation (as if equally spaced) differs
    idx = [np.interp(pts[:, b], nodes[b], np.arange(len(nodes[b]))) for b in range(3)]
    assert np.abs(kern.interp_many(arr, np.stack(idx, axis=1)) - got).max() < 1e-12
    lin = np.stack([pts[:, b] / ext[b] * (len(nodes[b]) - 1) for b in range(3)], axis=1)
    assert np.abs(kern.interp_many(arr, lin) - got).max() > 0.1


def _arrays(rng, nx, ny, nz, scale=2.0):
    return [rng.normal(size=(nx + (a == 0), ny + (a == 1), nz + (a == 2))) * scale
            for a in range(3)]  # fmt: skip


def _moving(arr, a, rng, share=0.6):
    """Random MAC indices (k x 3) of arr's faces off the walls along a."""
    inner = np.argwhere(np.ones(arr.shape, bool))
    inner = inner[(inner[:, a] > 0) & (inner[:, a] < arr.shape[a] - 1)]
    return np.ascontiguousarray(inner[rng.random(len(inner)) < share])


@pytest.mark.parametrize("midpoint", [False, True])
def test_advect_rect_is_the_physical_back_trace(midpoint):
    """Positions in metres, the velocity from the three face arrays by RegularGridInterpolator
    at each array's own nodes, the array's value at the foot of the trace."""
    rng = np.random.default_rng(2)
    nx, ny, nz, dz, dt = 6, 5, 4, 0.5, 0.3
    c = _coords(_edges(rng, nx), _edges(rng, ny), nz, dz)
    arrays = _arrays(rng, nx, ny, nz)  # up to ~6 m/s: traces cross cells and leave the room

    def velocity(x):
        return np.stack([_rgi(arrays[b], _nodes(c, b), x) for b in range(3)], axis=1)

    for a in range(3):
        ijk = _moving(arrays[a], a, rng)
        nodes = _nodes(c, a)
        x = np.stack([nodes[b][ijk[:, b]] for b in range(3)], axis=1)
        v = velocity(x)
        if midpoint:
            v = velocity(x - 0.5 * dt * v)
        ref = _rgi(arrays[a], nodes, x - dt * v)
        out = np.empty(len(ijk))
        kern.advect_rect(*arrays, a, ijk, *c, dt, midpoint, out)
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12)
        assert np.abs(out - arrays[a][tuple(ijk.T)]).max() > 0.1  # it moved something


@pytest.mark.parametrize("midpoint", [False, True])
def test_advect_rect_on_equal_cells_is_the_uniform_advect(midpoint):
    rng = np.random.default_rng(3)
    (nx, ny, nz), sizes, dt = (6, 5, 4), np.array([0.4, 0.3, 0.5]), 0.3
    c = _coords(sizes[0] * np.arange(nx + 1), sizes[1] * np.arange(ny + 1), nz, sizes[2])
    arrays = _arrays(rng, nx, ny, nz)
    for a in range(3):
        ijk = _moving(arrays[a], a, rng)
        got, ref = np.empty(len(ijk)), np.empty(len(ijk))
        kern.advect_rect(*arrays, a, ijk, *c, dt, midpoint, got)
        kern.advect(*arrays, a, ijk, dt / sizes, midpoint, ref)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)


def _flux_form_step(arr, nodes, widths, coef_all):
    """One explicit step in flux form: between neighbouring nodes a flux (difference over
    their distance), each node gaining the net over its control width; no flux past the ends."""
    out = np.zeros_like(arr)
    for b in range(3):
        d = np.diff(nodes[b])
        shape = [1, 1, 1]
        shape[b] = -1
        flux = np.diff(arr, axis=b) / d.reshape([len(d) if s == -1 else 1 for s in shape])
        net = np.zeros_like(arr)
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[b], hi[b] = slice(0, -1), slice(1, None)
        net[tuple(lo)] += flux
        net[tuple(hi)] -= flux
        out += net / widths[b].reshape(shape)
    return arr + coef_all * out


def test_diffuse_rect_is_the_flux_form_and_conserves():
    rng = np.random.default_rng(4)
    nx, ny, nz, dz = 6, 5, 4, 0.5
    c = _coords(_edges(rng, nx, 0.2, 0.6), _edges(rng, ny, 0.2, 0.6), nz, dz)
    geo = fg.Mac(c, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(3))
    for a in range(3):
        arr = rng.normal(size=(nx + (a == 0), ny + (a == 1), nz + (a == 2)))
        nodes = _nodes(c, a)
        coefs = fg.array_coefs(geo, a)
        # control widths: centre to centre on the faces' axis (one spacing at a wall), the
        # cell across
        widths = []
        for b in range(3):
            if b == a:
                d = np.diff(nodes[b])
                widths.append(np.r_[d[0], 0.5 * (d[:-1] + d[1:]), d[-1]])
            else:
                widths.append(np.diff(c[2 * b]))
        every = np.ascontiguousarray(np.argwhere(np.ones(arr.shape, bool)))
        coef = 0.002
        ref = arr.copy()
        for _ in range(3):
            ref = _flux_form_step(ref, nodes, widths, coef)
        got = arr.copy()
        kern.diffuse_rect(got, every, np.full(len(every), coef), *coefs, 3)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
        assert np.abs(got - arr).max() > 1e-3
        vol = widths[0][:, None, None] * widths[1][None, :, None] * widths[2][None, None, :]
        assert (got * vol).sum() == pytest.approx((arr * vol).sum(), rel=1e-12)  # conserved
        assert fg.max_rate(coefs, every) * coef < 1.0  # the step was within its bound


def test_diffuse_rect_on_equal_cells_is_the_uniform_diffuse():
    rng = np.random.default_rng(5)
    (nx, ny, nz), sizes = (5, 5, 7), np.array([0.4, 0.3, 0.5])
    c = _coords(sizes[0] * np.arange(nx + 1), sizes[1] * np.arange(ny + 1), nz, sizes[2])
    geo = fg.Mac(c, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(3))
    arr = rng.normal(size=(nx + 1, ny, nz))
    ijk = _moving(arr, 0, rng)
    coef = rng.uniform(0.001, 0.01, len(ijk))
    got, ref = arr.copy(), arr.copy()
    kern.diffuse_rect(got, ijk, coef, *fg.array_coefs(geo, 0), 3)
    kern.diffuse(ref, ijk, coef, 1.0 / sizes**2, 3)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    assert np.abs(got - arr).max() > 1e-3


def test_predict_rect_on_equal_cells_is_the_uniform_predict():
    rng = np.random.default_rng(6)
    (nx, ny, nz), sizes, dt, k_nu = (6, 5, 4), np.array([0.4, 0.3, 0.5]), 0.2, 2
    c = _coords(sizes[0] * np.arange(nx + 1), sizes[1] * np.arange(ny + 1), nz, sizes[2])
    geo = fg.Mac(c, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(3))
    arrays = _arrays(rng, nx, ny, nz)
    ijk = [_moving(arr, a, rng, 0.7) for a, arr in enumerate(arrays)]
    at = [np.ravel_multi_index(tuple(q.T), arr.shape) for q, arr in zip(ijk, arrays, strict=True)]
    fix = []
    for a, arr in enumerate(arrays):
        still = np.setdiff1d(np.arange(arr.size), at[a])[::3]
        fix.append(np.stack([still, rng.normal(size=len(still))], axis=1))
    which = np.concatenate([np.full(len(q), a) for a, q in enumerate(at)]).astype(np.int64)
    idx = np.concatenate(at).astype(np.int64)
    area = rng.uniform(0.1, 0.2, len(which))
    coef = [rng.random(len(q)) * 0.01 for q in ijk]
    fv = [fg.array_coefs(geo, a) for a in range(3)]
    got, ref = [a.copy() for a in arrays], [a.copy() for a in arrays]
    f_got, f_ref = np.empty(len(which)), np.empty(len(which))
    scratch = [np.empty(len(q)) for q in ijk]
    kern.predict_rect(*got, *fix, *ijk, *at, *c, dt, False, *coef, *fv, k_nu, which, idx, area,
                      *scratch, f_got)  # fmt: skip
    kern.predict(*ref, *fix, *ijk, *at, dt / sizes, False, *coef, 1.0 / sizes**2, k_nu, which,
                 idx, area, *scratch, f_ref)  # fmt: skip
    np.testing.assert_allclose(f_got, f_ref, rtol=0, atol=1e-12)
    for a in range(3):
        np.testing.assert_allclose(got[a], ref[a], rtol=0, atol=1e-12)
    assert np.abs(f_ref).max() > 0.1


def test_mac_geometry_matches_the_field_on_both_grids():
    """Open faces' conductance is the field's own (so no face is taken for a baffle), the
    cells' volumes add up to the room, and on a uniform grid the areas are the uniform ones."""
    rng = np.random.default_rng(7)
    xe, ye = _edges(rng, 9, 0.1, 0.5), _edges(rng, 8, 0.1, 0.5)
    for g in (_Grid(9, 8, 4, 0.5, 0.5, 0.6, xe, ye), _Grid(9, 8, 4, 0.4, 0.3, 0.6)):
        solid = np.zeros(g.n, bool)
        solid[rng.choice(g.n, 30, replace=False)] = True
        _, (fp, fn, gf) = _laplacian(g, solid)
        axis = np.select([fn - fp == g.ny * g.nz, fn - fp == g.nz], [0, 1], 2)
        geo = fg.mac(g, fp, fn, axis)
        np.testing.assert_allclose(geo.nominal, gf, rtol=1e-14)
        assert geo.vol.sum() == pytest.approx(g.x_edges[-1] * g.y_edges[-1] * g.nz * g.dz)
        if g.uniform:
            old = np.array([g.hy * g.dz, g.hx * g.dz, g.hx * g.hy])[axis]
            assert np.array_equal(geo.area, old) and np.all(geo.vol == g.hx * g.hy * g.dz)
        else:
            assert np.ptp(geo.vol) > 0.01  # unequal cells


def _march_flux(air, rect=None):
    """The field's FFD flux of `air` (its shares and info), `rect` forced where given."""
    keep = ffd.ffd_flux
    if rect is not None:
        ffd.ffd_flux = functools.partial(keep, rect=rect)
    try:
        af._CACHE.clear()
        af._FFD_CACHE.clear()
        return af._solve(air)
    finally:
        ffd.ffd_flux = keep


def test_the_rect_march_on_the_uniform_grid_is_the_uniform_march(monkeypatch):
    monkeypatch.setattr(ffd, "GRID", "uniform")
    air = dataclasses.replace(_room(4), flow="ffd", ffd_dt_s=0.3)
    old, new = _march_flux(air, rect=False), _march_flux(air, rect=True)
    assert old.info["grid"] == new.info["grid"] == "uniform"
    assert old.info["ffd_steps"] == new.info["ffd_steps"]
    np.testing.assert_allclose(new.b_mean.toarray(), old.b_mean.toarray(), rtol=0, atol=1e-7)
    assert old.b_mean.toarray().max() > 0.01


def test_the_march_on_the_aligned_grid_keeps_continuity_and_balance(monkeypatch):
    monkeypatch.setattr(ffd, "GRID", "aligned")
    air = dataclasses.replace(_room(4, x0=1.23), flow="ffd")
    s = _march_flux(air)
    assert s.info["grid"] == "aligned"
    assert s.info["ffd_continuity_m3_s"] < 1e-12 * 5.0
    assert s.info["tracer_balance_rel"] < 1e-9
    assert np.all((s.return_share > 0) & (s.return_share <= 1 + 1e-9))
    monkeypatch.setattr(ffd, "GRID", "uniform")  # the switch: another grid, another flow
    u = _march_flux(air)
    assert u.info["grid"] == "uniform" and u.cells != s.cells


def test_mirror_symmetric_room_on_the_aligned_grid(monkeypatch):
    """Two racks mirror images about x = 2.1 m, (x0 = 1.8), one
    unit on the mirror line: the aligned grid is mirror symmetric, so are the shares."""
    monkeypatch.setattr(ffd, "GRID", "aligned")
    kw = dict(size=(4.2, 4.2, 3.0), ux_m=np.array([2.1]), uy_m=np.array([0.5]),
              u_face=np.array([2.0]))  # fmt: skip
    air = dataclasses.replace(_room(2, x0=1.8, **kw), flow="ffd", ffd_dt_s=0.5)
    s = _march_flux(air)
    b = s.b_mean.toarray()
    assert s.info["grid"] == "aligned"
    assert b[0, 0] > 1e-3 and b[0, 1] > 1e-3
    assert b[0, 0] == pytest.approx(b[1, 1], rel=1e-6)
    assert b[0, 1] == pytest.approx(b[1, 0], rel=1e-6)


def test_the_march_is_the_same_to_the_bit_on_one_thread_on_every_core_and_side_by_side(
    monkeypatch,
):
    """`kern.PARALLEL`: the back-trace and diffusion loops run on every core, each face's value
    alone, so one thread, every core and two marches at once from two threads (two app
    sessions) give the same flow to the bit (numba fusing the diffusion's two loops into one
    did not: the hybrid hall's spread moved from 0.374 to 0.323 K)."""
    import threading

    import numba

    monkeypatch.setattr(ffd, "GRID", "aligned")
    air = dataclasses.replace(_room(4, x0=1.23), flow="ffd")
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = _march_flux(air).b_mean.toarray()
    finally:
        numba.set_num_threads(before)
    every = _march_flux(air).b_mean.toarray()
    assert np.array_equal(one, every) and one.max() > 0.01
    got = [None, None]

    def march(i):
        got[i] = af._solve(air).b_mean.toarray()

    af._FFD_CACHE.clear()
    threads = [threading.Thread(target=march, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.array_equal(g, every) for g in got)
