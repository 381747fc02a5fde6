"""Plausibility warnings across components (part of `twin.layout.plausibility.check`): values
each inside its own typical range that cannot work together, or that only make sense as a
unit slip once compared with their neighbours.

- ratings against the design IT behind them: an element (UPS, transformer, PDU, switchgear,
  utility connection) whose design IT downstream is far above its rating, the site's design
  IT above `site.grid_mw`, a standby generator rated below the design IT behind the transfer
  switch it backs up;
- unit slips in ratings: a rating far above the smallest rating on its path to the source
  (VA typed as kVA), a UPS battery holding hours at rated load (Wh typed as kWh) or less
  than a generator's fastest start (MWh typed as kWh);
- a standby generator as an element's `upstream` (its normal source) where the layout has a
  utility connection: the generator then carries that load in normal operation;
- an accelerator whose rated `power_kw` is far from the design power of the racks using it
  (`twin.metrics.catalogue` scales tokens/s and capex by that ratio, unbounded), and an
  energy price in cents typed as dollars;
- a facility water loop too warm for the TCS loops its CDUs supply.

Design IT is the racks' `power_kw`: a dual-corded rack puts half on each feed (REFERENCE 5,
2N A/B feeds share ~50/50), and an element carries what its `upstream` children carry (the
normal path: `alternate` only takes over on a transfer). Sums are array work: one pass over
the racks to collect their columns, a pandas group-by for the direct feeds, then one pass
over the power elements (thousands on a gigawatt campus, not tens of thousands).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from twin.errors import names
from twin.layout.source import format_path, line_of

OVER_RATING = 1.5
"""Design IT downstream of an element may exceed its kVA rating by this factor before it is
warned of [est]: a design above its rating is overloaded from the start (the solve reports
any overload above 100 %); the margin leaves room for diversity a planner counts on and
flags the gross slips (2 MW of racks on a 300 kVA UPS, audit 5 F-H)."""
RATING_OVER_CHAIN = 10.0
"""A rating may be at most this many times the smallest rating on its path to the source
before it is warned of as a unit slip [est]: VA typed as kVA is 1000x; a board rated a few
times its transformer is ordinary (sized for a later upgrade)."""
UPS_AUTONOMY_MAX_H = 4.0
"""A UPS battery holding more than this at the UPS's rated load is most likely in Wh [est]:
UPS autonomy is 5-10 min VRLA, 3-5 min Li-ion [REFERENCE 5]; long-duration UPS systems
reach an hour or two."""
UPS_AUTONOMY_MIN_S = 10.0
"""A UPS battery holding less than this at the UPS's rated load cannot bridge even the
fastest standby start (NFPA 110 Type 10: 10 s) and is most likely in MWh [est]: UPS
batteries hold minutes (REFERENCE 5), flywheels 15-30 s."""
ACC_FACTOR = (0.5, 2.0)
"""A rack's design power within this factor of its accelerator's rated power_kw: a denser
or sparser rack of the same accelerators [est]; outside it `twin.metrics.catalogue` counts
the rack as that many accelerator units (13.2 kW typed for 132 kW counts ten GB200 NVL72 per
rack, audit 5 F-W)."""
RACK_SCALE_FACTOR = (0.7, 1.3)
"""A rack-scale product (an NVL72/NVL144/NVL576 is one rack) within this factor of its rated
power [est]: Meta provisions each GB200 at 80 % of TDP (REFERENCE 9), Vera Rubin NVL144 is
190-230 kW against 227 kW rated (REFERENCE 9); two of them cannot share a rack."""
RACK_SCALE = re.compile(r"nvl\d+", re.I)
"""Accelerator names of rack-scale products (one system is one whole rack)."""
PRICE_MAX_USD_PER_KWH = 1.0
"""An energy price above this is most likely in cents [est]: US industrial average 0.0806
USD/kWh (EIA 2023); even the 2022 European price spikes stayed below ~1 USD/kWh."""
STANDBY = "generators"
"""The standby kind: belongs behind a transfer switch (`alternate`), not as an `upstream`."""


def _loc(doc: Any, where: tuple) -> int | None:
    return line_of(doc, where) if doc is not None else None


def check_chain(layout, doc: Any, file: str, caution, written_at) -> list:
    """The power chain's cross-component warnings (see the module docstring).

    `caution(file, line, path, ids, message, related)` builds one warning; `written_at(doc,
    path, field)` says where a value is written (on the component or in its profile). Array
    work over the elements: the chain is a few levels deep, so sums and minima run level by
    level (one numpy operation per level), never element by element."""
    from twin.model.registry import POWER_BRANCHES, POWER_SOURCES

    out: list = []
    power = layout.power
    kinds = (*POWER_SOURCES, *POWER_BRANCHES)
    rows = [(kind, j, c) for kind in kinds for j, c in enumerate(getattr(power, kind))]
    if not rows:
        return out
    el = _elements(rows)
    n = len(rows)
    kind_of = np.asarray([r[0] for r in rows], object)
    is_gen = np.isin(kind_of, [k for k in POWER_SOURCES if k != "utilities"])
    is_util = kind_of == "utilities"

    def warn(i: int, field: str, message: str, related=()) -> None:
        kind, j, c = rows[i]
        where = written_at(doc, ("power", kind, j), field)
        out.append(caution(file, _loc(doc, where), format_path(where), (c.id,), message, related))

    # ---- design IT per element on the normal path, summed up the levels
    kw, feed_a, feed_b = _rack_columns(layout)
    direct = _direct_loads(kw, feed_a, feed_b)
    load = np.zeros(n)
    at = el._rows(list(direct))
    np.add.at(load, at[at >= 0], np.asarray(list(direct.values()), float)[at >= 0])
    up, depth = el.up, el.depth
    for d in range(int(depth.max()), 0, -1):
        lvl = np.flatnonzero((depth == d) & (up >= 0))
        np.add.at(load, up[lvl], load[lvl])
    rating = el.rating

    over = ~is_gen & (load > OVER_RATING * rating)
    for i in np.flatnonzero(over):
        c = rows[i][2]
        util = bool(is_util[i])
        shown = f"{c.capacity_mva:g} MVA" if util else f"{rating[i]:,.0f} kVA"
        warn(
            i,
            "capacity_mva" if util else "rating_kva",
            f"design IT downstream of it is {load[i]:,.0f} kW, {load[i] / rating[i]:.1f}x its "
            f"{shown} rating: it is overloaded from the start (check the rating and its unit, "
            "and the racks' power_kw and feeds behind it)",
        )

    # ---- standby generators: rated for what is behind their transfer switches
    need = np.zeros(n)
    for ref in (el.alt, up):
        fed = np.flatnonzero((ref >= 0) & is_gen[np.maximum(ref, 0)])
        np.add.at(need, ref[fed], load[fed])
    kw_rating = rating * el.pf
    for g in np.flatnonzero(is_gen & (need > kw_rating)):
        c = rows[g][2]
        served = tuple(el.ids[i] for i in np.flatnonzero((el.alt == g) | (up == g)))
        warn(
            g,
            "rating_kva",
            f"rated {c.rating_kva:,.0f} kVA ({kw_rating[g]:,.0f} kW at power factor "
            f"{c.power_factor:g}), it is the source of {names(served)}, behind which the design "
            f"IT alone is {need[g]:,.0f} kW ({need[g] / kw_rating[g]:.1f}x its kW rating): on a "
            "utility outage it cannot take the load (check the rating and its unit)",
            served,
        )

    # ---- a standby generator as an element's normal source
    if power.utilities:
        standby = kind_of == STANDBY
        for i in np.flatnonzero((up >= 0) & standby[np.maximum(up, 0)]):
            k, ref = el.ids[i], el.ids[up[i]]
            warn(
                i,
                "upstream",
                f"its upstream is the standby generator {ref}: in normal operation {ref} "
                f"carries everything behind {k} ({load[i]:,.0f} kW of design IT) and the "
                "utility none of it; a standby generator belongs as a transfer switch's "
                f"'alternate' (e.g. of the board that feeds {k}), with the utility path as "
                "'upstream'",
                (ref,),
            )

    # ---- unit slips: a rating far above the smallest one on its way to the source
    low = np.full(n, np.inf)
    low_at = np.full(n, -1)
    for d in range(1, int(depth.max()) + 1):
        lvl = np.flatnonzero((depth == d) & (up >= 0))
        p = up[lvl]
        own = rating[p] <= low[p]
        low[lvl] = np.where(own, rating[p], low[p])
        low_at[lvl] = np.where(own, p, low_at[p])
    slips = np.flatnonzero(~is_gen & ~is_util & (rating > RATING_OVER_CHAIN * low))
    for i in slips:
        b = el.ids[low_at[i]]
        warn(
            i,
            "rating_kva",
            f"rating_kva {rating[i]:,.0f} is {rating[i] / low[i]:,.0f}x the {low[i]:,.0f} kVA "
            f"of {b} on its path to the source: is it in VA? rating_kva is in kVA (or is "
            f"{b}'s rating too small?)",
            (b,),
        )

    # ---- UPS batteries in Wh
    energy = np.asarray([u.battery.energy_kwh if u.battery else 0.0 for u in power.ups], float)
    ups_kva = np.asarray([u.rating_kva for u in power.ups], float)
    hours = energy / np.maximum(ups_kva, 1e-9)

    def battery(j: int, message: str) -> None:
        u = power.ups[j]
        where = written_at(doc, ("power", "ups", int(j)), "battery")
        if where[-1] == "battery":
            where = (*where, "energy_kwh")
        out.append(caution(file, _loc(doc, where), format_path(where), (u.id,), message))

    for j in np.flatnonzero(hours > UPS_AUTONOMY_MAX_H):
        u = power.ups[j]
        battery(
            j,
            f"battery energy_kwh {u.battery.energy_kwh:,.6g} on a {u.rating_kva:,.0f} kVA "
            f"UPS holds {hours[j]:,.1f} h at rated load, where UPS batteries hold minutes "
            "(5-10 min VRLA, 3-5 min Li-ion, REFERENCE 5): is it in Wh? energy_kwh is in kWh",
        )
    in_va = np.isin([u.id for u in power.ups], [el.ids[i] for i in slips])  # said above
    for j in np.flatnonzero((energy > 0) & (hours * 3600.0 < UPS_AUTONOMY_MIN_S) & ~in_va):
        u = power.ups[j]
        battery(
            j,
            f"battery energy_kwh {u.battery.energy_kwh:,.6g} on a {u.rating_kva:,.0f} kVA "
            f"UPS holds {hours[j] * 3600.0:,.1f} s at rated load, less than the fastest "
            f"standby start ({UPS_AUTONOMY_MIN_S:g} s, NFPA 110 Type 10), where UPS batteries "
            "hold minutes (REFERENCE 5) and flywheels 15-30 s: is it in MWh? energy_kwh is "
            "in kWh",
        )

    # ---- the site's grid connection
    total = float(kw.sum())
    grid_kw = layout.site.grid_mw * 1000.0
    if total > grid_kw:
        where = ("site", "grid_mw")
        out.append(
            caution(
                file,
                _loc(doc, where),
                format_path(where),
                (str(layout.site.name),),
                f"the racks' design IT is {total:,.0f} kW, {total / grid_kw:.1f}x the "
                f"{layout.site.grid_mw:g} MW grid connection, before any cooling or loss: the "
                "site cannot draw it (check grid_mw and the racks' power_kw)",
            )
        )
    return out


def check_accelerators(layout, doc: Any, file: str, caution, written_at) -> list:
    """Racks whose design power is far from their accelerator's rated power_kw, and an
    energy price in cents (see the module docstring)."""
    from twin.layout.schema import BUILTIN_ACCELERATORS

    out = []
    ids, kw, acc, where = [], [], [], []
    for i, hall in enumerate(layout.halls):
        for j, r in enumerate(hall.racks):
            if r.accelerator is not None:
                ids.append(r.id)
                kw.append(r.power_kw)
                acc.append(r.accelerator)
                where.append((i, j))
    kw_all = np.asarray(kw, float)
    acc_all = np.asarray(acc, object)
    for name in sorted(set(acc)):
        group = np.flatnonzero(acc_all == name)
        entry = layout.accelerators.get(name)
        rated = entry.power_kw if entry is not None else None
        if entry is None and name in BUILTIN_ACCELERATORS:
            rated = BUILTIN_ACCELERATORS[name].get("power_kw")
        if not rated:
            continue
        scale = RACK_SCALE.search(str(name)) is not None
        lo, hi = RACK_SCALE_FACTOR if scale else ACC_FACTOR
        factor = kw_all[group] / rated
        bad = group[((factor < lo) | (factor > hi)) & (kw_all[group] > 0)]
        for power_kw in np.unique(kw_all[bad]):
            rows = bad[kw_all[bad] == power_kw]
            f = power_kw / rated
            first = where[int(rows[0])]
            rack_at = written_at(doc, ("halls", first[0], "racks", first[1]), "power_kw")
            rack_line = _loc(doc, rack_at)
            rack_said = f"{format_path(rack_at)}" + (
                f" (line {rack_line})" if rack_line is not None else ""
            )
            if entry is not None:
                at = ("accelerators", name, "power_kw")
            else:
                at = rack_at
            what = (
                f"a rack-scale product (one {name} is one rack), so the racks count as "
                f"{f:.2g} of them each"
                if scale
                else f"so each counts as {f:.2g} {name} racks"
            )
            rack_ids = tuple(ids[n] for n in rows)
            out.append(
                caution(
                    file,
                    _loc(doc, at),
                    format_path(at),
                    rack_ids,
                    f"rack design power {power_kw:g} kW ({rack_said}) is {f:.2g}x the "
                    f"{rated:g} kW power_kw of accelerator {name}, {what}: their tokens/s "
                    f"and capex are scaled by {f:.2g} (typical {lo:g}-{hi:g}x); check "
                    "both power_kw values and their unit",
                )
            )
    price = layout.economics.energy_price_usd_per_kwh
    if price > PRICE_MAX_USD_PER_KWH:
        at = ("economics", "energy_price_usd_per_kwh")
        out.append(
            caution(file, _loc(doc, at), format_path(at), ("economics",), price_message(price))
        )
    return out


def price_message(price: float) -> str:
    """What a price above `PRICE_MAX_USD_PER_KWH` gets told (layouts and site files)."""
    return (
        f"energy_price_usd_per_kwh {price:g} USD/kWh is above {PRICE_MAX_USD_PER_KWH:g} "
        f"(the US industrial average is 0.0806, EIA 2023): did you mean cents? {price:g} "
        f"c/kWh = {price / 100:g} USD/kWh"
    )


def check_water(layout, doc: Any, file: str, caution) -> list:
    """A facility loop whose supply plus its CDUs' approach is above the supply setpoint of
    the TCS loops they serve: the CDUs cannot make their TCS supply (a CDU's TCS supply is at
    best its facility supply plus its approach, REFERENCE 3); one warning per facility loop."""
    c = layout.cooling
    if not c.cdus:
        return []
    loops = {lp.id: (j, lp) for j, lp in enumerate(c.loops)}
    short: dict[str, list] = {}
    for u in c.cdus:
        fws, tcs = loops.get(u.facility_loop), loops.get(u.loop)
        if fws is None or tcs is None:
            continue
        best = fws[1].t_supply_c + u.approach_k
        if best > tcs[1].t_supply_c + 1e-9:
            short.setdefault(u.facility_loop, []).append((u, tcs[1], best))
    out = []
    for fid, rows in short.items():
        j, fws = loops[fid]
        cdus = tuple(str(u.id) for u, _, _ in rows)
        tcs_ids = tuple(dict.fromkeys(str(t.id) for _, t, _ in rows))
        lo_best = min(b for _, _, b in rows)
        hi_set = max(t.t_supply_c for _, t, _ in rows)
        at = ("cooling", "loops", j, "t_supply_c")
        out.append(
            caution(
                file,
                _loc(doc, at),
                format_path(at),
                (fid,),
                f"facility loop {fid} supplies at {fws.t_supply_c:g} C; its CDUs "
                f"{names(cdus)} can supply their TCS loops at {lo_best:g} C at best (facility "
                f"supply + approach), above the {hi_set:g} C setpoint of {names(tcs_ids)}: the "
                "racks' coolant cannot reach its setpoint by construction (lower the facility "
                "supply, or raise the TCS setpoint)",
                cdus,
            )
        )
    return out


def _rack_columns(layout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Design kW, feed_a and feed_b of every rack, as arrays (one pass over the racks)."""
    cols = [(r.power_kw, r.feed_a, r.feed_b) for h in layout.halls for r in h.racks]
    if not cols:
        empty = np.zeros(0)
        return empty, np.zeros(0, object), np.zeros(0, object)
    kw, a, b = zip(*cols, strict=True)
    return np.asarray(kw, float), np.asarray(a, object), np.asarray(b, object)


