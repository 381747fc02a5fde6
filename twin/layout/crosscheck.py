"""Cross-checks on a schema-valid layout: references, cycles, feeds, cooling, positions, voltages.

Each check reports through the collector's `add(path, message)` so every
problem carries its file line; all problems are collected, none stops the rest.

Connections are typed by what they carry: a rack cord and a CRAH, CDU, tower or
dry-cooler `feed` plug into low voltage (at most `LV_MAX_KV`), a chiller or pump
motor into at most `MV_MOTOR_MAX_KV`, a PDU/RPP/busway distributes at low voltage,
a transformer's primary matches what reaches it. Every water loop that takes heat
can move it: something rejects its heat, and a loop whose pipes are modelled has
a pump to drive them (a TCS loop is driven by its CDUs' own pumps).

The weather file is checked here, not in the schema: whether it exists is a fact
about the disk, not the text, so a cached layout (`twin.layout.cache`) is checked
again on every load.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
import stat
from pathlib import Path
from typing import Any, Protocol

import networkx as nx

from twin.errors import names
from twin.layout import schema as s
from twin.layout.floor_check import check_row_overlaps
from twin.layout.regular_file import not_regular
from twin.layout.schema import COOLING_KINDS, POWER_KINDS
from twin.layout.source import MAX_WEATHER_BYTES, format_path
from twin.model import registry
from twin.model.registry import HEAT_REJECTORS, HEAT_SINKS, POWER_BRANCHES, POWER_SOURCES

LV_MAX_KV = 1.0
"""Low voltage ends at 1 kV AC (IEC 60038): rack cords, fans and small pumps plug in there."""
MV_MOTOR_MAX_KV = 15.0
"""Large chiller compressors and pumps may have medium-voltage motors (3.3-13.8 kV)."""
MV_MOTOR_MODELS = ("chiller", "pump")
"""Physics models (not kinds) of cooling units that come with MV motors."""
LV_ONLY = registry.tables(model="pdu")
"""Power branches that distribute at low voltage only: PDUs, RPPs, busways."""
HYDRAULIC = frozenset(registry.tables(model=("pump", "pipe")))
"""The kinds that make up a loop's modelled pipe network."""
PVLIB_PREFIX = "pvlib:"
PVLIB_WEATHER = re.compile(r"\d{6}TYA?\.csv|.+\.epw", re.I)
"""pvlib's bundled files that `twin.solve.weather` reads as weather: TMY3 (csv) and EPW."""


class Collector(Protocol):
    """What the checks need from `twin.layout.validate`'s problem collector."""

    dropped_kinds: set[str]

    def add(self, path: tuple, message: str) -> None: ...

    def unknown(
        self, path: tuple, ref: Any, known: Any, what: str, where: str = "", loops: Any = None
    ) -> None: ...


