"""What a failure did, for the Failures page: pickers, the N-1 ranking, the changes
between two solves (most important first, in people's words) and the ride-through.

Part of the app's facade `twin.app.state` (which re-exports every name here). The N-1
sweeps (`twin.scenarios`) and the transient model (`twin.solve.transient`) are
imported on first use (see `twin.app.state.DEFERRED_IMPORTS`). No Streamlit, no state.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from twin.model import Twin, registry
from twin.model.scenario import Scenario
from twin.solve.results import LOWER_BOUND_KPI, Results, no_steady_state


def failable(twin: Twin) -> pd.DataFrame:
    """Power elements and cooling units (id, kind), for pickers."""
    parts = []
    for kind in registry.FAILABLE:
        t = getattr(twin, kind, None)
        if t is not None and len(t):
            parts.append(pd.DataFrame({"kind": kind}, index=t.index))
    return pd.concat(parts) if parts else pd.DataFrame(columns=["kind"])


TENANT_COLUMNS = ("tenants_hit", "tenants_at_risk", "it_lost_by_tenant")
"""Columns of the N-1 ranking about tenants (shown on layouts with tenants only)."""


def n1_ranking(twin: Twin, limit: int | None = None) -> pd.DataFrame:
    """The N-1 ranking (`twin.scenarios.n1`): every single failure, worst first."""
    from twin.metrics.tenants import has_tenants
    from twin.scenarios import n1  # deferred: see twin.app.state

    table = n1(twin)
    tenant_cols = [c for c in TENANT_COLUMNS if c in table]
    if not has_tenants(twin):  # a column with nothing in it on every row: left out
        table = table.drop(columns=tenant_cols)
    elif "it_lost_by_tenant" in table:  # a dict per row in Python; text on a screen
        from twin.scenarios.tenants_hit import text

        table["it_lost_by_tenant"] = table["it_lost_by_tenant"].map(text)
    return table.head(limit) if limit else table


NONE_COLUMNS = ("worst_cooling_group", "untrusted", *TENANT_COLUMNS)
"""Text columns whose empty cell means "none" (`n1_on_screen` says so)."""


def cooling_group_name(group: str) -> str:
    """A cooling group's id (``crahs:ROOM``) as a screen names it ("CRAH/CRAC units of hall
    ROOM", `twin.scenarios.cooling_groups.group_name`); "" stays ""."""
    from twin.scenarios.cooling_groups import group_name  # deferred: see twin.app.state

    return group_name(group)


def n1_on_screen(table: pd.DataFrame) -> pd.DataFrame:
    """`n1_ranking`'s table for a screen: `verified` in words (`sweep.verified_text`), then an
    empty text cell says "none" (it read as missing; filled before, it made every row's
    `untrusted` non-empty, so every row read "no solution" where `twin n1` says "yes"); the
    worst cooling group by its name (`cooling_group_name`), not its id ``crahs:ROOM``; where
    no rack runs the hottest inlet reads "n/a", as the Failures page's metric says (an empty
    or "None" cell otherwise); that column is then text, rounded to its digits, ∞ kept. The
    ranking itself keeps its numbers, ids and empty cells."""
    from twin.scenarios.sweep import verified_text

    table = verified_text(table).copy()  # "no solution", never "yes", for a row with no answer
    for col in [c for c in NONE_COLUMNS if c in table]:
        table[col] = table[col].map(lambda v: v if isinstance(v, str) and v else "none")
    if "worst_cooling_group" in table:
        table["worst_cooling_group"] = table["worst_cooling_group"].map(cooling_group_name)
    if "t_inlet_max_c" not in table or not table["t_inlet_max_c"].isna().any():
        return table
    from twin.model import columns as C

    d = C.spec("t_inlet_max_c").digits
    return table.assign(t_inlet_max_c=table["t_inlet_max_c"].map(lambda v: C.number(v, d)))


