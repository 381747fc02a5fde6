"""Issue 13: a result that is not converged, finite and balanced never leaves the solver as
a normal result; it is a violation with the residual.

Degraded cases are made by editing the Twin's tables (what an API user or a what-if
does; the layout validator refuses some of them at the boundary), so they reach the
solver whatever the file format accepts.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from twin.cli.solve import to_json
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import coupled, power, run
from twin.solve.airflow import crac_cop
from twin.solve.power_sweep import TOL_PU
from twin.solve.results import (
    BALANCE_REL_TOL,
    SOLVER_KINDS,
    efficiency_kpis,
    non_finite_violations,
)

RATIOS = ("pue", "ppue_cooling", "wue_l_per_kwh", "cue_kg_per_kwh")
FLOW_KINDS = ("no_flow", "reversed_pump")


def edited(twin: Twin, table: str, edit) -> Twin:
    """A new Twin whose `table` is `edit(copy of the table)` (the original is untouched)."""
    t = getattr(twin, table).copy()
    return dataclasses.replace(twin, **{table: edit(t)})


def set_col(col: str, value, rows=None):
    def edit(t):
        if rows is None:
            t[col] = value
        else:
            t.loc[rows, col] = value
        return t

    return edit


def conserved(r) -> None:
    """IT + losses + cooling power = facility = heat rejected + heat unremoved (1e-6 rel)."""
    k = r.kpis
    supplied = k["it_kw"] + k["losses_kw"] + k["cooling_kw"]
    assert supplied == pytest.approx(k["facility_kw"], rel=1e-6, abs=1e-6)
    assert k["heat_rejected_kw"] + k["heat_unremoved_kw"] == pytest.approx(
        k["facility_kw"], rel=1e-6, abs=1e-6
    )
    assert abs(k["loop_balance_residual_kw"]) <= 1e-6 * k["facility_kw"] + 1e-6


def kinds(r, component=None) -> set[str]:
    v = r.violations
    if component is not None:
        v = v[v["component"] == component]
    return set(v["kind"])


def json_of(twin, r) -> dict:
    text = to_json(twin, r)
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))


@pytest.fixture(scope="module")
def hall(layouts_dir) -> Twin:
    return Twin.load(layouts_dir / "ai-factory-hall.yaml")


# ------------------------------------------------------------------ normal results


def test_reference_layouts_are_normal_results(reference_twin):
    r = run(reference_twin)
    k = r.kpis
    assert k["power_converged"] == 1.0 and k["power_residual_pu"] < TOL_PU
    assert k["coupled_converged"] == 1.0 and k["pipe_converged"] == 1.0
    assert not kinds(r) & {*SOLVER_KINDS, *FLOW_KINDS}
    assert k["heat_unremoved_kw"] == 0.0
    for key in ("power_balance_residual_kw", "energy_balance_residual_kw"):
        assert abs(k[key]) < BALANCE_REL_TOL * k["facility_kw"]
    conserved(r)
    assert all(math.isfinite(k[x]) for x in RATIOS)
    assert (r["res_pumps"]["direction"] == 1).all()


# ------------------------------------------------------------------ 1. power flow


def long_cable(twin: Twin, metres: float) -> Twin:
    return edited(twin, "pdus", set_col("cable_length_m", metres, rows="PDU-1"))


def test_power_flow_that_cannot_converge_is_a_violation_with_its_residual(small_room):
    """10 km of PDU cable: no AC solution (pandapower raises LoadflowNotConverged too)."""
    tw = long_cable(small_room, 10_000.0)
    r = run(tw)
    k = r.kpis
    assert k["power_converged"] == 0.0 and k["power_sweeps"] == 100
    v = r.violations
    row = v[v["kind"] == "not_converged"].iloc[0]
    assert v.index[v["kind"] == "not_converged"][0] == 0  # shown first
    assert row["component"] == "PDU-1"
    assert row["value"] == pytest.approx(k["power_residual_pu"]) and row["value"] > 1e-3
    assert row["limit"] == TOL_PU and row["unit"] == "pu"
    assert "did not converge after 100 sweeps" in row["message"]
    assert "PDU-1" in row["message"] and "cable" in row["message"]
    assert k["power_residual_kw"] > 1.0
    # no efficiency figure from a non-solution; the JSON is strict and says null
    assert all(math.isnan(k[x]) for x in (*RATIOS, "ppue_power"))
    data = json_of(tw, r)
    assert data["pue"] is None and data["power_converged"] == 0
    assert data["violations"][0]["kind"] == "not_converged"


def test_solution_below_the_collapse_voltage_is_not_normal(small_room, monkeypatch):
    """2.5 km converges at 0.557 pu (pandapower agrees, below); were the collapse floor
    0.6 pu, that would be a collapsed bus, not an undervoltage."""
    tw = long_cable(small_room, 2_500.0)
    r = power.solve_power(tw)
    assert r.kpis["power_converged"] == 1.0
    assert 0.5 < r.kpis["min_vm_pu"] < 0.6
    monkeypatch.setattr(power, "V_COLLAPSE_PU", 0.6)
    r = power.solve_power(tw)
    assert r.kpis["power_converged"] == 0.0
    row = r.violations[r.violations["kind"] == "not_converged"].iloc[0]
    assert row["component"] == "PDU-1" and row["limit"] == 0.6
    assert row["value"] == pytest.approx(r.kpis["min_vm_pu"])
    assert "voltage collapse" in row["message"]


@pytest.mark.parametrize(
    ("metres", "converges"), [(2_000.0, True), (2_500.0, True), (2_700.0, False), (10_000.0, False)]
)
def test_pandapower_fails_exactly_where_twin_says_not_converged(small_room, metres, converges):
    pp = pytest.importorskip("pandapower")
    from twin.interop.pandapower import to_pandapower

    tw = long_cable(small_room, metres)
    r = power.solve_power(tw)
    assert r.kpis["power_converged"] == float(converges)
    net = to_pandapower(tw, Scenario())
    if converges:
        pp.runpp(net, init="flat", numba=False, max_iteration=50)
        assert net.res_bus["vm_pu"].min() == pytest.approx(r.kpis["min_vm_pu"], abs=2e-3)
    else:
        with pytest.raises(pp.LoadflowNotConverged):
            pp.runpp(net, init="flat", numba=False, max_iteration=50)


# ------------------------------------------------------------------ 2. pumps


def test_piped_loop_without_pumps_moves_no_heat(hall):
    """Pumps removed (the validator refuses that in a file): no flow, not a better PUE."""
    tw = edited(hall, "pumps", lambda t: t.iloc[:0])
    r = run(tw)
    k = r.kpis
    v = r.violations
    (row,) = v[v["kind"] == "no_flow"].itertuples()
    assert row.component == "H1-FWS" and row.value <= 0 and row.unit == "m3/s"
    assert "no pump" in row.message
    assert not r["res_cdus"]["running"].any() and not r["res_crahs"]["running"].any()
    # every powered rack: its heat has nowhere to go, so it trips, and it is told why
    racks = v[(v["kind"] == "thermal_shutdown") & v["component"].isin(tw.racks.index)]
    powered = tw.racks.index[tw.racks["power_kw"] > 0]
    assert set(racks["component"]) == set(powered)
    assert racks["message"].str.contains("nowhere to go").all()
    assert k["it_shutdown_kw"] == pytest.approx(tw.racks["power_kw"].sum())
    assert k["it_kw"] == 0 and k["heat_unremoved_kw"] > 0  # the UPS heat in H1-FWS stays
    assert all(math.isnan(k[x]) for x in RATIOS)  # never a better PUE than the real hall
    conserved(r)


def swap_pumps(twin: Twin, ids) -> Twin:
    def edit(t):
        t.loc[ids, ["from_node", "to_node"]] = t.loc[ids, ["to_node", "from_node"]].to_numpy()
        return t

    return edited(twin, "pumps", edit)


def test_reversed_pump_is_reported_and_cancels_the_good_one(hall):
    tw = swap_pumps(hall, ["H1-FWS-P2"])
    r = run(tw)
    assert r["res_pumps"]["direction"].tolist() == [1, -1]
    assert kinds(r, "H1-FWS-P2") == {"reversed_pump"}
    assert "no_flow" in kinds(r, "H1-FWS")  # equal pumps against each other: no net flow
    assert abs(r["res_pipes"].at["H1-FWS-MS", "flow_m3_s"]) < 1e-6
    assert r.kpis["heat_unremoved_kw"] > 0.95 * r.kpis["it_kw"]
    assert math.isnan(r.kpis["pue"])
    conserved(r)


def test_both_pumps_reversed_drive_the_circuit_backwards(hall):
    tw = swap_pumps(hall, ["H1-FWS-P1", "H1-FWS-P2"])
    r = run(tw)
    v = r.violations
    assert set(v.loc[v["kind"] == "reversed_pump", "component"]) == {"H1-FWS-P1", "H1-FWS-P2"}
    (row,) = v[v["kind"] == "no_flow"].itertuples()
    assert row.value < 0 and "backwards" in row.message
    assert (r["res_pipes"]["flow_m3_s"] < 0).all()  # every pipe against its declared way
    assert r.kpis["heat_unremoved_kw"] > 0.95 * r.kpis["it_kw"]
    conserved(r)


# ------------------------------------------------------------------ 3. capacity


def test_dx_crac_short_of_capacity_leaves_heat_and_draws_full_load(small_room):
    """Three 40 kW CRACs for ~190 kW: before, all heat 'removed' and PUE 1.449 -> 1.279."""
    tw = edited(small_room, "crahs", set_col("capacity_kw", 40.0))
    r = run(tw)
    c = r["res_crahs"]
    cap = tw.crahs["capacity_kw"]
    short = c["load_kw"] - cap
    assert (short > 0).all()
    assert c["unremoved_kw"].to_numpy() == pytest.approx(short.to_numpy())
    assert c["removed_kw"].to_numpy() == pytest.approx(cap.to_numpy())
    full_load = cap / crac_cop(tw.crahs["t_supply_c"])
    assert c["compressor_kw"].to_numpy() == pytest.approx(full_load.to_numpy())
    v = r.violations
    unc = v[(v["kind"] == "uncooled") & v["component"].isin(tw.crahs.index)]
    assert unc.set_index("component")["value"].to_dict() == pytest.approx(short.to_dict())
    assert r.kpis["heat_unremoved_kw"] == pytest.approx(short.sum(), rel=1e-9)
    assert math.isnan(r.kpis["pue"])
    conserved(r)


def test_chillers_short_run_flat_out_and_the_rest_is_unremoved(hall):
    tw = edited(hall, "chillers", set_col("capacity_kw", 1000.0))
    r = run(tw)
    ch = r["res_chillers"]
    on = ch[ch["on"]]
    assert len(on) == 5 and np.allclose(on["plr"], 1.0)  # flat out, never above
    assert (ch["load_kw"] <= ch["capacity_avail_kw"] * (1 + 1e-9)).all()
    v = r.violations
    (row,) = v[(v["kind"] == "uncooled") & (v["component"] == "H1-FWS")].itertuples()
    assert row.value == pytest.approx(r.kpis["heat_unremoved_kw"], rel=1e-9)
    assert "full capacity" in row.message
    assert r["res_loops"].at["H1-FWS", "unremoved_kw"] == pytest.approx(row.value)
    # what they carry + what they do not = what reached the loop
    q = r["res_loops"].at["H1-FWS", "q_kw"]
    carried = ch["load_kw"].sum() + r["res_dry_coolers"]["load_kw"].sum()
    assert carried + row.value == pytest.approx(q, rel=1e-9)
    assert math.isnan(r.kpis["pue"])
    conserved(r)


def test_free_cooling_past_capacity_runs_warm_and_removes_the_heat():
    """A dry-cooler-only loop at twice its capacity: the approach doubles (fixed UA at
    full fans), the heat still goes (a heat exchanger, not a compressor)."""
    import yaml

    from twin.layout import loads

    doc = yaml.safe_load(open("tests/layout/minimal.yaml").read())
    doc["cooling"]["dry_coolers"][0]["capacity_kw"] = 20.0
    tw = Twin.from_layout(loads(yaml.safe_dump(doc)))
    r = run(tw, Scenario(t_db_c=15.0, t_wb_c=10.0))
    loop = r["res_loops"].loc["FWS"]
    approach = tw.dry_coolers["approach_k"].iat[0]
    expected = 15.0 + approach * loop["q_kw"] / 20.0
    assert loop["q_kw"] > 20.0 and expected > loop["t_setpoint_c"]
    assert loop["t_supply_c"] == pytest.approx(expected, rel=1e-9)
    assert "coolant_temperature" in kinds(r, "FWS")
    assert r.kpis["heat_unremoved_kw"] == 0.0 and math.isfinite(r.kpis["pue"])
    conserved(r)


# ------------------------------------------------------------------ 4. checks


def test_coupling_that_does_not_settle_is_not_converged(small_room):
    r = run(small_room, Scenario.fail("CRAC-1"), max_iter=1)
    assert r.kpis["coupled_converged"] == 0.0
    row = r.violations[r.violations["kind"] == "not_converged"].iloc[0]
    assert row["component"] == "site" and row["value"] == r.kpis["coupled_residual_kw"]
    assert row["value"] > row["limit"]
    assert math.isnan(r.kpis["pue"])
    assert run(small_room, Scenario.fail("CRAC-1")).kpis["coupled_converged"] == 1.0


def _unique(hall: Twin) -> Twin:
    """A Twin no other test shares (solver caches are keyed by content)."""
    return edited(hall, "racks", set_col("power_kw", 131.5, rows=hall.racks.index[0]))


def test_nan_in_a_result_table_is_a_violation_and_json_stays_valid(hall, monkeypatch):
    tw = _unique(hall)
    run(tw)  # the cached start of the iteration, before anything is broken
    real = coupled.solve_plant

    def broken(*a, **kw):
        p = real(*a, **kw)
        p.res_chillers["p_kw"] = np.nan
        p.res_dry_coolers["t_water_c"] = np.inf
        return p

    monkeypatch.setattr(coupled, "solve_plant", broken)
    r = run(tw)
    v = r.violations[r.violations["kind"] == "non_finite"]
    msgs = " ".join(v["message"])
    assert "res_chillers.p_kw is nan" in msgs and "res_dry_coolers.t_water_c is inf" in msgs
    assert set(v["component"]) >= {"H1-CH1", "H1-DC1"}
    assert math.isnan(r.kpis["pue"])
    data = json_of(tw, r)
    assert data["pue"] is None and any(x["kind"] == "non_finite" for x in data["violations"])


def test_energy_that_vanishes_is_not_balanced(hall, monkeypatch):
    tw = _unique(hall)
    run(tw)
    real = coupled.solve_plant

    def leaky(*a, **kw):
        p = real(*a, **kw)
        return dataclasses.replace(p, ambient_kw=p.ambient_kw - 10.0)  # 10 kW lost

    monkeypatch.setattr(coupled, "solve_plant", leaky)
    r = run(tw)
    row = r.violations[r.violations["kind"] == "not_balanced"].iloc[0]
    assert row["value"] == pytest.approx(-10.0, abs=1e-3)
    assert row["value"] == pytest.approx(r.kpis["energy_balance_residual_kw"])
    assert "heat out" in row["message"]
    assert math.isnan(r.kpis["pue"])


def test_non_finite_rules():
    import pandas as pd

    t = pd.DataFrame(
        {
            "p_kw": [1.0, np.nan],
            "t_supply_c": [np.nan, 20.0],  # undefined temperature: allowed
            "vm_pu": [np.inf, 1.0],  # inf never
        },
        index=["A", "B"],
    )
    rows = non_finite_violations(
        {"res_x": t}, {"facility_kw": np.nan, "power_failover_margin_kw": np.inf}
    )
    got = {(r["component"], r["message"].split(" is ")[0]) for r in rows}
    assert got == {("B", "res_x.p_kw"), ("A", "res_x.vm_pu"), ("site", "kpi facility_kw")}


def test_efficiency_is_undefined_while_heat_is_not_removed():
    k = efficiency_kpis(1000.0, 1200.0, 1.0, 0.4, cooling_kw=150.0, power_loss_kw=50.0)
    assert k["pue"] == pytest.approx(1.2)
    k = efficiency_kpis(
        1000.0, 1100.0, 1.0, 0.4, cooling_kw=50.0, power_loss_kw=50.0, heat_unremoved_kw=100.0
    )
    assert all(math.isnan(k[x]) for x in RATIOS)
    assert k["ppue_power"] == pytest.approx(1.05)  # the power chain is still measured


def test_every_named_kind_set_is_made_of_declared_kinds():
    """One declaration of the violation kinds (`VIOLATION_KINDS`): the sets that pick
    kinds out by name (solver trust, no steady state, trip causes, hot racks, 3D marks,
    headroom's covered limits) must not name a kind no solve writes; a misspelt
    'under_voltage' sorted every undervoltage last in `twin solve`."""
    from twin.app.components import MARK_TEXT
    from twin.metrics.headroom_constraints import _COVERED
    from twin.scenarios.scenario import HOT_KINDS
    from twin.solve.consequence import CAUSE_KINDS
    from twin.solve.results import NOT_STEADY, SOLVER_KINDS, VIOLATION_KINDS

    assert len(set(VIOLATION_KINDS)) == len(VIOLATION_KINDS)
    for kinds in (SOLVER_KINDS, NOT_STEADY, CAUSE_KINDS, HOT_KINDS, MARK_TEXT, _COVERED):
        assert set(kinds) <= set(VIOLATION_KINDS), set(kinds) - set(VIOLATION_KINDS)
