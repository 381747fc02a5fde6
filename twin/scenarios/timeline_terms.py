"""What a timeline reads off its solved steps: the demand a meter bills, the IT the coupled
solve could not serve, the plant's water and economiser terms, and the lowest grid cap a
battery holds (`twin.scenarios.timeline.simulate` calls each once per run)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.solve.timeline_response import Response, evaluate_groups
from twin.solve.timeline_storage import Store, dispatch

DEMAND_INTERVAL_S = 900.0
"""Billing demand interval, s: the demand charge is on the highest 15 min mean import
[est: most US tariffs meter 15 min (some 30 min) interval demand, NREL/TP-6A20-68963]."""


def billing_demand(grid_kw: np.ndarray, t0: np.ndarray, dt: float):
    """Demand a meter bills (kW) and each value's start (s): the mean import over
    `DEMAND_INTERVAL_S` windows from the start where steps are shorter (a 1 s run's 1 s
    peaks are not demand: the charge would depend on the step), else the steps."""
    if dt >= DEMAND_INTERVAL_S:
        return grid_kw, t0
    win = np.floor(t0 / DEMAND_INTERVAL_S + 1e-9).astype(np.int64)
    means = pd.Series(grid_kw).groupby(win).mean()
    return means.to_numpy(), means.index.to_numpy(float) * DEMAND_INTERVAL_S


def unserved(steps: pd.DataFrame) -> np.ndarray:
    """IT the coupled solve could not serve at each step's load (racks unfed or tripped at
    that load and weather): `it_lost_kw` less the outage's own causes (racks shut down by
    heat, `it_tripped_kw`; dropped with an empty UPS battery, `it_dropped_kw`)."""
    out = steps["it_lost_kw"].to_numpy(float)
    for c in ("it_tripped_kw", "it_dropped_kw"):
        if c in steps:
            out = out - steps[c].to_numpy(float)
    return np.maximum(out, 0.0)


def plant_terms(resp: Response, it, steps: pd.DataFrame, design, t_db, t_wb=None) -> dict:
    """Tower make-up water (m3/h), economiser and chiller heat (kW) at each step, from the same
    fitted response and loads the solve used: each hall's IT (after caps) scaled so the
    halls add up to what the power chain carried before IT the site could not serve
    (`chain_kw + it_lost_kw`; equal to the IT without rack stores). Zeros from a response
    fitted without them."""
    chain = steps["chain_kw"].to_numpy(float) + unserved(steps)
    tot = it.sum(axis=1)
    scale = np.divide(chain, tot, out=np.ones_like(chain), where=tot > 0)
    r = evaluate_groups(resp, it * scale[:, None], design, t_db, t_wb)
    zero = np.zeros(len(chain))
    return {k: r.get(k, zero) for k in ("water_m3_h", "free_cooling_kw", "chiller_heat_kw")}


def lowest_cap(facility_kw: np.ndarray, dt: float, bess: Store, no_charge=None) -> float:
    """The lowest grid import cap `bess` holds at every step (bisection on the dispatch,
    to 1e-6 of the peak): the peak-shaving default, and the answer to "what peak does this
    BESS buy"."""
    lo, hi = float(facility_kw.mean()), float(facility_kw.max())
    for _ in range(40):
        if hi - lo <= 1e-6 * max(abs(hi), 1.0):
            break
        mid = 0.5 * (lo + hi)
        g = dispatch(facility_kw[:, None], dt, [bess], cap_kw=mid, no_charge=no_charge)["grid_kw"]
        if g.max() <= mid * (1 + 1e-9) + 1e-6:
            hi = mid
        else:
            lo = mid
    return hi
