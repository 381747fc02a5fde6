"""Thermal consequence: a rack past its class limit throttles, further past it shuts down.

Servers protect themselves: above their rated inlet (or coolant) temperature
they slow down (clock and power throttling), and further above it they trip
their thermal shutdown. A solve that reports a rack 15 K over its allowable
inlet as merely "hot" counts IT that is not there, so every coupled solve
(`twin.solve.run`) applies this rule and re-solves with the racks it shut
down switched off until no more trip (a shutdown removes heat, so the set only
grows and settles in a pass or two):

- air side (racks with any air share): inlet at the top of the rack
  (``t_inlet_max_c``, its hottest intake, where the air model resolves it; the
  area mean otherwise) above the hall's ASHRAE class allowable maximum
  [REFERENCE 2] -> throttled; above it by more than `SHUTDOWN_MARGIN_K` -> shut
  down. The top servers see that air and protect themselves first; the rack's
  'over_temperature' violation reads the same number;
- liquid side (racks on a TCS loop): coolant supply above `COOLANT_LIMIT_C`
  -> throttled; above it by more than `SHUTDOWN_MARGIN_K` -> shut down; coolant
  return above `T_BOIL_WATER_C` (a loop whose CDUs move a fraction of the racks'
  flow: 17 % gave 110.9 °C on CDUs at a tenth of their capacity, every rack 'ok')
  -> shut down, no steady state: its cold plates would boil;
- a rack whose heat has nowhere to go (an 'uncooled' violation on the rack:
  no CRAH/CDU running, every running unit of its hall a DX CRAC whose compressor
  the outdoor air stopped, or its loop's water does not move) has no steady
  temperature: it heats until it trips, so it is shut down.

A throttled rack keeps its design power in the solve (conservative for the
cooling; the throughput it loses is not estimated) and counts as IT at
thermal risk. A shut-down rack counts as IT lost, with its demand before the
trip (`res_racks.p_shutdown_kw`), next to racks that lost their power feed.
The ride-through (`twin.solve.transient`) uses the same limits, so its times
to throttle and to shutdown end where this steady state starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from twin.solve.airflow import ASHRAE_C
from twin.solve.results import LOWER_BOUND_KPI, Results, no_steady_state, violation
from twin.solve.unfed_cause import name_unfed_causes
from twin.units import T_BOIL_WATER_C

COOLANT_LIMIT_C = 45.0
"""Warmest coolant supply a direct-to-chip rack is rated for: the W45 class bound
[REFERENCE 2; NVIDIA GB200-class racks are specified for warm water up to ~45 C, est]."""
SHUTDOWN_MARGIN_K = 10.0
"""Kelvin past the limit at which a rack trips instead of throttling [est: the
Rebellions NPU throttles at 75 C and aborts at 85 C, REFERENCE 6; the same 10 K gap
applied to inlet and coolant]."""
BEYOND = (
    "no steady state within the physical range (its cooling cannot carry its heat: see the "
    "violations of its loops and units)"
)
"""Said in place of a temperature solved above `T_BOIL_WATER_C`: such a number is not an
answer (audit 5: 'coolant supply 4278.9 °C' behind a 0.02 m facility main)."""
MAX_PASSES = 6
"""Re-solves allowed for a cascade of shutdowns before the result is 'not_converged'."""

STATES = ("ok", "throttled", "shutdown", "off")
"""res_racks.thermal_state: within limits, throttling, tripped by heat, no power/failed."""


def inlet_limit_c(ashrae_class) -> np.ndarray:
    """Allowable maximum inlet per rack from its hall's ASHRAE class [REFERENCE 2]."""
    return np.array([ASHRAE_C[c][3] for c in ashrae_class], dtype=float)


def _uncooled_racks(res, racks: pd.Index) -> np.ndarray:
    v = res.violations
    ids = v.loc[v["kind"] == "uncooled", "component"]
    return racks.isin(list(ids))


