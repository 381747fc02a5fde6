"""Build the component DataFrames from a validated Layout.

Columns carry units in their names. Geometry is resolved here once: racks get
site coordinates (``x_m``, ``y_m``: footprint centre) and the unit vector of
the direction their inlets face (``face_x``, ``face_y``); power elements get
their nominal voltage ``v_kv`` from their source and transformers.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from twin.layout import Layout
from twin.layout.air_choice import chosen_air_models
from twin.model import registry
from twin.model.registry import COOLING_KINDS, POWER_KINDS, POWER_SOURCES

_DROP = {"profile", "battery", "position_m"}


def _frame(items: list, columns: list[str] | None = None) -> pd.DataFrame:
    """One row per pydantic component, indexed by id, with positions split into x/y."""
    rows = []
    for item in items:
        row = item.model_dump(by_alias=False)
        pos = row.pop("position_m", None)
        row["pos_x_m"], row["pos_y_m"] = pos if pos else (np.nan, np.nan)
        for key in _DROP & row.keys():
            row.pop(key)
        rows.append(row)
    if not rows:
        cols = ["id"] + (columns or [])
        return pd.DataFrame(columns=cols).set_index("id")
    return pd.DataFrame(rows).set_index("id")


def _num(value: float | None) -> float:
    """An optional number as a float column value (None: NaN, 'use the default')."""
    return np.nan if value is None else float(value)


def hall_tables(layout: Layout) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """halls, rows and racks tables, with racks placed in site coordinates."""
    halls, rows, racks = [], [], []
    models = chosen_air_models(layout.halls, layout.cooling.crahs)
    for hall in layout.halls:
        halls.append(
            {
                "id": hall.id,
                "name": hall.name or hall.id,
                "building": hall.building or "",
                "x0_m": hall.origin_m[0],
                "y0_m": hall.origin_m[1],
                "width_m": hall.size_m[0],
                "depth_m": hall.size_m[1],
                "height_m": hall.height_m,
                "containment": hall.containment,
                "ashrae_class": hall.ashrae_class,
                "air_model": models[hall.id],
                "plenum_m": hall.plenum_m,
                "air_diffusivity_m2_s": _num(hall.air_diffusivity_m2_s),
                "air_eddy_viscosity_m2_s": _num(hall.air_eddy_viscosity_m2_s),
                "containment_leak": _num(hall.containment_leak),
                "supply_throw_scale": _num(hall.supply_throw_scale),
                "air_buoyant_drift_m_s": _num(hall.air_buoyant_drift_m_s),
                "air_plume_share": _num(hall.air_plume_share),
                "jet_entrainment_scale": _num(hall.jet_entrainment_scale),
                "n_racks": len(hall.racks),
            }
        )
        by_row = {}
        for row in hall.rows:
            by_row[row.id] = row
            rows.append(
                {
                    "id": row.id,
                    "hall": hall.id,
                    "x0_m": hall.origin_m[0] + row.origin_m[0],
                    "y0_m": hall.origin_m[1] + row.origin_m[1],
                    "axis": row.axis,
                    "facing": row.facing,
                    "rack_width_m": row.rack_width_m,
                    "rack_depth_m": row.rack_depth_m,
                }
            )
        racks += [rack_record(hall, by_row[rack.row], rack) for rack in hall.racks]
    return (
        pd.DataFrame(halls).set_index("id"),
        pd.DataFrame(
            rows,
            columns=[
                "id",
                "hall",
                "x0_m",
                "y0_m",
                "axis",
                "facing",
                "rack_width_m",
                "rack_depth_m",
            ],
        ).set_index("id"),
        _typed(pd.DataFrame(racks, columns=list(RACK_DTYPES)), RACK_DTYPES),
    )


def rack_record(hall, row, rack) -> dict:
    """One rack's row of the racks table (RACK_DTYPES columns), placed in site coordinates:
    what `hall_tables` builds per rack, also used to patch one rack of a built Twin
    (`twin.model.patch`)."""
    along = (rack.slot + 0.5) * row.rack_width_m
    sign = 1.0 if row.facing == "+" else -1.0
    if row.axis == "x":
        x, y, fx, fy = row.origin_m[0] + along, row.origin_m[1], 0.0, sign
    else:
        x, y, fx, fy = row.origin_m[0], row.origin_m[1] + along, sign, 0.0
    return {
        "id": rack.id,
        "hall": hall.id,
        "row": rack.row,
        "slot": rack.slot,
        "x_m": hall.origin_m[0] + x,
        "y_m": hall.origin_m[1] + y,
        "face_x": fx,
        "face_y": fy,
        "width_m": row.rack_width_m,
        "depth_m": row.rack_depth_m,
        "height_m": rack.height_m,
        "airflow_m3_s": _num(rack.airflow_m3_s),
        "blanking": rack.blanking,
        "profile": rack.profile or "",
        "accelerator": rack.accelerator or "",
        "power_kw": rack.power_kw,
        "power_factor": rack.power_factor,
        "liquid_fraction": rack.liquid_fraction,
        "feed_a": rack.feed_a,
        "feed_b": rack.feed_b,
        "split_a": rack.split_a,
        "liquid_loop": rack.liquid_loop,
        "tenant": rack.tenant or row.tenant or hall.tenant or "",
    }


RACK_DTYPES = {
    "id": object, "hall": object, "row": object, "slot": "int64",
    "x_m": float, "y_m": float, "face_x": float, "face_y": float,
    "width_m": float, "depth_m": float, "height_m": float,
    "airflow_m3_s": float, "blanking": float,
    "profile": object, "accelerator": object, "power_kw": float, "power_factor": float,
    "liquid_fraction": float, "feed_a": object, "feed_b": object, "split_a": float,
    "liquid_loop": object, "tenant": object,
}  # fmt: skip
"""Columns of the racks table, so a site with no racks still has a well-typed (empty) table.
`tenant` is resolved: the rack's own, else its row's, else its hall's, "" for none."""


