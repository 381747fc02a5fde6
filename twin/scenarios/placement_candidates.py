"""Placement candidates (`twin.scenarios.placement`): where N racks of a profile go, with
their feeds and liquid loops, and the linear screen that orders them.

The screen: from one base solve, each constraint of
`twin.metrics.headroom_constraints.constraint_utilisation` on a candidate's path grows linearly
with the kW it adds: a power element's loading (and failover loading) with the IT
through it (``u * (it + d) / it``, the power solve's own first-order rule for
failover), a cooling group's with the heat it takes (``u + d / available``), the grid
with the added IT times the site's utility/IT ratio. Estimates only: they choose which
candidates to verify with full solves.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from twin.errors import ScenarioError
from twin.layout import Layout
from twin.layout.builtin_profiles import RACK_PROFILES
from twin.metrics.headroom_constraints import constraint_utilisation, n1_groups
from twin.model import registry
from twin.scenarios.placement_geometry import _new_rows, _obstacles, free_slots, unit_boxes
from twin.solve import run

SCREEN_LIMIT = 0.99
"""Screened utilisation a spread placement may raise a constraint to: 1 % below the limit for
the screen's linear error [est: the screen is within ~1-2 % of solves in the tests]."""
TOWER_HEAT_FACTOR = 1.2
"""Heat a condenser loop takes per kW of load heat (1 + 1/COP at COP ~5.5) [est, screen only]."""


@dataclass
class Candidate:
    """N new racks: the rack entries (layout data), any new rows (in `hall`), and for a
    candidate over several halls (kind "spread") the hall of each rack (`hall_of`)."""

    hall: str
    kind: str  # "row", "slots", "new rows" or "spread"
    racks: list[dict]
    new_rows: list[dict] = field(default_factory=list)
    kw_added: float = 0.0
    est: dict[str, float] = field(default_factory=dict)  # screened utilisation after
    row: dict[str, Any] = field(default_factory=dict)  # the table row
    hall_of: dict[str, str] = field(default_factory=dict)  # rack id -> hall, if not `hall`
    solved: dict[str, float] = field(default_factory=dict)  # verified: solved utilisation
    mixed: int = 0  # new racks in rows whose racks are mostly of another profile

    @property
    def halls(self) -> list[str]:
        return list(dict.fromkeys(self.hall_of.get(r["id"], self.hall) for r in self.racks))

    @property
    def rows(self) -> list[str]:
        return list(dict.fromkeys(r["row"] for r in self.racks))

    def slots_text(self) -> str:
        """'R01:16-21, R02:16-17' (ranges of slots per row)."""
        parts = []
        for row in self.rows:
            s = sorted(r["slot"] for r in self.racks if r["row"] == row)
            runs, start = [], s[0]
            for a, b in zip(s, [*s[1:], None], strict=True):
                if b != a + 1:
                    runs.append(f"{start}" if start == a else f"{start}-{a}")
                    start = b
            parts.append(f"{row}:{','.join(runs)}")
        return ", ".join(parts)


# ------------------------------------------------------------------ profiles


def rack_profiles(layout: Layout) -> dict[str, dict]:
    """Rack profiles a placement can use: the layout's (those with a power_kw), then built-ins."""
    out = {k: dict(v) for k, v in RACK_PROFILES.items()}
    out.update({k: dict(v) for k, v in layout.profiles.items() if "power_kw" in v})
    return out


def _profile(layout: Layout, name: str) -> dict:
    known = rack_profiles(layout)
    if name not in known:
        own = sorted(k for k, v in layout.profiles.items() if "power_kw" in v)
        builtin = sorted(set(RACK_PROFILES) - set(own))
        raise ScenarioError(
            f"unknown rack profile {name!r}; allowed: the layout's profiles with a power_kw "
            f"({', '.join(own) or 'none'}) and the built-in ones ({', '.join(builtin)})"
        )
    return known[name]


# ------------------------------------------------------------------ screening model


@dataclass
class _Base:
    """What the screen needs from the base solve."""

    u: dict[str, float]
    it: dict[str, float]  # IT kW through each power element now
    fail_it: dict[str, float]  # ... and after its partner side fails
    rating_kw: dict[str, float]
    label: dict[str, str]  # power element -> constraint name
    path: dict[str, list[str]]  # PDU -> elements up to the source
    avail: dict[str, float]  # cooling group constraint -> available kW
    grid_per_it: float
    grid_kw: float
    plant: dict = field(default_factory=dict)  # hall -> plant constraint names (_plant_groups)


