"""The 3D scene of a site as plain arrays: racks, hall floors, equipment, failures.

All racks are ONE merged mesh (8 points, 6 quads per rack) with one scalar per
cell, so a 1 GW campus is a handful of meshes, not thousands of actors
(../shared/FRONTEND.md: 10k actors took 20 s, one merged mesh 0.01 s). The
scene holds no VTK objects: it pickles cheaply to the worker process that
exports it (`twin.viz.export`).

Level of detail: up to `MAX_RACK_BOXES` racks are drawn one box each; above
that each row becomes one box coloured by the mean of its racks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from twin.model import Twin, columns, registry
from twin.viz.geometry import boxes, per_cell
from twin.viz.placement import COOLING, KINDS, POWER, STORAGE, equipment, placed

MAX_RACK_BOXES = 3_000
"""Above this many racks "auto" draws one box per row and leaves out the smallest
equipment (PDUs, pumps): measured on the 1 GW campus (7,584 racks) in headless
Chromium, this halves the time vtk.js needs for the first frame (bench/scene.py)."""
SMALL_KINDS = registry.tables(small=True)
FAILED_RGB = (0.86, 0.08, 0.24)  # crimson: failed equipment
AFFECTED_RGB = (1.0, 0.0, 0.55)  # magenta: racks that lost power or cooling
GHOST_RGB = (0.25, 1.0, 0.0)  # lime: racks a placement would add (not in the layout yet)
DIMMED_RGB = (0.78, 0.78, 0.80)  # light grey: racks filtered out (another tenant's)
KIND_RGB = {t: registry.kind(t).rgb for t in KINDS}
"""Equipment colour per kind, from twin.model.registry."""


@dataclass
class Layer:
    """One mesh: quads over points, coloured by cell scalars (with a colour map) or one colour."""

    name: str
    points: np.ndarray
    quads: np.ndarray
    scalars: np.ndarray | None = None
    rgb: tuple[float, float, float] = (0.7, 0.7, 0.7)
    opacity: float = 1.0
    ids: np.ndarray | None = None  # one component id per box (None: not selectable)
    notes: np.ndarray | None = None  # per box, text the hover adds after its kind


@dataclass
class Scene:
    layers: list[Layer] = field(default_factory=list)
    label: str = ""  # what the rack colours mean, e.g. "power_kw"
    clim: tuple[float, float] = (0.0, 1.0)
    cmap: str = "viridis"
    lod: str = "rack"  # "rack" or "row"
    n_boxes: int = 0
    unit: str = ""  # of the rack values, for hover text
    digits: int = 1  # decimals of the rack values in hover text
    labels: list[tuple[str, float, float, float, str]] = field(default_factory=list)
    """(text, x, y, z, level) of hall, row and equipment names; level 'hall', 'row' or 'eq'."""
    marks: dict[str, str] = field(default_factory=dict)
    """Drawn component id -> what is wrong with it ('overloaded', 'too hot', 'no power')."""

    def digest(self) -> str:
        """A content hash (for caching exports of identical scenes)."""
        h = hashlib.sha1()
        h.update(f"{self.label}|{self.clim}|{self.cmap}|{self.lod}".encode())
        for layer in self.layers:
            h.update(layer.name.encode())
            h.update(np.ascontiguousarray(layer.points).tobytes())
            if layer.scalars is not None:
                h.update(np.ascontiguousarray(layer.scalars).tobytes())
            h.update(repr((layer.rgb, layer.opacity)).encode())
            if layer.ids is not None:
                h.update("\0".join(map(str, layer.ids)).encode())
        return h.hexdigest()


def _clim(v: np.ndarray) -> tuple[float, float]:
    v = v[np.isfinite(v)]
    if not len(v):
        return (0.0, 1.0)
    lo, hi = float(v.min()), float(v.max())
    if hi - lo < 1e-9:
        pad = max(abs(hi) * 0.05, 0.5)
        return (lo - pad, hi + pad)
    return (lo, hi)


def _rack_boxes(racks: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Rack footprints, rotated so depth runs along the facing direction."""
    along_y = racks["face_y"].to_numpy() != 0  # faces +-y: width along x, depth along y
    w = np.where(along_y, racks["width_m"], racks["depth_m"]) * 0.96
    d = np.where(along_y, racks["depth_m"], racks["width_m"]) * 0.96
    return boxes(racks["x_m"], racks["y_m"], 0.0, w, d, racks["height_m"])


