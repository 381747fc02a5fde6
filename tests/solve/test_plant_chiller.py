"""Plant: DOE-2 chiller check values, part load, free cooling, towers and water."""

from __future__ import annotations

import numpy as np
import pandas as pd
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
    # from the loop's solved return (`plant.return_rise_k`): at or a little above the design
    # return where the pumps run flat out (30.3 C with the branches of the chillers staging
    # stopped shut, audit 7 F4; 30.0 C, round-off, since those are sized on their own flow)
    t_ret = lp["t_return_c"]
    assert t_ret == pytest.approx(t_set + dt, abs=0.5)
    frac = (t_ret - (t_set + dt / 2)) / (t_ret - t_set)
    assert 0.5 - 1e-9 <= frac < 0.53
    assert lp["free_cooling_kw"] == pytest.approx(frac * lp["q_kw"], rel=1e-6)
    assert lp["chiller_kw"] == pytest.approx((1 - frac) * lp["q_kw"], rel=1e-6)


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


@pytest.mark.parametrize("air_model", [None, "kernel"])  # None: the layout as written (FFD)
def test_short_plant_runs_warm_and_it_reaches_the_racks(layouts_dir, air_model):
    """Two of five chillers failed on the AI hall: the three left are short at 20 C, so the
    facility water warms until their capacity (DOE-2 CAPFT at the warmer leaving water)
    meets the load, or to the search's bound with the rest unremoved. How warm depends on
    which racks trip: at the bound the CRAH coils get 35 C water and the hall air 40-43 C
    at the top of the racks; on the FFD field (the layout as written) the racks whose
    top-of-rack inlet is more than 10 K over the A1 allowable shut down and their heat
    leaves the plant: with the CRAHs staggered 17 racks (2,244 kW), after which the three
    chillers hold 20 C again (`_trips_relieve_the_plant`; with them opposed, before
    4162057, 12 racks and the rest carried at 26.6 C, coolant +3.4 K); the kernel's inlet
    (its area mean) trips none and the water settles at 34.0 C, where the three chillers
    (11.45 MW) and the dry coolers precooling the 42.3 C return to 41 C (2.09 MW) carry the
    load (coolant +10.7 K; before audit 7 F1 the dry coolers sat idle and 2.09 MW read as
    unremoved at the 35 C bound). Where the water stays warm the racks' coolant follows from
    it by conservation, derived here: the chillers' capacity at the supply, the dry coolers'
    share of the return, the CDU as an eps-NTU exchanger at the flows it runs, each rack's
    liquid heat over its coolant's m cp."""
    from twin.layout import load, validate_data
    from twin.solve.liquid import UA_FLOW_EXPONENT, effectiveness, ntu_from_effectiveness
    from twin.units import CP_WATER_J_KGK, RHO_WATER_KG_M3

    path = layouts_dir / "ai-factory-hall.yaml"
    doc = yaml.safe_load(path.read_text())
    if air_model:
        doc["halls"][0]["air_model"] = air_model
    tw = Twin.from_layout(validate_data(doc, str(path)) if air_model else load(path))
    base = run(tw)
    r = run(tw, Scenario.fail("H1-CH1", "H1-CH2"))
    loop = r["res_loops"].loc["H1-FWS"]
    ch = r["res_chillers"]
    on = ch[ch["on"]]
    # one answer: the chillers leave the water the loop supplies, the loop's chiller cooling
    # is what they remove, and free cooling, chillers and unremoved heat add up to its load
    assert np.allclose(on["t_chw_leaving_c"], loop["t_supply_c"], rtol=0, atol=1e-12)
    assert loop["chiller_kw"] == pytest.approx(ch["load_kw"].sum(), rel=1e-12)
    parts = loop["free_cooling_kw"] + loop["chiller_kw"] + loop["unremoved_kw"]
    assert parts == pytest.approx(loop["q_kw"], rel=1e-9)
    # short before any rack trips: the base load is over the three chillers at the setpoint
    x0, y0 = plant.curve_inputs(loop["t_setpoint_c"], on["t_cond_entering_c"].to_numpy(float))
    cap0 = tw.chillers.loc[on.index, "capacity_kw"].to_numpy(float) * plant.biquadratic(
        plant.CAPFT, x0, y0
    )
    assert base["res_loops"].at["H1-FWS", "q_kw"] > cap0.sum()
    trips = r.violations[r.violations["kind"] == "thermal_shutdown"]
    if loop["t_supply_c"] <= loop["t_setpoint_c"]:
        _trips_relieve_the_plant(r, tw, loop, on, cap0, trips)
        return
    assert np.allclose(on["plr"], 1.0, atol=1e-6)  # flat out, never above
    # the plant: the three chillers' capacity at the supply they leave, by the DOE-2 curve
    x, y = plant.curve_inputs(loop["t_supply_c"], on["t_cond_entering_c"].to_numpy(float))
    cap = tw.chillers.loc[on.index, "capacity_kw"].to_numpy(float) * plant.biquadratic(
        plant.CAPFT, x, y
    )
    assert cap.sum() == pytest.approx(on["load_kw"].sum(), rel=1e-9)
    # the dry coolers precool the warm return towards T_db + approach (audit 7 F1)
    rho_cp = RHO_WATER_KG_M3 * CP_WATER_J_KGK / 1000.0
    fc = loop["flow_m3_s"] * rho_cp * max(loop["t_return_c"] - loop["t_free_cooling_c"], 0.0)
    assert loop["free_cooling_kw"] == pytest.approx(fc, rel=1e-9, abs=1e-9)
    unremoved = loop["q_kw"] - cap.sum() - fc
    if loop["unremoved_kw"] > 0:  # short even at the bound: the rest is unremoved
        rise = loop["t_supply_c"] - loop["t_setpoint_c"]
        assert rise == pytest.approx(plant.MAX_SUPPLY_RISE_K)
        assert loop["unremoved_kw"] == pytest.approx(unremoved, rel=1e-9)
    else:  # capacity meets the load at the raised temperature
        assert unremoved == pytest.approx(0.0, abs=1e-6 * loop["q_kw"])
    v = r.violations
    assert ((v["component"] == "H1-FWS") & (v["kind"] == "over_capacity")).any()
    assert ((v["component"] == "H1-FWS") & (v["kind"] == "coolant_temperature")).any()
    # the trips: by the inlet (the coolant at the bound, 37 C, is under its 45 C limit);
    # their heat is gone from the plant (the load with none tripped is the base's)
    assert trips["message"].str.contains("inlet").all()
    rr, racks = r["res_racks"], tw.racks
    assert r.kpis["it_shutdown_kw"] == pytest.approx(rr["p_shutdown_kw"].sum())
    assert r.kpis["it_shutdown_kw"] == pytest.approx(
        racks.loc[trips["component"], "power_kw"].sum()
    )
    if trips.empty:  # the pumps' own heat aside: the CDUs' open valves run them faster
        own, own_base = r["res_pumps"]["p_kw"].sum(), base["res_pumps"]["p_kw"].sum()
        q_base = base["res_loops"].at["H1-FWS", "q_kw"] - own_base
        assert loop["q_kw"] - own == pytest.approx(q_base, rel=1e-4)
    # the CDUs: counterflow eps-NTU at the flows they run, UA from the design point
    cdu, cd = r["res_cdus"], tw.cdus
    assert np.allclose(cdu["t_fws_supply_c"], loop["t_supply_c"])  # the warm water arrives
    dt_tcs = cd["loop"].map(tw.loops["dt_design_k"]).to_numpy(float)
    ch_d = cd["capacity_kw"].to_numpy(float) / dt_tcs
    cc_d = cd["capacity_kw"].to_numpy(float) / tw.loops.at["H1-FWS", "dt_design_k"]
    cmin_d, cmax_d = np.minimum(ch_d, cc_d), np.maximum(ch_d, cc_d)
    eps_d = cd["capacity_kw"].to_numpy(float) / (cmin_d * (cd["approach_k"] + dt_tcs).to_numpy())
    ua_d = ntu_from_effectiveness(eps_d, cmin_d / cmax_d) * cmin_d
    c_h = cdu["tcs_flow_m3_s"].to_numpy(float) * rho_cp
    c_c = cdu["facility_flow_m3_s"].to_numpy(float) * rho_cp
    ua = ua_d * (c_h / ch_d) ** UA_FLOW_EXPONENT
    cmin, cmax = np.minimum(c_h, c_c), np.maximum(c_h, c_c)
    eps = effectiveness(ua / cmin, cmin / cmax)
    q = cdu["load_kw"].to_numpy(float)
    t_tcs = cdu["t_fws_supply_c"].to_numpy(float) + q / (eps * cmin) - q / c_h
    t_set = cd["loop"].map(tw.loops["t_supply_c"]).to_numpy(float)
    assert (t_tcs > t_set).all()  # the valve is open: the setpoint cannot hold
    assert np.allclose(cdu["t_tcs_supply_c"], t_tcs, rtol=0, atol=1e-9)
    # the racks: their loop's supply plus their liquid heat over their coolant's m cp
    fed = rr["p_kw"] > 0
    t_loop = pd.Series(t_tcs, index=cd.index).groupby(cd["loop"]).mean()
    liquid = rr["p_kw"] * racks["liquid_fraction"]
    t_ret = racks["liquid_loop"].map(t_loop) + liquid / (rr["coolant_flow_m3_s"] * rho_cp)
    assert np.allclose(rr.loc[fed, "t_coolant_return_c"], t_ret[fed], rtol=0, atol=1e-9)
    b = base["res_racks"]
    b_ret = b["t_coolant_supply_c"] + b["p_kw"] * racks["liquid_fraction"] / (
        b["coolant_flow_m3_s"] * rho_cp
    )
    rise_coolant = t_ret[fed].max() - b_ret.max()
    assert rise_coolant > 0  # the warm facility water reaches the racks' coolant
    assert r.kpis["t_coolant_max_c"] - base.kpis["t_coolant_max_c"] == pytest.approx(
        rise_coolant, abs=1e-9
    )
    # and the CRAH coils: warmer water, warmer supply air, hotter inlets
    assert (r["res_crahs"]["t_supply_c"].dropna() > tw.crahs["t_supply_c"].max()).all()
    assert r.kpis["t_inlet_max_c"] > base.kpis["t_inlet_max_c"]
    k = r.kpis
    # energy balance: what the chillers could not carry is unremoved, not rejected
    assert k["heat_rejected_kw"] + k["heat_unremoved_kw"] == pytest.approx(
        k["facility_kw"], rel=1e-6
    )
    if k["heat_unremoved_kw"] > 0:
        short = v[(v["component"] == "H1-FWS") & (v["kind"] == "uncooled")]
        assert short["value"].sum() == pytest.approx(k["heat_unremoved_kw"], rel=1e-9)


