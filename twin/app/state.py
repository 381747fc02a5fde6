"""What the front end needs from twin: solves, tables, details, headline numbers.

The app pages call only this module (and `twin.viz`). It calls the layers
below directly, `twin.solve`, `twin.scenarios` and `twin.metrics` being core
dependencies: no physics here and no fallbacks that compute results another
way when a module is missing. A number the solve did not produce shows as NaN
(n/a), never as an estimate. PUE, WUE and CUE are read from `Results.kpis`,
which `twin.solve.run` fills with `twin.metrics.pue.efficiency_kpis`: the CLI,
the app, its report and the API show the same numbers.

The N-1 sweeps (`twin.scenarios`, numba) and the transient model
(`twin.solve.transient`, scipy.integrate) cost 0.6 s of imports that a page's
first view does not need: they are imported on first use, and the server's
warm-up imports them (`load_deferred`) once the default layout is warm.

No Streamlit here, no state: pure functions of (Twin, Results).
"""

from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from twin.layout import Layout, dump
from twin.metrics.economics import economics as _economics
from twin.model import Twin, registry
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.results import Results

DEFERRED_IMPORTS = ("twin.scenarios", "twin.solve.transient")
"""Imported on first use, or by the warm-up after the default layout (`load_deferred`)."""


def load_deferred() -> None:
    """Import the modules a first view does not need (the server's warm-up, after the
    default layout is warm)."""
    for name in DEFERRED_IMPORTS:
        importlib.import_module(name)


@dataclass
class Capabilities:
    """What the app can show. Every part is a core dependency, so all are there; the
    pages still ask, and `notes` says what the current results cannot tell."""

    solve: bool = True
    cooling: bool = True
    n1: bool = True
    metrics: bool = True
    ride_through: bool = True
    notes: list[str] = field(default_factory=list)


def capabilities(results: Results | None = None) -> Capabilities:
    """Which parts of twin this app can use (all), with notes on these results."""
    notes = []
    if results is not None and not float(results.kpis.get("it_kw", 0.0)) > 0:
        notes.append("no IT load is served: PUE, WUE and CUE are undefined")
    return Capabilities(notes=notes)


# ------------------------------------------------------------------- keys


