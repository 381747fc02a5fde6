"""3D scene of a 1 GW campus: build time, HTML export time, payload, first view in a browser.

Targets (issue 6): first 3D view of the gigawatt campus within 5 s, payload
under 15 MB. `python -m bench scene` (or `python -m bench.scene`).
"""

from __future__ import annotations

import gzip
import tempfile
import time
from pathlib import Path

import numpy as np

from twin.app.serve import CHROMIUM, CHROMIUM_ARGS, ROOT, AppServer


def _t(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def offline(it_mw: float = 1000.0) -> dict:
    """Scene build and HTML export in this process (no browser)."""
    from twin.app import state as S
    from twin.layout import validate_data
    from twin.layout.generate import campus
    from twin.model import Twin
    from twin.viz import build_scene
    from twin.viz.export import export_html_local

    data, t_gen = _t(campus, it_mw)
    layout, t_val = _t(validate_data, data, "campus")
    twin, t_twin = _t(Twin.from_layout, layout)
    res, t_solve = _t(S.solve, twin)
    col = "t_inlet_c" if "t_inlet_c" in S.rack_table(twin, res) else "power_kw"
    values = S.rack_table(twin, res)[col]
    scene, t_scene = _t(build_scene, twin, values, col)  # lod="auto": rows on a campus
    rack_scene, t_rack = _t(build_scene, twin, values, col, lod="rack")
    html, t_html = _t(export_html_local, scene)
    rack_html, t_rack_html = _t(export_html_local, rack_scene)
    mb = len(html.encode()) / 1e6
    out = {
        "racks": len(twin.racks),
        "boxes_auto_lod": scene.n_boxes,
        "boxes_every_rack": rack_scene.n_boxes,
        "generate_s": t_gen,
        "validate_s": t_val,
        "twin_s": t_twin,
        "solve_s": t_solve,
        "scene_s": t_scene,
        "scene_every_rack_s": t_rack,
        "export_s": t_html,
        "export_every_rack_s": t_rack_html,
        "payload_mb": mb,
        "payload_gzip_mb": len(gzip.compress(html.encode(), 6)) / 1e6,
        "payload_every_rack_mb": len(rack_html.encode()) / 1e6,
    }
    return out


def _saturated(png: bytes) -> float:
    import io

    from PIL import Image

    img = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return float(((img.max(axis=2) - img.min(axis=2)) > 40).mean())


def _first_view(page, url: str, timeout_s: float = 120.0) -> tuple[float, float]:
    """Seconds from navigation to the scene's iframe, and to a coloured 3D canvas."""
    t0 = time.perf_counter()
    t_frame = float("nan")
    page.goto(url)
    while time.perf_counter() - t0 < timeout_s:
        for f in page.frames:
            if f == page.main_frame:
                continue
            if t_frame != t_frame:
                t_frame = time.perf_counter() - t0
            try:
                c = f.locator("canvas")
                if c.count() and c.first.is_visible() and _saturated(c.first.screenshot()) > 0.02:
                    return t_frame, time.perf_counter() - t0
            except Exception:
                pass
        page.wait_for_timeout(100)  # lets Playwright process events (time.sleep would not)
    return t_frame, float("nan")


def browser(it_mw: float = 1000.0) -> dict:
    """First 3D view of the campus in headless Chromium, cold (new server) and warm (cached)."""
    if not Path(CHROMIUM).exists():
        return {"skipped": "no /usr/bin/chromium"}
    from playwright.sync_api import sync_playwright

    from twin.layout.generate import campus, to_yaml

    tmp = Path(tempfile.mkdtemp(prefix="twin-bench-"))
    path = tmp / "campus.yaml"
    path.write_text(to_yaml(campus(it_mw)))
    app = AppServer(path)
    out: dict = {"server_start_s": app.start_s}
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name in ("cold", "warm", "warm2"):
                ctx = b.new_context(viewport={"width": 1400, "height": 1000})
                t_frame, t_view = _first_view(ctx.new_page(), app.url)
                out[f"iframe_{name}_s"] = t_frame
                out[f"first_view_{name}_s"] = t_view
                ctx.close()
            b.close()
    finally:
        app.close()
    return out


def hall_edit_offline(repeat: int = 5) -> dict:
    """The server's part of a hall edit, in this process (median of `repeat`): what the page runs."""
    from twin.app import edit as E
    from twin.app import state as S
    from twin.layout import load
    from twin.model import Twin
    from twin.viz import build_scene
    from twin.viz.export import export_html

    layout = load(ROOT / "layouts" / "ai-factory-hall.yaml")
    rid = Twin.from_layout(layout).racks.index[0]
    steps: dict[str, list[float]] = {}
    for i in range(repeat + 1):  # the first round starts the export worker
        new, t_edit = _t(E.apply, E.set_rack(E.to_data(layout), rid, power_kw=40.0 + i), "edit")
        key, t_key = _t(S.layout_key, new)
        twin, t_twin = _t(Twin.from_layout, new)
        res, t_solve = _t(S.solve, twin)
        table = S.rack_table(twin, res)
        col = S.colour_columns(table)[0]
        scene, t_scene = _t(
            build_scene, twin, table[col], col, affected=S.affected_racks(twin, res)
        )
        _, t_html = _t(export_html, scene, key=key)
        if i:
            for k, v in (
                ("edit_validate_s", t_edit),
                ("layout_key_s", t_key),
                ("twin_s", t_twin),
                ("solve_s", t_solve),
                ("scene_s", t_scene),
                ("export_s", t_html),
            ):
                steps.setdefault(k, []).append(v)
    return {k: float(np.median(v)) for k, v in steps.items()}


def hall_edit() -> dict:
    """AI-factory hall in the editor: change one rack's power, time to new KPIs and a new 3D view."""
    if not Path(CHROMIUM).exists():
        return {"skipped": "no /usr/bin/chromium"}
    import shutil

    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="twin-bench-"))
    path = tmp / "ai-factory-hall.yaml"
    shutil.copy(ROOT / "layouts" / "ai-factory-hall.yaml", path)
    app = AppServer(path)
    out: dict = {}
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = b.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            _, out["editor_first_view_s"] = _first_view(page, f"{app.url}/editor")
            frame = next(f for f in page.frames if f != page.main_frame)
            it = page.locator('[data-testid="stMetric"]').filter(has_text="IT load").first
            it0 = it.locator('[data-testid="stMetricValue"]').inner_text()
            page.get_by_role("tab", name="Change rack").click()
            page.get_by_label("Power kW", exact=True).fill("40")
            t0 = time.perf_counter()
            page.get_by_role("button", name="Apply changes").click()
            while it.locator('[data-testid="stMetricValue"]').inner_text() == it0:
                page.wait_for_timeout(20)
            out["edit_to_new_kpis_s"] = time.perf_counter() - t0
            err = None
            while time.perf_counter() - t0 < 60:  # the edit replaces the scene's iframe
                try:
                    fr = [f for f in page.frames if f not in (page.main_frame, frame)]
                    if fr:
                        png = fr[-1].locator("canvas").first.screenshot(timeout=2000)
                        if _saturated(png) > 0.02:
                            break
                except Exception as exc:
                    err = exc
                page.wait_for_timeout(50)
            else:
                print("no new 3D view:", err)
            out["edit_to_new_3d_s"] = time.perf_counter() - t0
            b.close()
    finally:
        app.close()
    return out


def main() -> None:
    print("1 GW campus, offline (this process):", flush=True)
    for k, v in offline().items():
        print(f"  {k:<22}{v:>10.3f}" if isinstance(v, float) else f"  {k:<22}{v:>10}")
    print("1 GW campus in headless Chromium (session = new browser context):", flush=True)
    for k, v in browser().items():
        print(f"  {k:<22}{v:>10.2f}" if isinstance(v, float) else f"  {k:<22}{v}")
    print("  targets: first 3D view < 5 s, payload < 15 MB")
    print("AI-factory hall, one rack edited, server side (this process, median):", flush=True)
    for k, v in hall_edit_offline().items():
        print(f"  {k:<22}{v:>10.3f}")
    print("AI-factory hall, one rack edited in the editor:", flush=True)
    for k, v in hall_edit().items():
        print(f"  {k:<22}{v:>10.2f}" if isinstance(v, float) else f"  {k:<22}{v}")
    print("  target: a hall edit re-solves and redraws within about 1 s")


if __name__ == "__main__":
    main()