def air_cautions(res: Results) -> list[str]:
    """What the air model could not follow in this solve: a hall whose flow was not solved
    again without its stopped cooling units (`twin.solve.air_stopped`)."""
    from twin.solve.air_stopped import stopped_unit_cautions

    return stopped_unit_cautions(res.tables.get("res_halls"))


def changes(base: Results, res: Results, limit: int = 500) -> pd.DataFrame:
    """Per-component changes between two solves (`twin.scenarios.compare`), largest first;
    `boolean` marks a yes/no quantity (a bool column of either result table), which
    `compare` gives as 0/1 and `changes_readable` shows as yes/no."""
    from twin.scenarios import compare  # deferred: see twin.app.state

    d = compare(base, res)
    if "change" in d:
        d = d.reindex(d["change"].abs().sort_values(ascending=False).index)
    d = d.head(limit).copy()
    flags = {
        (name, col)
        for r in (base, res)
        for name, t in r.tables.items()
        for col in t.columns
        if pd.api.types.is_bool_dtype(t[col])
    }
    d["boolean"] = [(t, q) in flags for t, q in zip(d["table"], d["quantity"], strict=True)]
    return d


LOADING_TABLES = ("res_power_nodes", "res_crahs", "res_cdus", "res_chillers", "res_dry_coolers")
"""Result tables whose `loading_pct` (or part-load ratio) "worst loadings" compares."""


def _loading(res: Results) -> pd.DataFrame:
    """(component, kind, loading_pct) of every power element and cooling unit: generators
    at their binding rating, utility connections not (what the N-1's worst loading ranks,
    `twin.solve.power.ranked_loading`)."""
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
    from twin.solve.power import ranked_loading

    out = pd.concat(parts)
    return out[ranked_loading(out["kind"])]


