"""`twin solve PATH [--fail ID ...] [--json] [--out DIR] [--strict]`: solve one state and report it.

Calls `twin.solve.run`, so whatever the coupled solve adds (new tables,
kpis, violations) shows up here without changes. The text summary and
`--json` carry the same quantities: the text labels each with a name and a
unit (`LABELS`), counts are integers in both, and a value with no number is
null in the JSON, which is strict (no NaN or Infinity tokens): "n/a" in the
text where it is undefined (NaN), "unbounded" where it is infinite, and then
the JSON's `"unbounded"` object names it at the same place with "+inf" or
"-inf" (`UNBOUNDED_KEY`; e.g. ``{"t_inlet_max_demand_c": "+inf", "headroom":
{"it_headroom_kw": "+inf"}}``); a null not named there is undefined.

Exit codes: 0 solved (violations or not), 2 bad input, 1 a bug; with
`--strict`, `STRICT_EXIT` (3) when the solve reports any violation at all: a
broken limit, or a result that is not a normal one (not_converged, non_finite,
not_balanced: `twin.solve.results.SOLVER_KINDS`), so a script or CI job can
gate on it. The output is printed (and written) first either way.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path

from twin.cli.common import (
    add_list,
    add_no_calibration,
    add_path,
    check_ids,
    check_output_dir,
    check_weather,
    dumps,
    load_twin,
    unbounded,
    violation_records,
)
from twin.cli.labels import add_raw_columns
from twin.cli.labels import kind as kind_name
from twin.errors import ScenarioError
from twin.layout.plausibility import check_loaded
from twin.model import Twin, registry
from twin.model import columns as C
from twin.model.scenario import Scenario
from twin.solve.results import (
    LAST_ITERATE,
    LOWER_BOUND_KPI,
    by_severity,
    no_steady_state,
    not_an_answer_lines,
)
from twin.solve.unfed_cause import feed_causes


def register(sub) -> None:
    p = sub.add_parser("solve", help="solve the power chain (and more): loads, losses, violations")
    add_path(p)
    add_list(p, "--fail", default=[], metavar="ID", help="components out of service")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--out", metavar="DIR", help="write every result table as CSV into DIR")
    p.add_argument(
        "--t-db",
        type=_temp,
        metavar="C",
        help="ambient dry bulb, -60..60 C (default: the layout's site.design.t_db_c)",
    )
    p.add_argument(
        "--t-wb",
        type=_wet_bulb,
        metavar="C",
        help="ambient wet bulb, -60..40 C, at most the dry bulb (default: the design wet bulb "
        "without --t-db; with --t-db, the wet bulb of air holding the design point's moisture "
        "at that dry bulb, or the dry bulb itself where such cold air is saturated)",
    )
    p.add_argument(
        "--annual",
        action="store_true",
        help="add annual PUE/WUE over the layout's weather file (binned hours)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help=f"exit {STRICT_EXIT} if there is any violation (a broken limit, or a result that "
        "did not converge, is not finite or does not balance); output is printed first",
    )
    p.add_argument(
        "--no-headroom",
        action="store_true",
        help="skip the IT headroom search (a few more solves; see twin.metrics.headroom)",
    )
    add_no_calibration(p)
    add_raw_columns(p)
    p.set_defaults(func=run)


MARK = f"  {LAST_ITERATE}"
"""Said after each figure of a section whose solve did not converge (`_not_an_answer`)."""

STRICT_EXIT = 3
"""Exit code of `twin solve --strict` when the solve reports violations (1 is a bug, 2 bad input)."""


def _temp(text: str) -> float:
    import argparse

    try:
        t = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a temperature in C: {text!r}") from None
    if not -60.0 <= t <= 60.0:
        raise argparse.ArgumentTypeError(f"{t} C is outside -60..60 C")
    return t


def _wet_bulb(text: str) -> float:
    """A --t-wb value: a temperature, at most 40 C as the layout's site.design.t_wb_c (the
    highest wet bulbs measured are ~35 C)."""
    import argparse

    t = _temp(text)
    if t > 40.0:
        raise argparse.ArgumentTypeError(f"{t} C is above 40 C, the highest wet bulb allowed")
    return t


def scenario_from(args, twin: Twin) -> Scenario:
    """The scenario named by --fail, checked against the twin (ScenarioError -> exit 2)."""
    check_ids(twin, args.fail, "--fail")
    scenario = Scenario.fail(*dict.fromkeys(args.fail)) if args.fail else Scenario()
    t_db, t_wb = getattr(args, "t_db", None), getattr(args, "t_wb", None)
    if t_wb is not None:  # checked first, to name the option (Scenario would refuse it too)
        db = twin.layout.site.design.t_db_c if t_db is None else t_db
        if t_wb > db:
            raise ScenarioError(f"--t-wb {t_wb:g} C is above the dry bulb {db:g} C")
    if t_db is not None or t_wb is not None:
        scenario = dataclasses.replace(scenario, t_db_c=t_db, t_wb_c=t_wb)
    scenario.check(twin.component_ids())
    return scenario


COUNT = None
"""`digits` of a count: printed and written as an integer."""
YES_NO = "yes/no"
"""`digits` of a flag: printed "yes" or "no", written as 1 or 0 (it read "(1 yes, 0 no) 0")."""

SECTIONS = {
    "power": "Power",
    "cooling": "Cooling",
    "efficiency": "Efficiency",
    "annual": "Over the weather year",
    "solver": "Solver",
    "other": "Other",
}

LOWER_BOUND_KEY = LOWER_BOUND_KPI
"""1 where the hottest inlet is a lower bound, not a steady state (`LOWER_BOUND`): the
flag scripts read from --json, beside the Uncooled violation."""

LABELS: dict[str, tuple[str, str, str, int | str | None]] = {
    # kpi: (section, label, unit, digits; COUNT for counts)
    "it_kw": ("power", "IT load", "kW", 1),
    "it_unserved_kw": ("power", "IT load not served", "kW", 1),
    "unfed_racks": ("power", "Racks without power", "", COUNT),
    "facility_kw": ("power", "Facility power", "kW", 1),
    "electrical_input_kw": ("power", "Drawn through the power chain", "kW", 1),
    "utility_kw": ("power", "From the utility", "kW", 1),
    "grid_used_pct": ("power", "Contracted grid limit used", "%", 1),
    "generator_kw": ("power", "From generators", "kW", 1),
    "extra_kw": ("power", "Cooling loads on the power chain", "kW", 1),
    "losses_kw": ("power", "Power-chain losses", "kW", 1),
    "loss_transformers_kw": ("power", "Losses in transformers", "kW", 2),
    "loss_ups_kw": ("power", "Losses in UPS", "kW", 2),
    "loss_pdus_kw": ("power", "Losses in PDUs", "kW", 2),
    "loss_cables_kw": ("power", "Losses in cables", "kW", 2),
    # labels: twin.model.column_labels_studies.HEADLINE_COLUMNS (utility apart; first-order)
    "max_loading_pct": ("power", "Worst loading", "%", 1),
    "max_loading_demand_pct": ("power", "Worst loading before heat trips", "%", 1),
    "max_failover_loading_pct": ("power", "Worst loading after a failover", "%", 1),
    "min_vm_pu": ("power", "Lowest voltage", "pu", 4),
    "power_failover_margin_kw": (
        "power",
        "Power chain's own IT margin (failover, first-order)",
        "kW",
        1,
    ),
    "cooling_kw": ("cooling", "Cooling power", "kW", 1),
    "cooling_off_chain_kw": ("cooling", "Cooling power off the power chain", "kW", 1),
    "t_inlet_max_c": ("cooling", "Hottest rack inlet", "°C", 1),
    "t_inlet_max_demand_c": ("cooling", "Hottest rack inlet before heat trips", "°C", 1),
    LOWER_BOUND_KEY: ("cooling", "Hottest inlet only a lower bound", "", YES_NO),
    "t_coolant_max_c": ("cooling", "Hottest rack coolant return", "°C", 1),
    "racks_shutdown": ("cooling", "Racks shut down by heat", "", COUNT),
    "it_shutdown_kw": ("cooling", "IT lost to heat", "kW", 1),
    "racks_throttled": ("cooling", "Racks throttling (past their limit)", "", COUNT),
    "it_throttled_kw": ("cooling", "IT throttling", "kW", 1),
    "water_m3_h": ("cooling", "Water use", "m3/h", 3),
    "free_cooling_kw": ("cooling", "Free cooling", "kW", 1),
    "heat_rejected_kw": ("cooling", "Heat rejected outdoors", "kW", 1),
    "heat_unremoved_kw": ("cooling", "Heat not removed", "kW", 1),
    "heat_unremoved_demand_kw": ("cooling", "Heat not removed before heat trips", "kW", 1),
    "energy_balance_residual_kw": ("cooling", "Energy balance residual", "kW", 3),
    "t_db_c": ("cooling", "Outdoor dry bulb", "°C", 1),
    "t_wb_c": ("cooling", "Outdoor wet bulb", "°C", 1),
    "pue": ("efficiency", "PUE", "", 3),
    "ppue_cooling": ("efficiency", "pPUE of cooling", "", 3),
    "ppue_power": ("efficiency", "pPUE of the power chain", "", 3),
    "wue_l_per_kwh": ("efficiency", "WUE", "L/kWh", 3),
    "cue_kg_per_kwh": ("efficiency", "CUE", "kg CO2/kWh", 3),
    "supply_co2_kg_per_kwh": ("efficiency", "Emission factor of the supply", "kg CO2/kWh", 3),
    "annual_pue": ("annual", "Annual PUE", "", 3),
    "annual_wue_l_per_kwh": ("annual", "Annual WUE", "L/kWh", 3),
    "annual_water_m3": ("annual", "Annual water", "m3", 0),
    "annual_it_mwh": ("annual", "Annual IT energy", "MWh", 0),
    "annual_facility_mwh": ("annual", "Annual facility energy", "MWh", 0),
    "annual_cooling_mwh": ("annual", "Annual cooling energy", "MWh", 0),
    "power_balance_residual_kw": ("power", "Power balance residual", "kW", 6),
    "loop_balance_residual_kw": ("cooling", "Worst loop heat balance residual", "kW", 6),
    "power_sweeps": ("solver", "Power-flow sweeps", "", COUNT),
    "power_converged": ("solver", "Power flow converged", "", YES_NO),
    "power_residual_pu": ("solver", "Power flow last voltage change", "pu", 10),
    "power_residual_kw": ("solver", "Power flow last power change", "kW", 6),
    "coupled_converged": ("solver", "Coupled solve settled", "", YES_NO),
    "coupled_residual_kw": ("solver", "Last change of cooling power", "kW", 6),
    "pipe_converged": ("solver", "Pipe flows converged", "", YES_NO),
    "pipe_residual_m3_s": ("solver", "Pipe networks last flow change", "m3/s", 12),
    "coupled_iterations": ("solver", "Coupled iterations", "", COUNT),
    "pipe_iterations": ("solver", "Pipe-network iterations", "", COUNT),
}
"""How each KPI is shown. A KPI not listed (a solver added it) is shown under its own
name in "Other"; `twin solve --json` has the same keys at top level."""

DEMAND_INLET = "t_inlet_max_demand_c"
UNCOOLED_BEFORE = (
    "  (their heat had nowhere to go, or only above water's boiling point: no steady state; "
    "see the cooling violations)"
)
"""Beside an unbounded hottest inlet before racks shut down by heat (null in --json, named
in its `UNBOUNDED_KEY`): heat unremoved, or a solve above `T_BOIL_WATER_C`
(`twin.solve.consequence.cooling_at_demand`)."""
UNBOUNDED_KEY = "unbounded"
"""The --json key naming every null that is infinite, not undefined: the same keys, nested
as in the output (KPIs at top level, `worst_loading_pct`, `headroom`), each "+inf" or
"-inf"; {} when none (`twin.cli.common.unbounded`). A scalar KPI that can be infinite:
t_inlet_max_demand_c (racks' heat with nowhere to go before they shut down by heat),
power_failover_margin_kw (no failover loading: no limit), headroom.it_headroom_kw (no
constraint binds); any other that a solver makes infinite is named the same way."""
LOWER_BOUND = (
    "  (no steady state: heat is not removed, so inlets rise past this lower bound until racks "
    "trip; twin n1 and the Failures page read it unbounded; see Uncooled)"
)
"""Said after the hottest inlet where heat goes unremoved while racks run
(`twin.solve.results.no_steady_state`; the N-1 table and the app show it unbounded)."""

HEAD_LABELS = {
    "name": "Layout",
    "scenario": "Scenario",
    "violations": "Violations",
    "worst_loading_pct": "Worst loadings",
    "worst_loading_demand_pct": "Worst loadings before racks shut down by heat",
    "headroom": "IT headroom",
    UNBOUNDED_KEY: "unbounded",
}
"""Labels of the JSON keys that are not KPIs."""


def label(key: str) -> tuple[str, str, str, int | str | None]:
    """(section, label, unit, digits) of KPI `key`: the label and unit of the map every
    screen uses (twin.model.columns) where it declares the key, so the CLI and the app
    name a number alike; the section and the (often finer) digits from `LABELS`."""
    from twin.model import columns as C

    if key in LABELS:
        section, text, unit, digits = LABELS[key]
        if key in C.COLUMNS or key in C.HEADLINE_COLUMNS:
            text, unit = C.headline(key).label, C.headline(key).unit
        return section, text, unit, digits
    if key.startswith("loss_") and key.endswith("_kw"):
        return "power", f"Losses in {key[5:-3]}", "kW", 2
    c = C.spec(key)
    return "other", c.label, c.unit, c.digits


def _num(x):
    """A JSON-safe number: None for NaN and infinities (JSON has neither)."""
    x = float(x)
    return x if math.isfinite(x) else None


def _kpi_value(key: str, v):
    x = _num(v)
    return int(round(x)) if x is not None and label(key)[3] in (COUNT, YES_NO) else x


def _kpis(results) -> dict:
    """The solve's KPIs, whether the hottest inlet is only a lower bound among them
    (`twin.solve.results.no_steady_state`, set by every coupled solve)."""
    kpis = dict(results.kpis)
    if "t_inlet_max_c" in kpis and LOWER_BOUND_KEY not in kpis:  # a result from elsewhere
        kpis[LOWER_BOUND_KEY] = float(no_steady_state(results))
    return kpis


def as_dict(twin: Twin, results, room=None) -> dict:
    """The JSON form: kpis at top level (counts as integers, NaN/inf as null), then
    violations and worst loadings; with `room` (a `twin.metrics.Headroom`) its answer under
    "headroom"; last `UNBOUNDED_KEY`, which of those nulls are infinite."""
    kpis = _kpis(results)
    raw = {"kpis": kpis}
    out = {"name": twin.name, "scenario": results.scenario}
    out.update({k: _kpi_value(k, v) for k, v in kpis.items()})
    out["violations"] = violation_records(results.violations)
    rp = results.tables.get("res_power_nodes")
    for key, col in (("worst_loading_pct", "loading_pct"), ("worst_loading_demand_pct", None)):
        if rp is None or (col is None and "max_loading_demand_pct" not in results.kpis):
            continue  # before racks shut down by heat: only where they did
        col = col or "loading_demand_pct"
        raw[key] = rp.nlargest(5, col)[col].to_dict()
        out[key] = {k: _num(v) for k, v in raw[key].items()}
    if room is not None:
        raw["headroom"] = out["headroom"] = room.as_dict()
    flags = unbounded(raw)
    out[UNBOUNDED_KEY] = {**flags.pop("kpis", {}), **flags}
    return out


def to_json(twin: Twin, results, room=None) -> str:
    """`as_dict` as strict JSON (raises rather than write NaN, which JSON does not have);
    with `room` (a `twin.metrics.Headroom`) its answer under "headroom"."""
    return dumps(as_dict(twin, results, room))


def print_headroom(room, indent: int = 2) -> None:
    """The IT headroom and its binding constraint (one answer: `twin.metrics.headroom`)."""
    from twin.metrics.headroom import REDUNDANCY_LOST

    print(_line("IT headroom", _fmt(room.it_kw, 1), "kW", indent=indent))
    print(f"{' ' * (indent + 2)}binding constraint: {room.reason}")
    if room.failover == REDUNDANCY_LOST:  # past a limit with no redundancy to check
        print(f"{' ' * (indent + 2)}failover: none to check (redundancy already lost)")
    elif room.failover != "N-1 solved":  # say when single failures were not solved in full
        print(f"{' ' * (indent + 2)}failover: first-order only (not checked by N-1 solves)")
    print(_line("  free rack slots (floor)", _fmt(room.free_slots, COUNT), "", indent=indent))


def run(args) -> int:
    from twin import solve

    check_output_dir(args.out, "--out")  # before any work
    twin = load_twin(args)
    for w in check_loaded(twin.layout, args.path):  # plausibility: stderr, exit code unchanged
        print(w, file=sys.stderr)
    if getattr(args, "annual", False):
        if not twin.layout.site.weather_file:  # as `twin economics --weather layout` says
            raise ScenarioError(
                "--annual: the layout has no site.weather_file, so there is no weather year "
                "(the design point for all 8,760 hours would print the design PUE as annual); "
                "add site.weather_file, e.g. pvlib:723170TYA or an EPW/TMY3 file"
            )
        check_weather(twin)  # a foreign file: located, before any solve
    scenario = scenario_from(args, twin)
    results = solve.run(twin, scenario)
    from twin.solve.air_stopped import stopped_unit_cautions
    from twin.solve.airflow import air_model_fallbacks

    res_halls = results.tables.get("res_halls")
    for why in air_model_fallbacks(twin, res_halls) + stopped_unit_cautions(res_halls):
        print(f"{args.path}: warning: {why}", file=sys.stderr)
    from twin.solve.airfield_build import ffd_march_cautions

    for caution in ffd_march_cautions(twin):  # an ffd hall whose march had not settled
        print(caution, file=sys.stderr)
    if getattr(args, "annual", False):
        from twin.metrics.pue import annual

        results.kpis.update(annual(twin, scenario).as_dict())
    room = None
    if not getattr(args, "no_headroom", False):
        from twin.metrics.headroom import headroom

        room = headroom(twin, scenario, progress=sys.stderr.isatty())  # bars on a terminal
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, table in results.tables.items():
            table.to_csv(out / f"{name}.csv")
        results.violations.to_csv(out / "violations.csv", index=False)
        (out / "kpis.json").write_text(to_json(twin, results, room))
    if args.json:
        print(to_json(twin, results, room))
        return _exit_code(args, results)
    _print_summary(twin, results, getattr(args, "raw_columns", False))
    if room is not None:
        print_headroom(room)
    if args.out:
        print(f"  tables written to {args.out}/")
    return _exit_code(args, results)


def _exit_code(args, results) -> int:
    """0, or `STRICT_EXIT` with --strict and any violation (counted on stderr)."""
    n = len(results.violations)
    if not getattr(args, "strict", False) or not n:
        return 0
    kinds = ", ".join(f"{k} {c}" for k, c in results.violations["kind"].value_counts().items())
    print(f"twin solve: --strict: {n:,} violation(s): {kinds}", file=sys.stderr)
    return STRICT_EXIT


def _fmt(x, digits: int | str | None) -> str:
    if x is None:
        return "n/a"
    x = float(x)
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "unbounded" if x > 0 else "-unbounded"
    if digits is COUNT:
        return f"{round(x):,}"
    if digits is YES_NO:
        return "yes" if x else "no"
    return f"{round(x, digits) + 0.0:,.{digits}f}"  # + 0.0: no "-0.0"


def _inf(flag: str | None, value):
    """`value` of --json, or the infinity its `UNBOUNDED_KEY` entry (`flag`) says it is."""
    return {"+inf": math.inf, "-inf": -math.inf}.get(flag, value)


def _line(text: str, value: str, unit: str = "", indent: int = 2) -> str:
    return f"{' ' * indent}{text:<36}{value:>14}  {unit}".rstrip()


def _print_summary(twin: Twin, results, raw: bool = False) -> None:
    """Every quantity of `as_dict`, labelled, with units, grouped; `raw`: each under its
    --json key, kinds by their names (for scripts that read the text)."""
    d = as_dict(twin, results)
    print(f"{HEAD_LABELS['name']}: {d['name']}    {HEAD_LABELS['scenario']}: {d['scenario']}")
    untrusted = _not_an_answer(results)
    groups: dict[str, list[str]] = {s: [] for s in SECTIONS}
    for key in (k for k in d if k not in HEAD_LABELS):  # the KPIs, as --json has them
        groups[label(key)[0]].append(key)
    order = {k: i for i, k in enumerate(LABELS)}
    inf = d[UNBOUNDED_KEY]  # the nulls that are infinite: "unbounded", not "n/a"
    bound = {"t_inlet_max_c": LOWER_BOUND} if d.get(LOWER_BOUND_KEY) else {}
    for section, keys in groups.items():
        if not keys:
            continue
        print(f"  {SECTIONS[section]}")
        for key in sorted(keys, key=lambda k: order.get(k, len(order))):
            _, text, unit, digits = label(key)
            if key == "grid_used_pct" and not raw:  # its basis: the contract, not the MVA
                text = C.grid_used_label(twin.layout.site.grid_mw)
            value = _inf(inf.get(key), d[key])
            line = _line(key if raw else text, _fmt(value, digits), unit, indent=4)
            if section in untrusted and d[key] is not None:
                line += MARK
            if key == DEMAND_INLET and value == math.inf:
                line += UNCOOLED_BEFORE
            print(line + bound[key] if key in bound and d[key] is not None else line)
    for key in ("worst_loading_pct", "worst_loading_demand_pct"):
        if key not in d:
            continue
        print(f"  {HEAD_LABELS[key]}")
        kinds = results["res_power_nodes"]["kind"]
        for cid, pct in d[key].items():
            name = f"{cid} ({kind_name(kinds.get(cid, '?'), raw)})"
            if not raw and kinds.get(cid) in registry.tables(model="utility"):
                mva = twin.utilities["capacity_mva"].get(cid, 0.0) if len(twin.utilities) else 0
                name = f"{cid}: {C.utility_rating_label(float(mva))}"  # kVA/MVA, not the contract
            line = _line(name, _fmt(_inf(inf.get(key, {}).get(cid), pct), 1), "%", indent=4)
            print(line + MARK if "power" in untrusted else line)
    v = results.violations
    print(f"  {HEAD_LABELS['violations']}: {len(v):,}")
    if len(v):
        v = by_severity(v)
        counts = v["kind"].value_counts(sort=False)
        by = ", ".join(f"{kind_name(k, raw)} {n:,}" for k, n in counts.items())
        print("    by kind: " + by)
    rows = _display_rows(twin, results, v)
    shown = rows[:20]
    kinds_shown = [kind_name(k, raw) for k, _, _ in shown]
    wk = max((len(k) for k in kinds_shown), default=0) + 2  # columns never run together
    wc = max((len(str(c)) for _, c, _ in shown), default=0) + 2
    for k, (_, comp, msg) in zip(kinds_shown, shown, strict=True):
        print(f"    {k:<{wk}}{comp:<{wc}}{msg}")
    if len(rows) > 20:
        print(f"    ... and {len(rows) - 20:,} more (use --json or --out)")


def _not_an_answer(results) -> set[str]:
    """Print a line per solver-trust violation (`SOLVER_KINDS`) before the figures, and
    return the sections whose figures are then not an answer: the power section when the
    power flow did not converge, every section but the solver's for any other."""
    lines = not_an_answer_lines(results.violations)
    if not lines:
        return set()
    for line in lines:
        print(f"  {line}")
    power_only = results.kpis.get("power_converged", 1) == 0 and (
        results.kpis.get("coupled_converged", 1) == 1
    )
    return {"power"} if power_only else set(SECTIONS) - {"solver"}


def _display_rows(twin: Twin, results, v) -> list[tuple[str, str, str]]:
    """(kind, component, message) lines to print for violations `v` (in their order): racks
    with no live feed as one line per cause ("16 racks", what took each cord down, which
    racks), the rest one line each; the violations table keeps one row per rack."""
    unfed = (v["kind"] == "unfed") & v["component"].isin(twin.racks.index)
    groups: dict[str, list[str]] = {}
    if unfed.any() and "res_power_nodes" in results.tables:
        fc = feed_causes(twin, results["res_power_nodes"])
        why = v.loc[unfed, "component"].map(fc["why"]).dropna()
        for i, w in why.items():
            groups.setdefault(w, []).append(v.at[i, "component"])
    grouped = {r for racks in groups.values() for r in racks}
    order = {r: w for w, racks in groups.items() for r in racks}
    out, done = [], set()
    for row in v.itertuples():
        if row.kind == "unfed" and row.component in grouped:
            w = order[row.component]
            if w in done:
                continue
            done.add(w)
            racks = groups[w]
            n = len(racks)
            names = ", ".join(racks[:3]) + (f" and {n - 3:,} more" if n > 3 else "")
            what = f"{n:,} racks" if n > 1 else racks[0]
            out.append((row.kind, what, f"no live feed: {w} ({names})"))
        else:
            out.append((row.kind, row.component, row.message))
    return out
