"""Containment as geometry: the contained aisles of a hall, shared by the air field and the CFD export.

A hot-aisle enclosure closes the space behind the racks' backs, a cold-aisle
enclosure the space in front of their fronts: end doors at the row ends and a
roof at rack height, with the enclosed air ducted (hot aisle: to the units'
returns through a ceiling duct; cold aisle: from the supply through an overhead
duct, or floor tiles where the hall has a plenum). Each rack contributes a strip
from its face across the aisle: to the face of the nearest rack facing it
across the aisle (within `AISLE_MAX_M`), else to the wall if that is within
`AISLE_MAX_M`, else `AISLE_DEFAULT_M` deep (a single-sided aisle closed by a
panel). The union of the strips, up to the roof at the tallest rack's height,
is the enclosed region; its boundary with the rest of the room is the
enclosure (panels, doors, roof).

`twin.solve.airfield` rasterises the strips on its cells and makes the boundary
faces baffles (their conductance times the leak share, removed at zero leak);
`twin.interop.openfoam` rasterises them on its mesh and cuts the enclosure out
as one-cell solid panels, with the duct as a patch in the roof.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from twin.solve.airfield_grid import _box, _Grid

AISLE_MAX_M = 3.0
"""Farthest a facing rack counts as the other side of an aisle [est: aisles are 0.9-2.4 m
wide; TIA-942 recommends 1.2 m cold aisles]."""
AISLE_DEFAULT_M = 1.2
"""Depth of a single-sided contained aisle (no facing row or wall within `AISLE_MAX_M`)
[est: TIA-942's 1.2 m aisle]."""


@dataclass(frozen=True)
class Strip:
    """One rack's part of a contained aisle (hall metres): x, y ranges and the roof."""

    rack: int
    x0: float
    x1: float
    y0: float
    y1: float
    top_m: float


def rack_footprint(air) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per rack: half extent in x, half extent in y, and whether its faces point along y."""
    along_x = np.abs(air.face_y) >= np.abs(air.face_x)  # a row along x: faces +-y
    hx = np.where(along_x, air.width_m, air.depth_m) / 2.0
    hy = np.where(along_x, air.depth_m, air.width_m) / 2.0
    return np.asarray(hx, float), np.asarray(hy, float), along_x


def aisle_strips(air, containment: str | None = None) -> list[Strip]:
    """The strips of the contained aisles of `air` (none without containment)."""
    kind = air.containment if containment is None else containment
    n = len(air.x_m)
    if kind not in ("hot-aisle", "cold-aisle") or not n:
        return []
    w, d, _ = air.size_m
    hx, hy, along_y = rack_footprint(air)
    sign = 1.0 if kind == "cold-aisle" else -1.0  # the contained side: front or back
    fx = sign * np.sign(np.where(along_y, 0.0, air.face_x))
    fy = sign * np.sign(np.where(along_y, air.face_y, 0.0))
    x = np.asarray(air.x_m, float)
    y = np.asarray(air.y_m, float)
    top = float(np.max(air.height_m))
    # face plane coordinate along the facing axis, lateral range across it
    c = np.where(along_y, y + fy * hy, x + fx * hx)
    dirn = np.where(along_y, fy, fx)
    lat = np.where(along_y, x, y)
    half_lat = np.where(along_y, hx, hy)
    size = np.where(along_y, d, w)
    # facing partner: same axis, opposite direction, lateral overlap, ahead within AISLE_MAX_M
    ahead = (c[None, :] - c[:, None]) * dirn[:, None]
    overlap = np.abs(lat[None, :] - lat[:, None]) < (half_lat[None, :] + half_lat[:, None]) * 0.999
    partner = (
        (along_y[None, :] == along_y[:, None])
        & (dirn[None, :] == -dirn[:, None])
        & overlap
        & (ahead > 1e-6)
        & (ahead <= AISLE_MAX_M)
    )
    gap = np.where(partner, ahead, np.inf).min(axis=1)
    wall = np.where(dirn > 0, size - c, c)
    depth = np.where(np.isfinite(gap), gap, np.where(wall <= AISLE_MAX_M, wall, AISLE_DEFAULT_M))
    out = []
    for r in range(n):
        a, b = sorted((c[r], c[r] + dirn[r] * depth[r]))
        if b - a <= 1e-6:
            continue
        lo, hi = lat[r] - half_lat[r], lat[r] + half_lat[r]
        if along_y[r]:
            out.append(Strip(r, lo, hi, a, b, top))
        else:
            out.append(Strip(r, a, b, lo, hi, top))
    return out


def box_faces(air, unit_half_m: float):
    """Where the rack-aligned grid of the air field puts cell faces
    (`twin.solve.airfield_grid._grid_aligned`), hall metres: x and y coordinates of every
    rack's and unit's box faces and of the contained aisles' edges (`aisle_strips`), and
    (coordinate, outward sign) rows of the racks' front and back faces along x and along y
    (the grid puts a face cell outside each)."""
    hx, hy, along_x = rack_footprint(air)
    x, y = np.asarray(air.x_m, float), np.asarray(air.y_m, float)
    ux, uy = np.asarray(air.ux_m, float), np.asarray(air.uy_m, float)
    strips = aisle_strips(air)
    xs = np.r_[x - hx, x + hx, ux - unit_half_m, ux + unit_half_m]
    ys = np.r_[y - hy, y + hy, uy - unit_half_m, uy + unit_half_m]
    xs = np.r_[xs, [v for st in strips for v in (st.x0, st.x1)]]
    ys = np.r_[ys, [v for st in strips for v in (st.y0, st.y1)]]
    ax, ay = ~along_x, along_x  # racks whose front and back face along x, along y
    fx = np.r_[np.c_[x[ax] - hx[ax], -np.ones(ax.sum())], np.c_[x[ax] + hx[ax], np.ones(ax.sum())]]
    fy = np.r_[np.c_[y[ay] - hy[ay], -np.ones(ay.sum())], np.c_[y[ay] + hy[ay], np.ones(ay.sum())]]
    return xs, ys, fx, fy


def _aisle_cells(g: _Grid, air, solid: np.ndarray) -> np.ndarray:
    """Fluid cells inside the hall's contained aisles (`airfield_aisles.aisle_strips`)."""
    region = np.zeros(g.n, bool)
    for st in aisle_strips(air):
        ix, iy, nzb = _box(g, st.x0, st.x1, st.y0, st.y1, st.top_m)
        xx, yy, zz = np.meshgrid(np.arange(*ix), np.arange(*iy), np.arange(nzb), indexing="ij")
        region[g.idx(xx, yy, zz).ravel()] = True
    return region & ~solid


def _ducts(g, air, region, faces, fronts, backs, q, leak, src, sink) -> float:
    """Add each contained aisle's duct to `src` (cold aisle: supply) or `sink` (hot aisle:
    return): (1 - leak) of the airflow of the racks facing into it, through its roof layer
    (the floor layer for a cold aisle over a plenum); the rest leaks through the baffles.
    Returns the total ducted flow."""
    if not region.any():
        return 0.0
    fp, fn, _ = faces
    inner = region[fp] & region[fn]
    adj = sp.csr_matrix((np.ones(int(inner.sum())), (fp[inner], fn[inner])), shape=(g.n, g.n))
    _, lab = connected_components(adj, directed=False)
    hot = air.containment == "hot-aisle"
    faces_in = backs if hot else fronts
    flow: dict[int, float] = {}
    for r, cells in enumerate(faces_in):
        c = cells[region[cells]]
        if len(c):
            k = int(np.bincount(lab[c]).argmax())
            flow[k] = flow.get(k, 0.0) + float(q[r])
    total = 0.0
    z = np.arange(g.n) % g.nz
    for k, qk in flow.items():
        cells = np.flatnonzero(region & (lab == k))
        layer = z[cells].min() if (not hot and air.plenum) else z[cells].max()
        duct = cells[z[cells] == layer]
        qd = (1.0 - leak) * qk
        if qd <= 0 or not len(duct):
            continue
        np.add.at(sink if hot else src, duct, g.spread(qd, duct, 2))
        total += qd
    return total
