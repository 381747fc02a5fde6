"""Where the big equipment stands in 3D: given positions, or placed automatically.

A component with `pos_x_m`/`pos_y_m` in the layout stands there. Others are
placed next to the hall they serve: power equipment (transformers,
switchgear, UPS, PDUs, then a site battery) in rows along the hall's south wall, cooling equipment
(CDUs, CRAHs, pumps, chillers, towers, dry coolers) along its north wall.
Equipment serving several halls (a building's HV transformers) stands south of
those halls' bounding box; equipment serving none (grid, generators with no
hall) stands in a column west of the site.

Pure pandas/numpy; a display convention, not physics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.model import Twin, registry
from twin.solve.cache import per_twin
from twin.solve.carry import register

POWER = tuple(t for t in registry.POWER_KINDS if registry.kind(t).size_m)
COOLING = tuple(t for t in registry.COOLING_KINDS if registry.kind(t).size_m)
STORAGE = tuple(t for t in registry.STORAGE_KINDS if registry.kind(t).size_m)
KINDS = POWER + COOLING + STORAGE
"""Equipment drawn in 3D: every registered kind with a size."""
SIZES_M: dict[str, tuple[float, float, float]] = {t: registry.kind(t).size_m for t in KINDS}
"""Footprint (x, y) and height in metres, from twin.model.registry."""
GAP_M = 0.6


def _hall_sets(twin: Twin) -> dict[str, set[str]]:
    """For every equipment id: the halls it serves (possibly empty)."""
    halls: dict[str, set[str]] = {}

    def add(comp, hall) -> None:
        if isinstance(comp, str) and isinstance(hall, str) and hall:
            halls.setdefault(comp, set()).add(hall)

    r = twin.racks
    # cooling: loops -> halls
    loop_halls: dict[str, set[str]] = {}

    def add_loop(loop, hall) -> None:
        if isinstance(loop, str) and isinstance(hall, str):
            loop_halls.setdefault(loop, set()).add(hall)

    for loop, hall in zip(r["liquid_loop"], r["hall"], strict=True):
        add_loop(loop, hall)
    for t in (twin.crahs, twin.cdus):
        if len(t):
            for cid, hall, loop in zip(t.index, t["hall"], t["loop"], strict=True):
                add(cid, hall)
                add_loop(loop, hall)
    if len(twin.cdus):
        for cid, loop, fac in zip(
            twin.cdus.index, twin.cdus["loop"], twin.cdus["facility_loop"], strict=True
        ):
            for h in loop_halls.get(loop, ()) | halls.get(cid, set()):
                add(cid, h)
                add_loop(fac, h)
    for kind in registry.tables(model=("chiller", "pump", "cooling_tower", "dry_cooler")):
        t = getattr(twin, kind)
        if not len(t) or "loop" not in t:
            continue
        for cid, loop in zip(t.index, t["loop"], strict=True):
            for h in loop_halls.get(loop, ()):
                add(cid, h)
        if registry.kind(kind).model == "chiller":
            for cid, cond in zip(t.index, t["condenser_loop"], strict=True):
                for h in halls.get(cid, ()):
                    add_loop(cond, h)
    # towers/coolers on condenser loops need the chillers' condenser loops: second pass
    for kind in registry.tables(model=("pump", "cooling_tower", "dry_cooler")):
        t = getattr(twin, kind)
        if len(t) and "loop" in t:
            for cid, loop in zip(t.index, t["loop"], strict=True):
                for h in loop_halls.get(loop, ()):
                    add(cid, h)

    # power: racks and cooling units up the feed tree, leaves first
    for col in ("feed_a", "feed_b"):
        for feed, hall in zip(r[col], r["hall"], strict=True):
            add(feed, hall)
    for kind in COOLING:
        t = getattr(twin, kind)
        for col in ("feed", "feed_b"):
            if not len(t) or col not in t:
                continue
            for cid, feed in zip(t.index, t[col], strict=True):
                if feed is None or feed != feed:  # single-fed units have no feed_b
                    continue
                for h in halls.get(cid, ()):
                    add(feed, h)
    nodes = twin.power_nodes
    ups = list(zip(nodes.index, nodes["upstream"], nodes["alternate"], strict=True))
    for node, up, alt in reversed(ups):
        mine = halls.get(node)
        if not mine:
            continue
        for parent in (up, alt):
            if isinstance(parent, str):
                halls.setdefault(parent, set()).update(mine)
    for kind in STORAGE:  # a site battery stands with the halls its bus serves
        t = getattr(twin, kind, None)
        if t is not None and len(t) and "feed" in t:
            for cid, feed in zip(t.index, t["feed"], strict=True):
                for h in halls.get(feed, ()):
                    add(cid, h)
    return halls


_RACK_COLUMNS_READ = frozenset({"hall", "liquid_loop", "feed_a", "feed_b"})
"""The racks' columns `_hall_sets` reads: an edit of others keeps every placement."""


