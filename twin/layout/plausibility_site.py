"""Plausibility of the site plan (part of `twin.layout.plausibility.check`): halls whose
floors overlap. The schema has no storeys: halls are one plan, each rectangle at its
``origin_m`` with its ``size_m`` (the 3D view and the generated campus draw them so), and
``origin_m`` defaults to (0, 0), so halls written without one stack on one another without
a word (audit of 2026-12-05: two halls on one footprint, racks on racks, validated ok).
Rows overlapping inside a hall are an error (`twin.layout.floor_check`); halls are only
cautioned, since nothing in the physics couples two halls' floors."""

from __future__ import annotations

from typing import Any

import numpy as np

from twin.layout.source import format_path, line_of

TOUCH_M = 1e-6
"""Halls that share a wall (overlap at most this deep) do not overlap."""


def check_halls(layout, doc: Any, file: str, caution) -> list:
    """One caution per hall whose floor overlaps an earlier hall's, at its ``origin_m``."""
    halls = list(layout.halls)
    if len(halls) < 2:
        return []
    lo = np.array([h.origin_m for h in halls], float)
    hi = lo + np.array([h.size_m for h in halls], float)
    dx = np.minimum(hi[:, None, 0], hi[None, :, 0]) - np.maximum(lo[:, None, 0], lo[None, :, 0])
    dy = np.minimum(hi[:, None, 1], hi[None, :, 1]) - np.maximum(lo[:, None, 1], lo[None, :, 1])
    hit = np.tril((dx > TOUCH_M) & (dy > TOUCH_M), k=-1)  # each pair once, the later hall
    out = []
    for i in np.flatnonzero(hit.any(axis=1)):
        j = int(np.flatnonzero(hit[i])[0])
        a, b = halls[i], halls[j]
        area = float(dx[i, j] * dy[i, j])
        where = ("halls", int(i), "origin_m")
        out.append(
            caution(
                file,
                line_of(doc, where) if doc is not None else None,
                format_path(where),
                (a.id,),
                f"hall {a.id} (origin {_xy(a.origin_m)} m, {_xy(a.size_m)} m) overlaps hall "
                f"{b.id} (origin {_xy(b.origin_m)} m, {_xy(b.size_m)} m) by {area:,.1f} m2: "
                "halls are one site plan (origin_m defaults to 0, 0), so their racks stand on "
                "one another in the 3D view (give each hall its own origin_m)",
                (b.id,),
            )
        )
    return out


def _xy(v) -> str:
    return f"({v[0]:g}, {v[1]:g})"
