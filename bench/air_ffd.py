"""The air field's FFD flow (twin.solve.airfield_ffd, a prototype) against the stored CFD rooms.

For every stored OpenFOAM run (bench.air_rooms, docs/validation/*.csv): the rack inlets
of the field on its default potential flow and on the FFD flow (``HallAir.flow = "ffd"``,
one setting for every room), RMSE and max error against the CFD, and the time and cell
count of each FFD hall; then the time of a generated 100-rack hall's field both ways.

    python -m bench.air_ffd                    # every room, default FFD setting
    python -m bench.air_ffd --nu 0.01 --dt 0.1 # another setting (every room alike)
    python -m bench.air_ffd --rooms row pair   # some rooms
    python -m bench.air_ffd --hall 100         # the 100-rack hall only (both marches, timed)
    python -m bench.air_ffd --march previous   # four turnovers every march (before 2026-12-01 12:00)
    python -m bench.air_ffd --cell 0.2         # both flows on 0.2 m cells (the CFD's mesh)
    python -m bench.air_ffd --predict cross    # a blind room's FFD inlets, before its CFD
    python -m bench.air_ffd --ffd-grid both    # the FFD on the uniform and the rack-aligned grid
    python -m bench.air_ffd --spread           # march spread against a 16-turnover march
    python -m bench.air_ffd --spread --rooms row --layouts small-room hall100 --long 16
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import sys
import time

import numpy as np
import pandas as pd

from bench import air_rooms as ar
from twin.solve import air_calibrate as ac
from twin.solve import airfield, airfield_ffd, ffd_march
from twin.solve.airfield_build import K_AIR_KW_PER_M3S_K
from twin.solve.ffd_ahead import one_numba_thread


def _inputs(room: str, load: str):
    """The room's field input at the run's own rack airflows, its rack ids and the run."""
    t = ar.twin(room, load)
    hall = t.halls.index[0]
    run = ac.Run(t.racks["power_kw"], float(t.crahs["t_supply_c"].mean()), pd.Series(dtype=float))
    air, ids = ac.hall_input(t, hall)
    air = ac.run_air(t, hall, air, ids, run)
    p = run.air_kw.reindex(ids).to_numpy(float)
    rise = p / (K_AIR_KW_PER_M3S_K * air.flow_m3_s)  # each rack's exhaust rise, K
    return air, ids, run, rise


def _clear() -> None:
    """Empty the field's caches (and its FFD flux cache, where it has one): a timed build."""
    airfield._CACHE.clear()
    getattr(airfield, "_FFD_CACHE", {}).clear()


def compare(room: str, load: str, **ffd) -> dict:
    """One stored run: potential and FFD inlets against the CFD."""
    ref = ar.cfd(room, load)
    air, ids, run, rise = _inputs(room, load)
    cfd = ref["t_inlet_c"].reindex(ids).to_numpy(float)
    pot = ac._inlets(air, ids, run)
    ffd_air = dataclasses.replace(air, flow="ffd", exhaust_rise_k=rise, **ffd)
    _clear()
    t0 = time.perf_counter()
    shares = airfield.hall_shares(ffd_air)
    sec = time.perf_counter() - t0
    fl = ac._inlets(ffd_air, ids, run)
    e_p, e_f = pot - cfd, fl - cfd
    info = shares.info
    return {
        "room": room,
        "load": load,
        "pot_rmse_k": float(np.sqrt(np.mean(e_p**2))),
        "pot_max_k": float(np.abs(e_p).max()),
        "ffd_rmse_k": float(np.sqrt(np.mean(e_f**2))),
        "ffd_max_k": float(np.abs(e_f).max()),
        "ffd_bias_k": float(e_f.mean()),
        "cells": shares.cells,
        "steps": info["ffd_steps"],
        "step_change": info["ffd_step_change_rel"],  # rms flux change per step / rms flux
        "unsteady": info["ffd_unsteady_rel"],  # rms (last flux - mean flux) / rms flux
        "continuity": info["ffd_continuity_m3_s"],
        "ffd_s": sec,
    }


