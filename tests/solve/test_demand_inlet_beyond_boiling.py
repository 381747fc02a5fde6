"""The hottest inlet before racks shut down by heat, where the solve before the shutdown is
beyond water's boiling point: a 5 mm facility main on ai-factory-hall.yaml printed
"58,092.4 C" (audit 2026-12-04: 39,781.8 C), a temperature no air or loop reaches. It is
unbounded (no steady state), as where heat has nowhere to go; a narrow but working main keeps
its number."""

from __future__ import annotations

import math

from scenarios.layouts import load_doc, twin_from_doc

from twin.solve import run
from twin.units import T_BOIL_WATER_C


def _with_main(layouts_dir, diameter_m: float):
    doc = load_doc(layouts_dir / "ai-factory-hall.yaml")
    pipe = next(p for p in doc["cooling"]["pipes"] if p["id"] == "H1-FWS-MS")
    pipe["diameter_m"] = diameter_m
    return twin_from_doc(doc)


def test_a_starved_main_gives_no_number_above_boiling(layouts_dir):
    res = run(_with_main(layouts_dir, 0.005))
    assert res.kpis["racks_shutdown"] > 0  # the premise: the racks trip by heat
    assert res.kpis["t_inlet_max_demand_c"] == math.inf


def test_a_narrow_working_main_keeps_its_inlet(layouts_dir):
    res = run(_with_main(layouts_dir, 0.08))  # 48.5 C before all 96 trip (2026-12-04)
    t = res.kpis["t_inlet_max_demand_c"]
    assert res.kpis["racks_shutdown"] > 0 and math.isfinite(t) and 30.0 < t < T_BOIL_WATER_C
