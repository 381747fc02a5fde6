"""IT headroom: how much more IT load fits, and which constraint stops it (issue 12).

`headroom(twin, scenario=None, scope="site")` is the one answer the dashboard,
`twin solve`, `twin info` and the editor show; `twin.metrics.stranded` splits it
into power and cooling per hall.

What "adding IT load" means here: the racks of the scope (every rack for
``"site"``, the racks of one hall for a hall id, of one row for a row id) are
scaled uniformly, rack
``power_kw x base x (1 + x)`` where ``base`` is the scenario's own
`load_scale` for that rack (1 by default). Their heat scales with them (the
liquid and air shares of each rack stay as they are), and the facility power
grows with power-chain losses and the cooling draw, so a constraint's margin
in kW of added IT is not its raw kW margin: every margin is found by solving
the coupled model (`twin.solve.run`) at several ``x``.

Constraints (utilisation ``u``, broken when ``u > 1``):

- ``grid connection``: utility draw / ``site.grid_mw``;
- each power source (``utility GRID``) at its kVA capacity;
- each power element (transformer, UPS, PDU, ...) loading <= 100 % in normal
  state, and ``<kind> <id> in failover``: its loading after the partner side of
  every rack below it fails (A/B, 2N or distributed redundancy; the power
  solve's first-order `failover_loading_pct`, see `twin.solve.power._design`);
- ``CDU group <loop> (N+1)``: heat into a TCS loop's CDUs against the group's
  capacity minus its largest unit (liquid);
- ``CRAH air (hall <id>)``: heat taken by a hall's CRAHs/CRACs against their
  capacity minus the largest unit (air, N+1);
- ``chillers <loop> (N+1)``, ``dry coolers <loop> (N+1)``, ``cooling towers
  <loop> (N+1)``: heat rejected against the loop's available capacity minus its
  largest unit (a loop with one unit: its capacity);
- any other violation the solve reports when scaled (over-temperature,
  undervoltage, ...), named by its kind and component.

The search: one solve at ``x = 0``, a first guess from each constraint's
utilisation (``u`` proportional to load), then bracketing with linear
interpolation of every constraint between the feasible and the broken solve,
probing just below and just above the estimate, until the bracket is within
`REL_TOL` of the answer (typically 3-7 solves). The binding constraint's margin
is that bracket; the other rows of the table are their linear interpolation
(or extrapolation) between the same two solves: estimates, not bounds.

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

from twin.model import registry
from twin.model.scenario import Scenario
from twin.solve import run

REL_TOL = 2e-3
"""Bracket width at which the search stops, relative to the headroom [est: the
acceptance test adds or removes 1 % of the headroom]."""
MAX_X = 100.0
"""Largest growth searched (x 101 the present IT); beyond it the headroom is unbounded."""
MAX_SOLVES = 24

__all__ = ["Headroom", "constraint_utilisation", "headroom"]

_COVERED = {"overload", "over_capacity", "grid_limit"}


@dataclass
class Headroom:
    """How much more IT fits in `scope` and what stops it.

    - `it_kw`: IT that can be added (kW) before the first constraint breaks;
    - `binding`: that constraint's name (None if nothing binds up to `MAX_X`);
    - `table`: one row per constraint, index = name, columns domain (power or
      cooling, `constraint_domains`), utilisation (now),
      margin_kw (added IT at which it breaks; inf if it never grows), binding;
    - `it_now_kw`: the scope's IT now; `free_slots`: empty rack slots (floor);
    - `solves`, `seconds`: the cost of the search.
    """

    scope: str
    it_kw: float
    binding: str | None
    it_now_kw: float
    table: pd.DataFrame = field(repr=False)
    free_slots: int = 0
    solves: int = 0
    seconds: float = 0.0

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
        }


def _n1(load: pd.Series, cap: pd.Series, group: pd.Series, label: str) -> dict[str, float]:
    """Per group: load / (capacity - largest unit); one unit: its capacity."""
    out = {}
    df = pd.DataFrame({"load": load, "cap": cap, "g": group}).dropna(subset=["g"])
    for g, d in df.groupby("g"):
        avail = d["cap"].sum() - (d["cap"].max() if len(d) > 1 else 0.0)
        u = d["load"].sum() / avail if avail > 0 else (math.inf if d["load"].sum() > 0 else 0.0)
        out[label.format(g)] = float(u)
    return out


def constraint_utilisation(twin, results) -> dict[str, float]:
    """Every constraint's utilisation (1 = at its limit) in a solved result."""
    u: dict[str, float] = {}
    grid_kw = twin.layout.site.grid_mw * 1000.0
    u["grid connection"] = results.kpis["utility_kw"] / grid_kw
    rp = results["res_power_nodes"]
    src = rp["kind"].isin(registry.POWER_SOURCES)
    utility = rp["kind"].isin(registry.tables(model="utility"))
    for cid, row in rp[src & utility].iterrows():
        u[f"utility {cid} capacity"] = row["loading_pct"] / 100.0
    for cid, row in rp[~src].iterrows():
        name = f"{registry.kind(row['kind']).label} {cid}"
        u[name] = row["loading_pct"] / 100.0
        u[name + " in failover"] = row["failover_loading_pct"] / 100.0
    if len(twin.cdus) and "res_cdus" in results.tables:
        r = results["res_cdus"]
        u.update(
            _n1(r["load_kw"], twin.cdus["capacity_kw"], twin.cdus["loop"], "CDU group {} (N+1)")
        )
    if len(twin.crahs) and "res_crahs" in results.tables:
        r = results["res_crahs"]
        u.update(
            _n1(r["load_kw"], twin.crahs["capacity_kw"], twin.crahs["hall"], "CRAH air (hall {})")
        )
    if len(twin.chillers) and "res_chillers" in results.tables:
        r = results["res_chillers"]
        u.update(
            _n1(r["load_kw"], r["capacity_avail_kw"], twin.chillers["loop"], "chillers {} (N+1)")
        )
    for kind, label in (("dry_coolers", "dry coolers"), ("cooling_towers", "cooling towers")):
        t = getattr(twin, kind, None)
        res = "res_" + kind
        if t is not None and len(t) and "capacity_kw" in t and res in results.tables:
            u.update(_n1(results[res]["load_kw"], t["capacity_kw"], t["loop"], label + " {} (N+1)"))
    for _, v in results.violations.iterrows():
        if v["kind"] in _COVERED:
            continue
        ratio = abs(v["value"] / v["limit"]) if v["limit"] else math.inf
        u[f"{v['kind']} {v['component']}"] = max(1.0 + 1e-9, ratio)
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
    heat += ("thermal_shutdown", "no_flow")
    return "cooling" if name.startswith(cooling + heat) else "power"