def consequences(twin: Twin, base: Results, res: Results, top: int = 8) -> dict:
    """What a failure did, most important first: IT lost (no power or tripped by heat),
    racks and IT at thermal risk, the hottest inlet, the worst loading of a cooling group
    with a unit out (the N-1 row's: before racks shut down by heat; inf where a group has
    heat and no capacity left), the worst loadings (after vs before; where racks tripped by
    heat, also before the trips, `loading_demand_pct`) and the violations the failure added.
    Reads the thermal consequence columns (`res_racks.thermal_state`, kpis
    `racks_shutdown`...) when the solve provides them.
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
    unfed = pd.Index(unfed).difference(shutdown)  # no power (a tripped rack is not fed either)
    # racks at risk and the hottest inlet: the N-1 rows' definition (one answer)
    from twin.scenarios.rack_risk import rack_risk  # deferred: see twin.app.state

    risk = rack_risk(twin, res) if rr is not None else None
    at_risk = risk.at_risk if risk is not None else pd.Index([])
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
    if res.before_trips is not None:  # racks shut down by heat: what each carried first
        worst["loading_demand_pct"] = _loading(res.before_trips)["loading_pct"].reindex(worst.index)
    worst.index.name = "component"
    vb = base.violations
    seen = set(zip(vb["component"], vb["kind"], strict=True)) if len(vb) else set()
    new = v[[(c, kd) not in seen for c, kd in zip(v["component"], v["kind"], strict=True)]]
    t_max = risk.t_inlet_max_c if risk is not None else float(k.get("t_inlet_max_c", np.nan))
    # the N-1 row's cooling-group figure (one definition): before racks shut down by heat
    from twin.scenarios.sweep_rows import cooling_groups_at_demand

    _, cool_pct, cool_group = (
        cooling_groups_at_demand(twin, res) if rr is not None else (0, 0.0, "")
    )
    return {
        "it_lost_kw": it_unserved + (it_shut if np.isfinite(it_shut) else 0.0),
        "racks_unfed": len(unfed),
        "racks_at_risk": len(at_risk),
        "it_at_risk_kw": float(demand.reindex(at_risk).sum()),
        "racks_shutdown": len(shutdown),
        "racks_throttled": len(throttled),
        "t_inlet_max_c": t_max,
        "t_inlet_max_base_c": float(base.kpis.get("t_inlet_max_c", float("nan"))),
        # where there is no steady state, the solved inlet: the lower bound twin solve prints
        "t_inlet_solved_c": float(k.get("t_inlet_max_c", np.nan)),
        # the solve's flag (`twin solve` prints it): the solved inlet only a lower bound
        "t_inlet_lower_bound": bool(k.get(LOWER_BOUND_KPI, no_steady_state(res))),
        "max_cooling_loading_pct": cool_pct,  # inf: a group with heat and no capacity left
        "worst_cooling_group": cool_group,
        "worst_loadings": worst,
        "new_violations": new.reset_index(drop=True),
        "violations_by_kind": v["kind"].value_counts() if len(v) else pd.Series(dtype=int),
    }


def inlet_help(what: dict, note: str = "") -> str:
    """The help of the Failures page's "Hottest rack inlet" (`what` is `consequences`'s,
    `note` `inlet_change`'s or ""). "No steady state..." only where there is none (the
    inlet unbounded, or the solved one only a lower bound, `t_inlet_lower_bound`), with the
    lower bound `twin solve` prints; "n/a" where no rack runs; else what the figure is. It
    said "No steady state" beside a normal 21.3 °C (audit 2026-12-05 #6)."""
    from twin.model import columns as C

    t_max, solved = what["t_inlet_max_c"], what["t_inlet_solved_c"]
    if t_max == math.inf or what.get("t_inlet_lower_bound"):
        text = (
            "No steady state: heat goes unremoved while racks run, so they heat until they "
            "trip (as the N-1 table's infinite inlet says)"
        )
        if math.isfinite(solved):
            bound = C.fmt(solved, "t_inlet_max_c")
            text += f"; solved, at least {bound} (the lower bound twin solve prints)"
        text += "."
    elif math.isnan(t_max):
        text = "n/a: no rack runs."
    else:
        text = "The hottest rack inlet of the solved steady state" + (
            ", before racks shut down by heat." if what.get("racks_shutdown") else "."
        )
    return f"{text} {note}" if note else text


def risk_banner(twin: Twin, what: dict, res: Results) -> str:
    """The Failures page's warning, racks and equipment apart: "96 racks at thermal risk
    (12.672 MW of IT). Rack violations: 96 over temperature. Equipment violations: 10
    coolant temperature, 8 over capacity, 1 uncooled". One sentence read the equipment's
    counts as a breakdown of the racks; "" when no rack is at risk or shut down by heat.
    `what` is `consequences(twin, base, res)`."""
    from twin.model import columns as C

    if not (what["racks_at_risk"] or what["racks_shutdown"]):
        return ""
    parts = [f"{what['racks_shutdown']:,} racks shut down by heat"] * bool(what["racks_shutdown"])
    if what["racks_at_risk"]:
        parts.append(
            f"{what['racks_at_risk']:,} racks at thermal risk "
            f"({C.fmt(what['it_at_risk_kw'] / 1000, 'it_lost_mw')} of IT)"
        )
    text = ", ".join(parts) + "."
    v = res.violations
    if len(v):
        on_rack = v["component"].isin(twin.racks.index)
        for who, rows in (("Rack violations", v[on_rack]), ("Equipment violations", v[~on_rack])):
            if len(rows):
                counts = rows["kind"].value_counts()
                text += (
                    f" {who}: "
                    + ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in counts.items())
                    + "."
                )
    return text


def _yes_no(x) -> str:
    """A 0/1 of `compare` as yes/no ('n/a' where one run has no such row)."""
    return "n/a" if pd.isna(x) else ("yes" if x else "no")


