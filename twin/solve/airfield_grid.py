"""The air field's grid: box cells of a hall, rack and unit boxes on it, the fluid graph.

Shared by `twin.solve.airfield` (the field) and `twin.solve.airfield_aisles`
(containment); plain numpy and scipy.sparse.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

MAX_CELLS = 8_000
"""Cells per hall: the cell size grows from `MIN_CELL_M` until the hall fits (the 12 x 9 m
small room at 0.36 m; bigger halls coarser). Bounds the two sparse LUs and the
superposition solve (time, bench.air)."""
MIN_CELL_M = 0.3
"""Smallest cell: half a 600 mm rack, two cells across its front [est]."""
NZ_RANGE = (4, 16)
"""Layers from floor to ceiling."""


@dataclass
class _Grid:
    nx: int
    ny: int
    nz: int
    hx: float
    hy: float
    dz: float

    @property
    def h(self) -> float:
        return min(self.hx, self.hy)

    @property
    def n(self) -> int:
        return self.nx * self.ny * self.nz

    def idx(self, ix, iy, iz):
        return (np.asarray(ix) * self.ny + np.asarray(iy)) * self.nz + np.asarray(iz)

    @cached_property
    def index3(self) -> np.ndarray:
        """Cell numbers as an (nx, ny, nz) array (slices of it are boxes of cells)."""
        return np.arange(self.n).reshape(self.nx, self.ny, self.nz)


def _grid(size: tuple[float, float, float], min_width: float) -> _Grid:
    w, d, hgt = size
    h = max(MIN_CELL_M, min(min_width / 2.0, 0.6)) if min_width > 0 else MIN_CELL_M
    while True:
        nx, ny = max(2, round(w / h)), max(2, round(d / h))
        nz = int(np.clip(round(hgt / h), *NZ_RANGE))
        if nx * ny * nz <= MAX_CELLS:
            return _Grid(nx, ny, nz, w / nx, d / ny, hgt / nz)
        h *= 1.1


def _span(lo: float, hi: float, h: float, n: int) -> tuple[int, int]:
    """Cell index range [i0, i1) covering [lo, hi], at least one cell, inside [0, n)."""
    i0 = int(np.clip(round(lo / h), 0, n - 1))
    i1 = int(np.clip(round(hi / h), i0 + 1, n))
    return i0, i1


def _box(g: _Grid, x0, x1, y0, y1, top_m):
    ix = _span(x0, x1, g.hx, g.nx)
    iy = _span(y0, y1, g.hy, g.ny)
    nzb = int(np.clip(round(top_m / g.dz), 1, g.nz - 1))
    return ix, iy, nzb


def _boxes(g: _Grid, x0, x1, y0, y1, top_m) -> np.ndarray:
    """`_box` of many boxes at once: rows (ix0, ix1, iy0, iy1, nzb)."""
    x0, x1, y0, y1, top_m = (np.asarray(v, float) for v in (x0, x1, y0, y1, top_m))
    ix0 = np.clip(np.rint(x0 / g.hx), 0, g.nx - 1)
    ix1 = np.clip(np.rint(x1 / g.hx), ix0 + 1, g.nx)
    iy0 = np.clip(np.rint(y0 / g.hy), 0, g.ny - 1)
    iy1 = np.clip(np.rint(y1 / g.hy), iy0 + 1, g.ny)
    nzb = np.clip(np.rint(top_m / g.dz), 1, g.nz - 1)
    return np.stack([ix0, ix1, iy0, iy1, nzb], axis=1).astype(np.int64).reshape(-1, 5)


def _face_cells(g: _Grid, ix, iy, nzb, direction: int, z_from: int = 0, z_to: int | None = None):
    """Cells just outside a box's face (direction 0..3: +x, -x, +y, -y), layers [z_from, z_to)."""
    z_to = nzb if z_to is None else z_to
    z_to = max(z_from + 1, z_to)
    zs = np.arange(z_from, z_to)
    if direction in (0, 1):
        x = ix[1] if direction == 0 else ix[0] - 1
        if not 0 <= x < g.nx:
            return np.zeros(0, np.int64), zs
        cells = g.index3[x, iy[0] : iy[1], z_from:z_to]
    else:
        y = iy[1] if direction == 2 else iy[0] - 1
        if not 0 <= y < g.ny:
            return np.zeros(0, np.int64), zs
        cells = g.index3[ix[0] : ix[1], y, z_from:z_to]
    return cells.ravel(), np.broadcast_to(zs, cells.shape).ravel()


def _direction(fx: float, fy: float) -> int:
    if abs(fx) >= abs(fy):
        return 0 if fx > 0 else 1
    return 2 if fy > 0 else 3


def _column_tops(g: _Grid, cells: np.ndarray, solid: np.ndarray, region: np.ndarray):
    """For each cell, the top of the free column above it (below a solid cell, the ceiling
    or the boundary of its region)."""
    top = cells.copy()
    for _ in range(g.nz):
        up = top + 1
        go = ((top % g.nz) < g.nz - 1) & ~solid[np.minimum(up, g.n - 1)]
        go &= region[np.minimum(up, g.n - 1)] == region[top]
        if not go.any():
            break
        top = np.where(go, up, top)
    return top


def _laplacian(g: _Grid, solid: np.ndarray, baffle: np.ndarray | None = None, leak: float = 1.0):
    """Graph Laplacian over all cells (faces between two fluid cells) and its face list.

    `baffle`: cells of a contained region; faces across its boundary conduct `leak` times
    as much (none at zero leak)."""
    shape = (g.nx, g.ny, g.nz)
    idx = np.arange(g.n).reshape(shape)
    fl = ~solid.reshape(shape)
    ps, ns, gs = [], [], []
    conds = (g.hy * g.dz / g.hx, g.hx * g.dz / g.hy, g.hx * g.hy / g.dz)
    for axis, cond in enumerate(conds):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[axis] = slice(0, -1)
        hi[axis] = slice(1, None)
        both = fl[tuple(lo)] & fl[tuple(hi)]
        ps.append(idx[tuple(lo)][both])
        ns.append(idx[tuple(hi)][both])
        gs.append(np.full(int(both.sum()), cond))
    fp, fn, gf = np.concatenate(ps), np.concatenate(ns), np.concatenate(gs)
    if baffle is not None:
        gf = np.where(baffle[fp] != baffle[fn], gf * max(leak, 0.0), gf)
        ok = gf > 0
        fp, fn, gf = fp[ok], fn[ok], gf[ok]
    diag = np.bincount(fp, gf, g.n) + np.bincount(fn, gf, g.n)
    lap = sp.csr_matrix(
        (np.r_[diag, -gf, -gf], (np.r_[np.arange(g.n), fp, fn], np.r_[np.arange(g.n), fn, fp])),
        shape=(g.n, g.n),
    )
    return lap, (fp, fn, gf)