def assess(twin, res) -> pd.DataFrame:
    """Per rack: limits, temperatures, state and (for a trip) its cause.

    Columns: inlet_limit_c, coolant_limit_c, t_inlet_max_c (the inlet the rule reads:
    top of the rack, or res_racks.t_inlet_c where a result has no top), t_coolant_supply_c,
    state (see `STATES`), cause (text; empty when ok).
    """
    racks = twin.racks
    rr = res["res_racks"].reindex(racks.index)
    lf = racks["liquid_fraction"].to_numpy(float)
    fed = rr["fed"].to_numpy(bool) & (rr["p_kw"].to_numpy(float) > 0)
    air = fed & (lf < 1)
    liquid = fed & (lf > 0) & racks["liquid_loop"].notna().to_numpy()
    lim_in = inlet_limit_c(rr["ashrae_class"].fillna("A1"))
    t_in = rr["t_inlet_max_c" if "t_inlet_max_c" in rr else "t_inlet_c"].to_numpy(float)
    t_cs = rr["t_coolant_supply_c"].to_numpy(float)
    over_in = np.where(air & np.isfinite(t_in), t_in - lim_in, -np.inf)
    over_cs = np.where(liquid & np.isfinite(t_cs), t_cs - COOLANT_LIMIT_C, -np.inf)
    t_cr = rr["t_coolant_return_c"].to_numpy(float) if "t_coolant_return_c" in rr else t_cs
    boils = liquid & np.isfinite(t_cr) & (t_cr > T_BOIL_WATER_C)
    uncooled = fed & _uncooled_racks(res, racks.index)
    trip = uncooled | boils | (over_in > SHUTDOWN_MARGIN_K) | (over_cs > SHUTDOWN_MARGIN_K)
    throttle = ~trip & fed & ((over_in > 0) | (over_cs > 0))
    state = np.where(~fed, "off", np.where(trip, "shutdown", np.where(throttle, "throttled", "ok")))
    cls = rr["ashrae_class"].fillna("A1").to_numpy(object)
    cause = np.full(len(racks), "", dtype=object)
    for i in np.flatnonzero(trip | throttle):
        if uncooled[i]:
            cause[i] = "its heat has nowhere to go (no cooling removes it), no steady temperature"
        elif boils[i] and over_cs[i] <= SHUTDOWN_MARGIN_K:
            cause[i] = f"coolant return above {T_BOIL_WATER_C:.0f} °C (its loop moves too little "
            cause[i] += f"water; its cold plates would boil), {BEYOND}"
        elif over_in[i] >= over_cs[i]:
            if t_in[i] > T_BOIL_WATER_C:
                cause[i] = f"inlet above {T_BOIL_WATER_C:.0f} °C, {BEYOND}"
            else:
                cause[i] = f"inlet {t_in[i]:.1f} °C, {over_in[i]:.1f} K above the {cls[i]} "
                cause[i] += f"allowable {lim_in[i]:.0f} °C"
        elif t_cs[i] > T_BOIL_WATER_C:
            cause[i] = f"coolant supply above {T_BOIL_WATER_C:.0f} °C (its water would boil), "
            cause[i] += BEYOND
        else:
            cause[i] = f"coolant supply {t_cs[i]:.1f} °C, {over_cs[i]:.1f} K above the "
            cause[i] += f"{COOLANT_LIMIT_C:.0f} °C rack limit"
    return pd.DataFrame(
        {
            "inlet_limit_c": np.where(lf < 1, lim_in, np.nan),
            "coolant_limit_c": np.where(lf > 0, COOLANT_LIMIT_C, np.nan),
            "t_inlet_max_c": t_in,
            "t_coolant_supply_c": t_cs,
            "state": state,
            "cause": cause,
        },
        index=racks.index,
    )


