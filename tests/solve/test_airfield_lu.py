"""The air field's fast superposition solve (twin.solve.airfield_lu) against SuperLU's own."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from twin.solve import airfield as af
from twin.solve import airfield_lu


def _upwind_matrix(nx=9, ny=7, nz=5, seed=1):
    """A tracer matrix as the field builds it: a random flow on a box grid, upwind + diffusion,
    an outflow sink in a few cells (an M-matrix with a symmetric pattern)."""
    rng = np.random.default_rng(seed)
    idx = np.arange(nx * ny * nz).reshape(nx, ny, nz)
    fp = np.r_[idx[:-1].ravel(), idx[:, :-1].ravel(), idx[:, :, :-1].ravel()]
    fn = np.r_[idx[1:].ravel(), idx[:, 1:].ravel(), idx[:, :, 1:].ravel()]
    flux = rng.normal(size=len(fp))
    dg = 0.05
    m = idx.size
    sink = np.zeros(m)
    sink[rng.choice(m, 5, replace=False)] = 1.0
    out_p, out_n = np.maximum(flux, 0), np.maximum(-flux, 0)
    diag = np.bincount(fp, out_p + dg, m) + np.bincount(fn, out_n + dg, m) + sink
    return sp.csr_matrix(
        (
            np.r_[diag, -(out_n + dg), -(out_p + dg)],
            (np.r_[np.arange(m), fp, fn], np.r_[np.arange(m), fn, fp]),
        ),
        shape=(m, m),
    )


def test_many_rhs_equal_superlu_default():
    a = _upwind_matrix()
    b = np.random.default_rng(2).random((a.shape[0], 13))
    fast = airfield_lu.ManyRhsLU(a)
    x = fast.solve(b)
    ref = spla.splu(a.tocsc()).solve(b)  # SuperLU's defaults: COLAMD, partial pivoting
    assert np.abs(x - ref).max() <= 1e-10 * np.abs(ref).max()
    assert np.abs(a @ x - b).max() <= 1e-10 * np.abs(b).max()
    np.testing.assert_allclose(fast.solve(b[:, 0]), ref[:, 0], rtol=0, atol=1e-10 * abs(ref).max())


class _PlainLU:
    """SuperLU with its defaults, one right-hand side at a time (the field before the fast path)."""

    def __init__(self, a):
        self.lu = spla.splu(sp.csc_matrix(a))

    def solve(self, b):
        if b.ndim == 1:
            return self.lu.solve(b)
        return np.column_stack([self.lu.solve(np.ascontiguousarray(c)) for c in b.T])


def _hall(n=24, containment="hot-aisle", **kw):
    """Two rows back to back around a hot aisle, two units facing them."""
    half = n // 2
    x = np.r_[np.arange(half), np.arange(half)] * 0.6 + 2.0
    return af.HallAir(
        size_m=(12.0, 9.0, 3.2),
        x_m=x,
        y_m=np.r_[np.full(half, 3.0), np.full(half, 5.4)],
        face_x=np.zeros(n),
        face_y=np.r_[np.full(half, -1.0), np.full(half, 1.0)],
        width_m=np.full(n, 0.6),
        depth_m=np.full(n, 1.2),
        height_m=np.full(n, 2.2),
        flow_m3_s=np.linspace(0.3, 0.9, n),
        blanking=np.r_[np.ones(n - 2), 0.5, 0.0],
        ux_m=np.array([0.5, 0.5]),
        uy_m=np.array([1.2, 7.8]),
        u_flow_m3_s=np.array([6.0, 4.0]),
        u_face=np.array([0.0, 0.0]),
        u_supply=("front", "front"),
        u_return=("ceiling", "top"),
        containment=containment,
        **kw,
    )


@pytest.mark.parametrize(
    "air",
    [_hall(), _hall(containment="none", drift_m_s=0.2, diffusivity_m2_s=0.1)],
    ids=["hot-aisle", "open-drift"],
)
def test_field_shares_equal_plain_superlu(air, monkeypatch):
    fast = af._solve(air)
    monkeypatch.setattr(af, "ManyRhsLU", _PlainLU)
    monkeypatch.setattr(af, "factorise", lambda a: spla.splu(sp.csc_matrix(a)))
    plain = af._solve(air)
    assert fast.cells == plain.cells
    for name in ("b_mean", "b_top"):
        diff = np.abs(getattr(fast, name).toarray() - getattr(plain, name).toarray()).max()
        assert diff <= 1e-9, name
    assert np.abs(fast.return_share - plain.return_share).max() <= 1e-9
    b = fast.b_mean.toarray()
    assert b.sum() - np.trace(b) > 1.0  # racks draw each other's exhaust: not a vacuous check


def test_field_is_cached_by_content():
    air = _hall(n=8, containment="none")
    af._CACHE.clear()
    first = af.hall_shares(air)
    same = af.hall_shares(dataclasses.replace(air, x_m=air.x_m.copy()))  # equal content
    assert same is first
    other = af.hall_shares(dataclasses.replace(air, diffusivity_m2_s=0.1))
    assert other is not first
