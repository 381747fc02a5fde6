"""Floor geometry for placement (`twin.scenarios.placement`): rack footprints, obstacles,
free slots of a row, and new rows after a hall's last one (hall coordinates, metres)."""

from __future__ import annotations

import math
import re

import numpy as np

from twin.layout import Layout
from twin.layout.hall_design import ROW_PAIR_PITCH_M
from twin.model import registry

EPS_M = 1e-6
"""Footprints that touch do not overlap (m)."""


def _box(row: dict, slot: int) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of a slot's footprint in hall coordinates."""
    w, d = row.get("rack_width_m", 0.6), row.get("rack_depth_m", 1.2)
    ox, oy = row["origin_m"]
    if row.get("axis", "x") == "x":
        return ox + slot * w, oy - d / 2, ox + (slot + 1) * w, oy + d / 2
    return ox - d / 2, oy + slot * w, ox + d / 2, oy + (slot + 1) * w


def unit_boxes(layout: Layout) -> np.ndarray:
    """Footprints (x0, y0, x1, y1, site coordinates) of every cooling unit with a position."""
    boxes = []
    for kind in registry.COOLING_KINDS:
        size = registry.kind(kind).size_m
        if size is None:
            continue
        for unit in getattr(layout.cooling, kind):
            pos = getattr(unit, "position_m", None)
            if pos is not None:
                x, y = pos
                boxes.append((x - size[0] / 2, y - size[1] / 2, x + size[0] / 2, y + size[1] / 2))
    return np.array(boxes, dtype=float).reshape(-1, 4)


def _obstacles(layout: Layout, hall, units: np.ndarray | None = None) -> np.ndarray:
    """Footprints (x0, y0, x1, y1, hall coordinates) of the hall's racks and positioned units."""
    rows = {r.id: r.model_dump() for r in hall.rows}
    racks = [_box(rows[r.row], r.slot) for r in hall.racks if r.row in rows]
    units = unit_boxes(layout) if units is None else units
    units = units - np.array([*hall.origin_m, *hall.origin_m])
    w, d = hall.size_m
    near = (units[:, 2] > 0) & (units[:, 0] < w) & (units[:, 3] > 0) & (units[:, 1] < d)
    return np.vstack([np.array(racks, dtype=float).reshape(-1, 4), units[near]])


def free_slots(
    layout: Layout,
    hall,
    row: dict,
    taken: set[int],
    limit: int | None = None,
    obstacles: np.ndarray | None = None,
) -> list[int]:
    """Slots of `row` (hall coordinates) where a rack fits: on the floor, not taken, nothing on
    it (`obstacles`: the hall's `_obstacles`, computed here if not given)."""
    w, d = hall.size_m
    along = w if row.get("axis", "x") == "x" else d
    o = row["origin_m"][0 if row.get("axis", "x") == "x" else 1]
    n = int(math.floor((along - o) / row.get("rack_width_m", 0.6) + EPS_M))
    if limit is not None:
        n = min(n, limit)
    if n <= 0:
        return []
    boxes = np.array([_box(row, s) for s in range(n)])
    inside = (
        (boxes[:, 0] >= -EPS_M)
        & (boxes[:, 1] >= -EPS_M)
        & (boxes[:, 2] <= w + EPS_M)
        & (boxes[:, 3] <= d + EPS_M)
    )
    obs = _obstacles(layout, hall) if obstacles is None else obstacles
    if len(obs):
        hit = (
            (boxes[:, None, 0] < obs[None, :, 2] - EPS_M)
            & (obs[None, :, 0] < boxes[:, None, 2] - EPS_M)
            & (boxes[:, None, 1] < obs[None, :, 3] - EPS_M)
            & (obs[None, :, 1] < boxes[:, None, 3] - EPS_M)
        ).any(axis=1)
    else:
        hit = np.zeros(n, bool)
    ok = inside & ~hit
    return [s for s in range(n) if ok[s] and s not in taken]


def _new_rows(hall, ids: set[str], count: int) -> list[dict]:
    """Up to `count` rows after the hall's last one, the last two rows' pattern repeated."""
    rows = [r.model_dump() for r in hall.rows]
    if not rows or len({r["axis"] for r in rows}) != 1:
        return []
    perp = 1 if rows[0]["axis"] == "x" else 0
    rows.sort(key=lambda r: r["origin_m"][perp])
    c = [r["origin_m"][perp] for r in rows]
    if len(rows) >= 3:
        pitch = c[-1] - c[-3]
    elif len(rows) == 2:
        pitch = 2 * (c[1] - c[0])
    else:
        pitch = ROW_PAIR_PITCH_M / 2
    if pitch <= 0:
        return []
    out = []
    m = re.match(r"^(.*?)(\d+)$", rows[-1]["id"])
    number = int(m.group(2)) if m else 0
    for j in range(count):
        tpl = rows[len(rows) - 2 + j % 2] if len(rows) >= 2 else rows[0]
        new = dict(tpl)
        origin = list(tpl["origin_m"])
        origin[perp] = round(origin[perp] + pitch * (j // 2 + 1 if len(rows) >= 2 else j + 1), 3)
        new["origin_m"] = origin
        number += 1
        rid = f"{m.group(1)}{number:0{len(m.group(2))}d}" if m else f"{hall.id}-NR{number}"
        while rid in ids:
            number += 1
            rid = f"{m.group(1)}{number:0{len(m.group(2))}d}" if m else f"{hall.id}-NR{number}"
        new["id"] = rid
        ids.add(rid)
        out.append(new)
    return out


def free_slot_counts(layout: Layout, hall, units: np.ndarray | None = None) -> dict[str, int]:
    """Row id -> how many of its slots are free (`free_slots`: on the floor up to the hall's
    walls, no rack and no positioned cooling unit on it): the free rack slots that `twin place`
    fills and `twin.metrics.headroom` and `twin.metrics.stranded` report."""
    taken: dict[str, set[int]] = {r.id: set() for r in hall.rows}
    for rack in hall.racks:
        taken.setdefault(rack.row, set()).add(rack.slot)
    obs = _obstacles(layout, hall, units)
    return {
        r.id: len(free_slots(layout, hall, r.model_dump(), taken[r.id], obstacles=obs))
        for r in hall.rows
    }