CAUSE_KINDS = (
    "starved",
    "uncooled",
    "over_capacity",
    "coolant_temperature",
    "no_flow",
    "over_temperature",
    "overload",
    "undervoltage",
    "grid_limit",
)
"""Violations kept from the pass before a trip (see `causes`): the cooling shortfalls that
explain it, and the electrical limits the racks' demand passed, which come first (a
breaker or a UPS's overload protection acts in milliseconds to seconds, heat takes tens
of seconds) and which the trip's lower load would otherwise hide."""


def causes(twin, res) -> pd.DataFrame:
    """Violations of equipment, halls, loops and the site (not racks) in a solve that trips
    racks: after the trip their load is gone and the violation with it, but it came first."""
    v = res.violations
    keep = v["kind"].isin(CAUSE_KINDS) & ~v["component"].isin(twin.racks.index)
    return v[keep].assign(message=v.loc[keep, "message"] + " (before racks shut down by heat)")


def annotate(
    twin,
    res,
    now: pd.DataFrame,
    tripped: pd.DataFrame,
    settled: bool,
    before: list[pd.DataFrame] = (),
) -> None:
    """Write the consequence into `res` (the solve with `tripped` racks switched off).

    `now`: `assess` of `res`. `tripped`: per rack shut down by heat, its demand before
    the trip (`p_kw`) and `cause`; that demand stays in res_racks.p_demand_kw (the rack
    is unfed, so every "IT lost" sum counts it). `before`: `causes` of each pass that
    tripped racks, added where the final solve no longer has a violation of that kind
    on that component. Adds res_racks.thermal_state and p_shutdown_kw, kpis
    racks_throttled, it_throttled_kw, racks_shutdown, it_shutdown_kw, and a
    'thermal_shutdown' violation per tripped rack ('not_converged' if the cascade did
    not settle).
    """
    racks = twin.racks
    rr = res["res_racks"]
    state = now["state"].to_numpy(object).copy()
    hit = racks.index.isin(tripped.index)
    state[hit] = "shutdown"
    rr["thermal_state"] = pd.Series(state, index=racks.index).reindex(rr.index).to_numpy()
    shut_kw = tripped["p_kw"].astype(float).reindex(racks.index).fillna(0.0).to_numpy(float)
    rr["p_shutdown_kw"] = pd.Series(shut_kw, index=racks.index).reindex(rr.index).to_numpy()
    if hit.any() and "p_demand_kw" in rr:  # a tripped rack still wants its power: IT lost
        rr.loc[tripped.index, "p_demand_kw"] = tripped["p_kw"].to_numpy(float)
    thr = state == "throttled"
    p_now = rr["p_kw"].reindex(racks.index).to_numpy(float)
    res.kpis.update(
        {
            "racks_throttled": float(thr.sum()),
            "it_throttled_kw": float(p_now[thr].sum()),
            "racks_shutdown": float(hit.sum()),
            "it_shutdown_kw": float(shut_kw.sum()),
        }
    )
    rows = [
        violation(
            rid,
            "thermal_shutdown",
            float(tripped.at[rid, "p_kw"]),
            0.0,
            "kW",
            f"shut down by heat: {tripped.at[rid, 'cause']}; {tripped.at[rid, 'p_kw']:.1f} kW "
            "of IT lost",
        )
        for rid in tripped.index
    ]
    if not settled:
        rows.insert(
            0,
            violation(
                "site",
                "not_converged",
                float(len(tripped)),
                float(MAX_PASSES),
                "passes",
                f"racks kept shutting down after {MAX_PASSES} re-solves (thermal cascade): the "
                "steady state after the trips is not known",
            ),
        )
    if rows:
        res.add({}, pd.DataFrame(rows))
    if len(before):
        seen = set(zip(res.violations["component"], res.violations["kind"], strict=True))
        prior = pd.concat(before, ignore_index=True)
        key = list(zip(prior["component"], prior["kind"], strict=True))
        prior = prior[[k not in seen for k in key]].drop_duplicates(["component", "kind"])
        res.add({}, prior.reset_index(drop=True))


