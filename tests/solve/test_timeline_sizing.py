"""Sizing a BESS for a grid ramp limit: it keeps the limit, and a smaller one does not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from twin.errors import ScenarioError
from twin.model import Twin
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.scenarios.timeline_sizing import BESS_LIFE_YEARS, BESS_USD_PER_KWH, size_for_ramp
from twin.solve.timeline_storage import Store

HALL = Path(__file__).resolve().parents[2] / "layouts" / "ai-factory-hall.yaml"


def test_sized_bess_keeps_the_ramp_and_a_smaller_one_does_not():
    twin = Twin.load(HALL)
    spec = TimelineSpec(hours=2, dt_s=1.0, workload="training")
    s = size_for_ramp(twin, spec, 50.0)
    assert s.met and s.with_bess.kpis["max_ramp_mw_s"] <= 0.05 * (1 + 1e-9)
    assert s.without.kpis["max_ramp_mw_s"] > 1.0  # the swing itself: MW per second
    assert abs(s.with_bess.kpis["balance_residual_rel"]) < 1e-6
    for fe, fp in ((0.8, 1.0), (1.0, 0.8)):
        small = Store(s.energy_kwh * fe, s.power_kw * fp, 0.85)
        tl = simulate(twin, replace(spec, bess=small, policy="smoothing", ramp_kw_s=50.0))
        assert (tl.violations["kind"] == "ramp_limit").any()
    z = s.as_dict()
    assert z["capex_usd"] == pytest.approx(s.energy_kwh * BESS_USD_PER_KWH)
    assert z["capex_usd_horizon"] == pytest.approx(z["capex_usd"] / BESS_LIFE_YEARS * 2 / 8760)


def test_ramp_must_be_positive():
    with pytest.raises(ScenarioError, match="ramp limit must be > 0"):
        size_for_ramp(Twin.load(HALL), TimelineSpec(hours=1), 0.0)
