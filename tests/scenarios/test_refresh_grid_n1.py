"""A failure whose break is the grid connection (``N-1 grid connection: <id> failed``) gets
the grid connection raised, never more units of the failed one's kind: `twin refresh` on
hybrid-inference (gb200 -> gb300) said "losing HX-CRAH1: 1 more CRAH(s) of 350 kW" for the
site's draw over site.grid_mw with HX-CRAH1 failed, which more CRAHs only raise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios.refresh_limits import n1_additions
from twin.solve import run

HYBRID = Path(__file__).resolve().parents[2] / "layouts" / "hybrid-inference.yaml"


@pytest.mark.parametrize("cid", ["HX-CRAH1", "HX-CH1"])
def test_a_grid_break_gets_the_grid_not_cooling_units(tmp_path, cid):
    # a contract 2 % under the site's normal draw: every failure's draw is over it
    twin0 = Twin.load(HYBRID)
    normal_kw = float(run(twin0).kpis["utility_kw"])
    grid_mw = round(0.98 * normal_kw / 1000.0, 1)
    text = re.sub(r"grid_mw: [0-9.]+", f"grid_mw: {grid_mw}", HYBRID.read_text(), count=1)
    (tmp_path / "h.yaml").write_text(text)
    twin = Twin.load(tmp_path / "h.yaml")
    res = run(twin)
    draw_kw = float(run(twin, Scenario.fail(cid)).kpis["utility_kw"])  # the failure, solved
    u = draw_kw / (grid_mw * 1000.0)
    assert u > 1.0
    name = f"N-1 grid connection: {cid} failed"
    text = n1_additions(twin, res, {name: u})[name]
    assert "grid connection binds" in text and "site.grid_mw" in text
    assert not re.search(r"more (CRAH|chiller)", text)  # no cooling unit for a grid limit
    mw = float(re.search(r"at least ([0-9,.]+) MW", text).group(1).replace(",", ""))
    # enough for the failure's own draw, rounded up to 0.1 MW and no more
    assert draw_kw / 1000.0 <= mw < draw_kw / 1000.0 + 0.1 + 1e-9
