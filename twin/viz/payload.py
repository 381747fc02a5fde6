"""A `Scene` packed for the browser viewer: one JSON header and one binary blob.

Everything in a scene is an axis-aligned box (racks, rows, equipment, hall floors:
`twin.viz.geometry.boxes`), so the blob carries each box as its bounds, not its
8 points and 6 faces: the viewer (`twin.viz.component`, vtk.js in the browser)
rebuilds the faces itself. It draws ONE mesh with one RGB colour per box, so the
colours are computed here from the scalars and the colour map; the browser does no
colour mapping. The blob is the arrays back to back, in this order:

- bounds  float32 (n_boxes, 6): x0, x1, y0, y1, z0, z1 of each box (the min and max
          of its corners as built, so the rebuilt corners are the same float32 values)
- owner   int32 (n_boxes): index into `header["ids"]` of the component a box belongs
          to, -1 for boxes that are not selectable (hall floors)
- rgb     uint8 (n_boxes, 3)

Sent as bytes (a Streamlit bytes argument travels as raw protobuf bytes, not JSON
lists of floats): 31 bytes per box (258 as points and faces).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps  # at import: 0.3 s, paid by the server's warm-up, not a page

from twin.model import columns
from twin.viz.geometry import _CORNERS, _QUADS
from twin.viz.scene import AFFECTED_RGB, DIMMED_RGB, FAILED_RGB, GHOST_RGB, KIND_RGB, Scene

NAN_RGB = (160, 160, 160)  # cells with no value
LUT_SIZE = 256
N_STOPS = 16  # colour-map samples sent for the scalar bar


@dataclass(frozen=True)
class Arrays:
    """The decoded blob, per box, and the faces the viewer rebuilds from it (per cell)."""

    bounds: np.ndarray  # (n_boxes, 6) float32: x0, x1, y0, y1, z0, z1
    box_owner: np.ndarray  # (n_boxes,) int32
    box_rgb: np.ndarray  # (n_boxes, 3) uint8
    points: np.ndarray  # (8 n_boxes, 3) float32: corners in `twin.viz.geometry` order
    quads: np.ndarray  # (6 n_boxes, 4): faces, indices into points
    owner: np.ndarray  # (6 n_boxes,) per face
    rgb: np.ndarray  # (6 n_boxes, 3) per face


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
    bounds, owner, rgb = [], [], []
    ids: list[str] = []
    index: dict[str, int] = {}
    values: dict[int, float] = {}  # id index -> the value its colour shows
    kinds: dict[int, str] = {}  # id index -> what it is, for hover text
    marked_bounds: dict[int, np.ndarray] = {}  # id index -> bounds of marked ids
    has_scalars = False
    for layer in scene.layers:
        b = box_bounds(layer)
        n_box = len(b)
        bounds.append(b)
        if layer.scalars is not None:
            has_scalars = True
            rgb.append(scalar_rgb(np.asarray(layer.scalars)[::6], scene.clim, scene.cmap))
        else:
            colour = np.round(np.asarray(layer.rgb, dtype=float) * 255).astype(np.uint8)
            rgb.append(np.tile(colour, (n_box, 1)))
        if layer.ids is None:
            owner.append(np.full(n_box, -1, dtype=np.int32))
            continue
        box = np.array([index.setdefault(str(i), len(index)) for i in layer.ids], np.int32)
        if len(box) != n_box:
            raise ValueError(f"layer {layer.name!r}: {len(box)} ids for {n_box} boxes")
        owner.append(box)
        kind = _KIND_TEXT.get(layer.name) or columns.kind_label(layer.name)
        if layer.name == "racks" and scene.lod == "row":
            kind = "row (mean of its racks)"
        notes = layer.notes if layer.notes is not None else [None] * n_box
        for k, note in zip(box, notes, strict=True):
            kinds.setdefault(int(k), f"{kind} · {note}" if note else kind)
        if layer.scalars is not None:
            for k, v in zip(box, np.asarray(layer.scalars)[::6], strict=True):
                values[int(k)] = float(v)
        # outlined: marked items not already drawn in the affected colour
        if layer.name != "affected racks":
            for k, i in enumerate(layer.ids):
                if str(i) in scene.marks:
                    marked_bounds[int(box[k])] = b[k].astype(float)
    ids = list(index)
    box_b = np.vstack(bounds) if bounds else np.zeros((0, 6), np.float32)
    box_owner = np.concatenate(owner) if owner else np.zeros(0, np.int32)
    box_rgb = np.vstack(rgb) if rgb else np.zeros((0, 3), np.uint8)
    blob = b"".join(np.ascontiguousarray(a).tobytes() for a in (box_b, box_owner, box_rgb))
    lut = colormap_lut(scene.cmap, N_STOPS) / 255.0
    stops = [[i / (N_STOPS - 1), *map(float, c)] for i, c in enumerate(lut)]
    header = {
        "layout": layout_key,
        "n_boxes": len(box_b),
        "n_cells": 6 * len(box_b),  # faces the viewer builds
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
            [*np.round(b, 2).tolist(), ids[i], scene.marks[ids[i]]]
            for i, b in marked_bounds.items()
        ],
    }
    h = hashlib.blake2b(blob, digest_size=16)
    h.update(repr(sorted((k, v) for k, v in header.items() if k != "ids")).encode())
    h.update("\0".join(ids).encode())
    header["digest"] = h.hexdigest()
    g = hashlib.blake2b(blob[: len(blob) - box_rgb.nbytes], digest_size=16)
    g.update(repr([header[k] for k in GEOMETRY_KEYS]).encode())
    header["geometry"] = g.hexdigest()
    return header, blob


GEOMETRY_KEYS = ("layout", "n_boxes", "n_cells", "ids", "kinds", "labels", "lod")
"""Header entries that belong to the geometry: a viewer that has a scene with the same
`geometry` digest needs only the rest (`colours`)."""


def colours(header: dict, blob: bytes) -> tuple[dict, bytes]:
    """The part of a packed scene that changes when only its colours and values do (a rack
    edit coloured by a result): the header without the geometry's entries, marked
    `colours_only`, and the boxes' RGB (the blob's tail)."""
    part = {k: v for k, v in header.items() if k not in GEOMETRY_KEYS}
    part["colours_only"] = True
    return part, blob[len(blob) - 3 * header["n_boxes"] :]


def box_bounds(layer) -> np.ndarray:
    """(n, 6) float32 bounds x0, x1, y0, y1, z0, z1 of a layer built by `geometry.boxes`
    (8 points, 6 faces per box); anything else is refused, not drawn wrong."""
    pts = np.asarray(layer.points, dtype=np.float32)
    n = len(pts) // 8
    if len(pts) != 8 * n or len(layer.quads) != 6 * n:
        raise ValueError(
            f"layer {layer.name!r} is not boxes: {len(pts)} points, {len(layer.quads)} faces"
        )
    p = pts.reshape(n, 8, 3)
    lo, hi = p.min(axis=1), p.max(axis=1)
    return np.stack([lo[:, 0], hi[:, 0], lo[:, 1], hi[:, 1], lo[:, 2], hi[:, 2]], axis=1)


def box_faces(bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The boxes' corners (8n, 3) float32 and faces (6n, 4), as `geometry.boxes` orders
    them, from their bounds: what the viewer builds (`viewer/src/viewer.js`)."""
    b = np.asarray(bounds, dtype=np.float32).reshape(-1, 6)
    hi = _CORNERS[:, :] > 0  # (8, 3): take the max of that axis
    lo_cols, hi_cols = b[:, [0, 2, 4]], b[:, [1, 3, 5]]
    pts = np.where(hi[None], hi_cols[:, None, :], lo_cols[:, None, :])
    quads = _QUADS[None, :, :] + (8 * np.arange(len(b)))[:, None, None]
    return pts.reshape(-1, 3).astype(np.float32), quads.reshape(-1, 4)


def decode(header: dict, blob: bytes) -> Arrays:
    """The arrays back from a blob (as the viewer reads and expands it); for tests and tools."""
    n = header["n_boxes"]
    bounds = np.frombuffer(blob, np.float32, 6 * n, 0).reshape(n, 6)
    owner = np.frombuffer(blob, np.int32, n, bounds.nbytes)
    rgb = np.frombuffer(blob, np.uint8, 3 * n, bounds.nbytes + owner.nbytes).reshape(n, 3)
    if bounds.nbytes + owner.nbytes + rgb.nbytes != len(blob):
        raise ValueError(f"blob has {len(blob)} bytes, header describes {31 * n}")
    points, quads = box_faces(bounds)
    return Arrays(bounds, owner, rgb, points, quads, np.repeat(owner, 6), np.repeat(rgb, 6, axis=0))
