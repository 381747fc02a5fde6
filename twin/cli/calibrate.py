"""`twin calibrate PATH --from-cfd DIR [DIR ...] | --from-csv measured.csv [...] [--hall H]`.

Fits a hall's air-field parameters (diffusivity, buoyant drift, supply throw, plume share,
jet entrainment, containment leak; twin.solve.air_calibrate; on an ``air_model: ffd`` hall
the FFD flow's eddy viscosity, diffusivity and containment leak instead, minutes of FFD
marches with a progress line each, twin.solve.air_calibrate_ffd) to reference rack inlets of
one or several runs at once (several load distributions separate the parameters better than
one): OpenFOAM runs read back by `twin cfd run` (their rack heat, airflow and supply
temperature come from the case), or CSVs of measurements (one per run) with columns ``rack`` (id), ``t_inlet_c`` and optionally
``power_kw`` (air heat; default the layout's design power) and ``t_supply_c``
(default the hall's units' setpoint): one row per rack, numbers within the layout's
bounds (t_inlet_c 0-100 C), refused with the CSV line otherwise. Prints RMSE and max
error before and after.

Writes the calibration next to the layout, ``<layout>.air-calibration.yaml``
(`twin.layout.calibration`): per hall the fitted fields, the runs, the date, the RMSE
before and after, and the hall's air geometry it was fitted on; another hall's entry in
that file is kept. Every later load of the layout applies it (`twin solve`, `twin info`,
the app: the calibration's values override the hall's own, and they print one line
saying so) while the hall's racks, rows, units, size and air model are the ones it was
fitted on; after a change the calibration is not applied and a caution says what changed
and to run this again. The fit itself starts from the layout as written (its calibration
file is not applied), so "before" is the uncalibrated model.
"""

from __future__ import annotations

import io
from pathlib import Path

from twin.cli.common import UsageError, add_path

MAX_CSV_BYTES = 50_000_000
"""Largest measurement CSV read (a row per rack: 100,000 racks is ~3 MB)."""


def register(sub) -> None:
    p = sub.add_parser("calibrate", help="fit a hall's air model to CFD runs or measurements")
    add_path(p)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--from-cfd",
        nargs="+",
        action="extend",
        metavar="DIR",
        help="cases run by twin cfd run (repeatable)",
    )
    src.add_argument(
        "--from-csv",
        nargs="+",
        action="extend",
        metavar="FILE",
        help="rack,t_inlet_c[,power_kw,t_supply_c]; one file per run (repeatable)",
    )
    p.add_argument("--hall", help="hall id (default: the CFD case's, or the layout's only hall)")
    p.set_defaults(func=run)


def _runs_from_cfd(dirs: list[str]):
    import json

    import pandas as pd

    from twin.interop.openfoam import MANIFEST
    from twin.interop.openfoam_run import read_inlets
    from twin.layout.regular_file import read_regular
    from twin.solve.air_calibrate import Run

    runs, halls = [], set()
    for d in dirs:
        man_path = Path(d) / MANIFEST
        if not man_path.exists():
            raise UsageError(f"--from-cfd {d}: no {MANIFEST} (export with twin cfd export)")
        try:  # written by twin cfd export, but a file on disk all the same
            man = json.loads(read_regular(man_path, MAX_CSV_BYTES))
            need = ("hall", "rack_ids", "rack_heat_kw", "t_supply_c")
            lost = [k for k in need if k not in man] if isinstance(man, dict) else list(need)
        except (OSError, ValueError) as exc:
            lost, man = [], str(exc).splitlines()[0]
        if lost or not isinstance(man, dict):
            why = f"no {', '.join(lost)}" if lost else man
            raise UsageError(
                f"--from-cfd {d}: {MANIFEST} is not a twin cfd case manifest ({why}); "
                "export the case again with twin cfd export"
            )
        if man.get("stopped_units"):
            raise UsageError(
                f"--from-cfd {d}: the case has cooling units stopped (exported with --fail); "
                "a calibration fits the hall with every unit running: export it without --fail"
            )
        try:
            inlets, summary = read_inlets(d)
        except (OSError, ValueError, KeyError, IndexError) as exc:
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise UsageError(
                f"--from-cfd {d}: cannot read the run's rack inlets ({why}); run it with "
                "twin cfd run"
            ) from None
        if not summary["converged"]:
            import sys

            print(
                f"twin calibrate: warning: --from-cfd {d} is NOT CONVERGED (returns carry "
                f"{summary['balance_pct']:+.1f} % of the racks' heat, largest residual "
                f"{summary['residual_max']:.1e}); the fit follows its unsettled inlets",
                file=sys.stderr,
            )
        heat = pd.Series(man["rack_heat_kw"], index=man["rack_ids"])
        flow = man.get("rack_flow_m3_s")
        flow = pd.Series(flow, index=man["rack_ids"]) if flow else None
        runs.append(Run(heat, float(man["t_supply_c"]), inlets["t_inlet_c"], flow))
        halls.add(man["hall"])
    return runs, halls


