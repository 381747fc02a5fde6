"""A built Twin with some racks' rows replaced, instead of building the whole site again.

`with_racks(twin, layout, ids)` is what `Twin.from_layout(layout)` gives when
`layout` differs from `twin.layout` only in the entries of racks `ids` (same
ids, same halls): those rows of `twin.racks` are rebuilt with the code that
builds every rack (`twin.model.tables.rack_record`), every other table is
shared, and a graph is rebuilt only if an edited rack's edges changed (its
feeds, its liquid loop, whether it puts heat into air). On a 1 GW campus this
takes milliseconds where a build takes ~0.35 s; tests/app/test_incremental_edit.py
holds the result equal to a full build.
"""

from __future__ import annotations

import dataclasses

from twin.model import graphs, registry
from twin.model.tables import rack_record

_POWER_EDGES = ("feed_a", "feed_b")
_COOLING_EDGES = ("hall", "liquid_loop")


def with_racks(twin, layout, ids) -> object:
    """`twin` with the rows of racks `ids` rebuilt from `layout` (see the module docstring).

    Raises KeyError if a rack is not in `twin` or not in `layout`."""
    where = {}
    for hall in layout.halls:
        for rack in hall.racks:
            if rack.id in ids:
                where[rack.id] = (hall, rack)
    missing = set(ids) - set(where)
    if missing:
        raise KeyError(f"racks not in the layout: {sorted(missing)}")
    racks = twin.racks.copy()
    power_edges = cooling_edges = False
    cols = list(racks.columns)
    for rid, (hall, rack) in where.items():
        row = next(r for r in hall.rows if r.id == rack.row)
        record = rack_record(hall, row, rack)
        old = racks.loc[rid]
        power_edges |= any(old[c] != record[c] for c in _POWER_EDGES)
        cooling_edges |= any(old[c] != record[c] for c in _COOLING_EDGES)
        cooling_edges |= (old["liquid_fraction"] < 1) != (record["liquid_fraction"] < 1)
        i = racks.index.get_loc(rid)
        for j, col in enumerate(cols):
            racks.iat[i, j] = record[col]
    power_graph, cooling_graph = twin.power_graph, twin.cooling_graph
    if power_edges:
        power_graph = graphs.power_graph(twin.power_nodes, racks)
    if cooling_edges:
        cooling = {k: getattr(twin, k) for k in registry.COOLING_KINDS}
        cooling_graph = graphs.cooling_graph(racks, cooling)
    return dataclasses.replace(
        twin, layout=layout, racks=racks, power_graph=power_graph, cooling_graph=cooling_graph
    )
