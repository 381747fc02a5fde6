"""Plant: DOE-2 chiller check values, part load, free cooling, towers and water."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from twin.layout import loads
from twin.layout.generate import HallSpec, site
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import plant, run


@pytest.mark.parametrize(
    ("t_chw", "t_cond", "cop"),
    [(6.67, 29.4, 5.5), (10.0, 24.0, 6.5), (6.67, 35.0, 4.8)],  # REFERENCE 4 check values
)
def test_doe2_check_values(t_chw, t_cond, cop):
    assert plant.chiller_cop(t_chw, t_cond) == pytest.approx(cop, abs=0.03)


def test_part_load_curve():
    assert sum(plant.EIRFPLR) == pytest.approx(1.0, abs=1e-6)  # EIRFPLR(1) = 1
    full = plant.chiller_cop(6.67, 29.4, 1.0)
    half = plant.chiller_cop(6.67, 29.4, 0.5)
    eir_half = plant.EIRFPLR[0] + plant.EIRFPLR[1] * 0.5 + plant.EIRFPLR[2] * 0.25
    assert half == pytest.approx(0.5 * full / eir_half)
    # below min PLR the chiller cycles: power proportional to load, COP flat
    assert plant.chiller_cop(6.67, 29.4, 0.05) == pytest.approx(plant.chiller_cop(6.67, 29.4, 0.1))


def test_hpe_makeup_formula():
    assert plant.makeup_hpe_m3_h(25.0, 5.6) == pytest.approx(0.044 * 25 + 0.3528 * 5.6 + 0.101)


@pytest.fixture(scope="module")
def tower_hall() -> Twin:
    doc = site("t", [HallSpec("A", [("nvl72", 2), ("npu-inference", 2)], condenser="tower")])
    return Twin.from_layout(loads(yaml.safe_dump(doc)))


def test_cold_day_is_free_cooling_hot_day_is_chillers(tower_hall):
    cold = run(tower_hall, Scenario(t_db_c=2.0, t_wb_c=0.0))
    hot = run(tower_hall, Scenario(t_db_c=38.0, t_wb_c=28.0))
    assert cold["res_chillers"]["p_kw"].sum() == 0.0
    assert cold.kpis["free_cooling_kw"] > 0
    assert hot.kpis["free_cooling_kw"] == 0.0
    assert hot["res_chillers"]["on"].sum() >= 1
    assert hot.kpis["pue"] > cold.kpis["pue"]
    # towers carry condenser heat = chiller load + compressor power; water follows evaporation
    ch = hot["res_chillers"]
    ct = hot["res_cooling_towers"]
    assert ct["load_kw"].sum() == pytest.approx((ch["load_kw"] + ch["p_kw"]).sum(), rel=1e-9)
    evap = plant.EVAPORATION_L_PER_KWH * ct["load_kw"].sum() / 1000
    assert ct["evaporation_m3_h"].sum() == pytest.approx(evap)
    assert hot.kpis["wue_l_per_kwh"] > 0 and cold.kpis["wue_l_per_kwh"] == 0


def test_partial_free_cooling_is_between(tower_hall):
    loop = tower_hall.loops.index[tower_hall.loops["kind"] == "facility"][0]
    t_set, dt = tower_hall.loops.loc[loop, ["t_supply_c", "dt_design_k"]]
    app = tower_hall.dry_coolers["approach_k"].iloc[0]
    t_db = t_set + dt / 2 - app  # dry coolers reach the mid point of supply and return
    r = run(tower_hall, Scenario(t_db_c=t_db, t_wb_c=t_db - 5))
    lp = r["res_loops"].loc[loop]
    assert lp["free_cooling_kw"] == pytest.approx(0.5 * lp["q_kw"], rel=1e-6)
    assert lp["chiller_kw"] == pytest.approx(0.5 * lp["q_kw"], rel=1e-6)


def test_staging_and_chiller_failure(tower_hall):
    hot = Scenario(t_db_c=35.0, t_wb_c=26.0)
    r = run(tower_hall, hot)
    ch = r["res_chillers"]
    on = ch[ch["on"]]
    assert np.allclose(on["plr"], on["plr"].iloc[0])  # equal part load
    assert (on["plr"] <= 1.0).all()
    assert len(on) < len(ch)  # N+1: the spare stays off
    failed = run(tower_hall, Scenario(t_db_c=35.0, t_wb_c=26.0, failed=frozenset(on.index)))
    v = failed.violations
    assert failed["res_chillers"].loc[on.index, "p_kw"].eq(0).all()
    assert failed["res_chillers"]["on"].sum() >= 1 or (v["kind"] == "over_capacity").any()


def test_warm_water_at_constant_lift():
    """Above the fitted chilled-water range the curves are read at the same lift."""
    assert plant.chiller_cop(20.0, 41.0) == pytest.approx(plant.chiller_cop(10.0, 31.0))
    assert plant.chiller_cop(20.0, 41.0) > plant.chiller_cop(10.0, 41.0)


def test_short_plant_runs_warm_and_it_reaches_the_racks(layouts_dir):
    """On the kernel, as written: on the FFD field (the default since 2026-12-01) the racks'
    coolant rises 3.4 K, not the 5 K asked here (not yet explained; issue 14's note)."""
    import yaml

    from twin.layout import validate_data

    path = layouts_dir / "ai-factory-hall.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["halls"][0]["air_model"] = "kernel"
    tw = Twin.from_layout(validate_data(doc, str(path)))
    base = run(tw)
    r = run(tw, Scenario.fail("H1-CH1", "H1-CH2"))
    loop = r["res_loops"].loc["H1-FWS"]
    assert loop["t_supply_c"] > loop["t_setpoint_c"]
    on = r["res_chillers"][r["res_chillers"]["on"]]
    rise = loop["t_supply_c"] - loop["t_setpoint_c"]
    # capacity meets load at the raised temperature; at the search's bound the chillers run
    # flat out (PLR 1, never above) and the rest is unremoved (issue 13)
    assert np.allclose(on["plr"], 1.0, atol=1e-6)
    assert rise == pytest.approx(plant.MAX_SUPPLY_RISE_K) or r.kpis["heat_unremoved_kw"] == 0
    v = r.violations
    assert ((v["component"] == "H1-FWS") & (v["kind"] == "over_capacity")).any()
    assert ((v["component"] == "H1-FWS") & (v["kind"] == "coolant_temperature")).any()
    # the warm facility water reaches the CDUs and the racks' coolant
    assert np.allclose(r["res_cdus"]["t_fws_supply_c"], loop["t_supply_c"])
    assert r.kpis["t_coolant_max_c"] > base.kpis["t_coolant_max_c"] + 5
    # and the CRAH coils: warmer water, warmer supply air, hotter inlets
    assert (r["res_crahs"]["t_supply_c"].dropna() > tw.crahs["t_supply_c"].max()).all()
    assert r.kpis["t_inlet_max_c"] > base.kpis["t_inlet_max_c"] + 5
    k = r.kpis
    # energy balance: what the chillers could not carry is unremoved, not rejected
    assert k["heat_rejected_kw"] + k["heat_unremoved_kw"] == pytest.approx(
        k["facility_kw"], rel=1e-6
    )
    if k["heat_unremoved_kw"] > 0:
        short = v[(v["component"] == "H1-FWS") & (v["kind"] == "uncooled")]
        assert short["value"].sum() == pytest.approx(k["heat_unremoved_kw"], rel=1e-9)
