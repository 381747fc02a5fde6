"""The demand charge is on billing demand, the highest 15 min mean import, whatever the
step: a 1 s run billed its 1 s peaks (the training swing's top, 16.0 MW on the AI hall,
against 13.6 MW of 15 min demand: +17 % on the charge, from the step size alone)."""

from __future__ import annotations

import pytest

from twin.model import Twin
from twin.scenarios.timeline import HOURS_PER_MONTH, TimelineSpec, simulate
from twin.scenarios.timeline_terms import DEMAND_INTERVAL_S
from twin.solve.timeline_response import fit_response

HALL = "layouts/ai-factory-hall.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


def test_demand_charge_is_on_15_min_means_not_step_peaks():
    twin = Twin.load(HALL)
    resp = fit_response(twin, None)
    rate, hours = 15.0, 2.0

    def run(dt):
        spec = TimelineSpec(hours=hours, dt_s=dt, workload="training", weather=False,
                            demand_usd_per_kw_month=rate)  # fmt: skip
        return simulate(twin, spec, response=resp)

    fine = run(1.0)
    grid = fine.steps["grid_kw"]
    demand = grid.resample(f"{DEMAND_INTERVAL_S:g}s").mean().max()  # independent: pandas
    share = hours / HOURS_PER_MONTH
    assert fine.kpis["demand_charge_usd"] == pytest.approx(demand * rate * share, rel=1e-12)
    assert grid.max() > 1.15 * demand  # the swing's top, which a meter does not bill
    # the same question at 15 min steps: the same answer, not 17 % apart, to within what a
    # 15 min step cannot see: the plant's response is convex in load, so the swing's mean
    # cooling is above the cooling at its mean load (2,096 against 2,054 kW in a window,
    # 0.6 % of the charge, measured 2026-12-04 with chillers staged on shut branches)
    coarse = run(DEMAND_INTERVAL_S)
    assert coarse.kpis["demand_charge_usd"] == pytest.approx(
        fine.kpis["demand_charge_usd"], rel=1e-2
    )