def _direct_loads(kw: np.ndarray, a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Design kW on each feeding element: half on each feed of a dual-corded rack (numpy,
    not pandas: validate does not import pandas, ~0.6 s)."""
    has_a = a != None  # noqa: E711 - element-wise on an object array
    has_b = b != None  # noqa: E711
    share = np.where(has_a & has_b, 0.5, 1.0)
    feeds = np.concatenate([a[has_a], b[has_b]]).astype(str)
    kw_on = np.concatenate([(kw * share)[has_a], (kw * share)[has_b]])
    if not len(feeds):
        return {}
    names_, at = np.unique(feeds, return_inverse=True)
    return dict(zip(names_.tolist(), np.bincount(at, weights=kw_on).tolist(), strict=True))


class _Elements:
    """The power elements as arrays: ids, rating (kVA; a utility's capacity), power factor,
    the row of each one's upstream and alternate (-1: none) and its depth (links to its
    source)."""

    def __init__(self, rows: list, sources: tuple[str, ...], branches: tuple[str, ...]) -> None:
        self.ids = [str(c.id) for _, _, c in rows]
        self.pos = {k: i for i, k in enumerate(self.ids)}
        self.rating = np.asarray(
            [c.capacity_mva * 1000.0 if k == "utilities" else c.rating_kva for k, _, c in rows],
            float,
        )
        self.pf = np.asarray(
            [c.power_factor if k in sources and k != "utilities" else 1.0 for k, _, c in rows],
            float,
        )
        self.up = self._rows([c.upstream if k in branches else None for k, _, c in rows])
        self.alt = self._rows([c.alternate if k in branches else None for k, _, c in rows])
        self.depth = _depth(self.up)

    def _rows(self, refs: list) -> np.ndarray:
        """Row of each referenced element, -1 for none."""
        return np.fromiter((self.pos.get(r, -1) for r in refs), int, len(refs))


def _elements(rows: list) -> _Elements:
    from twin.model.registry import POWER_BRANCHES, POWER_SOURCES

    return _Elements(rows, tuple(POWER_SOURCES), tuple(POWER_BRANCHES))


def _depth(up: np.ndarray) -> np.ndarray:
    """Links from each element to its source, by pointer jumping (the chain has no cycle:
    the cross-checks refuse one before this runs; the bound only guards against one)."""
    depth = np.zeros(len(up), int)
    p = up.copy()
    for _ in range(len(up)):
        live = p >= 0
        if not live.any():
            break
        depth += live
        p = np.where(live, up[np.maximum(p, 0)], -1)
    return depth
