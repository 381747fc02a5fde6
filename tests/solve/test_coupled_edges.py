"""Coupled solve on edge-case layouts: liquid-only racks, idle racks, no chiller, CRAC only."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from twin.layout import loads
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run

MINIMAL = "tests/layout/minimal.yaml"


def _twin(edit) -> Twin:
    doc = yaml.safe_load(open(MINIMAL).read())
    edit(doc)
    return Twin.from_layout(loads(yaml.safe_dump(doc)))


def _balanced(r) -> None:
    k = r.kpis
    assert k["heat_rejected_kw"] + k["heat_unremoved_kw"] == pytest.approx(
        k["facility_kw"], rel=1e-6, abs=1e-6
    )


def test_minimal_dry_cooler_only_plant():
    tw = Twin.load(MINIMAL)
    warm = run(tw, Scenario(t_db_c=30.0, t_wb_c=20.0))  # 30 + 8 K approach > 25 C setpoint
    cold = run(tw, Scenario(t_db_c=5.0, t_wb_c=2.0))
    _balanced(warm)
    _balanced(cold)
    assert (
        (warm.violations["kind"] == "coolant_temperature") & (warm.violations["component"] == "FWS")
    ).any()
    assert not (cold.violations["kind"] == "coolant_temperature").any()
    assert warm["res_dry_coolers"]["load_kw"].sum() == pytest.approx(
        warm["res_loops"].at["FWS", "q_kw"]
    )


def test_liquid_only_rack_and_idle_rack():
    def edit(doc):
        racks = doc["halls"][0]["racks"]
        racks[1]["liquid_fraction"] = 1.0
        racks[0]["power_kw"] = 0.0

    tw = _twin(edit)
    r = run(tw)
    _balanced(r)
    rr = r["res_racks"]
    assert np.isfinite(rr["t_inlet_c"]).all()
    assert rr.at["RK2", "air_kw"] == 0.0
    assert rr.at["RK2", "t_coolant_return_c"] > rr.at["RK2", "t_coolant_supply_c"]
    assert np.isnan(rr.at["RK1", "t_coolant_supply_c"])


def test_everything_failed_is_unremoved_not_lost():
    tw = Twin.load(MINIMAL)
    r = run(tw, Scenario.fail("CRAC1", "CDU1", "DC1"))
    _balanced(r)
    k = r.kpis
    assert k["heat_unremoved_kw"] > 0.9 * k["it_kw"]
    kinds = set(r.violations["kind"])
    assert "uncooled" in kinds
    assert np.isnan(r["res_halls"]["t_supply_c"]).all()
