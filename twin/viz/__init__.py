"""3D views of a site: merged-mesh scenes, the browser viewer, PNG renders.

The only package that imports pyvista (in `twin.viz._worker`, lazily). Names
are loaded on first use so the render worker process, which imports
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
    "camera_key": "twin.viz.payload",
    "encode": "twin.viz.payload",
    "decode": "twin.viz.payload",
    "viewer": "twin.viz.component",
    "render_png": "twin.viz.export",
    "render_png_bytes": "twin.viz.export",
}


def __getattr__(name: str):
    if name in _NAMES:
        return getattr(importlib.import_module(_NAMES[name]), name)
    raise AttributeError(name)


__all__ = sorted(_NAMES)
