"""Where the next racks fit: candidates, screened, verified by coupled solves, ranked (issue 17).

`place(twin, "nvl72", 24)` answers "where do 24 more NVL72 racks go?":

1. Candidates (`candidates`), per hall: the free slots of one existing row that
   holds all of them; the free slots of the hall's rows taken in row order; new
   rows after the hall's last row, at the pitch and orientation of its rows (the
   last two rows repeat, shifted by the pitch of a row pair). A free slot is a
   slot whose rack footprint (row width x depth) lies on the hall floor
   (`size_m`), no rack holds it, and no cooling unit with a position
   (`position_m`, its registry footprint) stands on it. Each new rack gets the
   feeds A/B of a pair its hall's racks already use, the pair whose worse
   failover loading after adding the rack is lowest (greedy, rack by rack: the
   racks spread over the PDUs/busways as evenly as their loading allows), and
   the liquid loop of its row's racks (a new row: the hall's TCS loop whose CDU
   group has the most N+1 margin).
2. Screening: from one base solve, each constraint of
   `twin.metrics.headroom_constraints.constraint_utilisation` on a candidate's path grows
   linearly with the kW it adds: a power element's loading (and failover
   loading) with the IT through it (``u * (it + d) / it``, the power solve's
   own first-order rule for failover), a cooling group's with the heat it takes
   (``u + d / available``), the grid with the added IT times the site's
   utility/IT ratio. Estimates only: they choose which candidates to verify.
3. Verification: the best `verify` candidates the screen finds with no
   broken limit (if none, the best one) are applied to the layout, validated like
   any layout, and solved with `twin.solve.run`: their
   rows in the table say ``verified`` and carry the solved numbers. A candidate
   is ``feasible`` only if verified, no constraint is broken that was not
   broken before (utilisation > 1, power elements in failover and cooling
   groups N+1 included, any new violation) and no rack throttles or trips
   (`res_racks.thermal_state`). On a site of at most `N1_CHECK_MAX_CASES`
   single failures, every one of them is also solved on the candidate's layout
   (as the IT headroom checks its answer): a failure that breaks the placed
   layout and did not break the base makes it infeasible; larger sites keep the
   first-order failover rule. Stranded power and cooling after placement: on
   the same sites (``stranded="auto"``, the default) from `twin.metrics.stranded`
   on the solved layout (``"search"``: the numbers `twin info --stranded` gives
   for it, a headroom search per hall, ~1 s on `ai-factory-hall`; a candidate that
   breaks a limit or puts a rack in thermal trouble is not searched, NaN: past a
   limit nothing is stranded, and the search would look for the IT to shed); on larger
   ones estimated from the base and the verified solve (``"estimate"``: each
   raised constraint linear in the kW placed along this placement, not the
   hall's racks grown uniformly as the search does, so it can differ from it
   several times over: 116 against 727 kW on a 100 MW campus, 156 against 83 kW
   on `ai-factory-hall`; `_stranded_estimate`; not settled, NaN, where it would
   contradict the binding constraint; measured on a 3-hall campus, 3 x NVL72:
   10 s in all, against 96 s for the search).
4. Ranking: verified before screened; then fewest broken constraints and
   racks in thermal trouble, most balanced feeds (largest difference between a
   new rack's A and B feed loading, pp), least stranded capacity (power +
   cooling, kW), highest remaining margin (1 - utilisation of the binding
   constraint, the most loaded constraint the candidate raises), and last
   fewest racks put in rows of another profile.

`Placement.apply(k)` gives the layout with the candidate of rank k (1 = best) applied.
Floor geometry lives in `twin.scenarios.placement_geometry`, candidates and the screen
in `twin.scenarios.placement_candidates`.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field

import pandas as pd

from twin.errors import LayoutError, ScenarioError
from twin.layout import Layout, dump, validate_data
from twin.layout.builtin_profiles import RACK_PROFILES
from twin.metrics.headroom import N1_CHECK_MAX_CASES
from twin.metrics.headroom_constraints import constraint_domains, constraint_utilisation
from twin.metrics.headroom_n1 import n1_utilisation
from twin.model.scenario import Scenario
from twin.scenarios.placement_candidates import (
    SCREEN_LIMIT,
    TOWER_HEAT_FACTOR,
    Candidate,
    _Base,
    _base,
    _profile,
    candidates,
    rack_profiles,
)
from twin.scenarios.placement_geometry import free_slots, unit_boxes
from twin.solve import run

__all__ = [
    "SCREEN_LIMIT",
    "TOWER_HEAT_FACTOR",
    "Candidate",
    "Placement",
    "added",
    "apply",
    "candidates",
    "free_slots",
    "nothing_fits",
    "place",
    "rack_profiles",
    "unit_boxes",
]

BROKEN = 1.0 + 1e-9
"""Utilisation above which a constraint is broken."""
PROBLEM_NAMES = 3
"""Broken constraints a candidate's `problem` names (in `_broken`'s order, then "... and N
more"); its `broken_constraints` lists all of them, in the same order."""
COLUMNS = [
    "hall",
    "kind",
    "rows",
    "slots",
    "racks",
    "kw_added",
    "verified",
    "feasible",
    "broken_limits",
    "racks_throttled",
    "racks_tripped",
    "feed_imbalance_pp",
    "binding_constraint",
    "binding_utilisation",
    "stranded_power_kw",
    "stranded_cooling_kw",
    "problem",
    "broken_constraints",
]


