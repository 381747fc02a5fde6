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
   `twin.metrics.headroom.constraint_utilisation` on a candidate's path grows
   linearly with the kW it adds: a power element's loading (and failover
   loading) with the IT through it (``u * (it + d) / it``, the power solve's
   own first-order rule for failover), a cooling group's with the heat it takes
   (``u + d / available``), the grid with the added IT times the site's
   utility/IT ratio. Estimates only: they choose which candidates to verify.
3. Verification: the best `verify` candidates the screen finds free of
   violations (if none, the best one) are applied to the layout, validated like
   any layout, and solved with `twin.solve.run`: their
   rows in the table say ``verified`` and carry the solved numbers. A candidate
   is ``feasible`` only if verified, no constraint is broken that was not
   broken before (utilisation > 1, power elements in failover and cooling
   groups N+1 included, any new violation) and no rack throttles or trips
   (`res_racks.thermal_state`). Stranded power and cooling after placement:
   by default estimated from the base and the verified solve (each raised
   constraint linear in the kW placed; `_stranded_estimate`), or with
   ``stranded="search"`` from `twin.metrics.stranded` on the solved layout (the
   numbers `twin info --stranded` gives for it; a headroom search per hall).
4. Ranking: verified before screened; then fewest broken constraints and
   racks in thermal trouble, most balanced feeds (largest difference between a
   new rack's A and B feed loading, pp), least stranded capacity (power +
   cooling, kW), highest remaining margin (1 - utilisation of the binding
   constraint, the most loaded constraint the candidate raises), and last
   fewest racks put in rows of another profile.

`Placement.apply(k)` gives the layout with the candidate of rank k (1 = best) applied.
"""

from __future__ import annotations

import copy
import math
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from twin.errors import LayoutError, ScenarioError
from twin.layout import Layout, dump, validate_data
from twin.layout.generate import RACK_PROFILES, ROW_PAIR_PITCH_M
from twin.metrics.headroom import constraint_domains, constraint_utilisation
from twin.model import registry
from twin.solve import run

__all__ = ["Candidate", "Placement", "apply", "candidates", "place", "rack_profiles"]

EPS_M = 1e-6
"""Footprints that touch do not overlap (m)."""
BROKEN = 1.0 + 1e-9
"""Utilisation above which a constraint is broken."""
SCREEN_LIMIT = 0.99
"""Screened utilisation a spread placement may raise a constraint to: 1 % below the limit for
the screen's linear error [est: the screen is within ~1-2 % of solves in the tests]."""
TOWER_HEAT_FACTOR = 1.2
"""Heat a condenser loop takes per kW of load heat (1 + 1/COP at COP ~5.5) [est, screen only]."""
COLUMNS = [
    "hall",
    "kind",
    "rows",
    "slots",
    "racks",
    "kw_added",
    "verified",
    "feasible",
    "violations",
    "racks_throttled",
    "racks_tripped",
    "feed_imbalance_pp",
    "binding_constraint",
    "binding_utilisation",
    "stranded_power_kw",
    "stranded_cooling_kw",
    "problem",
]


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


@dataclass
class Placement:
    """The ranked candidates (`table`, rank order; index = rank from 0) and how they were found."""

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

    @property
    def feasible(self) -> pd.DataFrame:
        return self.table[self.table["feasible"]]

    def apply(self, rank: int = 1) -> Layout:
        """The layout with the candidate of `rank` (1 = best, as in `table`) applied, validated."""
        n = len(self.candidates)
        if not 1 <= rank <= n:
            span = f"1-{n}" if n else "none"
            raise ScenarioError(f"no candidate {rank}: ranks are {span}")
        return apply(self.base, self.candidates[rank - 1], self.profiles)


# ------------------------------------------------------------------ profiles


def rack_profiles(layout: Layout) -> dict[str, dict]:
    """Rack profiles a placement can use: the layout's (those with a power_kw), then built-ins."""
    out = {k: dict(v) for k, v in RACK_PROFILES.items()}
    out.update({k: dict(v) for k, v in layout.profiles.items() if "power_kw" in v})
    return out


def _profile(layout: Layout, name: str) -> dict:
    known = rack_profiles(layout)
    if name not in known:
        raise ScenarioError(
            f"unknown rack profile {name!r}; allowed: {', '.join(sorted(known))} "
            "(the layout's profiles with a power_kw, and the built-in ones)"
        )
    return known[name]


