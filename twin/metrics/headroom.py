"""IT headroom: how much more IT load fits, and which constraint stops it (issue 12).

`headroom(twin, scenario=None, scope="site")` is the one answer the dashboard,
`twin solve`, `twin info` and the editor show; `twin.metrics.stranded` splits it
into power and cooling per hall.

What "adding IT load" means here: the racks of the scope (every rack for
``"site"``, the racks of one hall for a hall id, of one row for a row id) are
scaled uniformly, rack
``power_kw x base x (1 + x)`` where ``base`` is the scenario's own
`load_scale` for that rack (1 by default). Their heat scales with them (the
liquid and air shares of each rack stay as they are), and so does their airflow
(`twin.solve.rack_airflow.airflow_fraction`: server fans hold the exhaust rise), so the
CRAH fans speed up as they do for racks `twin place` adds: on small-room.yaml the
headroom, 40.2 kW, and placing 10 kW racks bind on the same N-1 failure at ~40.1 kW
(44.2 kW while scaled racks kept their design airflow; tests/solve/
test_rack_airflow_load.py). The facility power
grows with power-chain losses and the cooling draw, so a constraint's margin
in kW of added IT is not its raw kW margin: every margin is found by solving
the coupled model (`twin.solve.run`) at several ``x``.

Constraints (utilisation ``u``, broken when ``u > 1``):

- ``grid connection``: utility draw / ``site.grid_mw``;
- each power source (``utility GRID``) at its kVA capacity; each generator or
  turbine (``generator <id> capacity``) at its kVA or its kW rating (rating_kva x
  power_factor), whichever binds: it carries load where the scenario has the grid
  failed;
- each power element (transformer, UPS, PDU, ...) loading <= 100 % in normal
  state, and ``<kind> <id> in failover``: its loading after the partner side of
  every rack below it fails (A/B, 2N or distributed redundancy; the power
  solve's first-order `failover_loading_pct`, see `twin.solve.power._design`);
- ``CDU group <loop> (N+1)``: heat into a TCS loop's CDUs against the group's
  capacity minus its largest unit (liquid);
- ``CRAH air (hall <id>)``: heat taken by a hall's CRAHs/CRACs against their
  capacity minus the largest unit (air, N+1);
- ``chillers <loop> (N+1)``: the chillers' load against their available capacity
  minus the largest (a loop with one chiller: its capacity); the free cooling on the
  loop carries the rest, as in the plant solve;
- ``dry coolers <loop> (N+1)``, ``cooling towers <loop> (N+1)``: whether the loop
  still rejects its heat with the group's worst unit out (`free_cooling_n1`): on a
  loop with running chillers the heat against what the other free-cooling units and
  the chillers take then; elsewhere the group's load against its running capacity
  minus its largest unit (a group with one running unit: its capacity);
- any other violation the solve reports when scaled (over-temperature,
  undervoltage, ...), named by its kind and component.

The failover constraints above are first-order (the power solve's
`failover_loading_pct` scales each element's present loading by the IT it would
carry; an N+1 group sums its units' present load), and a full solve of the
failure can load more: the survivors' fans and pumps run faster (cube law), so
their coil load and the boards feeding them rise; losses grow with the square of
the current; a mechanical board or transformer that carries no IT (dual-fed
cooling units) shows no failover loading at all, nor does a generator behind an
ATS. On the reference layouts the first-order figure was up to 1.1 %-points
under the full solve on IT-carrying elements, 0.9 points on a CRAH group, and
75 points on a mechanical board (0 against 75 %), so a headroom from it alone
could be too high (small-room.yaml: 45.0 kW, where losing any CRAC at that load
leaves 2.7 kW per CRAC unremoved; 2026-12-01 12:03 UTC). So the answer is checked against full solves
of every single failure the scope feels (`n1_check`, `scope_failures`): the
N-1 sweep (`twin.scenarios.sweep`: the exact fast power path, every case it
puts at risk re-solved with `twin.solve.run`, and so is the worst-screened
unit of each cooling group within `N1_VERIFY_BAND` of its limit) runs at
``x = 0`` and at the answer; each failure is a
constraint ``N-1 (<power or cooling>): <id> failed`` with the utilisation ``max(worst element
loading, worst cooling group loading) / 100`` and every normal-state constraint above
inside the failure (the grid connection first: losing a CRAH speeds up its peers' fans,
+26 kW on hybrid-inference.yaml, which drew within 0.4 % of its 13.1 MW; the headroom said
40.3 kW "N-1 solved" where that failure broke the contract at 99.9 % of it, audit 6 #4,
now 20.5 kW; `headroom_n1.case_utilisation`, `GRID_SCREEN_BAND`) (broken, too, by any overload
or generator over capacity, unremoved heat or racks at thermal risk). If one
breaks at the answer, the search goes on below it with these constraints until
the bracket closes again. Failures that lose IT already at ``x = 0`` because the design
has a single point of failure (small-room's only UPS) are left out: load growth does not
change them, and `twin n1` reports them. A failure that loses IT only because the scenario
took the redundancy out already (ai-factory-hall.yaml with H1-UPS-A1 failed: losing
H1-UPS-B1 too drops its 8 racks) is not left out: it breaks at ``x = 0``, so the headroom is
0 with that failure binding, and `Headroom.redundancy_lost` names it. This is the rule the
cooling side follows (with H1-CRAH1 failed the remaining CRAHs must still ride through one
more loss): in a degraded state the headroom is what N-1 on top of it allows, for power and
cooling alike (Uptime's fault tolerance is a property of the state the site is in, not of
its drawings). Left out, as it was, losing a UPS *raised* the headroom (376.2 -> 378.1 kW:
the lost redundancy invisible, the UPS's no-load loss gone; audit 6 #15). Above
`N1_CHECK_MAX_CASES` failures (a campus's whole site) the check is skipped
(`Headroom.failover` says "first-order"): the answer may then be up to the gaps
above too high. The check costs an N-1 sweep per probe past the first-order
answer, with its full re-solves (3.1-7.4 s in all on the reference layouts at
load ~7 on this 2-core machine, against 0.4-1.0 s first-order). The grid inside each
failure is its own constraint, ``N-1 grid connection: <id> failed`` (power, whatever
failed: `headroom_n1.GRID_N1`); the screen gives a power failure's change of utility draw,
and a failure that stops cooling units (whose peers speed up, which the screen cannot see)
is solved in full once the normal state draws within `GRID_SCREEN_BAND` of the limit, then
estimated from that solve (`headroom_n1.GridMemo`). That full pass made the search 2.1 ->
6.5 s on hybrid-inference.yaml and 3.4 -> 8.5 s on ai-factory-hall.yaml (2026-12-03 09:39
UTC, load ~2; small-room.yaml 2.5 s, unchanged).

The search: one solve at ``x = 0``, a first guess from each constraint's
utilisation (``u`` proportional to load), then bracketing with linear
interpolation of every constraint between the feasible and the broken solve,
probing just below and just above the estimate, until the bracket is within
`REL_TOL` of the answer (typically 3-7 solves). The binding constraint's margin
is that bracket, and so is every row that holds at its feasible end and breaks at its
broken end ("searched": its margin is the headroom); the others held at the broken end:
their margin is at least it, beyond it the two solves' linear extrapolation ("extrapolated",
an estimate). Each probe reads the N-1 cases near their limit from full solves, a group's
alike units too (`PEER_BAND`: a screened peer read 241 kW for a 153 kW campus-hall break).

Floor space is not a limit on scaling the racks that are there: it limits
adding racks. `Headroom.free_slots` counts the free rack slots of the scope's
rows (on the floor up to the hall's walls, no rack or positioned cooling unit
on it: the slots `twin place` fills), reported separately.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from twin.metrics.headroom_free_cooling import free_cooling_n1
from twin.metrics.headroom_n1 import (
    BROKEN_MARK,
    N1_VERIFY_BAND,
    PEER_BAND,
    GridMemo,
    n1_failed_id,
    n1_utilisation,
    scope_failures,
)
from twin.model import registry
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.dx_cop import solved_capacity_kw

REL_TOL = 2e-3
"""Bracket width at which the search stops, relative to the headroom [est: the
acceptance test adds or removes 1 % of the headroom]."""
MAX_X = 100.0
"""Largest growth searched (x 101 the present IT); beyond it the headroom is unbounded."""
MAX_SOLVES = 24
N1_CHECK_MAX_CASES = 300
"""Most single failures the headroom checks by N-1 sweeps [est: each sweep re-solves in
full the cases near their limits, ~30 of ai-factory-hall.yaml's 91 at its headroom
(3.1-7.4 s for a whole search on the reference layouts at load ~7 on 2 cores); a 9-hall
campus's ~800 took minutes]; a hall or row scope counts only `scope_failures`."""

__all__ = [
    "N1_VERIFY_BAND",
    "Headroom",
    "constraint_utilisation",
    "free_cooling_n1",
    "n1_groups",
    "headroom",
    "n1_utilisation",
    "scope_failures",
]

_COVERED = {"overload", "over_capacity", "grid_limit"}


@dataclass
class Headroom:
    """How much more IT fits in `scope` and what stops it.

    - `it_kw`: IT that can be added (kW) before the first constraint breaks (inf if
      nothing binds up to `MAX_X`; NaN if the scope's racks draw no IT, so scaling them
      adds none and the headroom is undefined, not unbounded: see `reason`);
    - `binding`: that constraint's name (None if nothing binds up to `MAX_X`);
    - `table`: one row per constraint, index = name, columns domain (power or
      cooling, `constraint_domains`), utilisation (now),
      margin_kw (added IT at which it breaks, at least `it_kw`; inf if it never grows),
      margin_basis ("searched" or "extrapolated", see the module docstring), binding;
    - `it_now_kw`: the scope's IT now; `free_slots`: empty rack slots (floor);
    - `solves`, `seconds`: the cost of the search;
    - `failover`: "N-1 solved" (every single failure checked at the answer by
      the N-1 sweep with full re-solves) or "first-order" (not checked);
    - `redundancy_lost`: failures that lose IT at today's load only because the scenario's
      own failures took their redundancy out (the design has a partner for them); with any,
      the headroom is 0 (see the module docstring).
    """

    scope: str
    it_kw: float
    binding: str | None
    it_now_kw: float
    table: pd.DataFrame = field(repr=False)
    free_slots: int = 0
    solves: int = 0
    seconds: float = 0.0
    failover: str = "first-order"
    redundancy_lost: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        """What the headline says when no constraint binds: unbounded, or undefined (why)."""
        if self.binding and self.redundancy_lost:
            lost = ", ".join(self.redundancy_lost)
            return f"{self.binding} (redundancy already lost: failing {lost} would drop IT)"
        if self.binding:
            return self.binding
        if math.isnan(self.it_kw):
            return (
                "undefined: the racks in scope draw 0 kW, and the headroom scales them "
                "(give them a power_kw)"
            )
        return "none up to x100"

    @property
    def scale(self) -> float:
        """Factor on the scope's racks at the headroom (1 + x)."""
        return 1.0 + self.it_kw / self.it_now_kw if self.it_now_kw > 0 else math.nan

    def as_dict(self) -> dict:
        return {
            "scope": self.scope,
            "it_headroom_kw": self.it_kw,
            "binding_constraint": self.binding,
            "it_now_kw": self.it_now_kw,
            "free_slots": self.free_slots,
            "solves": self.solves,
            "failover": self.failover,
            "redundancy_lost": list(self.redundancy_lost),
            "reason": self.reason,  # the binding constraint, or why none: unbounded/undefined
        }


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
        u[f"utility {cid} capacity"] = row["loading_pct"] / 100.0
    for cid, row in rp[src & ~utility].iterrows():  # at its binding rating: kVA or kW
        u[f"{registry.kind(row['kind']).label} {cid} capacity"] = row["loading_pct"] / 100.0
    for cid, row in rp[~src].iterrows():
        name = f"{registry.kind(row['kind']).label} {cid}"
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


def scope_racks(twin, scope: str) -> pd.DataFrame:
    """The racks of `scope`: "site", a hall id or a row id (ValueError naming the choices)."""
    racks = twin.racks
    if scope == "site":
        return racks
    if scope in set(racks["hall"]):
        return racks[racks["hall"] == scope]
    if scope in set(racks["row"]):
        return racks[racks["row"] == scope]
    raise ValueError(f"unknown scope {scope!r}: 'site', a hall id or a row id")


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


def _free_slots(twin, scope: str) -> int:
    """Free rack slots of `scope` (every row of the site, of a hall, or the one row; a row
    with no rack yet counts too: `twin place` fills it), counted as `twin place` and
    `twin.metrics.stranded` count them (`placement_geometry.free_slot_counts`)."""
    from twin.scenarios.placement_geometry import free_slot_counts, unit_boxes

    units = unit_boxes(twin.layout)
    free = 0
    for hall in twin.layout.halls:
        if scope not in ("site", hall.id) and scope not in {r.id for r in hall.rows}:
            continue
        counts = free_slot_counts(twin.layout, hall, units)
        free += sum(n for row, n in counts.items() if scope in ("site", hall.id, row))
    return free


def headroom(
    twin,
    scenario: Scenario | None = None,
    scope: str = "site",
    n1_check: bool | None = None,
    progress: bool = False,
) -> Headroom:
    """How much more IT fits in `scope` ("site", a hall or a row id) and which constraint binds.

    See the module docstring for what "adding IT" means and how it is searched.
    `n1_check`: check the answer against every single failure solved (default: when the
    site has at most `N1_CHECK_MAX_CASES` failable components). `progress`: bars for the
    N-1 check's full solves (an ffd hall's flows marched per failure take seconds each).
    """
    import time

    t0 = time.perf_counter()
    scenario = scenario or Scenario()
    racks = scope_racks(twin, scope)
    star = float(scenario.load_scale.get("*", 1.0))
    base = pd.Series(star, index=racks.index)
    own = {k: v for k, v in scenario.load_scale.items() if k in base.index}
    if own:
        base.update(pd.Series(own, dtype=float))
    live = ~racks.index.isin(list(scenario.out_of_service))
    it_now = float((racks["power_kw"] * base)[live].sum())
    cache: dict[float, dict[str, float]] = {}
    solved: dict[float, object] = {}
    n1c: dict[float, dict[str, float]] = {}
    spof: set[str] = set()
    lost0: set[str] = set()  # failures losing IT at x = 0 that are not the design's
    grid_memo = GridMemo()  # each failure's last full solve: its draw on the grid connection
    sets = [(c,) for c in scope_failures(twin, racks) if c not in scenario.failed]
    if n1_check is None:
        n1_check = len(sets) <= N1_CHECK_MAX_CASES
    n1_check = bool(n1_check and sets)

    def scaled(x: float) -> Scenario:
        ls = dict(scenario.load_scale)
        ls.update((base * (1.0 + x)).to_dict())
        return replace(scenario, name=f"headroom x={x:.5g}", load_scale=ls)

    def at(x: float) -> dict[str, float]:
        if x not in cache:
            r = run(twin, scaled(x))
            solved[x] = r
            cache[x] = constraint_utilisation(twin, r)
        return cache[x]

    def n1at(x: float) -> dict[str, float]:
        """The N-1 constraints at x (the failures that lose IT at x = 0 left out)."""
        if x not in n1c:
            at(x)
            u, lost = n1_utilisation(
                twin,
                scaled(x),
                solved[x],
                sets,
                progress=progress,
                grid=grid_memo,
                grid_check=x > 0.0,
                peers=PEER_BAND if x > 0.0 else None,  # alike units solved alike
            )
            if x == 0.0:  # the design's own single points of failure only
                spof.update(lost & design_spof(lost))
                lost0.update(lost - spof)
            n1c[x] = {k: v for k, v in u.items() if n1_failed_id(k) not in spof}
        return n1c[x]

    def design_spof(lost: set[str]) -> set[str]:
        """Of `lost` (failures losing IT at x = 0), those that lose IT with the scenario's
        failures repaired too: the design's, not the degraded state's (screen: its power
        path is exact for IT lost)."""
        if not scenario.failed or not lost:
            return lost
        from twin.scenarios.sweep import sweep

        design = replace(scenario, failed=frozenset())
        t = sweep(twin, [(c,) for c in sorted(lost)], scenario=design, verify=False)
        return set(t.loc[t["it_lost_kw"] > 1e-9, "contingency"])

    def full(x: float) -> dict[str, float]:
        return {**cache[x], **n1c.get(x, {})}

    def worst(u: dict[str, float]) -> str:
        return max(u, key=u.get)

    u0 = at(0.0)
    free = _free_slots(twin, scope)

    def result(x_ok: float, x_bad: float | None, binding: str | None) -> Headroom:
        ua = full(x_ok)
        ub = full(x_bad) if x_bad is not None else None
        rows = []
        u_now = full(0.0)
        for n in sorted(set(ua) | (set(ub) if ub else set())):
            a = ua.get(n, 0.0)
            if ub is not None and n in ub and x_bad is not None:
                slope = (ub[n] - a) / (x_bad - x_ok)
            elif x_ok > 0 and n in u_now:
                slope = (a - u_now[n]) / x_ok
            else:
                slope = a / (1.0 + x_ok)
            searched = n == binding or (ub is not None and ub.get(n, 0.0) > 1.0 and a <= 1.0)
            if searched:  # held at x_ok, broken at x_bad: the search's own bracket
                m = x_ok
            elif slope > 1e-12:
                m = x_ok + (1.0 - a) / slope
            else:
                m = math.inf if a <= 1.0 else 0.0
            if not searched and ub is not None and n in ub and ub[n] <= 1.0:
                m = max(m, x_bad)  # it held at x_bad: its margin is no less
            if it_now <= 0:  # no IT to scale: no margin in kW (0 x inf would be NaN anyway)
                m = 0.0 if n == binding else math.nan
            rows.append(
                {
                    "constraint": n,
                    "utilisation": u_now.get(n, math.nan),
                    "margin_kw": m * it_now,
                    "margin_basis": "searched" if searched else "extrapolated",
                    "binding": n == binding,
                }
            )
        table = pd.DataFrame(rows).set_index("constraint")  # ties: the binding row first
        table = table.sort_values(["margin_kw", "binding"], ascending=[True, False], kind="stable")
        table.insert(0, "domain", constraint_domains(table.index))
        return Headroom(
            scope,
            x_ok * it_now if binding else (math.inf if it_now > 0 else math.nan),
            binding,
            it_now,
            table,
            free,
            len(cache),
            time.perf_counter() - t0,
            "N-1 solved" if n1_check else "first-order",
            tuple(sorted(lost0)),
        )

    if it_now <= 0:
        return (
            result(0.0, None, None)
            if max(u0.values(), default=0) <= 1
            else result(0.0, None, worst(u0))
        )
    if max(u0.values(), default=0.0) > 1.0:
        return result(0.0, None, worst(u0))
    if n1_check and max(n1at(0.0).values(), default=0.0) > 1.0:
        return result(0.0, None, worst(full(0.0)))

    lo, hi = _search(at, u0)
    if n1_check and max(n1at(lo).values(), default=0.0) > 1.0:
        # a full solve of a failure contradicts the first-order answer: search below it
        lo, hi = _bracket(lambda x: (at(x), n1at(x)), 0.0, lo, full)
    if n1_check and hi is not None and hi not in n1c:
        n1at(hi)  # the table's N-1 rows read full solves at both ends of the bracket
    if hi is None:
        return result(lo, None, None)
    return result(lo, hi, worst(full(hi)))


def _search(at, u0: dict[str, float]) -> tuple[float, float | None]:
    """(feasible x, broken x or None if feasible up to `MAX_X`) of the first-order constraints,
    the broken one within `REL_TOL` of the feasible one."""
    cache_n = 1

    def probe(x):
        nonlocal cache_n
        cache_n += 1
        return at(x)

    lo, hi = 0.0, None
    guesses = [1.0 / v - 1.0 for v in u0.values() if v > 1e-9]
    p = min(guesses, default=1.0)
    p = min(max(p, 1e-4), MAX_X)
    known = {0.0: u0}
    while cache_n < MAX_SOLVES:
        # probe just below, then just above the estimate p
        for q in (p * (1 - REL_TOL / 3), p * (1 + REL_TOL / 3)):
            if not (lo < q and (hi is None or q < hi)):
                continue
            known[q] = probe(q)
            if max(known[q].values()) > 1.0:
                hi = q
                break
            lo = q
        if hi is not None and hi - lo <= REL_TOL * hi:
            break
        if hi is None:
            # still feasible: extrapolate from x = 0 and lo, at most doubling
            if lo >= MAX_X:
                return lo, None
            if lo > 0:
                a, b = known[0.0], known[lo]
                est = [
                    lo + (1 - b[n]) * lo / (b[n] - a.get(n, 0.0))
                    for n in b
                    if b[n] - a.get(n, 0.0) > 1e-12
                ]
                p = min(max(min(est, default=2 * lo), lo * (1 + REL_TOL)), 2 * lo)
            else:
                p = 2 * p
            p = min(p, MAX_X)
            continue
        p = _interpolate(known[lo], known[hi], lo, hi, cache_n >= MAX_SOLVES - 2)
    if hi is None:
        return lo, None
    return lo, hi


def _interpolate(a: dict, b: dict, lo: float, hi: float, halve: bool) -> float:
    """Next probe: where the first constraint broken at `hi` crosses 1, linear between
    `lo` and `hi`, kept 2 % of the bracket inside it (the middle when `halve`)."""
    est = [
        lo + (1 - a.get(n, 0.0)) * (hi - lo) / (b[n] - a.get(n, 0.0))
        for n in b
        if b[n] > 1.0 and b[n] - a.get(n, 0.0) > 1e-12
    ]
    p = min(est, default=0.5 * (lo + hi))
    d = hi - lo
    p = min(max(p, lo + 0.02 * d), hi - 0.02 * d)
    return 0.5 * (lo + hi) if halve else p


def _bracket(at_both, lo: float, hi: float, full) -> tuple[float, float]:
    """Close the bracket (lo feasible, hi broken) of the first-order and N-1 constraints
    to `REL_TOL`, within `MAX_SOLVES` probes: the secant of the last two probes on the
    constraints broken at `hi` (the failures' utilisation is convex in load: the fans'
    cube law, so interpolating from `lo` to a far `hi` creeps up from below), else linear
    interpolation; each time probing just below, then just above the estimate."""

    def broken(x: float) -> bool:
        u, un = at_both(x)
        return max(u.values()) > 1.0 or max(un.values(), default=0.0) > 1.0

    probes: list[float] = []
    while hi - lo > REL_TOL * hi and len(probes) < MAX_SOLVES:
        p = _interpolate(full(lo), full(hi), lo, hi, len(probes) >= MAX_SOLVES - 2)
        if len(probes) >= 2 and len(probes) < MAX_SOLVES - 2:
            x1, x2 = probes[-2:]
            a, b, top = full(x1), full(x2), full(hi)
            est = [
                x2 + (1.0 - b[n]) * (x2 - x1) / (b[n] - a[n])
                for n in top
                if top[n] > 1.0 and n in a and n in b and abs(b[n] - a[n]) > 1e-12
            ]
            est = [e for e in est if lo < e < hi]
            if est:
                p = min(est)
        qs = [q for q in (p * (1 - REL_TOL / 3), p * (1 + REL_TOL / 3)) if lo < q < hi]
        for q in qs or [0.5 * (lo + hi)]:
            probes.append(q)
            if broken(q):
                hi = q
                break
            lo = q
    return lo, hi