def _typed(frame: pd.DataFrame, dtypes: dict) -> pd.DataFrame:
    return frame.astype(dtypes).set_index("id")


def power_tables(layout: Layout) -> dict[str, pd.DataFrame]:
    """One table per power kind plus `power_nodes`: every element in feed order."""
    out = {kind: _frame(getattr(layout.power, kind)) for kind in POWER_KINDS}
    ups = out["ups"]
    if len(ups):
        batt = [u.battery for u in layout.power.ups]
        ups["battery_chemistry"] = [b.chemistry if b else None for b in batt]
        ups["battery_kwh"] = [b.energy_kwh if b else 0.0 for b in batt]
        ups["battery_rated_time_h"] = [b.rated_time_h if b else np.nan for b in batt]
        # Peukert exponent defaults by chemistry [REFERENCE 5: 1.03-1.08 LFP, 1.1-1.35 lead-acid]
        ups["battery_peukert_k"] = [
            (b.peukert_k or (1.05 if b.chemistry == "li-ion" else 1.2)) if b else np.nan
            for b in batt
        ]
    out["power_nodes"] = _power_nodes(out)
    return out


def _rating_kva(kind: str, table: pd.DataFrame) -> pd.Series:
    """A power element's rating in kVA: a utility's connection capacity, else `rating_kva`."""
    if not len(table):
        return pd.Series(dtype=float)
    if registry.kind(kind).model == "utility":
        return table["capacity_mva"].astype(float) * 1000.0
    return table["rating_kva"].astype(float)


def ratings_kva(twin) -> pd.Series:
    """Every power element's rating (kVA) read from its kind's table, so an edit of
    `twin.ups.rating_kva` is seen by every solve (power_nodes holds a copy for display)."""
    parts = [_rating_kva(k, getattr(twin, k)) for k in POWER_KINDS]
    return pd.concat([p for p in parts if len(p)]).reindex(twin.power_nodes.index)


def _power_nodes(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """All power elements in topological (source-first) order with nominal voltage and rating."""
    parts = []
    for kind in POWER_KINDS:
        t = tables[kind]
        part = pd.DataFrame(index=t.index)
        part["kind"] = kind
        part["upstream"] = t["upstream"] if "upstream" in t else None
        part["alternate"] = t["alternate"] if "alternate" in t else None
        part["rating_kva"] = _rating_kva(kind, t)
        parts.append(part)
    nodes = pd.concat(parts)
    nodes = nodes.astype({"upstream": object, "alternate": object})
    nodes = nodes.where(nodes.notna(), None)

    g = nx.DiGraph()
    g.add_nodes_from(nodes.index)
    for role in ("upstream", "alternate"):
        sub = nodes[nodes[role].notna()]
        g.add_edges_from(zip(sub[role], sub.index, strict=True))
    order = list(nx.topological_sort(g))
    nodes = nodes.loc[order]

    v_kv = {}
    src = {}
    for kind in POWER_SOURCES:
        src.update(tables[kind].get("voltage_kv", pd.Series(dtype=float)).to_dict())
    tx = tables["transformers"]
    v2 = tx["v_secondary_kv"].to_dict() if "v_secondary_kv" in tx else {}
    upstream = nodes["upstream"].to_dict()  # dicts, not .at[]: ~5,000 nodes on a campus
    alternate = nodes["alternate"].to_dict()
    for node in order:
        if node in src:
            v_kv[node] = src[node]
            continue
        up = upstream[node] or alternate[node]
        v_kv[node] = v2[node] if node in v2 else v_kv.get(up, np.nan)
    nodes["v_kv"] = pd.Series(v_kv)
    depth = {}
    for node in order:
        up = upstream[node]
        depth[node] = depth[up] + 1 if up in depth else 0
    nodes["depth"] = pd.Series(depth)
    nodes.index.name = "id"
    return nodes


def cooling_tables(layout: Layout) -> dict[str, pd.DataFrame]:
    """One table per cooling kind."""
    return {kind: _frame(getattr(layout.cooling, kind)) for kind in COOLING_KINDS}


def storage_tables(layout: Layout) -> dict[str, pd.DataFrame]:
    """One table per storage kind (a site BESS)."""
    return {kind: _frame(getattr(layout.storage, kind)) for kind in registry.STORAGE_KINDS}