# ------------------------------------------------------------------ geometry


def _box(row: dict, slot: int) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of a slot's footprint in hall coordinates."""
    w, d = row.get("rack_width_m", 0.6), row.get("rack_depth_m", 1.2)
    ox, oy = row["origin_m"]
    if row.get("axis", "x") == "x":
        return ox + slot * w, oy - d / 2, ox + (slot + 1) * w, oy + d / 2
    return ox - d / 2, oy + slot * w, ox + d / 2, oy + (slot + 1) * w


def unit_boxes(layout: Layout) -> np.ndarray:
    """Footprints (x0, y0, x1, y1, site coordinates) of every cooling unit with a position."""
    boxes = []
    for kind in registry.COOLING_KINDS:
        size = registry.kind(kind).size_m
        if size is None:
            continue
        for unit in getattr(layout.cooling, kind):
            pos = getattr(unit, "position_m", None)
            if pos is not None:
                x, y = pos
                boxes.append((x - size[0] / 2, y - size[1] / 2, x + size[0] / 2, y + size[1] / 2))
    return np.array(boxes, dtype=float).reshape(-1, 4)


def _obstacles(layout: Layout, hall, units: np.ndarray | None = None) -> np.ndarray:
    """Footprints (x0, y0, x1, y1, hall coordinates) of the hall's racks and positioned units."""
    rows = {r.id: r.model_dump() for r in hall.rows}
    racks = [_box(rows[r.row], r.slot) for r in hall.racks if r.row in rows]
    units = unit_boxes(layout) if units is None else units
    units = units - np.array([*hall.origin_m, *hall.origin_m])
    w, d = hall.size_m
    near = (units[:, 2] > 0) & (units[:, 0] < w) & (units[:, 3] > 0) & (units[:, 1] < d)
    return np.vstack([np.array(racks, dtype=float).reshape(-1, 4), units[near]])


def free_slots(
    layout: Layout,
    hall,
    row: dict,
    taken: set[int],
    limit: int | None = None,
    obstacles: np.ndarray | None = None,
) -> list[int]:
    """Slots of `row` (hall coordinates) where a rack fits: on the floor, not taken, nothing on
    it (`obstacles`: the hall's `_obstacles`, computed here if not given)."""
    w, d = hall.size_m
    along = w if row.get("axis", "x") == "x" else d
    o = row["origin_m"][0 if row.get("axis", "x") == "x" else 1]
    n = int(math.floor((along - o) / row.get("rack_width_m", 0.6) + EPS_M))
    if limit is not None:
        n = min(n, limit)
    if n <= 0:
        return []
    boxes = np.array([_box(row, s) for s in range(n)])
    inside = (
        (boxes[:, 0] >= -EPS_M)
        & (boxes[:, 1] >= -EPS_M)
        & (boxes[:, 2] <= w + EPS_M)
        & (boxes[:, 3] <= d + EPS_M)
    )
    obs = _obstacles(layout, hall) if obstacles is None else obstacles
    if len(obs):
        hit = (
            (boxes[:, None, 0] < obs[None, :, 2] - EPS_M)
            & (obs[None, :, 0] < boxes[:, None, 2] - EPS_M)
            & (boxes[:, None, 1] < obs[None, :, 3] - EPS_M)
            & (obs[None, :, 1] < boxes[:, None, 3] - EPS_M)
        ).any(axis=1)
    else:
        hit = np.zeros(n, bool)
    ok = inside & ~hit
    return [s for s in range(n) if ok[s] and s not in taken]


