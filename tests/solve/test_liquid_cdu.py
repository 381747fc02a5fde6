"""Liquid loops: eps-NTU closed forms, CDU capacity and approach, coolant flows."""

from __future__ import annotations

import numpy as np
import pytest

from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import liquid, run
from twin.units import CP_WATER_J_KGK, RHO_WATER_KG_M3


@pytest.fixture(scope="module")
def hall(layouts_dir) -> Twin:
    return Twin.load(layouts_dir / "ai-factory-hall.yaml")


def test_effectiveness_closed_forms():
    ntu = np.array([0.1, 1.0, 3.0])
    assert np.allclose(liquid.effectiveness(ntu, 0.0), 1 - np.exp(-ntu))
    assert np.allclose(liquid.effectiveness(ntu, 1.0), ntu / (1 + ntu))
    # Incropera table 11.3 style point: NTU 2, Cr 0.5 -> (1 - e^-1) / (1 - 0.5 e^-1)
    assert liquid.effectiveness(2.0, 0.5) == pytest.approx(
        (1 - np.exp(-1)) / (1 - 0.5 * np.exp(-1))
    )
    for cr in (0.0, 0.3, 0.999999999999, 1.0):
        eps = liquid.effectiveness(ntu, cr)
        assert np.allclose(liquid.ntu_from_effectiveness(eps, cr), ntu, rtol=1e-6)


def test_w_class():
    assert list(liquid.w_class([15, 20, 30, 45, 50])) == ["W17", "W27", "W32", "W45", "W+"]


def test_design_point_holds_setpoint_and_flows(hall):
    r = run(hall)
    cdu = r["res_cdus"]
    racks = r["res_racks"]
    wet = hall.racks["liquid_loop"].notna()
    assert np.allclose(racks.loc[wet, "t_coolant_supply_c"], 25.0)
    # rack flow m = Q_design / (cp dT): 12 K rise at design power
    q_liq = hall.racks.loc[wet, "power_kw"] * hall.racks.loc[wet, "liquid_fraction"]
    flow = q_liq / (CP_WATER_J_KGK / 1000 * 12.0) / RHO_WATER_KG_M3
    assert np.allclose(racks.loc[wet, "coolant_flow_m3_s"], flow)
    assert np.allclose(racks.loc[wet, "t_coolant_return_c"], 37.0)
    # CDU energy: TCS heat = facility heat; approach within design
    run_ = cdu["running"]
    q_tcs = (
        cdu["tcs_flow_m3_s"]
        * RHO_WATER_KG_M3
        * CP_WATER_J_KGK
        / 1000
        * (cdu["t_tcs_return_c"] - cdu["t_tcs_supply_c"])
    )
    q_fws = (
        cdu["facility_flow_m3_s"]
        * RHO_WATER_KG_M3
        * CP_WATER_J_KGK
        / 1000
        * (cdu["t_fws_return_c"] - cdu["t_fws_supply_c"])
    )
    assert np.allclose(q_tcs[run_], cdu.loc[run_, "load_kw"], rtol=1e-9)
    assert np.allclose(q_fws[run_], cdu.loc[run_, "load_kw"], rtol=1e-6)
    # setpoint held (25 C over 20 C water) with the facility valve throttled below design flow
    assert np.allclose(cdu.loc[run_, "approach_k"], 5.0)
    design_flow = hall.cdus["capacity_kw"] / (CP_WATER_J_KGK / 1000 * 10.0) / RHO_WATER_KG_M3
    assert (cdu.loc[run_, "facility_flow_m3_s"] < design_flow[run_]).all()
    assert not (r.violations["kind"] == "over_capacity").any()


