"""IT headroom in a degraded state (audit 6 #15): power and cooling follow one rule, N-1 on
top of the state the site is in.

With H1-UPS-A1 failed the headroom said 378.1 kW, more than the normal 376.2 kW: the N-1
check left out every failure that loses IT at today's load, so losing H1-UPS-B1 too (its 8
racks then have no feed) went unseen and the UPS's no-load loss was gone. With H1-CRAH1
failed the cooling side already said 0 (the other CRAHs must ride through one more loss)."""

from __future__ import annotations

from twin.metrics.headroom import headroom
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios.sweep import brute_force
from twin.solve import run


def test_a_failed_ups_leaves_no_n1_headroom_and_says_why(layouts_dir):
    twin = Twin.load(layouts_dir / "ai-factory-hall.yaml")
    h = headroom(twin, Scenario.fail("H1-UPS-A1"))
    assert h.it_kw == 0.0
    assert "H1-UPS-B1" in h.redundancy_lost and h.binding.startswith("N-1 (power)")
    assert "redundancy already lost" in h.reason
    assert h.as_dict()["redundancy_lost"] == list(h.redundancy_lost)
    # independent: the full solve of both UPSs out leaves racks unfed; B1 alone does not
    both = run(twin, Scenario(failed=frozenset({"H1-UPS-A1", "H1-UPS-B1"})))
    assert both.kpis["it_unserved_kw"] > 0
    assert run(twin, Scenario.fail("H1-UPS-B1")).kpis["it_unserved_kw"] == 0
    # and the cooling side follows the same rule: with H1-CRAH1 failed, losing one more CRAH
    # already breaks the air side today, so the headroom is the IT to shed (audit 7 F3); a
    # full solve of that failure holds 1 % past the shed and breaks 1 % short of it
    h1 = frozenset({"H1-CRAH1"})
    h = headroom(twin, Scenario(failed=h1))
    assert h.it_kw < 0 and h.binding.startswith("N-1 (cooling): H1-CRAH")
    assert "already broken: shed" in h.reason
    second = h.binding.split(": ")[1].removesuffix(" failed")
    for frac, short in ((1.01, False), (0.99, True)):
        s = (h.it_now_kw + frac * h.it_kw) / h.it_now_kw
        r = brute_force(twin, [(second,)], Scenario(failed=h1, load_scale={"*": s})).iloc[0]
        broken = r["cooling_shortfall_kw"] > 1e-6 or r["racks_at_risk"] > 0
        assert (broken or r["max_cooling_loading_pct"] > 100.0) == short, (frac, r.to_dict())


def test_design_single_points_of_failure_stay_left_out(small_room):
    """small-room's only UPS loses IT at any load: a design fact `twin n1` reports, not a
    lost redundancy, so the headroom is the CRAC N-1's (40.2 kW), with none named lost."""
    h = headroom(small_room)
    assert h.redundancy_lost == () and h.it_kw > 30.0
