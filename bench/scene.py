"""3D scene of a 1 GW campus: build time, HTML export time, payload, first view in a browser.

Targets (issue 6): first 3D view of the gigawatt campus within 5 s, payload
under 15 MB. `python -m bench scene` (or `python -m bench.scene`).
"""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


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
    scene, t_scene = _t(build_scene, twin, values, col)
    row_scene, t_row = _t(build_scene, twin, values, col, lod="row")
    html, t_html = _t(export_html_local, scene)
    row_html, t_row_html = _t(export_html_local, row_scene)
    mb = len(html.encode()) / 1e6
    out = {
        "racks": len(twin.racks),
        "boxes": scene.n_boxes,
        "generate_s": t_gen,
        "validate_s": t_val,
        "twin_s": t_twin,
        "solve_s": t_solve,
        "scene_s": t_scene,
        "scene_row_lod_s": t_row,
        "export_s": t_html,
        "export_row_lod_s": t_row_html,
        "payload_mb": mb,
        "payload_gzip_mb": len(gzip.compress(html.encode(), 6)) / 1e6,
        "payload_row_lod_mb": len(row_html.encode()) / 1e6,
    }
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    port = _free_port()
    env = dict(os.environ, TWIN_LAYOUT=str(path), TWIN_LAYOUT_DIR=str(tmp))
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "streamlit_app.py"),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    out: dict = {}
    try:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < 60:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        out["server_start_s"] = time.perf_counter() - t0
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name in ("cold", "warm", "warm2"):
                ctx = b.new_context(viewport={"width": 1400, "height": 1000})
                t_frame, t_view = _first_view(ctx.new_page(), url)
                out[f"iframe_{name}_s"] = t_frame
                out[f"first_view_{name}_s"] = t_view
                ctx.close()
            b.close()
    finally:
        proc.terminate()
        proc.wait(10)
    return out


def main() -> None:
    print("1 GW campus, offline (this process):", flush=True)
    for k, v in offline().items():
        print(f"  {k:<22}{v:>10.3f}" if isinstance(v, float) else f"  {k:<22}{v:>10}")
    print("1 GW campus in headless Chromium (session = new browser context):", flush=True)
    for k, v in browser().items():
        print(f"  {k:<22}{v:>10.2f}" if isinstance(v, float) else f"  {k:<22}{v}")
    print("  targets: first 3D view < 5 s, payload < 15 MB")


if __name__ == "__main__":
    main()