def cross_check(layout: s.Layout, col: Collector) -> None:
    ids: dict[str, tuple] = {}
    power: dict[str, tuple[str, Any]] = {}
    loops: dict[str, s.Loop] = {}

    def register(path: tuple, cid: str) -> None:
        if cid in ids:
            col.add((*path, "id"), f"duplicate id {cid!r}, already used at {format_path(ids[cid])}")
        else:
            ids[cid] = path

    for i, hall in enumerate(layout.halls):
        register(("halls", i), hall.id)
        for j, row in enumerate(hall.rows):
            register(("halls", i, "rows", j), row.id)
        for j, rack in enumerate(hall.racks):
            register(("halls", i, "racks", j), rack.id)
    for kind in POWER_KINDS:
        for j, comp in enumerate(getattr(layout.power, kind)):
            register(("power", kind, j), comp.id)
            power.setdefault(comp.id, (kind, comp))
    for kind in COOLING_KINDS:
        for j, comp in enumerate(getattr(layout.cooling, kind)):
            register(("cooling", kind, j), comp.id)
            if kind == "loops":
                loops.setdefault(comp.id, comp)
    for kind in registry.STORAGE_KINDS:
        for j, comp in enumerate(getattr(layout.storage, kind)):
            register(("storage", kind, j), comp.id)

    no_source = not any(getattr(layout.power, k) for k in POWER_SOURCES)
    if no_source and not col.dropped_kinds & set(POWER_SOURCES):
        col.add(("power",), "no utility or generator: the power chain needs a source")

    _check_grid_units(layout, col)
    v_kv = _check_power_refs(layout, power, col)
    _check_racks(layout, power, loops, v_kv, col)
    check_row_overlaps(layout, col)
    _check_cooling(layout, loops, col)
    _check_accelerators(layout, col)
    _check_weather(layout, col)
    _check_storage(layout, power, col)
    feedable = {k: v for k, v in power.items() if v[0] not in POWER_SOURCES}
    for kind in COOLING_KINDS:
        limit = MV_MOTOR_MAX_KV if registry.kind(kind).model in MV_MOTOR_MODELS else LV_MAX_KV
        for j, unit in enumerate(getattr(layout.cooling, kind)):
            second = getattr(unit, "feed_b", None)
            if second is not None and second == getattr(unit, "feed", None):
                col.add(
                    ("cooling", kind, j, "feed_b"),
                    f"{second!r} is also its 'feed': a second feed names another element",
                )
                continue
            if second is not None and getattr(unit, "feed", None) is None:
                col.add(
                    ("cooling", kind, j, "feed_b"),
                    "a second feed needs a first: set 'feed' (or use 'feed' alone)",
                )
                continue
            for field in ("feed", "feed_b"):
                ref = getattr(unit, field, None)
                if ref is not None and ref not in feedable:
                    col.unknown(("cooling", kind, j, field), ref, feedable, "distribution element")
                elif v_kv.get(ref, 0.0) > limit and power[ref][0] not in LV_ONLY:
                    takes = (
                        f"motors run at medium voltage, at most {limit:g} kV"
                        if limit > LV_MAX_KV
                        else f"fans and pumps run at low voltage (at most {limit:g} kV)"
                    )
                    col.add(
                        ("cooling", kind, j, field),
                        f"{ref!r} is at {v_kv[ref]:g} kV; a {registry.kind(kind).label}'s "
                        f"{takes}: feed it from a board behind a transformer",
                    )


def _check_power_refs(layout: s.Layout, power: dict, col: Collector) -> dict[str, float]:
    """References and cycles of the power chain; the nominal kV of each element (empty if
    a cycle leaves them undefined)."""
    graph = nx.DiGraph()
    sources = {c.id for k in POWER_SOURCES for c in getattr(layout.power, k)}
    for kind in POWER_BRANCHES:
        for j, comp in enumerate(getattr(layout.power, kind)):
            path = ("power", kind, j)
            graph.add_node(comp.id)
            if comp.upstream is None:
                col.add(
                    path, f"has no 'upstream': every {kind} entry must name the element feeding it"
                )
            for key in ("upstream", "alternate"):
                ref = getattr(comp, key)
                if ref is None:
                    continue
                if ref not in power:  # (never "did you mean" the element itself)
                    others = {k: v for k, v in power.items() if k != comp.id}
                    col.unknown((*path, key), ref, others, "power element")
                elif ref == comp.id:
                    col.add((*path, key), "an element cannot feed itself")
                else:
                    graph.add_edge(ref, comp.id)
            if comp.alternate is not None and comp.alternate == comp.upstream:
                col.add(
                    (*path, "alternate"), "alternate is the same as upstream; name a second source"
                )
    where = {
        c.id: ("power", k, j) for k in POWER_KINDS for j, c in enumerate(getattr(layout.power, k))
    }
    try:  # a topological order exists iff there is no cycle; cheaper than find_cycle
        order = list(nx.topological_sort(graph))
        cycle = None
    except nx.NetworkXUnfeasible:
        cycle = nx.find_cycle(graph)
    if cycle:
        ring = " -> ".join([u for u, _ in cycle] + [cycle[0][0]])
        # blame the link that runs backwards (e.g. a PDU feeding a UPS), else the first
        rank = {kind: n for n, kind in enumerate(POWER_KINDS)}
        src, dst = max(cycle, key=lambda e: rank[power[e[0]][0]] - rank[power[e[1]][0]])
        key = "upstream" if power[dst][1].upstream == src else "alternate"
        col.add((*where[dst], key), f"power chain has a cycle: {ring}")
        return {}
    return _check_voltages(power, sources, order, where, col)