def _new_rows(hall, ids: set[str], count: int) -> list[dict]:
    """Up to `count` rows after the hall's last one, the last two rows' pattern repeated."""
    rows = [r.model_dump() for r in hall.rows]
    if not rows or len({r["axis"] for r in rows}) != 1:
        return []
    perp = 1 if rows[0]["axis"] == "x" else 0
    rows.sort(key=lambda r: r["origin_m"][perp])
    c = [r["origin_m"][perp] for r in rows]
    if len(rows) >= 3:
        pitch = c[-1] - c[-3]
    elif len(rows) == 2:
        pitch = 2 * (c[1] - c[0])
    else:
        pitch = ROW_PAIR_PITCH_M / 2
    if pitch <= 0:
        return []
    out = []
    m = re.match(r"^(.*?)(\d+)$", rows[-1]["id"])
    number = int(m.group(2)) if m else 0
    for j in range(count):
        tpl = rows[len(rows) - 2 + j % 2] if len(rows) >= 2 else rows[0]
        new = dict(tpl)
        origin = list(tpl["origin_m"])
        origin[perp] = round(origin[perp] + pitch * (j // 2 + 1 if len(rows) >= 2 else j + 1), 3)
        new["origin_m"] = origin
        number += 1
        rid = f"{m.group(1)}{number:0{len(m.group(2))}d}" if m else f"{hall.id}-NR{number}"
        while rid in ids:
            number += 1
            rid = f"{m.group(1)}{number:0{len(m.group(2))}d}" if m else f"{hall.id}-NR{number}"
        new["id"] = rid
        ids.add(rid)
        out.append(new)
    return out


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


def _n1_avail(cap: pd.Series, group: pd.Series, label: str) -> dict[str, float]:
    out = {}
    df = pd.DataFrame({"cap": cap, "g": group}).dropna(subset=["g"])
    for g, d in df.groupby("g"):
        out[label.format(g)] = float(d["cap"].sum() - (d["cap"].max() if len(d) > 1 else 0.0))
    return out


def _base(twin, res) -> _Base:
    rp = res["res_power_nodes"]
    u = constraint_utilisation(twin, res)
    label = {cid: f"{registry.kind(k).label} {cid}" for cid, k in rp["kind"].items()}
    avail = {}
    if len(twin.cdus):
        avail.update(_n1_avail(twin.cdus["capacity_kw"], twin.cdus["loop"], "CDU group {} (N+1)"))
    if len(twin.crahs):
        avail.update(_n1_avail(twin.crahs["capacity_kw"], twin.crahs["hall"], "CRAH air (hall {})"))
    if len(twin.chillers) and "res_chillers" in res.tables:
        cap = res["res_chillers"]["capacity_avail_kw"]
        avail.update(_n1_avail(cap, twin.chillers["loop"], "chillers {} (N+1)"))
    for kind, lab in (("dry_coolers", "dry coolers"), ("cooling_towers", "cooling towers")):
        t = getattr(twin, kind, None)
        if t is not None and len(t) and "capacity_kw" in t:
            avail.update(_n1_avail(t["capacity_kw"], t["loop"], lab + " {} (N+1)"))
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
    twin, profile: str, count: int, base: _Base | None = None
) -> tuple[list[Candidate], dict[str, str]]:
    """Every candidate placement of `count` racks of `profile`, and why halls have none."""
    layout = twin.layout
    prof = _profile(layout, profile)
    if count < 1:
        raise ScenarioError(f"count must be at least 1; got {count}")
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
        new_rows = _new_rows(hall, set(ids), math.ceil(count / max(width or 1, 1)) + 2)
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
            f"the screen finds room for {placed} of {count} racks in free slots within every "
            f"constraint (at most {SCREEN_LIMIT:.0%} utilisation)"
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


def apply(data: dict | Layout, cand: Candidate, profiles: dict | None = None) -> Layout:
    """The layout (plain data from `twin.layout.dump`, or a Layout) with `cand` added, validated."""
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
    return validate_data(out, "<placement>", copy=True)


# ------------------------------------------------------------------ verify and rank


def _stranded_estimate(before: dict, after: dict, kw: float) -> tuple[float, float]:
    """Stranded power and cooling (kW) if more racks were placed the same way: each
    constraint the placement raised is taken as linear in the kW placed, between the base
    solve and the verified one (slope = rise / kW), so its margin is
    ``(1 - u_after) / slope``; the power margin is the smallest of a power constraint, the
    cooling margin of a cooling one (`constraint_domains`), and what one side could carry
    beyond the other is stranded, as `twin.metrics.stranded` defines it. An estimate
    (two solves, growth along this placement, not the hall's racks scaled uniformly)."""
    raised = {n: v for n, v in after.items() if v > before.get(n, 0.0) + 1e-12}
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
    return sp, sc


def _verify(twin_cls, data: dict, cand: Candidate, base: _Base, profiles: dict, strand):
    from twin.metrics.stranded import stranded

    try:
        layout = apply(data, cand, profiles)
    except LayoutError as exc:
        return {"problem": "; ".join(p.message for p in exc.problems[:3])}, 0
    tw = twin_cls.from_layout(layout)
    res = run(tw)
    u = constraint_utilisation(tw, res)
    cand.solved = u
    broken = sorted(n for n, v in u.items() if v > BROKEN and base.u.get(n, 0.0) <= BROKEN)
    state = res["res_racks"]["thermal_state"]
    raised = {n: v for n, v in u.items() if v > base.u.get(n, 0.0) + 1e-9}
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
        "violations": len(broken),
        "broken": broken,
        "racks_throttled": int((state == "throttled").sum()),
        "racks_tripped": int((state == "shutdown").sum()),
        "feed_imbalance_pp": imb,
        "binding_constraint": binding,
        "binding_utilisation": u.get(binding, math.nan) if binding else math.nan,
        "problem": "; ".join(broken[:3]) or None,
    }
    solves = 1
    if strand == "estimate":
        sp, sc = _stranded_estimate(base.u, u, cand.kw_added)
        row["stranded_power_kw"], row["stranded_cooling_kw"] = sp, sc
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
    row["feasible"] = (
        row["violations"] == 0 and row["racks_throttled"] == 0 and row["racks_tripped"] == 0
    )
    return row, solves


