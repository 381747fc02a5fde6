"""A facility loop's return is what its water carries at the flow its pumps move.

q = rho cp m (T_ret - T_sup) with the solved flow m; the return is the flow-weighted mix of
the CDUs' facility streams, the water that bypassed them and the heat put straight into the
loop; free cooling and chillers work from it; pumps short of the heat's need are a violation
naming them; the loop balance check catches a return left at the design rise.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import yaml

from twin.layout import loads
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import coupled, run
from twin.units import CP_WATER_J_KGK, RHO_WATER_KG_M3

RHO_CP = RHO_WATER_KG_M3 * CP_WATER_J_KGK / 1000.0  # kJ/(m3 K)
MINIMAL = "tests/layout/minimal.yaml"


def _doc(path, pump_flow=None):
    doc = yaml.safe_load(open(path).read())
    for h in doc["halls"]:
        h["air_model"] = "kernel"  # air is not the point
    if pump_flow is not None:
        for p in doc["cooling"]["pumps"]:
            if p["loop"].endswith("FWS"):
                p["flow_m3_s"] = pump_flow
    return doc


def _twin(doc) -> Twin:
    return Twin.from_layout(loads(yaml.safe_dump(doc)))


@pytest.fixture(scope="module")
def small(layouts_dir):
    """ai-factory-hall with its facility pumps rated 0.05 m3/s (not 0.38): they cannot move
    its ~13.4 MW at the 10 K design rise."""
    return _twin(_doc(layouts_dir / "ai-factory-hall.yaml", pump_flow=0.05))


@pytest.fixture(scope="module")
def small_run(small):
    return run(small)


def _flow(tw, r, loop):
    rp = r["res_pumps"]
    return float(rp.loc[tw.pumps.index[tw.pumps["loop"] == loop], "flow_m3_s"].sum())


def test_short_pumps_return_follows_the_energy_balance(small, small_run):
    r = small_run
    row = r["res_loops"].loc["H1-FWS"]
    m = _flow(small, r, "H1-FWS")
    assert r["res_pumps"].loc[["H1-FWS-P1", "H1-FWS-P2"], "speed"].eq(1.0).all()
    assert row["flow_m3_s"] == pytest.approx(m, rel=1e-12)
    # q = rho cp m (T_ret - T_sup) with the flow the pumps move
    assert row["q_kw"] == pytest.approx(RHO_CP * m * (row["t_return_c"] - row["t_supply_c"]))
    assert row["t_return_c"] > 30.0 + 6.0  # not the 30 C design return (37.9 C, 2026-12-04)
    assert row["q_kw"] > RHO_CP * m * 10.0 * 1.6  # the pumps carry ~half at the design rise
    assert abs(r.kpis["loop_balance_residual_kw"]) < 1e-6


def test_short_pumps_are_a_violation_naming_them(small, small_run):
    r = small_run
    v = r.violations
    row = v[(v["component"] == "H1-FWS") & v["message"].str.contains("H1-FWS-P1, H1-FWS-P2")]
    assert len(row) == 1
    row = row.iloc[0]
    assert row["kind"] == "coolant_temperature"
    assert row["value"] == pytest.approx(r["res_loops"].at["H1-FWS", "t_return_c"])
    assert row["limit"] == pytest.approx(30.0)
    m = _flow(small, r, "H1-FWS")
    assert f"{m:.4f} m3/s" in row["message"] and f"{RHO_CP * m * 10.0:.0f} kW" in row["message"]


def test_water_starved_coils_report_the_capacity_they_are_checked_against(small, small_run):
    """The pumps deliver a share of the water the units draw (the pump violation's two
    flows); a CRAH coil then removes that share of its rating: its capacity_avail_kw, its
    loading and any over-capacity violation all read that one capacity."""
    import re

    r = small_run
    v = r.violations
    msg = v[(v["component"] == "H1-FWS") & v["message"].str.contains("units draw")]["message"]
    move = float(re.search(r"move ([\d.]+) m3/s", msg.iloc[0]).group(1))
    draw = float(re.search(r"draw ([\d.]+) m3/s", msg.iloc[0]).group(1))
    share = move / draw
    assert 0.0 < share < 1.0
    rc = r["res_crahs"]
    on_loop = small.crahs.index[small.crahs["loop"] == "H1-FWS"]
    rated = small.crahs.loc[on_loop, "capacity_kw"]
    # flow figures are printed to 4 decimals
    assert np.allclose(rc.loc[on_loop, "capacity_avail_kw"] / rated, share, rtol=1e-3)
    load, cap = rc.loc[on_loop, "load_kw"], rc.loc[on_loop, "capacity_avail_kw"]
    assert np.allclose(rc.loc[on_loop, "loading_pct"], 100.0 * load / cap, rtol=1e-12)
    over = v[(v["kind"] == "over_capacity") & v["component"].isin(on_loop)]
    assert np.allclose(over["limit"], cap.loc[over["component"]], rtol=1e-12)
    assert set(over["component"]) == set(on_loop[load > cap])


def test_free_cooling_from_the_solved_return(small):
    """At 15 C dry bulb the dry coolers (approach 8 K) reach 23 C: they precool the loop
    from its return to 23 C, Q (T_ret - 23) / (T_ret - 20) in closed form."""
    r = run(small, Scenario(t_db_c=15.0, t_wb_c=9.0))
    row = r["res_loops"].loc["H1-FWS"]
    t_fc, t_s, t_ret, q = row["t_free_cooling_c"], 20.0, row["t_return_c"], row["q_kw"]
    assert t_fc == pytest.approx(23.0)
    assert t_ret > 36.0  # not the 30 C design return
    assert row["free_cooling_kw"] == pytest.approx(q * (t_ret - t_fc) / (t_ret - t_s), rel=1e-9)
    assert row["free_cooling_kw"] > q * (30.0 - t_fc) / (30.0 - t_s) * 1.1  # not the design 30 C
    assert row["chiller_kw"] == pytest.approx(q - row["free_cooling_kw"], rel=1e-9)
    assert r["res_chillers"]["load_kw"].sum() == pytest.approx(row["chiller_kw"], rel=1e-9)
    assert abs(r.kpis["loop_balance_residual_kw"]) < 1e-6


def _pumped_minimal(rated):
    doc = yaml.safe_load(open(MINIMAL).read())
    c = doc["cooling"]
    c["pumps"] = [{"id": "FWS-P1", "loop": "FWS", "from": "s", "to": "d", "head_kpa": 150.0}]
    c["pumps"][0]["flow_m3_s"] = rated
    c["pipes"] = [
        {"id": "FWS-X", "loop": "FWS", "from": "d", "to": "s", "length_m": 10.0}
        | {"diameter_m": 0.1}
    ]
    return _twin(doc)


@pytest.mark.parametrize("rated", [0.0001, 0.001])
def test_return_is_the_flow_weighted_mix_of_the_cdu_streams(rated):
    """One CDU on the facility loop: the return is its facility stream mixed with the water
    that bypassed it (at the supply temperature), plus the heat put straight into the loop
    (UPS losses, the pump), all at the flow the pump moves."""
    tw = _pumped_minimal(rated)
    r = run(tw, Scenario(t_db_c=5.0, t_wb_c=3.0))
    row = r["res_loops"].loc["FWS"]
    m = _flow(tw, r, "FWS")
    cd = r["res_cdus"]
    m_cdu = cd["facility_flow_m3_s"].to_numpy(float)
    t_cdu = cd["t_fws_return_c"].to_numpy(float)
    assert m_cdu.sum() <= m * (1 + 1e-9)
    t_s = row["t_supply_c"]
    direct_kw = row["q_kw"] - cd["load_kw"].sum()
    assert direct_kw > 0  # the UPS and the pump
    mix = (np.sum(m_cdu * t_cdu) + (m - m_cdu.sum()) * t_s) / m + direct_kw / (RHO_CP * m)
    assert row["t_return_c"] == pytest.approx(mix, abs=1e-9)
    short = rated < 0.001
    assert bool(row["t_return_c"] > t_s + 10.0 + 1.0) is short
    assert ("FWS" in set(r.violations["component"])) is short


def test_adequate_pumps_return_at_the_design_rise(layouts_dir):
    """Stock ai-factory-hall: the variable-speed pumps follow the heat (their own included)
    at the design rise, so the return is the design return and nothing is flagged."""
    tw = _twin(_doc(layouts_dir / "ai-factory-hall.yaml"))
    r = run(tw)
    row = r["res_loops"].loc["H1-FWS"]
    m = _flow(tw, r, "H1-FWS")
    assert r["res_pumps"].loc["H1-FWS-P1", "speed"] < 1.0
    assert row["t_return_c"] == pytest.approx(30.0, abs=1e-9)
    assert row["q_kw"] == pytest.approx(RHO_CP * m * 10.0, rel=1e-9)
    assert "H1-FWS" not in set(r.violations["component"])


def test_loop_balance_catches_a_return_left_at_the_design_rise(small, monkeypatch):
    """A plant reporting the design return while the pumps move less water: the loop's
    heat is not what its water carries, and the check says so (it read 0 before)."""
    run(small)  # the cached start of the iteration, before anything is broken
    real = coupled.solve_plant

    def design_return(*a, **kw):
        p = real(*a, **kw)
        loops = p.res_loops.copy()
        dt = small.loops["dt_design_k"].reindex(loops.index).to_numpy(float)
        loops["t_return_c"] = loops["t_supply_c"] + dt
        return dataclasses.replace(p, res_loops=loops)

    monkeypatch.setattr(coupled, "solve_plant", design_return)
    r = run(small)
    row = r["res_loops"].loc["H1-FWS"]
    carried = RHO_CP * row["flow_m3_s"] * 10.0
    assert r.kpis["loop_balance_residual_kw"] == pytest.approx(row["q_kw"] - carried, rel=1e-6)
    assert r.kpis["loop_balance_residual_kw"] > 5000.0
    assert "not_balanced" in set(r.violations["kind"])
