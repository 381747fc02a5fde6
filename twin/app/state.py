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

No Streamlit here, no state: pure functions of (Twin, Results). This module holds
the solve, the keys and the headline numbers; it re-exports the rest of the facade:
`twin.app.components` (rack tables, details, paths, search, 3D marks) and
`twin.app.failure_views` (N-1, what a failure changed, ride-through).
"""

from __future__ import annotations

import hashlib
import importlib
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from twin.app.components import (  # noqa: F401 - the facade's names
    MARK_TEXT,
    RACK_DESIGN_COLUMNS,
    RACK_SHOWN,
    affected_racks,
    colour_columns,
    cooling_paths,
    details,
    natural_key,
    rack_table,
    search,
    violation_marks,
)
from twin.app.failure_views import (  # noqa: F401 - the facade's names
    LOADING_TABLES,
    air_cautions,
    changes,
    changes_readable,
    consequences,
    cooling_group_name,
    failable,
    inlet_help,
    n1_on_screen,
    n1_ranking,
    ride_through,
    ride_through_curves,
    ride_through_limits,
    risk_banner,
)
from twin.layout import Layout, dump
from twin.metrics.economics import economics as _economics
from twin.model import Twin, registry
from twin.model.columns import utility_rating_label
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.dx_cop import solved_capacity_kw
from twin.solve.results import NOT_AN_ANSWER, Results

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
    if results is not None:
        from twin.scenarios.sweep import untrusted

        why = untrusted(results.violations)
        if why:  # as `twin solve` says it: the figures are the solver's last iterate
            notes.append(
                f"{NOT_AN_ANSWER}: this solve is not a solution ({why}); its figures are the "
                "solver's last iterate, not an operating point (see Violations)"
            )
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


# ----------------------------------------------------------------- KPIs


def _cap(t: pd.DataFrame, col: str = "capacity_kw") -> float:
    return float(t[col].sum()) if len(t) and col in t else 0.0


def _solved_load(results: Results, *tables: str) -> float:
    """Heat the cooling units in `tables` carry in these results (their `load_kw`), kW."""
    parts = [results.tables.get(t) for t in tables]
    return float(sum(t["load_kw"].sum() for t in parts if t is not None and "load_kw" in t))


def cooling_used_pct(twin: Twin, results: Results) -> float:
    """The heat the cooling units are asked to carry over the capacity of those that run, %.

    The asked heat is what the CDUs and CRAHs carry (``load_kw``, a unit's load beyond its
    capacity included) plus the IT shut down by heat (``it_shutdown_kw``: heat no running
    unit could take); the capacity is the running units' (`solved_capacity_kw` for a CRAH,
    ``capacity_kw`` for a CDU). inf where heat is asked and no unit runs; NaN where the twin
    has no cooling unit, or nothing is asked of none."""
    asked = _solved_load(results, "res_cdus", "res_crahs")
    asked += float(np.nan_to_num(results.kpis.get("it_shutdown_kw", 0.0)))
    cap = 0.0
    for name, table in (("res_cdus", twin.cdus), ("res_crahs", twin.crahs)):
        res = results.tables.get(name)
        if not len(table) or res is None or "running" not in res:
            continue
        running = res["running"].reindex(table.index).fillna(False).astype(bool).to_numpy()
        own = solved_capacity_kw(twin, results) if name == "res_crahs" else table["capacity_kw"]
        cap += float(np.asarray(own, float)[running].sum())
    if cap > 0:
        return 100.0 * asked / cap
    return float("inf") if asked > 0 else float("nan")


def kpis(twin: Twin, results: Results, prices=None) -> dict:
    """Headline numbers for the dashboard: the solve's own KPIs (NaN where it has none),
    capacities from the twin, and ratios of the two.

    Cooling capacity is every CDU's and CRAH/CRAC's, a DX CRAC's at the run's outdoor air
    (`twin.solve.dx_cop.solved_capacity_kw`, ``res_crahs.capacity_avail_kw``: what the
    solve checked its load against). ``cooling_used_pct`` is the heat the cooling is asked
    to carry over the capacity of the units that run (`cooling_used_pct`): the solve's
    loading, and with units failed or stopped the survivors' (it read 54 % with two of
    three CRACs failed and the third at 163 %, and 0 % with every pump failed)."""
    k = results.kpis

    def get(name: str) -> float:
        return float(k.get(name, float("nan")))

    it_kw, fac_kw = get("it_kw"), get("facility_kw")
    cool_cap = _cap(twin.cdus)
    if len(twin.crahs):  # DX CRACs derated at the run's outdoor air, as the solve checked
        cool_cap += float(solved_capacity_kw(twin, results).sum())
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
        # the contracted limit's basis, as the solve's grid_limit check and the headroom's
        # "grid connection" read it: the utility's draw (kW) against site.grid_mw (the
        # facility's power counted generators too, and the utility's MVA rating is another
        # limit, `redundancy`'s "utility connection rating" row: 99.6 % beside 96.1 % on
        # hybrid-inference.yaml, both unnamed, audit 6 #12)
        "grid_used_pct": get("grid_used_pct")
        if "grid_used_pct" in k
        else 100 * get("utility_kw") / 1000 / grid_mw,
        "power_failover_margin_mw": get("power_failover_margin_kw") / 1000,
        "cooling_capacity_mw": cool_cap / 1000,
        "cooling_used_pct": cooling_used_pct(twin, results),
        "plant_capacity_mw": plant_cap / 1000,
        "floor_m2": floor,
        "floor_used_pct": 100 * rack_area / floor if floor else float("nan"),
        "racks": len(twin.racks),
        # unfed and shut down by heat, as the Failures page and `twin n1` count it
        "it_lost_mw": (get("it_unserved_kw") + np.nan_to_num(get("it_shutdown_kw"))) / 1000,
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
    """Per power kind: count, worst loading now and after the worst single failover; and the
    site's two grid limits, each named by its basis, so that the tighter one is in the list an
    engineer scans for what is near its limit: ``contracted grid limit (<grid_mw> MW)`` (the
    utility's kW draw against ``site.grid_mw``, as `kpis`' ``grid_used_pct``, the solve's
    grid_limit violation and the headroom's "grid connection" read it) and, in place of the
    utilities' row, ``utility connection rating (<MVA>)`` (their kVA against
    ``capacity_mva``, the solve's ``loading_pct``). On hybrid-inference.yaml: 99.6 % and
    96.1 %, shown side by side unnamed until audit 6 #12. A kind with an element whose
    failure drops IT (``sole_path_it_kw``, checked against the N-1's full solves) is a
    single point of failure, whatever its failover loading (the small room's only UPS read
    "ok"); a generator's failover loading is n/a (its load on a utility loss is the
    ride-through's, not this first-order figure's 0 %)."""
    if results is None or "res_power_nodes" not in results.tables:
        return pd.DataFrame(
            columns=["kind", "count", "max_loading_pct", "max_failover_loading_pct"]
        )
    rp = results.tables["res_power_nodes"].copy()
    gens = rp["kind"].isin(registry.tables(model="generator"))
    if "failover_loading_pct" in rp:  # a standby set's load on a utility loss is not in it
        rp.loc[gens, "failover_loading_pct"] = np.nan
    cols = {"loading_pct": "max"}
    if "failover_loading_pct" in rp:
        cols["failover_loading_pct"] = "max"
    if "sole_path_it_kw" in rp:
        rp["single_points"] = rp["sole_path_it_kw"] > 0
        cols |= {"single_points": "sum", "sole_path_it_kw": "max"}
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
    over = g.get("max_failover_loading_pct", g["max_loading_pct"]).fillna(g["max_loading_pct"])
    g["status"] = np.where(over > 100, "not N+1 / 2N safe", "ok")
    if "single_points" in g:
        spof = g["single_points"] > 0
        g["status"] = np.where(
            spof,
            [
                f"single point of failure: {int(n):,} element{'s' * (n > 1)}, up to "
                f"{kw:,.0f} kW of IT with no second path"
                for n, kw in zip(g["single_points"], g["sole_path_it_kw"], strict=True)
            ],
            g["status"],
        )
        g = g.drop(columns=["single_points", "sole_path_it_kw"])
    utilities = [k for k in g.index if k in registry.tables(model="utility")]
    if utilities:
        mva = float(twin.utilities["capacity_mva"].sum()) if "capacity_mva" in twin.utilities else 0
        name = utility_rating_label(mva)
        g = g.rename(index=dict.fromkeys(utilities, name))
        grid_mw = float(twin.layout.site.grid_mw)
        k = results.kpis
        used = float(k.get("grid_used_pct", 100.0 * k.get("utility_kw", np.nan) / 1000 / grid_mw))
        row = pd.DataFrame(
            {
                "max_loading_pct": [used],
                "count": [1],
                "status": ["over the contracted limit" if used > 100.0 else "ok"],
            },
            index=[f"contracted grid limit ({grid_mw:,.1f} MW)"],
        )
        if "max_failover_loading_pct" in g:
            row.insert(1, "max_failover_loading_pct", np.nan)  # a contract has no partner
        g = pd.concat([row[g.columns], g])
    g.index.name = "kind"
    return g.reset_index()


AIR_MODEL_ERROR_K = (1.15, 2.83)
"""How far the FFD flow marched again without a failed unit follows the CFD's change of the
rack inlets, RMS (docs/validation.md, "the FFD flow is marched again per failure": the two
blind failures of the small room)."""


def headroom_text(room) -> str:
    """The IT headroom metric's value of `room` (a `twin.metrics.Headroom`): kW with the
    CLI's one decimal ('-74.1 kW', where it read -0.07 MW), MW from 10 MW up
    (`columns.fmt_kw`); 'unbounded' where nothing binds, 'n/a' where it is undefined."""
    from twin.model import columns as C

    if room.binding:
        return C.fmt_kw(room.it_kw, "it_headroom_site_kw")
    return "n/a" if np.isnan(room.it_kw) else "unbounded"


def inlet_change(twin: Twin, base: Results, res: Results) -> tuple[str, str]:
    """(delta colour for Streamlit's metric, a note or '') for the hottest rack inlet of `res`
    against `base`. Lower after cooling units stopped is not an improvement the page may show
    in green: it is within the air model's error (`AIR_MODEL_ERROR_K`), or the failure's march
    had not settled (its `air_cautions`). hybrid-inference.yaml with HX-CRAH7 failed read
    26.6 C against 28.1 C, a green -1.5 K (audit 6 #14)."""
    from twin.scenarios.sweep import cooling_groups

    def hottest(r: Results) -> float:
        rr = r.tables.get("res_racks")
        if rr is None or not len(rr):
            return float("nan")
        return float(rr["t_inlet_max_c" if "t_inlet_max_c" in rr else "t_inlet_c"].max())

    t0, t1 = hottest(base), hottest(res)
    if not (np.isfinite(t0) and np.isfinite(t1)) or t1 >= t0:
        return "inverse", ""
    if cooling_groups(twin, res)[0] <= cooling_groups(twin, base)[0]:
        return "inverse", ""  # no cooling unit lost: a cooler inlet is what it says
    lo, hi = AIR_MODEL_ERROR_K
    note = (
        f"The hottest inlet reads {t0 - t1:.1f} K lower with cooling units stopped: not an "
        f"improvement. Losing a unit moves its air to the others, and the air model follows "
        f"such a change to {lo:.2f}-{hi:.2f} K RMS against CFD (docs/validation.md)"
    )
    cautions = air_cautions(res)
    if cautions:
        note += "; here its march had not settled: " + "; ".join(cautions)
    return "off", note + "."
