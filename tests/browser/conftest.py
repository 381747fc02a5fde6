"""The real app in Debian's headless Chromium (Playwright), on a free port.

Launch arguments follow ../shared/FRONTEND.md. Never `playwright install`:
the browser is /usr/bin/chromium (`make chromium` installs it).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from twin.app.serve import CHROMIUM, CHROMIUM_ARGS, ROOT, AppServer


@pytest.fixture(scope="session")
def layouts_dir_tmp(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("browser") / "layouts"
    shutil.copytree(ROOT / "layouts", d)
    return d


@pytest.fixture(scope="session")
def app_url(layouts_dir_tmp):
    if not Path(CHROMIUM).exists():
        pytest.skip("no /usr/bin/chromium (run `make chromium`)")
    try:
        app = AppServer(
            layouts_dir_tmp / "ai-factory-hall.yaml", log=layouts_dir_tmp.parent / "streamlit.log"
        )
    except TimeoutError as exc:
        pytest.fail(str(exc))
    yield app.url
    app.close()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    ctx = chromium.new_context(viewport={"width": 1400, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    ctx.close()
