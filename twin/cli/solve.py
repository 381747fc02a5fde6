"""`twin solve PATH [--fail ID ...] [--json] [--out DIR]`: solve one state and report it.

Calls `twin.solve.run`, so whatever the coupled solve adds (new tables,
kpis, violations) shows up here without changes.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

from twin.model import Twin
from twin.model.scenario import Scenario


def register(sub) -> None:
    p = sub.add_parser("solve", help="solve the power chain (and more): loads, losses, violations")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--fail", nargs="+", default=[], metavar="ID", help="components out of service")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--out", metavar="DIR", help="write every result table as CSV into DIR")
    p.add_argument("--t-db", type=_temp, metavar="C", help="ambient dry bulb (default: design)")
    p.add_argument("--t-wb", type=_temp, metavar="C", help="ambient wet bulb (default: design)")
    p.add_argument(
        "--annual",
        action="store_true",
        help="add annual PUE/WUE over the layout's weather file (binned hours)",
    )
    p.set_defaults(func=run)


def _temp(text: str) -> float:
    import argparse

    try:
        t = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a temperature in C: {text!r}") from None
    if not -60.0 <= t <= 60.0:
        raise argparse.ArgumentTypeError(f"{t} C is outside -60..60 C")
    return t


def scenario_from(args, twin: Twin) -> Scenario:
    """The scenario named by --fail, checked against the twin (ScenarioError -> exit 2)."""
    scenario = Scenario.fail(*args.fail) if args.fail else Scenario()
    t_db, t_wb = getattr(args, "t_db", None), getattr(args, "t_wb", None)
    if t_db is not None or t_wb is not None:
        scenario = dataclasses.replace(scenario, t_db_c=t_db, t_wb_c=t_wb)
    scenario.check(twin.component_ids())
    return scenario


def _num(x: float):
    return None if isinstance(x, float) and not math.isfinite(x) else x


def as_dict(twin: Twin, results) -> dict:
    """The JSON form: kpis at top level, then violations and worst loadings."""
    out = {"name": twin.name, "scenario": results.scenario}
    out.update({k: _num(float(v)) for k, v in results.kpis.items()})
    cols = ["component", "kind", "value", "limit", "unit", "message"]
    out["violations"] = [
        {c: (_num(float(r[c])) if c in ("value", "limit") else r[c]) for c in cols}
        for r in results.violations.to_dict("records")
    ]
    if "res_power_nodes" in results.tables:
        worst = results["res_power_nodes"].nlargest(5, "loading_pct")
        out["worst_loading_pct"] = {k: float(v) for k, v in worst["loading_pct"].items()}
    return out


def run(args) -> int:
    from twin import solve

    twin = Twin.load(args.path)
    scenario = scenario_from(args, twin)
    results = solve.run(twin, scenario)
    if getattr(args, "annual", False):
        from twin.metrics.pue import annual

        results.kpis.update(annual(twin, scenario).as_dict())
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, table in results.tables.items():
            table.to_csv(out / f"{name}.csv")
        results.violations.to_csv(out / "violations.csv", index=False)
        (out / "kpis.json").write_text(json.dumps(as_dict(twin, results), indent=2))
    if args.json:
        print(json.dumps(as_dict(twin, results), indent=2))
        return 0
    _print_summary(twin, results)
    if args.out:
        print(f"  tables written to {args.out}/")
    return 0


def _print_summary(twin: Twin, results) -> None:
    k = results.kpis
    print(f"{twin.name}  [{results.scenario}]")
    if "it_kw" in k and "facility_kw" in k:
        print(f"  IT load        {k['it_kw']:>14,.1f} kW")
        print(f"  total input    {k['facility_kw']:>14,.1f} kW")
    losses = {n: v for n, v in k.items() if n.startswith("loss")}
    for name, v in losses.items():
        print(f"  {name:<22}{v:>14,.2f}")
    shown = {"it_kw", "facility_kw", *losses}
    for name, v in k.items():
        if name not in shown:
            print(f"  {name:<22}{v:>14,.3f}")
    if "res_power_nodes" in results.tables:
        print("  worst loadings:")
        worst = results["res_power_nodes"].nlargest(5, "loading_pct")
        for cid, row in worst.iterrows():
            print(f"    {cid:<28}{row['kind']:<14}{row['loading_pct']:>8.1f} %")
    v = results.violations
    print(f"  violations: {len(v)}")
    for row in v.head(20).itertuples():
        print(f"    {row.kind:<14}{row.component:<28}{row.message}")
    if len(v) > 20:
        print(f"    ... and {len(v) - 20} more (use --json or --out)")
