"""The 3D viewer as a Streamlit custom component: loaded once in the browser, fed new scenes.

The front end is a small vtk.js bundle committed in `viewer/static/` (built from
`viewer/src/viewer.js` with `npm install && npm run build` in `twin/viz/viewer`;
nothing is built at run time). Each rerun sends the packed scene
(`twin.viz.payload.encode`); the page in the browser redraws only when the scene's
digest changes and keeps the camera while the layout stays the same. A click on a
rack or piece of equipment returns `{"id": ..., "n": click count}`.

The scene's bytes (0.17 MB on a 1 GW campus, 31 per box; 0.6 MB with the JSON header)
need not travel on every rerun: called
with `blob=None` the viewer gets only the digest and keeps the scene it has. If it
has no scene with that digest (its iframe was remounted, the page reloaded) it
returns `{"need": digest, "n": ...}` and the caller sends the bytes on the rerun
that this value triggers (`app_pages.common.show_scene` keeps the per-session
bookkeeping). A scene whose geometry the viewer already has (same
`header["geometry"]`: a rack edit, another colour column) travels as its colours
and values only (`colours_only=True`, 0.02 MB instead of 0.6 MB on a campus); the
viewer repaints the mesh it has.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

STATIC = Path(__file__).resolve().parent / "viewer" / "static"
_declared = None


def _component():
    global _declared
    if _declared is None:
        import streamlit.components.v1 as components

        _declared = components.declare_component("twin_viewer", path=str(STATIC))
    return _declared


def viewer(
    header: dict,
    blob: bytes | None,
    *,
    selected: str | None = None,
    height: int = 620,
    key: str | None = None,
    on_change=None,
    paths: list[dict] | None = None,
    colours_only: bool = False,
) -> Any:
    """Show the scene; returns the viewer's last value (a click {"id", "n"}, a request for
    the scene's bytes {"need", "n"}) or None. `selected` is highlighted.

    blob=None sends only `header["digest"]`: the viewer keeps its scene if it has it.
    A `selected` id that changed since the last call (picked outside the view: search,
    list, table) is flown to. `paths`: lines drawn over the scene (`twin.viz.paths`:
    the selected item's power and cooling paths), each {name, rgb, segments}.
    `colours_only`: the viewer has this scene's geometry (`header["geometry"]`): send
    only its colours and values (`twin.viz.payload.colours`); a viewer without that
    geometry asks for the whole scene, as for a missing one.
    """
    if blob is not None and colours_only:
        from twin.viz.payload import colours

        header, blob = colours(header, blob)
    return _component()(
        digest=header["digest"],
        header=header if blob is not None else None,
        data=blob,
        selected=selected,
        paths=paths or [],
        height=height,
        key=key,
        default=None,
        on_change=on_change,
    )