def _runs_from_csv(path: str, twin, hall: str):
    import numpy as np
    import pandas as pd

    from twin.layout.regular_file import read_regular
    from twin.layout.schema import Crah, Rack
    from twin.solve.air_calibrate import Run

    try:  # a regular file of bounded size: /dev/zero or a FIFO would never end
        df = pd.read_csv(io.BytesIO(read_regular(path, MAX_CSV_BYTES)))
    except (OSError, ValueError) as exc:
        raise UsageError(f"--from-csv {path}: {str(exc).splitlines()[0]}") from None
    missing = {"rack", "t_inlet_c"} - set(df.columns)
    if missing:
        raise UsageError(
            f"--from-csv {path}: missing column(s) {', '.join(sorted(missing))} (it has "
            f"{', '.join(map(str, df.columns)) or 'none'}; wanted: rack, t_inlet_c, optional "
            "power_kw, t_supply_c)"
        )
    ids = df["rack"].astype(str)
    in_hall = twin.racks.index[twin.racks["hall"].astype(str) == str(hall)]
    stray = np.flatnonzero(~ids.isin(in_hall))
    if len(stray):
        i = int(stray[0])
        where = (
            f"in hall {twin.racks.at[ids.iloc[i], 'hall']}, not {hall} (--hall)"
            if ids.iloc[i] in twin.racks.index
            else f"not a rack of the layout (hall {hall}'s: {_some(in_hall)})"
        )
        raise UsageError(f"--from-csv {path}: line {i + 2}: rack {ids.iloc[i]} is {where}")
    twice = ids.duplicated()
    if twice.any():
        i = int(np.flatnonzero(twice)[0])
        raise UsageError(
            f"--from-csv {path}: line {i + 2}: rack {ids.iloc[i]} is measured twice; "
            "one row per rack (a second run goes in a second CSV)"
        )

    def numbers(col: str, lo: float, hi: float, why: str) -> pd.Series:
        """Column `col` as numbers, each finite and in [lo, hi], or a located UsageError."""
        v = pd.to_numeric(df[col], errors="coerce")
        bad = ~np.isfinite(v) | (v < lo) | (v > hi)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            got = df[col].iloc[i]
            got = repr(got) if isinstance(got, str) else f"{float(got):g}"
            raise UsageError(
                f"--from-csv {path}: line {i + 2}: rack {ids.iloc[i]}: {col} = {got}: must be "
                f"a number in {lo:g}-{hi:g} ({why})"
            )
        return v

    t_in = numbers("t_inlet_c", 0.0, 100.0, "air a rack breathes: neither frozen nor boiling")
    r = twin.racks
    air = r["power_kw"] * (1 - r["liquid_fraction"])
    if "power_kw" in df:
        air = air.copy()
        air.loc[ids] = numbers("power_kw", *_bounds(Rack, "power_kw"), "a rack's").to_numpy()
    crahs = twin.crahs[twin.crahs["hall"] == hall]
    t_sup = (
        float(numbers("t_supply_c", *_bounds(Crah, "t_supply_c"), "a CRAH's").iloc[0])
        if "t_supply_c" in df
        else float(np.average(crahs["t_supply_c"], weights=crahs["airflow_m3_s"]))
    )
    return [Run(air, t_sup, pd.Series(t_in.to_numpy(), index=ids))]


