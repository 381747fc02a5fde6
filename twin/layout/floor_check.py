"""Rows whose racks stand on each other's, and CRAHs on racks: refused, not solved as if
both were there.

The cross-checks refuse two racks in one slot of one row and a rack off the floor;
two rows laid over each other (a copied row whose `origin_m` was not changed, a y
typed for the wrong row) put every rack of one on a rack of the other, and the twin
would count both racks' heat and power in one place. Footprints are those of
docs/layout-format.md "Where racks are placed": `rack_width_m` along the row from
slot x width, `rack_depth_m` across it, centred on the row line. Footprints that
touch (back-to-back rows) do not overlap. A CRAH is the air model's box: `UNIT_FOOTPRINT_M`
square, centred on its `position_m`; one that stands partly on a rack is refused (the air
field would carve both bodies out of the same cells). A rack as tall as its hall's ceiling
is refused too: the air field needs air above the racks for the return.

Per pair of rows whose extents cross, each rack of the later row is tested against
the slots it covers in the earlier one (a cumulative count of occupied slots), so the
cost grows with racks, not racks squared.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

EPS_M = 1e-6
"""Footprints that touch, or cross by less than this, do not overlap (m)."""
UNIT_FOOTPRINT_M = 1.0
"""Side of a CRAH/CRAC's square footprint in the air model, m (twin.solve.airfield): a
perimeter unit's cabinet is about 1 m deep."""


def check_row_overlaps(layout: Any, col: Any) -> None:
    """Add to `col` one problem per pair of rows of a hall whose racks overlap, at the
    later row's `origin_m`, naming a rack on a rack and how many there are; and one per
    CRAH whose `position_m` (its centre) stands on a rack."""
    crahs: dict[str, list[tuple[int, Any]]] = {}
    for j, unit in enumerate(layout.cooling.crahs):
        if unit.position_m is not None:
            crahs.setdefault(unit.hall, []).append((j, unit))
    for i, hall in enumerate(layout.halls):
        index = {r.id: k for k, r in enumerate(hall.rows)}
        slots: dict[str, dict[int, str]] = {}
        for rack in hall.racks:
            if rack.row in index:
                slots.setdefault(rack.row, {}).setdefault(rack.slot, rack.id)
        rows = [_Row(hall.rows[index[rid]], taken) for rid, taken in slots.items()]
        rows.sort(key=lambda r: index[r.row.id])
        for j, unit in crahs.get(hall.id, []):
            _unit_on_rack(("cooling", "crahs", j, "position_m"), unit, hall, rows, col)
        for b_at, b in enumerate(rows):
            for a in rows[:b_at]:
                hit = _racks_on(a, b)
                if hit is None:
                    continue
                n, rb, ra = hit
                col.add(
                    ("halls", i, "rows", index[b.row.id], "origin_m"),
                    f"row {b.row.id!r} overlaps row {a.row.id!r}: {n} of its racks stand on "
                    f"racks of {a.row.id!r} (rack {rb!r} on {ra!r}); a rack is rack_width_m "
                    "along its row and rack_depth_m across it, centred on the row line: "
                    "move origin_m (or the racks' slots)",
                )


def check_heights(layout: Any, col: Any) -> None:
    """One problem per hall whose tallest rack reaches its ceiling (`height_m` of each)."""
    for i, hall in enumerate(layout.halls):
        if not hall.racks:
            continue
        tall = max(hall.racks, key=lambda r: r.height_m)
        if tall.height_m >= hall.height_m - EPS_M:
            col.add(
                ("halls", i, "height_m"),
                f"{hall.height_m:g} m floor to ceiling, but rack {tall.id!r} is "
                f"{tall.height_m:g} m tall: racks must stand below the ceiling (the air "
                "returns over them); raise the hall's height_m or lower the racks' height_m",
            )


