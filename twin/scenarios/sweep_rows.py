"""One N-1 sweep-table row from a full coupled solve of a contingency (`summarise`).

The full solve's side of `twin.scenarios.sweep`: what `verify_table`, `brute_force` and
the headroom's N-1 check write for each case they solve with `twin.solve.run`, in the
fast path's columns (`SWEEP_COLUMNS`); the cooling-group loading, the lowest voltage and
the solver's trust read the same way the app does.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from twin.model import registry
from twin.model.registry import COOLING_UNITS
from twin.scenarios import tenants_hit
from twin.scenarios.fast_power import OVERLOAD_PCT, demand_kw
from twin.scenarios.rack_risk import rack_risk
from twin.solve import Results
from twin.solve.plant import design_flow_m3_s
from twin.solve.power import ranked_loading
from twin.solve.results import SOLVER_KINDS

IDLE_PCT = 1e-9
"""Loading (%) at or below which an element carries nothing: a case that leaves every element
idle (the small room without its switchboard) names no worst loaded element (the fast screen
reads ~3e-15 % there, round-off)."""


def _kind_label(twin, ids: Sequence[str]) -> str:
    return "+".join(twin.kind_of(i) for i in ids)


def _pump_need_m3_s(twin, loops: pd.DataFrame | None, pumps: pd.DataFrame) -> pd.Series:
    """Per pump, its loop's heat over rho cp dT_design (m3/s) split evenly over the loop's
    pumps, so the group sums to the loop's need (`cooling_groups`'s pump duty, as the fast
    path's `cooling_groups.cooling_base`)."""
    if loops is None or "q_kw" not in loops:
        return pd.Series(0.0, index=pumps.index)
    dt = twin.loops["dt_design_k"].reindex(pumps["loop"]).to_numpy(float)
    q = loops["q_kw"].reindex(pumps["loop"]).fillna(0.0).to_numpy(float)
    n = pumps.groupby("loop")["loop"].transform("size").to_numpy(float)
    need = design_flow_m3_s(q, dt) / n
    return pd.Series(np.nan_to_num(need), index=pumps.index)


def cooling_groups(twin, res: Results) -> tuple[float, float, str]:
    """From a full solve: cooling units not running, and the worst loading (%, what the
    group is given, unremoved heat included once, over its running capacity) among the groups
    that have a unit out, with its name, as the fast path reports them
    (`twin.scenarios.fast_cooling`: groups ``kind:hall`` or ``kind:loop``)."""
    out, worst, name = 0, -np.inf, ""
    loops = res.tables.get("res_loops")
    loop_short = (
        loops["unremoved_kw"].fillna(0.0)
        if loops is not None and "unremoved_kw" in loops
        else pd.Series(dtype=float)
    )
    plant_loops = set(twin.chillers["loop"]) if len(twin.chillers) else set()
    for kind in COOLING_UNITS:
        t, r = getattr(twin, kind), res.tables.get(registry.kind(kind).res)
        if not len(t) or r is None or "running" not in r:
            continue
        r = r.reindex(t.index)
        running = r["running"].fillna(False).to_numpy(bool)
        out += int((~running).sum())
        model = registry.kind(kind).model
        key = (t["hall"] if model == "air_unit" else t["loop"]).astype(str)
        if model == "pump":  # as the screen (`pump_n1`): the heat's flow at the design rise
            # over what the running pumps move at full speed in their network
            speed = r["speed"].astype(float) if "speed" in r else pd.Series(1.0, index=t.index)
            full = (r["flow_m3_s"].astype(float) / speed).where(speed > 0, 0.0)
            cap = full.where(running, 0.0)
            load = _pump_need_m3_s(twin, loops, t)
        else:
            cap = t["capacity_kw"].astype(float)
            if model == "chiller" and "capacity_avail_kw" in r:
                avail = r["capacity_avail_kw"].astype(float)
                cap = avail.where(avail > 0, cap)
            elif model == "air_unit" and "capacity_avail_kw" in r:  # DX at the outdoor air
                cap = r["capacity_avail_kw"].astype(float).fillna(cap)
            # a unit's load_kw is its share of the heat, unremoved part included (res_crahs:
            # removed_kw + unremoved_kw); adding unremoved_kw counted it twice (small-room,
            # CRAC-1 and 2 failed: 225.8 % where CRAC-3 carries 195.5 kW on 120, 162.9 %)
            load = r["load_kw"].astype(float)
        cap_g = cap.where(running, 0.0).groupby(key).sum()
        load_g = load.fillna(0.0).groupby(key).sum()
        halls = res.tables.get("res_halls")
        if model == "air_unit" and halls is not None and "q_air_kw" in halls:
            # a hall with no unit running: its heat is on no unit (each reads 0 kW), and
            # the group carries the hall's air heat (the fast path's duty) on no capacity
            idle = (~pd.Series(running, index=t.index)).groupby(key).all()
            q = halls["q_air_kw"].reindex(load_g.index).fillna(0.0).astype(float)
            load_g = load_g.where(~idle.reindex(load_g.index), np.fmax(load_g, q))
        if model in ("chiller", "dry_cooler"):  # a water loop's unremoved heat: its
            extra = loop_short.reindex(load_g.index).fillna(0.0)  # chillers', else its coolers'
            if model == "dry_cooler":
                extra = extra.where(~extra.index.isin(plant_loops), 0.0)
            load_g = load_g + extra
        hit = (~pd.Series(running, index=t.index)).groupby(key).any()
        load_g, cap_g = load_g[hit.reindex(load_g.index)], cap_g[hit.reindex(cap_g.index)]
        with np.errstate(divide="ignore", invalid="ignore"):
            pct = np.where(cap_g > 0, load_g / cap_g * 100.0, np.where(load_g > 1e-9, np.inf, 0.0))
        if len(pct) and np.nanmax(pct) > worst:
            j = int(np.nanargmax(pct))
            worst, name = float(pct[j]), f"{kind}:{load_g.index[j]}"
    return float(out), max(worst, 0.0), name