def _base(twin, res) -> _Base:
    rp = res["res_power_nodes"]
    u = constraint_utilisation(twin, res)
    label = {cid: f"{registry.kind(k).label} {cid}" for cid, k in rp["kind"].items()}
    # each cooling group's N+1 capacity as the headroom reads it, so u + d / avail follows it
    avail = {name: a for name, (_, a) in n1_groups(twin, res).items()}
    it = float(res["res_racks"]["p_kw"].sum())
    return _Base(
        u=u,
        it=rp["it_kw"].astype(float).to_dict(),
        fail_it=rp["failover_it_kw"].astype(float).to_dict(),
        rating_kw=twin.power_nodes.get("rating_kva", pd.Series(dtype=float)).to_dict(),
        label=label,
        path={},
        avail=avail,
        grid_per_it=res.kpis["utility_kw"] / it if it > 0 else 1.0,
        grid_kw=twin.layout.site.grid_mw * 1000.0,
    )


def _up(twin, base: _Base, pdu: str) -> list[str]:
    if pdu not in base.path:
        base.path[pdu] = [p for p in twin.upstream_path(pdu) if p in base.it]
    return base.path[pdu]


def _power_after(base: _Base, name: str, it_now: float, add: float, u_now: float) -> float:
    if it_now > 1e-9:
        return u_now * (it_now + add) / it_now
    return u_now + add / max(base.rating_kw.get(name, math.inf), 1e-9)


def _plant_groups(twin, base: _Base, hall: str) -> tuple[list[str], list[str]]:
    """Constraint names of the plant behind a hall: (chillers and dry coolers of its facility
    loops, cooling towers of their condenser loops)."""
    if hall not in base.plant:
        fws = (
            set(twin.crahs.loc[twin.crahs["hall"] == hall, "loop"].dropna())
            if len(twin.crahs)
            else set()
        )
        if len(twin.cdus):
            fws |= set(twin.cdus.loc[twin.cdus["hall"] == hall, "facility_loop"].dropna())
        cond = set()
        if len(twin.chillers) and "condenser_loop" in twin.chillers:
            on = twin.chillers["loop"].isin(fws)
            cond = set(twin.chillers.loc[on, "condenser_loop"].dropna())
        heat = [f"chillers {x} (N+1)" for x in sorted(fws)]
        heat += [f"dry coolers {x} (N+1)" for x in sorted(fws)]
        towers = [f"cooling towers {x} (N+1)" for x in sorted(cond)]
        base.plant[hall] = (
            [n for n in heat if n in base.avail],
            [n for n in towers if n in base.avail],
        )
    return base.plant[hall]


def _deltas(twin, base: _Base, cand: Candidate, prof: dict) -> Counter:
    """Utilisation each constraint on the candidate's path gains (screen, linear in kW)."""
    d_it: Counter = Counter()
    d_fail: Counter = Counter()
    p = float(prof["power_kw"])
    for rack in cand.racks:
        for feed in {rack.get("feed_a"), rack.get("feed_b")}:
            if not isinstance(feed, str):
                continue
            share = 0.5 if rack.get("feed_a") and rack.get("feed_b") else 1.0
            for e in _up(twin, base, feed):
                d_it[e] += p * share
                d_fail[e] += p
    out: Counter = Counter()
    for e, add in d_it.items():
        name = base.label[e]
        out[name] = _power_after(base, e, float(base.it[e]), add, base.u.get(name, 0.0))
        out[name] -= base.u.get(name, 0.0)
        fo = name + " in failover"
        out[fo] = _power_after(base, e, float(base.fail_it[e]), d_fail[e], base.u.get(fo, 0.0))
        out[fo] -= base.u.get(fo, 0.0)
    liquid = p * float(prof.get("liquid_fraction", 0.0))
    air = p - liquid
    for rack in cand.racks:
        hall = cand.hall_of.get(rack["id"], cand.hall)
        if rack.get("liquid_loop"):
            name = f"CDU group {rack['liquid_loop']} (N+1)"
            out[name] += liquid / max(base.avail.get(name, 0.0), 1e-9)
        if air > 0:
            name = f"CRAH air (hall {hall})"
            out[name] += air / max(base.avail.get(name, 0.0), 1e-9)
        heat, towers = _plant_groups(twin, base, hall)
        for name in heat:
            out[name] += p / max(base.avail[name], 1e-9)
        for name in towers:
            out[name] += p * TOWER_HEAT_FACTOR / max(base.avail[name], 1e-9)
        out["grid connection"] += p * base.grid_per_it / max(base.grid_kw, 1e-9)
    return out