def _row_boxes(racks: pd.DataFrame, values: np.ndarray):
    """One box per row spanning its racks, valued by the mean of its racks; and the row ids."""
    x0 = racks["x_m"] - racks["width_m"] / 2
    x1 = racks["x_m"] + racks["width_m"] / 2
    y0 = racks["y_m"] - racks["depth_m"] / 2
    y1 = racks["y_m"] + racks["depth_m"] / 2
    df = pd.DataFrame(
        {"x0": x0, "x1": x1, "y0": y0, "y1": y1, "h": racks["height_m"], "v": values},
        index=racks.index,
    )
    g = df.groupby(racks["row"].to_numpy(), sort=False).agg(
        {"x0": "min", "x1": "max", "y0": "min", "y1": "max", "h": "max", "v": "mean"}
    )
    pts, quads = boxes(
        (g["x0"] + g["x1"]) / 2,
        (g["y0"] + g["y1"]) / 2,
        0.0,
        g["x1"] - g["x0"],
        g["y1"] - g["y0"],
        g["h"],
    )
    return pts, quads, g["v"].to_numpy(), g.index.to_numpy(dtype=object)


def _labels(twin: Twin) -> list[tuple[str, float, float, float, str]]:
    """Hall names above each hall's centre; row ids above the first rack of each row."""
    out = []
    H, racks = twin.halls, twin.racks
    top = racks.groupby("hall")["height_m"].max() if len(racks) else pd.Series(dtype=float)
    for hid, h in H.iterrows():
        name = h.get("name") if isinstance(h.get("name"), str) and h.get("name") else hid
        z = float(top.get(hid, 2.0)) + 2.5
        cx, cy = h["x0_m"] + h["width_m"] / 2, h["y0_m"] + h["depth_m"] / 2
        out.append((str(name), float(cx), float(cy), z, "hall"))
    if len(racks):
        g = racks.groupby("row", sort=False)
        first = g[["x_m", "y_m"]].first()
        h = g["height_m"].max()
        for rid, x, y, z in zip(first.index, first["x_m"], first["y_m"], h, strict=True):
            out.append((str(rid), float(x), float(y), float(z) + 0.4, "row"))
    return out


def _storage_notes(twin: Twin, kind: str, ids: pd.Index) -> np.ndarray | None:
    """Hover text of storage units (a site BESS): its energy and power ratings."""
    if kind not in STORAGE:
        return None
    t = getattr(twin, kind).reindex(ids)
    e, p = t["energy_kwh"].to_numpy(float) / 1000.0, t["power_kw"].to_numpy(float) / 1000.0
    return np.array([f"{a:,.1f} MWh, {b:,.1f} MW" for a, b in zip(e, p, strict=True)], object)