INVALID = "the layout it makes is not valid: "
"""How a candidate's `problem` starts when verifying it found its layout invalid."""


@dataclass
class Placement:
    """The ranked candidates (`table`, index = rank from 1) and how they were found."""

    profile: str
    count: int
    kw_added: float
    table: pd.DataFrame
    candidates: list[Candidate] = field(repr=False)
    base: dict = field(repr=False)
    skipped: dict[str, str] = field(default_factory=dict)  # hall -> why no candidate
    solves: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    profiles: dict = field(default_factory=dict, repr=False)
    source: str = "<placement>"  # the base layout's file: relative paths in it resolve there
    stranded: str | bool = "estimate"  # how stranded_*_kw were found: `place`'s `stranded`

    @property
    def feasible(self) -> pd.DataFrame:
        return self.table[self.table["feasible"]]

    def apply(self, rank: int = 1) -> Layout:
        """The layout with the candidate of `rank` (1 = best, as in `table`) applied, validated."""
        n = len(self.candidates)
        if not 1 <= rank <= n:
            span = f"1-{n}" if n else "none"
            raise ScenarioError(f"no candidate {rank}: ranks are {span}")
        return apply(self.base, self.candidates[rank - 1], self.profiles, self.source)


def apply(
    data: dict | Layout, cand: Candidate, profiles: dict | None = None, source: str | None = None
) -> Layout:
    """The layout (plain data from `twin.layout.dump`, or a Layout) with `cand` added, validated
    as if in the base layout's file `source` (so a relative ``site.weather_file`` is found
    beside it, as `refresh` does; from another working folder it was not, and every
    candidate failed to verify)."""
    if source is None:
        source = data.source if isinstance(data, Layout) else None
    name = f"{source} with a placement" if source else "<placement>"
    return validate_data(added(data, cand, profiles), name, copy=True)


def added(data: dict | Layout, cand: Candidate, profiles: dict | None = None) -> dict:
    """The plain data (as `twin.layout.dump` gives) with `cand` added, not validated: what
    the editor validates and commits. `data` is not changed (new containers where racks,
    rows or a profile are added; the rest is shared)."""
    if isinstance(data, Layout):
        profiles = profiles or rack_profiles(data)
        data = dump(data)
    # new containers only where something is added; validate_data copies the rest itself
    out = dict(data)
    out["profiles"] = dict(out.get("profiles") or {})
    prof_name = cand.racks[0]["profile"] if cand.racks else None
    if prof_name and prof_name not in out["profiles"]:
        out["profiles"][prof_name] = dict((profiles or RACK_PROFILES)[prof_name])
    halls = []
    for hall in out["halls"]:
        mine = [r for r in cand.racks if cand.hall_of.get(r["id"], cand.hall) == hall["id"]]
        rows = cand.new_rows if hall["id"] == cand.hall else []
        if mine or rows:
            hall = dict(hall)
            hall["rows"] = [*hall.get("rows", []), *copy.deepcopy(rows)]
            hall["racks"] = [*hall.get("racks", []), *copy.deepcopy(mine)]
        halls.append(hall)
    out["halls"] = halls
    return out


# ------------------------------------------------------------------ verify and rank


def _broken(
    u: dict[str, float], before: dict[str, float], failures: frozenset[str] = frozenset()
) -> list[dict]:
    """The constraints above 100 % in `u` that were not in `before`, each with its
    utilisation. Those broken with every component running come first, then the single
    failures (`failures`, the `_n1` cases: one failed CDU can be listed once per CDU of its
    group and hid the grid connection); in each part the furthest over its limit first,
    ties by name."""
    over = [(n, float(v)) for n, v in u.items() if v > BROKEN and before.get(n, 0.0) <= BROKEN]
    over.sort(key=lambda nv: (nv[0] in failures, -nv[1], nv[0]))
    return [{"constraint": n, "utilisation": v} for n, v in over]


