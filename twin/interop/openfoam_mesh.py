"""Where the hall's objects sit on the OpenFOAM block mesh: boxes snapped to mesh lines.

Rack and unit bodies, their intake/exhaust faces and floor tiles as thin boxes
around mesh faces (for `topoSet` boxToFace / boxToCell), and the sealed
containment: the cells cut out as panels around the contained aisles and the
duct patches in their roofs. Split out of `twin.interop.openfoam` (the case
writer, whose docstring describes the case) so the geometry reads on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from twin.interop.openfoam_dicts import foam_vec
from twin.solve.airfield import HallAir
from twin.solve.airfield_aisles import aisle_strips

__all__ = [
    "Box",
    "cell_action",
    "containment_cells",
    "face_plane",
    "floor_strip",
    "snap",
    "unit_face",
]


@dataclass
class Box:
    """An axis-aligned box in metres: corners `lo` and `hi`."""

    lo: tuple[float, float, float]
    hi: tuple[float, float, float]


def snap(lo: float, hi: float, step: float, n: int) -> tuple[float, float]:
    """`lo`..`hi` moved to the nearest mesh lines of spacing `step` (n cells), at least one cell."""
    i0 = int(np.clip(round(lo / step), 0, n - 1))
    i1 = int(np.clip(round(hi / step), i0 + 1, n))
    return i0 * step, i1 * step


def containment_cells(air: HallAir, grid, solid_boxes: list[Box]):
    """The enclosure of the contained aisles on the block mesh: the labels of the cells cut
    out as panels (face neighbours of the aisles that are neither aisle nor rack/unit, and
    the roof layer above them), and per enclosure its duct (face boxes, flow m3/s).

    A cold aisle over a plenum has no duct of its own: the units' floor tiles in front of
    the racks already open into it."""
    nx, ny, nz, dx, dy, dz = grid
    strips = aisle_strips(air)
    if not strips:
        return np.zeros(0, np.int64), []
    solid = np.zeros((nx, ny, nz), bool)
    for b in solid_boxes:
        i0, i1 = round(b.lo[0] / dx), round(b.hi[0] / dx)
        j0, j1 = round(b.lo[1] / dy), round(b.hi[1] / dy)
        solid[i0:i1, j0:j1, : round(b.hi[2] / dz)] = True
    _, zt = snap(0.0, min(strips[0].top_m, nz * dz - dz), dz, nz - 1)
    kt = round(zt / dz)
    region = np.zeros_like(solid)
    for st in strips:
        i0, i1 = (round(v / dx) for v in snap(st.x0, st.x1, dx, nx))
        j0, j1 = (round(v / dy) for v in snap(st.y0, st.y1, dy, ny))
        region[i0:i1, j0:j1, :kt] = True
    region &= ~solid
    near = np.zeros_like(region)
    near[1:] |= region[:-1]
    near[:-1] |= region[1:]
    near[:, 1:] |= region[:, :-1]
    near[:, :-1] |= region[:, 1:]
    near[:, :, 1:] |= region[:, :, :-1]
    panel = near & ~region & ~solid
    ix, iy, iz = np.nonzero(panel)
    labels = np.sort(ix + nx * (iy + ny * iz))  # blockMesh order: x fastest, then y, then z
    cold = air.containment == "cold-aisle"
    if cold and air.plenum:
        return labels, []
    comp, ncomp = ndimage.label(region)
    q = np.asarray(air.flow_m3_s, float)
    flow = np.zeros(ncomp + 1)
    for st in strips:
        i0, i1 = (round(v / dx) for v in snap(st.x0, st.x1, dx, nx))
        j0, j1 = (round(v / dy) for v in snap(st.y0, st.y1, dy, ny))
        ks = comp[i0:i1, j0:j1, :kt]
        ks = ks[ks > 0]
        if len(ks):
            flow[np.bincount(ks).argmax()] += q[st.rack]
    ducts = []
    eps = 1e-4
    for k in range(1, ncomp + 1):
        top = np.zeros((nx, ny), bool)
        top[:, :] = comp[:, :, kt - 1] == k
        if not top.any() or flow[k] <= 0:
            continue
        zf = kt * dz
        boxes = []
        for j in range(ny):  # one box per run of cells along x
            row = np.flatnonzero(top[:, j])
            if not len(row):
                continue
            cuts = np.flatnonzero(np.diff(row) > 1)
            for a, b in zip(np.r_[0, cuts + 1], np.r_[cuts, len(row) - 1], strict=True):
                boxes.append(
                    Box(
                        (row[a] * dx + eps, j * dy + eps, zf - 0.25 * dz),
                        ((row[b] + 1) * dx - eps, (j + 1) * dy - eps, zf + 0.25 * dz),
                    )
                )
        ducts.append((boxes, float(flow[k]), k))
    return labels, ducts


def unit_face(air: HallAir, u: int) -> np.ndarray:
    du = int(air.u_face[u])
    w, d, _ = air.size_m
    if du < 0:
        cx, cy = air.ux_m[u] - w / 2, air.uy_m[u] - d / 2
        du = (1 if cx > 0 else 0) if abs(cx) / w >= abs(cy) / d else (3 if cy > 0 else 2)
    return np.array([[1, 0], [-1, 0], [0, 1], [0, -1]][du], float)


def face_plane(b: Box, f, dx: float, dy: float) -> Box:
    """A thin box around the face of `b` pointing along axis direction `f`."""
    lo, hi = list(b.lo), list(b.hi)
    ax = 0 if abs(f[0]) > abs(f[1]) else 1
    step = dx if ax == 0 else dy
    c = hi[ax] if f[ax] > 0 else lo[ax]
    lo[ax], hi[ax] = c - 0.25 * step, c + 0.25 * step
    return Box(tuple(lo), tuple(hi))


def floor_strip(front: Box, dx: float, dy: float) -> Box:
    """The floor strip one cell deep in front of a rack face box (a perforated tile)."""
    lo, hi = list(front.lo), list(front.hi)
    ax = 0 if hi[0] - lo[0] < hi[1] - lo[1] else 1
    step = dx if ax == 0 else dy
    c = (lo[ax] + hi[ax]) / 2
    # the side away from the rack is unknown here: take both neighbours' centre line
    lo[ax], hi[ax] = c - step, c + step
    return Box(tuple(lo), tuple(hi))


def cell_action(name: str, b: Box, first: bool) -> str:
    eps = 1e-4
    lo = tuple(v + eps for v in b.lo)
    hi = tuple(v - eps for v in b.hi)
    return (
        f"    {{ name {name}; type cellSet; action {'new' if first else 'add'}; "
        f"source boxToCell; box {foam_vec(lo)} {foam_vec(hi)}; }}\n"
    )
