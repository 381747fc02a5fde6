"""The IT headroom's N-1 check (`twin.metrics.headroom`): each single failure the scope
feels as a constraint, its utilisation from the N-1 sweep with the near-limit cases
re-solved in full (see the headroom module's docstring for why and what it costs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

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


PEER_BAND = 0.02
"""The headroom's final bracket re-solves in full every cooling case screened within this of
its group's worst-screened case (alike units: the campus hall's three CRAHs screened equal);
the table's other rows of a group read the screen [est: the screen fell short of the full solve
by 0.021 on those CRAHs, so a peer 0.02 below the worst reads below it in full too]."""
GRID_SCREEN_BAND = 0.05
"""The grid connection inside a failure case: every case not yet solved in full is re-solved
once the normal state draws within this share of `site.grid_mw` [est: a single failure moved
the utility draw by +26 kW of 13.1 MW (0.2 %) on hybrid-inference.yaml (a CRAH lost: the
survivors' fans speed up, cube law) and by up to ~0.1 % on ai-factory-hall.yaml; the screen
moves a stopped unit's draw to its peers unchanged, so it cannot see this]."""
GRID_VERIFY_BAND = 0.0005
"""A case solved in full before (`GridMemo`) is re-solved when its estimate at the new load
is within this share of `site.grid_mw` [est: between the probes of a headroom search the
estimate fell short of the case's full solve by at most 1.3 kW (0.008 % of 16.5 MW,
ai-factory-hall.yaml; 0.2 kW on hybrid-inference.yaml); 0.05 % is 6.6-8.3 kW there]."""


class GridMemo(dict):
    """Per failure id, from its last full solve: (normal-state utility kW, the case's utility
    kW). A headroom search keeps one across its probes, so that a case's extra draw over the
    normal state (``delta``), known from a full solve, estimates the case at the next load
    without solving it again unless it comes within `GRID_VERIFY_BAND` of the limit."""

    def estimate_kw(self, cid: str, normal_kw: float, low: bool = False) -> float:
        """The case's utility draw when the normal state draws `normal_kw`: its last extra
        draw, grown with the cube of the normal draw's ratio where positive (fans and pumps:
        conservative for losses, square law) and held where negative; with `low`, held
        (the draw it is taken to break by without a solve)."""
        if cid not in self:
            return normal_kw
        n0, c0 = self[cid]
        delta = c0 - n0
        if delta > 0 and n0 > 0 and not low:
            delta *= max(1.0, normal_kw / n0) ** 3
        return normal_kw + delta


GRID_N1 = "N-1 grid connection"
"""The prefix of a failure's grid constraint, ``N-1 grid connection: <id> failed``: a power
constraint whatever failed (the CRAH whose loss breaks the contract strands power, not
cooling: `twin.metrics.stranded` splits by domain)."""


def case_utilisation(twin, res, inherited: frozenset[str] = frozenset()) -> float:
    """The worst normal-state constraint of a failure case's full solve but the grid connection
    (its own constraint, `GRID_N1`): source capacities, element loading, violations
    (`constraint_utilisation` without the redundancy constraints, which inside a failure are
    N-2). A violation of the state before the failure (`inherited`, ``"<kind> <component>"``)
    is not the failure's: racks over a class H1 inlet in normal operation read 111.9 % in
    every case solved in full (and not in the screened ones), so the same failure broke or
    not by whether it was near another limit; the state before carries it."""
    return case_limit(twin, res, inherited)[0]


def case_limit(twin, res, inherited: frozenset[str] = frozenset()) -> tuple[float, str | None]:
    """`case_utilisation` and the constraint that reads it (None where none is above 0): what
    breaks inside the failure, by its normal-state name ('UPS UPS-1')."""
    from twin.metrics.headroom_constraints import constraint_utilisation

    u = constraint_utilisation(twin, res, redundancy=False)
    skip = inherited | {"grid connection"}
    kept = {k: v for k, v in u.items() if k not in skip}
    name = max(kept, key=kept.get) if kept else None
    return (kept[name], name) if name is not None and kept[name] > 0 else (0.0, None)


def n1_utilisation(
    twin,
    scenario: Scenario,
    results,
    sets,
    band: float = N1_VERIFY_BAND,
    progress: bool = False,
    grid: GridMemo | None = None,
    grid_check: bool = True,
    peers: float | None = None,
    dropped: frozenset[str] = frozenset(),
    limits: dict[str, str] | None = None,
) -> tuple[dict[str, float], set]:
    """Per single failure of `sets` on top of `scenario` (solved in `results`): its
    utilisation, the worst of ``max(worst element, worst cooling group loading) / 100`` and
    every other normal-state constraint of the case (`case_utilisation`), at least just
    above 1 where anything breaks (overload or generator over capacity, unremoved heat,
    racks at thermal risk, IT lost), keyed ``N-1 (<domain>): <id> failed``; its utility
    draw over ``site.grid_mw``, keyed ``N-1 grid connection: <id> failed`` (`GRID_N1`:
    losing a CRAH speeds up its peers' fans, +26 kW on hybrid-inference.yaml, which broke
    the contracted 13.1 MW at a headroom said to be N-1 safe); and the ids whose failure
    loses IT. The N-1 sweep's screen (exact fast power path), then every case
    it puts at risk or within `band` of 1 re-solved with `twin.solve.run`: the screen's
    linear cooling misses the survivors' faster fans. For the grid the screen gives each
    case's change of utility draw with the cooling units' draw held (`FastSweep.evaluate`'s
    ``utility_dkw``, grown by the PUE where positive): exact enough for a power case that
    stops no cooling unit, which is re-solved when that estimate is within
    `GRID_VERIFY_BAND` of the limit; a case that stops cooling units (their peers speed up,
    which the screen cannot see) is re-solved when the normal state is within
    `GRID_SCREEN_BAND`, and once solved (`grid`, kept across calls) is estimated from its
    full solve (`GridMemo.estimate_kw`) and re-solved within `GRID_VERIFY_BAND`; the others
    count the estimate, and a case whose low estimate (the screen's change ungrown, or the
    last full solve's change held) is above 1 + `GRID_VERIFY_BAND` is broken unsolved.
    `grid_check` False: no case is re-solved for the grid alone (the headroom's first pass at
    today's load, which only needs the failures that lose IT: its answer's pass solves them).
    `peers` (`PEER_BAND`): a cooling case within `band` whose screen is within this of its
    group's worst-screened one is re-solved too, not only that one: a generated campus hall's
    screen read B01H1-CRAH2 at 0.979 where its full solve, like CRAH1's (also 0.979 screened),
    broke at 1.01 x the hall's headroom, so the headroom table's row for it said 241 kW for
    153 (the headroom's final bracket asks for it).
    `dropped`: failure ids whose rows the caller drops (the headroom's design single points of
    failure, found at today's load): screened like the others, never re-solved in full (their
    full solve changed nothing kept: small-room.yaml's UPS-1 and MSB were solved at each of a
    search's 5 N-1 probes past x = 0, 10 of its 48 full solves). Their rows and their ids in
    the lost set are then the screen's.
    `limits` (a dict, filled in): per ``N-1 (<domain>): <id> failed`` row, the normal-state
    constraint its utilisation is read from, where that is a power element's loading or
    another normal-state constraint of the case's full solve (`case_limit`): what breaks inside
    the failure ('UPS UPS-1' in small-room.yaml's PDU-1 case with UPS-1 at 150 kVA). A row
    read from a cooling group's loading, or only marked broken (`BROKEN_MARK`: racks at risk,
    IT lost), has none.
    """
    from twin.scenarios.sweep import CHUNK, SWEEP_COLUMNS, FastSweep, _case, at_risk, summarise
    from twin.solve import run
    from twin.solve.ffd_ahead import march_ahead

    grid = GridMemo() if grid is None else grid
    fast = FastSweep(twin, scenario, results)
    parts = [fast.evaluate(sets[i : i + CHUNK], utility=True) for i in range(0, len(sets), CHUNK)]
    t = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SWEEP_COLUMNS)
    dkw = t.pop("utility_dkw").to_numpy(float) if "utility_dkw" in t else np.zeros(len(t))
    # a case that stops a cooling unit moves its draw to the peers unchanged in the screen:
    # their faster fans and pumps (cube law) are not in `dkw`, only its full solve has them
    coupled = pd.to_numeric(t["cooling_units_out"]).to_numpy(float) > fast._cool_out0.sum()
    base = fast.base_row()  # the scenario's own row: each case counts beyond it
    lost_before_kw = float(base["it_lost_kw"])
    near = at_risk(twin, t, fast.t_in_max0, base)
    # within `band` of 1: the worst-screened unit of each cooling group (its peers are
    # alike or less loaded; power cases near 100 % are at risk already)
    u = pd.Series(_n1_u(t, lost_before_kw)[0], index=t.index)
    group = t["contingency"].map(lambda c: _cooling_group(twin, c))
    close = (u > 1.0 - band) & group.notna()
    if close.any():
        near[u[close].groupby(group[close]).idxmax().to_numpy()] = True
    if close.any() and peers is not None:
        top = u[close].groupby(group[close]).transform("max")
        near[top.index[u[close] >= top - peers].to_numpy()] = True
    grid_kw = twin.layout.site.grid_mw * 1000.0
    normal_kw = float(results.kpis["utility_kw"])
    seen = t["contingency"].isin(list(grid)).to_numpy(bool)
    est = np.array([grid.estimate_kw(c, normal_kw) for c in t["contingency"]])
    # a case's extra losses are heat the cooling removes too: grown by the PUE where positive
    # (the screen read 9.4 kW where the full solve drew 11.2 kW for a busway on both hybrid
    # halls; x 1.3 covers it)
    pue = float(results.kpis.get("pue", np.nan))
    grow = np.where(dkw > 0, pue if np.isfinite(pue) and pue > 1.0 else 2.0, 1.0)
    est = np.where(seen | coupled, est, normal_kw + dkw * grow) / grid_kw
    # and a low estimate: a case over the limit by more than the band on it is broken without
    # a solve (at the first-order answer the normal state is at the limit: every case that
    # draws more would be solved only to say so); a coupled case never solved has none
    low = np.array([grid.estimate_kw(c, normal_kw, low=True) for c in t["contingency"]])
    low = np.where(seen, low, np.where(coupled, -np.inf, normal_kw + dkw)) / grid_kw
    if grid_check:
        below = np.where(seen | ~coupled, GRID_VERIFY_BAND, GRID_SCREEN_BAND)
        near |= (est > 1.0 - below) & (low <= 1.0 + GRID_VERIFY_BAND)
    near &= ~t["contingency"].isin(list(dropped)).to_numpy(bool)
    near = np.flatnonzero(near)
    extra = np.zeros(len(t))  # the case's other normal-state constraints (full solves)
    extra_name: dict[int, str | None] = {}  # and the one read (`case_limit`)
    v0 = results.violations
    inherited = frozenset(f"{k} {c}" for k, c in zip(v0["kind"], v0["component"], strict=True))
    if len(near):
        known = set(twin.component_ids())
        march_ahead(twin, [scenario.failed | set(sets[i]) for i in near], progress=progress)
        rows = []
        for i in tqdm(near, disable=not progress, unit="case", desc="N-1 full re-solve"):
            res = run(twin, _case(scenario, sets[i], known))
            rows.append(summarise(twin, sets[i], res))
            extra[i], extra_name[i] = case_limit(twin, res, inherited)
            est[i] = float(res.kpis["utility_kw"]) / grid_kw
            cid = t["contingency"].iat[i]
            grid[cid] = (normal_kw, float(res.kpis["utility_kw"]))
        full = pd.DataFrame(rows, columns=t.columns, index=t.index[near])
        t = t.astype(object)
        t.loc[full.index] = full.astype(object)
    u, lost = _n1_u(t, lost_before_kw)
    # a violation with a zero limit (racks unfed) reads inf: broken, by an unknown measure
    u = np.fmax(u, np.where(np.isfinite(extra), extra, BROKEN_MARK))
    names = [f"N-1 ({_n1_domain(twin, c)}): {c} failed" for c in t["contingency"]]
    out = dict(zip(names, u.astype(float), strict=True))
    if limits is not None:
        limits.update(_limits(twin, t, names, u, extra, extra_name))
    # the grid inside each failure, a power constraint (a lost feed's 0 kW: generators carry)
    grid_u = zip(t["contingency"], est, strict=True)
    out.update((f"{GRID_N1}: {c} failed", float(g)) for c, g in grid_u)
    return out, set(t["contingency"][lost])


def _limits(twin, t: pd.DataFrame, names, u, extra, extra_name) -> dict[str, str]:
    """`n1_utilisation`'s ``limits``: per row whose utilisation `u` is read from one constraint,
    that constraint: the full solve's (`extra`, `extra_name`) or the worst element's loading
    (``max_loading_pct``, ``worst_element``); not a cooling group's loading above both, nor a
    break mark with nothing measured at it."""
    from twin.metrics.headroom_constraints import element_constraint

    def col(name):
        return pd.to_numeric(t[name], errors="coerce").to_numpy(float)

    load = np.nan_to_num(col("max_loading_pct"), nan=0.0) / 100.0
    cool = np.nan_to_num(col("max_cooling_loading_pct"), nan=0.0, posinf=np.inf) / 100.0
    out: dict[str, str] = {}
    for i, name in enumerate(names):
        if extra_name.get(i) and extra[i] == u[i] and extra[i] >= max(load[i], cool[i]):
            out[name] = extra_name[i]
            continue
        cid = t["worst_element"].iat[i]
        if isinstance(cid, str) and cid and load[i] == u[i] and load[i] >= cool[i]:
            out[name] = element_constraint(twin.kind_of(cid), cid)
    return out


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


def _n1_u(t: pd.DataFrame, lost_before_kw: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(utilisation, loses IT) per row of an N-1 table (see `n1_utilisation`). A row loses
    IT when its case loses more than `lost_before_kw`, what the scenario it is added to lost
    already (the table's ``it_lost_kw`` counts both): with HX-UPS-A1 and B1 failed on
    hybrid-inference.yaml, every chiller and dry cooler read as a failure that "would drop
    IT", their cases losing the same 2,112 kW as the scenario (audit 2026-12-04)."""

    def col(name):
        return pd.to_numeric(t[name], errors="coerce").to_numpy(float)

    load = np.nan_to_num(col("max_loading_pct"), nan=0.0)
    # a cooling group with heat and no capacity left reads inf: broken, kept so (nan_to_num's
    # default would make it 1.8e306, a figure no group has)
    cool = np.nan_to_num(col("max_cooling_loading_pct"), nan=0.0, posinf=np.inf)
    u = np.fmax(load, cool) / 100.0
    lost = col("it_lost_kw") > lost_before_kw + 1e-6
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