def _unit_on_rack(path: tuple, unit: Any, hall: Any, rows: list, col: Any) -> None:
    """A unit whose footprint (`UNIT_FOOTPRINT_M` square about its centre) crosses a rack's
    by more than EPS_M."""
    x, y = unit.position_m[0] - hall.origin_m[0], unit.position_m[1] - hall.origin_m[1]
    h = UNIT_FOOTPRINT_M / 2.0
    for row in rows:
        x0, x1, y0, y1 = row.boxes
        dx = np.minimum(x1, x + h) - np.maximum(x0, x - h)
        dy = np.minimum(y1, y + h) - np.maximum(y0, y - h)
        on = (dx > EPS_M) & (dy > EPS_M)
        if on.any():
            k = int(np.argmax(np.where(on, dx * dy, -1.0)))  # the rack it stands most on
            col.add(
                path,
                f"({unit.position_m[0]:g}, {unit.position_m[1]:g}) m puts the unit's "
                f"{UNIT_FOOTPRINT_M:g} m square footprint on rack "
                f"{row.taken[int(row.slots[k])]!r} of row {row.row.id!r} (the rack's footprint: x "
                f"{x0[k]:g} to {x1[k]:g} m, y {y0[k]:g} to {y1[k]:g} m on the floor of hall "
                f"{hall.id!r}); place the unit's centre at least {h:g} m off the rows, e.g. "
                "at an end or along a wall",
            )
            return


class _Row:
    """One row's occupied slots and extent, in hall coordinates."""

    def __init__(self, row: Any, taken: dict[int, str]) -> None:
        self.row, self.taken = row, taken
        self.slots = np.array(sorted(taken), dtype=np.int64)
        occupied = np.zeros(int(self.slots[-1]) + 1, dtype=np.int64)
        occupied[self.slots] = 1
        self.count = np.concatenate(([0], np.cumsum(occupied)))  # occupied slots below s
        w, d = row.rack_width_m, row.rack_depth_m
        along = 0 if row.axis == "x" else 1
        self.along, self.w, self.d = along, w, d
        self.start = row.origin_m[along]  # along the row: slot s is [start + s w, + w]
        self.line = row.origin_m[1 - along]  # across: [line - d/2, line + d/2]
        lo, hi = self.start + self.slots[0] * w, self.start + (self.slots[-1] + 1) * w
        self.box = _xy(along, (lo, hi), (self.line - d / 2, self.line + d / 2))

    @functools.cached_property
    def boxes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(x0, x1, y0, y1) of each occupied slot's footprint."""
        lo = self.start + self.slots * self.w
        across = np.full(len(self.slots), self.line)
        along = (lo, lo + self.w)
        return _xy(self.along, along, (across - self.d / 2, across + self.d / 2))


def _xy(along: int, a: tuple, c: tuple) -> tuple:
    """(x0, x1, y0, y1) from intervals along and across a row on `along` (0: x, 1: y)."""
    return (*a, *c) if along == 0 else (*c, *a)


def _racks_on(a: _Row, b: _Row) -> tuple[int, str, str] | None:
    """(how many racks of `b` stand on a rack of `a`, the first such pair) or None."""
    ax0, ax1, ay0, ay1 = a.box
    bx0, bx1, by0, by1 = b.box
    if min(ax1, bx1) - max(ax0, bx0) <= EPS_M or min(ay1, by1) - max(ay0, by0) <= EPS_M:
        return None
    x0, x1, y0, y1 = b.boxes
    # across a's row: the band of its line; along it: the slots each footprint covers
    c0, c1, s0, s1 = (y0, y1, x0, x1) if a.along == 0 else (x0, x1, y0, y1)
    across = np.minimum(c1, a.line + a.d / 2) - np.maximum(c0, a.line - a.d / 2) > EPS_M
    lo = np.floor((s0 - a.start + EPS_M) / a.w)
    hi = np.ceil((s1 - a.start - EPS_M) / a.w) - 1
    last = len(a.count) - 2
    lo, hi = np.clip(lo, 0, last + 1).astype(np.int64), np.clip(hi, -1, last).astype(np.int64)
    covered = np.where(hi >= lo, a.count[np.maximum(hi, lo - 1) + 1] - a.count[lo], 0)
    on = np.flatnonzero(across & (covered > 0))
    if not len(on):
        return None
    k = int(on[0])
    under = next(s for s in range(int(lo[k]), int(hi[k]) + 1) if s in a.taken)
    return len(on), b.taken[int(b.slots[k])], a.taken[under]
