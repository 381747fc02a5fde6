"""3D views of a site: merged-mesh scenes, HTML export, PNG renders.

The only package that imports pyvista (lazily, in `twin.viz.export`), so the
rest of twin and the app start fast.
"""

from twin.viz.legend import legend_html
from twin.viz.scene import KINDS, Layer, Scene, build_scene, equipment


def export_html(scene: Scene, key: str | None = None) -> str:
    """Self-contained interactive HTML of the scene (exported in a worker process)."""
    from twin.viz.export import export_html as _export

    return _export(scene, key)


def render_png(scene: Scene, path, window_size=(1400, 900)):
    """Off-screen PNG of the scene."""
    from twin.viz.export import render_png as _render

    return _render(scene, path, window_size)


__all__ = [
    "KINDS",
    "Layer",
    "Scene",
    "build_scene",
    "equipment",
    "export_html",
    "legend_html",
    "render_png",
]
