"""Cross-checks of the cooling chain (part of `twin.layout.crosscheck.cross_check`).

Every cooling unit names a hall and loops of the right kind; a CRAH has a chilled-water
loop; a chiller lifts heat to a warmer condenser loop; a unit with a position stands on its
hall's floor; every water loop that takes heat can move it: something rejects its heat, and
a loop whose pipes are modelled has a pump to drive them (a TCS loop is driven by its CDUs'
own pumps).
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

import networkx as nx

from twin.errors import names
from twin.layout import schema as s
from twin.model import registry
from twin.model.registry import HEAT_REJECTORS, HEAT_SINKS

if TYPE_CHECKING:
    from twin.layout.crosscheck import Collector

HYDRAULIC = frozenset(registry.tables(model=("pump", "pipe")))
"""The kinds that make up a loop's modelled pipe network."""


def of_kind(loops: dict, *kinds: str) -> dict:
    """The loops (by id) of the given kinds."""
    return {k: v for k, v in loops.items() if v.kind in kinds}


def check_cooling(layout: s.Layout, loops: dict, col: Collector) -> None:
    """The cooling chain's references, setpoints, positions and heat paths."""
    halls = {h.id for h in layout.halls}
    c = layout.cooling
    water = of_kind(loops, "facility", "chilled")
    tcs = of_kind(loops, "tcs")  # once, not per unit: a campus has ~2,000 CDUs and ~4,000 loops
    condenser = of_kind(loops, "condenser")
    heat_sink_loops = of_kind(loops, "facility", "chilled", "condenser")

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
    bad_pump_nodes = False
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
                bad_pump_nodes = True
    if not bad_pump_nodes and "pumps" not in col.dropped_kinds:
        _check_circuits(c, pumped, col)


def _check_circuits(c, pumped: dict[str, list], col: Collector) -> None:
    """Every pipe of a pumped loop lies on a closed circuit its pumps can drive: a node only
    one pipe or pump touches is a dead end (the loop is open there: no water moves through
    it, and the hydraulic solve finds no flow and blames the pumps, audit 5 F-J), and pipes
    not connected to any of the loop's pumps carry no water. One graph for the whole site
    (nodes are (loop, node) pairs), so a campus's thousands of pipes take one pass."""
    ends: list[tuple[str, str]] = []
    where: list[tuple[int, str]] = []
    graph = nx.MultiGraph()
    for j, u in enumerate(c.pipes):
        if u.loop not in pumped:
            continue  # no pump: reported above where it takes heat, else unmodelled
        a, b = (u.loop, u.from_node), (u.loop, u.to_node)
        graph.add_edge(a, b)
        ends += [a, b]
        where += [(j, "from"), (j, "to")]
    if not ends:
        return
    for u in c.pumps:
        if u.loop in pumped and graph.has_node((u.loop, u.from_node)):
            graph.add_edge((u.loop, u.from_node), (u.loop, u.to_node), pump=u.id)
    degree = dict(graph.degree())
    dead = set()
    for (j, key), end in zip(where, ends, strict=True):
        if degree[end] == 1:
            pipe = c.pipes[j]
            dead.add(end)
            col.add(
                ("cooling", "pipes", j, key),
                f"node {end[1]!r} is a dead end (no other pipe or pump of loop "
                f"{pipe.loop!r} touches it): the loop is open there and no water flows "
                f"through {pipe.id}; name the node the circuit returns to",
            )
    pump_nodes = {
        (u.loop, n) for u in c.pumps if u.loop in pumped for n in (u.from_node, u.to_node)
    }
    for part in nx.connected_components(graph):
        if part & pump_nodes or part & dead:
            continue
        idx = [j for j, u in enumerate(c.pipes) if (u.loop, u.from_node) in part]
        if not idx:
            continue
        loop = c.pipes[idx[0]].loop
        col.add(
            ("cooling", "pipes", idx[0]),
            f"pipes {names([c.pipes[j].id for j in idx])} of loop {loop!r} (nodes "
            f"{', '.join(sorted(n for _, n in part))}) are connected to none of its pumps: no "
            "water can flow in them; connect them to the circuit the pumps drive",
        )