def cooling_groups_at_demand(twin, res: Results) -> tuple[float, float, str]:
    """`cooling_groups` of the racks' full demand: of the solve before any rack shut down by
    heat (`Results.before_trips`) where racks tripped, else of `res`. A switchboard feeding
    every CRAC of a room trips every rack by heat; after the trips the room has no heat and
    no running unit, and its group read 0 % ('idle and fine') where the fast path, at the
    base duty as every N-1 column, says inf (heat and no capacity left). As the shortfall
    (`shortfall_kw`) and the hottest inlet (`rack_risk`) read before the trips. No rack
    powered (none had a live feed before any trip): 0 %, no heat, as the fast path says.
    The N-1 row (`summarise`) and the app's Failures page (`consequences`) read this."""
    pre = res.before_trips if res.before_trips is not None else res
    units_out, pct, group = cooling_groups(twin, pre)
    powered = pre["res_racks"]["fed"].fillna(False).to_numpy(bool)
    return units_out, (pct if powered.any() else 0.0), group


def untrusted(violations: pd.DataFrame) -> str:
    """'kind: component (residual value unit)' for each `SOLVER_KINDS` violation, '; '-joined;
    '' when the solve's numbers are a solution."""
    if not len(violations):
        return ""
    v = violations[violations["kind"].isin(SOLVER_KINDS)]
    return "; ".join(
        f"{k}: {c} (residual {x:.3g} {u})".replace(" )", ")")
        for k, c, x, u in zip(v["kind"], v["component"], v["value"], v["unit"], strict=True)
    )


def min_vm_pu(res: Results) -> float:
    """Lowest live voltage of a full solve: every element's bus and the end of every feeder
    cable (`vm_in_pu`; a UPS's input, which its 1.0 pu output hides), as the kernel counts it;
    NaN when nothing is energised."""
    rp = res["res_power_nodes"]
    vm = pd.concat([res["res_bus"]["vm_pu"], rp.get("vm_in_pu", pd.Series(dtype=float))])
    return float(vm.min())


def shortfall_kw(res: Results) -> float:
    """Heat not removed at the racks' full demand: before any shut down by heat
    (`heat_unremoved_demand_kw`, where racks tripped), else the solve's own. After the trips
    the racks carry no heat, and 0 kW would read as 'no cooling problem' beside a total loss
    of cooling; the fast path's shortfall is at the base duty too."""
    k = res.kpis
    return float(k.get("heat_unremoved_demand_kw", k.get("heat_unremoved_kw", np.nan)))


def summarise(twin, ids: Sequence[str], res: Results) -> dict:
    """One sweep-table row from a full solve of the contingency `ids`."""
    rp, rr = res["res_power_nodes"], res["res_racks"]
    lp = rp.loc[ranked_loading(rp["kind"]), "loading_pct"]
    risk_of = rack_risk(twin, res)  # the Failures page reads the same
    lost = twin.racks.index.isin(risk_of.lost)
    risk = set(risk_of.at_risk)
    rack_kw = pd.Series(demand_kw(twin, res), index=twin.racks.index)
    t_in = risk_of.t_inlet_max_c
    units_out, cool_pct, cool_group = cooling_groups_at_demand(twin, res)
    tenants, by_tenant = tenants_hit.hit(twin, (rack_kw.to_numpy(float) * lost)[None, :])
    hot = rr["thermal_state"].reindex(twin.racks.index).isin(("throttled", "shutdown"))
    hot = hot.to_numpy(bool) | twin.racks.index.isin(sorted(risk))
    at_risk, _ = tenants_hit.hit(twin, hot[None, :].astype(float))
    return {
        "contingency": "+".join(ids),
        "kinds": _kind_label(twin, ids),
        "it_lost_kw": float(rack_kw.to_numpy(float) @ lost),
        "racks_lost": float(lost.sum()),
        "max_loading_pct": float(lp.max()) if len(lp) else 0.0,
        "worst_element": lp.idxmax() if len(lp) and lp.max() > IDLE_PCT else "",
        "overloads": float((rp["loading_pct"] > OVERLOAD_PCT).sum()),
        "min_vm_pu": min_vm_pu(res),
        "cooling_units_out": units_out,
        "max_cooling_loading_pct": cool_pct,
        "worst_cooling_group": cool_group,
        "cooling_shortfall_kw": shortfall_kw(res),
        "racks_at_risk": float(len(risk)),
        "it_at_risk_kw": float(rack_kw.reindex(sorted(risk)).sum()),
        "t_inlet_max_c": float(t_in),
        "grid_used_pct": float(res.kpis["grid_used_pct"]),
        "verified": True,
        "untrusted": untrusted(res.violations),
        "tenants_hit": tenants[0],
        "tenants_at_risk": at_risk[0],
        "it_lost_by_tenant": by_tenant[0],
    }
