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
from twin.metrics.headroom_free_cooling import free_cooling_n1
from twin.metrics.headroom_n1 import GRID_N1, n1_failed_id
from twin.model import registry
from twin.solve.dx_cop import solved_capacity_kw
from twin.solve.plant import design_flow_m3_s

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
        # the heat the pumps must carry: all the loop's water carries, their own heat
        # included (as the solve, `coupled._pump_speeds`)
        q = float(loops.at[loop, "q_kw"])
        need = float(design_flow_m3_s(q, dt))
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


def _group_units(
    twin, res, table: str, group_col: str, group: str, cap_col: str
) -> tuple[float, float, float, int]:
    t = getattr(twin, table)
    mine = t[t[group_col] == group]
    if table == "crahs":  # DX units derated at the run's outdoor air
        cap = solved_capacity_kw(twin, res).reindex(mine.index)
    else:
        cap = res["res_" + table][cap_col].reindex(mine.index) if cap_col else mine["capacity_kw"]
    cap = cap.astype(float)
    unit = float(mine["capacity_kw"].max())
    avail = float(cap.sum() - cap.max()) if len(cap) > 1 else float(cap.sum())
    # what one more of the largest unit adds: a DX unit its capacity at this outdoor air
    adds = float(cap.max()) if table == "crahs" and len(cap) else unit
    return unit, adds, avail, len(mine)


def at_least(x: float, digits: int) -> float:
    """`x` rounded up to `digits` decimals, so an 'at least' figure shown is never below the
    need (16.5 MW x 1.001 is 'at least 16.6 MW', not 16.5)."""
    return math.ceil(round(x * 10.0**digits, 6)) / 10.0**digits  # round-off is not a need


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
            unit, adds, avail, n = _group_units(twin, res, table, col, g, cap_col)
            source = f"{n}"
            if table in registry.HEAT_REJECTORS:
                # the rule's own available figure: the chillers behind free cooling count
                avail = free_cooling_n1(twin, res).get(name, (0.0, avail))[1]
                if len(twin.chillers) and g in set(twin.chillers["loop"]):
                    source = f"{n} and the loop's chillers"
            load = u * avail
            # with k more units of the largest size, N+1 keeps avail + k * adds
            k = max(1, math.ceil((load - avail) / adds - 1e-9)) if adds > 0 else 0
            return (
                f"{k} more {what}(s) of {unit:,.0f} kW (N+1 load {load:,.0f} kW against "
                f"{avail:,.0f} kW available from {source})"
            )
    if name == "grid connection":
        mw = twin.layout.site.grid_mw
        return f"raise site.grid_mw from {mw:,.1f} to at least {at_least(u * mw, 1):,.1f} MW"
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
            f"diameter from {d * 1000:.0f} mm to at least {at_least(d * math.sqrt(u) * 1000, 0):.0f} mm "
            f"(velocity at most {PIPE_VELOCITY_MAX_M_S:g} m/s), or a parallel pipe"
        )
    if name.startswith("floor loading (hall "):
        hid = name[len("floor loading (hall ") : -1]
        lim = next(h.floor_load_kg_m2 for h in twin.layout.halls if h.id == hid)
        return (
            f"a floor rated at least {at_least(u * lim, 0):,.0f} kg/m2 (now {lim:,.0f}), or spread each "
            f"rack's load over {at_least(u, 2):.2f}x its footprint"
        )
    for cid in _element_ids(twin, name):
        rating = _rating_kva(twin, cid)
        if rating is None:
            break
        if name.startswith("utility ") and name.endswith(" capacity"):
            return f"raise {cid}'s capacity to at least {at_least(u * rating / 1000, 1):,.1f} MVA"
        state = " in failover" if name.endswith(" in failover") else ""
        return _parallel_units(cid, rating, u, f"loading{state} {u:.0%}")
    return "remove the cause: it follows from the constraints above (heat, voltage, feed)"


