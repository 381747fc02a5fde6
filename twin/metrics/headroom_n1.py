"""The IT headroom's N-1 check (`twin.metrics.headroom`): each single failure the scope
feels as a constraint, its utilisation from the N-1 sweep with the near-limit cases
re-solved in full (see the headroom module's docstring for why and what it costs)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.model import registry
from twin.model.scenario import Scenario

BROKEN_MARK = 1.0 + 1e-6
"""Utilisation given to a constraint that breaks without an overload to measure (racks at
risk, IT lost, heat left, a violation): just above 1, and above every caller's tolerance
(placement's `BROKEN` is 1 + 1e-9; at exactly that value it counted no such break)."""
N1_VERIFY_BAND = 0.10
"""The headroom's N-1 check re-solves in full every failure whose screened utilisation is
above 1 minus this [est: the sweep's `LOADING_MARGIN_PCT`, 10 %-points, applied to cooling
groups too; the survivors' fan heat moved a CRAH group by 1.2 % on small-room.yaml]."""


def _n1_domain(twin, cid: str) -> str:
    """'cooling' for a failed cooling unit, else 'power' (the domain its N-1 row joins)."""
    return "cooling" if twin.kind_of(cid) in registry.COOLING_UNITS else "power"


def n1_utilisation(
    twin, scenario: Scenario, results, sets, band: float = N1_VERIFY_BAND, progress: bool = False
) -> tuple[dict[str, float], set]:
    """Per single failure of `sets` on top of `scenario` (solved in `results`): its
    utilisation ``max(worst element, worst cooling group loading) / 100``, at least just
    above 1 where anything breaks (overload or generator over capacity, unremoved heat,
    racks at thermal risk, IT lost), keyed ``N-1 (<domain>): <id> failed``; and the ids
    whose failure loses IT. The N-1 sweep's screen (exact fast power path), then every case
    it puts at risk or within `band` of 1 re-solved with `twin.solve.run`: the screen's
    linear cooling misses the survivors' faster fans."""
    from twin.scenarios.sweep import at_risk, sweep, verify_table

    t = sweep(twin, sets, scenario=scenario, base=results, verify=False)
    rr = results.tables.get("res_racks")
    t_in0 = float(rr["t_inlet_max_c"].max()) if rr is not None and "t_inlet_max_c" in rr else None
    near = at_risk(twin, t, t_in0)
    # within `band` of 1: the worst-screened unit of each cooling group (its peers are
    # alike or less loaded; power cases near 100 % are at risk already)
    u = pd.Series(_n1_u(t)[0], index=t.index)
    group = t["contingency"].map(lambda c: _cooling_group(twin, c))
    close = (u > 1.0 - band) & group.notna()
    if close.any():
        near[u[close].groupby(group[close]).idxmax().to_numpy()] = True
    near = np.flatnonzero(near)
    if len(near):
        full = verify_table(
            twin,
            t.iloc[near].reset_index(drop=True),
            [sets[i] for i in near],
            scenario,
            "all",
            progress=progress,
        )
        full.index = t.index[near]
        t = t.astype(object)
        t.loc[full.index] = full.astype(object)
    u, lost = _n1_u(t)
    names = [f"N-1 ({_n1_domain(twin, c)}): {c} failed" for c in t["contingency"]]
    return dict(zip(names, u.astype(float), strict=True)), set(t["contingency"][lost])


def n1_failed_id(name: str) -> str:
    """The failed component's id in an ``N-1 (<domain>): <id> failed`` constraint name (the
    keys of `n1_utilisation`)."""
    return name.split(": ", 1)[1].removesuffix(" failed")


def _cooling_group(twin, cid: str) -> str | None:
    """'kind:hall' (air units) or 'kind:loop' of a cooling unit; None for anything else."""
    kind = twin.kind_of(cid)
    if kind not in registry.COOLING_UNITS:
        return None
    col = "hall" if registry.kind(kind).model == "air_unit" else "loop"
    t = getattr(twin, kind)
    return f"{kind}:{t.at[cid, col]}" if col in t else kind


def scope_failures(twin, racks: pd.DataFrame) -> list[str]:
    """The single failures (`twin.scenarios.sweep.contingencies`) the scope's racks feel:
    every one for the whole site; for a hall or row, the power elements up from their
    feeds (and alternates: ATS, generators), the cooling units that carry their heat
    (`Twin.cooling_path`) and the elements feeding those units. A failure elsewhere moves
    load only on elements outside the scope's paths, or on shared upstream elements
    whose worst case is their partner's failure, which is in the list."""
    from twin.scenarios.sweep import contingencies

    every = contingencies(twin)
    if len(racks) == len(twin.racks):
        return every
    out = reach(twin, racks)
    return [c for c in every if c in out]


def reach(twin, racks: pd.DataFrame) -> set[str]:
    """Every power element up from `racks`' feeds (alternates too: ATS, generators) and from
    the feeds of the cooling units carrying their heat (`Twin.cooling_path`), and those
    cooling units and loops: what the racks' IT depends on (`scope_failures`, and the
    stranded table's shared limits, `twin.metrics.stranded.hall_reach`)."""
    nodes = twin.power_nodes
    ids = set(twin.component_ids())
    out: set[str] = set()
    todo = [f for c in ("feed_a", "feed_b") for f in racks[c].dropna()]
    for rid in racks.groupby(["hall", "row"]).head(1).index:
        for unit in twin.cooling_path(rid):
            out.add(unit)
            t = getattr(twin, twin.kind_of(unit), None) if unit in ids else None
            if t is not None:
                todo += [t.at[unit, c] for c in ("feed", "feed_b") if c in t]
    while todo:
        c = todo.pop()
        if not isinstance(c, str) or c in out or c not in nodes.index:
            continue
        out.add(c)
        todo += [nodes.at[c, "upstream"], nodes.at[c, "alternate"]]
    return out


def _n1_u(t: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(utilisation, loses IT) per row of an N-1 table (see `n1_utilisation`)."""

    def col(name):
        return pd.to_numeric(t[name], errors="coerce").to_numpy(float)

    load = np.nan_to_num(col("max_loading_pct"), nan=0.0)
    cool = np.nan_to_num(col("max_cooling_loading_pct"), nan=0.0)
    u = np.fmax(load, cool) / 100.0
    lost = col("it_lost_kw") > 1e-9
    from twin.scenarios.sweep import no_solution

    no_answer = no_solution(t)  # a failure whose full solve is not a solution cannot be carried
    broken = (
        (col("overloads") > 0)
        | (col("cooling_shortfall_kw") > 1e-6)
        | (col("racks_at_risk") > 0)
        | lost
        | no_answer
    )
    return np.where(broken, np.maximum(u, BROKEN_MARK), u), lost
