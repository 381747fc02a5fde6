"""`Twin`: the component tables and graphs of one site, built from a validated Layout.

One pandas DataFrame per component kind, indexed by component id, units in
column names (the pandapower/PyPSA convention). Graphs answer topology
questions (what feeds what, what becomes unfed); solvers read the tables and
build their own sparse matrices from them, never looping over graph edges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

from twin.layout import Layout, load
from twin.model import graphs, registry
from twin.model.tables import cooling_tables, hall_tables, power_tables, storage_tables

POWER_TABLES = registry.POWER_KINDS
COOLING_TABLES = registry.COOLING_KINDS
TABLES = (*(k.table for k in registry.KINDS), "power_nodes")
"""Every table a Twin holds: one per registered kind, plus `power_nodes` (all power elements)."""


@dataclass
class Twin:
    """Tables plus graphs for one site. Built once per layout; solves never modify it.

    One DataFrame attribute per kind in twin.model.registry (`twin.racks`,
    `twin.crahs`, ...) and `power_nodes`, declared from the registry below.
    """

    layout: Layout
    power_graph: nx.DiGraph = field(repr=False)
    cooling_graph: nx.DiGraph = field(repr=False)
    __annotations__.update(dict.fromkeys(TABLES, "pd.DataFrame"))

    # ------------------------------------------------------------------ build

    @classmethod
    def from_layout(cls, layout: Layout) -> Twin:
        halls, rows, racks = hall_tables(layout)
        power = power_tables(layout)
        cooling = cooling_tables(layout)
        return cls(
            layout=layout,
            halls=halls,
            rows=rows,
            racks=racks,
            **power,
            **cooling,
            **storage_tables(layout),
            power_graph=graphs.power_graph(power["power_nodes"], racks),
            cooling_graph=graphs.cooling_graph(racks, cooling),
        )

    @classmethod
    def load(cls, path: str | Path) -> Twin:
        """Load, validate and build in one call."""
        return cls.from_layout(load(path))

    # --------------------------------------------------------------- summary

    @property
    def name(self) -> str:
        return self.layout.site.name

    @property
    def it_kw(self) -> float:
        """Design IT load: the sum of rack power."""
        return float(self.racks["power_kw"].sum())

    def counts(self) -> dict[str, int]:
        """Number of components of each kind."""
        return {k.table: len(getattr(self, k.table)) for k in registry.KINDS}

    def kind_of(self, component: str) -> str:
        """The table a component id lives in, e.g. 'ups' or 'racks'."""
        for kind in registry.KINDS:
            if component in getattr(self, kind.table).index:
                return kind.table
        raise KeyError(component)

    def of_model(self, *models: str) -> pd.DataFrame:
        """The rows of every kind solved by one of `models` (registry.MODELS), stacked:
        `of_model("generator")` holds generators and turbines alike."""
        parts = [getattr(self, t) for t in registry.tables(model=models)]
        parts = [p for p in parts if len(p)]
        if not parts:
            return getattr(self, registry.tables(model=models)[0]).iloc[:0]
        return parts[0] if len(parts) == 1 else pd.concat(parts)

    def component_ids(self) -> pd.Index:
        """Every component with an id that a scenario can name: all kinds but halls and rows."""
        kinds = [k.table for k in registry.KINDS if k.domain != "space"]
        parts = [getattr(self, k).index for k in kinds]
        return parts[0].append(parts[1:])

    def unfailable(self) -> dict[str, str]:
        """Ids a scenario cannot fail (id -> what it is): the water loops and their pipes,
        which no solver reads as failed (`registry.Kind.fails`)."""
        out: dict[str, str] = {}
        for k in registry.KINDS:
            if k.domain != "space" and not k.fails:
                out.update(dict.fromkeys(map(str, getattr(self, k.table).index), k.label))
        return out

    # ---------------------------------------------------------- power queries

    def upstream_path(self, component: str, feed: str = "A") -> list[str]:
        """Elements from `component` up to its source along normal (non-alternate) feeds.

        For a rack, `feed` picks cord A or B. The list starts with the component.
        """
        path = [component]
        if component in self.racks.index:
            start = self.racks.at[component, f"feed_{feed.lower()}"]
            if not isinstance(start, str):
                return path
            component = start
            path.append(component)
        nodes = self.power_nodes
        while isinstance(up := nodes.at[component, "upstream"], str):
            path.append(up)
            component = up
        return path

    def feeds(self, component: str) -> set[str]:
        """Everything downstream of a power element (racks included), over normal feeds."""
        g = self.power_graph
        normal = nx.subgraph_view(g, filter_edge=lambda u, v: g.edges[u, v]["role"] != "alternate")
        return nx.descendants(normal, component)

    def live_power_nodes(self, failed: set[str] | frozenset[str] = frozenset()) -> pd.Series:
        """Which power elements have a live source, given failed ones (transfer to alternates)."""
        return graphs.live_nodes(self.power_nodes, failed)

    def unfed_racks(self, failed: set[str] | frozenset[str] = frozenset()) -> pd.Index:
        """Racks with no live feed when `failed` components are out (alternates take over)."""
        live = self.live_power_nodes(failed)
        live = live.to_dict()
        fed = np.zeros(len(self.racks), dtype=bool)
        for col in ("feed_a", "feed_b"):
            fed |= np.array([live.get(i, False) for i in self.racks[col]], dtype=bool)
        fed &= ~self.racks.index.isin(list(failed))
        return self.racks.index[~fed]

    # -------------------------------------------------------- cooling queries

    def cooling_path(self, rack: str) -> list[str]:
        """Cooling components that carry this rack's heat to ambient, nearest first."""
        order = nx.bfs_tree(self.cooling_graph, rack)
        return [n for n in order if n != rack]


def build(path: str | Path) -> Twin:
    """Shorthand for `Twin.load`."""
    return Twin.load(path)
