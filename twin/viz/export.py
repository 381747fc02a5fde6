"""Turn a `Scene` into pixels or a self-contained interactive HTML page.

The only module importing pyvista. HTML export (`plotter.trame.export_html`,
vtk.js inlined, works offline) fails inside Streamlit's script thread
(`set_wakeup_fd only works in main thread`, ../shared/FRONTEND.md), so
`export_html` runs it in one long-lived worker process; results are cached
in a bounded LRU keyed by the scene's content hash.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from twin.viz.geometry import vtk_faces
from twin.viz.scene import Scene

# Off-screen VTK on a machine with no display: EGL with Mesa's software renderer.
# Only ever force this backend; forcing an unavailable one segfaults (FRONTEND.md).
os.environ.setdefault("VTK_DEFAULT_OPENGL_WINDOW", "vtkEGLRenderWindow")

HTML_CACHE_ENTRIES = 16
EXPORT_TIMEOUT_S = 120
BACKGROUND = "#f4f6f8"


def to_plotter(scene: Scene, window_size: tuple[int, int] = (1200, 800)):
    """A pyvista Plotter (off-screen) showing the scene."""
    import pyvista as pv

    pl = pv.Plotter(off_screen=True, window_size=list(window_size))
    pl.set_background(BACKGROUND)
    for layer in scene.layers:
        mesh = pv.PolyData(np.asarray(layer.points, dtype=np.float32), vtk_faces(layer.quads))
        if layer.scalars is not None:
            mesh.cell_data[scene.label or "value"] = layer.scalars
            pl.add_mesh(
                mesh,
                scalars=scene.label or "value",
                cmap=scene.cmap,
                clim=scene.clim,
                show_scalar_bar=False,
                opacity=layer.opacity,
            )
        else:
            pl.add_mesh(mesh, color=layer.rgb, opacity=layer.opacity)
    pl.view_isometric()
    pl.camera.elevation = -10
    pl.reset_camera()
    pl.camera.zoom(1.5)
    return pl


def _export_in_worker(scene: Scene) -> str:
    logging.getLogger("trame_vtk").setLevel(logging.CRITICAL)
    logging.getLogger("aiohttp").setLevel(logging.CRITICAL)
    pl = to_plotter(scene)
    try:
        out = pl.trame.export_html(None)
        return out.getvalue()
    finally:
        pl.close()


def export_html_local(scene: Scene) -> str:
    """Export in this process: only from a main thread (scripts, the bench, the worker)."""
    return _export_in_worker(scene)


_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_cache: OrderedDict[str, str] = OrderedDict()


def _executor() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn"))
    return _pool


def export_html(scene: Scene, key: str | None = None) -> str:
    """Self-contained HTML of the scene (vtk.js inlined), exported in a worker process.

    Thread-safe; identical scenes (same `key`, default the content hash) are exported once.
    """
    global _pool
    key = key or scene.digest()
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    for attempt in range(2):
        try:
            html = _executor().submit(_export_in_worker, scene).result(timeout=EXPORT_TIMEOUT_S)
            break
        except BrokenProcessPool:
            with _lock:
                _pool = None
            if attempt:
                raise
    with _lock:
        _cache[key] = html
        while len(_cache) > HTML_CACHE_ENTRIES:
            _cache.popitem(last=False)
    return html


def render_png(scene: Scene, path: str | Path, window_size: tuple[int, int] = (1400, 900)) -> Path:
    """An off-screen PNG of the scene (for reports and the README)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pl = to_plotter(scene, window_size)
    try:
        pl.screenshot(str(path))
    finally:
        pl.close()
    return path


def render_png_bytes(scene: Scene, window_size: tuple[int, int] = (1400, 900)) -> bytes:
    """PNG bytes of the scene, rendered in the worker process (safe from any thread)."""
    return _executor().submit(_png_worker, scene, window_size).result(timeout=EXPORT_TIMEOUT_S)


def _png_worker(scene: Scene, window_size: tuple[int, int]) -> bytes:
    import io

    from PIL import Image

    pl = to_plotter(scene, window_size)
    try:
        img = pl.screenshot(return_img=True)
    finally:
        pl.close()
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    return buf.getvalue()


def _warm() -> bool:
    import pyvista  # noqa: F401
    import trame_pyvista  # noqa: F401

    return True


_warmed = False


def warm() -> None:
    """Start the export worker and import pyvista there now, so the first 3D view is quicker."""
    global _warmed
    if _warmed:
        return
    _warmed = True
    try:
        _executor().submit(_warm)
    except Exception:  # best effort only
        pass
