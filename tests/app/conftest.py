"""AppTest fixtures: the app on the AI-factory hall, layouts saved to a temporary folder."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # the app imports `app_pages` from its own folder
    sys.path.insert(0, str(ROOT))
APP = str(ROOT / "streamlit_app.py")
TIMEOUT_S = 600  # a first run spawns the 3D worker; an FFD layout marches its failures once


@pytest.fixture
def layouts_tmp(tmp_path, monkeypatch):
    """A private copy of layouts/ so saves in tests never touch the repository."""
    from twin.app import warm

    d = tmp_path / "layouts"
    shutil.copytree(ROOT / "layouts", d)
    monkeypatch.setattr(warm, "LAYOUTS", d)
    return d


@pytest.fixture
def app(layouts_tmp, monkeypatch):
    from twin.app import warm

    monkeypatch.setattr(warm, "DEFAULT", str(layouts_tmp / "ai-factory-hall.yaml"))

    def open_page(page: str | None = None) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
        at.run()
        if page:
            at.switch_page(f"app_pages/{page}.py")
            at.run()
        return at

    return open_page
