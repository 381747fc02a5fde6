"""Hardware refresh: swap racks of one generation for another, re-solve, say what breaks first.

`refresh(twin, "gb200-nvl72", "vr-nvl144", rows=[...], halls=[...])`:

1. Swap (`swap`): every rack whose accelerator is the ``from`` generation's
   (within the given rows/halls) takes the ``to`` generation's rack design
   (`twin.metrics.generations.generation`: power_kw, power factor, liquid
   fraction, height, accelerator) through a rack profile named after the
   generation; slots, feeds and liquid loops stay. The result is validated like
   any layout file (`twin.layout.validate_data`): a liquid-cooled generation on
   a rack with no liquid loop is a `ScenarioError` naming the rack.
2. Re-solve: the full coupled solve (`twin.solve.run`) of the layout before and
   after, at design load, as `twin solve` does.
3. What breaks first: every constraint of `twin.metrics.headroom_constraints.constraint_utilisation`
   (grid, sources, every power element in normal state and ``in failover``, the
   first-order N-1 the power solve gives; CDU, CRAH, chiller, dry cooler and
   tower groups at N+1; any violation) plus `twin.scenarios.refresh_limits`
   (pumps and pipes at the loop's design temperature rise, floor loading where
   a hall declares ``floor_load_kg_m2``), ranked by utilisation after the
   refresh; the first break is the highest one above 100 %. Each broken one
   gets what must be added to bring it back under 100 % (`refresh_limits.addition`).
4. Failover solved in full: the first-order rules above can pass a refresh that
   a full solve of one failure breaks (three 10-12 kW racks of small-room.yaml
   filled to 25 kW NPU racks: CRAH air N+1 at 99.1 %, and losing any CRAC
   leaves 3.2 kW unremoved, 102.6 %; tests/scenarios/test_refresh.py). So, as
   the IT headroom checks its answer, every single failure the swapped racks
   feel (`scope_failures`) is solved before and after (`n1_utilisation`: the
   N-1 sweep, its near-limit cases re-solved with `twin.solve.run`) and joins
   the ranking as ``N-1 (<domain>): <id> failed`` (`refresh_limits.n1_additions`
   says what to add). Failures that lose IT before the refresh (single points
   of failure, which `twin n1` lists) are left out (`n1_left_out`); where the
   refreshed solve already reports violations, a failure broken only by
   inheriting them is a consequence. Above `N1_CHECK_MAX_CASES` failures
   failover stays first-order, and `Refresh.failover` says which
   ("N-1 solved" / "first-order"). Cost: two N-1 sweeps, 1.5-18 s on the reference
   layouts and 32 s for one campus hall, against 0.2-0.75 s and 3.5 s first-order
   (docs/benchmarks.md, 2026-11-30 21:05-21:09 UTC, load 5-7 on 2 shared cores).
5. Tokens and cost: `twin.metrics.economics.economics` before and after
   (tokens/s from the solved rack powers, so throttled or tripped racks count
   what they deliver), the swapped racks' capex from the catalogue.

A solve with racks throttled or tripped by heat shows less IT than the design;
the ranking then still names the constraints those racks broke (their
violations are constraints too) and `racks_throttled`/`racks_shutdown` say so.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field

import pandas as pd

from twin.errors import LayoutError, ScenarioError
from twin.layout import Layout, dump, validate_data
from twin.metrics.economics import economics, rack_tokens
from twin.metrics.generations import RACK_FIELDS, generation
from twin.metrics.headroom import N1_CHECK_MAX_CASES
from twin.metrics.headroom_constraints import constraint_domains, constraint_utilisation
from twin.metrics.headroom_n1 import BROKEN_MARK, n1_failed_id, n1_utilisation, scope_failures
from twin.model.scenario import Scenario
from twin.scenarios.refresh_limits import addition, extra_constraints, n1_additions
from twin.solve import run

__all__ = ["BROKEN", "Refresh", "refresh", "swap"]

BROKEN = 1.0 + 1e-9
"""Utilisation above which a constraint is broken (as in twin.scenarios.placement)."""
SUMMARY_KEYS = (
    "it_kw",
    "facility_kw",
    "pue",
    "tokens_s",
    "tokens_s_per_mw_facility",
    "energy_usd_per_year",
    "cost_usd_per_year",
    "usd_per_mtok",
)


@dataclass
class Refresh:
    """What a refresh does: the racks swapped, the constraints ranked, tokens and cost."""

    from_gen: str
    to_gen: str
    racks: list[str]
    layout: Layout = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    before: dict = field(repr=False)
    after: dict = field(repr=False)
    capex_usd: float = 0.0
    results: object = field(default=None, repr=False)
    failover: str = "first-order"
    n1_cases: int = 0
    n1_left_out: list[str] = field(default_factory=list)

    @property
    def broken(self) -> pd.DataFrame:
        return self.table[self.table["broken"]]

    @property
    def first_break(self) -> str | None:
        """The element limit with the highest utilisation above 100 % after the refresh
        (violations the solve reports, such as racks over temperature, are its consequences)."""
        b = self.broken[self.broken["kind"] == "limit"]
        return None if b.empty else str(b.index[0])

    @property
    def failover_note(self) -> str:
        """How failover was judged, in one sentence (CLI text and the Refresh page)."""
        if self.failover == "N-1 solved":
            text = (
                "Failover: every single failure the swapped racks feel solved in full, before "
                f"and after ({self.n1_cases} cases; rows 'N-1 (...): <id> failed')"
            )
            if self.n1_left_out:
                more = " ..." if len(self.n1_left_out) > 5 else ""
                text += (
                    f"; left out {len(self.n1_left_out)} that lose IT before the refresh "
                    f"(single points of failure, twin n1 lists them): "
                    f"{', '.join(self.n1_left_out[:5])}{more}"
                )
            return text
        why = (
            f"{self.n1_cases:,} single failures, more than the {N1_CHECK_MAX_CASES} solved in full"
            if self.n1_cases
            else "no single failure to solve"
        )
        return (
            f"Failover: first-order only ({why}): the power solve's failover loading and "
            "cooling groups at N+1; a full solve of one failure can load more (twin n1)"
        )

    @property
    def tokens_gained_s(self) -> float:
        return self.after["tokens_s"] - self.before["tokens_s"]

    def as_dict(self) -> dict:
        return {
            "from": self.from_gen,
            "to": self.to_gen,
            "racks_swapped": len(self.racks),
            "failover": self.failover,
            "n1_cases": self.n1_cases,
            "n1_left_out": self.n1_left_out,
            "first_break": self.first_break,
            # the element limits over 100 % (the text's 'Broken limits (N; ...)'), and the
            # violations the refreshed solve reports as their consequences, apart
            "broken_limits": int((self.broken["kind"] == "limit").sum()),
            "consequences": int((self.broken["kind"] == "violation").sum()),
            "tokens_gained_s": self.tokens_gained_s,
            "capex_usd": self.capex_usd,
            "energy_usd_per_year_added": self.after["energy_usd_per_year"]
            - self.before["energy_usd_per_year"],
            "before": self.before,
            "after": self.after,
        }


def _check_names(asked, known, what: str) -> None:
    bad = [x for x in asked if x not in known]
    if bad:
        hint = difflib.get_close_matches(bad[0], list(known), n=1)
        near = f" (did you mean {hint[0]!r}?)" if hint else ""
        raise ScenarioError(
            f"unknown {what} {', '.join(map(repr, bad))}{near}; the layout has "
            f"{', '.join(sorted(known)[:12])}{' ...' if len(known) > 12 else ''}"
        )


def swap(
    layout: Layout,
    from_gen: str,
    to_gen: str,
    rows: list[str] | None = None,
    halls: list[str] | None = None,
) -> tuple[Layout, list[str]]:
    """The layout with the `from_gen` racks (in `rows`/`halls`, default all) made `to_gen`.

    Returns the validated layout and the ids of the racks swapped.
    """
    old, new = generation(from_gen, layout), generation(to_gen, layout)
    hall_ids = {h.id for h in layout.halls}
    row_ids = {r.id for h in layout.halls for r in h.rows}
    _check_names(halls or [], hall_ids, "hall")
    _check_names(rows or [], row_ids, "row")
    acc = old["rack"]["accelerator"]
    chosen = [
        (i, j)
        for i, h in enumerate(layout.halls)
        if not halls or h.id in halls
        for j, r in enumerate(h.racks)
        if r.accelerator == acc and (not rows or r.row in rows)
    ]
    if not chosen:
        present = sorted({r.accelerator for h in layout.halls for r in h.racks} - {None})
        where = " in " + ", ".join([*(halls or []), *(rows or [])]) if halls or rows else ""
        have = (
            f"the racks' accelerators are {', '.join(present)}"
            if present
            else "no rack names an accelerator"
        )
        raise ScenarioError(
            f"no rack of generation {from_gen!r} (accelerator {acc!r}){where}; {have}"
        )
    data = dump(layout)
    profiles = dict(data.get("profiles") or {})
    prof = new["profile"]
    if prof not in profiles or "power_kw" not in profiles[prof]:
        profiles[prof] = dict(new["rack"])
    data["profiles"] = profiles
    ids = []
    data["halls"] = [dict(h) for h in data["halls"]]
    for i, j in chosen:
        hall = data["halls"][i]
        hall["racks"] = list(hall["racks"])
        rack = {k: v for k, v in hall["racks"][j].items() if k not in (*RACK_FIELDS, "accelerator")}
        rack["profile"] = prof
        if new["rack"]["liquid_fraction"] == 0:
            rack.pop("liquid_loop", None)
        elif not rack.get("liquid_loop"):
            raise ScenarioError(
                f"rack {rack['id']!r} has no liquid_loop, and {to_gen} racks take "
                f"{new['rack']['liquid_fraction']:.0%} of their heat to liquid: give the rack a "
                "TCS loop first"
            )
        hall["racks"][j] = rack
        ids.append(rack["id"])
    try:
        out = validate_data(data, f"{layout.source} refreshed to {to_gen}", copy=True)
    except LayoutError as exc:
        raise ScenarioError(f"the refreshed layout is not valid: {exc.brief()}") from None
    if old["rack"]["accelerator"] == new["rack"]["accelerator"]:
        _changes_something(layout, out, ids, from_gen)
    return out, ids


def _changes_something(before: Layout, after: Layout, ids: list[str], gen: str) -> None:
    """A swap to the same generation that leaves every rack as it was is refused: it would
    charge the racks' capex for nothing (288 M USD for the AI hall's 96 GB200 racks). One
    that fills part-filled racks to the catalogue's rack is a refresh and runs."""
    fields = ("power_kw", "power_factor", "liquid_fraction", "liquid_loop")
    was = {r.id: r for h in before.halls for r in h.racks}
    now = {r.id: r for h in after.halls for r in h.racks}
    if all(getattr(was[i], f) == getattr(now[i], f) for i in ids for f in fields):
        raise ScenarioError(
            f"--from {gen} --to {gen} changes no rack: the {len(ids)} {gen} racks already "
            "are the catalogue's rack (a refresh swaps racks for another generation, or fills "
            "part-filled ones); to see what they load now, run twin solve or twin headroom"
        )


