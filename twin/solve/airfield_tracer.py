"""Second-order tracer transport on the air field's flux, kept linear (an experiment).

The field's tracer (`twin.solve.airfield`) takes each face's value from its upwind cell:
an M-matrix, one LU, but a numerical diffusion of ``|u| h / 2`` (0.08 m2/s at 0.5 m/s on
0.3 m cells, ~3 times the room's turbulent diffusivity) that smears every jet and plume.
Here the face value is QUICK's (Leonard, Comput. Methods Appl. Mech. Eng. 19, 1979:
``6/8 c_U + 3/8 c_D - 1/8 c_UU``) added by deferred correction: each sweep solves the upwind
matrix (factorised once) with the previous sweep's higher-order correction on the right-hand
side. A fixed number of sweeps is a fixed linear map of the sources, so the shares keep
superposition; the correction moves tracer between cells only, so every sweep conserves it.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

SWEEPS = 0
"""Deferred-correction sweeps of the QUICK face values (0: first-order upwind, as before)."""


def far_upwind(g, fp_full: np.ndarray, fn_full: np.ndarray, pos: np.ndarray):
    """Per face (``fn_full`` the next cell up an axis from ``fp_full``, full-grid numbers):
    the compact number (`pos`, -1 where none) of the cell one further upstream for flow
    P -> N (behind P) and for flow N -> P (beyond N), on the same grid line."""
    stride = fn_full - fp_full
    ijk = np.stack([fp_full // (g.ny * g.nz), (fp_full // g.nz) % g.ny, fp_full % g.nz])
    axis = np.where(stride == 1, 2, np.where(stride == g.nz, 1, 0))
    size = np.array([g.nx, g.ny, g.nz])[axis]
    along = ijk[axis, np.arange(len(fp_full))]
    behind = np.where(along >= 1, fp_full - stride, -1)
    beyond = np.where(along + 2 < size, fn_full + stride, -1)
    behind = np.where(behind >= 0, pos[np.maximum(behind, 0)], -1)
    beyond = np.where(beyond >= 0, pos[np.maximum(beyond, 0)], -1)
    return behind, beyond


def correction(flux: np.ndarray, fp: np.ndarray, fn: np.ndarray, behind, beyond, m: int):
    """Sparse K (m x m): ``K c`` is the net tracer each cell loses to QUICK's face values
    over the upwind ones, ``F (c_QUICK - c_U)`` per face; zero on faces with no cell further
    upstream (they stay upwind)."""
    pos_f = flux > 0
    u = np.where(pos_f, fp, fn)
    d = np.where(pos_f, fn, fp)
    uu = np.where(pos_f, behind, beyond)
    ok = uu >= 0
    f, u, d, uu = flux[ok], u[ok], d[ok], uu[ok]
    src_p, src_n = fp[ok], fn[ok]
    # F * (3/8 (c_D - c_U) - 1/8 (c_U - c_UU)) leaves P, enters N
    cols = np.r_[d, u, uu]
    coef = np.r_[0.375 * f, -0.5 * f, 0.125 * f]
    rows_p = np.tile(src_p, 3)
    rows_n = np.tile(src_n, 3)
    return sp.csr_matrix(
        (np.r_[coef, -coef], (np.r_[rows_p, rows_n], np.r_[cols, cols])), shape=(m, m)
    )


class Corrected:
    """``(A + K)^-1`` by `SWEEPS` deferred-correction sweeps on A's factors (`lu`)."""

    def __init__(self, lu, k: sp.csr_matrix):
        self.lu, self.k = lu, k

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        c = self.lu.solve(rhs)
        for _ in range(SWEEPS):
            c = self.lu.solve(rhs - self.k @ c)
        return c
