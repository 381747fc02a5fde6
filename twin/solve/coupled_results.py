"""The coupled solve's results: its power, air, liquid, hydraulic and plant tables joined,
its KPIs (energy balances, PUE and the other ratios at the supply's emission factor, the
solvers' convergence) and its trust rows first (split out of `twin.solve.coupled`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.solve import coupled_checks as checks
from twin.solve.results import (
    SOLVER_KINDS,
    Results,
    efficiency_kpis,
    non_finite_violations,
    supply_co2_kg_per_kwh,
    violations_frame,
)


def coupled_results(twin, scenario, pres, th, iterations, status, tol_kw) -> Results:
    """The `Results` of one coupled solve from its power results `pres` and thermal state
    `th` (`twin.solve.coupled._thermal`), after `iterations` with `status` (converged,
    residual kW) against `tol_kw`."""
    air, liq, hyd, plant = th["air"], th["liq"], th["hyd"], th["plant"]
    res_racks = pres["res_racks"].copy()
    res_racks["t_inlet_c"] = air.res_racks["t_inlet_c"]
    res_racks["t_inlet_max_c"] = air.res_racks["t_inlet_max_c"]
    res_racks["t_outlet_c"] = air.res_racks["t_outlet_c"]
    res_racks["t_coolant_supply_c"] = liq.t_coolant_supply_c
    res_racks["t_coolant_return_c"] = liq.t_coolant_return_c
    res_racks["coolant_flow_m3_s"] = liq.coolant_flow_m3_s
    for c in ("air_kw", "ashrae_class", "inlet_recommended", "inlet_allowable"):
        res_racks[c] = air.res_racks[c]
    res_loops = pd.concat([liq.res_loops, plant.res_loops])
    res_loops.index.name = "id"
    out = Results(scenario=scenario.name)
    out.tables.update(pres.tables)
    cooling_tables = {
        "res_racks": res_racks,
        "res_halls": air.res_halls,
        "res_crahs": air.res_crahs,
        "res_cdus": liq.res_cdus,
        "res_pipes": hyd.res_pipes,
        "res_pumps": hyd.res_pumps,
        "res_chillers": plant.res_chillers,
        "res_cooling_towers": plant.res_cooling_towers,
        "res_dry_coolers": plant.res_dry_coolers,
    }
    out.tables.update(cooling_tables)
    out.tables["res_loops"] = res_loops
    out.violations = pres.violations
    out.add(
        {},
        violations_frame(air.violations + liq.violations + plant.violations + th["violations"]),
    )

    k = pres.kpis
    it = float(k["it_kw"])
    facility = float(k["facility_kw"]) + th["off_chain_kw"]
    cooling = th["cooling_kw"]
    losses = th["loss_kw"]
    water = plant.water_m3_h
    fed = res_racks["p_kw"].to_numpy() > 0
    t_in = res_racks["t_inlet_max_c"].to_numpy()[fed & (air.res_racks["air_kw"].to_numpy() > 0)]
    t_cool = res_racks["t_coolant_return_c"].to_numpy()[fed]
    heat_out = th["ambient_kw"] + th["unremoved_kw"]
    kpis = dict(k)
    co2 = supply_co2_kg_per_kwh(twin.layout.site, k["utility_kw"], k["generator_kw"])
    kpis.update(
        {
            "it_kw": it,
            "electrical_input_kw": float(k["facility_kw"]),
            "facility_kw": facility,
            "cooling_kw": cooling,
            "cooling_off_chain_kw": th["off_chain_kw"],
            **efficiency_kpis(
                it,
                facility,
                water_m3_h=water,
                co2_kg_per_kwh=co2,
                cooling_kw=cooling,
                power_loss_kw=losses,
                heat_unremoved_kw=th["unremoved_kw"],
            ),
            "supply_co2_kg_per_kwh": co2,
            "t_inlet_max_c": float(np.nanmax(t_in)) if np.isfinite(t_in).any() else np.nan,
            "t_coolant_max_c": float(np.nanmax(t_cool)) if np.isfinite(t_cool).any() else np.nan,
            "water_m3_h": water,
            "free_cooling_kw": float(plant.res_loops["free_cooling_kw"].sum()),
            "heat_rejected_kw": th["ambient_kw"],
            "heat_unremoved_kw": th["unremoved_kw"],
            "energy_balance_residual_kw": heat_out - facility,
            "power_balance_residual_kw": facility - (it + losses + cooling),
            "loop_balance_residual_kw": checks.loop_balance(twin, liq, plant),
            "t_db_c": th["t_db_c"],
            "t_wb_c": th["t_wb_c"],
            "coupled_iterations": float(iterations),
            "coupled_converged": float(status[0]),
            "coupled_residual_kw": status[1],
            "pipe_iterations": float(hyd.iterations),
            "pipe_converged": float(hyd.converged),
            "pipe_residual_m3_s": hyd.residual_m3_s,
        }
    )
    out.kpis = kpis
    trust_rows = checks.trust_violations(twin, kpis, hyd, status, iterations, tol_kw)
    trust_rows += non_finite_violations(cooling_tables, kpis)
    trust_rows += non_finite_violations({"res_loops": liq.res_loops})
    trust_rows += non_finite_violations({"res_loops": plant.res_loops})
    if trust_rows:
        out.add({}, violations_frame(trust_rows))
    return out


def trust_first(out: Results) -> None:
    """Untrustworthy-result violations first; with any of them no efficiency figure."""
    kpis = out.kpis
    v = out.violations
    v = v[~((v["kind"] == "non_finite") & v.duplicated(["component", "kind", "message"]))]
    trust = v["kind"].isin(SOLVER_KINDS)
    first = np.r_[np.flatnonzero(trust), np.flatnonzero(~trust)]
    out.violations = v.iloc[first].reset_index(drop=True)  # untrustworthy-result kinds first
    if trust.any():
        # no trustworthy operating point: no efficiency figure either (the violations say why)
        for key in ("pue", "ppue_cooling", "ppue_power", "wue_l_per_kwh", "cue_kg_per_kwh"):
            kpis[key] = np.nan
