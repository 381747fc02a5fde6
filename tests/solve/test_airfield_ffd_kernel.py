"""The numba kernels of the FFD march (twin.solve.airfield_ffd_kernel) against peers:
scipy.ndimage.map_coordinates for the interpolation and back-trace, numpy edge padding for
the diffusion stencil, and the former bincount formulation of the upwind heat step."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.ndimage import map_coordinates

from twin.solve import airfield_ffd_kernel as kern


@pytest.mark.parametrize("shape", [(5, 4, 3), (1, 4, 3), (2, 2, 2), (7, 1, 6), (9, 8, 10)])
def test_interp_is_map_coordinates_order_1_nearest_inside_and_outside(shape):
    rng = np.random.default_rng(sum(shape))
    a = rng.normal(size=shape)
    n = np.array(shape, float)
    pts = rng.uniform(-0.6, 1.6, size=(3000, 3)) * n  # many points outside the array
    pts[:50] = np.round(pts[:50])  # on grid points and edges exactly
    pts[50:60] = -1e-12  # just below zero
    pts[60:70] = n - 1  # on the last grid point
    pts[70:80] = n - 1 + 1e-12  # just past it
    pts[80:83, 0] = [np.nan, np.inf, -np.inf]  # not finite: NaN out, as map_coordinates
    ref = map_coordinates(a, pts.T, order=1, mode="nearest")
    got = kern.interp_many(a, pts)
    assert ((pts < 0) | (pts > n - 1)).any(axis=1).sum() > 1000
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-14)
    assert np.isnan(got[80:83]).all() and np.isfinite(got[:80]).all()
    # the test can fail: another mode (constant 0 outside) differs from it
    assert np.nanmax(np.abs(map_coordinates(a, pts.T, order=1, mode="constant") - got)) > 0.1


def _faces(shape, axis, rng, k=200):
    """Random distinct MAC indices (k x 3) of a face array of a `shape` cell grid."""
    ext = tuple(s + (d == axis) for d, s in enumerate(shape))
    flat = rng.choice(np.prod(ext), size=min(k, np.prod(ext)), replace=False)
    return np.ascontiguousarray(np.stack(np.unravel_index(flat, ext), axis=1)), ext


@pytest.mark.parametrize("midpoint", [False, True])
def test_advect_is_the_map_coordinates_back_trace(midpoint):
    """The former formulation: physical positions, velocity from the three face arrays by
    map_coordinates at each array's index coordinates, the value at the foot of the trace."""
    rng = np.random.default_rng(7)
    shape, sizes, dt = (6, 5, 4), np.array([0.4, 0.3, 0.5]), 0.3
    arrays = [rng.normal(size=tuple(s + (d == a) for d, s in enumerate(shape))) * 2.0
              for a in range(3)]  # fmt: skip  # up to ~6 m/s: traces leave the array
    offset = [np.where(np.arange(3) == a, 0.0, 0.5) for a in range(3)]

    def coords(a, x):
        return x / sizes[:, None] - offset[a][:, None]

    def velocity(x):
        return np.stack([map_coordinates(arrays[b], coords(b, x), order=1, mode="nearest")
                         for b in range(3)])  # fmt: skip

    for a in range(3):
        ijk, _ = _faces(shape, a, rng)
        x = (ijk.T + offset[a][:, None]) * sizes[:, None]
        v = velocity(x)
        if midpoint:
            v = velocity(x - 0.5 * dt * v)
        ref = map_coordinates(arrays[a], coords(a, x - dt * v), order=1, mode="nearest")
        out = np.empty(len(ijk))
        kern.advect(*arrays, a, ijk, dt / sizes, midpoint, out)
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12)
        assert np.abs(out - arrays[a][tuple(ijk.T)]).max() > 0.1  # it moved something


def test_diffuse_is_the_edge_padded_stencil():
    rng = np.random.default_rng(3)
    arr = rng.normal(size=(6, 5, 7))
    inv_h2 = 1.0 / np.array([0.4, 0.3, 0.5]) ** 2
    ijk, _ = _faces((5, 5, 7), 0, rng, k=120)
    where = tuple(ijk.T)
    coef = rng.uniform(0.001, 0.01, len(ijk))
    ref = arr.copy()
    for _ in range(3):
        pad = np.pad(ref, 1, mode="edge")
        inner = pad[1:-1, 1:-1, 1:-1]
        lv = sum((np.roll(pad, 1, b)[1:-1, 1:-1, 1:-1] + np.roll(pad, -1, b)[1:-1, 1:-1, 1:-1]
                  - 2.0 * inner) * inv_h2[b] for b in range(3))  # fmt: skip
        ref[where] += coef * lv[where]
    got = arr.copy()
    kern.diffuse(got, ijk, coef, inv_h2, 3)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    assert np.abs(got - arr).max() > 1e-3