def _some(ids, shown: int = 5) -> str:
    """The first `shown` of `ids`, and how many more."""
    ids = [str(i) for i in ids]
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more


def _bounds(cls, field: str) -> tuple[float, float]:
    """The layout schema's [ge, le] of a field: a CSV value has the layout's limits."""
    meta = cls.model_fields[field].metadata
    lo = next(m.ge for m in meta if hasattr(m, "ge"))
    return lo, next(m.le for m in meta if hasattr(m, "le"))


def run(args) -> int:
    import sys
    from datetime import UTC, datetime

    from twin.layout import calibration, load
    from twin.model import Twin
    from twin.solve.air_calibrate import fit, is_ffd
    from twin.solve.air_calibrate_ffd import describe
    from twin.solve.air_revision import AIR_MODEL_REVISION

    twin = Twin.from_layout(load(args.path, calibration=False))  # "before": as written
    if args.from_cfd:
        runs, halls = _runs_from_cfd(args.from_cfd)
        if len(halls) > 1:
            raise UsageError(f"--from-cfd: cases of several halls ({', '.join(sorted(halls))})")
        hall = args.hall or halls.pop()
    else:
        if args.hall is None and len(twin.halls) != 1:
            raise UsageError("--hall: the layout has several halls; name one")
        hall = args.hall or str(twin.halls.index[0])
        runs = [r for f in args.from_csv for r in _runs_from_csv(f, twin, hall)]
    if hall not in twin.halls.index:
        raise UsageError(f"--hall {hall}: no such hall in {args.path}")
    ffd = is_ffd(twin, hall)
    if ffd:
        print(
            f"twin calibrate: hall {hall} is on the FFD flow (air_model: ffd): each evaluation "
            "marches it once per run (seconds to minutes)",
            file=sys.stderr,
            flush=True,
        )
    result = fit(twin, hall, runs, progress=lambda m: print(f"  {m}", file=sys.stderr, flush=True))
    model = "ffd" if ffd else "field"
    entry = calibration.entry(
        twin.layout,
        hall,
        {"air_model": model, **{k: round(v, 6) for k, v in result.params.items()}},
        fitted_utc=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        sources=[str(Path(p)) for p in (args.from_cfd or args.from_csv)],
        runs=result.runs,
        racks=result.racks,
        rmse_before_k=round(result.rmse_before_k, 3),
        rmse_after_k=round(result.rmse_after_k, 3),
        max_error_before_k=round(result.max_before_k, 3),
        max_error_after_k=round(result.max_after_k, 3),
        air_model_revision=AIR_MODEL_REVISION[model],  # the code it fitted (checked on load)
    )
    doc, dropped = calibration.document(args.path, entry)
    out = calibration.save(args.path, doc)
    for why in dropped:
        print(f"twin calibrate: note: {why}", file=sys.stderr)
    print(
        f"hall {hall}: {result.runs} run(s), {result.racks} racks; rack inlet RMSE "
        f"{result.rmse_before_k:.2f} K -> {result.rmse_after_k:.2f} K, max error "
        f"{result.max_before_k:.2f} K -> {result.max_after_k:.2f} K"
    )
    for line in describe(result.params):
        print(f"  {line}")
    print(
        f"{out}: calibration written; twin applies it to hall {hall} whenever it loads "
        f"{args.path} (its values override the hall's own) until racks, rows or units move"
    )
    return 0
