"""One sparse LU of an air-field matrix, solved for many right-hand sides at once.

The air field (`twin.solve.airfield`) solves its tracer matrix once per rack (a
rack's exhaust is one right-hand side: superposition). SuperLU factorises it
well, but its triangular solves take the right-hand sides one at a time through
its own level-2 loops: ~0.16 s of the 100-rack hall's build (bench.air field).
Here the factors SuperLU computed are applied to all right-hand sides together,
row by row (each entry of L and U updates a contiguous row of the block: a
vectorised loop), in a numba kernel (`twin.solve.airfield_lu_kernel`, imported
on first use: loading it costs a process ~0.3-0.6 s once): ~10x faster, same
arithmetic up to round-off (tests/solve/test_airfield_lu.py compares both).

Ordering and pivoting: minimum degree on A + A^T (the field's matrices have a
symmetric pattern: a face links both cells), no pivoting. The potential-flow
Laplacian (pinned) is symmetric positive definite; the tracer matrix is an
M-matrix whose columns sum to each cell's sink (upwind fluxes conserve the
tracer), diagonally dominant by columns, for which elimination without pivoting
is stable (Golub and Van Loan, Matrix Computations, 4th ed., 2013, 3.4.3). The
symmetric ordering halves the fill of SuperLU's default (COLAMD).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla


def factorise(a: sp.spmatrix) -> spla.SuperLU:
    """SuperLU of a field matrix: minimum degree on A + A^T, no pivoting (module docstring)."""
    return spla.splu(
        sp.csc_matrix(a),
        permc_spec="MMD_AT_PLUS_A",
        diag_pivot_thresh=0.0,
        options={"SymmetricMode": True},
    )


class ManyRhsLU:
    """`factorise(a)`, with `solve(b)` taking a block of right-hand sides (m x k) at once."""

    def __init__(self, a: sp.spmatrix):
        self.lu = factorise(a)
        lo, up = self.lu.L.tocsc(), self.lu.U.tocsc()
        self._l = (lo.indptr, lo.indices, lo.data)
        self._u = (up.indptr, up.indices, up.data, up.diagonal())
        self.fill = lo.nnz + up.nnz

    def solve(self, b: np.ndarray) -> np.ndarray:
        """A^-1 b for b of shape (m,) or (m, k)."""
        b = np.asarray(b, float)
        if b.ndim == 1:
            return self.lu.solve(b)
        # SuperLU: Pr A Pc = L U, so L U (Pc^T x) = Pr b
        y = np.empty((b.shape[0], b.shape[1]))
        y[self.lu.perm_r] = b
        from twin.solve.airfield_lu_kernel import lu_solve_rows  # numba: loaded on first use

        lu_solve_rows(*self._l, *self._u, y)
        return y[self.lu.perm_c]