def _summary(twin, res) -> dict:
    e = economics(twin, res)
    out = {k: float(e[k]) for k in SUMMARY_KEYS}
    # a throttled rack keeps its design power in the solve (twin.solve.consequence), so its
    # tokens count in tokens_s; they are at risk, not delivered within limits
    state = res["res_racks"]["thermal_state"].reindex(twin.racks.index)
    tok = rack_tokens(twin, res)["tokens_s"]
    out["tokens_s_at_risk"] = float(tok[state.to_numpy() != "ok"].sum())
    out["racks_throttled"] = float(res.kpis.get("racks_throttled", 0.0))
    out["racks_shutdown"] = float(res.kpis.get("racks_shutdown", 0.0))
    out["violations"] = float(len(res.violations))
    return out


def _violation_names(res) -> set[str]:
    """Constraint names `constraint_utilisation` gives the solve's violations (consequences)."""
    v = res.violations
    return {f"{k} {c}" for k, c in zip(v["kind"], v["component"], strict=True)}


def _domains(names) -> pd.Series:
    """power / cooling as `constraint_domains`; pumps and pipes cooling, floor loading space."""
    d = constraint_domains(names)
    d[d.index.str.startswith(("pumps ", "pipe "))] = "cooling"
    d[d.index.str.startswith("floor loading")] = "space"
    return d