def loading_at_demand(res, first) -> None:
    """Each element's loading at the racks' full demand, before any shut down by heat.

    `first`: the solve before any trip (`res` itself when none tripped). Adds
    res_power_nodes.loading_demand_pct and, where racks tripped, the kpi
    max_loading_demand_pct (over the elements `max_loading_pct` ranks): a 2 MW room on
    a 300 kVA UPS trips its racks by heat, and the steady state after the trips loads
    the UPS at nothing, but its overload came first.
    """
    rp = res["res_power_nodes"]
    rp["loading_demand_pct"] = first["res_power_nodes"]["loading_pct"].reindex(rp.index)
    if first is not res and "max_loading_pct" in first.kpis:
        res.kpis["max_loading_demand_pct"] = first.kpis["max_loading_pct"]


def cooling_at_demand(res, first) -> None:
    """The cooling shortfall and hottest inlet at the racks' full demand, before any shut
    down by heat, where racks tripped (`first` is not `res`).

    Adds kpis heat_unremoved_demand_kw (`first`'s heat_unremoved_kw) and
    t_inlet_max_demand_c (`first`'s hottest inlet; inf where its heat had nowhere to go
    while racks ran or it is above `T_BOIL_WATER_C`: no steady state). A switchboard
    feeding only the CRACs of a room shuts every rack down by heat, and the state after the
    trips has no heat to remove and no rack to read an inlet from: 0 kW and n/a read as 'no
    cooling problem' beside a total loss of cooling (as `loading_at_demand` for the
    electrical side).
    """
    if first is res:
        return
    res.kpis["heat_unremoved_demand_kw"] = float(first.kpis.get("heat_unremoved_kw", 0.0))
    t_in = float(first.kpis.get("t_inlet_max_c", np.nan))
    # above water's boiling point no loop or room carries the heat: no steady state, as where
    # heat goes unremoved (a 5 mm facility main printed 58,092.4 C, audit 2026-12-04)
    beyond = no_steady_state(first) or t_in > T_BOIL_WATER_C
    res.kpis["t_inlet_max_demand_c"] = np.inf if beyond else t_in


def settle(twin, scenario, solve: Callable[..., Results]) -> Results:
    """`solve(scenario)`, then switch off the racks that trip and solve again until none
    do (at most `MAX_PASSES` re-solves); the result carries who tripped and why (`annotate`).

    `solve` maps a Scenario to Results (the coupled solve of `twin.solve.run`). A rack
    with no live feed has its 'unfed' message name what took each cord down
    (`twin.solve.unfed_cause`).
    """
    out = first = solve(scenario)
    trips: list[pd.DataFrame] = []
    before: list[pd.DataFrame] = []
    settled = True
    for passes in range(MAX_PASSES + 1):
        now = assess(twin, out)
        new = now.index[now["state"].to_numpy() == "shutdown"]
        if not len(new):
            break
        if passes == MAX_PASSES:
            settled = False
            break
        demand = out["res_racks"]["p_kw"].reindex(new)
        trips.append(pd.DataFrame({"p_kw": demand, "cause": now.loc[new, "cause"]}))
        before.append(causes(twin, out))
        off = frozenset(pd.concat(trips).index)
        out = solve(replace(scenario, failed=scenario.failed | off))
    tripped = pd.concat(trips) if trips else pd.DataFrame(columns=["p_kw", "cause"])
    annotate(twin, out, now, tripped, settled, before)
    loading_at_demand(out, first)  # `first` is `out` when nothing tripped
    cooling_at_demand(out, first)
    if first is not out:  # what the failure did to the cooling, before the trips hid it
        out.before_trips = first
    name_unfed_causes(twin, out, scenario)  # which outage took each dead cord down
    out.kpis[LOWER_BOUND_KPI] = float(no_steady_state(out))
    return out
