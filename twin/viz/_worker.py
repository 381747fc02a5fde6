"""What runs in the render worker process: plain arrays in, PNG out.

Imports only numpy and pyvista (not pandas or the model), so the worker
starts quickly; the scene arrives as a plain dict (`payload`).
"""

from __future__ import annotations

import io
import os

import numpy as np

# Off-screen VTK with no display: EGL with Mesa's software renderer. Only ever
# force this backend; forcing an unavailable one segfaults (FRONTEND.md).
os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")

BACKGROUND = "#f4f6f8"


def _faces(quads: np.ndarray) -> np.ndarray:
    m = len(quads)
    return np.hstack([np.full((m, 1), 4, dtype=np.int64), quads]).ravel()


def _merge_plain(layers: list[dict]) -> list[dict]:
    """The opaque one-colour layers as ONE mesh coloured per cell (RGB bytes).

    Fewer actors to set up and draw (the AI-factory hall has 13 layers). Same
    colours (to 1/255), same geometry.
    """

    def plain(layer: dict) -> bool:
        return layer.get("scalars") is None and layer.get("opacity", 1.0) == 1.0

    todo = [layer for layer in layers if plain(layer)]
    if len(todo) < 2:
        return layers
    pts, quads, rgb, off = [], [], [], 0
    for layer in todo:
        p = np.asarray(layer["points"], dtype=np.float32)
        q = np.asarray(layer["quads"], dtype=np.int64)
        colour = np.round(np.asarray(layer.get("rgb", (0.7, 0.7, 0.7)), dtype=float) * 255)
        pts.append(p)
        quads.append(q + off)
        rgb.append(np.tile(colour.astype(np.uint8), (len(q), 1)))
        off += len(p)
    merged = {
        "name": "plain",
        "points": np.vstack(pts),
        "quads": np.vstack(quads),
        "cell_rgb": np.vstack(rgb),
    }
    return [layer for layer in layers if not plain(layer)] + [merged]


def to_plotter(payload: dict, window_size=(1200, 800)):
    import pyvista as pv

    pl = pv.Plotter(off_screen=True, window_size=list(window_size))
    pl.set_background(BACKGROUND)
    label = payload.get("label") or "value"
    for layer in _merge_plain(payload["layers"]):
        mesh = pv.PolyData(np.asarray(layer["points"], dtype=np.float32), _faces(layer["quads"]))
        if layer.get("cell_rgb") is not None:
            mesh.cell_data["rgb"] = layer["cell_rgb"]
            pl.add_mesh(mesh, scalars="rgb", rgb=True, show_scalar_bar=False)
        elif layer.get("scalars") is not None:
            mesh.cell_data[label] = layer["scalars"]
            pl.add_mesh(
                mesh,
                scalars=label,
                cmap=payload.get("cmap", "viridis"),
                clim=payload.get("clim"),
                show_scalar_bar=False,
                opacity=layer.get("opacity", 1.0),
            )
        else:
            pl.add_mesh(mesh, color=layer["rgb"], opacity=layer.get("opacity", 1.0))
    pl.view_isometric()
    pl.camera.elevation = -10
    pl.reset_camera()
    pl.camera.zoom(1.5)
    return pl


def render_png(payload: dict, window_size=(1400, 900)) -> bytes:
    from PIL import Image

    pl = to_plotter(payload, window_size)
    try:
        img = pl.screenshot(return_img=True)
    finally:
        pl.close()
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


# ------------------------------------------------------------------ process loop
# A plain subprocess (`python -m twin.viz._worker`) rather than multiprocessing:
# under Streamlit, `spawn` would re-run the app script in the child as __mp_main__.
# Protocol on stdin/stdout: 8-byte big-endian length + pickle of (fn_name, args),
# answered with length + pickle of (ok, value_or_error_text).

_FUNCS = {"render_png": render_png}


def _read(stream) -> bytes | None:
    head = stream.read(8)
    if len(head) < 8:
        return None
    n = int.from_bytes(head, "big")
    return stream.read(n)


def _write(stream, data: bytes) -> None:
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def main() -> None:
    import pickle
    import sys

    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed by libraries must not corrupt the protocol
    while (msg := _read(inp)) is not None:
        name, args = pickle.loads(msg)
        try:
            result = (True, _FUNCS[name](*args))
        except Exception as exc:  # report, keep serving
            result = (False, f"{type(exc).__name__}: {exc}")
        _write(out, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))


if __name__ == "__main__":
    main()
