"""The selected component's power paths (feed A, feed B) and cooling paths as 3D lines.

Each path is a list of steps from the component outwards; a step is one id or a
group of ids that share the load in parallel (`twin.app.state.cooling_paths`:
7 CRAHs, 3 CDUs...). A group is drawn as a hub at its units' centroid with a
short spoke to each unit, and consecutive steps are joined hub to hub, so
parallel units read as a group, never as a chain in series. Lines run above
the equipment roofs so they are not hidden inside boxes.

Pure numpy/pandas; the viewer draws the segments (`twin.viz.component`).
"""

from __future__ import annotations

import pandas as pd

PATH_RGB = {
    "Power path, feed A": (0.85, 0.33, 0.1),
    "Power path, feed B": (0.58, 0.2, 0.7),
    "Cooling path, liquid": (0.0, 0.45, 0.85),
    "Cooling path, air": (0.0, 0.65, 0.65),
}
LIFT_M = 1.0
"""How far above an item's roof its path runs."""


def positions(twin, equipment: pd.DataFrame) -> pd.DataFrame:
    """(x_m, y_m, z_m) of racks and drawn equipment: the top centre of each box."""
    r = twin.racks
    racks = pd.DataFrame(
        {"x_m": r["x_m"], "y_m": r["y_m"], "z_m": r["height_m"] + LIFT_M}, index=r.index
    )
    eq = pd.DataFrame(
        {"x_m": equipment["x_m"], "y_m": equipment["y_m"], "z_m": equipment["h_m"] + LIFT_M},
        index=equipment.index,
    )
    return pd.concat([racks, eq])


def segments(steps: list, where: pd.DataFrame) -> list[list[float]]:
    """Line segments [x0, y0, z0, x1, y1, z1] through `steps` (ids or lists of ids), each
    group as a hub with spokes; ids with no position are skipped."""
    out: list[list[float]] = []
    prev = None
    for step in steps:
        ids = [i for i in ([step] if isinstance(step, str) else step) if i in where.index]
        if not ids:
            continue
        pts = where.loc[ids, ["x_m", "y_m", "z_m"]].to_numpy(dtype=float)
        if len(ids) == 1:
            hub = pts[0]
        else:
            hub = pts.mean(axis=0)
            hub[2] = pts[:, 2].max() + LIFT_M  # the hub floats above its group
            out += [[*hub, *p] for p in pts]
        if prev is not None:
            out.append([*prev, *hub])
        prev = hub
    return [[round(float(v), 2) for v in s] for s in out]


def path_lines(twin, cid: str, paths: dict[str, list], equipment: pd.DataFrame) -> list[dict]:
    """The viewer's `paths` argument: one {name, rgb, segments} per non-empty path of
    `cid` (`paths`: name -> steps, each starting after `cid`)."""
    where = positions(twin, equipment)
    out = []
    for name, steps in paths.items():
        if not steps:
            continue
        seg = segments([cid, *steps], where)
        if seg:
            rgb = PATH_RGB.get(name, (0.2, 0.2, 0.2))
            out.append({"name": name, "rgb": list(rgb), "segments": seg})
    return out


__all__ = ["PATH_RGB", "path_lines", "positions", "segments"]