def _problem(broken: list[dict]) -> str | None:
    """The worst `PROBLEM_NAMES` of `broken` with their utilisation, and how many more."""
    if not broken:
        return None
    shown = "; ".join(
        f"{b['constraint']} at {b['utilisation']:.1%}" for b in broken[:PROBLEM_NAMES]
    )
    more = len(broken) - PROBLEM_NAMES
    return shown + (f"; ... and {more} more" if more > 0 else "")


def _stranded_estimate(
    before: dict, after: dict, kw: float, binding: str | None = None
) -> tuple[float, float]:
    """Stranded power and cooling (kW) if more racks were placed the same way: each
    constraint the placement raised and that was within its limit before is taken as
    linear in the kW placed, between the base solve and the verified one (slope = rise /
    kW), so its margin is ``(1 - u_after) / slope``; the power margin is the smallest of a
    power constraint, the cooling margin of a cooling one (`constraint_domains`), and what
    one side could carry beyond the other is stranded, as `twin.metrics.stranded` defines
    it. An estimate (two solves, growth along this placement, not the hall's racks scaled
    uniformly). A constraint broken before (a failure that loses IT whatever is placed)
    bounds nothing: with it, the estimate put a campus hall's power margin below zero and
    called its cooling stranded while cooling bound.

    With the `binding` constraint (the one the candidate line names), the estimate must
    agree: if its side is the one with margin to spare, the two solves cannot tell which
    side runs out first (the sides' margins are within the line's reach of each other), so
    both are NaN: not settled (`twin.metrics.stranded`, ``stranded="search"``, settles it)."""
    raised = {
        n: v
        for n, v in after.items()
        if v > before.get(n, 0.0) + 1e-12 and before.get(n, 0.0) <= BROKEN
    }
    if not raised or kw <= 0:
        return 0.0, 0.0
    dom = constraint_domains(raised)
    margin = {"power": math.inf, "cooling": math.inf}
    for n, v in raised.items():
        slope = (v - before.get(n, 0.0)) / kw
        margin[dom[n]] = min(margin[dom[n]], (1.0 - v) / slope)
    p, c = margin["power"], margin["cooling"]
    sp = max(0.0, p - max(c, 0.0)) if c < math.inf else 0.0
    sc = max(0.0, c - max(p, 0.0)) if p < math.inf else 0.0
    side = constraint_domains([binding]).iat[0] if binding else None
    if (side == "power" and sp > 0) or (side == "cooling" and sc > 0):
        return math.nan, math.nan
    return sp, sc


def _n1_checked(twin) -> bool:
    """Does a placement solve every single failure of `twin` (at most `N1_CHECK_MAX_CASES`)?"""
    from twin.scenarios.sweep import contingencies

    return 0 < len(contingencies(twin)) <= N1_CHECK_MAX_CASES


def _n1(twin, res) -> dict[str, float]:
    """Every single failure of `twin` solved (`twin.metrics.headroom_n1`, as the IT
    headroom checks its answer), keyed ``N-1 (<domain>): <id> failed``; empty on a site
    with more than `N1_CHECK_MAX_CASES` failures (there, failover stays first-order)."""
    from twin.scenarios.sweep import contingencies

    if not _n1_checked(twin):
        return {}
    sets = [(c,) for c in contingencies(twin)]
    return n1_utilisation(twin, Scenario(), res, sets)[0]


