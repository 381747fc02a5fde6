"""The IT headroom against full solves of every single failure (issue: one question, one answer).

The headroom's own failover constraints are first-order (`failover_loading_pct`, N+1 group
sums); at the headroom it reports, a full coupled solve (`twin.solve.run`) of each failure,
one at a time, must break nothing that the same failure did not already break at today's
load (a single point of failure loses IT at any load: `twin n1` reports it). Checked on
every failable component of each reference layout, not a sample."""

from __future__ import annotations

import pytest

from twin.metrics.headroom import headroom
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios.sweep import brute_force, contingencies, n1


def _broken(table) -> set[str]:
    """Failures whose full solve overloads anything (sources too), leaves heat unremoved,
    puts racks at thermal risk or loses IT."""
    bad = (
        (table["overloads"] > 0)
        | (table["max_loading_pct"] > 100.0)
        | (table["cooling_shortfall_kw"] > 1e-6)
        | (table["racks_at_risk"] > 0)
        | (table["it_lost_kw"] > 1e-9)
    )
    return set(table.loc[bad, "contingency"])


@pytest.mark.parametrize("name", ["small-room", "ai-factory-hall", "hybrid-inference"])
def test_no_single_failure_breaks_anything_at_the_headroom(name, layouts_dir):
    twin = Twin.load(layouts_dir / f"{name}.yaml")
    h = headroom(twin)
    assert h.failover == "N-1 solved" and h.binding is not None
    sets = [(c,) for c in contingencies(twin)]
    # the design's single points of failure: IT lost at today's load (the N-1 sweep's
    # power path is exact, tests/scenarios/test_n1_matches_direct.py)
    n1_today = n1(twin, verify=False)
    spof = set(n1_today.loc[n1_today["it_lost_kw"] > 1e-9, "contingency"])
    # a failure that breaks something else at today's load (the AI halls' facility pumps: the
    # one left moves 1.4 % less than the heat needs) leaves no headroom at all
    today = _broken(brute_force(twin, sets)) if h.it_kw == 0 else spof
    assert spof <= today
    at = brute_force(twin, sets, Scenario(load_scale={"*": h.scale}))
    assert _broken(at) <= today, sorted(_broken(at) - today)
    if today - spof:
        assert h.it_kw == 0 and h.binding.removesuffix(" failed").split(": ")[-1] in today


def test_first_order_failover_is_too_high_on_the_small_room(small_room):
    """The reproducer: the first-order answer (CRAH air N+1 from the units' present load,
    47.1 kW) is contradicted by a full solve of losing one CRAC at that load (the two left
    run their fans faster: 1.4 kW each unremoved). The checked answer is lower, names the
    failure, and 1 % beyond it that failure's full solve leaves heat unremoved."""
    first = headroom(small_room, n1_check=False)
    assert first.failover == "first-order" and first.binding == "CRAH air (hall ROOM)"
    full = brute_force(small_room, [("CRAC-1",)], Scenario(load_scale={"*": first.scale}))
    assert full["cooling_shortfall_kw"].iloc[0] > 1.0

    h = headroom(small_room)
    assert h.binding.startswith("N-1 (cooling): CRAC-") and h.it_kw < first.it_kw
    assert h.table.loc[h.binding, "domain"] == "cooling"
    failed = h.binding.split(": ")[1].removesuffix(" failed")
    for frac, short in ((0.99, False), (1.01, True)):
        s = (h.it_now_kw + frac * h.it_kw) / h.it_now_kw
        r = brute_force(small_room, [(failed,)], Scenario(load_scale={"*": s}))
        assert (r["cooling_shortfall_kw"].iloc[0] > 1e-6) == short
