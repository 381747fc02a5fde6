"""The dashboard shows an ffd hall's march caution as `twin solve` prints it
(`twin.solve.airfield_build.ffd_march_cautions`; its physics: tests/solve/
test_airfield_ffd_march.py)."""

from __future__ import annotations

import yaml
from conftest import APP, TIMEOUT_S
from one_room import ROOM
from streamlit.testing.v1 import AppTest
from test_pages import no_errors


def test_the_dashboard_shows_the_march_caution(layouts_tmp, monkeypatch):
    from twin.app import warm
    from twin.solve import ffd_march

    doc = yaml.safe_load(yaml.safe_dump(ROOM))
    doc["halls"][0]["racks"][0]["power_kw"] = 12.0625  # a content no other test built
    path = layouts_tmp / "ffd-room.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    monkeypatch.setattr(warm, "DEFAULT", str(path))
    # a threshold below any march's spread: the caution must show (the settled room: ~0.02 K)
    monkeypatch.setattr(ffd_march, "MARCH_SPREAD_CAUTION_K", 0.0)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    at.switch_page("app_pages/dashboard.py").run()
    no_errors(at)
    said = [w.value.replace("\\", "") for w in at.warning if "FFD march" in w.value]  # unescaped
    assert len(said) == 1 and said[0].startswith("Hall T: its rack inlets depend on how long")
    assert "uncertain by" in said[0]
