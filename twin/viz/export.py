"""Turn a `Scene` into pixels: off-screen PNG renders for reports and the README.

The pages' interactive view is the browser viewer (`twin.viz.component`), not this.
`render_png_bytes` renders in one long-lived worker process (`twin.viz._worker`,
which imports only numpy and pyvista) so VTK never runs in Streamlit's threads.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import threading
from pathlib import Path

from twin.viz import _worker
from twin.viz.scene import Scene


def payload(scene: Scene) -> dict:
    """The scene as plain arrays (what the worker needs)."""
    return {
        "label": scene.label,
        "cmap": scene.cmap,
        "clim": scene.clim,
        "layers": [
            {
                "name": layer.name,
                "points": layer.points,
                "quads": layer.quads,
                "scalars": layer.scalars,
                "rgb": layer.rgb,
                "opacity": layer.opacity,
            }
            for layer in scene.layers
        ],
    }


def to_plotter(scene: Scene, window_size: tuple[int, int] = (1200, 800)):
    """A pyvista Plotter (off-screen) showing the scene."""
    return _worker.to_plotter(payload(scene), window_size)


_lock = threading.Lock()  # one request at a time to the one worker
_proc: subprocess.Popen | None = None


class WorkerError(RuntimeError):
    """The render worker failed (its message says why)."""


def _start() -> subprocess.Popen:
    global _proc
    if _proc is None or _proc.poll() is not None:
        _proc = subprocess.Popen(
            [sys.executable, "-m", "twin.viz._worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
    return _proc


def _submit(name: str, *args):
    """Run `_worker.<name>(*args)` in the worker process; restart it once if it died."""
    global _proc
    msg = pickle.dumps((name, args), protocol=pickle.HIGHEST_PROTOCOL)
    with _lock:
        for attempt in range(2):
            proc = _start()
            try:
                _worker._write(proc.stdin, msg)
                answer = _worker._read(proc.stdout)
            except (BrokenPipeError, OSError):
                answer = None
            if answer is not None:
                ok, value = pickle.loads(answer)
                if not ok:
                    raise WorkerError(value)
                return value
            proc.kill()
            _proc = None
            if attempt:
                raise WorkerError("the 3D render worker died")
    raise WorkerError("unreachable")


def render_png(scene: Scene, path: str | Path, window_size: tuple[int, int] = (1400, 900)) -> Path:
    """An off-screen PNG of the scene, rendered in this process (scripts, reports, README)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_worker.render_png(payload(scene), window_size))
    return path


def render_png_bytes(scene: Scene, window_size: tuple[int, int] = (1400, 900)) -> bytes:
    """PNG bytes of the scene, rendered in the worker process (safe from any thread)."""
    return _submit("render_png", payload(scene), window_size)
