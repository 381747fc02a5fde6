"""Start the Streamlit app on a free local port, for the browser tests and the scene benchmark.

Also the Chromium settings that work on this machine kind (../shared/FRONTEND.md):
Debian's browser, and flags that keep it off the network.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """The app (`python -m twin.app.run`: `streamlit run streamlit_app.py` plus the warm-up
    of the default layout) on a free port and one layout, healthy when built.

    File watching is off so edits elsewhere in the tree don't rerun the app mid-test.
    Raises TimeoutError if the health endpoint does not answer within `timeout_s`.
    """

    def __init__(self, layout: Path, log: Path | None = None, timeout_s: float = 60.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, TWIN_LAYOUT=str(layout), TWIN_LAYOUT_DIR=str(layout.parent))
        cmd = [sys.executable, "-m", "twin.app.run"]
        cmd += ["--server.headless", "true", "--server.address", "127.0.0.1"]
        cmd += ["--server.port", str(self.port), "--browser.gatherUsageStats", "false"]
        cmd += ["--server.fileWatcherType", "none", "--server.runOnSave", "false"]
        self._log = open(log, "w") if log else None  # noqa: SIM115 - closed in close()
        out = self._log or subprocess.DEVNULL
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        while time.perf_counter() - t0 < timeout_s:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            self.close()
            raise TimeoutError(f"streamlit did not become healthy in {timeout_s:.0f} s")
        self.start_s = time.perf_counter() - t0

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if self._log:
            self._log.close()