def table(rooms=None, grids=None, **ffd) -> pd.DataFrame:
    """`compare` for every stored run of `rooms` (default all), on each FFD grid of `grids`
    (`airfield_ffd.GRID`; default the current one) in turn per run."""
    rows = []
    for room, loads in ar.LOADS.items():
        if rooms and room not in rooms:
            continue
        for load in loads:
            if ar.cfd(room, load) is None:
                continue
            for grid in grids or [airfield_ffd.GRID]:
                with ffd_grid(grid):
                    rows.append({"grid": grid, **compare(room, load, **ffd)})
                print(pd.DataFrame(rows[-1:]).round(3).to_string(index=False,
                      header=len(rows) == 1), flush=True)  # fmt: skip
    return pd.DataFrame(rows)


@contextlib.contextmanager
def ffd_grid(grid: str):
    """The FFD flow on `grid` ("uniform" or "aligned", `airfield_ffd.GRID`) for a while."""
    keep = airfield_ffd.GRID
    airfield_ffd.GRID = grid
    try:
        yield
    finally:
        airfield_ffd.GRID = keep


def ffd_inlets(room: str, load: str, **ffd) -> pd.Series:
    """The FFD field's inlets of one room and load, every rack at its full heat."""
    air, ids, run, rise = _inputs(room, load)
    ffd_air = dataclasses.replace(air, flow="ffd", exhaust_rise_k=rise, **ffd)
    return pd.Series(ac._inlets(ffd_air, ids, run), index=ids, name="t_inlet_c")


def predict(room: str, tag: str = "", **ffd) -> None:
    """Store the FFD field's inlets of every load of `room` (docs/validation/blind/
    ``<room>-<load>-ffd.csv``, or ``-ffd-<tag>.csv`` for a setting other than the default), to
    be committed before the room's CFD is read: a blind test."""
    ar.check_blind(room)
    for load in ar.LOADS[room]:
        m = ffd_inlets(room, load, **ffd)
        m.index.name = "id"
        name = f"{room}-{load}-ffd{'-' + tag if tag else ''}.csv"
        m.to_csv(ar.OUT / "blind" / name, float_format="%.3f")