def _verify(
    twin_cls,
    data: dict,
    cand: Candidate,
    base: _Base,
    profiles: dict,
    strand,
    n1_before: dict[str, float] | None = None,
    source: str | None = None,
):
    """The candidate's layout solved: what it breaks that was not broken before. With
    `n1_before` (the base's `_n1`), every single failure is solved on it too: the
    first-order failover rule let a placement pass that a full solve of one failure
    breaks (the IT headroom's finding, docs/planning.md)."""
    from twin.metrics.stranded import stranded

    try:
        layout = apply(data, cand, profiles, source)
    except LayoutError as exc:
        return {"problem": INVALID + exc.brief(PROBLEM_NAMES)}, 0
    tw = twin_cls.from_layout(layout)
    res = run(tw)
    u = constraint_utilisation(tw, res)
    before = base.u
    n1 = _n1(tw, res) if n1_before else {}
    if n1_before:
        u = {**u, **n1}
        before = {**base.u, **n1_before}
    cand.solved = u
    broken = _broken(u, before, frozenset(n1))
    state = res["res_racks"]["thermal_state"]
    raised = {n: v for n, v in u.items() if v > before.get(n, 0.0) + 1e-9}
    pool = raised or u
    binding = max(pool, key=pool.get) if pool else None
    rp = res["res_power_nodes"]["loading_pct"]
    imb = 0.0
    for r in cand.racks:
        a, b = r.get("feed_a"), r.get("feed_b")
        if a in rp.index and b in rp.index:
            imb = max(imb, abs(float(rp[a]) - float(rp[b])))
    row = {
        "verified": True,
        "broken_limits": len(broken),
        "broken_constraints": broken,
        "racks_throttled": int((state == "throttled").sum()),
        "racks_tripped": int((state == "shutdown").sum()),
        "feed_imbalance_pp": imb,
        "binding_constraint": binding,
        "binding_utilisation": u.get(binding, math.nan) if binding else math.nan,
        "problem": _problem(broken),
    }
    solves = 1
    row["feasible"] = (
        row["broken_limits"] == 0 and row["racks_throttled"] == 0 and row["racks_tripped"] == 0
    )
    if strand == "estimate":
        sp, sc = _stranded_estimate(before, u, cand.kw_added, binding)
        row["stranded_power_kw"], row["stranded_cooling_kw"] = sp, sc
    elif strand and not row["feasible"]:
        # past a limit nothing is stranded: the search would look for the IT to shed (a
        # negative headroom, 41 s of solves for 4 NVL72s on ai-factory-hall), not settled
        row["stranded_power_kw"] = row["stranded_cooling_kw"] = math.nan
    elif strand:
        try:
            rooms = stranded(tw, halls=cand.halls)
        except KeyError as exc:  # headroom's search on a constraint only one bracket has
            row["problem"] = "; ".join(
                filter(None, [row["problem"], f"stranded capacity not found (KeyError {exc})"])
            )
        else:  # over the candidate's halls
            row["stranded_power_kw"] = float(rooms["stranded_power_kw"].sum())
            row["stranded_cooling_kw"] = float(rooms["stranded_cooling_kw"].sum())
    return row, solves


def _screen_row(cand: Candidate, base: _Base) -> dict:
    est = cand.est
    broken = _broken(est, base.u)
    binding = max(est, key=est.get) if est else None
    imb = 0.0
    for r in cand.racks:
        a, b = r.get("feed_a"), r.get("feed_b")
        if isinstance(a, str) and isinstance(b, str):
            ua = est.get(base.label.get(a, a), base.u.get(base.label.get(a, a), 0.0))
            ub = est.get(base.label.get(b, b), base.u.get(base.label.get(b, b), 0.0))
            imb = max(imb, abs(ua - ub) * 100.0)
    return {
        "verified": False,
        "feasible": False,
        "broken_limits": len(broken),
        "racks_throttled": math.nan,
        "racks_tripped": math.nan,
        "feed_imbalance_pp": imb,
        "binding_constraint": binding,
        "binding_utilisation": est.get(binding, math.nan) if binding else math.nan,
        "stranded_power_kw": math.nan,
        "stranded_cooling_kw": math.nan,
        "problem": ("estimate: " + _problem(broken)) if broken else None,
        "broken_constraints": broken,
    }


def _key(row: dict) -> tuple:
    stranded = (row.get("stranded_power_kw") or 0.0) + (row.get("stranded_cooling_kw") or 0.0)
    # an estimate not settled (NaN: the sides run out about together) ranks as none stranded
    stranded = 0.0 if math.isnan(stranded) else (stranded if math.isfinite(stranded) else math.inf)
    trouble = (
        row["broken_limits"] + (row.get("racks_throttled") or 0) + (row.get("racks_tripped") or 0)
    )
    trouble = trouble if math.isfinite(trouble) else row["broken_limits"]
    return (
        not row["verified"],
        trouble,
        round(row["feed_imbalance_pp"], 3),
        round(stranded, 0),
        round(row["binding_utilisation"], 4)
        if math.isfinite(row["binding_utilisation"])
        else math.inf,
        row.get("mixed", 0),
    )


