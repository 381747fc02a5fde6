"""Tokens and money from a solved layout: tokens/s, tokens per MW, J/token, cost per million tokens.

Everything follows from the solve's rack powers (`res_racks.p_kw`, the power
actually delivered), its `facility_kw` (IT + distribution losses + cooling,
so PUE is included) and the catalogue (`twin.metrics.catalogue`):

- rack tokens/s = full-power tokens/s x throughput_fraction(p_kw / design kW); an unfed rack makes none;
- tokens per MW = tokens/s / MW (of IT, or of facility power);
- J per token = kW x 1000 / tokens/s;
- cost per year = rack capex / lifetime + facility capex x design IT kW / depreciation
  + opex x design IT kW + facility kWh x price, with kWh = facility_kw x 8760 h x load_factor
  (the solved point all year), or it_kw x annual PUE x 8760 h x load_factor when an annual
  PUE over a weather year is given (`twin.metrics.pue.annual`);
- USD per million tokens = cost per year / (tokens/s x 3600 x 8760 x load_factor) x 1e6.

Capex and opex scale with what is built (design IT), not with a power cap.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from twin.layout.schema import Economics
from twin.metrics.catalogue import rack_catalogue, rack_throughput_fraction
from twin.solve.results import Results, efficiency_kpis

HOURS_PER_YEAR = 8760.0
SECONDS_PER_HOUR = 3600.0


def rack_tokens(twin, results: Results) -> pd.DataFrame:
    """Per rack: accelerator, design and solved kW, power fraction, tokens/s, capex."""
    cat = rack_catalogue(twin)
    rr = results.tables.get("res_racks")
    if rr is None or "p_kw" not in rr:
        raise ValueError("results have no res_racks.p_kw; solve with twin.solve.run first")
    p_kw = rr["p_kw"].reindex(cat.index).fillna(0.0).astype(float)
    fed = rr["fed"].reindex(cat.index).fillna(False) if "fed" in rr else True
    design = cat["design_kw"].to_numpy()
    frac = pd.Series(
        np.divide(p_kw.to_numpy(), design, out=np.zeros(len(design)), where=design > 0),
        index=cat.index,
    )
    out = cat.copy()
    out["p_kw"] = p_kw
    out["power_fraction"] = frac
    out["tokens_s"] = (
        cat["tokens_s_full"] * rack_throughput_fraction(twin, frac) * np.asarray(fed, dtype=float)
    )
    return out


def economics(
    twin, results: Results, prices: Economics | None = None, annual_pue: float | None = None
) -> dict[str, float]:
    """Headline numbers of one solved scenario (see the module docstring for the formulas).

    `annual_pue` prices the energy over a weather year instead of at the solved point.
    """
    prices = prices or twin.layout.economics
    racks = rack_tokens(twin, results)
    k = results.kpis
    it_kw = float(k.get("it_kw", racks["p_kw"].sum()))
    facility_kw = float(k.get("facility_kw", np.nan))
    tokens_s = float(racks["tokens_s"].sum())
    design_it_kw = float(twin.racks["power_kw"].sum())
    hours = HOURS_PER_YEAR * prices.load_factor
    life = racks["lifetime_years"].to_numpy()
    capex_racks = float(np.nansum(racks["capex_usd"].to_numpy() / np.where(life > 0, life, np.nan)))
    capex_facility = prices.facility_capex_usd_per_kw * design_it_kw / prices.depreciation_years
    opex = prices.opex_usd_per_kw_year * design_it_kw
    pue = (
        float(k["pue"])
        if "pue" in k
        else efficiency_kpis(
            it_kw, facility_kw, heat_unremoved_kw=float(k.get("heat_unremoved_kw", 0.0))
        )["pue"]
    )
    # a solve with no PUE while IT runs (no solution, or heat left unremoved) has no
    # facility power to price either: the cooling that would hold it is not in it, so
    # a failure that cannot last read as more tokens per MW than normal operation
    priced_kw = facility_kw if math.isfinite(pue) or not it_kw > 0 else float("nan")
    energy_kwh = (it_kw * annual_pue if annual_pue else priced_kw) * hours
    energy = energy_kwh * prices.energy_price_usd_per_kwh
    cost = capex_racks + capex_facility + opex + energy
    tokens_year = tokens_s * SECONDS_PER_HOUR * hours
    co2 = float(k.get("supply_co2_kg_per_kwh", twin.layout.site.grid_co2_kg_per_kwh))

    def per(a: float, b: float) -> float:
        return a / b if b > 0 else float("nan")

    return {
        "tokens_s": tokens_s,
        "it_kw": it_kw,
        "facility_kw": facility_kw,
        "design_it_kw": design_it_kw,
        "grid_kw": twin.layout.site.grid_mw * 1000.0,
        # the solve's own PUE where it has one: NaN when its result is no solution
        # (not_converged, ...) or heat stays unremoved, as `twin solve` and tenants say
        "pue": pue,
        "annual_pue": float(annual_pue) if annual_pue else float("nan"),
        "tokens_s_per_mw_it": per(tokens_s, it_kw / 1000.0),
        "tokens_s_per_mw_facility": per(tokens_s, priced_kw / 1000.0),
        "j_per_token_it": per(it_kw * 1000.0, tokens_s),
        "j_per_token_facility": per(priced_kw * 1000.0, tokens_s),
        "tokens_per_year": tokens_year,
        "capex_racks_usd_per_year": capex_racks,
        "capex_facility_usd_per_year": capex_facility,
        "opex_usd_per_year": opex,
        "energy_usd_per_year": energy,
        "cost_usd_per_year": cost,
        "usd_per_mtok": per(cost * 1e6, tokens_year),
        "energy_usd_per_mtok": per(energy * 1e6, tokens_year),
        # at the solve's supply (grid and generators, as its CUE); else the grid's factor
        "co2_g_per_mtok": per(energy_kwh * co2 * 1e9, tokens_year),
    }


def by_accelerator(twin, results: Results) -> pd.DataFrame:
    """Racks, kW and tokens/s per accelerator type ('' = racks without one)."""
    r = rack_tokens(twin, results)
    g = r.groupby("accelerator")
    out = g.agg(racks=("p_kw", "size"), p_kw=("p_kw", "sum"), tokens_s=("tokens_s", "sum"))
    out["tokens_s_per_mw_it"] = out["tokens_s"] / (out["p_kw"] / 1000.0).where(out["p_kw"] > 0)
    return out
