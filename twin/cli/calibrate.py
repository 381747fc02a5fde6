"""`twin calibrate PATH --from-cfd DIR [DIR ...] | --from-csv measured.csv [...] [--hall H]`.

Fits a hall's air-field parameters (diffusivity, buoyant drift, supply throw, plume share,
jet entrainment, containment leak; twin.solve.air_calibrate; on an ``air_model: ffd`` hall
the FFD flow's eddy viscosity, diffusivity and containment leak instead, minutes of FFD
marches with a progress line each, twin.solve.air_calibrate_ffd) to reference rack inlets of
one or several runs at once (several load distributions separate the parameters better than
one): OpenFOAM runs read back by `twin cfd run` (their rack heat, airflow and supply
temperature come from the case), or CSVs of measurements (one per run) with columns ``rack`` (id), ``t_inlet_c`` and optionally
``power_kw`` (the rack's power as the layout's ``power_kw``: its ``liquid_fraction`` is taken
off for the air's share; default the layout's) or ``air_kw`` (the heat it gives the air, as
measured), and ``t_supply_c`` (one value for the run, within `SUPPLY_SPREAD_K`; default the
hall's units' setpoint): one row per rack, numbers within the layout's
bounds (t_inlet_c 0-100 C), refused with the CSV line otherwise. Prints the measured rack
inlets (summed over the runs, of the hall's racks), RMSE and max error before and after.

What is not a calibration is refused (exit 2, nothing written; twin.solve.air_calibrate says
why each limit): an empty or header-only CSV, the same CSV twice; a run whose every inlet is
above 45 C (the highest allowable inlet of any ASHRAE class: Fahrenheit?); an inlet more than
1 K below the run's supply air (t_supply_c, else the hall's units' setpoint: no rack breathes
air colder than the units supply; 1 K for the two sensors); fewer measured inlets over all
runs than 2 per fitted parameter (10 for the five of an open hall); and a fit that leaves
more than 2 K RMSE on its own measurements, unless --force: then it is written, and every
load that applies it keeps a caution that the hall's inlets are not validated
(`twin.layout.calibration.AirCalibration.poor`, which also flags such a file written before).

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
from twin.errors import some

MAX_CSV_BYTES = 50_000_000
"""Largest measurement CSV read (a row per rack: 100,000 racks is ~3 MB)."""
SUPPLY_SPREAD_K = 0.5
"""Most a CSV's t_supply_c values may differ: one run has one supply air temperature, read
by sensors of +/-0.5 K as `twin.solve.air_calibrate.BELOW_SUPPLY_TOL_K` assumes [est]."""


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
        help="rack,t_inlet_c[,power_kw|air_kw,t_supply_c]; one file per run (repeatable): "
        "power_kw is the rack's power as in the layout (its liquid_fraction taken off), "
        "air_kw the heat it gives the air; t_supply_c one value for the run",
    )
    p.add_argument("--hall", help="hall id (default: the CFD case's, or the layout's only hall)")
    p.add_argument(
        "--force",
        action="store_true",
        help="write a fit that leaves more than 2 K RMSE on its own inlets (it is applied "
        "with a caution that it is not validated; without --force it is refused)",
    )
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

    wanted = (
        "a header line rack,t_inlet_c[,power_kw|air_kw,t_supply_c] and one row per measured rack"
    )
    try:  # a regular file of bounded size: /dev/zero or a FIFO would never end
        raw = read_regular(path, MAX_CSV_BYTES)
        if not raw.removeprefix(b"\xef\xbb\xbf").strip():
            raise UsageError(f"--from-csv {path}: the file is empty; wanted {wanted}")
        _check_header(path, raw, wanted)
        df = pd.read_csv(io.BytesIO(raw), skipinitialspace=True)
    except UnicodeDecodeError:
        raise UsageError(
            f"--from-csv {path}: not UTF-8 text (UTF-16 or a spreadsheet's binary format?); "
            f"save it as CSV UTF-8 with {wanted}"
        ) from None
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"--from-csv {path}: not a readable CSV ({str(exc).splitlines()[0]}); wanted {wanted}"
        ) from None
    df.columns = [str(c).strip() for c in df.columns]
    missing = {"rack", "t_inlet_c"} - set(df.columns)
    if missing:
        raise UsageError(
            f"--from-csv {path}: missing column(s) {', '.join(sorted(missing))} (it has "
            f"{', '.join(map(str, df.columns)) or 'none'}; wanted: rack, t_inlet_c, optional "
            "power_kw or air_kw, t_supply_c)"
        )
    if df.empty:
        raise UsageError(
            f"--from-csv {path}: a header ({', '.join(map(str, df.columns))}) and no rows: "
            f"no rack is measured; wanted {wanted}"
        )
    ids = df["rack"].astype(str)
    in_hall = twin.racks.index[twin.racks["hall"].astype(str) == str(hall)]
    stray = np.flatnonzero(~ids.isin(in_hall))
    if len(stray):
        i = int(stray[0])
        where = (
            f"in hall {twin.racks.at[ids.iloc[i], 'hall']}, not {hall} (--hall)"
            if ids.iloc[i] in twin.racks.index
            else f"not a rack of the layout (hall {hall}'s: {some(in_hall)})"
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
    if "power_kw" in df and "air_kw" in df:
        raise UsageError(
            f"--from-csv {path}: both power_kw (the rack's power, its liquid share taken off) "
            "and air_kw (the heat it gives the air) given; give one"
        )
    for col in ("power_kw", "air_kw"):  # the rack's power as the layout's power_kw, or its air heat
        if col in df:
            air = air.copy()
            kw = numbers(col, *_bounds(Rack, "power_kw"), "a rack's").to_numpy()
            share = 1 - r.loc[ids, "liquid_fraction"].to_numpy() if col == "power_kw" else 1.0
            air.loc[ids] = kw * share
    crahs = twin.crahs[twin.crahs["hall"] == hall]
    if "t_supply_c" in df:
        t_sups = numbers("t_supply_c", *_bounds(Crah, "t_supply_c"), "a CRAH's").to_numpy(float)
        t_sup = float(t_sups[0])
        odd = np.flatnonzero(np.abs(t_sups - t_sup) > SUPPLY_SPREAD_K)
        if len(odd):
            i = int(odd[0])
            raise UsageError(
                f"--from-csv {path}: line {i + 2}: rack {ids.iloc[i]}: t_supply_c "
                f"{t_sups[i]:g} differs from {t_sup:g} at line 2: a CSV is one run at one "
                "supply air temperature (the units' setpoint); give each rack the same value, "
                "or leave the column out to use the hall's units' setpoint"
            )
        sup_is = f"{t_sup:g} C, its t_supply_c at line 2"
    else:
        t_sup = float(np.average(crahs["t_supply_c"], weights=crahs["airflow_m3_s"]))
        sup_is = f"{t_sup:g} C, hall {hall}'s units' setpoint: the file has no t_supply_c"
    _plausible_inlets(path, ids, t_in.to_numpy(float), t_sup, sup_is)
    return [Run(air, t_sup, pd.Series(t_in.to_numpy(), index=ids))]


def _check_header(path: str, raw: bytes, wanted: str) -> None:
    """Refuse a header pandas would misread in silence: a column named twice (pandas renames
    the second) or a file separated by ';' (a European spreadsheet's CSV: one column)."""
    text = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    header = text.lstrip().splitlines()[0]
    names = [c.strip() for c in header.split(",")]
    twice = sorted({c for c in names if names.count(c) > 1})
    if twice:
        raise UsageError(
            f"--from-csv {path}: line 1: column {twice[0]} is named twice; wanted {wanted}"
        )
    if len(names) == 1 and ";" in header:
        raise UsageError(
            f"--from-csv {path}: line 1: columns separated by ';' ({header.strip()!r}); twin "
            f"reads comma-separated files: save as CSV with ',' separators; wanted {wanted}"
        )


def _plausible_inlets(path: str, ids, t_in, t_sup: float, sup_is: str) -> None:
    """Refuse a run whose inlets cannot be a running hall's in C: every one above the highest
    allowable inlet of any ASHRAE class (Fahrenheit?), or one colder than the supply air
    less `BELOW_SUPPLY_TOL_K` (twin.solve.air_calibrate, which says why)."""
    import numpy as np

    from twin.solve.air_calibrate import BELOW_SUPPLY_TOL_K, FAHRENHEIT_ABOVE_C

    if len(t_in) and np.all(t_in > FAHRENHEIT_ABOVE_C):
        i = int(np.argmin(t_in))
        raise UsageError(
            f"--from-csv {path}: every t_inlet_c is above {FAHRENHEIT_ABOVE_C:g} C (the lowest, "
            f"line {i + 2}, rack {ids.iloc[i]}: {t_in[i]:g}): above the highest allowable "
            "rack inlet of any ASHRAE class (A4, 45 C), so no running hall; are they in "
            "Fahrenheit? t_inlet_c is in C (C = (F - 32) / 1.8)"
        )
    low = t_sup - BELOW_SUPPLY_TOL_K
    below = np.flatnonzero(t_in < low)
    if len(below):
        i = int(below[0])
        more = f"; {len(below) - 1} more rows are too" if len(below) > 1 else ""
        raise UsageError(
            f"--from-csv {path}: line {i + 2}: rack {ids.iloc[i]}: t_inlet_c = {t_in[i]:g} C is "
            f"{t_sup - t_in[i]:.1f} K below the supply air ({sup_is}){more}: a rack breathes "
            "air the cooling units supplied, warmed on its way, never colder; allowed: at "
            f"least {low:g} C (the supply less {BELOW_SUPPLY_TOL_K:g} K for the two sensors' "
            "accuracy); check the inlets' unit and sensors, or the run's t_supply_c"
        )


def _known_hall(twin, hall: str, path) -> None:
    """Refuse a hall id the layout does not have, naming its halls."""
    if hall not in twin.halls.index:
        raise UsageError(f"--hall {hall}: no such hall in {path} (halls: {some(twin.halls.index)})")


def _bounds(cls, field: str) -> tuple[float, float]:
    """The layout schema's [ge, le] of a field: a CSV value has the layout's limits."""
    meta = cls.model_fields[field].metadata
    lo = next(m.ge for m in meta if hasattr(m, "ge"))
    return lo, next(m.le for m in meta if hasattr(m, "le"))


def run(args) -> int:
    import sys
    from datetime import UTC, datetime

    from twin.layout import calibration, load
    from twin.layout.calibration import MAX_FIT_RMSE_K, MIN_INLETS_PER_PARAM
    from twin.model import Twin
    from twin.solve.air_calibrate import (
        enough_inlets,
        fit,
        fitted_names,
        is_ffd,
        measured_inlets,
    )
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
        _known_hall(twin, hall, args.path)  # before any CSV line is read against it
        twice = [f for i, f in enumerate(args.from_csv) if f in args.from_csv[:i]]
        if twice:
            raise UsageError(
                f"--from-csv {twice[0]}: given twice; one CSV per run (a run counted twice "
                "is no new measurement)"
            )
        runs = [r for f in args.from_csv for r in _runs_from_csv(f, twin, hall)]
    _known_hall(twin, hall, args.path)
    names = fitted_names(twin, hall)
    n_in = measured_inlets(twin, hall, runs)
    if not enough_inlets(n_in, len(names)):
        src = " ".join(args.from_cfd or args.from_csv)
        raise UsageError(
            f"{'--from-cfd' if args.from_cfd else '--from-csv'} {src}: {n_in} measured rack "
            f"inlet{'s' if n_in != 1 else ''} of hall {hall} over {len(runs)} run(s), for "
            f"{len(names)} fitted parameters ({', '.join(names)}): a fit needs at least "
            f"{MIN_INLETS_PER_PARAM} per parameter, {MIN_INLETS_PER_PARAM * len(names)} (with "
            "fewer, the parameters reproduce any few numbers exactly and say nothing of the "
            "rest of the hall); measure more racks, or add runs at other loads"
        )
    ffd = is_ffd(twin, hall)
    if ffd:
        print(
            f"twin calibrate: hall {hall} is on the FFD flow (air_model: ffd): each evaluation "
            "marches it once per run (seconds to minutes)",
            file=sys.stderr,
            flush=True,
        )
    result = fit(twin, hall, runs, progress=lambda m: print(f"  {m}", file=sys.stderr, flush=True))
    summary = (
        f"hall {hall}: {result.runs} run(s), {result.racks} measured rack inlets (of "
        f"{int((twin.racks['hall'] == hall).sum())} racks); rack inlet RMSE "
        f"{result.rmse_before_k:.2f} K -> {result.rmse_after_k:.2f} K, max error "
        f"{result.max_before_k:.2f} K -> {result.max_after_k:.2f} K"
    )
    poor = result.rmse_after_k > MAX_FIT_RMSE_K
    if poor and not args.force:
        raise UsageError(
            f"{summary}: the fit leaves {result.rmse_after_k:.2f} K RMSE on its own "
            f"measurements, above the {MAX_FIT_RMSE_K:g} K a calibration must reach (the "
            "uncalibrated models' own error, docs/validation.md): the model cannot follow "
            "these inlets, or they are wrong (unit, sensors, supply temperature, racks "
            "named wrongly); NOT written. Check the measurements, or give --force to write "
            "it anyway: it is then applied with a caution that it is not validated"
        )
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
    print(summary)
    for line in describe(result.params):
        print(f"  {line}")
    print(
        f"{out}: calibration written; twin applies it to hall {hall} whenever it loads "
        f"{args.path} (its values override the hall's own) until racks, rows or units move"
    )
    if poor:
        print(
            f"twin calibrate: warning: --force: written with a fit RMSE of "
            f"{result.rmse_after_k:.2f} K (above {MAX_FIT_RMSE_K:g} K): every load of "
            f"{args.path} applies it with a caution that hall {hall}'s inlets are not validated",
            file=sys.stderr,
        )
    return 0
