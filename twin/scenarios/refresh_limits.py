"""Limits a refresh meets beyond `constraint_utilisation`, and what to add when one breaks.

`extra_constraints(twin, results)` (utilisation, 1 = at the limit):

- ``pumps <loop> flow``: water a loop needs to carry its heat (less the pumps'
  own) at its design rise, ``q / (rho cp dT_design)`` (the same rule the coupled solve uses to set
  pump speed, `twin.solve.coupled`), over what its running pumps deliver at full
  speed (each pump's solved flow / its speed: affinity law, flow ~ speed). Above
  1 the pumps run flat out and the loop's rise grows past its design;
- ``pipe <id> velocity``: the velocity the pipe would carry at that needed flow
  (solved velocity x needed / delivered) over `PIPE_VELOCITY_MAX_M_S`;
- ``chillers <loop> (N+1)`` (replacing the headroom rule's): the heat the loop
  must reject, the chillers' load plus what the loop leaves unremoved (chillers
  at full capacity cap their own load), over their capacity minus the largest;
- ``floor loading (hall <id>)``: in a hall with ``floor_load_kg_m2``, the
  heaviest rack of a catalogued generation (`twin.layout.generations`) over its
  footprint (its row's rack width x depth), against the limit.

`addition(twin, results, name, u)` says what brings a broken constraint back
to 100 %: units of the group's largest size for N+1 groups (CDUs, CRAHs,
chillers, dry coolers, towers), parallel units of the element's rating for
power elements (normal and failover loading alike: the load splits over
them), pumps of the loop's pump size, a pipe diameter (velocity ~ 1/d^2 at
equal flow), the grid connection or source capacity to raise, floor area or
rating. Counts are first order: linear in load, as the headroom rules are.
"""

from __future__ import annotations

import math

import numpy as np

from twin.layout.generations import GENERATIONS
from twin.model import registry
from twin.units import CP_WATER_J_KGK, RHO_WATER_KG_M3

PIPE_VELOCITY_MAX_M_S = 3.0
"""Largest water velocity in a pipe [est: ASHRAE Handbook Fundamentals, pipe sizing:
~1.2 m/s in small pipes up to ~3 m/s in large ones; erosion and noise above]."""

KVA_STEP = 100.0
"""A replacement rating is rounded up to this step: ratings come in steps, and the step
covers the larger unit's own no-load loss, which the linear rule leaves out (a UPS resized
to exactly u x rating ends at ~100.01 % in the solve; tests/scenarios/test_refresh.py)."""

_WEIGHT = {g["accelerator"]: g["weight_kg"] for g in GENERATIONS.values()}


def _loop_flows(twin, res) -> dict[str, tuple[float, float, float, int]]:
    """Per loop with running pumps: (needed m3/s, full-speed m3/s, speed, running pumps)."""
    out = {}
    if not len(twin.pumps) or "res_pumps" not in res.tables or "res_loops" not in res.tables:
        return out
    rp = res["res_pumps"]
    loops = res["res_loops"]
    run = rp["running"].astype(bool) & (rp["speed"] > 0)
    for loop, idx in twin.pumps.groupby("loop").groups.items():
        on = [p for p in idx if run.get(p, False)]
        if not on or loop not in loops.index or loop not in twin.loops.index:
            continue
        full = float((rp.loc[on, "flow_m3_s"] / rp.loc[on, "speed"]).sum())
        dt = float(twin.loops.at[loop, "dt_design_k"])
        # the heat the pumps must carry: the loop's heat less the pumps' own (as the solve)
        q = float(loops.at[loop, "q_kw"]) - float(rp.loc[list(idx), "p_kw"].sum())
        need = q * 1000.0 / (CP_WATER_J_KGK * dt) / RHO_WATER_KG_M3
        out[loop] = (need, full, float(rp.loc[on, "speed"].max()), len(on))
    return out


def extra_constraints(twin, res) -> dict[str, float]:
    """Pump flow, pipe velocity and floor loading utilisation (see the module docstring)."""
    u: dict[str, float] = {}
    flows = _loop_flows(twin, res)
    for loop, (need, full, _, _) in flows.items():
        if full > 0:
            u[f"pumps {loop} flow"] = need / full
    if len(twin.pipes) and "res_pipes" in res.tables:
        v = res["res_pipes"]["velocity_m_s"].abs()
        for pid, loop in twin.pipes["loop"].items():
            if loop in flows and flows[loop][2] > 0:
                need, full, speed, _ = flows[loop]
                delivered = full * speed
                if delivered > 0:
                    u[f"pipe {pid} velocity"] = (
                        float(v[pid]) * need / delivered / (PIPE_VELOCITY_MAX_M_S)
                    )
    u.update(_chiller_demand(twin, res))
    for hall in twin.layout.halls:
        if hall.floor_load_kg_m2 is None:
            continue
        r = twin.racks[twin.racks["hall"] == hall.id]
        w = r["accelerator"].map(_WEIGHT).astype(float)
        area = (r["width_m"] * r["depth_m"]).astype(float)
        load = (w / area).max()
        if np.isfinite(load):
            u[f"floor loading (hall {hall.id})"] = float(load / hall.floor_load_kg_m2)
    return u