def _keep(value, new, changed):
    return None if changed & _RACK_COLUMNS_READ else value


def placed(twin: Twin, kinds: tuple[str, ...] = KINDS) -> pd.DataFrame:
    """`equipment(twin, kinds)`, computed once per Twin content (`twin.solve.cache`) and
    kept over a rack edit that changes none of the columns it reads (`twin.solve.carry`).
    The same table as `equipment` gives; do not modify it."""
    name = "viz.equipment:" + ",".join(kinds)
    register(name, _keep)
    return per_twin(twin, name, lambda t: equipment(t, kinds))


def equipment(twin: Twin, kinds: tuple[str, ...] = KINDS) -> pd.DataFrame:
    """One row per piece of equipment: kind, x_m, y_m (centre), w_m, d_m, h_m, hall (or '')."""
    hall_sets = _hall_sets(twin)
    H = twin.halls
    frames = []
    # offsets of the next free spot per (group, side)
    cursor: dict[tuple, list[float]] = {}
    site_x0 = float(H["x0_m"].min()) if len(H) else 0.0
    site_y0 = float(H["y0_m"].min()) if len(H) else 0.0
    hx0 = H["x0_m"].to_dict()
    hx1 = (H["x0_m"] + H["width_m"]).to_dict()
    hy0 = H["y0_m"].to_dict()
    hy1 = (H["y0_m"] + H["depth_m"]).to_dict()
    bbox: dict[frozenset, tuple[float, float, float, float]] = {}
    # nearest the wall first: PDUs and UPS next to the hall, the grid connection farthest
    order = [k for k in (*reversed(POWER), *STORAGE, *COOLING) if k in kinds]
    for kind in order:
        t = getattr(twin, kind, None)
        if t is None or not len(t):
            continue
        w, d, h = SIZES_M[kind]
        side = "north" if kind in COOLING else "south"
        xs = np.full(len(t), np.nan)
        ys = np.full(len(t), np.nan)
        group = []
        if "pos_x_m" in t:
            xs = t["pos_x_m"].to_numpy(dtype=float).copy()
            ys = t["pos_y_m"].to_numpy(dtype=float).copy()
        for i, cid in enumerate(t.index):
            hs = hall_sets.get(cid, set())
            group.append(next(iter(hs)) if len(hs) == 1 else "")
            if not np.isnan(xs[i]) and not np.isnan(ys[i]):
                continue
            hs = {h for h in hs if h in hx0}
            if hs:
                fs = frozenset(hs)
                if fs not in bbox:
                    bbox[fs] = (
                        min(hx0[h] for h in hs),
                        max(hx1[h] for h in hs),
                        min(hy0[h] for h in hs),
                        max(hy1[h] for h in hs),
                    )
                gx0, gx1, gy0, gy1 = bbox[fs]
                key = (fs, side, kind)
                band = (fs, side)
                span = max(gx1 - gx0, w + GAP_M)
                if key not in cursor:
                    # each kind starts a new line, further out from the wall
                    used = cursor.get(band, [0.0])[0]
                    cursor[key] = [0.0, used]
                    cursor[band] = [used + d + GAP_M + (4.0 if len(hs) > 1 else 0.0)]
                along, out = cursor[key]
                if along + w > span:  # wrap to a new line
                    used = cursor[band][0]
                    cursor[key] = [0.0, used]
                    cursor[band] = [used + d + GAP_M]
                    along, out = cursor[key]
                extra = 2.0 + (12.0 if len(hs) > 1 else 0.0)
                xs[i] = gx0 + along + w / 2
                ys[i] = gy0 - extra - out - d / 2 if side == "south" else gy1 + extra + out + d / 2
                cursor[key][0] = along + w + GAP_M
            else:
                key = ("site", kind)
                n = cursor.setdefault(key, [0.0])[0]
                col = KINDS.index(kind)
                xs[i] = site_x0 - 20.0 - col * 8.0
                ys[i] = site_y0 + n + d / 2
                cursor[key][0] = n + d + GAP_M
        frames.append(
            pd.DataFrame(
                {"kind": kind, "x_m": xs, "y_m": ys, "w_m": w, "d_m": d, "h_m": h, "hall": group},
                index=t.index,
            )
        )
    if not frames:
        return pd.DataFrame(columns=["kind", "x_m", "y_m", "w_m", "d_m", "h_m", "hall"])
    out = pd.concat(frames)
    out.index.name = "id"
    return out
