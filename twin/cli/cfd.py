"""`twin cfd export PATH --hall H -o DIR [--fail UNIT ...]` and `twin cfd run DIR`: a hall as an
OpenFOAM case.

export writes a runnable buoyantSimpleFoam case of one hall (twin.interop.openfoam);
run meshes and solves it (mpirun on several cores when available), shows the
iterations, and prints each rack's inlet temperature (window mean, spread, max) with
the heat balance of the returns (`python -m bench.air_rooms table` and
`bench.air_stopped table` set them beside the twin's air models).
"""

from __future__ import annotations

import json
import os
import sys

from twin.cli.common import (
    UsageError,
    add_list,
    add_path,
    check_output_dir,
    dumps,
    float_in,
    int_in,
)


def register(sub) -> None:
    p = sub.add_parser("cfd", help="OpenFOAM case of a hall: export, run, read inlets back")
    cmd = p.add_subparsers(dest="cfd_command", required=True, metavar="ACTION")
    e = cmd.add_parser("export", help="write a buoyantSimpleFoam case of one hall")
    add_path(e)
    e.add_argument("--hall", required=True, help="hall id")
    e.add_argument("-o", "--output", required=True, metavar="DIR", help="new or empty folder")
    e.add_argument(
        "--cell", type=float_in(0.05, 1.0), default=None, metavar="M", help="mesh size, m"
    )
    e.add_argument("--iterations", type=int_in(10, 100_000), default=None, help="SIMPLE iterations")
    add_list(
        e,
        "--fail",
        default=[],
        metavar="UNIT",
        help="cooling units of the hall stopped (their cabinets stay, their openings close)",
    )
    e.set_defaults(func=run_export)
    r = cmd.add_parser("run", help="mesh and run an exported case, print rack inlets")
    r.add_argument("case", metavar="DIR", help="folder written by twin cfd export")
    r.add_argument(
        "--np", type=int_in(1, 256), default=None, help="cores (default: all, at most 2)"
    )
    r.add_argument(
        "--iterations",
        type=int_in(10, 1_000_000),
        default=None,
        help="run to this iteration: past what the case has reached, it continues from there "
        "(a run that did not converge); default: the exported number, from the start",
    )
    r.add_argument("--json", action="store_true", help="print JSON instead of a table")
    r.set_defaults(func=run_run)


def run_export(args) -> int:
    from twin.interop.openfoam import CELL_M, ITERATIONS, MANIFEST, export_hall
    from twin.model import Twin

    check_output_dir(args.output, "-o")
    twin = Twin.load(args.path)
    out = export_hall(
        twin,
        args.hall,
        args.output,
        cell_m=args.cell or CELL_M,
        iterations=args.iterations or ITERATIONS,
        stopped=list(dict.fromkeys(args.fail)),
    )
    man = json.loads((out / MANIFEST).read_text())
    (nx, ny, nz), (dx, dy, dz) = man["cells"], man["cell_m"]
    print(
        f"{out}: OpenFOAM case of hall {args.hall}: {len(man['rack_ids'])} racks, "
        f"{nx} x {ny} x {nz} = {nx * ny * nz:,} cells of {dx:.3g} x {dy:.3g} x {dz:.3g} m "
        f"(before the racks' and units' bodies are cut out); run it with: twin cfd run {out}"
    )
    return 0


def run_run(args) -> int:
    from pathlib import Path

    from twin.interop.openfoam_run import BALANCE_PCT, read_inlets, run_case

    case = Path(args.case)
    if not case.is_dir():
        raise UsageError(f"{case}: no such folder")
    cores = args.np or min(2, os.cpu_count() or 1)
    tty = sys.stderr.isatty()

    def progress(i: int, n: int) -> None:
        if tty:
            print(f"\rbuoyantSimpleFoam: iteration {i:,}/{n:,}", end="", file=sys.stderr)
        elif i % max(1, n // 10) == 0:
            print(f"buoyantSimpleFoam: iteration {i:,}/{n:,}", file=sys.stderr)

    run_case(case, np_cores=cores, progress=progress, iterations=args.iterations)
    if tty:
        print(file=sys.stderr)
    inlets, summary = read_inlets(case)
    if not summary["converged"]:
        res = ", ".join(f"{k} {v:.1e}" for k, v in summary["residuals"].items())
        print(
            f"twin cfd run: NOT CONVERGED: the returns carry {summary['balance_pct']:+.1f} % of "
            f"the racks' heat (more than {BALANCE_PCT:g} % off) after {summary['iterations']} "
            f"iterations (last initial residuals: {res or 'no solver log'}); continue it "
            f"before trusting these inlets: twin cfd run {case} --iterations "
            f"{2 * summary['iterations']}",
            file=sys.stderr,
        )
    if args.json:
        print(dumps({"racks": inlets.reset_index().to_dict("records"), "summary": summary}))
        return 0
    state = "converged" if summary["converged"] else "NOT CONVERGED"
    res = summary["residuals"]
    print(
        f"hall {summary['hall']}: {summary['iterations']} iterations, {state}; returns carry "
        f"{summary['return_heat_kw']:.1f} kW of the racks' {summary['rack_heat_kw']:.1f} kW "
        f"({summary['balance_pct']:+.1f} %); "
        + (f"largest residual {max(res.values()):.1e}" if res else "no solver log")
    )
    print(f"{'rack':<16}{'inlet C':>10}{'spread K':>10}{'max C':>10}")
    for rid, row in inlets.iterrows():
        print(
            f"{rid:<16}{row['t_inlet_c']:>10.2f}{row['t_inlet_spread_k']:>10.2f}"
            f"{row['t_inlet_max_c']:>10.2f}"
        )
    return 0