def test_design_capacity_gives_design_approach(hall):
    """At exactly its design load and flows a CDU sits at its design approach."""
    m = liquid.liquid_model(hall)
    i = 0
    loop = m.cdu_loop[i]
    wet = m.rack_loop == loop
    n_cdu = (m.cdu_loop == loop).sum()
    # scale rack heat so the one running CDU carries its capacity at design flow
    running = m.cdu_loop != loop
    running[i] = True
    c_loop = m.rack_c_kw_k[wet].sum()
    scale_flow = m.cdu_ch_d[i] / c_loop
    sub = liquid.LiquidModel(
        **{
            **m.__dict__,
            "rack_c_kw_k": m.rack_c_kw_k * scale_flow,
            "cdu_pump_kw": m.cdu_pump_kw * 0,
        }
    )
    heat = np.where(wet, m.rack_c_kw_k * scale_flow, 0.0)
    heat *= m.cdu_cap[i] / heat.sum()
    # facility water at setpoint - design approach: exactly the design point
    res = liquid.solve_liquid(hall, sub, heat, running, np.full(len(running), 22.0))
    c = res.res_cdus.iloc[i]
    assert c["approach_k"] == pytest.approx(3.0, abs=1e-6)
    design_flow = m.cdu_cc_d[i] / (CP_WATER_J_KGK / 1000) / RHO_WATER_KG_M3
    assert c["facility_flow_m3_s"] == pytest.approx(design_flow, rel=1e-6)
    # 1 K warmer water: same exchanger, supply 1 K above setpoint and flagged
    warm = liquid.solve_liquid(hall, sub, heat, running, np.full(len(running), 23.0))
    assert warm.res_cdus["t_tcs_supply_c"].iloc[i] == pytest.approx(26.0, abs=1e-6)
    assert any(v["kind"] == "coolant_temperature" for v in warm.violations)
    assert n_cdu >= 2


def test_cdu_over_capacity_is_a_violation(hall):
    loop = hall.cdus["loop"].iloc[0]
    cdus = hall.cdus.index[hall.cdus["loop"] == loop]
    r = run(hall, Scenario.fail(*cdus[1:]))
    v = r.violations
    over = v[(v["kind"] == "over_capacity") & (v["component"] == cdus[0])]
    assert len(over) == 1 and over["value"].iloc[0] > over["limit"].iloc[0]
    assert ((v["kind"] == "coolant_temperature") & (v["component"] == cdus[0])).any()
    wet = hall.racks["liquid_loop"] == loop
    assert (r["res_racks"].loc[wet, "t_coolant_supply_c"] > 25.0).all()
    assert r.kpis["t_coolant_max_c"] > run(hall).kpis["t_coolant_max_c"]


def test_n_plus_one_cdus_share(hall):
    loop = hall.cdus["loop"].iloc[0]
    cdus = hall.cdus.index[hall.cdus["loop"] == loop]
    r = run(hall, Scenario.fail(cdus[0]))
    c = r["res_cdus"].loc[cdus]
    assert c.loc[cdus[0], "load_kw"] == 0
    assert np.allclose(c.loc[cdus[1:], "load_kw"], c.loc[cdus[1], "load_kw"])
    assert not (
        (r.violations["kind"] == "over_capacity") & r.violations["component"].isin(cdus)
    ).any()


def test_the_cdu_left_moves_at_most_its_design_flow(hall):
    """Two of H1-TCS1's three CDUs failed: the one left carried the loop's whole flow, 1.8 times
    its design flow, at 86.8 kW of pump power against its 15 kW rating (affinity law past full
    speed), and no rack saw less coolant. Now its pump stops at full speed: the loop gets
    its design flow over the racks' (0.56), the racks' coolant rise grows as 1 / 0.56, and
    the loop says so."""
    m = liquid.liquid_model(hall)
    r = run(hall, Scenario.fail("H1-TCS1-CDU1", "H1-TCS1-CDU2"))
    cdu = r["res_cdus"].loc["H1-TCS1-CDU3"]
    i = list(hall.cdus.index).index("H1-TCS1-CDU3")
    design_flow = m.cdu_ch_d[i] / liquid.CP_KJ / RHO_WATER_KG_M3
    assert cdu["tcs_flow_m3_s"] == pytest.approx(design_flow * liquid.CDU_FLOW_MAX)
    assert cdu["pump_kw"] == pytest.approx(hall.cdus.at["H1-TCS1-CDU3", "pump_kw"])
    on = (hall.racks["liquid_loop"] == "H1-TCS1").to_numpy()
    frac = m.cdu_ch_d[i] / m.rack_c_kw_k[on].sum()
    assert 0.5 < frac < 0.6
    racks = r["res_racks"][on]
    design = m.rack_c_kw_k[on] / liquid.CP_KJ / RHO_WATER_KG_M3
    assert np.allclose(racks["coolant_flow_m3_s"], design * frac)
    # each rack's coolant rise: its liquid heat over its (reduced) flow
    heat = racks["p_kw"] * hall.racks.loc[on, "liquid_fraction"]
    rise = racks["t_coolant_return_c"] - racks["t_coolant_supply_c"]
    assert np.allclose(rise, heat / (m.rack_c_kw_k[on] * frac))
    v = r.violations
    short = v[(v["component"] == "H1-TCS1") & (v["kind"] == "coolant_temperature")]
    assert len(short) == 1 and "56 % of the racks' coolant flow" in short["message"].iloc[0]
