"""`twin n1 PATH [--components KIND ...] [--fail ID ...] [--n2 ID ...] [--out FILE] [--top N]
[--brute-force] [--scheduler ADDR]`: fail every power element and cooling unit in turn, ranked.

The fast path (one base solve, sparse subtree sums) runs in-process; with
`--scheduler` it runs on that Dask cluster. `--brute-force` re-solves every
contingency with the coupled solve on Dask (a LocalCluster unless
`--scheduler` is given). Output: the ranked table on the terminal (`--top`
rows), all rows to CSV or Parquet with `--out`.
"""

from __future__ import annotations

import math
import sys
from itertools import combinations
from pathlib import Path

import pandas as pd

from twin.errors import ScenarioError
from twin.model import Twin
from twin.model.scenario import Scenario

SHOW = [
    "rank",
    "contingency",
    "kinds",
    "it_lost_kw",
    "racks_lost",
    "it_at_risk_kw",
    "max_loading_pct",
    "worst_element",
    "max_cooling_loading_pct",
    "t_inlet_max_c",
]


def register(sub) -> None:
    p = sub.add_parser("n1", help="N-1 (or N-2) sweep over power and cooling components, ranked")
    p.add_argument("path", metavar="PATH")
    p.add_argument(
        "--components",
        nargs="+",
        default=None,
        metavar="KIND",
        help="kinds to fail: power, cooling, ups, pdus, transformers, crahs, cdus, chillers, ...",
    )
    p.add_argument("--fail", nargs="+", default=[], metavar="ID", help="out of service throughout")
    p.add_argument("--n2", nargs="+", default=None, metavar="ID", help="every pair of these ids")
    p.add_argument("--out", metavar="FILE", help="write the ranked table (.csv or .parquet)")
    p.add_argument("--top", type=int, default=20, metavar="N", help="rows to print (default 20)")
    p.add_argument("--brute-force", action="store_true", help="full coupled re-solve per case")
    p.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler, e.g. tcp://host:8786")
    p.add_argument("--workers", type=int, default=2, help="LocalCluster workers (default 2)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def _out_format(path: str | None) -> str | None:
    if path is None:
        return None
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ScenarioError(f"--out {path}: use a .csv or .parquet file name")
    return suffix


def run(args) -> int:
    from twin.scenarios.sweep import contingencies, rank, sweep

    fmt = _out_format(args.out)
    twin = Twin.load(args.path)
    scenario = Scenario(name="base", failed=frozenset(args.fail))
    scenario.check(twin.component_ids())
    if args.n2:
        Scenario(failed=frozenset(args.n2)).check(twin.component_ids())
        sets = list(combinations(args.n2, 2))
    else:
        sets = [(i,) for i in contingencies(twin, args.components)]
    progress = not args.no_progress and sys.stderr.isatty()
    if args.brute_force or args.scheduler:
        from twin.scenarios.dask_sweep import dask_sweep

        table = dask_sweep(
            Path(args.path),
            sets,
            method="brute" if args.brute_force else "fast",
            scenario=scenario,
            scheduler=args.scheduler,
            n_workers=args.workers,
            progress=progress,
        )
    else:
        table = sweep(twin, sets, scenario=scenario, progress=progress)
    table = rank(table)
    if fmt == ".csv":
        table.to_csv(args.out, index=False)
    elif fmt == ".parquet":
        table.to_parquet(args.out, index=False)
    _print(twin, table, args.top, "N-2" if args.n2 else "N-1")
    if args.out:
        print(f"  {len(table)} rows written to {args.out}")
    return 0


def _print(twin: Twin, table: pd.DataFrame, top: int, what: str) -> None:
    lost = int((table["it_lost_kw"] > 0).sum())
    risk = int((table["it_at_risk_kw"] > 0).sum())
    over = int((table["max_loading_pct"] > 100).sum())
    print(f"{twin.name}: {what} over {len(table)} contingencies")
    print(f"  {lost} lose IT load, {risk} put racks' cooling at risk, {over} overload an element")
    if not len(table) or top <= 0:
        return
    shown = table[SHOW].head(top).copy()
    for col in shown.columns:
        if shown[col].dtype.kind == "f":
            shown[col] = shown[col].map(lambda x: "inf" if math.isinf(x) else f"{x:,.1f}")
    print(shown.to_string(index=False))
