"""IT headroom of a state that has lost racks or redundancy already (audit 2026-12-04).

- hybrid-inference.yaml with HX-UPS-A1 and HX-UPS-B1 failed: `redundancy_lost` named ~100
  components (every chiller, dry cooler, CRAH) as failures that "would drop IT": each case
  lost the 2,112 kW the scenario had lost already. Only IT lost beyond the scenario's counts.
- small-room.yaml with CRAC-1 and CRAC-2 failed: 75.5 kW of heat not removed, CRAC-3 at 163 %,
  and the headroom read 0.0 kW. It is negative: the IT to shed until CRAC-3 alone carries the
  heat, with the redundancy said to be lost (no load restores it)."""

from __future__ import annotations

import pytest

from twin.metrics.headroom import REDUNDANCY_LOST, headroom
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run


def test_unfed_racks_are_a_given_not_every_failure(layouts_dir):
    twin = Twin.load(layouts_dir / "hybrid-inference.yaml")
    failed = ("HX-UPS-A1", "HX-UPS-B1")
    h = headroom(twin, Scenario.fail(*failed))
    before = run(twin, Scenario.fail(*failed)).kpis["it_unserved_kw"]
    assert before == pytest.approx(2112.0)
    # independent: a chiller and a dry cooler on top lose nothing more (full solves)
    for extra in ("HX-CH1", "HX-DC1"):
        again = run(twin, Scenario.fail(*failed, extra)).kpis["it_unserved_kw"]
        assert again == pytest.approx(before)
        assert extra not in h.redundancy_lost
    # the live racks still have their redundancy: a positive headroom, not all shed
    assert h.it_kw > 0 and not h.binding.startswith("unfed")


def test_a_state_past_a_limit_with_its_redundancy_lost_sheds_to_the_survivor(layouts_dir):
    twin = Twin.load(layouts_dir / "small-room.yaml")
    failed = Scenario.fail("CRAC-1", "CRAC-2")
    h = headroom(twin, failed)
    assert h.redundancy_lost == ("CRAC-3",) and h.failover == REDUNDANCY_LOST
    assert h.it_kw < -50.0 and "already broken: shed" in h.reason
    assert "redundancy already lost" in h.reason
    # independent: the shed removes every kW of heat at CRAC-3, and 3 % less leaves some
    # unremoved (the search closes on the binary 'uncooled' within ~1.5 %, on the safe side)
    for frac, short in ((1.0, False), (0.97, True)):
        s = (h.it_now_kw + frac * h.it_kw) / h.it_now_kw
        r = run(twin, Scenario(failed=failed.failed, load_scale={"*": s}))
        unremoved = float(r["res_crahs"]["unremoved_kw"].sum())
        assert (unremoved > 1e-6) is short, (frac, unremoved)
