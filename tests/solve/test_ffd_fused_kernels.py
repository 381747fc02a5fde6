"""The FFD march's fused step kernels (`predict`, `settle` in twin.solve.airfield_ffd_kernel)
against the separate kernels they chain, which tests/solve/test_airfield_ffd_kernel.py checks
against scipy and numpy peers: the same numbers to the bit."""

from __future__ import annotations

import numpy as np
import pytest

from twin.solve import airfield_ffd_kernel as kern

SHAPE = (6, 5, 4)


def _setup(rng):
    arrays = [rng.normal(size=tuple(s + (d == a) for d, s in enumerate(SHAPE))) * 2.0
              for a in range(3)]  # fmt: skip
    ijk, at, fix = [], [], []
    for a, arr in enumerate(arrays):
        inner = np.argwhere(np.ones(arr.shape, bool))
        inner = inner[(inner[:, a] > 0) & (inner[:, a] < arr.shape[a] - 1)]
        pick = inner[rng.random(len(inner)) < 0.7]  # moving faces; the rest are bodies'
        ijk.append(np.ascontiguousarray(pick))
        at.append(np.ravel_multi_index(tuple(pick.T), arr.shape))
        still = np.setdiff1d(np.arange(arr.size), at[-1])[::3]
        fix.append(np.stack([still, rng.normal(size=len(still))], axis=1))
    # a face list over all three arrays' moving faces plus some baffle faces (-1)
    which = np.concatenate([np.full(len(c), a) for a, c in enumerate(at)] + [np.full(5, -1)])
    idx = np.concatenate(at + [np.zeros(5, np.int64)])
    order = rng.permutation(len(which))
    return arrays, ijk, at, fix, which[order].astype(np.int64), idx[order].astype(np.int64)


@pytest.mark.parametrize("midpoint", [False, True])
def test_predict_is_fix_advect_diffuse_to_faces(midpoint):
    rng = np.random.default_rng(3)
    arrays, ijk, at, fix, which, idx = _setup(rng)
    sizes, dt, k_nu = np.array([0.4, 0.3, 0.5]), 0.2, 2
    inv_h2 = 1.0 / sizes**2
    coef = [rng.random(len(c)) * 0.01 for c in ijk]
    area = np.array([0.15, 0.2, 0.12])[which] * rng.uniform(0.5, 1.5, len(which))  # per face
    # the separate kernels, in the march's former order
    ref = [a.copy() for a in arrays]
    flat = [a.reshape(-1) for a in ref]
    for a in range(3):
        flat[a][fix[a][:, 0].astype(np.int64)] = fix[a][:, 1]
    new = [np.empty(len(c)) for c in ijk]
    for a in range(3):
        kern.advect(*ref, a, ijk[a], dt / sizes, midpoint, new[a])
    for a in range(3):
        flat[a][at[a]] = new[a]
        kern.diffuse(ref[a], ijk[a], coef[a], inv_h2, k_nu)
    f_ref = np.empty(len(which))
    kern.to_faces(*flat, which, idx, area, f_ref)
    # fused
    got = [a.copy() for a in arrays]
    f = np.empty(len(which))
    scratch = [np.empty(len(c)) for c in ijk]
    kern.predict(*got, *fix, *ijk, *at, dt / sizes, midpoint, *coef, inv_h2, k_nu, which, idx,
                 area, *scratch, f)  # fmt: skip
    assert np.array_equal(f, f_ref)
    for a in range(3):
        assert np.array_equal(got[a], ref[a])
    assert np.abs(f_ref).max() > 0.1 and np.abs(got[0] - arrays[0]).max() > 0.1  # it moved


@pytest.mark.parametrize("add", [False, True])
def test_settle_is_correct_from_faces_and_the_rms_change(add):
    rng = np.random.default_rng(5)
    arrays, _, _, _, which, idx = _setup(rng)
    m, nf = 40, len(which)
    p, n = rng.integers(0, m, nf), rng.integers(0, m, nf)
    f_star, g, phi, f_old = (
        rng.normal(size=nf),
        rng.random(nf),
        rng.normal(size=m),
        rng.normal(size=nf),
    )
    area = np.array([0.15, 0.2, 0.12])[which] * rng.uniform(0.5, 1.5, nf)  # per face
    f_sum = rng.normal(size=nf)
    sum0 = f_sum.copy()
    got = [a.copy() for a in arrays]
    f, rms = kern.settle(f_star, g, phi, p, n, f_old, *got, which, idx, area, f_sum, add)
    ref = kern.correct(f_star, g, phi, p, n)
    assert np.array_equal(f, ref)
    assert rms == pytest.approx(np.sqrt(np.mean((ref - f_old) ** 2)), rel=1e-14)
    flat = [a.copy().reshape(-1) for a in arrays]
    kern.from_faces(*flat, which, idx, area, ref)
    for a in range(3):
        assert np.array_equal(got[a].reshape(-1), flat[a])
    assert np.array_equal(f_sum, sum0 + ref if add else sum0)
