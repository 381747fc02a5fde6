"""A rack with no live feed says which outage took each cord down (audit 3, finding 6): both
UPSs of a 2N pair failed and both transformers failed printed the same 16 lines of "rack
H1-R01-01 has no live feed"; now each names feed A's and feed B's element and the failed
element upstream of it, and `twin solve` prints one line per cause (the violations table
keeps one row per rack)."""

from __future__ import annotations

import re

import pytest

from twin.cli import main
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.unfed_cause import feed_causes


@pytest.fixture(scope="module")
def hall(layouts_dir) -> Twin:
    return Twin.load(layouts_dir / "ai-factory-hall.yaml")


def _unfed(res):
    v = res.violations
    return v[v["kind"] == "unfed"]


@pytest.mark.parametrize(("a", "b"), [("H1-UPS-A1", "H1-UPS-B1"), ("H1-TX-A1", "H1-TX-B1")])
def test_each_dead_cord_names_the_failed_element_upstream(hall, a, b):
    res = run(hall, Scenario.fail(a, b))
    u = _unfed(res)
    assert len(u) == 16  # one row per rack, as before
    r01 = u.set_index("component").at["H1-R01-01", "message"]
    assert r01 == (
        f"rack H1-R01-01 has no live feed: feed A (H1-BW-A1a) dead because {a} failed; "
        f"feed B (H1-BW-B1a) dead because {b} failed"
    )
    assert all(f"because {a} failed" in m and f"because {b} failed" in m for m in u["message"])
    fc = feed_causes(hall, res["res_power_nodes"])
    assert set(fc.index) == set(u["component"])
    assert set(fc["why"]) == {f"feed A dead because {a} failed; feed B dead because {b} failed"}


def test_a_failed_feed_element_is_its_own_cause(hall):
    res = run(hall, Scenario.fail("H1-BW-A1a", "H1-UPS-B1"))
    msg = _unfed(res).set_index("component").at["H1-R01-01", "message"]
    assert "feed A (H1-BW-A1a failed)" in msg
    assert "feed B (H1-BW-B1a) dead because H1-UPS-B1 failed" in msg


def test_one_live_cord_is_no_violation_and_no_cause(hall):
    res = run(hall, Scenario.fail("H1-UPS-A1"))
    assert not len(_unfed(res))
    fc = feed_causes(hall, res["res_power_nodes"])
    assert (fc["cause_b"] == "").all() and (fc["cause_a"] == "H1-UPS-A1 failed").all()


def test_cli_prints_one_line_per_cause(capsys, layouts_dir, monkeypatch):
    monkeypatch.chdir(layouts_dir.parent)
    args = ["solve", "layouts/ai-factory-hall.yaml", "--no-headroom"]
    assert main([*args, "--fail", "H1-UPS-A1", "H1-UPS-B1"]) == 0
    out = capsys.readouterr().out.split("Violations:", 1)[1]
    lines = [x for x in out.splitlines() if x.strip().startswith("Unfed")]
    assert len(lines) == 1, lines
    assert re.search(
        r"Unfed\s{2,}16 racks\s{2,}no live feed: feed A dead because H1-UPS-A1 failed; "
        r"feed B dead because H1-UPS-B1 failed \(H1-R01-01, H1-R01-02, H1-R01-03 and 13 more\)",
        lines[0],
    ), lines[0]
