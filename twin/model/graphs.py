"""networkx graphs of the power chain and the cooling chain, and liveness under failures.

Power graph: edge ``u -> v`` means u can feed v; ``role`` is ``normal``,
``alternate`` (a transfer switch or generator behind an ATS), ``A`` or ``B``
(a rack cord). Cooling graph: edge ``u -> v`` means heat flows from u to v
(rack -> hall air -> CRAH -> chilled loop -> chiller -> condenser loop -> tower).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from twin.model import registry


def power_graph(nodes: pd.DataFrame, racks: pd.DataFrame) -> nx.DiGraph:
    g = nx.DiGraph()
    for kind, ids in nodes.groupby("kind").groups.items():
        g.add_nodes_from(ids, kind=kind)
    g.add_nodes_from(racks.index, kind="racks")
    for role, col in (("normal", "upstream"), ("alternate", "alternate")):
        sub = nodes[nodes[col].notna()]
        g.add_edges_from(zip(sub[col], sub.index, strict=True), role=role)
    for role, col in (("A", "feed_a"), ("B", "feed_b")):
        sub = racks[racks[col].notna()]
        g.add_edges_from(zip(sub[col], sub.index, strict=True), role=role)
    return g


def live_nodes(nodes: pd.DataFrame, failed: set[str] | frozenset[str]) -> pd.Series:
    """Boolean Series over power elements: has a live path from a source.

    `nodes` is in topological order, so one pass settles each element from its
    upstream or, if that is dead, its alternate (transfer switch / generator).
    """
    live: dict[str, bool] = {}
    failed = set(failed)
    for node, up, alt in zip(nodes.index, nodes["upstream"], nodes["alternate"], strict=True):
        if node in failed:
            live[node] = False
        elif up is None and alt is None:
            live[node] = True  # a source
        else:
            live[node] = bool(live.get(up, False) or live.get(alt, False))
    return pd.Series(live, dtype=bool).reindex(nodes.index)


def cooling_graph(racks: pd.DataFrame, cooling: dict[str, pd.DataFrame]) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(racks.index, kind="racks")
    for kind, table in cooling.items():
        g.add_nodes_from(table.index, kind=kind)
    air = racks[racks["liquid_fraction"] < 1]
    g.add_edges_from(zip(air.index, "air:" + air["hall"], strict=True), medium="air")
    wet = racks[racks["liquid_loop"].notna()]
    g.add_edges_from(zip(wet.index, wet["liquid_loop"], strict=True), medium="liquid")
    crahs = cooling["crahs"]
    if len(crahs):
        g.add_edges_from(zip("air:" + crahs["hall"], crahs.index, strict=True), medium="air")
        chw = crahs[crahs["loop"].notna()]
        g.add_edges_from(zip(chw.index, chw["loop"], strict=True), medium="water")
    cdus = cooling["cdus"]
    if len(cdus):
        g.add_edges_from(zip(cdus["loop"], cdus.index, strict=True), medium="water")
        g.add_edges_from(zip(cdus.index, cdus["facility_loop"], strict=True), medium="water")
    for kind in registry.HEAT_SINKS:
        t = cooling[kind]
        if len(t):
            g.add_edges_from(zip(t["loop"], t.index, strict=True), medium="water")
    ch = cooling["chillers"]
    if len(ch):
        cond = ch[ch["condenser_loop"].notna()]
        g.add_edges_from(zip(cond.index, cond["condenser_loop"], strict=True), medium="water")
    for node in g.nodes:
        if isinstance(node, str) and node.startswith("air:"):
            g.nodes[node]["kind"] = "hall_air"
    return g


def feed_matrix_index(nodes: pd.DataFrame, ids: pd.Series) -> np.ndarray:
    """Integer positions of power element ids (NaN/None -> -1), for vectorised lookups."""
    pos = pd.Series(np.arange(len(nodes)), index=nodes.index)
    return ids.map(pos).fillna(-1).to_numpy(dtype=np.int64)
