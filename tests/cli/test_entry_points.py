"""`python -m twin` is the same command as the `twin` script (for a venv without its bin
directory on PATH): a missing `twin/__main__.py` used to end in Python's own error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_python_dash_m_twin_runs_the_cli() -> None:
    bad = ROOT / "tests" / "data" / "bad_layouts" / "negative-power-kw.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "twin", "validate", str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "negative-power-kw.yaml:" in proc.stderr
    assert "Traceback" not in proc.stderr