def changes_readable(changes: pd.DataFrame) -> pd.DataFrame:
    """`changes` as people read it: component, quantity (label), unit, before, after,
    change, each number rounded to its quantity's digits; violations first. A violation
    reads no/yes and "new" or "cleared"; a yes/no quantity (`changes`'s `boolean`: inlet
    within range, Running) yes/no and "yes → no", never 1 / 0 / -1."""
    from twin.model import columns as C

    if not len(changes):
        return pd.DataFrame(columns=["Component", "Quantity", "Unit", "Before", "After", "Change"])
    viol = changes["table"] == "violations"
    d = pd.concat([changes[viol], changes[~viol]])
    spec = [C.spec(q) for q in d["quantity"]]
    is_v = (d["table"] == "violations").to_numpy()
    is_b = d["boolean"].fillna(False).to_numpy(bool) if "boolean" in d else np.zeros(len(d), bool)
    out = pd.DataFrame(
        {
            "Component": d["component"].astype(str).to_numpy(),
            "Quantity": [
                ("violation: " + q.replace("_", " ")) if v else s.label
                for q, s, v in zip(d["quantity"], spec, is_v, strict=True)
            ],
            "Unit": ["" if v or b else s.unit for s, v, b in zip(spec, is_v, is_b, strict=True)],
        }
    )
    for col, name in (("a", "Before"), ("b", "After")):
        out[name] = [
            _yes_no(x) if v or b else C.number(float(x), s.digits)
            for x, s, v, b in zip(d[col], spec, is_v, is_b, strict=True)
        ]
    out["Change"] = [
        ("new" if x > 0 else "cleared")
        if v
        else (f"{before} → {after}" if b else C.number(float(x), s.digits))
        for x, s, v, b, before, after in zip(
            d["change"], spec, is_v, is_b, out["Before"], out["After"], strict=True
        )
    ]
    return out


def ride_through(twin: Twin, failed: frozenset[str] | set[str]):
    """Temperatures vs time after the failure (`twin.solve.transient`); None if nothing failed.

    Returns its RideThrough (timeseries long: time_s, component, quantity, t_c;
    racks with time_to_limit_s; power per UPS).
    """
    if not failed:
        return None
    from twin.solve.transient import cooling_ride_through  # deferred: see twin.app.state

    return cooling_ride_through(twin, Scenario.fail(*sorted(failed)))


def _series(t: pd.DataFrame) -> pd.Series:
    """A ride-through curve's name as people read it: 'H1: hall air', 'H1-TCS1: rack
    coolant loop' (the thermal model's nodes 'air:H1', 'equipment:H1' named by their hall;
    quantities by their label)."""
    from twin.model import columns as C

    names = {q: C.label(q).lower() for q in t["quantity"].astype(str).unique()}
    where = t["component"].astype(str).str.replace(r"^(air|equipment):", "", regex=True)
    return where + ": " + t["quantity"].astype(str).map(names)


def ride_through_curves(rt, max_series: int = 12) -> pd.DataFrame:
    """The hottest `max_series` curves of a ride-through, in minutes, for plotting."""
    ts = rt.timeseries
    ts = ts.assign(series=_series(ts))
    rise = ts.groupby("series")["t_c"].agg(lambda v: v.max() - v.iloc[0])
    keep = rise.sort_values(ascending=False).index[:max_series]
    out = ts[ts["series"].isin(keep)].copy()
    out["time_min"] = out["time_s"] / 60.0
    return out[["time_min", "series", "t_c"]]


def ride_through_limits(rt, curves: pd.DataFrame) -> pd.DataFrame:
    """Throttle and trip temperatures of the plotted curves (`RideThrough.limits`), one row
    per distinct line: line ("throttles"/"trips"), t_c and the curves it applies to."""
    lim = getattr(rt, "limits", None)
    if lim is None or not len(lim):
        return pd.DataFrame(columns=["line", "t_c", "series"])
    series = _series(lim)
    lim = lim.assign(series=series)[series.isin(set(curves["series"]))]
    rows = [(f"racks throttle ({r.series})", r.limit_c, r.series) for r in lim.itertuples()]
    rows += [(f"racks trip ({r.series})", r.shutdown_c, r.series) for r in lim.itertuples()]
    out = pd.DataFrame(rows, columns=["line", "t_c", "series"])
    return out.groupby("t_c", as_index=False).agg(
        line=("line", lambda s: "; ".join(s)), series=("series", "first")
    )