def _check_voltages(power, sources, order, where, col) -> dict[str, float]:
    """Each element's nominal voltage follows from its source and transformers; they must agree.

    `order`: the power graph's nodes in topological order (feeders first). Returns the
    nominal kV of every element it could follow back to a source."""
    v_kv: dict[str, float] = {}
    for node in order:
        kind, comp = power[node]
        if node in sources:
            v_kv[node] = comp.voltage_kv
            continue
        feeds = [r for r in (comp.upstream, comp.alternate) if r in v_kv]
        if not feeds:
            continue
        v_in = v_kv[feeds[0]]
        if kind == "transformers":
            if abs(v_in - comp.v_primary_kv) > 0.1 * comp.v_primary_kv:
                col.add(
                    (*where[node], "v_primary_kv"),
                    f"primary {comp.v_primary_kv} kV does not match the {v_in} kV of "
                    f"upstream {feeds[0]!r} (allowed: within 10 %)",
                )
            v_kv[node] = comp.v_secondary_kv
        else:
            v_kv[node] = v_in
            if kind in LV_ONLY and v_in > LV_MAX_KV:
                col.add(
                    (*where[node], "upstream" if feeds[0] == comp.upstream else "alternate"),
                    f"{feeds[0]!r} supplies {v_in:g} kV but a {registry.kind(kind).label} "
                    f"distributes at low voltage (at most {LV_MAX_KV:g} kV): put a transformer "
                    "between them",
                )
        if len(feeds) == 2 and abs(v_kv[feeds[1]] - v_in) > 0.1 * v_in:
            col.add(
                (*where[node], "alternate"),
                f"alternate {feeds[1]!r} is at {v_kv[feeds[1]]} kV but upstream is at {v_in} kV",
            )
    return v_kv


STORAGE_BUS_MODELS = ("utility", "switchgear")
"""What a site battery may connect to: a utility connection or a switchgear bus (the
timeline puts its exchange on the grid import there, twin.scenarios.timeline)."""


def _check_storage(layout: s.Layout, power: dict, col: Collector) -> None:
    """Every storage unit's `feed` names a utility connection or switchgear bus."""
    buses = {k: v for k, v in power.items() if registry.kind(v[0]).model in STORAGE_BUS_MODELS}
    for kind in registry.STORAGE_KINDS:
        for j, unit in enumerate(getattr(layout.storage, kind)):
            ref = unit.feed
            if ref in buses:
                continue
            if ref in power:
                col.add(
                    ("storage", kind, j, "feed"),
                    f"{ref!r} is a {registry.kind(power[ref][0]).label}; a "
                    f"{registry.kind(kind).label} connects to a utility connection or a "
                    "switchgear bus",
                )
            else:
                col.unknown(("storage", kind, j, "feed"), ref, buses, "utility or switchgear bus")


