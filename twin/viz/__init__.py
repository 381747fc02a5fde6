"""3D views of a site: merged-mesh scenes, HTML export, PNG renders.

The only package that imports pyvista (in `twin.viz._worker`, lazily). Names
are loaded on first use so the export worker process, which imports
`twin.viz._worker`, does not pay for pandas and the model.
"""

from __future__ import annotations

import importlib

_NAMES = {
    "KINDS": "twin.viz.scene",
    "Layer": "twin.viz.scene",
    "Scene": "twin.viz.scene",
    "build_scene": "twin.viz.scene",
    "equipment": "twin.viz.placement",
    "legend_html": "twin.viz.legend",
    "export_html": "twin.viz.export",
    "render_png": "twin.viz.export",
    "render_png_bytes": "twin.viz.export",
}


def __getattr__(name: str):
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(name)


__all__ = sorted(_NAMES)
