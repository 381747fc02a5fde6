"""CUE and carbon count the facility's energy at its source (ISO/IEC 30134-8): on the
generators a site emits diesel's CO2, not the grid's. The solve's CUE, the economics'
CO2 per token and the timeline's carbon all take the same supply factor."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from twin.layout import validate_data
from twin.metrics.economics import economics
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.solve import run
from twin.solve.timeline_outage import Outage


def test_cue_on_the_generator_uses_the_generators_factor(small_room_kernel):
    twin = small_room_kernel
    site = twin.layout.site
    assert site.generator_co2_kg_per_kwh != site.grid_co2_kg_per_kwh  # the test can tell them
    normal = run(twin).kpis
    assert normal["generator_kw"] == 0 and normal["utility_kw"] > 0
    assert normal["cue_kg_per_kwh"] == pytest.approx(site.grid_co2_kg_per_kwh * normal["pue"])
    out = run(twin, Scenario.fail("UTIL")).kpis
    assert out["utility_kw"] == 0 and out["generator_kw"] > 0 and out["it_kw"] > 0
    assert out["supply_co2_kg_per_kwh"] == site.generator_co2_kg_per_kwh
    assert out["cue_kg_per_kwh"] == pytest.approx(site.generator_co2_kg_per_kwh * out["pue"])


def test_co2_per_token_takes_the_cues_factor(layouts_dir):
    doc = yaml.safe_load((layouts_dir / "ai-factory-hall.yaml").read_text())
    for hall in doc["halls"]:
        hall["air_model"] = "kernel"  # about carbon, not air
    twin = Twin.from_layout(validate_data(doc, "ai-factory-hall.yaml"))
    site = twin.layout.site
    res = run(twin, Scenario.fail("GRID"))
    assert res.kpis["generator_kw"] > 0 and res.kpis["utility_kw"] == 0
    e = economics(twin, res)
    energy_kwh = e["energy_usd_per_year"] / twin.layout.economics.energy_price_usd_per_kwh
    assert e["co2_g_per_mtok"] == pytest.approx(
        energy_kwh * site.generator_co2_kg_per_kwh * 1e9 / e["tokens_per_year"], rel=1e-12
    )


def test_timeline_carbon_counts_the_generators_output(small_room_kernel):
    twin = small_room_kernel
    site = twin.layout.site
    spec = TimelineSpec(hours=2, dt_s=60.0, workload="training", weather=False,
                        outage=Outage(1800.0, 1800.0))  # fmt: skip
    tl = simulate(twin, spec)
    s = tl.steps
    h = tl.kpis["dt_s"] / 3600.0
    assert tl.kpis["generator_mwh"] > 0
    by_hand = (s["grid_kw"] * h * s["carbon_kg_per_kwh"]).sum() + (
        s["generator_kw"] * h * site.generator_co2_kg_per_kwh
    ).sum()
    assert tl.kpis["carbon_t"] == pytest.approx(by_hand / 1000.0, rel=1e-12)
    grid_only = (s["grid_kw"] * h * s["carbon_kg_per_kwh"]).sum() / 1000.0
    assert tl.kpis["carbon_t"] - grid_only == pytest.approx(
        tl.kpis["generator_mwh"] * site.generator_co2_kg_per_kwh, rel=1e-9
    )
    assert np.all(s["carbon_kg"].to_numpy() >= 0)