def unknown_ref(ref: str, known: dict, what: str) -> str:
    close = difflib.get_close_matches(ref, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {what} {ref!r}{hint}"


def _check_racks(
    layout: s.Layout, power: dict, loops: dict, v_kv: dict[str, float], col: Collector
) -> None:
    halls_with_air = {c.hall for c in layout.cooling.crahs}
    # a CRAH in a hall that does not exist is reported there; it may be this hall's
    stray_crah = not halls_with_air <= {h.id for h in layout.halls}
    tcs_with_cdu = {c.loop for c in layout.cooling.cdus}
    feedable = {k: v for k, v in power.items() if v[0] not in POWER_SOURCES}
    for i, hall in enumerate(layout.halls):
        rows = {r.id: r for r in hall.rows}
        taken: dict[tuple[str, int], str] = {}
        for j, rack in enumerate(hall.racks):
            path = ("halls", i, "racks", j)
            if rack.row not in rows:
                col.unknown((*path, "row"), rack.row, rows, "row", f" in hall {hall.id!r}")
            else:
                key = (rack.row, rack.slot)
                if key in taken:
                    col.add(
                        (*path, "slot"),
                        f"row {rack.row!r} slot {rack.slot} is already taken by rack {taken[key]!r}",
                    )
                else:
                    taken[key] = rack.id
                x, y = _rack_xy(rows[rack.row], rack.slot)
                if not (0 <= x <= hall.size_m[0] and 0 <= y <= hall.size_m[1]):
                    col.add(
                        (*path, "slot"),
                        f"slot {rack.slot} of row {rack.row!r} puts the rack at ({x:.1f}, {y:.1f}) m, "
                        f"outside the {hall.size_m[0]} x {hall.size_m[1]} m floor of hall {hall.id!r}",
                    )
            if rack.feed_a is None and rack.feed_b is None:
                col.add(
                    path, "rack has no power feed: set feed_a (and feed_b for dual-corded racks)"
                )
            for key in ("feed_a", "feed_b"):
                ref = getattr(rack, key)
                if ref is not None and ref not in feedable:
                    col.unknown((*path, key), ref, feedable, "distribution element")
                elif v_kv.get(ref, 0.0) > LV_MAX_KV and power[ref][0] not in LV_ONLY:
                    col.add(  # (a PDU at high voltage is reported at the PDU)
                        (*path, key),
                        f"{ref!r} is at {v_kv[ref]:g} kV; a rack cord plugs into low voltage "
                        f"(at most {LV_MAX_KV:g} kV): a PDU, RPP or busway behind a transformer",
                    )
            if rack.feed_a is not None and rack.feed_a == rack.feed_b:
                col.add(
                    (*path, "feed_b"),
                    "feed_b is the same element as feed_a: no redundancy; omit feed_b",
                )
            if rack.liquid_fraction > 0:
                if rack.liquid_loop is None:
                    col.add(
                        path,
                        f"liquid_fraction is {rack.liquid_fraction} but no liquid_loop is named",
                    )
                elif rack.liquid_loop not in loops or loops[rack.liquid_loop].kind != "tcs":
                    tcs = _of_kind(loops, "tcs")
                    col.unknown(
                        (*path, "liquid_loop"), rack.liquid_loop, tcs, "tcs loop", loops=loops
                    )
                elif rack.liquid_loop not in tcs_with_cdu and "cdus" not in col.dropped_kinds:
                    col.add(
                        (*path, "liquid_loop"), f"loop {rack.liquid_loop!r} has no CDU serving it"
                    )
        air_gap = not (hall.id in halls_with_air or stray_crah or "crahs" in col.dropped_kinds)
        to_air = [r for r in hall.racks if r.liquid_fraction < 1 and r.power_kw > 0]
        if air_gap and to_air:  # one problem per hall, not one per rack
            air_kw = sum(r.power_kw * (1 - r.liquid_fraction) for r in to_air)
            col.add(
                ("halls", i),
                f"hall has no CRAH/CRAC but {len(to_air):,} rack{'s' if len(to_air) > 1 else ''} "
                f"({names([r.id for r in to_air])}) send {air_kw:,.0f} kW of heat to air: add a "
                f"unit under cooling.crahs with hall: {hall.id}, or set their liquid_fraction to 1",
            )


def _check_accelerators(layout: s.Layout, col: Collector) -> None:
    """Every rack's accelerator is in the layout's catalogue or the built-in one."""
    for i, hall in enumerate(layout.halls):
        for j, rack in enumerate(hall.racks):
            check_accelerator(
                rack.accelerator, layout.accelerators, ("halls", i, "racks", j, "accelerator"), col
            )


def check_accelerator(acc: Any, catalogue: Any, path: tuple, col: Collector) -> None:
    """`acc` (a rack's or a rack profile's accelerator, None for none) is in `catalogue` (the
    layout's `accelerators`) or the built-in one; otherwise a problem at `path`."""
    book = catalogue if isinstance(catalogue, dict) else {}
    if not isinstance(acc, str) or acc in s.BUILTIN_ACCELERATORS or acc in book:
        return  # none (a wrong type is the schema's to report), or a known one
    known = dict.fromkeys([*s.BUILTIN_ACCELERATORS, *book])
    col.unknown(
        path,
        acc,
        known,
        "accelerator",
        f"; add it under 'accelerators:' (known: {', '.join(known)})",
    )


def _rack_xy(row: s.Row, slot: int) -> tuple[float, float]:
    """Centre of a rack's footprint in hall coordinates."""
    along = (slot + 0.5) * row.rack_width_m
    if row.axis == "x":
        return row.origin_m[0] + along, row.origin_m[1]
    return row.origin_m[0], row.origin_m[1] + along


def _of_kind(loops: dict, *kinds: str) -> dict:
    return {k: v for k, v in loops.items() if v.kind in kinds}


def _check_cooling(layout: s.Layout, loops: dict, col: Collector) -> None:
    halls = {h.id for h in layout.halls}
    c = layout.cooling
    water = _of_kind(loops, "facility", "chilled")
    tcs = _of_kind(loops, "tcs")  # once, not per unit: a campus has ~2,000 CDUs and ~4,000 loops
    condenser = _of_kind(loops, "condenser")
    heat_sink_loops = _of_kind(loops, "facility", "chilled", "condenser")

    def ref(path, value, table, what):
        if value is not None and value not in table:
            col.unknown(path, value, table, what, loops=loops if what.endswith("loop") else None)

    floors = {h.id: h for h in layout.halls}
    for j, u in enumerate(c.crahs):
        ref(("cooling", "crahs", j, "hall"), u.hall, dict.fromkeys(halls), "hall")
        _check_on_floor(("cooling", "crahs", j, "position_m"), u, floors.get(u.hall), col)
        if u.type == "crah" and u.loop is None:
            col.add(
                ("cooling", "crahs", j),
                "a CRAH needs a chilled-water 'loop' (use type: crac for DX)",
            )
        ref(("cooling", "crahs", j, "loop"), u.loop, water, "chilled/facility loop")
    for j, u in enumerate(c.cdus):
        ref(("cooling", "cdus", j, "loop"), u.loop, tcs, "tcs loop")
        ref(("cooling", "cdus", j, "facility_loop"), u.facility_loop, water, "facility loop")
        ref(("cooling", "cdus", j, "hall"), u.hall, dict.fromkeys(halls), "hall")
    for kind in registry.tables(model=("pump", "pipe")):
        for j, u in enumerate(getattr(c, kind)):
            ref(("cooling", kind, j, "loop"), u.loop, loops, "loop")
    for j, u in enumerate(c.chillers):
        ref(("cooling", "chillers", j, "loop"), u.loop, water, "chilled/facility loop")
        ref(
            ("cooling", "chillers", j, "condenser_loop"),
            u.condenser_loop,
            condenser,
            "condenser loop",
        )
    for kind in HEAT_REJECTORS:
        for j, u in enumerate(getattr(c, kind)):
            ref(
                ("cooling", kind, j, "loop"),
                u.loop,
                heat_sink_loops,
                "loop",
            )
    for j, u in enumerate(c.chillers):
        cond, chw = loops.get(u.condenser_loop), loops.get(u.loop)
        if cond is None or chw is None or cond.kind != "condenser" or chw.kind == "condenser":
            continue
        if cond.t_supply_c <= chw.t_supply_c:
            col.add(
                ("cooling", "chillers", j, "condenser_loop"),
                f"condenser loop {cond.id!r} supplies at {cond.t_supply_c:g} C, not above the "
                f"{chw.t_supply_c:g} C of loop {chw.id!r} the chiller cools; a chiller lifts "
                "heat to a warmer condenser loop (are the setpoints swapped?)",
            )
    _check_loops_move_heat(layout, col)


GRID_OVER_UTILITIES_MAX = 100.0
"""grid_mw may exceed the utility connections' total MVA by at most this factor before it is
refused as a unit slip (kW written for MW, a factor of 1000): physically it cannot exceed
them at all; the wide margin keeps test rigs and utilities modelled only in part [est]."""


def _check_grid_units(layout: s.Layout, col: Collector) -> None:
    """A grid connection far above what its utility connections carry is a kW/MW slip."""
    utilities = layout.power.utilities
    if not utilities:
        return
    total = sum(u.capacity_mva for u in utilities)
    grid = layout.site.grid_mw
    if grid > GRID_OVER_UTILITIES_MAX * total:
        col.add(
            ("site", "grid_mw"),
            f"{grid:g} MW is {grid / total:,.0f}x the {total:g} MVA of the site's utility "
            "connections (power.utilities capacity_mva): is it in kW? grid_mw is in MW, and a "
            "grid connection delivers at most what its utility connections carry",
        )


def _check_on_floor(path: tuple, unit, hall, col: Collector) -> None:
    """A cooling unit with a `position_m` stands on the floor of the hall it cools (site
    coordinates); the air field would otherwise move it to the nearest wall unannounced."""
    if hall is None or unit.position_m is None:
        return
    (x, y), (x0, y0), (w, d) = unit.position_m, hall.origin_m, hall.size_m
    if x0 <= x <= x0 + w and y0 <= y <= y0 + d:
        return
    col.add(
        path,
        f"({x:g}, {y:g}) m is outside the {w} x {d} m floor of hall {hall.id!r} it cools "
        f"(site x {x0:g} to {x0 + w:g} m, y {y0:g} to {y0 + d:g} m); place it on that floor "
        "or leave out position_m to stand it along the north wall",
    )


def _check_loops_move_heat(layout: s.Layout, col: Collector) -> None:
    """Every water loop that takes heat has somewhere to put it and something to move it.

    Heat in: a CDU's facility side, a CRAH coil, a chiller's condenser. Heat out: a
    chiller, tower or dry cooler on the loop (towers or dry coolers on a condenser
    loop). Movement: a loop with modelled pipes needs a pump on it (the hydraulic
    solve gives a piped loop without one no flow); a loop with neither pipes nor pumps
    is left unmodelled (its flow follows its heat). TCS loops are moved by their CDUs'
    own pumps; a rack naming a TCS loop no CDU serves is reported at the rack.
    """
    c = layout.cooling
    sinks = {u.loop for k in HEAT_SINKS for u in getattr(c, k)}
    rejected = {u.loop for k in HEAT_REJECTORS for u in getattr(c, k)}
    users = {u.facility_loop for u in c.cdus} | {u.loop for u in c.crahs if u.loop}
    condensing = {u.condenser_loop for u in c.chillers if u.condenser_loop}
    pumped: dict[str, list] = {}
    for u in c.pumps:
        pumped.setdefault(u.loop, []).append(u)
    piped: dict[str, set[str]] = {}
    pipes_per_loop: dict[str, int] = {}
    for u in c.pipes:
        piped.setdefault(u.loop, set()).update((u.from_node, u.to_node))
        pipes_per_loop[u.loop] = pipes_per_loop.get(u.loop, 0) + 1
    sink_dropped = col.dropped_kinds & set(HEAT_SINKS)
    for j, loop in enumerate(c.loops):
        if loop.kind == "tcs":
            continue
        path = ("cooling", "loops", j)
        if loop.kind == "condenser":
            if loop.id in condensing and loop.id not in rejected and not sink_dropped:
                col.add(
                    path,
                    f"condenser loop {loop.id!r} takes the chillers' heat but no cooling tower "
                    "or dry cooler rejects it",
                )
        elif loop.id in users and loop.id not in sinks and not sink_dropped:
            col.add(
                path,
                f"loop {loop.id!r} takes heat but no chiller, tower or dry cooler rejects it",
            )
        takes_heat = loop.id in users or loop.id in condensing
        if (
            takes_heat
            and loop.id in piped
            and loop.id not in pumped
            and not col.dropped_kinds & HYDRAULIC
        ):
            n = pipes_per_loop[loop.id]
            col.add(
                path,
                f"loop {loop.id!r} takes heat and has {n} pipe{'s' if n != 1 else ''} but no "
                f"pump: nothing moves its water. Add a pump (under pumps:, loop: {loop.id}), or "
                "leave out its pipes to leave its hydraulics unmodelled",
            )
    if "pipes" in col.dropped_kinds:
        return
    for j, u in enumerate(c.pumps):
        nodes = piped.get(u.loop)
        if not nodes:
            continue  # no pipes on its loop: it runs at its rated point
        for key, node in (("from", u.from_node), ("to", u.to_node)):
            if node not in nodes:
                close = difflib.get_close_matches(node, sorted(nodes), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                col.add(
                    ("cooling", "pumps", j, key),
                    f"node {node!r} is on none of the pipes of loop {u.loop!r}{hint}; their "
                    f"nodes: {', '.join(sorted(nodes))}",
                )


def _check_weather(layout: s.Layout, col: Collector) -> None:
    """site.weather_file names pvlib's bundled data or a regular, readable, bounded file.

    Only looked at, never opened: a FIFO or a device (e.g. /dev/zero) would hang or
    exhaust memory when read. A relative path is taken from the layout's folder, as
    `twin.solve.weather.weather_path` does.
    """
    wf = layout.site.weather_file
    if not wf:
        return
    path = ("site", "weather_file")
    if wf.startswith(PVLIB_PREFIX):
        name = wf[len(PVLIB_PREFIX) :]
        names = _pvlib_weather_names()
        if names is not None and name.upper() not in {n.upper() for n in names}:
            close = difflib.get_close_matches(name, names, n=2)
            hint = (
                f"; did you mean {' or '.join(PVLIB_PREFIX + n for n in close)}?" if close else ""
            )
            col.add(
                path,
                f"pvlib ships no weather file named {name!r}{hint} (it ships: "
                f"{', '.join(names) or 'none'})",
            )
        return
    base = Path(layout.source).parent if layout.source else Path(".")
    where = Path(os.path.abspath(base / wf))
    try:
        st = os.stat(where)
    except FileNotFoundError:
        col.add(path, f"weather file not found: {where} (relative to the layout's folder)")
        return
    except OSError as exc:
        col.add(path, f"cannot read the weather file {where}: {exc.strerror}")
        return
    kind = not_regular(st.st_mode)
    if kind:
        col.add(path, f"{where} is {kind}, not a regular file; give an EPW or TMY3 file")
    elif st.st_size > MAX_WEATHER_BYTES:
        col.add(
            path,
            f"{where} is {st.st_size / 1e6:.1f} MB; weather files up to "
            f"{MAX_WEATHER_BYTES / 1e6:.0f} MB are read (a year of hourly data is ~1.5 MB)",
        )
    elif not os.access(where, os.R_OK):
        col.add(path, f"cannot read the weather file {where}: permission denied")


def _pvlib_weather_names() -> list[str] | None:
    """Weather files in pvlib's data folder (found without importing pvlib), or None."""
    try:
        spec = importlib.util.find_spec("pvlib")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    try:
        return sorted(
            p.stem
            for p in data.iterdir()
            if PVLIB_WEATHER.fullmatch(p.name) and stat.S_ISREG(p.stat().st_mode)
        )
    except OSError:
        return None
