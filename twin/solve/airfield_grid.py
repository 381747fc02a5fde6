"""The air field's grid: box cells of a hall, rack and unit boxes on it, the fluid graph.

Two grids (`_Grid`): the uniform one (`_grid`: every column ``hx`` wide, every row ``hy``),
and the rack-aligned rectilinear one (`_grid_aligned`, the default of the potential field and
of the FFD flow, whose march works in physical coordinates, `twin.solve.airfield_ffd_grid`):
its x and y cell faces include every rack's and unit's box faces and the contained aisles'
edges, filled between with cells no wider than the target size, so a rack or an aisle is
as wide on the grid as in the room and moving a row by a few centimetres moves its cell
faces with it instead of snapping them to the nearest uniform face (bench.air_shift).
Layers (z) stay uniform. Shared by `twin.solve.airfield` (the field) and
`twin.solve.airfield_aisles` (containment); plain numpy and scipy.sparse.
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
MAX_CELLS_ALIGNED = 2 * MAX_CELLS
"""Cells of the rack-aligned grid: the uniform grid's cells plus the columns and rows its
faces add (the validation rooms need 1.2-1.4 times `MAX_CELLS`' grid, a 100-rack hall 1.8
times; bench.air field times it). Past it the target cell grows."""
ALIGNED_MAX_GROWTH = 2.0
"""Farthest the rack-aligned grid grows its target cell (and merge distance) to fit
`MAX_CELLS_ALIGNED`: at 2, faces up to 12 cm apart merge, less than any aisle. A hall that
needs more (the 1,000-rack bench hall: 33,000 cells at the uniform grid's target) takes the
uniform grid, which snaps its faces (`HallShares.info["grid"]` says which)."""
MIN_CELL_M = 0.3
"""Smallest cell: half a 600 mm rack, two cells across its front [est]."""
NZ_RANGE = (4, 16)
"""Layers from floor to ceiling."""
MERGE_M = 0.06
"""Closest two cell faces of the rack-aligned grid, m: box faces nearer than this merge into
one (at their midpoint; a wall stays where it is), so no cell is a sliver. 6 cm is a fifth
of the smallest cell (`MIN_CELL_M`), so a cell's aspect ratio stays below ~6 and the
two-point face conductances stay well conditioned, and it is half the smallest row move
bench.air_shift makes (a face moves at most 3 cm by a merge). Grows with the target cell
where a big hall coarsens its cells to fit `MAX_CELLS`."""


@dataclass
class _Grid:
    """Box cells, x-major then y then z (`idx`). ``hx``, ``hy``: the column and row widths of
    a uniform grid; on a rectilinear one (``xe``, ``ye`` its cell-face coordinates) the widest
    column and row. Width arrays ``dx``, ``dy`` and centres ``xc``, ``yc`` serve both."""

    nx: int
    ny: int
    nz: int
    hx: float
    hy: float
    dz: float
    xe: np.ndarray | None = None
    ye: np.ndarray | None = None

    @property
    def uniform(self) -> bool:
        return self.xe is None and self.ye is None

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

    @cached_property
    def x_edges(self) -> np.ndarray:
        return self.hx * np.arange(self.nx + 1) if self.xe is None else self.xe

    @cached_property
    def y_edges(self) -> np.ndarray:
        return self.hy * np.arange(self.ny + 1) if self.ye is None else self.ye

    @cached_property
    def dx(self) -> np.ndarray:
        return np.full(self.nx, self.hx) if self.xe is None else np.diff(self.xe)

    @cached_property
    def dy(self) -> np.ndarray:
        return np.full(self.ny, self.hy) if self.ye is None else np.diff(self.ye)

    @cached_property
    def xc(self) -> np.ndarray:
        return 0.5 * (self.x_edges[:-1] + self.x_edges[1:])

    @cached_property
    def yc(self) -> np.ndarray:
        return 0.5 * (self.y_edges[:-1] + self.y_edges[1:])

    @property
    def min_cell_m(self) -> float:
        return float(min(self.dx.min(), self.dy.min()))

    def ijk(self, cells):
        """Column, row and layer of each cell."""
        cells = np.asarray(cells)
        return cells // (self.ny * self.nz), (cells // self.nz) % self.ny, cells % self.nz

    def area(self, cells, axis: int) -> np.ndarray:
        """Area of each cell's face normal to `axis` (0: x, 1: y, 2: z), m2."""
        ix, iy, _ = self.ijk(cells)
        if axis == 0:
            return self.dy[iy] * self.dz
        if axis == 1:
            return self.dx[ix] * self.dz
        return self.dx[ix] * self.dy[iy]

    def weights(self, cells, axis: int) -> np.ndarray:
        """Shares (summing to 1) of a flow spread evenly over the faces of `cells` normal to
        `axis`: by face area (on a uniform grid exactly ``1 / len(cells)``, as it always was)."""
        cells = np.asarray(cells)
        if not len(cells):
            return np.zeros(0)
        if self.uniform:
            return np.full(len(cells), 1.0 / len(cells))
        a = self.area(cells, axis)
        return a / a.sum()

    def spread(self, total, cells, axis: int) -> np.ndarray:
        """`total` spread over `cells` by `weights` (uniform grid: ``total / len(cells)``)."""
        if self.uniform:
            return np.full(len(cells), total / max(len(cells), 1))
        return total * self.weights(cells, axis)

    def edge_index(self, v, axis: int) -> np.ndarray:
        """Index of the cell face nearest to each coordinate `v` along `axis` (0: x, 1: y)."""
        v = np.asarray(v, float)
        if self.uniform:
            return np.rint(v / (self.hx if axis == 0 else self.hy))
        e = self.x_edges if axis == 0 else self.y_edges
        k = np.clip(np.searchsorted(e, v), 1, len(e) - 1)
        return np.where(v - e[k - 1] <= e[k] - v, k - 1, k).astype(float)


def _grid(size: tuple[float, float, float], min_width: float) -> _Grid:
    """The uniform grid (the fields' with ``grid="uniform"``, the FFD's with
    `airfield_ffd.GRID` "uniform"; the aligned grid's target cell and layers)."""
    w, d, hgt = size
    h = _start_h(min_width)
    while True:
        nx, ny = max(2, round(w / h)), max(2, round(d / h))
        nz = int(np.clip(round(hgt / h), *NZ_RANGE))
        if nx * ny * nz <= MAX_CELLS:
            return _Grid(nx, ny, nz, w / nx, d / ny, hgt / nz)
        h *= 1.1


def _start_h(min_width: float) -> float:
    return max(MIN_CELL_M, min(min_width / 2.0, 0.6)) if min_width > 0 else MIN_CELL_M


def _merge(hard, soft, lo: float, hi: float, gap: float) -> np.ndarray:
    """Sorted cell-face coordinates in [lo, hi]: the walls `lo` and `hi`, the `hard` (box
    faces) and `soft` ones (face-cell depths), the closest pair merged until none is nearer
    than `gap`: into the wall, into the hard one of a hard and a soft face, else at the
    midpoint."""
    hard, soft = (np.asarray(v, float).ravel() for v in (hard, soft))
    pts = np.r_[lo, hi, hard, soft]
    rank = np.r_[2, 2, np.ones(len(hard)), np.zeros(len(soft))]
    ok = np.isfinite(pts) & (pts >= lo) & (pts <= hi)
    pts, rank = pts[ok], rank[ok]
    order = np.lexsort((-rank, pts))
    pts, rank = pts[order], rank[order]
    keep = np.r_[True, np.diff(pts) > 0]  # equal coordinates: the highest rank
    p, r = list(pts[keep]), list(rank[keep])
    while len(p) > 2:
        diff = np.diff(p)
        k = int(np.argmin(diff))
        if diff[k] >= gap:
            break
        if r[k] != r[k + 1]:
            drop = k if r[k] < r[k + 1] else k + 1
        else:
            p[k] = 0.5 * (p[k] + p[k + 1])
            drop = k + 1
        del p[drop], r[drop]
    return np.asarray(p)


def _fill(points: np.ndarray, h: float) -> np.ndarray:
    """Cell faces through `points`, each gap cut into equal cells no wider than `h`."""
    gaps = np.diff(points)
    n = np.maximum(1, np.ceil(gaps / h - 1e-9)).astype(int)
    parts = [
        a + (b - a) * np.arange(k) / k for a, b, k in zip(points[:-1], points[1:], n, strict=True)
    ]
    return np.r_[np.concatenate(parts), points[-1]]


def _grid_aligned(size: tuple[float, float, float], min_width: float, faces) -> _Grid | None:
    """The rack-aligned rectilinear grid: cell faces at the box faces, and one target cell
    outside each of the faces racks draw and blow through (so the cells a rack's intake and
    exhaust meet are as deep wherever the row stands, as on the uniform grid), merged where
    nearer than `MERGE_M`, each gap filled with equal cells no wider than the target.

    `faces`: x coordinates of box faces, y ones, and (coordinate, outward sign) rows of the
    x and y faces that get a face cell (`airfield_aisles.box_faces`). The target cell and
    the layers are the uniform grid's (`_grid`, from the hall's size alone, so moving a row
    never changes them); the faces add columns and rows, up to `MAX_CELLS_ALIGNED`, beyond
    which the target grows (with the merge distance in proportion: a big hall keeps its
    faces where it can afford cells between them) up to `ALIGNED_MAX_GROWTH` times. None
    where the hall still does not fit (it takes the uniform grid)."""
    w, d, hgt = size
    xs, ys, fx, fy = (np.asarray(v, float) for v in faces)
    fx, fy = fx.reshape(-1, 2), fy.reshape(-1, 2)
    u = _grid(size, min_width)
    h0 = max(u.hx, u.hy)
    scale = 1.0
    while True:
        h, gap = h0 * scale, MERGE_M * scale
        xe = _fill(_merge(xs, fx[:, 0] + h * fx[:, 1], 0.0, w, gap), h)
        ye = _fill(_merge(ys, fy[:, 0] + h * fy[:, 1], 0.0, d, gap), h)
        nx, ny = len(xe) - 1, len(ye) - 1
        if nx * ny * u.nz <= MAX_CELLS_ALIGNED:
            return _Grid(nx, ny, u.nz, float(np.diff(xe).max()), float(np.diff(ye).max()),
                         u.dz, xe, ye)  # fmt: skip
        scale *= 1.1
        if scale > ALIGNED_MAX_GROWTH:
            return None


def _box(g: _Grid, x0, x1, y0, y1, top_m):
    """One box's cells: column range, row range (each at least one cell), layers below."""
    ((ix0, ix1, iy0, iy1, nzb),) = _boxes(g, [x0], [x1], [y0], [y1], [top_m]).tolist()
    return (ix0, ix1), (iy0, iy1), nzb


def _boxes(g: _Grid, x0, x1, y0, y1, top_m) -> np.ndarray:
    """Many boxes' cells: rows (ix0, ix1, iy0, iy1, nzb), each face on the nearest cell face."""
    x0, x1, y0, y1, top_m = (np.asarray(v, float) for v in (x0, x1, y0, y1, top_m))
    ix0 = np.clip(g.edge_index(x0, 0), 0, g.nx - 1)
    ix1 = np.clip(g.edge_index(x1, 0), ix0 + 1, g.nx)
    iy0 = np.clip(g.edge_index(y0, 1), 0, g.ny - 1)
    iy1 = np.clip(g.edge_index(y1, 1), iy0 + 1, g.ny)
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
    """Graph Laplacian over all cells (faces between two fluid cells) and its face list:
    each face conducts its area over the distance between the centres of its two cells.

    `baffle`: cells of a contained region; faces across its boundary conduct `leak` times
    as much (none at zero leak)."""
    shape = (g.nx, g.ny, g.nz)
    idx = np.arange(g.n).reshape(shape)
    fl = ~solid.reshape(shape)
    ps, ns, gs = [], [], []
    dx, dy, dz = g.dx[:, None, None], g.dy[None, :, None], g.dz
    # face area over the distance between the two cells' centres (exact for a linear phi)
    conds = (
        dy * dz / (0.5 * (dx[:-1] + dx[1:])),
        dx * dz / (0.5 * (dy[:, :-1] + dy[:, 1:])),
        dx * dy / dz,
    )
    for axis, cond in enumerate(conds):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[axis] = slice(0, -1)
        hi[axis] = slice(1, None)
        both = fl[tuple(lo)] & fl[tuple(hi)]
        ps.append(idx[tuple(lo)][both])
        ns.append(idx[tuple(hi)][both])
        gs.append(np.broadcast_to(cond, both.shape)[both])
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


def _face_areas(g: _Grid, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """Area of each face between cells `fp` and `fn` (`fn` the next cell up an axis), m2."""
    ix, iy, _ = g.ijk(fp)
    d = np.asarray(fn) - np.asarray(fp)
    return np.where(
        d == 1, g.dx[ix] * g.dy[iy], np.where(d == g.nz, g.dx[ix] * g.dz, g.dy[iy] * g.dz)
    )
