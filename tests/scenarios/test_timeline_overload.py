"""The timeline says when equipment runs past its rating, as twin solve does: a small room
with its UPS at 150 kVA (131.9 % at design in twin solve) read 'violations: 0' over two hours
at design load, its battery carrying 197 kW through an outage (audit of 2026-12-05)."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.layout import loads
from twin.model import Twin
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.scenarios.workloads import Pattern
from twin.solve import run
from twin.solve.timeline_outage import Outage

ROOM = Path(__file__).resolve().parents[2] / "layouts" / "small-room.yaml"
FLAT = Pattern(kind="inference", mid=1.0, amp=0.0)  # design load at every step


def _room(ups_kva: float) -> Twin:
    text = ROOM.read_text()
    old = "- id: UPS-1\n      upstream: MSB\n      rating_kva: 300.0\n"
    assert old in text
    return Twin.from_layout(
        loads(text.replace(old, old.replace("300.0", f"{ups_kva!r}")), "r.yaml")
    )


@pytest.mark.parametrize("outage", [None, Outage(1800.0, 600.0)])
def test_an_overloaded_ups_is_a_violation_over_the_horizon(outage):
    twin = _room(150.0)
    solved = run(twin)
    (v,) = solved.violations[solved.violations["kind"] == "overload"].itertuples()
    spec = TimelineSpec(hours=1, dt_s=10.0, workload="inference", pattern=FLAT, weather=False,
                        outage=outage)  # fmt: skip
    tl = simulate(twin, spec)
    over = tl.violations[tl.violations["kind"] == "overload"]
    assert len(over) == 1 and over["component"].iloc[0] == v.component == "UPS-1"
    assert over["duration_s"].iloc[0] == pytest.approx(3600.0)
    assert over["value"].iloc[0] == pytest.approx(v.value, rel=1e-6)


def test_within_its_rating_there_is_none():
    spec = TimelineSpec(hours=1, dt_s=10.0, workload="inference", pattern=FLAT, weather=False)
    tl = simulate(Twin.load(ROOM), spec)
    assert "overload" not in set(tl.violations["kind"])
