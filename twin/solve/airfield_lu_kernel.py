"""The numba kernel of `twin.solve.airfield_lu` (its own module: numba loads only when an air
field is built, not with every solve)."""

import numba as nb


@nb.njit(cache=True)
def lu_solve_rows(lp, li, lv, up, ui, uv, ud, y):
    """In place: y <- U^-1 L^-1 y for CSC factors (L unit lower, U upper with diagonal ud)."""
    m, k = y.shape
    for j in range(m):
        for p in range(lp[j], lp[j + 1]):
            i = li[p]
            if i > j:
                a = lv[p]
                for c in range(k):
                    y[i, c] -= a * y[j, c]
    for j in range(m - 1, -1, -1):
        d = ud[j]
        for c in range(k):
            y[j, c] /= d
        for p in range(up[j], up[j + 1]):
            i = ui[p]
            if i < j:
                a = uv[p]
                for c in range(k):
                    y[i, c] -= a * y[j, c]