def _screen(twin, base: _Base, cand: Candidate, prof: dict) -> dict[str, float]:
    """Utilisation after placement of every constraint on the candidate's path (estimates)."""
    return {k: base.u.get(k, 0.0) + d for k, d in _deltas(twin, base, cand, prof).items()}


# ------------------------------------------------------------------ candidates


def _assign(twin, base: _Base, hall_racks: list[dict], new: list[dict], prof: dict) -> None:
    """Feeds A/B per new rack: of the pairs the hall's racks use, the one whose worse failover
    loading after adding the rack is lowest (ties: the pair the row uses most, then by name)."""
    pairs = sorted(
        {
            (r.get("feed_a"), r.get("feed_b"))
            for r in hall_racks
            if r.get("feed_a") or r.get("feed_b")
        },
        key=str,
    )
    if not pairs:
        return
    p = float(prof["power_kw"])
    elements = sorted({e for pair in pairs for e in pair if isinstance(e, str)})
    pos = {e: i for i, e in enumerate(elements)}
    u0 = np.array([base.u.get(base.label.get(e, e) + " in failover", 0.0) for e in elements])
    it0 = np.array([base.fail_it.get(e, 0.0) for e in elements])
    rating = np.array([max(base.rating_kw.get(e, math.inf), 1e-9) for e in elements])
    load = np.zeros(len(elements))
    ia = np.array([pos.get(a, -1) for a, _ in pairs])
    ib = np.array([pos.get(b, -1) for _, b in pairs])
    row_pairs: dict[str, Counter] = defaultdict(Counter)
    for r in hall_racks:
        row_pairs[r["row"]][(r.get("feed_a"), r.get("feed_b"))] += 1
    order = np.arange(len(pairs))
    for rack in new:
        add = load + p
        after = np.where(
            it0 > 1e-9, u0 * (it0 + add) / np.where(it0 > 1e-9, it0, 1.0), u0 + add / rating
        )
        after = np.append(after, 0.0)  # index -1: no element on that side
        cost = np.round(np.maximum(after[ia], after[ib]), 9)
        own = row_pairs.get(rack["row"], Counter())
        used = np.array([-own.get(pair, 0) for pair in pairs])
        k = int(np.lexsort((order, used, cost))[0])
        a, b = pairs[k]
        for e in (a, b):
            if isinstance(e, str):
                load[pos[e]] += p
        if a:
            rack["feed_a"] = a
        if b:
            rack["feed_b"] = b


def _loops(base: _Base, hall_racks: list[dict], new: list[dict], prof: dict) -> str | None:
    """Liquid loop per new rack: its row's; a new row: the hall's loop with the most margin."""
    if float(prof.get("liquid_fraction", 0.0)) <= 0:
        return None
    row_loop: dict[str, Counter] = defaultdict(Counter)
    for r in hall_racks:
        if r.get("liquid_loop"):
            row_loop[r["row"]][r["liquid_loop"]] += 1
    hall_loops = sorted({lp for c in row_loop.values() for lp in c})
    if not hall_loops:
        return "no TCS loop serves this hall's racks (the profile is liquid cooled)"
    liquid = float(prof["power_kw"]) * float(prof["liquid_fraction"])
    added: Counter = Counter()
    chosen: dict[str, str] = {}

    def u(loop):
        name = f"CDU group {loop} (N+1)"
        return base.u.get(name, 0.0) + added[loop] * liquid / max(base.avail.get(name, 0.0), 1e-9)

    for rack in new:
        row = rack["row"]
        if row not in chosen:
            if row in row_loop:
                chosen[row] = row_loop[row].most_common(1)[0][0]
            else:
                chosen[row] = min(hall_loops, key=lambda lp: (u(lp), lp))
        rack["liquid_loop"] = chosen[row]
        added[chosen[row]] += 1
    return None