def build_scene(
    twin: Twin,
    values: pd.Series | None = None,
    label: str = "power_kw",
    failed: set[str] | frozenset[str] = frozenset(),
    affected: set[str] | frozenset[str] | pd.Index = frozenset(),
    lod: str = "auto",
    kinds: tuple[str, ...] = KINDS,
    cmap: str = "viridis",
    clim: tuple[float, float] | None = None,
    column: str | None = None,
    marks: dict[str, str] | None = None,
    ghosts: pd.DataFrame | None = None,
    dimmed: set[str] | frozenset[str] | pd.Index = frozenset(),
) -> Scene:
    """Arrays for the whole site.

    values: one number per rack (index = rack id); default the design `power_kw`.
    failed: component ids drawn red (equipment) or as affected (racks).
    affected: rack ids that lost power or cooling, drawn magenta.
    lod: "rack", "row", or "auto" (racks up to MAX_RACK_BOXES, else rows without small equipment).
    column: the name of the values' column: the colour bar's label, hover unit and digits
        come from the label map (`twin.model.columns`).
    marks: component id -> violation text, drawn as red outlines (a rack drawn as part
        of its row's box marks the row).
    ghosts: racks not in the layout yet (a placement's candidate), one row per rack id with
        x_m, y_m, face_y, width_m, depth_m, height_m (as `twin.racks`), drawn lime green.
    dimmed: rack ids drawn light grey and left out of the colour range (filtered out,
        e.g. another tenant's racks); racks hit by a failure keep their colour.
    """
    racks = twin.racks
    if values is None:
        values = racks["power_kw"]
    v = pd.to_numeric(values.reindex(racks.index), errors="coerce").to_numpy(dtype=float)
    hit = racks.index.isin(list(set(affected) | set(failed)))
    dim = racks.index.isin(list(dimmed)) & ~hit
    scene = Scene(label=label, cmap=cmap)
    if column is not None:
        spec = columns.spec(column)
        scene.label, scene.unit, scene.digits = columns.header(column), spec.unit, spec.digits
    shown = ~hit & ~dim
    scene.clim = clim or _clim(v[shown] if shown.any() else v)
    if lod == "auto":
        lod = "rack" if len(racks) <= MAX_RACK_BOXES else "row"
        if lod == "row":
            kinds = tuple(k for k in kinds if k not in SMALL_KINDS)
    scene.lod = lod
    scene.labels = _labels(twin)
    for cid, why in (marks or {}).items():
        if lod == "row" and cid in racks.index:
            cid = racks.at[cid, "row"]
        scene.marks.setdefault(str(cid), why)

    # hall floors: thin slabs under the racks
    H = twin.halls
    if len(H):
        pts, quads = boxes(
            H["x0_m"] + H["width_m"] / 2,
            H["y0_m"] + H["depth_m"] / 2,
            -0.15,
            H["width_m"],
            H["depth_m"],
            0.15,
        )
        scene.layers.append(Layer("halls", pts, quads, rgb=(0.82, 0.84, 0.87)))

    ok = racks[shown]
    if len(ok):
        if lod == "row":
            pts, quads, rv, ids = _row_boxes(ok, v[shown])
        else:
            pts, quads = _rack_boxes(ok)
            rv, ids = v[shown], ok.index.to_numpy(dtype=object)
        scalars = per_cell(rv).astype(np.float32)
        scene.layers.append(Layer("racks", pts, quads, scalars=scalars, ids=ids))
        scene.n_boxes += len(quads) // 6
    if hit.any():
        pts, quads = _rack_boxes(racks[hit])
        ids = racks.index[hit].to_numpy(dtype=object)
        scene.layers.append(Layer("affected racks", pts, quads, rgb=AFFECTED_RGB, ids=ids))
        scene.n_boxes += int(hit.sum())
    if dim.any():
        if lod == "row":
            pts, quads, _, ids = _row_boxes(racks[dim], v[dim])
        else:
            pts, quads = _rack_boxes(racks[dim])
            ids = racks.index[dim].to_numpy(dtype=object)
        scene.layers.append(Layer("filtered racks", pts, quads, rgb=DIMMED_RGB, ids=ids))
        scene.n_boxes += len(quads) // 6
    if ghosts is not None and len(ghosts):
        pts, quads = _rack_boxes(ghosts)
        ids = ghosts.index.to_numpy(dtype=object)
        scene.layers.append(Layer("new racks", pts, quads, rgb=GHOST_RGB, ids=ids))
        scene.n_boxes += len(ghosts)

    eq = placed(twin, kinds)  # equipment(twin, kinds), cached per Twin content
    # equipment names last: shown where halls and rows leave room (zoom in to see more)
    scene.labels += [
        (str(i), float(x), float(y), float(h) + 0.3, "eq")
        for i, x, y, h in zip(eq.index, eq["x_m"], eq["y_m"], eq["h_m"], strict=True)
    ]
    if len(eq):
        down = eq.index.isin(list(failed))
        for kind, sub in eq[~down].groupby("kind", sort=False):
            pts, quads = boxes(sub["x_m"], sub["y_m"], 0.0, sub["w_m"], sub["d_m"], sub["h_m"])
            rgb = KIND_RGB.get(kind, (0.6, 0.6, 0.6))
            ids = sub.index.to_numpy(dtype=object)
            notes = _storage_notes(twin, kind, sub.index)
            scene.layers.append(Layer(kind, pts, quads, rgb=rgb, ids=ids, notes=notes))
            scene.n_boxes += len(sub)
        if down.any():
            sub = eq[down]
            pts, quads = boxes(
                sub["x_m"], sub["y_m"], 0.0, sub["w_m"] * 1.3, sub["d_m"] * 1.3, sub["h_m"] * 1.6
            )
            ids = sub.index.to_numpy(dtype=object)
            scene.layers.append(Layer("failed", pts, quads, rgb=FAILED_RGB, ids=ids))
            scene.n_boxes += len(sub)
    return scene


__all__ = [
    "COOLING",
    "DIMMED_RGB",
    "GHOST_RGB",
    "KINDS",
    "POWER",
    "Layer",
    "Scene",
    "build_scene",
    "equipment",
]