def constraint_domains(names) -> pd.Series:
    """Per constraint name: 'power' (grid, sources, power elements, electrical violations)
    or 'cooling' (cooling groups with their redundancy, temperature and heat violations)."""
    names = list(names)
    return pd.Series([_domain(n) for n in names], index=pd.Index(names, name="constraint"))


def _free_slots(twin, racks: pd.DataFrame) -> int:
    """Free rack slots of the rows the scope's racks stand in, counted as `twin place` and
    `twin.metrics.stranded` count them (`placement_geometry.free_slot_counts`)."""
    from twin.scenarios.placement_geometry import free_slot_counts, unit_boxes

    rows = set(racks["row"])
    units = unit_boxes(twin.layout)
    halls = {h.id: h for h in twin.layout.halls}
    free = 0
    for hid in set(racks["hall"]):
        counts = free_slot_counts(twin.layout, halls[hid], units)
        free += sum(n for row, n in counts.items() if row in rows)
    return free


def headroom(twin, scenario: Scenario | None = None, scope: str = "site") -> Headroom:
    """How much more IT fits in `scope` ("site", a hall or a row id) and which constraint binds.

    See the module docstring for what "adding IT" means and how it is searched.
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

    def at(x: float) -> dict[str, float]:
        if x not in cache:
            ls = dict(scenario.load_scale)
            ls.update((base * (1.0 + x)).to_dict())
            r = run(twin, replace(scenario, name=f"headroom x={x:.5g}", load_scale=ls))
            cache[x] = constraint_utilisation(twin, r)
        return cache[x]

    def worst(u: dict[str, float]) -> str:
        return max(u, key=u.get)

    u0 = at(0.0)
    free = _free_slots(twin, racks)

    def result(x_ok: float, x_bad: float | None, binding: str | None) -> Headroom:
        ua = cache[x_ok]
        ub = cache[x_bad] if x_bad is not None else None
        rows = []
        for n in sorted(set(cache[x_ok]) | (set(ub) if ub else set())):
            a = ua.get(n, 0.0)
            if ub is not None and x_bad is not None:
                b = ub.get(n, 0.0)
                slope = (b - a) / (x_bad - x_ok)
            else:
                slope = a / (1.0 + x_ok)
            if n == binding:
                m = x_ok
            elif slope > 1e-12:
                m = x_ok + (1.0 - a) / slope
            else:
                m = math.inf if a <= 1.0 else 0.0
            rows.append(
                {
                    "constraint": n,
                    "utilisation": u0.get(n, math.nan),
                    "margin_kw": m * it_now,
                    "binding": n == binding,
                }
            )
        table = pd.DataFrame(rows).set_index("constraint").sort_values("margin_kw")
        table.insert(0, "domain", constraint_domains(table.index))
        return Headroom(
            scope,
            x_ok * it_now if binding else math.inf,
            binding,
            it_now,
            table,
            free,
            len(cache),
            time.perf_counter() - t0,
        )

    if it_now <= 0:
        return (
            result(0.0, None, None)
            if max(u0.values(), default=0) <= 1
            else result(0.0, None, worst(u0))
        )
    if max(u0.values(), default=0.0) > 1.0:
        return result(0.0, None, worst(u0))

    # first guess: every utilisation proportional to the scope's load
    lo, hi = 0.0, None
    guesses = [1.0 / v - 1.0 for v in u0.values() if v > 1e-9]
    p = min(guesses, default=1.0)
    p = min(max(p, 1e-4), MAX_X)
    while len(cache) < MAX_SOLVES:
        # probe just below, then just above the estimate p
        for q in (p * (1 - REL_TOL / 3), p * (1 + REL_TOL / 3)):
            if not (lo < q and (hi is None or q < hi)):
                continue
            if max(at(q).values()) > 1.0:
                hi = q
                break
            lo = q
        if hi is not None and hi - lo <= REL_TOL * hi:
            break
        if hi is None:
            # still feasible: extrapolate from x = 0 and lo, at most doubling
            if lo >= MAX_X:
                return result(lo, None, None)
            if lo > 0:
                a, b = cache[0.0], cache[lo]
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
        a, b = cache[lo], cache[hi]
        est = [
            lo + (1 - a.get(n, 0.0)) * (hi - lo) / (b[n] - a.get(n, 0.0))
            for n in b
            if b[n] > 1.0 and b[n] - a.get(n, 0.0) > 1e-12
        ]
        p = min(est, default=0.5 * (lo + hi))
        d = hi - lo
        p = min(max(p, lo + 0.02 * d), hi - 0.02 * d)
        if len(cache) >= MAX_SOLVES - 2:
            p = 0.5 * (lo + hi)
    return result(lo, hi, worst(cache[hi]))
