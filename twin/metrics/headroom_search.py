"""The IT headroom's search (`twin.metrics.headroom`): bracketing the added IT at which the
first constraint breaks, and each constraint's margin from the bracket's two ends.

One solve at ``x = 0``, a first guess from each constraint's
utilisation (``u`` proportional to load), then bracketing with linear
interpolation of every constraint between the feasible and the broken solve,
probing just below and just above the estimate, until the bracket is within
`REL_TOL` of the answer (typically 3-7 solves; `search`). Where a full solve of a failure
contradicts the first-order answer, `bracket` closes it again below, with the N-1 constraints.
The binding constraint's margin
is that bracket, and so is every row that holds at its feasible end and breaks at its
broken end ("searched": its margin is the headroom); the others held at the broken end:
their margin is at least it, beyond it the two solves' linear extrapolation ("extrapolated",
an estimate; `margin_table`). Each probe reads the N-1 cases near their limit from full solves,
a group's alike units too (`PEER_BAND`: a screened peer read 241 kW for a 153 kW campus-hall
break).
"""

from __future__ import annotations

import math

import pandas as pd

from twin.metrics.headroom_constraints import constraint_domains

REL_TOL = 2e-3
"""Bracket width at which the search stops, relative to the headroom [est: the
acceptance test adds or removes 1 % of the headroom]."""
MAX_X = 100.0
"""Largest growth searched (x 101 the present IT); beyond it the headroom is unbounded."""
MAX_SOLVES = 24


def margin_table(
    ua: dict[str, float],
    ub: dict[str, float] | None,
    u_now: dict[str, float],
    x_ok: float,
    x_bad: float | None,
    binding: str | None,
    it_now: float,
    domains: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The headroom's table: per constraint (index), its domain (`constraint_domains`, but
    where `domains` gives one), utilisation now (`u_now`),
    margin_kw (added IT at which it breaks), margin_basis and whether it binds, from its
    utilisation at the feasible end `x_ok` (`ua`) and the broken end `x_bad` (`ub`; None:
    nothing broke), ordered by margin, ties with the binding row first."""
    rows = []
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
        elif math.isinf(a):  # broken at any load (no capacity left): no margin past x_ok
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
    table = ordered(pd.DataFrame(rows).set_index("constraint"))
    domain = constraint_domains(table.index)
    if domains:
        domain = domain.where(~domain.index.isin(list(domains)), domain.index.map(domains))
    table.insert(0, "domain", domain)
    return table


def ordered(table: pd.DataFrame) -> pd.DataFrame:
    """The headroom table's rows by margin, ties with the binding row first."""
    return table.sort_values(["margin_kw", "binding"], ascending=[True, False], kind="stable")


def search(at, u0: dict[str, float]) -> tuple[float, float | None]:
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


def bracket(at_both, lo: float, hi: float, full) -> tuple[float, float]:
    """Close the bracket (lo feasible, hi broken) of the first-order and N-1 constraints
    to `REL_TOL`, within `MAX_SOLVES` probes: the secant of the last two probes on the
    constraints broken at `hi` (the failures' utilisation is convex in load: the fans'
    cube law, so interpolating from `lo` to a far `hi` creeps up from below), else linear
    interpolation; each time probing just below, then just above the estimate. Either end may
    be negative (a shed: `lo` = -1 is the scope's IT all shed); the width is relative to the
    larger end."""

    def broken(x: float) -> bool:
        u, un = at_both(x)
        return max(u.values()) > 1.0 or max(un.values(), default=0.0) > 1.0

    probes: list[float] = []
    while hi - lo > REL_TOL * max(abs(lo), abs(hi)) and len(probes) < MAX_SOLVES:
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
        step = abs(p) * REL_TOL / 3
        qs = [q for q in (p - step, p + step) if lo < q < hi]
        for q in qs or [0.5 * (lo + hi)]:
            probes.append(q)
            if broken(q):
                hi = q
                break
            lo = q
    return lo, hi