def candidates(
    twin, profile: str, count: int, base: _Base | None = None, halls=None
) -> tuple[list[Candidate], dict[str, str]]:
    """Every candidate placement of `count` racks of `profile` (in `halls`, default every
    hall), and why halls have none."""
    layout = twin.layout
    prof = _profile(layout, profile)
    if count < 1:
        raise ScenarioError(f"count must be at least 1; got {count}")
    known = [h.id for h in layout.halls]
    if halls is not None:
        halls = set(halls)
        if not halls or halls - set(known):
            bad = sorted(halls - set(known)) or ["(none given)"]
            raise ScenarioError(f"no hall {', '.join(bad)}: halls are {', '.join(known)}")
    if base is None:
        base = _base(twin, run(twin))
    ids = {r.id for h in layout.halls for r in h.racks} | {
        r.id for h in layout.halls for r in h.rows
    }
    ids |= {h.id for h in layout.halls} | set(twin.component_ids())
    out, skipped = [], {}
    air = float(prof.get("liquid_fraction", 0.0)) < 1
    crah_halls = set(twin.crahs["hall"]) if len(twin.crahs) else set()
    units = unit_boxes(layout)
    pools: dict[str, list[dict]] = {}
    for hall in layout.halls:
        if halls is not None and hall.id not in halls:
            continue
        if air and hall.id not in crah_halls:
            skipped[hall.id] = "no CRAH/CRAC in the hall for the profile's air-side heat"
            continue
        rows = {r.id: r.model_dump() for r in hall.rows}
        taken: dict[str, set[int]] = {r: set() for r in rows}
        for rack in hall.racks:
            taken.setdefault(rack.row, set()).add(rack.slot)
        obs = _obstacles(layout, hall, units)
        free = {r: free_slots(layout, hall, rows[r], taken[r], obstacles=obs) for r in rows}
        hall_racks = [
            {"row": r.row, "feed_a": r.feed_a, "feed_b": r.feed_b, "liquid_loop": r.liquid_loop}
            for r in hall.racks
        ]
        kinds: dict[str, Counter] = defaultdict(Counter)
        for r in hall.racks:
            kinds[r.row][r.profile] += 1
        main = {row: c.most_common(1)[0][0] for row, c in kinds.items()}
        options: list[tuple[str, list[tuple[str, int]], list[dict]]] = []
        for r, s in free.items():
            if len(s) >= count:
                options.append(("row", [(r, x) for x in s[:count]], []))
        every = [(r, x) for r in rows for x in free[r]]
        if len(every) >= count and len({r for r, _ in every[:count]}) > 1:
            options.append(("slots", every[:count], []))
        # new rows: as many as it takes, after the last row
        width = max((len(taken[r]) and max(taken[r]) + 1 for r in rows), default=0) or None
        most = int(max(hall.size_m)) + 2  # rows are over 1 m deep: no more fit the floor
        new_rows = _new_rows(hall, set(ids), min(math.ceil(count / max(width or 1, 1)) + 2, most))
        got, used = [], []
        for nr in new_rows:
            s = free_slots(layout, hall, nr, set(), limit=width, obstacles=obs)
            if not s:
                break
            used.append(nr)
            got += [(nr["id"], x) for x in s]
            if len(got) >= count:
                break
        if len(got) >= count:
            options.append(("new rows", got[:count], used))
        pool = _round_robin(every, hall_racks)
        if pool:
            racks = _new_racks(pool, ids, profile)
            _assign(twin, base, hall_racks, racks, prof)
            if not _loops(base, hall_racks, racks, prof):
                pools[hall.id] = racks
        if not options:
            skipped[hall.id] = (
                f"{len(every)} free slot(s) and no room for a new row on the "
                f"{hall.size_m[0]:g} x {hall.size_m[1]:g} m floor"
            )
            continue
        for kind, slots, nrows in options:
            new = _new_racks(slots, ids, profile)
            _assign(twin, base, hall_racks, new, prof)
            why = _loops(base, hall_racks, new, prof)
            if why:
                skipped[hall.id] = why
                break
            cand = Candidate(hall.id, kind, new, nrows, kw_added=count * float(prof["power_kw"]))
            cand.est = _screen(twin, base, cand, prof)
            cand.mixed = sum(main.get(r["row"], profile) != profile for r in new)
            out.append(cand)
    spread, why = _spread(twin, base, pools, count, prof)
    if spread is not None and not any(
        c.kind != "new rows" and {r["id"] for r in c.racks} == {r["id"] for r in spread.racks}
        for c in out
    ):
        out.append(spread)
    elif why:
        skipped["spread over halls"] = why
    return out, skipped


