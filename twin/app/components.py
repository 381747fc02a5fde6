"""What the app shows about components: rack tables, colour columns, one component's
details and paths, search, and the violations the 3D view marks.

Part of the app's facade `twin.app.state` (which re-exports every name here). No
Streamlit, no state: pure functions of (Twin, Results).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from twin.model import Twin, registry
from twin.solve.results import Results


def affected_racks(twin: Twin, results: Results) -> pd.Index:
    """Racks that lost power or left their temperature range in these results."""
    rr = results.tables.get("res_racks")
    ids = set()
    if rr is not None and "fed" in rr:
        ids |= set(rr.index[~rr["fed"].to_numpy(dtype=bool)])
    v = results.violations
    if len(v):
        kinds = ["over_temperature", "uncooled", "unfed", "thermal_shutdown"]
        hot = v.loc[v["kind"].isin(kinds), "component"]
        ids |= set(hot) & set(twin.racks.index)
    return pd.Index(sorted(ids), name="id")


MARK_TEXT = {
    "overload": "overloaded",
    "over_capacity": "over capacity",
    "grid_limit": "over the grid limit",
    "over_temperature": "too hot",
    "thermal_shutdown": "shut down by heat",
    "uncooled": "no cooling",
    "unfed": "no power",
    "undervoltage": "undervoltage",
    "standby_in_use": "standby generator carrying load in normal operation",
}
"""Violation kinds drawn in 3D on the component they name, and how the hover says them."""


def violation_marks(twin: Twin, results: Results | None) -> dict[str, str]:
    """Component id -> what is wrong, for the violations the 3D view marks (racks and
    drawn equipment: overloaded, too hot, shut down, no cooling, no power)."""
    if results is None or not len(results.violations):
        return {}
    v = results.violations
    v = v[v["kind"].isin(list(MARK_TEXT))]
    out: dict[str, str] = {}
    for cid, kind in zip(v["component"].astype(str), v["kind"], strict=True):
        if cid in out:
            if MARK_TEXT[kind] not in out[cid]:
                out[cid] += ", " + MARK_TEXT[kind]
        else:
            out[cid] = MARK_TEXT[kind]
    return out


# ----------------------------------------------------------- rack columns

RACK_DESIGN_COLUMNS = ["power_kw", "liquid_fraction", "height_m"]
RACK_SHOWN = ["hall", "row", "slot", "profile", "power_kw", "feed_a", "feed_b", "liquid_loop"]
"""The rack columns a rack table shows (plus the colour column), in this order."""


def rack_table(twin: Twin, results: Results | None) -> pd.DataFrame:
    """Design and result columns per rack, plus the loading of the feeding PDUs (and, on
    layouts with tenants, `tenant_code` to colour racks by tenant)."""
    from twin.app import tenants

    df = twin.racks.copy()
    if tenants.has_tenants(twin):
        df = tenants.with_tenant_code(twin, df)
    if results is None:
        return df
    rr = results.tables.get("res_racks")
    if rr is not None:
        extra = rr.drop(columns=[c for c in rr.columns if c in df.columns], errors="ignore")
        df = df.join(extra)
    rp = results.tables.get("res_power_nodes")
    if rp is not None and "loading_pct" in rp:
        load = rp["loading_pct"]
        a = df["feed_a"].map(load)
        b = df["feed_b"].map(load)
        df["pdu_loading_pct"] = pd.concat([a, b], axis=1).max(axis=1)
        if "headroom_pct" in rp:
            ha = df["feed_a"].map(rp["headroom_pct"])
            hb = df["feed_b"].map(rp["headroom_pct"])
            df["pdu_headroom_pct"] = pd.concat([ha, hb], axis=1).min(axis=1)
    return df


def colour_columns(df: pd.DataFrame) -> list[str]:
    """Numeric columns worth colouring racks by, results first."""
    skip = {"slot", "face_x", "face_y", "x_m", "y_m", "width_m", "depth_m", "split_a"}
    cols = [
        c
        for c in df.columns
        if c not in skip
        and (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))
    ]
    preferred = [
        "t_inlet_max_c",  # the inlet the class limit and the trips read (top of the rack)
        "t_inlet_c",
        "t_coolant_out_c",
        "t_coolant_c",
        "p_kw",
        "pdu_loading_pct",
        "pdu_headroom_pct",
        "power_kw",
    ]
    first = [c for c in preferred if c in cols]
    return first + [c for c in cols if c not in first]


# -------------------------------------------------------------- details


def details(twin: Twin, component: str, results: Results | None = None) -> dict:
    """Everything known about one component: its row, results, power and cooling paths."""
    kind = twin.kind_of(component)
    row = getattr(twin, kind).loc[component].to_dict()
    out: dict = {"id": component, "kind": kind, "attributes": row}
    if results is not None:
        spec = registry.kind(kind)
        table = "res_power_nodes" if spec.section == "power" else spec.res
        t = results.tables.get(table)
        if t is not None and component in t.index:
            out["results"] = t.loc[component].to_dict()
        for name, t in results.tables.items():
            if name not in (table, "res_power_nodes") and component in t.index:
                out.setdefault("results", {}).update(t.loc[component].to_dict())
    if kind == "racks":
        out["power_path_a"] = twin.upstream_path(component, "A")[1:]
        out["power_path_b"] = twin.upstream_path(component, "B")[1:]
        out["cooling_path"] = [c for c in twin.cooling_path(component) if not c.startswith("air:")]
        out["cooling_paths"] = cooling_paths(twin, component)
    elif component in twin.power_nodes.index:
        out["power_path_a"] = twin.upstream_path(component)[1:]
        fed = twin.feeds(component)
        out["feeds_racks"] = int(sum(1 for f in fed if f in twin.racks.index))
    return out


def natural_key(text: str) -> list:
    """Sort key that puts CRAH2 before CRAH10."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def cooling_paths(twin: Twin, rack: str) -> dict[str, list[str | list[str]]]:
    """Where a rack's heat goes, one chain per medium it leaves the rack in ('air',
    'liquid'), each step the units that share it in parallel (a list when there are
    several): e.g. liquid: TCS1 -> [CDU1, CDU2, CDU3] -> FWS -> [CH1..CH5] -> [DC1..DC9].

    Steps are the breadth-first layers of the cooling graph from the rack's first hop,
    grouped by kind: units of one kind at the same distance share the heat, they are
    not in series."""
    import networkx as nx

    g = twin.cooling_graph
    out: dict[str, list[str | list[str]]] = {}
    for first in g.successors(rack) if g.is_directed() else g.neighbors(rack):
        medium = "air" if str(first).startswith("air:") else "liquid"
        steps: list[str | list[str]] = []
        sub = g.subgraph(n for n in g.nodes if n != rack)
        for layer in nx.bfs_layers(sub, [first]):
            by_kind: dict[str, list[str]] = {}
            for n in layer:
                if str(n).startswith("air:"):
                    continue
                try:
                    k = twin.kind_of(n)
                except KeyError:
                    k = ""
                by_kind.setdefault(k, []).append(str(n))
            for ids in by_kind.values():
                steps.append(ids[0] if len(ids) == 1 else sorted(ids, key=natural_key))
        if steps:
            out.setdefault(medium, []).extend(steps)
    return out


def search(twin: Twin, text: str, limit: int = 50) -> list[str]:
    """Component ids containing `text` (case-insensitive), racks and equipment."""
    text = text.strip().lower()
    ids = twin.component_ids()
    if not text:
        return list(ids[:limit])
    low = ids.str.lower()
    hits = ids[low.str.contains(text, regex=False)]
    # the exact id first, then ids starting with the text, then the rest
    rank = np.where(
        hits.str.lower() == text, 0, np.where(hits.str.lower().str.startswith(text), 1, 2)
    )
    order = np.argsort(rank, kind="stable")
    return list(hits[order][:limit])
