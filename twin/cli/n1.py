"""`twin n1 PATH [--components KIND ...] [--fail ID ...] [--n2 ID ...] [--out FILE] [--top N]
[--brute-force] [--scheduler ADDR]`: fail every power element and cooling unit in turn, ranked.

The fast path (one base solve, sparse subtree sums) runs in-process; with
`--scheduler` it runs on that Dask cluster. `--brute-force` re-solves every
contingency with the coupled solve on Dask (a LocalCluster unless
`--scheduler` is given). Without `--brute-force` the fast path screens every
case and each case it puts at risk (on a small site: every case) is re-solved
with the coupled solve in-process; `verified` says which rows hold full-solve
numbers. Output: the ranked table on the terminal (`--top`
rows), all rows to CSV or Parquet with `--out`.

Cells with no number are never written as inf or NaN: they are empty in
the CSV (null in Parquet), "n/a" or "unbounded" on the terminal, and the
`notes` column says why (`NOTES`), e.g. a hottest inlet with no rack
powered, or no steady state when heat is not removed while racks run.
"""

from __future__ import annotations

import math
import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from twin.cli.common import (
    add_list,
    add_no_calibration,
    add_path,
    check_ids,
    check_output_file,
    check_scheduler,
    int_in,
    listed,
    load_twin,
    not_steady,
    scheduler_address,
)
from twin.cli.labels import add_raw_columns
from twin.cli.labels import table as labelled
from twin.errors import ScenarioError
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios import tenants_hit
from twin.scenarios.sweep import no_solution, verified_text

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
    "cooling_shortfall_kw",
    "t_inlet_max_c",
    "verified",
]


NOTES = {
    # column: (why the value is undefined (NaN), why it is unbounded (+inf))
    "t_inlet_max_c": (
        "no powered, air-cooled rack to take an inlet temperature from",
        "heat not removed while racks run (cooling short or stopped): no steady state; "
        "twin solve --fail gives the inlets solved, a lower bound",
    ),
    "max_cooling_loading_pct": (
        "not computed",
        "a cooling group with heat and no capacity left",
    ),
    "cooling_units_out": ("not computed", ""),
    "min_vm_pu": ("no bus is energised", ""),
    "cooling_shortfall_kw": ("not computed", ""),
}
"""Why a sweep cell has no number; other columns fall back to "undefined"/"unbounded"."""

MAX_WORKERS = 256