def _new_racks(slots: list[tuple[str, int]], ids: set[str], profile: str) -> list[dict]:
    """Rack entries for (row, slot)s, ids '<row>-<slot + 1>' as the generator names them."""
    local: set[str] = set()
    out = []
    for row, slot in slots:
        rid, k = f"{row}-{slot + 1:02d}", 1
        while rid in ids or rid in local:
            rid, k = f"{row}-N{k:02d}", k + 1
        local.add(rid)
        out.append({"id": rid, "row": row, "slot": int(slot), "profile": profile})
    return out


def _round_robin(slots: list[tuple[str, int]], hall_racks: list[dict]) -> list[tuple[str, int]]:
    """Free slots ordered so consecutive racks take turns over the hall's liquid loops
    (rows without a loop form one group), so a prefix spreads over the CDU groups."""
    loop_of: dict[str, Counter] = defaultdict(Counter)
    for r in hall_racks:
        loop_of[r["row"]][r.get("liquid_loop")] += 1
    groups: dict[Any, list] = {}
    for row, slot in slots:
        c = loop_of.get(row)
        groups.setdefault(c.most_common(1)[0][0] if c else None, []).append((row, slot))
    lists = list(groups.values())
    return [g[i] for i in range(max(map(len, lists), default=0)) for g in lists if i < len(g)]


def _spread(twin, base: _Base, pools: dict, count: int, prof: dict):
    """Free slots over as few halls as the screen allows: the hall that takes the most racks
    with every constraint it raises at most `SCREEN_LIMIT` first, then the next, ..."""
    rises: dict[str, list] = {h: [] for h in pools}

    def rise(h: str, i: int) -> Counter:
        """What the hall's i-th pool rack adds (screened lazily: most halls stop early)."""
        while len(rises[h]) <= i:
            rack = pools[h][len(rises[h])]
            rises[h].append(_deltas(twin, base, Candidate(h, "spread", [rack]), prof))
        return rises[h][i]

    cur: dict[str, float] = dict(base.u)
    chosen: dict[str, tuple[int, dict]] = {}
    left = count
    while left > 0:
        best = None
        for h, racks in pools.items():
            if h in chosen:
                continue
            acc: dict[str, float] = {}
            k = 0
            while k < min(len(racks), left):
                d = rise(h, k)
                if any(
                    v > 0 and cur.get(n, 0.0) + acc.get(n, 0.0) + v > SCREEN_LIMIT
                    for n, v in d.items()
                ):
                    break
                for n, v in d.items():
                    acc[n] = acc.get(n, 0.0) + v
                k += 1
            worst = max((cur.get(n, 0.0) + v for n, v in acc.items()), default=0.0)
            if k and (best is None or (k, -worst) > (best[1], -best[3])):
                best = (h, k, acc, worst)
        if best is None:
            break
        h, k, acc, _ = best
        chosen[h] = (k, acc)
        for n, v in acc.items():
            cur[n] = cur.get(n, 0.0) + v
        left -= k
    if left > 0:
        placed = count - left
        return None, (
            f"the screen, keeping every constraint at most {SCREEN_LIMIT:.0%} utilised "
            f"(its margin for its linear error), finds room for {placed} of {count} racks "
            "spread over the halls; candidates verified by a full solve stand on that solve"
        )
    racks, hall_of = [], {}
    for h, (k, _) in chosen.items():
        for r in pools[h][:k]:
            racks.append(r)
            hall_of[r["id"]] = h
    cand = Candidate(
        ", ".join(chosen),
        "spread",
        racks,
        kw_added=count * float(prof["power_kw"]),
        hall_of=hall_of,
    )
    cand.est = _screen(twin, base, cand, prof)
    return cand, None
