"""The IT headroom's constraints (`twin.metrics.headroom`): each limit's utilisation in one
solved result (1 = at its limit; the list is in the headroom module's docstring), the
cooling groups' N+1, and each constraint's domain (power or cooling).

The headroom search reads them at every probe; placement (`twin place`) and the refresh
planner screen with them too, and a failure case of the N-1 check is held to the normal-state
ones (`headroom_n1.case_utilisation`)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from twin.metrics.headroom_free_cooling import free_cooling_n1
from twin.metrics.headroom_n1 import BROKEN_MARK
from twin.model import registry
from twin.solve.dx_cop import solved_capacity_kw

_COVERED = {"overload", "over_capacity", "grid_limit"}
"""Violation kinds a constraint of its own measures already (element loading, source
capacity, the grid connection): not listed again by kind."""


def _running(cap: pd.Series, res: pd.DataFrame) -> pd.Series:
    """`cap` where the unit runs in `res` (its ``running`` column), 0 where it does not."""
    if "running" not in res:
        return cap.astype(float)
    on = res["running"].reindex(cap.index).fillna(False).astype(bool)
    return cap.astype(float).where(on, 0.0)


def _groups(load: pd.Series, cap: pd.Series, group: pd.Series, label: str) -> dict:
    """Per group: (its load, its capacity less the largest unit; one unit: its capacity)."""
    out = {}
    df = pd.DataFrame({"load": load, "cap": cap, "g": group}).dropna(subset=["g"])
    for g, d in df.groupby("g"):
        avail = d["cap"].sum() - (d["cap"].max() if len(d) > 1 else 0.0)
        out[label.format(g)] = (float(d["load"].sum()), float(avail))
    return out


def n1_groups(twin, results) -> dict[str, tuple[float, float]]:
    """Every cooling group's N+1 constraint in a solved result: (load, what is there to carry
    it with its largest unit out), kW. CDUs, CRAHs/CRACs (DX derated at the run's outdoor
    air) and chillers count running units only (a failed one neither carries nor backs up:
    with it counted, a site with a CDU failed read 0.903 of its N+1 capacity, as if it had
    one to lose); dry coolers and towers follow `free_cooling_n1`. `constraint_utilisation`
    divides the two; `twin place`'s screen adds its racks' heat over the second."""
    out: dict[str, tuple[float, float]] = {}
    if len(twin.cdus) and "res_cdus" in results.tables:
        r = results["res_cdus"]
        cap = _running(twin.cdus["capacity_kw"], r)
        out.update(_groups(r["load_kw"], cap, twin.cdus["loop"], "CDU group {} (N+1)"))
    if len(twin.crahs) and "res_crahs" in results.tables:
        r = results["res_crahs"]
        cap = _running(solved_capacity_kw(twin, results), r)
        out.update(_groups(r["load_kw"], cap, twin.crahs["hall"], "CRAH air (hall {})"))
    if len(twin.chillers) and "res_chillers" in results.tables:
        r = results["res_chillers"]
        cap = _running(r["capacity_avail_kw"], r)
        out.update(_groups(r["load_kw"], cap, twin.chillers["loop"], "chillers {} (N+1)"))
    out.update(free_cooling_n1(twin, results))
    return out


def element_constraint(kind: str, cid: str) -> str:
    """The name of power element `cid`'s (of table `kind`) normal-state loading constraint:
    ``utility <id> capacity``, ``<label> <id> capacity`` for another source (a generator),
    ``<label> <id>`` for the others ('UPS UPS-1', 'transformer TX-1'); the one spelling
    `constraint_utilisation` and the N-1 check's limits (`headroom_n1.n1_utilisation`) use."""
    if kind in registry.tables(model="utility"):
        return f"utility {cid} capacity"
    label = registry.kind(kind).label
    return f"{label} {cid} capacity" if kind in registry.POWER_SOURCES else f"{label} {cid}"


def constraint_utilisation(twin, results, redundancy: bool = True) -> dict[str, float]:
    """Every constraint's utilisation (1 = at its limit) in a solved result; with `redundancy`
    False, none of those that are themselves a failure (an element ``in failover``, a cooling
    group's N+1): the normal-state constraints, which a failure case must meet too."""
    u: dict[str, float] = {}
    grid_kw = twin.layout.site.grid_mw * 1000.0
    u["grid connection"] = results.kpis["utility_kw"] / grid_kw
    rp = results["res_power_nodes"]
    src = rp["kind"].isin(registry.POWER_SOURCES)
    utility = rp["kind"].isin(registry.tables(model="utility"))
    for cid, row in rp[src & utility].iterrows():
        u[element_constraint(row["kind"], cid)] = row["loading_pct"] / 100.0
    for cid, row in rp[src & ~utility].iterrows():  # at its binding rating: kVA or kW
        u[element_constraint(row["kind"], cid)] = row["loading_pct"] / 100.0
    for cid, row in rp[~src].iterrows():
        name = element_constraint(row["kind"], cid)
        u[name] = row["loading_pct"] / 100.0
        if redundancy:
            u[name + " in failover"] = row["failover_loading_pct"] / 100.0
    groups = n1_groups(twin, results) if redundancy else {}
    for name, (load, avail) in groups.items():
        u[name] = load / avail if avail > 0 else (math.inf if load > 0 else 0.0)
    for _, v in results.violations.iterrows():
        if v["kind"] in _COVERED:
            continue
        ratio = abs(v["value"] / v["limit"]) if v["limit"] else math.inf
        u[f"{v['kind']} {v['component']}"] = max(BROKEN_MARK, ratio)
    return {k: (0.0 if not np.isfinite(x) and x != math.inf else float(x)) for k, x in u.items()}


def _domain(name: str) -> str:
    """'cooling' for a cooling constraint (units, groups, heat violations), else 'power'."""
    cooling = ("CDU group", "CRAH air", "chillers ", "dry coolers ", "cooling towers ")
    heat = ("over_temperature", "under_temperature", "coolant_temperature", "uncooled")
    heat += ("thermal_shutdown", "no_flow", "starved")
    return "cooling" if name.startswith((*cooling, *heat, "N-1 (cooling)")) else "power"


def constraint_domains(names) -> pd.Series:
    """Per constraint name: 'power' (grid, sources, power elements, electrical violations)
    or 'cooling' (cooling groups with their redundancy, temperature and heat violations)."""
    names = list(names)
    return pd.Series([_domain(n) for n in names], index=pd.Index(names, name="constraint"))
