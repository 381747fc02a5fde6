"""What the front end needs from twin, whatever parts of it exist yet.

The app pages call only this module (and `twin.viz`). Each capability is
looked up once at import: if the coupled solve, the scenario sweeps or the
economics are not there (yet), the functions here fall back to what the
model alone can say (design loads, topology) and say so, instead of failing.

No Streamlit here, no state: pure functions of (Twin, Results).
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from twin.layout import Layout, dump
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve.results import Results, violations_frame


def _try(module: str, name: str | None = None):
    try:
        mod = importlib.import_module(module)
    except Exception:  # a half-written module must not break the app
        return None
    return getattr(mod, name, None) if name else mod


_solve = _try("twin.solve")
RUN = getattr(_solve, "run", None)
METRICS = _try("twin.metrics")
ECONOMICS = _try("twin.metrics.economics")
# Looked up on first use instead (module attributes SCENARIOS and TRANSIENT, see
# __getattr__): the N-1 sweeps and the transient model cost 0.6 s of imports (numba,
# scipy.integrate) that a page's first view does not need; on a just-started server
# they competed with the warm-up of the default layout. The warm-up loads them last.
_LAZY = {"SCENARIOS": "twin.scenarios", "TRANSIENT": "twin.scenarios.transient"}


def __getattr__(name: str):
    if name in _LAZY:
        value = globals()[name] = _try(_LAZY[name])
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _optional(name: str):
    """SCENARIOS or TRANSIENT: the module (imported now if it was not yet) or None."""
    return globals()[name] if name in globals() else __getattr__(name)


def _provides(name: str, attr: str) -> bool:
    """Whether optional module `name` (SCENARIOS, TRANSIENT) provides `attr`.

    Not imported for the question: until it is, its file's presence stands for it
    (a module that then fails to import counts as absent when it is used).
    """
    if name in globals():
        mod = globals()[name]
        return mod is not None and hasattr(mod, attr)
    base = Path(__file__).resolve().parents[1].joinpath(*_LAZY[name].split(".")[1:])
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def load_optional() -> None:
    """Import the optional modules now (the server's warm-up, after the default layout)."""
    for name in _LAZY:
        _optional(name)


@dataclass
class Capabilities:
    solve: bool
    cooling: bool
    n1: bool
    metrics: bool
    ride_through: bool
    notes: list[str] = field(default_factory=list)


def capabilities(results: Results | None = None) -> Capabilities:
    """Which parts of twin this app can use right now."""
    cooling = bool(results is not None and "pue" in results.kpis)
    n1 = _provides("SCENARIOS", "n1")
    ride = _provides("TRANSIENT", "cooling_ride_through")
    notes = []
    if RUN is None:
        notes.append("no solver installed: showing design loads and topology only")
    elif not cooling:
        notes.append("cooling solve not available yet: PUE counts power-chain losses only")
    if not n1:
        notes.append("N-1 ranking not available yet")
    if ECONOMICS is None:
        notes.append("economics (tokens per MW, cost per million tokens) not available yet")
    return Capabilities(RUN is not None, cooling, n1, ECONOMICS is not None, ride, notes)


# ------------------------------------------------------------------- keys


def layout_key(layout: Layout) -> str:
    """A content hash of a layout (for caches)."""
    text = json.dumps(dump(layout), sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


# ------------------------------------------------------------------ solve


def _topology_results(twin: Twin, scenario: Scenario) -> Results:
    """Design loads and which racks lose power: what the model says with no solver."""
    out = scenario.out_of_service
    unfed = twin.unfed_racks(set(out))
    racks = twin.racks
    fed = ~racks.index.isin(unfed)
    rr = pd.DataFrame(
        {"p_kw": np.where(fed, racks["power_kw"], 0.0), "fed": fed}, index=racks.index
    )
    viol = violations_frame(
        [
            {
                "component": r,
                "kind": "unfed",
                "value": 0.0,
                "limit": float(racks.at[r, "power_kw"]),
                "unit": "kW",
                "message": "no live power feed",
            }
            for r in unfed
        ]
    )
    it = float(rr["p_kw"].sum())
    return Results(
        scenario=scenario.name,
        tables={"res_racks": rr},
        violations=viol,
        kpis={"it_kw": it, "it_unserved_kw": float(racks["power_kw"].sum()) - it},
    )


def solve(twin: Twin, failed: frozenset[str] | set[str] = frozenset()) -> Results:
    """The coupled solve of the twin with `failed` components out (topology-only fallback)."""
    failed = frozenset(failed)
    scenario = Scenario.fail(*sorted(failed)) if failed else Scenario()
    scenario.check(twin.component_ids())
    if RUN is not None:
        return RUN(twin, scenario)
    return _topology_results(twin, scenario)


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
        table = {"racks": "res_racks"}.get(kind, "res_power_nodes")
        t = results.tables.get(table)
        if t is not None and component in t.index:
            out["results"] = t.loc[component].to_dict()
        for name, t in results.tables.items():
            if name not in ("res_racks", "res_power_nodes") and component in t.index:
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


def kpis(twin: Twin, results: Results | None) -> dict:
    """Headline numbers for the dashboard; NaN where the part computing it is missing."""
    k = dict(results.kpis) if results is not None else {}
    it_kw = float(k.get("it_kw", twin.it_kw))
    fac_kw = float(k.get("facility_kw", float("nan")))
    pue = float(
        k.get("pue", fac_kw / it_kw if it_kw > 0 and not math.isnan(fac_kw) else float("nan"))
    )
    heat_kw = float(k.get("heat_kw", it_kw))
    cool_cap = _cap(twin.cdus) + _cap(twin.crahs)
    plant_cap = _cap(twin.chillers) + _cap(twin.dry_coolers) + _cap(twin.cooling_towers)
    H = twin.halls
    floor = float((H["width_m"] * H["depth_m"]).sum()) if len(H) else float("nan")
    rack_area = float((twin.racks["width_m"] * twin.racks["depth_m"]).sum())
    out = {
        "it_mw": it_kw / 1000,
        "it_design_mw": twin.it_kw / 1000,
        "facility_mw": fac_kw / 1000,
        "pue": pue,
        "pue_partial": "pue" not in k,
        "wue_l_per_kwh": float(k.get("wue_l_per_kwh", float("nan"))),
        "t_inlet_max_c": float(k.get("t_inlet_max_c", float("nan"))),
        "grid_mw": float(twin.layout.site.grid_mw),
        "power_used_pct": 100
        * (fac_kw if not math.isnan(fac_kw) else it_kw)
        / 1000
        / float(twin.layout.site.grid_mw),
        "it_headroom_mw": float(k.get("it_headroom_kw", float("nan"))) / 1000,
        "cooling_capacity_mw": cool_cap / 1000,
        "cooling_used_pct": 100 * heat_kw / cool_cap if cool_cap else float("nan"),
        "plant_capacity_mw": plant_cap / 1000,
        "floor_m2": floor,
        "floor_used_pct": 100 * rack_area / floor if floor else float("nan"),
        "racks": len(twin.racks),
        "it_lost_mw": float(k.get("it_unserved_kw", 0.0)) / 1000,
        "violations": len(results.violations) if results is not None else 0,
        "max_loading_pct": float(k.get("max_loading_pct", float("nan"))),
        "max_failover_loading_pct": float(k.get("max_failover_loading_pct", float("nan"))),
    }
    out.update(economics(twin, results))
    return out


def economics(twin: Twin, results: Results | None) -> dict:
    """tokens per MW and cost per million tokens, when twin.metrics provides them."""
    out = {
        "tokens_per_s_per_mw": float("nan"),
        "tokens_per_s_per_mw_it": float("nan"),
        "cost_per_mtok": float("nan"),
        "tokens_s": float("nan"),
        "j_per_token": float("nan"),
    }
    fn = getattr(ECONOMICS, "economics", None) if ECONOMICS is not None else None
    if fn is None or results is None:
        return out
    try:
        e = fn(twin, results)
    except Exception:  # e.g. results without res_racks, a layout without a catalogue entry
        return out
    out["tokens_per_s_per_mw"] = float(e.get("tokens_s_per_mw_facility", float("nan")))
    out["tokens_per_s_per_mw_it"] = float(e.get("tokens_s_per_mw_it", float("nan")))
    out["cost_per_mtok"] = float(e.get("usd_per_mtok", float("nan")))
    out["tokens_s"] = float(e.get("tokens_s", float("nan")))
    out["j_per_token"] = float(e.get("j_per_token_facility", float("nan")))
    return out


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
    for kind in (
        "transformers",
        "switchgear",
        "ups",
        "pdus",
        "generators",
        "utilities",
        "crahs",
        "cdus",
        "pumps",
        "chillers",
        "cooling_towers",
        "dry_coolers",
    ):
        t = getattr(twin, kind, None)
        if t is not None and len(t):
            parts.append(pd.DataFrame({"kind": kind}, index=t.index))
    return pd.concat(parts) if parts else pd.DataFrame(columns=["kind"])


def n1_ranking(twin: Twin, limit: int | None = None) -> pd.DataFrame | None:
    """The N-1 ranking from twin.scenarios (None if it does not exist yet)."""
    SCENARIOS = _optional("SCENARIOS")
    if SCENARIOS is None or not hasattr(SCENARIOS, "n1"):
        return None
    table = SCENARIOS.n1(twin)
    if not isinstance(table, pd.DataFrame):
        return None
    return table.head(limit) if limit else table


def changes(base: Results, res: Results, limit: int = 500) -> pd.DataFrame:
    """Per-component changes between two solves (twin.scenarios.compare when present)."""
    cmp = getattr(_optional("SCENARIOS"), "compare", None)
    if cmp is not None:
        try:
            d = cmp(base, res)
            if "change" in d:
                d = d.reindex(d["change"].abs().sort_values(ascending=False).index)
            return d.head(limit)
        except Exception:
            pass
    a = base.tables.get("res_racks")
    b = res.tables.get("res_racks")
    if a is None or b is None or "p_kw" not in a:
        return pd.DataFrame()
    d = pd.DataFrame({"a": a["p_kw"], "b": b["p_kw"]})
    d["change"] = d["b"] - d["a"]
    return d[d["change"].abs() > 1e-6].head(limit)


def ride_through(twin: Twin, failed: frozenset[str] | set[str]):
    """Temperatures vs time after the failure (twin.scenarios.transient), or None if absent.

    Returns the scenario package's RideThrough (timeseries long: time_s,
    component, quantity, t_c; racks with time_to_limit_s; power per UPS).
    """
    fn = getattr(_optional("TRANSIENT"), "cooling_ride_through", None)
    if fn is None or not failed:
        return None
    return fn(twin, Scenario.fail(*sorted(failed)))


def ride_through_curves(rt, max_series: int = 12) -> pd.DataFrame:
    """The hottest `max_series` curves of a ride-through, in minutes, for plotting."""
    ts = rt.timeseries
    ts = ts.assign(series=ts["component"].astype(str) + " " + ts["quantity"].astype(str))
    rise = ts.groupby("series")["t_c"].agg(lambda v: v.max() - v.iloc[0])
    keep = rise.sort_values(ascending=False).index[:max_series]
    out = ts[ts["series"].isin(keep)].copy()
    out["time_min"] = out["time_s"] / 60.0
    return out[["time_min", "series", "t_c"]]