def _trips_relieve_the_plant(r, tw, loop, on, cap0, trips):
    """The other way the short plant can settle: the warm water overheats racks until those
    that trip take enough heat off that the three chillers hold the setpoint again (the
    staggered AI hall on its FFD field: 17 racks, 2,244 kW). Then the chillers carry the
    whole load below their capacity at the setpoint, nothing is unremoved, and the tripped
    racks' IT is what left the plant."""
    assert not trips.empty and trips["message"].str.contains("inlet").all()
    assert loop["t_supply_c"] == pytest.approx(loop["t_setpoint_c"])
    assert loop["unremoved_kw"] == pytest.approx(0.0, abs=1e-6)
    assert on["load_kw"].sum() == pytest.approx(loop["q_kw"], rel=1e-6)
    assert on["load_kw"].sum() <= cap0.sum() * (1 + 1e-9)
    shut = r.kpis["it_shutdown_kw"]
    assert shut == pytest.approx(tw.racks.loc[trips["component"], "power_kw"].sum())
    assert shut == pytest.approx(r["res_racks"]["p_shutdown_kw"].sum())


def test_a_loop_with_nothing_to_reject_its_heat_is_not_shown_at_its_setpoint(tower_hall):
    """Every chiller, tower and dry cooler failed: the facility water keeps warming. Shown
    at its setpoint, losing the whole plant read better than losing the chillers (which
    puts the loop at the chillers' limit); it is shown at that limit, a lower bound, and
    the units on the loop get that water."""
    plant_ids = [
        *tower_hall.chillers.index,
        *tower_hall.cooling_towers.index,
        *tower_hall.dry_coolers.index,
    ]
    hot = dict(t_db_c=35.0, t_wb_c=26.0)
    r = run(tower_hall, Scenario(**hot, failed=frozenset(plant_ids)))
    base = run(tower_hall, Scenario(**hot))
    loops = r["res_loops"]
    fac = tower_hall.loops.index[tower_hall.loops["kind"] == "facility"]
    for loop in fac:
        row = loops.loc[loop]
        assert row["unremoved_kw"] == pytest.approx(row["q_kw"], rel=1e-12) and row["q_kw"] > 0
        assert row["t_supply_c"] == pytest.approx(row["t_setpoint_c"] + plant.MAX_SUPPLY_RISE_K)
        v = r.violations
        (msg,) = v[(v["component"] == loop) & (v["kind"] == "uncooled")]["message"]
        assert "lower bound" in msg and f"{row['t_supply_c']:.1f} °C" in msg
    assert r.kpis["t_inlet_max_c"] > base.kpis["t_inlet_max_c"]