def _utilisation(twin, res) -> dict[str, float]:
    u = constraint_utilisation(twin, res)
    u.update(extra_constraints(twin, res))
    return u


def _n1(twin, tw1, res0, res1, ids) -> tuple[dict, dict, str, int, list[str]]:
    """Every single failure the swapped racks feel (`scope_failures`), solved before and
    after as the IT headroom checks its answer (`n1_utilisation`): (utilisation before,
    after, "N-1 solved" or "first-order", cases, failures left out because they lose IT
    before the refresh). Above `N1_CHECK_MAX_CASES` cases, failover stays first-order."""
    sets = [(c,) for c in scope_failures(tw1, tw1.racks.loc[ids])]
    if not sets or len(sets) > N1_CHECK_MAX_CASES:
        return {}, {}, "first-order", len(sets), []
    u0, lost = n1_utilisation(twin, Scenario(), res0, sets)
    u1, _ = n1_utilisation(tw1, Scenario(), res1, sets)

    def kept(u):
        return {k: v for k, v in u.items() if n1_failed_id(k) not in lost}

    return kept(u0), kept(u1), "N-1 solved", len(sets), sorted(lost)


def refresh(
    twin,
    from_gen: str,
    to_gen: str,
    *,
    rows: list[str] | None = None,
    halls: list[str] | None = None,
    base_results=None,
) -> Refresh:
    """Swap `from_gen` racks for `to_gen`, solve, rank what breaks (see the module docstring)."""
    from twin.model import Twin

    layout, ids = swap(twin.layout, from_gen, to_gen, rows, halls)
    res0 = base_results if base_results is not None else run(twin)
    tw1 = Twin.from_layout(layout)
    res1 = run(tw1)
    u0, u1 = _utilisation(twin, res0), _utilisation(tw1, res1)
    n0, n1, failover, cases, left_out = _n1(twin, tw1, res0, res1, ids)
    u0.update(n0)
    u1.update(n1)
    consequences = _violation_names(res0) | _violation_names(res1)
    if len(res1.violations):
        # a failure broken at no loading above 100 % only inherits the refreshed solve's
        # own violations (heat left, racks at risk): a consequence, not a limit
        # (`n1_utilisation` marks a break by a flag alone as BROKEN_MARK, just above 1)
        consequences |= {n for n, v in n1.items() if 1.0 < v <= BROKEN_MARK}
    names = sorted(set(u0) | set(u1), key=lambda n: (n in consequences, -u1.get(n, 0.0), n))
    rows_out = []
    for n in names:
        after = u1.get(n, math.nan)
        # an N-1 row counts as broken above 1, as the IT headroom reads it
        broken = bool(after > (1.0 if n in n1 else BROKEN))
        rows_out.append(
            {
                "constraint": n,
                "kind": "violation" if n in consequences else "limit",
                "utilisation_before": u0.get(n, math.nan),
                "utilisation_after": after,
                "broken": broken,
                "add": addition(tw1, res1, n, after) if broken and n not in consequences else None,
            }
        )
    table = pd.DataFrame(rows_out).set_index("constraint")
    n1_broken = {n: u1[n] for n in n1 if u1[n] > 1.0 and n not in consequences}
    for n, text in n1_additions(tw1, res1, n1_broken).items():
        table.at[n, "add"] = text
    table.insert(0, "domain", _domains(table.index))
    capex_total = float(generation(to_gen, tw1.layout)["capex_usd"] * len(ids))
    return Refresh(
        from_gen,
        to_gen,
        ids,
        layout,
        table,
        _summary(twin, res0),
        _summary(tw1, res1),
        capex_total,
        res1,
        failover,
        cases,
        left_out,
    )
