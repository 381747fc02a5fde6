"""What a water loop's pumps move at full speed with one of them out: the pump group's
capacity in the fast cooling N-1 (`twin.scenarios.cooling_groups`).

A pump's rated flow is not what it moves in its loop: the pipe network's resistance sets the
operating point on the pump curve (`twin.solve.hydraulics`: H = s^2 H0 - k Q^2, H0 the
layout's head_kpa, rated flow at 75 % of it). The coupled solve reports each running pump's speed s and flow;
the network's full-speed flow is flow / s (its flows scale with speed). With n identical
pumps in parallel on a network of resistance R (H = R Q^2, fitted to that full-speed point),
the n - 1 left at full speed move ``Q = sqrt(H0 / (R + k / (n - 1)^2))``. On the reference
hall's facility loop (two 0.38 m3/s pumps) that is 0.3197 m3/s against 0.3190 from the full
hydraulic solve with one pump failed: the friction factor rises at the lower flow, so the
estimate is derated by `DERATE`. Each pump's capacity in the screen is its share of that flow,
so losing any one leaves the group exactly that capacity; a group the rule cannot read (one
pump, a pump not in a network or not running) keeps the rated flows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.solve.hydraulics import pump_k

DERATE = 0.98
"""Share of the estimated flow the screen counts on [est: the fixed-resistance estimate was
0.25 % above the full hydraulic solve on the reference hall; 8 times that]."""


def n1_capacity_m3_s(pumps: pd.DataFrame, res_pumps: pd.DataFrame | None) -> pd.Series:
    """Per pump (m3/s): its share of what the others of its loop move at full speed with one
    out (module docstring); its rated flow where that cannot be read."""
    rated = pumps["flow_m3_s"].astype(float)
    need = {"running", "speed", "flow_m3_s", "networked"}
    if res_pumps is None or not len(pumps) or not need <= set(res_pumps.columns):
        return rated
    r = res_pumps.reindex(pumps.index)
    ok = (r["running"] == True) & (r["networked"] == True) & (r["speed"] > 0)  # noqa: E712
    h0 = pumps["head_kpa"].astype(float)  # shut-off head, as the hydraulics reads it
    k = pd.Series(pump_k(pumps["head_kpa"].astype(float), rated), index=pumps.index)
    full = (r["flow_m3_s"] / r["speed"]).where(ok, 0.0)
    by = pd.DataFrame({"loop": pumps["loop"], "ok": ok, "full": full, "h0": h0, "k": k})
    g = by.groupby("loop")
    n = g["ok"].sum().astype(float)
    every = g["ok"].all()
    q_n = g["full"].sum()
    h0_l, k_l = g["h0"].mean(), g["k"].mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        r_net = (h0_l - k_l * (q_n / n) ** 2) / q_n**2
        q_left = np.sqrt(h0_l / (r_net + k_l / (n - 1.0) ** 2)) * DERATE
        per = q_left / (n - 1.0)
    usable = every & (n >= 2) & np.isfinite(per) & (per > 0) & (r_net > 0)
    per = per.where(usable)
    return per.reindex(pumps["loop"]).set_axis(pumps.index).fillna(rated)
