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
import re
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


def data_key(data: dict) -> str:
    """A content hash of the plain data an edited layout was validated from: the same
    data always validates to the same layout, so it keys the caches as well as
    `layout_key` does, without dumping the layout again (0.1 s on a campus)."""
    text = json.dumps(data, sort_keys=True, default=str)
    return "d" + hashlib.sha1(text.encode()).hexdigest()[:15]


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


def _natural(text: str) -> list:
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
                steps.append(ids[0] if len(ids) == 1 else sorted(ids, key=_natural))
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


# ----------------------------------------------------------------- KPIs


def _cap(t: pd.DataFrame, col: str = "capacity_kw") -> float:
    return float(t[col].sum()) if len(t) and col in t else 0.0


def _solved_load(results: Results, *tables: str) -> float:
    """Heat the cooling units in `tables` carry in these results (their `load_kw`), kW."""
    parts = [results.tables.get(t) for t in tables]
    return float(sum(t["load_kw"].sum() for t in parts if t is not None and "load_kw" in t))


def kpis(twin: Twin, results: Results, prices=None) -> dict:
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
    out.update(economics(twin, results, prices))
    return out


def economics(twin: Twin, results: Results, prices=None) -> dict:
    """tokens per MW and cost per million tokens (`twin.metrics.economics`), at the
    layout's prices or `prices` (a `twin.layout.schema.Economics`: the dashboard's)."""
    e = _economics(twin, results, prices)
    return {
        "tokens_per_s_per_mw": float(e["tokens_s_per_mw_facility"]),
        "tokens_per_s_per_mw_it": float(e["tokens_s_per_mw_it"]),
        "cost_per_mtok": float(e["usd_per_mtok"]),
        "tokens_s": float(e["tokens_s"]),
        "j_per_token": float(e["j_per_token_facility"]),
    }