def _parallel_units(cid: str, rating: float, u: float, why: str) -> str:
    k = math.ceil(u - 1e-9) - 1
    size = math.ceil(u * rating / KVA_STEP) * KVA_STEP
    return (
        f"{k} more unit(s) of {rating:,.0f} kVA in parallel with {cid} ({why}), or one of "
        f"{size:,.0f} kVA in its place"
    )


LOADING_MATCH = 0.05
"""How far under a failure's solved utilisation the fast screen's worst loading may be and
still name the element it overloads [est: the screen's linear cooling misses the survivors'
fan and pump power, up to 1.1 %-points on IT-carrying elements, twin.metrics.headroom]."""

GROUP_NAMES = {
    "cdus": "CDU group {} (N+1)",
    "crahs": "CRAH air (hall {})",
    "chillers": "chillers {} (N+1)",
    "dry_coolers": "dry coolers {} (N+1)",
    "cooling_towers": "cooling towers {} (N+1)",
}
"""The N+1 constraint (`constraint_utilisation`) of a cooling unit's group, by its table."""


def n1_additions(twin, res, broken: dict[str, float]) -> dict[str, str]:
    """What to add for each broken ``N-1 (<domain>): <id> failed`` constraint (utilisation
    from the full solve of that failure, `twin.metrics.headroom_n1`): for a cooling unit,
    units of its group's largest size (the group's N+1 rule at that utilisation), for a
    pump one more of its loop's size; for a power element, parallel units of the element its
    failure loads most (the N-1 sweep's exact fast power path, `twin.scenarios.sweep`,
    names it); else what the solve says. A failure's grid constraint (``N-1 grid
    connection: <id> failed``) gets the grid connection, whatever failed
    (`grid_n1_addition`)."""
    from twin.scenarios.sweep import sweep

    failed = {name: n1_failed_id(name) for name in broken}
    out, power = {}, []
    for name, cid in failed.items():
        if name.startswith(GRID_N1):  # the grid binds, whatever failed: more of it cannot help
            out[name] = grid_n1_addition(twin, res, cid, broken[name])
            continue
        kind = twin.kind_of(cid)
        col = "hall" if kind == "crahs" else "loop"
        t = getattr(twin, kind)
        if kind in GROUP_NAMES and col in t:
            group = GROUP_NAMES[kind].format(t.at[cid, col])
            out[name] = f"losing {cid}: " + addition(twin, res, group, broken[name])
        elif kind == "pumps" and t.at[cid, "loop"] in _loop_flows(twin, res):
            group = f"pumps {t.at[cid, 'loop']} flow"
            out[name] = f"losing {cid}: " + addition(twin, res, group, broken[name])
        else:
            power.append(name)
    if power:
        table = sweep(twin, [(failed[n],) for n in power], base=res, verify=False)
        for name, (_, row) in zip(power, table.iterrows(), strict=True):
            worst, u = row["worst_element"], broken[name]
            rating = _rating_kva(twin, worst) if isinstance(worst, str) and worst else None
            # the screen's loading within LOADING_MATCH of the solved utilisation: the
            # failure breaks by overloading that element (else by heat or racks at risk)
            if rating is None or float(row["max_loading_pct"]) / 100.0 < u - LOADING_MATCH:
                out[name] = (
                    f"losing {failed[name]} puts racks or heat at risk in the full solve "
                    "(twin n1 shows the case): feed or cool them from elsewhere"
                )
            else:
                out[name] = _parallel_units(
                    worst, rating, u, f"{u:.0%} when {failed[name]} fails, solved in full"
                )
    return out


def grid_n1_addition(twin, res, cid: str, u: float) -> str:
    """What to add when the site's draw with `cid` failed (`u` of site.grid_mw, the failure
    solved in full) is over the grid connection: the connection, not units of `cid`'s kind
    (a lost CRAH's peers' fans draw more: more CRAHs cannot lower a grid draw)."""
    return (
        f"the grid connection binds: with {cid} failed the site draws {u:.1%} of site.grid_mw; "
        + addition(twin, res, "grid connection", u)
        + f" (more units like {cid} do not lower the draw)"
    )


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