def _chiller_demand(twin, res) -> dict[str, float]:
    """``chillers <loop> (N+1)`` on the heat the loop must reject: the chillers' load plus
    what the loop leaves unremoved (chillers at full capacity cap their own load)."""
    if not len(twin.chillers) or "res_chillers" not in res.tables or "res_loops" not in res.tables:
        return {}
    rc, loops = res["res_chillers"], res["res_loops"]
    out = {}
    for loop, idx in twin.chillers.groupby("loop").groups.items():
        cap = rc.loc[idx, "capacity_avail_kw"].astype(float)
        avail = float(cap.sum() - cap.max()) if len(cap) > 1 else float(cap.sum())
        lost = float(loops.at[loop, "unremoved_kw"]) if loop in loops.index else 0.0
        demand = float(rc.loc[idx, "load_kw"].sum()) + (lost if np.isfinite(lost) else 0.0)
        out[f"chillers {loop} (N+1)"] = demand / avail if avail > 0 else math.inf
    return out


def _group_units(twin, res, table: str, group_col: str, group: str, cap_col: str) -> str:
    t = getattr(twin, table)
    mine = t[t[group_col] == group]
    cap = res["res_" + table][cap_col].reindex(mine.index) if cap_col else mine["capacity_kw"]
    cap = cap.astype(float)
    unit = float(mine["capacity_kw"].max())
    avail = float(cap.sum() - cap.max()) if len(cap) > 1 else float(cap.sum())
    return unit, avail, len(mine)


def addition(twin, res, name: str, u: float) -> str:
    """What to add so that constraint `name` (utilisation `u` > 1) is back to at most 100 %."""
    groups = (
        ("CDU group ", " (N+1)", "cdus", "loop", None, "CDU"),
        ("CRAH air (hall ", ")", "crahs", "hall", None, "CRAH"),
        ("chillers ", " (N+1)", "chillers", "loop", "capacity_avail_kw", "chiller"),
        ("dry coolers ", " (N+1)", "dry_coolers", "loop", None, "dry cooler"),
        ("cooling towers ", " (N+1)", "cooling_towers", "loop", None, "cooling tower"),
    )
    for head, tail, table, col, cap_col, what in groups:
        if name.startswith(head) and name.endswith(tail):
            g = name[len(head) : len(name) - len(tail)]
            unit, avail, n = _group_units(twin, res, table, col, g, cap_col)
            load = u * avail
            # with k more units of the largest size, N+1 keeps avail + k * unit
            k = max(1, math.ceil((load - avail) / unit - 1e-9)) if unit > 0 else 0
            return (
                f"{k} more {what}(s) of {unit:,.0f} kW (N+1 load {load:,.0f} kW against "
                f"{avail:,.0f} kW available from {n})"
            )
    if name == "grid connection":
        mw = twin.layout.site.grid_mw
        return f"raise site.grid_mw from {mw:,.1f} to at least {u * mw:,.1f} MW"
    if name.startswith("pumps ") and name.endswith(" flow"):
        loop = name[len("pumps ") : -len(" flow")]
        need, full, _, n = _loop_flows(twin, res)[loop]
        each = full / n
        k = max(1, math.ceil((need - full) / each - 1e-9))
        return (
            f"{k} more pump(s) of {each:.3f} m3/s on {loop} (needs {need:.3f} m3/s at its design "
            f"rise, its {n} running pump(s) give {full:.3f} m3/s at full speed)"
        )
    if name.startswith("pipe ") and name.endswith(" velocity"):
        pid = name[len("pipe ") : -len(" velocity")]
        d = float(twin.pipes.at[pid, "diameter_m"])
        return (
            f"diameter from {d * 1000:.0f} mm to at least {d * math.sqrt(u) * 1000:.0f} mm "
            f"(velocity at most {PIPE_VELOCITY_MAX_M_S:g} m/s), or a parallel pipe"
        )
    if name.startswith("floor loading (hall "):
        hid = name[len("floor loading (hall ") : -1]
        lim = next(h.floor_load_kg_m2 for h in twin.layout.halls if h.id == hid)
        return (
            f"a floor rated at least {u * lim:,.0f} kg/m2 (now {lim:,.0f}), or spread each "
            f"rack's load over {u:.2f}x its footprint"
        )
    for cid in _element_ids(twin, name):
        rating = _rating_kva(twin, cid)
        if rating is None:
            break
        if name.startswith("utility ") and name.endswith(" capacity"):
            return f"raise {cid}'s capacity to at least {u * rating / 1000:,.1f} MVA"
        k = math.ceil(u - 1e-9) - 1
        state = " in failover" if name.endswith(" in failover") else ""
        size = math.ceil(u * rating / KVA_STEP) * KVA_STEP
        return (
            f"{k} more unit(s) of {rating:,.0f} kVA in parallel with {cid} (loading{state} "
            f"{u:.0%}), or one of {size:,.0f} kVA in its place"
        )
    return "remove the cause: it follows from the constraints above (heat, voltage, feed)"


def _element_ids(twin, name: str) -> list[str]:
    """The component a power constraint name ('<label> <id>[ in failover]') is about."""
    core = name.removesuffix(" in failover").removesuffix(" capacity")
    parts = core.rsplit(" ", 1)
    return [parts[1]] if len(parts) == 2 else []


def _rating_kva(twin, cid: str) -> float | None:
    try:
        table = twin.kind_of(cid)
    except KeyError:
        return None
    t = getattr(twin, table)
    if registry.kind(table).model == "utility" and "capacity_mva" in t:
        return float(t.at[cid, "capacity_mva"]) * 1000.0
    if "rating_kva" in t:
        return float(t.at[cid, "rating_kva"])
    return None