def place(
    twin,
    profile: str,
    count: int,
    *,
    verify: int = 3,
    stranded: str | bool = "auto",
    base_results=None,
    halls=None,
) -> Placement:
    """Where `count` racks of `profile` fit in `twin`: ranked candidates (see the module doc).

    `verify`: how many candidates get a full coupled solve (only those can be reported
    feasible): the best ones the screen finds with no broken limit, or, if it finds none,
    the best one. `stranded` after placement, per verified candidate:
    "search" (`twin.metrics.stranded` on each of its halls: the same numbers as
    `twin info --stranded` on the placed layout, a headroom search per hall), "estimate"
    (from the base and the verified solve, `_stranded_estimate`), "auto" (default: the
    search on a site whose single failures are solved too, `N1_CHECK_MAX_CASES`, else
    the estimate; `Placement.stranded` says which), or False.
    `halls`: hall ids to place in (default every hall).
    Raises `ScenarioError` for an unknown profile, a count below 1 or an unknown hall.
    """
    t0 = time.perf_counter()
    timings = {}
    layout = twin.layout
    prof = _profile(layout, profile)
    if count < 1:
        raise ScenarioError(f"count must be at least 1; got {count}")
    if verify < 0:
        raise ScenarioError(f"verify must be 0 or more; got {verify}")
    res = base_results if base_results is not None else run(twin)
    base = _base(twin, res)
    timings["base_s"] = time.perf_counter() - t0
    t = time.perf_counter()
    cands, skipped = candidates(twin, profile, count, base, halls=halls)
    timings["candidates_s"] = time.perf_counter() - t
    profiles = rack_profiles(layout)
    data = dump(layout)
    for c in cands:
        c.row = _screen_row(c, base)
        c.row["mixed"] = c.mixed
    cands.sort(key=lambda c: _key(c.row))
    t = time.perf_counter()
    solves = 0 if base_results is not None else 1
    # solve the best `verify` the screen finds with no broken limit; at least the best one,
    # so that "nothing fits" names what a solve (not the screen) finds broken
    todo = [c for c in cands if c.row["broken_limits"] == 0][:verify]
    if not todo and verify > 0:
        todo = cands[:1]
    n1_before = _n1(twin, res) if todo else {}
    if stranded == "auto":  # the search where it is affordable (hall-sized sites)
        stranded = "search" if _n1_checked(twin) else "estimate"
    for c in todo:
        row, n = _verify(type(twin), data, c, base, profiles, stranded, n1_before, layout.source)
        c.row.update(row)
        solves += n
    timings["verify_s"] = time.perf_counter() - t
    cands.sort(key=lambda c: _key(c.row))
    rows = []
    for c in cands:
        rows.append(
            {
                "hall": c.hall,
                "kind": c.kind,
                "rows": ", ".join(c.rows),
                "slots": c.slots_text(),
                "racks": len(c.racks),
                "kw_added": c.kw_added,
                **{k: c.row.get(k) for k in COLUMNS[6:]},
            }
        )
    table = pd.DataFrame(rows, columns=COLUMNS, index=pd.RangeIndex(1, len(rows) + 1, name="rank"))
    return Placement(
        profile,
        count,
        count * float(prof["power_kw"]),
        table,
        cands,
        data,
        skipped,
        solves,
        time.perf_counter() - t0,
        timings,
        profiles,
        layout.source or "<placement>",
        stranded,
    )


def nothing_fits(p: Placement) -> str:
    """Why no candidate is feasible, naming the constraint that stops the best one."""
    if not p.candidates:
        why = "; ".join(f"{h}: {w}" for h, w in list(p.skipped.items())[:5])
        return f"no hall has room for {p.count} racks of {p.profile!r} ({why})"
    best = p.table.iloc[0]
    if not best["verified"] and str(best["problem"]).startswith(INVALID):  # verify ran
        return f"the best candidate ({best['hall']}, {best['slots']}): {best['problem']}"
    if not best["verified"]:
        return f"no candidate was verified (verify=0); the best screened one is {best['hall']}"
    parts = [best["problem"]] if best["broken_limits"] and best["problem"] else []
    hot = [
        f"{int(best[k])} rack(s) {w}"
        for k, w in (("racks_throttled", "throttled"), ("racks_tripped", "tripped by heat"))
        if best[k]
    ]
    if hot:
        parts.append(
            ", ".join(hot) + f" ({best['binding_constraint']} at {best['binding_utilisation']:.1%})"
        )
    stop = "; ".join(parts) or str(best["problem"])
    return (
        f"no verified placement of {p.count} racks of {p.profile!r} is feasible (no broken limit, no rack throttled or tripped); "
        f"the best candidate ({best['hall']}, {best['slots']}) is stopped by {stop}"
    )
