"""Cross-checks on a schema-valid layout: references, cycles, feeds, cooling, positions, voltages.

Each check reports through the collector's `add(path, message)` so every
problem carries its file line; all problems are collected, none stops the rest.

Connections are typed by what they carry: a rack cord and a CRAH, CDU, tower or
dry-cooler `feed` plug into low voltage (at most `LV_MAX_KV`), a chiller or pump
motor into at most `MV_MOTOR_MAX_KV`, a PDU/RPP/busway distributes at low voltage,
a transformer's primary matches what reaches it. Every water loop that takes heat
can move it: something rejects its heat, and a loop whose pipes are modelled has
a pump to drive them (a TCS loop is driven by its CDUs' own pumps).

The cooling chain's checks are in `twin.layout.crosscheck_cooling`, the site's (grid
connection, weather file) in `twin.layout.crosscheck_site`.
"""

from __future__ import annotations

import difflib
from typing import Any, Protocol

import networkx as nx

from twin.errors import names
from twin.layout import schema as s
from twin.layout.crosscheck_cooling import check_cooling, of_kind
from twin.layout.crosscheck_site import check_grid_units, check_weather
from twin.layout.floor_check import check_heights, check_row_overlaps
from twin.layout.schema import AIR_DT_K, COOLING_KINDS, POWER_KINDS
from twin.layout.source import format_path
from twin.model import registry
from twin.model.registry import POWER_BRANCHES, POWER_SOURCES
from twin.units import K_AIR_KW_PER_M3S_K

LV_MAX_KV = 1.0
"""Low voltage ends at 1 kV AC (IEC 60038): rack cords, fans and small pumps plug in there."""
MV_MOTOR_MAX_KV = 15.0
"""Large chiller compressors and pumps may have medium-voltage motors (3.3-13.8 kV)."""
MV_MOTOR_MODELS = ("chiller", "pump")
"""Physics models (not kinds) of cooling units that come with MV motors."""
LV_ONLY = registry.tables(model="pdu")
"""Power branches that distribute at low voltage only: PDUs, RPPs, busways."""


class Collector(Protocol):
    """What the checks need from `twin.layout.validate`'s problem collector."""

    dropped_kinds: set[str]

    def add(self, path: tuple, message: str) -> None: ...

    def unknown(
        self, path: tuple, ref: Any, known: Any, what: str, where: str = "", loops: Any = None
    ) -> None: ...


def cross_check(layout: s.Layout, col: Collector) -> None:
    ids: dict[str, tuple] = getattr(col, "ids", {})  # the collector's: it names wrong kinds
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

    check_grid_units(layout, col)
    v_kv = _check_power_refs(layout, power, col)
    _check_racks(layout, power, loops, v_kv, col)
    check_row_overlaps(layout, col)
    check_heights(layout, col)
    check_cooling(layout, loops, col)
    _check_accelerators(layout, col)
    check_weather(layout, col)
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
        overhung: set[str] = set()
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
                elif rack.row not in overhung and not _fits(hall, rows[rack.row], rack, path, col):
                    overhung.add(rack.row)  # said once per row: its first rack that overhangs
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
            if rack.airflow_m3_s is not None:
                _check_rack_airflow(rack, path, col)
            if rack.liquid_fraction > 0:
                if rack.liquid_loop is None:
                    col.add(
                        path,
                        f"liquid_fraction is {rack.liquid_fraction} but no liquid_loop is named",
                    )
                elif rack.liquid_loop not in loops or loops[rack.liquid_loop].kind != "tcs":
                    tcs = of_kind(loops, "tcs")
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


def _check_rack_airflow(rack: Any, path: tuple, col: Collector) -> None:
    """A rack's given airflow must carry its design air heat within the air rise a cooling
    unit is held to (`AIR_DT_K`): a server is designed for 10-20 K (140 CFM/kW is 12.6 K,
    twin.solve.rack_airflow), and 0.0001 m3/s for 5 kW (a unit typed wrongly) was accepted,
    then shut down 16 of 20 racks by heat with the cooling blamed (audit 2026-12-04)."""
    air_kw = rack.power_kw * (1.0 - rack.liquid_fraction)
    rise = air_kw / (K_AIR_KW_PER_M3S_K * rack.airflow_m3_s)
    hi = AIR_DT_K[1]
    need = air_kw / (K_AIR_KW_PER_M3S_K * hi)
    if rise > hi:
        col.add(
            (*path, "airflow_m3_s"),
            f"{rack.airflow_m3_s:g} m3/s for the rack's {air_kw:,.3g} kW of air heat heats the "
            f"air by {rise:,.1f} K; servers are designed for 10-20 K and no air path for more "
            f"than {hi:g} K, so {air_kw:,.3g} kW needs at least {need:.3g} m3/s (is the airflow "
            "in m3/h or CFM?)",
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


FOOTPRINT_TOL_M = 1e-6
"""How far a rack's footprint may reach past a wall: rounding, not a layout's intent."""


def _fits(hall: Any, row: s.Row, rack: Any, path: tuple, col: Collector) -> bool:
    """Every rack must fit on its hall's floor (docs/layout-format.md), its whole footprint:
    only its centre was checked, so a row 0.1 m from a wall stood 0.5 m through it and
    validated and solved (audit 2026-12-04). False, and the problem added, where not."""
    x, y = _rack_xy(row, rack.slot)
    half = (row.rack_width_m / 2, row.rack_depth_m / 2)
    hx, hy = half if row.axis == "x" else half[::-1]
    lo, hi = (x - hx, y - hy), (x + hx, y + hy)
    size = hall.size_m
    out = [
        f"{'xy'[k]} {lo[k]:.2f}..{hi[k]:.2f} m crosses the wall at {'xy'[k]}="
        f"{0.0 if lo[k] < -FOOTPRINT_TOL_M else size[k]:g} m"
        for k in (0, 1)
        if lo[k] < -FOOTPRINT_TOL_M or hi[k] > size[k] + FOOTPRINT_TOL_M
    ]
    if out:
        col.add(
            (*path, "slot"),
            f"slot {rack.slot} of row {row.id!r}: the rack's footprint ({'; '.join(out)}) "
            f"does not fit on the {size[0]} x {size[1]} m floor of hall {hall.id!r}; move the "
            "row's origin_m inside by the overhang",
        )
    return not out


def _rack_xy(row: s.Row, slot: int) -> tuple[float, float]:
    """Centre of a rack's footprint in hall coordinates."""
    along = (slot + 0.5) * row.rack_width_m
    if row.axis == "x":
        return row.origin_m[0] + along, row.origin_m[1]
    return row.origin_m[0], row.origin_m[1] + along