def assumptions(twin: Twin, prices=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The economic assumptions behind cost per token: (prices, accelerators), each a
    table with its source (the schema's field descriptions, the catalogue's `source`)."""
    from twin.layout.schema import Economics
    from twin.metrics.catalogue import catalogue_frame

    prices = prices or twin.layout.economics
    from twin.model import columns as C

    rows = [
        {
            "assumption": C.label(name),
            "value": C.fmt(getattr(prices, name), name),
            "source": f.description or "",
        }
        for name, f in Economics.model_fields.items()
    ]
    used = set(twin.racks["accelerator"].dropna().astype(str))
    cat = catalogue_frame(twin.layout)
    cat = cat[cat.index.isin(used)]
    return pd.DataFrame(rows), cat


def with_throughput(twin: Twin, throughput: dict[str, float]) -> Twin:
    """The twin with its accelerator catalogue's throughput (tokens/s per rack) replaced
    for the named accelerators: the dashboard's what-if on cost per token. Only the
    catalogue changes (throughput enters no physics), so the solve's results still hold."""
    import dataclasses

    from twin.metrics.catalogue import catalogue

    cat = catalogue(twin.layout)
    acc = dict(twin.layout.accelerators)
    for name, value in throughput.items():
        if name in cat and float(value) != cat[name].throughput_tokens_s:
            acc[name] = cat[name].model_copy(update={"throughput_tokens_s": float(value)})
    if acc == dict(twin.layout.accelerators):
        return twin
    return dataclasses.replace(twin, layout=twin.layout.model_copy(update={"accelerators": acc}))


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
    if "it_lost_by_tenant" in table:  # a dict per row in Python; text on a screen
        from twin.scenarios.tenants_hit import text

        table["it_lost_by_tenant"] = table["it_lost_by_tenant"].map(text)
    return table.head(limit) if limit else table


def changes(base: Results, res: Results, limit: int = 500) -> pd.DataFrame:
    """Per-component changes between two solves (`twin.scenarios.compare`), largest first."""
    from twin.scenarios import compare  # deferred: see the module docstring

    d = compare(base, res)
    if "change" in d:
        d = d.reindex(d["change"].abs().sort_values(ascending=False).index)
    return d.head(limit)


LOADING_TABLES = ("res_power_nodes", "res_crahs", "res_cdus", "res_chillers", "res_dry_coolers")
"""Result tables whose `loading_pct` (or part-load ratio) "worst loadings" compares."""


def _loading(res: Results) -> pd.DataFrame:
    """(component, kind, loading_pct) of every power element and cooling unit."""
    parts = []
    for name in LOADING_TABLES + ("res_cooling_towers",):
        t = res.tables.get(name)
        if t is None or not len(t):
            continue
        if "loading_pct" in t:
            pct = t["loading_pct"]
        elif "plr" in t:
            pct = 100.0 * t["plr"]
        else:
            continue
        kind = t["kind"] if "kind" in t else name.removeprefix("res_")
        parts.append(pd.DataFrame({"kind": kind, "loading_pct": pct.astype(float)}))
    if not parts:
        return pd.DataFrame(columns=["kind", "loading_pct"])
    out = pd.concat(parts)
    return out[~out["kind"].isin(registry.POWER_SOURCES)]


def consequences(twin: Twin, base: Results, res: Results, top: int = 8) -> dict:
    """What a failure did, most important first: IT lost (no power or tripped by heat),
    racks and IT at thermal risk, the hottest inlet, the worst loadings (after vs
    before) and the violations the failure added. Reads the thermal consequence columns
    (`res_racks.thermal_state`, kpis `racks_shutdown`...) when the solve provides them.
    """
    k = res.kpis
    rr = res.tables.get("res_racks")
    demand = twin.racks["power_kw"].astype(float)
    if rr is not None and "p_demand_kw" in rr:
        demand = rr["p_demand_kw"].reindex(twin.racks.index).fillna(demand)
    state = rr["thermal_state"] if rr is not None and "thermal_state" in rr else None
    shutdown = state.index[state == "shutdown"] if state is not None else pd.Index([])
    throttled = state.index[state == "throttled"] if state is not None else pd.Index([])
    unfed = rr.index[~rr["fed"].to_numpy(dtype=bool)] if rr is not None and "fed" in rr else []
    v = res.violations
    hot = pd.Index([])
    if len(v):
        kinds = ["over_temperature", "uncooled", "thermal_shutdown"]
        hot = pd.Index(v.loc[v["kind"].isin(kinds), "component"]).intersection(twin.racks.index)
    unfed = pd.Index(unfed).difference(shutdown)  # no power (a tripped rack is not fed either)
    at_risk = hot.union(shutdown).union(throttled).difference(unfed)
    it_unserved = float(k.get("it_unserved_kw", 0.0))
    it_shut = float(k.get("it_shutdown_kw", demand.reindex(shutdown).sum()))
    lb, la = _loading(base), _loading(res)
    worst = pd.DataFrame(
        {
            "kind": la["kind"],
            "loading_after_pct": la["loading_pct"],
            "loading_before_pct": lb["loading_pct"].reindex(la.index),
        }
    )
    worst = worst.dropna(subset=["loading_after_pct"])
    worst = worst.sort_values("loading_after_pct", ascending=False).head(top)
    worst["change_pct"] = worst["loading_after_pct"] - worst["loading_before_pct"]
    worst.index.name = "component"
    vb = base.violations
    seen = set(zip(vb["component"], vb["kind"], strict=True)) if len(vb) else set()
    new = v[[(c, kd) not in seen for c, kd in zip(v["component"], v["kind"], strict=True)]]
    t_max = float(k.get("t_inlet_max_c", float("nan")))
    return {
        "it_lost_kw": it_unserved + (it_shut if np.isfinite(it_shut) else 0.0),
        "racks_unfed": len(unfed),
        "racks_at_risk": len(at_risk),
        "it_at_risk_kw": float(demand.reindex(at_risk).sum()),
        "racks_shutdown": len(shutdown),
        "racks_throttled": len(throttled),
        "t_inlet_max_c": t_max,
        "t_inlet_max_base_c": float(base.kpis.get("t_inlet_max_c", float("nan"))),
        "worst_loadings": worst,
        "new_violations": new.reset_index(drop=True),
        "violations_by_kind": v["kind"].value_counts() if len(v) else pd.Series(dtype=int),
    }


def changes_readable(changes: pd.DataFrame) -> pd.DataFrame:
    """`changes` as people read it: component, quantity (label), unit, before, after,
    change, each number rounded to its quantity's digits; violations first."""
    from twin.model import columns as C

    if not len(changes):
        return pd.DataFrame(columns=["Component", "Quantity", "Unit", "Before", "After", "Change"])
    viol = changes["table"] == "violations"
    d = pd.concat([changes[viol], changes[~viol]])
    spec = [C.spec(q) for q in d["quantity"]]
    out = pd.DataFrame(
        {
            "Component": d["component"].astype(str).to_numpy(),
            "Quantity": [
                ("violation: " + q.replace("_", " ")) if is_v else s.label
                for q, s, is_v in zip(d["quantity"], spec, d["table"] == "violations", strict=True)
            ],
            "Unit": [s.unit for s in spec],
        }
    )
    for col, name in (("a", "Before"), ("b", "After"), ("change", "Change")):
        out[name] = [
            (("new" if x > 0 else "cleared") if col == "change" else ("yes" if x else "no"))
            if is_v
            else C.number(float(x), s.digits)
            for x, s, is_v in zip(d[col], spec, d["table"] == "violations", strict=True)
        ]
    out.loc[(d["table"] == "violations").to_numpy(), "Unit"] = ""
    return out


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
    from twin.model import columns as C

    names = {q: C.label(q).lower() for q in ts["quantity"].astype(str).unique()}
    ts = ts.assign(
        series=ts["component"].astype(str) + ": " + ts["quantity"].astype(str).map(names)
    )
    rise = ts.groupby("series")["t_c"].agg(lambda v: v.max() - v.iloc[0])
    keep = rise.sort_values(ascending=False).index[:max_series]
    out = ts[ts["series"].isin(keep)].copy()
    out["time_min"] = out["time_s"] / 60.0
    return out[["time_min", "series", "t_c"]]


def ride_through_limits(rt, curves: pd.DataFrame) -> pd.DataFrame:
    """Throttle and trip temperatures of the plotted curves (`RideThrough.limits`), one row
    per distinct line: line ("throttles"/"trips"), t_c and the curves it applies to."""
    from twin.model import columns as C

    lim = getattr(rt, "limits", None)
    if lim is None or not len(lim):
        return pd.DataFrame(columns=["line", "t_c", "series"])
    names = {q: C.label(q).lower() for q in lim["quantity"].astype(str).unique()}
    series = lim["component"].astype(str) + ": " + lim["quantity"].astype(str).map(names)
    lim = lim.assign(series=series)[series.isin(set(curves["series"]))]
    rows = [(f"racks throttle ({r.series})", r.limit_c, r.series) for r in lim.itertuples()]
    rows += [(f"racks trip ({r.series})", r.shutdown_c, r.series) for r in lim.itertuples()]
    out = pd.DataFrame(rows, columns=["line", "t_c", "series"])
    return out.groupby("t_c", as_index=False).agg(
        line=("line", lambda s: "; ".join(s)), series=("series", "first")
    )
