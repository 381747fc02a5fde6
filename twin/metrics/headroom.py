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
40.3 kW "N-1 solved" where that failure broke the contract at 99.9 % of it, audit 6 #4;
52.4 kW on 2026-12-05, HX-CH1 binding at 99.999 %; `headroom_n1.case_utilisation`,
`GRID_SCREEN_BAND`) (broken, too, by any overload
or generator over capacity, unremoved heat or racks at thermal risk). A failure that breaks
by overloading a power element counts in the table's power domain whatever failed (its name
says what failed: small-room's CRACs lost with TX-1 at 250 kVA overload TX-1, cooling has 46 kW
to spare), and the binding constraint names the element (`binding_at`). If one
breaks at the answer, the search goes on below it with these constraints until
the bracket closes again. Failures that lose IT already at ``x = 0`` because the design
has a single point of failure (small-room's only UPS) are left out: load growth does not
change them, and `twin n1` reports them (past ``x = 0`` they are screened, not solved in
full again: `n1_utilisation`'s ``dropped``). A failure that loses IT only because the scenario
took the redundancy out already (ai-factory-hall.yaml with H1-UPS-A1 failed: losing
H1-UPS-B1 too drops its 8 racks) is not left out: it breaks at ``x = 0``, so the headroom is
0 with that failure binding, and `Headroom.redundancy_lost` names it. This is the rule the
cooling side follows (with H1-CRAH1 failed the remaining CRAHs must still ride through one
more loss): in a degraded state the headroom is what N-1 on top of it allows, for power and
cooling alike (Uptime's fault tolerance is a property of the state the site is in, not of
its drawings). Left out, as it was, losing a UPS *raised* the headroom (376.2 -> 378.1 kW:
the lost redundancy invisible, the UPS's no-load loss gone; audit 6 #15). In such a state a failure
"would drop IT" only if it loses more than the scenario lost already, and racks the scenario
leaves unfed are a given of the state, not a limit on what the live racks may add: with
HX-UPS-A1 and B1 failed on hybrid-inference.yaml ~100 chillers, dry coolers and CRAHs were
named as lost redundancy (each case lost the scenario's 2,112 kW); the N-1 screen counts
its marks beyond the scenario's own row too (`sweep_risk.at_risk`'s ``base``), or every
case was re-solved in full at every probe (AI hall with H1-UPS-A1+B1 failed: 54 -> 24 s, the
same 1,368 kW, 2026-12-04 beside a CI run). A state past a limit whose redundancy no load
restores (two of three CRACs failed, the third at 163 %) sheds to its limits without
redundancy (`failover` "redundancy lost"): -75.1 kW where it read 0.0 kW. Above
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

The search (`twin.metrics.headroom_search`): one solve at ``x = 0``, a first guess from
each constraint's utilisation, then bracketing until the bracket is within its `REL_TOL` of
the answer; the binding constraint's margin is that bracket, and so is every row that holds
at its feasible end and breaks at its broken end ("searched"); the others are extrapolated
beyond it ("extrapolated", an estimate). Each probe reads the N-1 cases near their limit from
full solves, a group's alike units too (`PEER_BAND`).

A site already past a limit today (N+1 cooling short, a PDU that cannot carry its partner's
load, the grid contract) has a negative headroom: the IT of the scope to shed until every
constraint, the N-1 failures' full solves too, holds again, bracketed between today and the
scope's IT all shed (``x = -1``), with the constraint that binds last (`reason`: "already
broken: shed ... kW"). It read 0.0 kW beside "Violations: 0" (audit 7 F3: small-room.yaml
with RA07 at 75 kW, any CRAC lost leaves 21.7 kW unremoved; now -19.8 kW, the CRAC N-1
binding, the stranded split's cooling margin the same). If shedding all of it does not
restore the limit (a hall whose campus is over its grid contract by more than the hall
draws), the headroom is minus the scope's IT and `Headroom.unrestorable` says so. A failure
that drops IT at any load because the scenario took its redundancy out stays at 0
(`redundancy_lost`, above): shedding does not restore a lost feed.

Floor space is not a limit on scaling the racks that are there: it limits
adding racks. `Headroom.free_slots` counts the free rack slots of the scope's
rows (on the floor up to the hall's walls, no rack or positioned cooling unit
on it: the slots `twin place` fills), reported separately.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import pandas as pd

from twin.metrics.headroom_constraints import constraint_utilisation, element_constraint
from twin.metrics.headroom_n1 import (
    PEER_BAND,
    GridMemo,
    n1_failed_id,
    n1_utilisation,
    scope_failures,
)
from twin.metrics.headroom_search import bracket, margin_table, ordered, search
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.results import not_an_answer_lines

N1_CHECK_MAX_CASES = 300
"""Most single failures the headroom checks by N-1 sweeps [est: each sweep re-solves in
full the cases near their limits, ~30 of ai-factory-hall.yaml's 91 at its headroom
(3.1-7.4 s for a whole search on the reference layouts at load ~7 on 2 cores); a 9-hall
campus's ~800 took minutes]; a hall or row scope counts only `scope_failures`."""

__all__ = ["N1_CHECK_MAX_CASES", "Headroom", "headroom", "scope_racks"]


@dataclass
class Headroom:
    """How much more IT fits in `scope` and what stops it.

    - `it_kw`: IT that can be added (kW) before the first constraint breaks (inf if
      nothing binds up to `MAX_X`; NaN if the scope's racks draw no IT, so scaling them
      adds none and the headroom is undefined, not unbounded: see `reason`); negative
      where a limit is already broken today (N+1 cooling, A/B failover, the grid): the IT
      to shed until every constraint holds, -`it_now_kw` if shedding all of it does not
      (`unrestorable`);
    - `binding`: that constraint's name (None if nothing binds up to `MAX_X`);
    - `table`: one row per constraint, index = name, columns domain (power or
      cooling, `constraint_domains`), utilisation (now),
      margin_kw (added IT at which it breaks, at least `it_kw`; inf if it never grows),
      margin_basis ("searched" or "extrapolated", see the module docstring), binding;
    - `it_now_kw`: the scope's IT now, of the racks the state feeds (`unfed_kw`: those it
      leaves without power, which no scale loads); `free_slots`: empty rack slots (floor);
    - `solves`, `seconds`: the cost of the search: `solves` counts the load steps solved
      (one coupled solve of the site each), not the N-1 sweep's full solves of each
      failure at a step (tens to a hundred and more a search); `seconds` covers both;
    - `failover`: "N-1 solved" (every single failure checked at the answer by
      the N-1 sweep with full re-solves) or "first-order" (not checked);
    - `redundancy_lost`: failures that lose IT at today's load only because the scenario's
      own failures took their redundancy out (the design has a partner for them); with any,
      the headroom is 0 (see the module docstring);
    - `not_an_answer`: `not_an_answer_lines` of today's solve (x = 0) where it is no
      solution (a power flow that does not converge): the headroom is then the IT to shed
      until the solve is a solution within its limits, and every front end says so first
      (`twin info` printed "-158.7 kW, undervoltage PDU-1" as if today's state had solved);
    - `binding_failure`: where `binding` is a power element over its rating today and a
      single failure loads it more (the headroom is that failure case's), that failure's id;
      `binding_limit`: where `binding` is a failure (``N-1 (...): <id> failed``), the power
      element it overloads, if that is what breaks in it; `binding_today`: `binding`'s
      utilisation today where it is a power element over its rating (else NaN). `reason`
      names them: 'UPS UPS-1 (131.9 % today, more with PDU-1 failed; already broken: ...)',
      'N-1 (cooling): CRAC-1 failed, overloading transformer TX-1' (`binding_at` in
      `headroom`).
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
    unrestorable: bool = False
    not_an_answer: tuple[str, ...] = ()
    unfed_kw: float = 0.0
    binding_failure: str | None = None
    binding_limit: str | None = None
    binding_today: float = math.nan

    @property
    def reason(self) -> str:
        """The binding constraint as every front end prints it (`twin solve`, `twin info`, the
        app's caption): its name, the element a binding failure overloads, an element's
        loading today with the failure that loads it more, and what to do where it is broken
        already; or, when no constraint binds, unbounded or undefined (why)."""
        if not self.binding:
            return self._unbound()
        head = self.binding
        if self.binding_limit:
            head += f", overloading {self.binding_limit}"
        notes = []
        if not math.isnan(self.binding_today):
            more = f", more with {self.binding_failure} failed" if self.binding_failure else ""
            notes.append(f"{self.binding_today * 100:.1f} % today{more}")
        if self.redundancy_lost:
            lost = ", ".join(self.redundancy_lost)
            shed = (
                f"already broken: shed {-self.it_kw:,.1f} kW of IT, or add capacity, to "
                "restore it without redundancy; "
                if self.it_kw < 0
                else ""
            )
            notes.append(f"{shed}redundancy already lost: failing {lost} would drop IT")
        elif self.unrestorable:
            notes.append("broken even with all of the scope's IT shed")
        elif self.it_kw < 0:
            notes.append(
                f"already broken: shed {-self.it_kw:,.1f} kW of IT, or add capacity, to restore it"
            )
        return f"{head} ({'; '.join(notes)})" if notes else head

    def _unbound(self) -> str:
        """`reason` where no constraint binds: unbounded, or undefined (why)."""
        if math.isnan(self.it_kw) and self.unfed_kw > 0:
            return (
                f"undefined: no rack in scope is fed in this state ({self.unfed_kw:,.1f} kW "
                "of racks without power), and the headroom scales the racks that draw"
            )
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
            "unrestorable": self.unrestorable,  # negative it_headroom_kw: all of it shed
            "not_an_answer": list(self.not_an_answer),  # today's solve is no solution
            "unfed_kw": self.unfed_kw,  # racks in scope the state leaves unfed (not scaled)
            "reason": self.reason,  # the binding constraint, or why none: unbounded/undefined
            "binding_failure": self.binding_failure,  # the failure an element binds in
            "binding_limit": self.binding_limit,  # the element a binding failure overloads
        }


def _redundancy_row(name: str) -> bool:
    """A constraint that is itself a failure, first-order (`constraint_utilisation`'s
    ``... in failover`` and cooling groups' ``(N+1)`` rows)."""
    return name.endswith(" in failover") or name.endswith("(N+1)")


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


REDUNDANCY_LOST = "redundancy lost"
"""`Headroom.failover` of a state past a limit whose redundancy no load restores: its
negative headroom sheds to the limits without redundancy, no failure checked on top."""


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
    cache: dict[float, dict[str, float]] = {}
    solved: dict[float, object] = {}
    n1c: dict[float, dict[str, float]] = {}
    n1lim: dict[float, dict[str, str]] = {}  # per x: what breaks inside each failure (limits)
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
            u = constraint_utilisation(twin, r, redundancy=redundant)
            cache[x] = {k: v for k, v in u.items() if k not in unfed0}
        return cache[x]

    # racks the scenario leaves unfed stay so at any load: a given of the state, not a limit
    # on the IT the live racks may add (shedding cannot feed them; it read -10,048 kW, all of
    # hybrid-inference.yaml shed, with HX-UPS-A1 and B1 failed)
    unfed0: set[str] = set()
    redundant = True  # the normal state's redundancy constraints (elements in failover, N+1)
    unfed0 |= {k for k in at(0.0) if k.startswith("unfed ")}
    cache[0.0] = {k: v for k, v in cache[0.0].items() if k not in unfed0}  # as `at` keeps them
    # today's IT: the racks in service that the state feeds. A rack the scenario leaves
    # unfed draws nothing at any scale, so counting it overstated the headroom by IT/fed IT
    # (small-room with RA on PDU-1 alone, PDU-1 failed: 268.9 kW where the same site
    # without the RA racks has 133.7) and read 'unbounded' with every rack dark (UPS-1
    # failed), where no rack draws: n/a (audit 2026-12-05 #1)
    fed = solved[0.0]["res_racks"]["fed"].reindex(racks.index).fillna(False).to_numpy(bool)
    it_now = float((racks["power_kw"] * base)[live & fed].sum())
    unfed_kw = float((racks["power_kw"] * base)[live & ~fed].sum())

    def n1at(x: float) -> dict[str, float]:
        """The N-1 constraints at x (the failures that lose IT at x = 0 left out)."""
        if x not in n1c:
            at(x)
            n1lim[x] = {}
            u, lost = n1_utilisation(
                twin,
                scaled(x),
                solved[x],
                sets,
                progress=progress,
                grid=grid_memo,
                grid_check=x != 0.0,
                peers=PEER_BAND if x != 0.0 else None,  # alike units solved alike
                dropped=frozenset(spof),  # left out below: not solved in full again
                limits=n1lim[x],
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

    def binding_at(x: float) -> tuple[str, str | None]:
        """The constraint that binds at `x` and, where it is a normal-state limit a failure
        binds by, that failure's row. A normal-state limit broken at `x` binds before any
        failure case that breaks with it: the small room's UPS-1 at 198 % read 'N-1 (power):
        PDU-1 failed' (that case carries the same UPS a little hotter), while the IT to shed
        was UPS-1's (audit 2026-12-05 #5); redundancy rows stand for failures, not first.
        Where no such limit is broken at `x` but the worst failure breaks by overloading a
        power element already over its rating today, that element binds by its own name and
        the failure is named beside it (`Headroom.binding_failure`): the element is what to
        fix, the failure only sizes the shed. At moderate overloads the bracket's broken end
        sheds enough for the normal state to hold while a failure case that loads the same
        element a little more (surviving fans faster, a partner's losses) still breaks: UPS-1
        at 150 kVA (131.9 %) read 'N-1 (power): PDU-1 failed', TX-1 at 250 kVA (111.7 %)
        'N-1 (cooling): CRAC-1 failed', a cooling failure blamed for a transformer overloaded
        in normal operation (audit input 2, #2). A failure that overloads an element not over
        its rating today keeps its name (`Headroom.binding_limit` names the element)."""
        broken = {k: v for k, v in cache[x].items() if v > 1.0 and not _redundancy_row(k)}
        if broken:
            return worst(broken), None
        b = worst(full(x))
        k = n1lim.get(x, {}).get(b)
        if k is not None and k in elements and cache[0.0].get(k, 0.0) > 1.0:
            return k, b
        return b, None

    u0 = at(0.0)
    free = _free_slots(twin, scope)
    rp0 = solved[0.0]["res_power_nodes"]
    elements = {element_constraint(k, c) for c, k in zip(rp0.index, rp0["kind"], strict=True)}

    def result(x_ok: float, x_bad: float | None, bound: tuple[str | None, str | None]) -> Headroom:
        binding, case = bound
        ub = full(x_bad) if x_bad is not None else None
        # a failure that breaks by overloading a power element counts in power, whatever
        # failed (as `GRID_N1`): TX-1's overload in the CRAC-1 case stranded no cooling
        lim = {**n1lim.get(x_ok, {}), **(n1lim.get(x_bad, {}) if x_bad is not None else {})}
        power = {n: "power" for n, k in lim.items() if k in elements}
        table = margin_table(full(x_ok), ub, full(0.0), x_ok, x_bad, binding, it_now, power)
        limit = lim.get(binding) if binding is not None and case is None else None
        today = cache[0.0].get(binding, math.nan) if binding in elements else math.nan
        return Headroom(
            scope,
            x_ok * it_now if binding else (math.inf if it_now > 0 else math.nan),
            binding,
            it_now,
            table,
            free,
            len(cache),
            time.perf_counter() - t0,
            "N-1 solved" if n1_check else "first-order" if redundant else REDUNDANCY_LOST,
            tuple(sorted(lost0)),
            not_an_answer=tuple(not_an_answer_lines(solved[0.0].violations)),
            unfed_kw=unfed_kw,
            binding_failure=n1_failed_id(case) if case else None,
            binding_limit=limit if limit in elements else None,
            binding_today=today if today > 1.0 else math.nan,
        )

    def shed() -> Headroom:
        """A limit already broken today: the IT of the scope to shed (a negative headroom)
        until every constraint holds again, bracketed between the scope's IT all shed
        (x = -1) and today (x = 0)."""
        both = (lambda x: (at(x), n1at(x))) if n1_check else (lambda x: (at(x), {}))
        both(-1.0)
        if max(full(-1.0).values(), default=0.0) > 1.0:  # broken with the scope's IT off
            # one answer: the binding row (still broken with all of it shed) reads the
            # headroom, -IT, as every searched row does, not the 0 of today's end
            h = result(0.0, None, binding_at(-1.0))
            table = h.table.copy()
            table.loc[h.binding, ["margin_kw", "margin_basis"]] = [-it_now, "searched"]
            table["margin_kw"] = table["margin_kw"].clip(lower=-it_now)  # no more to shed
            return replace(h, it_kw=-it_now, table=ordered(table), unrestorable=True)
        lo, hi = bracket(both, -1.0, 0.0, full)
        return result(lo, hi, binding_at(hi))

    if it_now <= 0:
        return (
            result(0.0, None, (None, None))
            if max(u0.values(), default=0) <= 1
            else result(0.0, None, (worst(u0), None))
        )
    if n1_check:
        n1at(0.0)
    if max(full(0.0).values(), default=0.0) > 1.0:
        if lost0 and max(at(0.0).values(), default=0.0) <= 1.0:
            # only a failure that drops IT at any load breaks: shedding does not restore it
            return result(0.0, None, (worst(full(0.0)), None))
        if lost0:  # and today's state is past a limit too. Its redundancy is lost (no load
            # restores it): shed to the limits of the state without it, no failure on top and
            # no N+1 (two of three CRACs failed read 0.0 kW with the third at 163 %, audit
            # 2026-12-04); `redundancy_lost` names the failures that drop IT at any load
            redundant, n1_check = False, False
            cache.clear()
            n1c.clear()
            solved.clear()
            at(0.0)  # today's state without them: the margin table's reference
        return shed()

    lo, hi = search(at, u0)
    if n1_check and max(n1at(lo).values(), default=0.0) > 1.0:
        # a full solve of a failure contradicts the first-order answer: search below it
        lo, hi = bracket(lambda x: (at(x), n1at(x)), 0.0, lo, full)
    if n1_check and hi is not None and hi not in n1c:
        n1at(hi)  # the table's N-1 rows read full solves at both ends of the bracket
    if hi is None:
        return result(lo, None, (None, None))
    return result(lo, hi, binding_at(hi))
