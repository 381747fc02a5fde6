"""In Chromium, a Dashboard whose N-1 needs FFD flows marched again per failed unit draws at
once with a progress bar, and fills in its IT headroom and N-1 ranking by itself when the
flows are in (`twin.app.marches`: a fragment reruns the page, which AppTest does not run)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from test_app_browser import metric, no_exception, wait_idle

from twin.app.serve import CHROMIUM, AppServer

pytestmark = pytest.mark.browser
BAR = re.compile(r"Air flow without each cooling unit: \d+ of 10 marched")


@pytest.fixture
def hybrid_url(layouts_dir_tmp, tmp_path, monkeypatch):
    """The app on the hybrid layout (ten units in an ffd hall) with nothing marched yet."""
    if not Path(CHROMIUM).exists():
        pytest.skip("no /usr/bin/chromium (run `make chromium`)")
    monkeypatch.setenv("TWIN_CACHE_DIR", str(tmp_path / "cache"))
    app = AppServer(layouts_dir_tmp / "hybrid-inference.yaml", log=tmp_path / "streamlit.log")
    yield app.url
    app.close()


def test_the_dashboard_fills_in_its_headroom_when_the_marches_are_in(page, hybrid_url):
    page.goto(f"{hybrid_url}/dashboard")
    page.get_by_text(BAR).first.wait_for(timeout=300_000)  # drawn while they march
    assert metric(page, "IT headroom") == "searching..."
    assert page.get_by_text("The ranking follows once the air flows").count() == 1
    t0 = time.time()
    while metric(page, "IT headroom") == "searching..." and time.time() - t0 < 600:
        page.wait_for_timeout(1000)  # no click, no reload: the page redraws itself
    assert re.fullmatch(r"-?[\d.,]+ (kW|MW)", metric(page, "IT headroom"))  # kW below 10 MW
    wait_idle(page, timeout_s=300)  # the rest of that run: the ranking, the stranded chart
    assert page.get_by_text(BAR).count() == 0
    assert page.get_by_text("The ranking follows once the air flows").count() == 0
    no_exception(page)
