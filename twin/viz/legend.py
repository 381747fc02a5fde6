"""An HTML colour bar for the rack colours (the exported vtk.js scene has none)."""

from __future__ import annotations

import html

from twin.viz.scene import AFFECTED_RGB, FAILED_RGB, KIND_RGB, Scene


def _hex(rgb) -> str:
    return "#" + "".join(f"{int(round(c * 255)):02x}" for c in rgb[:3])


def cmap_stops(name: str, n: int = 9) -> list[str]:
    """Hex colours sampled along a matplotlib colour map."""
    import matplotlib

    cm = matplotlib.colormaps[name]
    return [_hex(cm(i / (n - 1))) for i in range(n)]


def legend_html(scene: Scene, kinds: list[str] | None = None) -> str:
    """Colour bar (label, min, max) plus swatches for equipment, failed and affected."""
    lo, hi = scene.clim
    grad = ", ".join(cmap_stops(scene.cmap))
    label = html.escape(scene.label)
    sw = []
    for name, rgb in [("failed", FAILED_RGB), ("affected rack", AFFECTED_RGB)] + [
        (k, KIND_RGB[k]) for k in (kinds or []) if k in KIND_RGB
    ]:
        sw.append(
            f'<span style="display:inline-block;margin-right:10px;white-space:nowrap">'
            f'<span style="display:inline-block;width:11px;height:11px;background:{_hex(rgb)};'
            f'vertical-align:middle;margin-right:4px;border:1px solid #888"></span>{html.escape(name)}</span>'
        )
    return (
        f'<div class="twin-legend" style="font:13px sans-serif">'
        f"<b>{label}</b>"
        f'<div style="display:flex;align-items:center;gap:6px">'
        f"<span>{lo:,.4g}</span>"
        f'<span style="flex:1;height:12px;background:linear-gradient(to right, {grad});border:1px solid #888"></span>'
        f"<span>{hi:,.4g}</span></div>"
        f'<div style="margin-top:4px">{"".join(sw)}</div></div>'
    )