def hall_time(n: int = 100, repeat: int = 1, **ffd) -> dict:
    """A generated n-rack hall (bench.air.hall_layout): the field's build on potential flow and
    on FFD (this march and the previous one, `march`), from an empty cache; the fastest of
    `repeat` runs of each."""
    from bench.air import hall_layout
    from twin.layout.validate import validate_data
    from twin.model import Twin

    doc = hall_layout(n)
    doc["halls"][0]["air_model"] = "field"
    doc["halls"][0]["containment"] = "none"
    t = Twin.from_layout(validate_data(doc, "bench"))
    air, _ = ac.hall_input(t, t.halls.index[0])
    out = {}
    # the FFD twice: the first in a process also loads (or compiles) its numba kernels; then
    # the previous march (four turnovers, every march to its end), this one on one numba
    # thread (as the N-1's workers run it; --serial-peer times the serially compiled kernels)
    # and on every core
    runs = ["potential", "ffd_first"] + ["ffd_previous", "ffd_one", "ffd"] * repeat
    for flow in runs:
        kind = flow.split("_")[0]
        a = dataclasses.replace(air, flow=kind, **(ffd if kind == "ffd" else {}))
        _clear()
        with (
            march("previous" if flow == "ffd_previous" else "settle"),
            one_numba_thread(flow == "ffd_one"),
        ):
            t0, c0 = time.perf_counter(), time.process_time()
            s = airfield.hall_shares(a)
            took = {"s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}
        best = out.setdefault(flow, {"s": np.inf, "cpu_s": np.inf, "cells": s.cells})
        best.update({k: min(best[k], v) for k, v in took.items()})
        if kind == "ffd":
            out[flow]["info"] = {k: v for k, v in s.info.items()
                                 if k.startswith("ffd") and np.isscalar(v)}  # fmt: skip
    return out


@contextlib.contextmanager
def march(kind: str):
    """The FFD march of `twin.solve.airfield_ffd` as it is ("settle": a hopeless march given
    up, a settled one stopped) or as before 2026-12-01 12:00 UTC ("previous": four turnovers
    every march; the same arithmetic, bench.air_ffd times both)."""
    keep = airfield_ffd.GIVE_UP, airfield_ffd.SETTLE_AVG_REL
    if kind == "previous":
        airfield_ffd.GIVE_UP, airfield_ffd.SETTLE_AVG_REL = False, 0.0
    try:
        yield
    finally:
        airfield_ffd.GIVE_UP, airfield_ffd.SETTLE_AVG_REL = keep


def _spread_airs(rooms, layouts):
    """(name, FFD field input) of every stored run of `rooms` (all where None, none where
    empty), then of each of `layouts` (a shipped layout's name or path, or ``hall100``: the
    generated 100-rack hall of `hall_time`)."""
    from twin.layout import load
    from twin.model import Twin
    from twin.solve.airfield_build import hall_air
    from twin.solve.rack_airflow import design_air_kw, rack_k_kw_per_k

    for room, loads in ar.LOADS.items():
        for ld in loads:
            if (rooms is None or room in rooms) and ar.cfd(room, ld) is not None:
                air, _, _, rise = _inputs(room, ld)
                yield f"{room} {ld}", dataclasses.replace(air, flow="ffd", exhaust_rise_k=rise)
    for name in layouts or []:
        if name.startswith("hall"):
            from bench.air import hall_layout
            from twin.layout.validate import validate_data

            doc = hall_layout(int(name[4:]))
            doc["halls"][0]["air_model"] = "field"
            doc["halls"][0]["containment"] = "none"
            t = Twin.from_layout(validate_data(doc, "bench"))
            yield name, dataclasses.replace(ac.hall_input(t, t.halls.index[0])[0], flow="ffd")
            continue
        t = Twin.from_layout(load(name if name.endswith(".yaml") else f"layouts/{name}.yaml"))
        racks = t.racks
        k = rack_k_kw_per_k(design_air_kw(racks), racks.get("airflow_m3_s"))
        for h, hid in enumerate(t.halls.index):
            idx = np.flatnonzero((racks["hall"] == hid).to_numpy())
            air = hall_air(t, h, idx, k)
            if not isinstance(air, str):
                yield f"{name} {hid}", dataclasses.replace(air, flow="ffd")


def _previous_spread(b_windows, b_answer, rise_k, row_max) -> float:
    """The spread before 2026-12-01 20:00 UTC: the last of three windows plus the geometric
    tail of its move (one move where the moves do not shrink), |heading - answer|."""

    def inlets(b):
        return ffd_march.tang_inlets(b, rise_k, row_max)

    th = [inlets(b) for b in b_windows[-3:]]
    move = th[-1] - th[-2]
    last, before = float(np.abs(move).max()), float(np.abs(th[-2] - th[-3]).max())
    rho = last / before if before > 0.0 else (0.0 if last == 0.0 else 1.0)
    tail = 1.0 if rho >= ffd_march.TAIL_RATIO_MAX else rho / (1.0 - rho)
    return float(np.abs(th[-1] + move * tail - inlets(b_answer)).max())


def spread_table(rooms, layouts, long_turnovers: float = 16.0) -> pd.DataFrame:
    """Per case: the march spread the field reports (`ffd_march.march_spread`) and the previous
    estimate's, against the true remaining change: the largest |answer - a march of
    `long_turnovers` turnovers with no early stop| over the racks (Tang's inlets at the racks'
    exhaust rise, as the spread reads them); the reported build's CPU s and the long march's.
    The on-disk flux store is bypassed (its key does not see the march's length)."""
    import os

    os.environ["TWIN_FFD_STORE"] = "0"
    got: dict = {}
    keep = ffd_march.march_spread

    def record(b_w, b_a, rise_k, row_max):
        out = keep(b_w, b_a, rise_k, row_max)
        got.update(out, previous=_previous_spread(b_w, b_a, rise_k, row_max))
        return out

    def inlets(air, turnovers, settle):
        airfield_ffd.TURNOVERS, airfield_ffd.SETTLE_AVG_REL = turnovers, settle
        _clear()
        got.clear()
        c0 = time.process_time()
        s = airfield._solve(air)
        th = ffd_march.tang_inlets(s.b_mean, air.exhaust_rise_k)  # rows as the field scaled them
        return th, dict(got), time.process_time() - c0

    rows = []
    base = airfield_ffd.TURNOVERS, airfield_ffd.SETTLE_AVG_REL
    ffd_march.march_spread = record
    try:
        for name, air in _spread_airs(rooms, layouts):
            th, info, cpu = inlets(air, *base)
            ref, _, cpu_long = inlets(air, long_turnovers, 0.0)
            true = float(np.abs(th - ref).max())
            rows.append({"case": name, "spread_k": info["ffd_march_spread_k"],
                         "lower": info["ffd_march_spread_lower"], "true_k": true,
                         "ratio": info["ffd_march_spread_k"] / max(true, 1e-12),
                         "previous_k": info["previous"],
                         "previous_ratio": info["previous"] / max(true, 1e-12),
                         "cpu_s": cpu, "long_cpu_s": cpu_long})  # fmt: skip
            print(pd.DataFrame(rows[-1:]).round(3).to_string(index=False,
                  header=len(rows) == 1), flush=True)  # fmt: skip
    finally:
        ffd_march.march_spread = keep
        airfield_ffd.TURNOVERS, airfield_ffd.SETTLE_AVG_REL = base
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.air_ffd", description=__doc__.split("\n")[0])
    ap.add_argument("--rooms", nargs="*", choices=sorted(ar.LOADS))
    ap.add_argument("--nu", type=float, default=airfield_ffd.NU_M2_S, help="eddy viscosity m2/s")
    ap.add_argument("--dt", type=float, default=airfield_ffd.DT_S, help="time step s")
    ap.add_argument("--hall", type=int, default=None, help="only time an N-rack hall")
    ap.add_argument("--no-buoyancy", action="store_true", help="diagnostic: momentum only")
    ap.add_argument("--zero-equation", action="store_true", help="Chen-Xu nu_t, not --nu")
    ap.add_argument(
        "--tile-open-depth", type=float, default=airfield_ffd.TILE_OPEN_DEPTH_M, help="m"
    )
    ap.add_argument("--midpoint", action="store_true", help="second-order back-trace")
    ap.add_argument("--cell", type=float, default=None, help="experiment: field cell size, m")
    ap.add_argument("--predict", choices=sorted(ar.LOADS), help="store a blind room's inlets")
    ap.add_argument("--predict-tag", default="", help="--predict: the files' tag (a setting)")
    ap.add_argument("--march", choices=["settle", "previous"], default="settle",
                    help="the rooms' FFD march: as it is, or four turnovers every march")  # fmt: skip
    ap.add_argument("--repeat", type=int, default=1, help="hall: runs of each march (fastest)")
    ap.add_argument("--ffd-grid", choices=["uniform", "aligned", "both"], default=airfield_ffd.GRID,
                    help="the FFD's grid (both: each room and the hall on each, same run)")  # fmt: skip
    ap.add_argument(
        "--spread",
        action="store_true",
        help="march spread against a long march (--rooms, --layouts, --long)",
    )
    ap.add_argument(
        "--layouts", nargs="*", default=None, help="--spread: layouts (name or path) or hall100 too"
    )
    ap.add_argument("--long", type=float, default=16.0, help="--spread: the long march, turnovers")
    ap.add_argument(
        "--serial-peer",
        action="store_true",
        help="hall: also time it in a process whose march kernels are compiled serially "
        "(TWIN_FFD_PARALLEL=0, as before 2026-12-02 14:30 UTC), alternated with this one",
    )
    args = ap.parse_args(argv)
    if args.spread:
        lay = ["small-room", "ai-factory-hall", "hall100"] if args.layouts is None else args.layouts
        df = spread_table(args.rooms, lay, args.long)
        print(df.round(3).to_string(index=False))
        return
    airfield_ffd.TILE_OPEN_DEPTH_M = args.tile_open_depth
    if args.cell:  # both flows on a finer grid than the field's (MIN_CELL_M, MAX_CELLS)
        from twin.solve import airfield_grid

        airfield_grid.MIN_CELL_M, airfield_grid.MAX_CELLS = args.cell, 200_000
        airfield_grid.MAX_CELLS_ALIGNED = 400_000
        grid = airfield_grid._grid

        def fine(size, _width):
            return grid(size, 2.0 * args.cell)

        # the uniform grid, and the aligned one's target cell (it calls airfield_grid._grid)
        airfield._grid = airfield_grid._grid = fine
    if args.no_buoyancy or args.zero_equation or args.midpoint:  # switches of ffd_flux itself
        airfield_ffd.ffd_flux = functools.partial(
            airfield_ffd.ffd_flux,
            buoyancy=not args.no_buoyancy,
            zero_equation=args.zero_equation,
            midpoint=args.midpoint,
        )
    ffd = {"ffd_nu_m2_s": args.nu, "ffd_dt_s": args.dt}
    print(
        f"FFD setting: nu {'Chen-Xu' if args.zero_equation else args.nu} m2/s, dt {args.dt} s, "
        f"{airfield_ffd.TURNOVERS} turnovers, buoyancy {not args.no_buoyancy}, "
        f"tile open depth {args.tile_open_depth} m, cell {args.cell or 'the field default'}, "
        f"FFD grid {args.ffd_grid}"
    )
    grids = ["uniform", "aligned"] if args.ffd_grid == "both" else [args.ffd_grid]
    if args.predict:
        predict(args.predict, args.predict_tag, **ffd)
        return
    if args.hall is None:
        with march(args.march):
            df = table(args.rooms, grids, **ffd)
        print(df.round(2).to_string(index=False))
        if len(grids) > 1:  # side by side, and the mean over the rooms' runs
            wide = df.pivot_table(index=["room", "load"], columns="grid", sort=False,
                                  values=["ffd_rmse_k", "ffd_max_k", "ffd_s"])  # fmt: skip
            print(wide.round(2).to_string())
            print("mean:", wide.mean().round(3).to_dict())
    if args.cell and args.hall is None:
        return  # the 100-rack hall is timed on the field's own grid
    n = args.hall or 100
    for grid in grids:
        for _ in range(2 if args.serial_peer else 1):
            if args.serial_peer:
                _serial_peer([*(argv if argv is not None else sys.argv[1:])], grid)
            with ffd_grid(grid):
                h = hall_time(n, args.repeat, **ffd)
            print(f"FFD grid {grid}: ", end="")
            _print_hall(n, h)


def _serial_peer(argv: list[str], grid: str) -> None:
    """This bench's hall timing in a child process whose march kernels are compiled without
    numba's parallel loops (TWIN_FFD_PARALLEL=0, a cache of its own: the same functions
    compiled the other way); prints its line."""
    import os
    import subprocess
    import tempfile

    args = [a for a in argv if a != "--serial-peer"]
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "TWIN_FFD_PARALLEL": "0", "NUMBA_CACHE_DIR": cache}
        out = subprocess.run(
            [sys.executable, "-m", "bench.air_ffd", *args, "--ffd-grid", grid],
            env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    print("serial kernels: " + out.strip().splitlines()[-1])


def _print_hall(n: int, h: dict) -> None:
    print(f"{n}-rack hall: potential {h['potential']['s']:.2f} s, FFD {h['ffd']['s']:.2f} s "
          f"({h['ffd']['cpu_s']:.2f} CPU s: load moves it less; on one thread "
          f"{h['ffd_one']['s']:.2f} s, {h['ffd_one']['cpu_s']:.2f} CPU s; the previous march "
          f"{h['ffd_previous']['s']:.2f} s, {h['ffd_previous']['cpu_s']:.2f} CPU s, same run) "
          f"(first in the process {h['ffd_first']['s']:.2f} s: numba kernels loaded or compiled; "
          f"{h['ffd']['cells']:,} cells); {h['ffd']['info']}")  # fmt: skip


if __name__ == "__main__":
    main()