def layout_key(layout: Layout) -> str:
    """A content hash of a layout (for caches)."""
    text = json.dumps(dump(layout), sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


# ------------------------------------------------------------------ solve


def solve(twin: Twin, failed: frozenset[str] | set[str] = frozenset()) -> Results:
    """The coupled solve (`twin.solve.run`) of the twin with `failed` components out."""
    failed = frozenset(failed)
    scenario = Scenario.fail(*sorted(failed)) if failed else Scenario()
    scenario.check(twin.component_ids())
    return run(twin, scenario)


def affected_racks(twin: Twin, results: Results) -> pd.Index:
    """Racks that lost power or left their temperature range in these results."""
    rr = results.tables.get("res_racks")
    ids = set()
    if rr is not None and "fed" in rr:
        ids |= set(rr.index[~rr["fed"].to_numpy(dtype=bool)])
    v = results.violations
    if len(v):
        hot = v.loc[v["kind"].isin(["over_temperature", "uncooled", "unfed"]), "component"]
        ids |= set(hot) & set(twin.racks.index)
    return pd.Index(sorted(ids), name="id")


# ----------------------------------------------------------- rack columns

RACK_DESIGN_COLUMNS = ["power_kw", "liquid_fraction", "height_m"]


def rack_table(twin: Twin, results: Results | None) -> pd.DataFrame:
    """Design and result columns per rack, plus the loading of the feeding PDUs."""
    df = twin.racks.copy()
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
    elif component in twin.power_nodes.index:
        out["power_path_a"] = twin.upstream_path(component)[1:]
        fed = twin.feeds(component)
        out["feeds_racks"] = int(sum(1 for f in fed if f in twin.racks.index))
    return out


def search(twin: Twin, text: str, limit: int = 50) -> list[str]:
    """Component ids containing `text` (case-insensitive), racks and equipment."""
    text = text.strip().lower()
    ids = twin.component_ids()
    if not text:
        return list(ids[:limit])
    hits = ids[ids.str.lower().str.contains(text, regex=False)]
    return list(hits[:limit])


# ----------------------------------------------------------------- KPIs


def _cap(t: pd.DataFrame, col: str = "capacity_kw") -> float:
    return float(t[col].sum()) if len(t) and col in t else 0.0


def _solved_load(results: Results, *tables: str) -> float:
    """Heat the cooling units in `tables` carry in these results (their `load_kw`), kW."""
    parts = [results.tables.get(t) for t in tables]
    return float(sum(t["load_kw"].sum() for t in parts if t is not None and "load_kw" in t))


def kpis(twin: Twin, results: Results) -> dict:
    """Headline numbers for the dashboard: the solve's own KPIs (NaN where it has none),
    design capacities from the twin, and ratios of the two."""
    k = results.kpis

    def get(name: str) -> float:
        return float(k.get(name, float("nan")))

    it_kw, fac_kw = get("it_kw"), get("facility_kw")
    cool_cap = _cap(twin.cdus) + _cap(twin.crahs)
    plant_cap = _cap(twin.chillers) + _cap(twin.dry_coolers) + _cap(twin.cooling_towers)
    H = twin.halls
    floor = float((H["width_m"] * H["depth_m"]).sum()) if len(H) else float("nan")
    rack_area = float((twin.racks["width_m"] * twin.racks["depth_m"]).sum())
    grid_mw = float(twin.layout.site.grid_mw)
    out = {
        "it_mw": it_kw / 1000,
        "it_design_mw": twin.it_kw / 1000,
        "facility_mw": fac_kw / 1000,
        "pue": get("pue"),
        "wue_l_per_kwh": get("wue_l_per_kwh"),
        "cue_kg_per_kwh": get("cue_kg_per_kwh"),
        "t_inlet_max_c": get("t_inlet_max_c"),
        "grid_mw": grid_mw,
        "power_used_pct": 100 * fac_kw / 1000 / grid_mw,
        "it_headroom_mw": get("it_headroom_kw") / 1000,
        "cooling_capacity_mw": cool_cap / 1000,
        "cooling_used_pct": 100 * _solved_load(results, "res_cdus", "res_crahs") / cool_cap
        if cool_cap
        else float("nan"),
        "plant_capacity_mw": plant_cap / 1000,
        "floor_m2": floor,
        "floor_used_pct": 100 * rack_area / floor if floor else float("nan"),
        "racks": len(twin.racks),
        "it_lost_mw": get("it_unserved_kw") / 1000,
        "violations": len(results.violations),
        "max_loading_pct": get("max_loading_pct"),
        "max_failover_loading_pct": get("max_failover_loading_pct"),
    }
    out.update(economics(twin, results))
    return out


def economics(twin: Twin, results: Results) -> dict:
    """tokens per MW and cost per million tokens (`twin.metrics.economics`)."""
    e = _economics(twin, results)
    return {
        "tokens_per_s_per_mw": float(e["tokens_s_per_mw_facility"]),
        "tokens_per_s_per_mw_it": float(e["tokens_s_per_mw_it"]),
        "cost_per_mtok": float(e["usd_per_mtok"]),
        "tokens_s": float(e["tokens_s"]),
        "j_per_token": float(e["j_per_token_facility"]),
    }


def redundancy(twin: Twin, results: Results | None) -> pd.DataFrame:
    """Per power kind: count, worst loading now and after the worst single failover."""
    if results is None or "res_power_nodes" not in results.tables:
        return pd.DataFrame(
            columns=["kind", "count", "max_loading_pct", "max_failover_loading_pct"]
        )
    rp = results.tables["res_power_nodes"]
    cols = {"loading_pct": "max"}
    if "failover_loading_pct" in rp:
        cols["failover_loading_pct"] = "max"
    g = (
        rp.groupby("kind")
        .agg({**cols, "p_kw": "size"})
        .rename(
            columns={
                "p_kw": "count",
                "loading_pct": "max_loading_pct",
                "failover_loading_pct": "max_failover_loading_pct",
            }
        )
    )
    g["status"] = np.where(
        g.get("max_failover_loading_pct", g["max_loading_pct"]) > 100, "not N+1 / 2N safe", "ok"
    )
    return g.reset_index()


# ------------------------------------------------------------- failures


def failable(twin: Twin) -> pd.DataFrame:
    """Power elements and cooling units (id, kind), for pickers."""
    parts = []
    for kind in registry.FAILABLE:
        t = getattr(twin, kind, None)
        if t is not None and len(t):
            parts.append(pd.DataFrame({"kind": kind}, index=t.index))
    return pd.concat(parts) if parts else pd.DataFrame(columns=["kind"])


def n1_ranking(twin: Twin, limit: int | None = None) -> pd.DataFrame:
    """The N-1 ranking (`twin.scenarios.n1`): every single failure, worst first."""
    from twin.scenarios import n1  # deferred: see the module docstring

    table = n1(twin)
    return table.head(limit) if limit else table


def changes(base: Results, res: Results, limit: int = 500) -> pd.DataFrame:
    """Per-component changes between two solves (`twin.scenarios.compare`), largest first."""
    from twin.scenarios import compare  # deferred: see the module docstring

    d = compare(base, res)
    if "change" in d:
        d = d.reindex(d["change"].abs().sort_values(ascending=False).index)
    return d.head(limit)


def ride_through(twin: Twin, failed: frozenset[str] | set[str]):
    """Temperatures vs time after the failure (`twin.solve.transient`); None if nothing failed.

    Returns its RideThrough (timeseries long: time_s, component, quantity, t_c;
    racks with time_to_limit_s; power per UPS).
    """
    if not failed:
        return None
    from twin.solve.transient import cooling_ride_through  # deferred: see the module docstring

    return cooling_ride_through(twin, Scenario.fail(*sorted(failed)))


def ride_through_curves(rt, max_series: int = 12) -> pd.DataFrame:
    """The hottest `max_series` curves of a ride-through, in minutes, for plotting."""
    ts = rt.timeseries
    ts = ts.assign(series=ts["component"].astype(str) + " " + ts["quantity"].astype(str))
    rise = ts.groupby("series")["t_c"].agg(lambda v: v.max() - v.iloc[0])
    keep = rise.sort_values(ascending=False).index[:max_series]
    out = ts[ts["series"].isin(keep)].copy()
    out["time_min"] = out["time_s"] / 60.0
    return out[["time_min", "series", "t_c"]]
