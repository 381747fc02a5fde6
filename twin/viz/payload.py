"""A `Scene` packed for the browser viewer: one JSON header and one binary blob.

The viewer (`twin.viz.component`, vtk.js in the browser) draws ONE mesh with one
RGB colour per cell, so the colours are computed here from the scalars and the
colour map; the browser does no colour mapping. The blob is the arrays back to back,
each aligned to 4 bytes, in this order:

- points  float32 (n_points, 3)
- polys   uint32 (n_cells, 5): VTK cell array rows [4, a, b, c, d]
- owner   int32 (n_cells): index into `header["ids"]` of the component a cell
          belongs to, -1 for cells that are not selectable (hall floors)
- rgb     uint8 (n_cells, 3)

Sent as bytes (a Streamlit bytes argument travels as raw protobuf bytes, not JSON
lists of floats): about 260 bytes per box.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps  # at import: 0.3 s, paid by the server's warm-up, not a page

from twin.model import columns
from twin.viz.scene import AFFECTED_RGB, DIMMED_RGB, FAILED_RGB, GHOST_RGB, KIND_RGB, Scene

NAN_RGB = (160, 160, 160)  # cells with no value
LUT_SIZE = 256
N_STOPS = 16  # colour-map samples sent for the scalar bar


@dataclass(frozen=True)
class Arrays:
    """The decoded blob (what the browser sees)."""

    points: np.ndarray
    quads: np.ndarray
    owner: np.ndarray
    rgb: np.ndarray


def colormap_lut(name: str, n: int = LUT_SIZE) -> np.ndarray:
    """(n, 3) uint8 colours sampled evenly along a matplotlib colour map."""
    cm = colormaps[name]
    return np.round(cm(np.linspace(0.0, 1.0, n))[:, :3] * 255).astype(np.uint8)


def scalar_rgb(values: np.ndarray, clim: tuple[float, float], cmap: str) -> np.ndarray:
    """(n, 3) uint8 colours of `values` on `cmap` over `clim` (clipped; NaN grey)."""
    v = np.asarray(values, dtype=float)
    lo, hi = clim
    t = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
    idx = np.round(np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0) * (LUT_SIZE - 1)).astype(np.intp)
    out = colormap_lut(cmap)[idx]
    out[~np.isfinite(v)] = NAN_RGB
    return out


def _hex(rgb) -> str:
    return "#" + "".join(f"{int(round(c * 255)):02x}" for c in rgb[:3])


def legend(scene: Scene) -> list[tuple[str, str]]:
    """Swatches (name, #rrggbb) for the one-colour layers in the scene."""
    names = {layer.name for layer in scene.layers}
    out = [
        ("failed", FAILED_RGB),
        ("affected rack", AFFECTED_RGB),
        ("new rack", GHOST_RGB),
        ("filtered rack", DIMMED_RGB),
    ]
    out = [(n, rgb) for n, rgb in out if n in names or f"{n}s" in names]
    out = [(_KIND_TEXT.get(f"{n}s", n), rgb) for n, rgb in out]
    out += [(columns.kind_label(k), KIND_RGB[k]) for k in KIND_RGB if k in names]
    return [(n, _hex(rgb)) for n, rgb in out]


_KIND_TEXT = {
    "racks": "rack",
    "affected racks": "rack without power or cooling",
    "new racks": "new rack (placement, not applied)",
    "filtered racks": "rack filtered out",
    "failed": "failed",
}


def _json_float(v: float | None) -> float | None:
    return None if v is None or not np.isfinite(v) else round(float(v), 6)


def camera_key(twin) -> str:
    """What must change for the viewer to reset its camera: the site and its halls' footprints.

    Rack edits, failures and another colour column keep the user's view; loading
    another layout (or resizing a hall) frames the new site.
    """
    h = twin.halls
    cols = ["x0_m", "y0_m", "width_m", "depth_m"]
    foot = np.round(h[cols].to_numpy(dtype=float), 1).tobytes() if len(h) else b""
    digest = hashlib.blake2b(foot, digest_size=8)
    digest.update("\0".join(map(str, h.index)).encode())
    return f"{twin.name}|{digest.hexdigest()}"


def encode(scene: Scene, layout_key: str = "") -> tuple[dict, bytes]:
    """(header, blob) of `scene` for the viewer.

    layout_key: the viewer keeps its camera while this stays the same (see
    `camera_key`: rack edits, failures and a new colour column keep the view).
    """
    pts, quads, owner, rgb = [], [], [], []
    ids: list[str] = []
    index: dict[str, int] = {}
    values: dict[int, float] = {}  # id index -> the value its colour shows
    kinds: dict[int, str] = {}  # id index -> what it is, for hover text
    bounds: dict[int, np.ndarray] = {}  # id index -> [x0, x1, y0, y1, z0, z1] of marked ids
    off = 0
    has_scalars = False
    for layer in scene.layers:
        n_cells = len(layer.quads)
        pts.append(np.asarray(layer.points, dtype=np.float32))
        quads.append(np.asarray(layer.quads, dtype=np.int64) + off)
        off += len(layer.points)
        if layer.scalars is not None:
            has_scalars = True
            rgb.append(scalar_rgb(layer.scalars, scene.clim, scene.cmap))
        else:
            colour = np.round(np.asarray(layer.rgb, dtype=float) * 255).astype(np.uint8)
            rgb.append(np.tile(colour, (n_cells, 1)))
        if layer.ids is None:
            owner.append(np.full(n_cells, -1, dtype=np.int32))
        else:
            box = np.array([index.setdefault(str(i), len(index)) for i in layer.ids], np.int32)
            per = n_cells // max(len(box), 1)
            owner.append(np.repeat(box, per))
            kind = _KIND_TEXT.get(layer.name) or columns.kind_label(layer.name)
            if layer.name == "racks" and scene.lod == "row":
                kind = "row (mean of its racks)"
            notes = layer.notes if layer.notes is not None else [None] * len(box)
            for b, note in zip(box, notes, strict=True):
                kinds.setdefault(int(b), f"{kind} · {note}" if note else kind)
            if layer.scalars is not None and per:
                for b, v in zip(box, np.asarray(layer.scalars)[::per], strict=True):
                    values[int(b)] = float(v)
            # outlined: marked items not already drawn in the affected colour
            marked = [
                k
                for k, i in enumerate(layer.ids)
                if str(i) in scene.marks and layer.name != "affected racks"
            ]
            if marked:
                p = np.asarray(layer.points, dtype=float).reshape(len(box), -1, 3)[marked]
                for k, lo, hi in zip(marked, p.min(axis=1), p.max(axis=1), strict=True):
                    bounds[int(box[k])] = np.array([lo[0], hi[0], lo[1], hi[1], lo[2], hi[2]])
    ids = list(index)
    points = np.vstack(pts) if pts else np.zeros((0, 3), np.float32)
    q = np.vstack(quads) if quads else np.zeros((0, 4), np.int64)
    polys = np.hstack([np.full((len(q), 1), 4, dtype=np.uint32), q.astype(np.uint32)])
    cell_owner = np.concatenate(owner) if owner else np.zeros(0, np.int32)
    cell_rgb = np.vstack(rgb) if rgb else np.zeros((0, 3), np.uint8)
    blob = b"".join(
        np.ascontiguousarray(a).tobytes()
        for a in (points, polys, cell_owner.astype(np.int32), cell_rgb)
    )
    lut = colormap_lut(scene.cmap, N_STOPS) / 255.0
    stops = [[i / (N_STOPS - 1), *map(float, c)] for i, c in enumerate(lut)]
    header = {
        "layout": layout_key,
        "n_points": len(points),
        "n_cells": len(polys),
        "ids": ids,
        "label": scene.label,
        "clim": [float(scene.clim[0]), float(scene.clim[1])],
        "cmap": scene.cmap,
        "stops": stops,
        "has_scalars": has_scalars,
        "legend": legend(scene),
        "lod": scene.lod,
        "unit": scene.unit,
        "digits": scene.digits,
        # per id: the value its colour shows (null: none) and what it is, for hover text
        "values": [_json_float(values.get(i)) for i in range(len(ids))],
        "kinds": [kinds.get(i, "") for i in range(len(ids))],
        "labels": [
            [t, round(x, 2), round(y, 2), round(z, 2), lv] for t, x, y, z, lv in scene.labels
        ],
        # violations of drawn items, for hover text: {id: what}
        "warnings": {i: w for i, w in scene.marks.items() if i in index},
        # of those, the ones outlined in red: [x0, x1, y0, y1, z0, z1, id, what]
        "marks": [
            [*np.round(b, 2).tolist(), ids[i], scene.marks[ids[i]]] for i, b in bounds.items()
        ],
    }
    h = hashlib.blake2b(blob, digest_size=16)
    h.update(repr(sorted((k, v) for k, v in header.items() if k != "ids")).encode())
    h.update("\0".join(ids).encode())
    header["digest"] = h.hexdigest()
    g = hashlib.blake2b(blob[: len(blob) - cell_rgb.nbytes], digest_size=16)
    g.update(repr([header[k] for k in GEOMETRY_KEYS]).encode())
    header["geometry"] = g.hexdigest()
    return header, blob


GEOMETRY_KEYS = ("layout", "n_points", "n_cells", "ids", "kinds", "labels", "lod")
"""Header entries that belong to the geometry: a viewer that has a scene with the same
`geometry` digest needs only the rest (`colours`)."""


def colours(header: dict, blob: bytes) -> tuple[dict, bytes]:
    """The part of a packed scene that changes when only its colours and values do (a rack
    edit coloured by a result): the header without the geometry's entries, marked
    `colours_only`, and the cells' RGB (the blob's tail), ~1/20 of the whole on a campus."""
    part = {k: v for k, v in header.items() if k not in GEOMETRY_KEYS}
    part["colours_only"] = True
    return part, blob[len(blob) - 3 * header["n_cells"] :]


def decode(header: dict, blob: bytes) -> Arrays:
    """The arrays back from a blob (as the viewer reads it); for tests and tools."""
    n_p, n_c = header["n_points"], header["n_cells"]
    buf = memoryview(blob)
    off = 0

    def take(dtype, count: int) -> np.ndarray:
        nonlocal off
        a = np.frombuffer(buf, dtype=dtype, count=count, offset=off)
        off += a.nbytes
        return a

    points = take(np.float32, 3 * n_p).reshape(n_p, 3)
    polys = take(np.uint32, 5 * n_c).reshape(n_c, 5)
    owner = take(np.int32, n_c)
    rgb = take(np.uint8, 3 * n_c).reshape(n_c, 3)
    if off != len(blob):
        raise ValueError(f"blob has {len(blob)} bytes, header describes {off}")
    return Arrays(points, polys[:, 1:].astype(np.int64), owner, rgb)
