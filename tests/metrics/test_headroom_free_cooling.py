"""The N+1 rule of a dry-cooler group backed by chillers (`free_cooling_n1`) against the
full solve of losing a dry cooler, on a day cool enough for free cooling.

ai-factory-hall.yaml at 10 C dry bulb: its nine 1,500 kW dry coolers reach 18 C water,
below the 20 C setpoint of H1-FWS, so they take the whole loop (~13.5 MW) and run at
capacity; the five chillers stand idle. Losing a dry cooler hands its heat to them.
"""

from __future__ import annotations

import pytest

from twin.metrics.headroom import headroom
from twin.metrics.headroom_constraints import constraint_utilisation
from twin.metrics.stranded import stranded
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run

COLD = {"t_db_c": 10.0, "t_wb_c": 5.0}
GROUP = "dry coolers H1-FWS (N+1)"
SPARE_CHILLERS = ("H1-CH2", "H1-CH3", "H1-CH4", "H1-CH5")


@pytest.fixture(scope="module")
def hall(layouts_dir) -> Twin:
    return Twin.load(layouts_dir / "ai-factory-hall.yaml")


def _loop_violations(res) -> list[str]:
    v = res.violations
    return list(v.loc[v["component"] == "H1-FWS", "kind"])


@pytest.mark.parametrize(
    "already_out, survives",
    [
        ((), True),  # nine dry coolers, five chillers: losing one costs nothing
        ((*SPARE_CHILLERS, "H1-DC2"), True),  # 7 x 1,500 + one chiller > 13.5 MW
        ((*SPARE_CHILLERS, "H1-DC2", "H1-DC3"), False),  # 6 x 1,500 + one chiller < 13.5 MW
    ],
)
def test_dry_cooler_rule_is_the_solve_of_losing_one(hall, already_out, survives):
    """The group's utilisation is <= 1 exactly when the solve with one more dry cooler
    failed keeps the loop at its setpoint with nothing unremoved (no violation on it), and
    equals the hand calculation: the loop's heat over the free cooling left plus the
    running chillers' available capacity."""
    base = Scenario(**COLD, failed=frozenset(already_out))
    res = run(hall, base)
    assert res.violations.empty, res.violations.to_string()
    u = constraint_utilisation(hall, res)[GROUP]

    q = float(res["res_loops"].at["H1-FWS", "q_kw"])
    dc = res["res_dry_coolers"]
    assert (dc["t_water_c"] < hall.loops.at["H1-FWS", "t_supply_c"]).all()  # all free cooling
    free_left = float(hall.dry_coolers["capacity_kw"][dc["running"]].sum()) - 1500.0
    ch = res["res_chillers"]
    chillers = float(ch.loc[ch["running"], "capacity_avail_kw"].sum())
    assert u == pytest.approx(q / (min(q, free_left) + chillers), rel=1e-9)

    lost = run(hall, Scenario(**COLD, failed=frozenset({*already_out, "H1-DC1"})))
    assert (u <= 1.0) == survives
    assert (not _loop_violations(lost) and lost.kpis["heat_unremoved_kw"] == 0.0) == survives


def test_cold_day_headroom_is_not_zero_and_a_failed_dry_cooler_gives_none_more(hall):
    """`twin info --stranded` (the headroom per hall) on a cold day: the cooling margin is
    what the solves allow, not 0 kW behind the dry coolers, and a site with a dry cooler
    already failed has no more headroom than the intact one (first-order: the group rules
    alone, which counted the failed unit's capacity)."""
    row = stranded(hall, Scenario(**COLD)).loc["H1"]
    assert row["it_headroom_kw"] > 0
    assert row["cooling_margin_kw"] > 0 and not row["cooling_binding"].startswith("dry coolers")
    intact = headroom(hall, Scenario(**COLD), n1_check=False)
    failed = headroom(hall, Scenario(**COLD, failed=frozenset({"H1-DC1"})), n1_check=False)
    assert intact.it_kw > 0
    assert failed.it_kw <= intact.it_kw
    assert failed.table.at[GROUP, "margin_kw"] < intact.table.at[GROUP, "margin_kw"]
