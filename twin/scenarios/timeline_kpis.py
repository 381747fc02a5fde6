"""The headline figures of one `twin.scenarios.timeline` run: energies, ratios, costs, carbon,
tokens, storage and the outage's figures, from its steps and the solved energies (split
out of `twin.scenarios.timeline`, which re-exports `FREE_COOLING_TOL`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.solve.results import efficiency_kpis
from twin.solve.timeline import Solved

FREE_COOLING_TOL = 1e-6
"""A free-cooling step: economisers reject heat and chillers at most this share of it
(the fitted response interpolates; a step next to a grid point with chillers on is not)."""


def run_kpis(steps, solved, dt, kwh, price, demand_usd, produced, lost, bess, violations):
    """The run's figures from its steps (`dt` s each), the solved energies, the energy's
    kWh and price per step, the demand charge, tokens produced and lost per group, the
    site battery and the violations."""
    e = solved.energy
    grid = steps["grid_kw"].to_numpy()
    ramp = np.abs(np.diff(grid)) / dt if len(grid) > 1 else np.zeros(1)
    fac_mwh = float(steps["facility_kw"].sum()) * dt / 3.6e6
    water_m3 = float(steps["water_m3_h"].sum()) * dt / 3600.0
    fc, ch = steps["free_cooling_kw"].to_numpy(), steps["chiller_heat_kw"].to_numpy()
    free_h = float(np.count_nonzero((fc > 0) & (ch <= FREE_COOLING_TOL * (fc + ch)))) * dt / 3600
    ratios = efficiency_kpis(
        e["it_mwh"],
        fac_mwh,
        cooling_kw=e["cooling_mwh"],
        power_loss_kw=e["losses_mwh"],
        heat_unremoved_kw=float(steps["unremoved_kw"].sum()) * dt / 3.6e6,
        water_m3_h=water_m3 / 1000.0,  # thousands of m3 against MWh: the ratio is L/kWh
    )
    if not steps["trusted"].all():  # as the coupled solve does: no trustworthy point, no ratio
        ratios["pue"] = ratios["wue_l_per_kwh"] = float("nan")
    energy_usd = float((kwh * price).sum())
    mean_price = float(np.mean(np.broadcast_to(np.asarray(price, float), np.shape(kwh))))
    stored_usd = -e["stored_change_mwh"] * 1000.0 * mean_price
    soc = solved.soc_kwh
    return {
        "hours": len(grid) * dt / 3600.0,
        "steps": float(len(grid)),
        "dt_s": dt,
        "peak_grid_mw": float(grid.max()) / 1000.0,
        "mean_grid_mw": float(grid.mean()) / 1000.0,
        "max_ramp_mw_s": float(ramp.max(initial=0.0)) / 1000.0,
        # steps whose coupled solve is not a solution: every total over them is its last
        # iterate (`twin timeline` says NOT AN ANSWER before the figures)
        "untrusted_hours": float(np.count_nonzero(~steps["trusted"].to_numpy(bool))) * dt / 3600.0,
        "grid_mwh": e["grid_mwh"],
        "it_mwh": e["it_mwh"],
        "facility_mwh": fac_mwh,
        "losses_mwh": e["losses_mwh"],
        "cooling_mwh": e["cooling_mwh"],
        "storage_loss_mwh": e["storage_loss_mwh"],
        "stored_change_mwh": e["stored_change_mwh"],
        "pue": ratios["pue"],
        "water_m3": water_m3,
        "wue_l_per_kwh": ratios["wue_l_per_kwh"],
        "free_cooling_hours": free_h,
        "energy_cost_usd": energy_usd,
        "demand_charge_usd": demand_usd,
        # the change of stored energy (BESS, rack stores, UPS batteries) at the horizon's mean
        # energy price: a battery that ends emptier than it began spent energy that was
        # never bought (a 1 MWh BESS drawn from 90 % to 10 % read as a 12 % saving)
        "stored_energy_usd": stored_usd,
        "cost_usd": energy_usd + demand_usd + stored_usd,
        "carbon_t": float(steps["carbon_kg"].sum()) / 1000.0,
        "tokens": float(produced.sum()),
        "tokens_lost": float(lost.sum()),
        "bess_mwh": bess.energy_kwh / 1000.0 if bess else 0.0,
        "bess_mw": bess.power_kw / 1000.0 if bess else 0.0,
        "soc_min_frac": float(soc.min() / bess.energy_kwh)
        if bess and bess.energy_kwh > 0
        else np.nan,
        "soc_max_frac": float(soc.max() / bess.energy_kwh)
        if bess and bess.energy_kwh > 0
        else np.nan,
        "t_inlet_over_allowable_max_k": float(steps["t_inlet_over_allowable_k"].max()),
        "balance_residual_mwh": e["balance_residual_mwh"],
        "balance_residual_rel": e["balance_residual_rel"],
        "violations": float(len(violations)),
    }


def outage_kpis(st: pd.DataFrame, solved: Solved) -> dict[str, float]:
    """Generator energy, the loops' warming (`st`: the steps as reported) and heat balance;
    with an outage, the UPS batteries' lowest charge, first time to empty and the load they
    dropped."""
    e = solved.energy
    out = {
        "generator_mwh": e["generator_mwh"],
        "loop_warming_max_k": float(st["loop_warming_k"].to_numpy().max(initial=0.0)),
        "heat_balance_residual_rel": e["heat_balance_residual_rel"],
    }
    u = solved.ups
    if u is not None and len(u):
        out["ups_soc_min_frac"] = float(u["soc_min_frac"].min())
        out["ups_time_to_empty_min_s"] = float(u["time_to_empty_s"].min())
        out["load_dropped_mwh"] = float(u["dropped_kwh"].sum()) / 1000.0
    return out
