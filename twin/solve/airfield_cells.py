"""Where a hall's racks and cooling units meet the air field's cells: each rack's exhaust
cells (its back and its plume's release), the averaging rows of its intake, and a unit's
supply and return openings. Split from `twin.solve.airfield` (the field's solve)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from twin.solve.airfield_grid import _column_tops, _face_cells


def _exhaust(g, backs: list[np.ndarray], back_w: list[np.ndarray], solid, region, share: float):
    """Where each rack's exhaust enters the room: `1 - share` over its back cells (shares
    `back_w`, by face area), `share` at the top of the free column above each
    (`PLUME_SHARE`). Returns cells, rack of each, weight (a rack's weights sum to 1)."""
    n_back = np.array([len(b) for b in backs], np.int64)
    if not len(backs):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    cells = np.concatenate(backs)
    rack = np.repeat(np.arange(len(backs)), n_back)
    even = np.concatenate(back_w)
    if share <= 0:
        return cells, rack, even
    top = _column_tops(g, cells, solid, region)
    return np.r_[cells, top], np.r_[rack, rack], np.r_[(1.0 - share) * even, share * even]


def _keep_weighted(cells: np.ndarray, weights: np.ndarray, main: np.ndarray):
    """`cells` in the room's moving air, their weights scaled back to the original sum."""
    if not len(cells):
        return cells, weights
    ok = main[cells]
    kept = weights[ok]
    total = kept.sum()
    return cells[ok], kept * (weights.sum() / total) if total > 0 else kept


def _averaging(groups: list[np.ndarray], weights, pos: np.ndarray, m: int) -> sp.csr_matrix:
    """Rows averaging each group's cells by `weights` (uniform suction: flux-weighted = area
    mean)."""
    if not groups:
        return sp.csr_matrix((0, m))
    rows = np.repeat(np.arange(len(groups)), [len(c) for c in groups])
    cols = pos[np.concatenate(groups)]
    vals = np.concatenate(weights)
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(groups), m))


def _opening_axis(kind, role, plenum, direction) -> int:
    """Axis normal to a unit opening's faces (`_unit_cells`): 2 for floor tiles, a ceiling or
    a top, else the axis the unit faces along."""
    if (role == "supply" and (kind == "floor" or plenum)) or kind in ("ceiling", "top"):
        return 2
    return 0 if direction < 2 else 1


def _unit_cells(g, ix, iy, nzb, direction, kind, role, plenum, fronts):
    """Cells of a unit's supply or return opening."""
    if role == "supply" and (kind == "floor" or plenum):
        # raised floor: perforated tiles in front of every rack (uniform plenum pressure)
        floor = [f[(f % g.nz) == 0] for f in fronts]
        return np.unique(np.concatenate(floor)) if floor else np.zeros(0, np.int64)
    if kind == "ceiling":  # a return duct from the ceiling above the unit (as the CFD export)
        xx, yy = np.meshgrid(np.arange(*ix), np.arange(*iy), indexing="ij")
        return g.idx(xx.ravel(), yy.ravel(), g.nz - 1)
    if kind == "top":
        xx, yy = np.meshgrid(np.arange(*ix), np.arange(*iy), indexing="ij")
        return g.idx(xx.ravel(), yy.ravel(), nzb)
    # front: supply low (lower half of the unit), return high (upper half)
    half = max(1, nzb // 2)
    lo, hi = (0, half) if role == "supply" else (half, nzb)
    cells, _ = _face_cells(g, ix, iy, nzb, direction, lo, hi)
    return cells