def _heat_reference(f, theta, dt, p, n, dg, sink, vol, w_front, rise, ex_at, ex_q, ex_rack):
    """The bincount formulation the kernel replaced (airfield_ffd before 2026-12-01)."""
    m = len(theta)
    out_p, out_n = np.maximum(f, 0.0), np.maximum(-f, 0.0)
    rate = (np.bincount(p, out_p + dg, m) + np.bincount(n, out_n + dg, m) + sink) / vol
    k = max(1, int(np.ceil(dt * float(rate.max()) / 0.5)))
    h = dt / k
    for _ in range(k):
        t_ex = w_front @ theta + rise
        gain = np.bincount(ex_at, ex_q * t_ex[ex_rack], m)
        tp, tn = theta[p], theta[n]
        face = out_p * tp - out_n * tn + dg * (tp - tn)
        net = np.bincount(n, face, m) - np.bincount(p, face, m) + gain - sink * theta
        theta = theta + h * net / vol
    return theta, k


def test_heat_step_is_the_bincount_upwind_step_and_conserves_heat():
    """A 4 x 4 x 3 box of cells, random face fluxes with divergence equal to the sinks minus
    the exhaust inflow, two racks; against the bincount step, and heat conserved."""
    rng = np.random.default_rng(11)
    shape = (4, 4, 3)
    m = int(np.prod(shape))
    idx = np.arange(m).reshape(shape)
    p = np.concatenate([idx[:-1].ravel(), idx[:, :-1].ravel(), idx[:, :, :-1].ravel()])
    n = np.concatenate([idx[1:].ravel(), idx[:, 1:].ravel(), idx[:, :, 1:].ravel()])
    f = rng.normal(size=len(p)) * 0.05
    dg = np.full(len(p), 0.03 * 0.12)
    sink = np.zeros(m)
    sink[[0, 5]] = 0.2
    ex_at, ex_rack = np.array([20, 21, 40]), np.array([0, 0, 1])
    ex_q = np.array([0.1, 0.1, 0.2])
    fronts = [np.array([2, 3]), np.array([30])]
    w_front = sp.csr_matrix(
        (np.r_[0.5, 0.5, 1.0], (np.r_[0, 0, 1], np.concatenate(fronts))), shape=(2, m)
    )
    rise = np.array([10.0, 12.0])
    theta = rng.uniform(0, 5, m)
    vol = 0.4 * 0.4 * 0.5 * rng.uniform(0.5, 1.5, m)  # per cell (a rectilinear grid's)
    args = (p, n, dg, sink, vol)
    ref, k = _heat_reference(f, theta, 0.5, *args, w_front, rise, ex_at, ex_q, ex_rack)
    got = kern.heat_step(f, theta, 0.5, *args, w_front.indptr, w_front.indices, w_front.data,
                         rise, ex_at, ex_q, ex_rack)  # fmt: skip
    assert k > 1  # sub-stepped
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    assert np.abs(got - theta).max() > 0.1
    # heat: the face terms cancel; a no-flux, no-source box keeps its total (theta * volume)
    none = np.zeros(0, np.int64)
    closed = kern.heat_step(f, theta, 0.5, p, n, dg, np.zeros(m), vol, np.zeros(1, np.int32),
                            none, np.zeros(0), np.zeros(0), none, np.zeros(0), none)  # fmt: skip
    assert (closed * vol).sum() == pytest.approx((theta * vol).sum(), rel=1e-12)


def test_residual_and_correct_are_the_bincount_projection_terms():
    rng = np.random.default_rng(5)
    m, nf = 30, 80
    p, n = rng.integers(0, m, nf), rng.integers(0, m, nf)
    f, g, s, phi = (
        rng.normal(size=nf),
        rng.uniform(0.1, 1, nf),
        rng.normal(size=m),
        rng.normal(size=m),
    )
    div = np.bincount(p, f, m) - np.bincount(n, f, m)
    np.testing.assert_allclose(kern.residual(p, n, f, s), s - div, rtol=0, atol=1e-12)
    np.testing.assert_allclose(kern.correct(f, g, phi, p, n), f + g * (phi[p] - phi[n]),
                               rtol=0, atol=1e-14)  # fmt: skip
