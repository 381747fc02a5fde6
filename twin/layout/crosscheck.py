"""Cross-checks on a schema-valid layout: references, cycles, feeds, cooling, positions, voltages.

Each check reports through the collector's `add(path, message)` so every
problem carries its file line; all problems are collected, none stops the rest.
"""

from __future__ import annotations

import difflib
from typing import Any, Protocol

import networkx as nx

from twin.layout import schema as s
from twin.layout.schema import COOLING_KINDS, POWER_KINDS
from twin.layout.source import format_path
from twin.model import registry
from twin.model.registry import HEAT_REJECTORS, HEAT_SINKS, POWER_BRANCHES, POWER_SOURCES


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

    no_source = not any(getattr(layout.power, k) for k in POWER_SOURCES)
    if no_source and not col.dropped_kinds & set(POWER_SOURCES):
        col.add(("power",), "no utility or generator: the power chain needs a source")

    _check_power_refs(layout, power, col)
    _check_racks(layout, power, loops, col)
    _check_cooling(layout, loops, col)
    _check_accelerators(layout, col)
    feedable = {k: v for k, v in power.items() if v[0] not in POWER_SOURCES}
    for kind in COOLING_KINDS:
        for j, unit in enumerate(getattr(layout.cooling, kind)):
            ref = getattr(unit, "feed", None)
            if ref is not None and ref not in feedable:
                col.unknown(("cooling", kind, j, "feed"), ref, feedable, "distribution element")


def _check_power_refs(layout: s.Layout, power: dict, col: Collector) -> None:
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
                if ref not in power:
                    col.unknown((*path, key), ref, power, "power element")
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
        return
    _check_voltages(power, sources, order, where, col)


def _check_voltages(power, sources, order, where, col) -> None:
    """Each element's nominal voltage follows from its source and transformers; they must agree.

    `order`: the power graph's nodes in topological order (feeders first)."""
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
        if len(feeds) == 2 and abs(v_kv[feeds[1]] - v_in) > 0.1 * v_in:
            col.add(
                (*where[node], "alternate"),
                f"alternate {feeds[1]!r} is at {v_kv[feeds[1]]} kV but upstream is at {v_in} kV",
            )


def unknown_ref(ref: str, known: dict, what: str) -> str:
    close = difflib.get_close_matches(ref, list(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {what} {ref!r}{hint}"


def _check_racks(layout: s.Layout, power: dict, loops: dict, col: Collector) -> None:
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
            if rack.liquid_fraction < 1 and air_gap and rack.power_kw > 0:
                col.add(
                    path,
                    f"rack has no air cooling: {1 - rack.liquid_fraction:.0%} of its heat goes to air "
                    f"but hall {hall.id!r} has no CRAH/CRAC",
                )


def _check_accelerators(layout: s.Layout, col: Collector) -> None:
    """Every rack's accelerator is in the layout's catalogue or the built-in one."""
    known = dict.fromkeys([*s.BUILTIN_ACCELERATORS, *layout.accelerators])
    for i, hall in enumerate(layout.halls):
        for j, rack in enumerate(hall.racks):
            if rack.accelerator is not None and rack.accelerator not in known:
                col.unknown(
                    ("halls", i, "racks", j, "accelerator"),
                    rack.accelerator,
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

    for j, u in enumerate(c.crahs):
        ref(("cooling", "crahs", j, "hall"), u.hall, dict.fromkeys(halls), "hall")
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
    sinks = {u.loop for k in HEAT_SINKS for u in getattr(c, k)}
    users = {u.facility_loop for u in c.cdus} | {u.loop for u in c.crahs if u.loop}
    for j, loop in enumerate(c.loops):
        sink_dropped = col.dropped_kinds & set(HEAT_SINKS)
        if loop.kind != "tcs" and loop.id in users and loop.id not in sinks and not sink_dropped:
            col.add(
                ("cooling", "loops", j),
                f"loop {loop.id!r} takes heat but no chiller, tower or dry cooler rejects it",
            )