def _screen_row(cand: Candidate, base: _Base) -> dict:
    est = cand.est
    broken = sorted(n for n, v in est.items() if v > BROKEN and base.u.get(n, 0.0) <= BROKEN)
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
        "violations": len(broken),
        "racks_throttled": math.nan,
        "racks_tripped": math.nan,
        "feed_imbalance_pp": imb,
        "binding_constraint": binding,
        "binding_utilisation": est.get(binding, math.nan) if binding else math.nan,
        "stranded_power_kw": math.nan,
        "stranded_cooling_kw": math.nan,
        "problem": ("estimate: " + "; ".join(broken[:3])) if broken else None,
    }


def _key(row: dict) -> tuple:
    stranded = (row.get("stranded_power_kw") or 0.0) + (row.get("stranded_cooling_kw") or 0.0)
    stranded = stranded if math.isfinite(stranded) else math.inf
    trouble = (
        row["violations"] + (row.get("racks_throttled") or 0) + (row.get("racks_tripped") or 0)
    )
    trouble = trouble if math.isfinite(trouble) else row["violations"]
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
    stranded: str | bool = "estimate",
    base_results=None,
) -> Placement:
    """Where `count` racks of `profile` fit in `twin`: ranked candidates (see the module doc).

    `verify`: how many candidates get a full coupled solve (only those can be reported
    feasible): the best ones the screen finds free of violations, or, if it finds none,
    the best one. `stranded` after placement, per verified candidate:
    "estimate" (default; from the base and the verified solve, `_stranded_estimate`),
    "search" (`twin.metrics.stranded` on each of its halls: the same numbers as
    `twin info --stranded` on the placed layout, a headroom search per hall), or False.
    Raises `ScenarioError` for an unknown profile or a count below 1.
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
    cands, skipped = candidates(twin, profile, count, base)
    timings["candidates_s"] = time.perf_counter() - t
    profiles = rack_profiles(layout)
    data = dump(layout)
    for c in cands:
        c.row = _screen_row(c, base)
        c.row["mixed"] = c.mixed
    cands.sort(key=lambda c: _key(c.row))
    t = time.perf_counter()
    solves = 0 if base_results is not None else 1
    # solve the best `verify` the screen finds free of violations; at least the best one,
    # so that "nothing fits" names what a solve (not the screen) finds broken
    todo = [c for c in cands if c.row["violations"] == 0][:verify]
    if not todo and verify > 0:
        todo = cands[:1]
    for c in todo:
        row, n = _verify(type(twin), data, c, base, profiles, stranded)
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
    )


def nothing_fits(p: Placement) -> str:
    """Why no candidate is feasible, naming the constraint that stops the best one."""
    if not p.candidates:
        why = "; ".join(f"{h}: {w}" for h, w in list(p.skipped.items())[:5])
        return f"no hall has room for {p.count} racks of {p.profile!r} ({why})"
    best = p.table.iloc[0]
    if not best["verified"]:
        return f"no candidate was verified (verify=0); the best screened one is {best['hall']}"
    parts = [best["problem"]] if best["violations"] and best["problem"] else []
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
        f"no verified placement of {p.count} racks of {p.profile!r} is free of violations; "
        f"the best candidate ({best['hall']}, {best['slots']}) is stopped by {stop}"
    )