def register(sub) -> None:
    p = sub.add_parser(
        "n1",
        help="N-1 (or N-2) sweep over power and cooling components, ranked",
        epilog="In --out, an empty cell has no number; the notes column says why.",
    )
    add_path(p)
    add_no_calibration(p)
    add_list(
        p,
        "--components",
        default=None,
        metavar="KIND",
        help="kinds to fail: power, cooling, ups, pdus, transformers, crahs, cdus, chillers, ...",
    )
    add_list(p, "--fail", default=[], metavar="ID", help="out of service throughout")
    add_list(p, "--n2", default=None, metavar="ID", help="every pair of these ids")
    p.add_argument("--out", metavar="FILE", help="write the ranked table (.csv or .parquet)")
    p.add_argument(
        "--top", type=int_in(0), default=20, metavar="N", help="rows to print (default 20, 0: none)"
    )
    p.add_argument("--brute-force", action="store_true", help="full coupled re-solve per case")
    p.add_argument(
        "--scheduler",
        type=scheduler_address,
        metavar="ADDR",
        help="Dask scheduler, e.g. tcp://host:8786",
    )
    p.add_argument(
        "--workers",
        type=int_in(1, MAX_WORKERS),
        default=2,
        metavar="N",
        help=f"LocalCluster workers for --brute-force, 1-{MAX_WORKERS} (default 2)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_raw_columns(p)
    p.set_defaults(func=run)


def _out_format(path: str | None) -> str | None:
    if path is None:
        return None
    check_output_file(path, "--out", (".csv", ".parquet"))
    return Path(path).suffix.lower()


def for_output(table: pd.DataFrame) -> pd.DataFrame:
    """The table with no inf or NaN number: such cells become missing (an empty CSV cell,
    null in Parquet) and a `notes` column says, per row, which cells and why."""
    out = table.copy()
    if "it_lost_by_tenant" in out:  # a dict per row: 'tenant: kW; ...' in a file
        out["it_lost_by_tenant"] = out["it_lost_by_tenant"].map(tenants_hit.text)
    notes: list[list[str]] = [[] for _ in range(len(out))]
    for col in out.columns:
        if out[col].dtype.kind not in "fc":
            continue
        x = out[col].to_numpy(float)
        bad = ~np.isfinite(x)
        if not bad.any():
            continue
        why_nan, why_inf = NOTES.get(col, ("", ""))
        for i in np.flatnonzero(bad):
            if np.isnan(x[i]):
                notes[i].append(f"{col}: n/a ({why_nan or 'undefined'})")
            else:
                sign = "" if x[i] > 0 else "-"
                notes[i].append(f"{col}: {sign}unbounded ({why_inf or 'no finite value'})")
        out[col] = np.where(bad, np.nan, x)
    out["notes"] = ["; ".join(n) for n in notes]
    return out


def run(args) -> int:
    from twin.scenarios.sweep import contingencies, rank, sweep, verify_table
    from twin.solve import run as solve

    fmt = _out_format(args.out)  # before any work
    if args.scheduler:
        check_scheduler(args.scheduler)
    twin = load_twin(args)
    check_ids(twin, args.fail, "--fail")
    scenario = Scenario(name="base", failed=frozenset(args.fail))
    scenario.check(twin.component_ids())
    if args.n2 is not None:
        ids = list(dict.fromkeys(args.n2))
        check_ids(twin, ids, "--n2")
        if len(ids) < 2:
            raise ScenarioError("--n2 needs at least two different ids (it fails every pair)")
        sets = list(combinations(ids, 2))
    else:
        sets = [(i,) for i in contingencies(twin, args.components)]
    # a component already out (--fail) cannot fail again: its row read as a harmless failure
    sets = [s for s in sets if not set(s) & scenario.failed]
    progress = not args.no_progress and sys.stderr.isatty()
    # the --fail state, solved once: the sweep's base and what it loses before any contingency
    base = solve(twin, scenario) if scenario.failed else None
    if args.brute_force or args.scheduler:
        from twin.scenarios.dask_sweep import dask_sweep

        try:
            table = dask_sweep(
                Path(args.path),
                sets,
                method="brute" if args.brute_force else "fast",
                scenario=scenario,
                scheduler=args.scheduler,
                n_workers=args.workers,
                progress=progress,
            )
        except OSError as exc:
            if not args.scheduler or exc.filename:
                raise
            raise ScenarioError(f"--scheduler {args.scheduler}: {exc}") from None
        if not args.brute_force:
            table = verify_table(twin, table, sets, scenario, progress=progress)
    else:
        table = sweep(twin, sets, scenario=scenario, base=base, progress=progress)
    table = rank(table)
    if fmt == ".csv":
        for_output(table).to_csv(args.out, index=False)
    elif fmt == ".parquet":
        for_output(table).to_parquet(args.out, index=False)
    base_kw, base_racks = _base_loss(twin, base) if scenario.failed else (0.0, 0)
    _print(twin, table, args.top, "N-2" if args.n2 else "N-1", args.raw_columns, base_kw)
    if scenario.failed:
        print(
            f"  out of service throughout (--fail), not failed again: {listed(sorted(scenario.failed))}"
        )
    if base_racks:  # every row counts it: say it once, not as each failure's doing
        print(
            f"  the base (--fail) already loses {base_kw:,.1f} kW of IT ({base_racks:,} racks "
            "without power or shut down by heat); IT lost in each row includes it"
        )
    bad = not_steady(twin, scenario)
    if bad:  # every row is measured against this state
        print(
            f"  warning: the state before any failure is not steady ({listed(bad)}); rows "
            f"compare against it: `twin solve {args.path}` shows why"
        )
    from twin.solve.air_stopped import UNSETTLED, unresolved_units
    from twin.solve.ffd_march import MARCH_SPREAD_CAUTION_K

    for hall, (model, units) in unresolved_units(twin, sets).items():
        print(
            f"  warning: the rows that fail {listed(units)} keep hall {hall}'s "
            f"{model.upper()} air flow of every cooling unit running (not solved again per "
            "failure): their rack inlets follow only the hall's supply mix, not where the "
            "unit stood"
        )
    for hall, (model, units) in unresolved_units(twin, sets, UNSETTLED).items():
        print(
            f"  warning: the rows that fail {listed(units)} read hall {hall}'s rack inlets "
            f"from {model.upper()} marches without the unit that had not settled: they would "
            "still move by more than "
            f"{MARCH_SPREAD_CAUTION_K:.1f} K (`twin solve --fail <unit>` says how much)"
        )
    if not sets:
        print("  (no component of these kinds in the layout)")
    if args.out:
        print(f"  {len(table)} rows written to {args.out}")
    return 0


def _cell(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "unbounded" if x > 0 else "-unbounded"
    return f"{x:,.1f}"


def _base_loss(twin: Twin, base) -> tuple[float, int]:
    """IT lost (kW) and racks lost in the --fail state before any contingency (`base`, its
    solve)."""
    from twin.scenarios.scenario import it_lost_kw, lost_racks

    lost = lost_racks(twin, base)
    return it_lost_kw(twin, base, lost), len(lost)


def _print(
    twin: Twin, table: pd.DataFrame, top: int, what: str, raw: bool = False, base_kw=0.0
) -> None:
    """The counts, then the first `top` ranked rows: labels with units ('IT lost (kW)',
    'UPS'), or with `raw` the column and kind names of the written table. A row loses IT
    when it loses more than the base (`base_kw`, lost before any contingency)."""
    beyond = base_kw * (1 + 1e-9) + 1e-9
    # a row whose solve is no solution counts as that alone, not as what its last iterate says
    # (a collapsed room said "8 overload an element" for 8 rows of no solution)
    sound = table[~np.asarray(no_solution(table), dtype=bool)]
    lost = int((sound["it_lost_kw"] > beyond).sum())
    risk = int((sound["it_at_risk_kw"] > 0).sum())
    over = int((pd.to_numeric(sound["overloads"]) > 0).sum())  # any element or source
    past = pd.to_numeric(sound.get("grid_used_pct", pd.Series(dtype=float))) > 100.0
    grid = f", {int(past.sum())} draw past the grid connection (site.grid_mw)" * bool(past.any())
    print(f"{twin.name}: {what} over {len(table)} contingencies")
    more = " more than the base" if base_kw > 0 else ""
    none = f", {len(table) - len(sound)} have no solution" if len(sound) < len(table) else ""
    print(
        f"  {lost} lose IT load{more}, {risk} put racks' cooling at risk, {over} overload an "
        f"element{grid}{none}"
    )
    if "verified" in table and len(table):
        n_ok = int(table["verified"].astype(bool).sum())
        if n_ok == len(table):
            print(f"  all {n_ok} rows verified: numbers from the full coupled solve of each case")
        else:
            print(
                f"  {n_ok} rows verified (full coupled solve: every case the fast screen puts at"
                f" risk); {len(table) - n_ok} rows are fast-screen numbers (verified False)"
            )
    bad = table[no_solution(table)]
    for _, r in bad.iterrows():  # ranked first: no answer is not "fine"
        print(
            f"  warning: {r['contingency']}: the full solve is not a solution ({r['untrusted']});"
            f" its numbers are not an answer: `twin solve --fail {r['contingency'].replace('+', ' ')}`"
            " shows why"
        )
    if not len(table) or top <= 0:
        return
    show = (
        SHOW
        + (["grid_used_pct"] if past.any() else [])
        + (
            ["tenants_hit", "tenants_at_risk"]
            if "tenants_hit" in table and twin.racks["tenant"].ne("").any()
            else []
        )
    )
    shown = table[show].head(top).copy()
    if len(bad):  # a full solve with no solution is not "verified"
        shown = verified_text(table.loc[shown.index]).loc[:, show]
    print(labelled(shown, raw, cell_raw=_cell))
