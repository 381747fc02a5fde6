"""CFD validation rooms of the air model (docs/validation.md), and their OpenFOAM runs.

Two geometries, several load distributions each:

- ``row``: one row of 10 racks (inlets facing -y) in a 10 x 6 x 3 m room, one
  DX unit at the west end blowing along the cold aisle, return at the ceiling
  above it: the issue's "inlets rise away from the unit" case.
- ``pair``: two rows of 8 racks back to back around a hot aisle in a 12 x 9 x
  3.6 m room, two units on the west wall: a small enterprise room.
- ``end``: three rows of 8 racks in a 14 x 10 x 3.2 m room (a hot aisle between
  A and B, a cold aisle between B and C, C's back 1.2 m from the north wall), two units
  at the east end blowing west along the cold aisles: the blind room, whose
  model inlets were committed before its CFD was run (`BLIND`).
- ``floor``: two rows of 8 racks back to back around a 1.6 m hot aisle in a 12 x
  8 x 3 m room over a 0.6 m raised floor, two units on the west wall supplying
  through the tiles in front of the racks: the second blind room (the usual
  enterprise room), predicted after `end` had been run and before its own CFD.
- ``tiles``: two rows of 10 racks facing each other across a 1.2 m cold aisle in a 12
  x 9 x 3.2 m room over a 0.6 m raised floor, the tiles in the cold aisle, two units on
  the south wall (returns at the ceiling above them): the third blind room, predicted
  after the sixth pass's tile change (2026-12-01) and before its own CFD.
- ``cross``: three rows of 8 racks in a 13 x 10 x 3.4 m room (a hot aisle between A and
  B, a cold aisle between B and C), one unit on the west wall blowing east down the cold
  aisle and one on the east wall blowing west along row A's fronts: the fourth blind
  room, predicted (2026-12-01, seventh pass) before its own CFD.
- ``dense``: two rows of 8 denser racks (12 kW mean) facing each other across a 1.4 m cold
  aisle in a 10 x 8.4 x 3.4 m room, one unit at each end of the cold aisle, the two jets
  blowing at each other; uniform and GPU/NPU-alternating (20 and 4 kW) loads: the fifth
  blind room (eighth pass, 2026-12-01), its CFD run before any model's inlets were stored
  and read only after they were committed.
- ``small-room``: the shipped layout `layouts/small-room.yaml` at its own rack powers
  (`LAYOUT_ROOMS`): two rows of 10 enterprise racks around a hot aisle, units on the west and
  east walls; the sixth blind room (its three models' inlets committed before its CFD was read).
- ``north``: two rows of 10 racks back to back around a 1.6 m hot aisle in a 12 x 10 x 3.2 m
  room without a raised floor, two units on the north wall blowing south across the rows:
  row B's fronts face the units, row A's face the far (south) wall, so its air must come
  round the row ends or over the top; uniform and south-heavy (row A 12 kW, row B 4 kW)
  loads: the seventh blind room (2026-12-03), predicted at two FFD eddy viscosities before
  its CFD was run.

    python -m bench.air_rooms run row uniform   # export, run OpenFOAM, store the inlets
    python -m bench.air_rooms run row ramp --iterations 2000 --case-root /tmp/twin-cfd-A
    python -m bench.air_rooms iterations row ramp --case-root /tmp/twin-cfd-A  # 800 vs end
    python -m bench.air_rooms read pair uniform --window 0.5 --case-root /tmp/twin-cfd-A
    python -m bench.air_rooms table             # model vs stored CFD inlets
    python -m bench.air_rooms calibrate         # fit on two loads, score the third
    python -m bench.air_rooms calibrate --model ffd row   # the same for the FFD flow
    python -m bench.air_rooms predict end       # a blind room's model inlets, before its CFD
    python -m bench.air_rooms plot              # docs/img/air-validation.png

Stored CFD inlets: docs/validation/<room>-<load>.csv (rack id, t_inlet_c, spread, max);
each run's iterations, heat balance, spread, wall time and machine load are appended to
docs/validation/runs.csv, so the docs can quote them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from twin.interop.openfoam_run import WINDOW, read_inlets
from twin.layout.validate import validate_data
from twin.model import Twin
from twin.solve.airfield_build import K_AIR_KW_PER_M3S_K

OUT = Path(__file__).resolve().parent.parent / "docs" / "validation"
CELL_M = {
    "row": 0.25,
    "pair": 0.3,
    "end": 0.2,
    "floor": 0.2,
    "tiles": 0.2,
    "cross": 0.2,
    "dense": 0.2,
    "small-room": 0.2,
    "small-room-contained": 0.2,
    "north": 0.2,
}
"""Mesh size per room (coarse, so that a run takes minutes on 2 shared cores)."""
ITERATIONS = 2000
"""SIMPLE iterations of a stored run: at 800 the `row` runs had not settled (returns' heat
balance -12 %); at 2,000 `row` uniform balanced to +0.1 % (docs/validation.md)."""
RUNS = OUT / "runs.csv"
"""One row per stored run (room, load, iterations, heat balance, spread, wall time, load)."""

_END_STEPPED = [12.0] * 8 + [4.0] * 8 + list(np.linspace(4.0, 12.0, 8))
_FLOOR_STEPPED = [12.0] * 8 + [4.0] * 8
LOADS = {
    "row": {
        "uniform": [8.0] * 10,
        "ramp": list(np.linspace(4.0, 12.0, 10)),
        "hotspot": [5.0] * 4 + [15.0, 15.0] + [5.0] * 4,
    },
    "pair": {
        "uniform": [8.0] * 16,
        "west-heavy": [12.0] * 4 + [4.0] * 4 + [12.0] * 4 + [4.0] * 4,
        "mixed": [4.0, 6.0, 8.0, 14.0, 14.0, 8.0, 6.0, 4.0] * 2,
    },
    "end": {
        "uniform": [8.0] * 24,
        "stepped": _END_STEPPED,
        "stepped-fixed-flow": _END_STEPPED,  # at uniform's airflows (`FIXED_FLOW`)
    },
    "floor": {
        "uniform": [8.0] * 16,
        "stepped": _FLOOR_STEPPED,
        "stepped-fixed-flow": _FLOOR_STEPPED,
    },
    "tiles": {
        "uniform": [7.0] * 20,
        "ramp": list(np.linspace(4.0, 12.0, 10)) + list(np.linspace(12.0, 4.0, 10)),
    },
    "cross": {
        "uniform": [9.0] * 24,
        "hot-middle": [4.0] * 8 + [6.0, 6.0, 8.0, 16.0, 16.0, 8.0, 6.0, 6.0] + [14.0] * 8,
    },
    "dense": {  # GPU racks (20 kW of air heat) beside NPU inference racks (4 kW), alternating
        "uniform": [12.0] * 16,
        "gpu-npu": [20.0, 4.0] * 4 + [4.0, 20.0] * 4,
    },
    "north": {
        "uniform": [8.0] * 20,
        "south-heavy": [12.0] * 10 + [4.0] * 10,  # row A (facing the far wall) the hot one
    },
    "small-room": {"design": None},  # the shipped layout, at its own rack powers
    "small-room-contained": {"design": None},
}
FIXED_FLOW = {"floor": "uniform", "end": "uniform"}
"""The load whose rack airflows a room's ``<load>-fixed-flow`` loads keep (140 CFM/kW of
8 kW): the same heat as ``<load>``, so a run differs from the uniform one in its heat
only; what `bench.air_frozen` needs to tell buoyancy apart from the racks' airflow
(docs/validation.md)."""
BLIND = {"end", "floor", "tiles", "cross", "dense", "small-room", "small-room-contained", "north"}
"""Rooms held out of every choice of the model: their model inlets were stored
(docs/validation/blind/) and committed before their CFD was run."""


def _unit(uid: str, hall: str, x: float, y: float, facing: str, flow: float) -> dict:
    return {
        "id": uid,
        "hall": hall,
        "type": "crac",
        "capacity_kw": 150.0,
        "airflow_m3_s": flow,
        "fan_kw": 3.0,
        "t_supply_c": 18.0,
        "position_m": [x, y],
        "facing": facing,
    }


ROOMS = {
    # room: hall id, size (x, y, height) m, rows (id, origin x, y, facing), units (x, y, facing)
    "row": ("ROW", (10.0, 6.0, 3.0), [("R", 2.0, 3.0, "-")], [(0.5, 1.2, "+x")]),
    "pair": (
        "PAIR",
        (12.0, 9.0, 3.6),
        [("A", 3.0, 3.0, "-"), ("B", 3.0, 6.0, "+")],
        [(0.5, 1.2, "+x"), (0.5, 7.8, "+x")],
    ),
    "end": (
        "END",
        (14.0, 10.0, 3.2),
        [("A", 5.0, 2.6, "-"), ("B", 5.0, 5.4, "+"), ("C", 5.0, 8.2, "-")],
        [(13.4, 1.2, "-x"), (13.4, 6.8, "-x")],
    ),
    "floor": (
        "FLOOR",
        (12.0, 8.0, 3.0),
        [("A", 3.0, 2.6, "-"), ("B", 3.0, 5.4, "+")],
        [(0.5, 1.2, "+x"), (0.5, 6.8, "+x")],
    ),
    "tiles": (
        "TILES",
        (12.0, 9.0, 3.2),
        [("A", 2.0, 3.3, "+"), ("B", 2.0, 5.7, "-")],
        [(3.0, 0.5, "+y"), (9.0, 0.5, "+y")],
    ),
    "cross": (  # units on opposite walls, each blowing along an aisle of intakes
        "CROSS",
        (13.0, 10.0, 3.4),
        [("A", 2.5, 2.8, "-"), ("B", 2.5, 5.6, "+"), ("C", 2.5, 8.4, "-")],
        [(0.5, 7.0, "+x"), (12.5, 1.2, "-x")],
    ),
    "dense": (  # one cold aisle, a unit at each end: the two jets meet mid-aisle
        "DENSE",
        (10.0, 8.4, 3.4),
        [("A", 2.6, 2.9, "+"), ("B", 2.6, 5.5, "-")],
        [(0.5, 4.2, "+x"), (9.5, 4.2, "-x")],
    ),
    "north": (  # units on a long wall blowing across the rows: one row faces them, one away
        "NORTH",
        (12.0, 10.0, 3.2),
        [("A", 3.0, 2.8, "-"), ("B", 3.0, 5.6, "+")],
        [(4.5, 9.5, "-y"), (7.5, 9.5, "-y")],
    ),
}
"""The validation rooms' geometry: rows of equal length along x, DX units at a wall."""
HALL_EXTRA = {"floor": {"plenum_m": 0.6}, "tiles": {"plenum_m": 0.6}}
"""Hall fields beyond the geometry: `floor` has a raised floor (supply through the tiles)."""


def layout(room: str, powers: list[float], airflow_m3_s: float | None = None) -> dict:
    """A validated-ready layout dict of `room` with rack powers `powers` (kW), row by row, and
    every rack's airflow `airflow_m3_s` if given (else it follows its power)."""
    if room not in ROOMS:
        raise ValueError(f"room {room!r}: {', '.join(ROOMS)}")
    hid, (w, d, h), rows, unit_at = ROOMS[room]
    n = len(powers) // len(rows)
    hall = {
        "id": hid,
        "air_model": "field",
        "size_m": [w, d],
        "height_m": h,
        **HALL_EXTRA.get(room, {}),
        "rows": [{"id": r, "origin_m": [x, y], "axis": "x", "facing": f} for r, x, y, f in rows],
        "racks": [
            {"id": f"{r}{i + 1:02d}", "row": r, "slot": i, "power_kw": float(p), "feed_a": "PDU"}
            | ({} if airflow_m3_s is None else {"airflow_m3_s": airflow_m3_s})
            for k, (r, *_) in enumerate(rows)
            for i, p in enumerate(powers[k * n : (k + 1) * n])
        ],
    }
    units = [_unit(f"U{u + 1}", hid, x, y, f, 8.0) for u, (x, y, f) in enumerate(unit_at)]
    return {
        "format_version": 1,
        "site": {"name": f"validation {room}", "grid_mw": 1.0},
        "halls": [hall],
        "power": {
            "utilities": [{"id": "UTIL", "voltage_kv": 0.415, "capacity_mva": 1.0}],
            "pdus": [{"id": "PDU", "upstream": "UTIL", "rating_kva": 500.0}],
        },
        "cooling": {"crahs": units},
    }


LAYOUT_ROOMS = {
    "small-room": Path(__file__).resolve().parent / "rooms" / "small-room-open.yaml",
    "small-room-contained": Path(__file__).resolve().parent / "rooms" / "small-room-contained.yaml",
}
"""Rooms that are a shipped layout's hall, at its own rack powers (load ``design``): what users
run first. `small-room` (two rows of 10 enterprise racks, 5-15 kW, around an open hot aisle,
two units on the west wall and one on the east) is layouts/small-room.yaml as shipped until
2026-12-01, predicted blind that day (1374fff); the shipped layout has contained its hot aisle
since (its open racks overheat), so the validated room is kept as it was (bench/rooms/), and
the contained one beside it (`small-room-contained`, predicted blind too)."""


def twin(room: str, load: str, air_model: str = "field") -> Twin:
    if room in LAYOUT_ROOMS:
        import yaml

        path = LAYOUT_ROOMS[room]
        data = yaml.safe_load(path.read_text())
        for hall in data["halls"]:
            hall["air_model"] = air_model
        return Twin.from_layout(validate_data(data, str(path)))
    flow = None
    if load.endswith("-fixed-flow"):  # every rack at the base load's airflow
        from twin.solve.airflow import rack_k_kw_per_k

        base = np.asarray(LOADS[room][FIXED_FLOW[room]], float)
        flow = float(rack_k_kw_per_k(base[:1])[0] / K_AIR_KW_PER_M3S_K)
    data = layout(room, LOADS[room][load], flow)
    data["halls"][0]["air_model"] = air_model
    return Twin.from_layout(validate_data(data, f"{room}-{load}"))


def run(
    room: str,
    load: str,
    case_root: Path = Path("/tmp/twin-cfd"),
    iterations: int = ITERATIONS,
    store: bool = True,
    cell_m: float | None = None,
    window: float = WINDOW,
    np_cores: int = 2,
) -> pd.DataFrame:
    """Export, run and (if `store`) store one CFD room (minutes to tens of minutes). On a
    machine busy with other jobs one core (`np_cores` 1) runs faster than two: the two MPI
    ranks wait on each other whenever either is descheduled.

    A mesh other than the room's `CELL_M` (a mesh check) is stored apart, in
    docs/validation/mesh-check/<room>-<load>-<cell>m.csv, never as the reference."""
    cell = CELL_M[room] if cell_m is None else cell_m
    tag = "" if cell == CELL_M[room] else f"-{cell:g}m"
    from twin.interop.openfoam import export_hall
    from twin.interop.openfoam_run import run_case

    t = twin(room, load)
    case = case_root / f"{room}-{load}{tag}"
    if case.exists():
        import shutil

        shutil.rmtree(case)
    export_hall(t, t.halls.index[0], case, cell_m=cell, iterations=iterations)
    started = dt.datetime.now(dt.UTC)
    load_start = os.getloadavg()[0]
    t0 = time.perf_counter()
    step = max(100, iterations // 10)
    run_case(
        case,
        np_cores=np_cores,
        progress=lambda i, n: i % step == 0 and print(f"{i}/{n}", flush=True),
    )
    wall = time.perf_counter() - t0
    inlets, summary = read_inlets(case, window=window)
    record = {
        "room": room,
        "load": load,
        "iterations": summary["iterations"],
        "cell_m": cell,
        "window_from_it": summary["window_from_iteration"],
        "rack_heat_kw": round(summary["rack_heat_kw"], 2),
        "return_heat_kw": round(summary["return_heat_kw"], 2),
        "balance_pct": round(summary["balance_pct"], 2),
        "max_spread_k": round(float(inlets["t_inlet_spread_k"].max()), 3),
        "residual_max": summary["residual_max"],
        "wall_s": round(wall),
        "started_utc": started.strftime("%Y-%m-%d %H:%M"),
        "load_avg_start": round(load_start, 2),
        "load_avg_end": round(os.getloadavg()[0], 2),
        "case": str(case),
    }
    print(f"{room}-{load}: {wall:.0f} s, {summary}")
    if store:
        OUT.mkdir(parents=True, exist_ok=True)
        dest = OUT / "mesh-check" if tag else OUT
        dest.mkdir(parents=True, exist_ok=True)
        inlets.to_csv(dest / f"{room}-{load}{tag}.csv", float_format="%.3f")
        old = pd.read_csv(RUNS) if RUNS.exists() else pd.DataFrame()
        pd.concat([old, pd.DataFrame([record])], ignore_index=True).to_csv(RUNS, index=False)
    return inlets


def iteration_check(case: Path, at: int = 800) -> pd.DataFrame:
    """One long run read as if stopped at iteration `at` and at its end: per rack both window
    means, their spreads and the shift (the iteration error of an `at`-iteration run), with
    the returns' heat balance of each as the frame's attrs."""

    early, s_early = read_inlets(case, upto=at)
    late, s_late = read_inlets(case)
    out = pd.DataFrame(
        {
            f"t_inlet_c_{at}": early["t_inlet_c"],
            f"spread_k_{at}": early["t_inlet_spread_k"],
            f"t_inlet_c_{s_late['iterations']}": late["t_inlet_c"],
            f"spread_k_{s_late['iterations']}": late["t_inlet_spread_k"],
            "shift_k": late["t_inlet_c"] - early["t_inlet_c"],
        }
    )
    out.attrs = {
        "balance_pct": {at: s_early["balance_pct"], s_late["iterations"]: s_late["balance_pct"]}
    }
    return out


def cfd(room: str, load: str) -> pd.DataFrame | None:
    path = OUT / f"{room}-{load}.csv"
    return pd.read_csv(path, index_col="id") if path.exists() else None


def model_inlets(t: Twin) -> pd.Series:
    """The field's inlets with every rack at its full heat, as the CFD runs them. (The
    coupled solve `twin.solve.run` answers another question: its racks throttle or shut
    down when their inlets pass the ASHRAE limits, and then carry less heat. In `floor`
    stepped that took row A from up to 35 C to 22-24 C.)"""
    from twin.solve import air_calibrate as ac

    hall = t.halls.index[0]
    supply = float(t.crahs["t_supply_c"].mean())
    return ac.predict(t, hall, ac.Run(t.racks["power_kw"], supply, pd.Series(dtype=float)))


def kernel_inlets(t: Twin) -> pd.Series:
    """The default air model's inlets (``air_model: kernel``: exhaust-to-intake shares from
    the distance between racks alone, `twin.solve.airflow.geometric_shares`) with every
    rack at its full heat, as `model_inlets` reads the field's."""
    from twin.solve.airflow import air_model

    m = air_model(t)
    air_kw = t.racks["power_kw"] * (1.0 - t.racks["liquid_fraction"])
    supply = float(t.crahs["t_supply_c"].mean())
    return pd.Series(supply + m.recirculation.rise(air_kw.to_numpy(float)), index=t.racks.index)


def check_blind(room: str) -> None:
    """Refuse to predict `room` once its CFD is stored: a prediction then is not blind, and it
    would overwrite the committed one, the record of what was said before the CFD was read."""
    seen = [load for load in LOADS[room] if cfd(room, load) is not None]
    if seen:
        raise SystemExit(
            f"predict {room}: its CFD is already stored ({', '.join(seen)}), so a prediction now "
            f"is not blind and would overwrite the committed one in {OUT / 'blind'}; "
            "`python -m bench.air_rooms table` compares the present model with the CFD"
        )


def predict(room: str) -> None:
    """Store the potential field's (``-model``) and the default kernel's (``-kernel``) inlets
    of every load of `room` (docs/validation/blind/), to be committed before the room's CFD is
    read: a blind test needs its answer written first."""
    check_blind(room)
    dest = OUT / "blind"
    dest.mkdir(parents=True, exist_ok=True)
    for load in LOADS[room]:
        kernel = kernel_inlets(twin(room, load, "kernel"))
        for tag, m in (("model", model_inlets(twin(room, load))), ("kernel", kernel)):
            m = m.rename("t_inlet_c")
            m.index.name = "id"
            m.to_csv(dest / f"{room}-{load}-{tag}.csv", float_format="%.3f")


def meshes(room: str, load: str) -> dict[str, pd.Series]:
    """Stored CFD inlets of one room and load on every mesh run: {"0.25 m": t_inlet_c, ...},
    the reference mesh first."""
    out = {}
    ref = cfd(room, load)
    if ref is not None:
        out[f"{CELL_M[room]:g} m"] = ref["t_inlet_c"]
    for path in sorted((OUT / "mesh-check").glob(f"{room}-{load}-*m.csv")):
        cell = path.stem.removeprefix(f"{room}-{load}-").removesuffix("m")
        out[f"{float(cell):g} m"] = pd.read_csv(path, index_col="id")["t_inlet_c"]
    return out


def table() -> pd.DataFrame:
    rows = []
    for room, loads in LOADS.items():
        for load in loads:
            ref = cfd(room, load)
            if ref is None:
                continue
            m = model_inlets(twin(room, load)).reindex(ref.index)
            err = m - ref["t_inlet_c"]
            k_err = kernel_inlets(twin(room, load, "kernel")).reindex(ref.index) - ref["t_inlet_c"]
            rows.append(
                {
                    "room": room,
                    "load": load,
                    "racks": len(ref),
                    "rmse_k": float(np.sqrt((err**2).mean())),
                    "max_err_k": float(err.abs().max()),
                    "cfd_spread_k": float(ref["t_inlet_spread_k"].max()),
                    "kernel_rmse_k": float(np.sqrt((k_err**2).mean())),
                    "kernel_too_hot_k": float(max(k_err.max(), 0.0)),
                    "kernel_too_cold_k": float(max(-k_err.min(), 0.0)),
                }
            )
    return pd.DataFrame(rows)


def _run(t: Twin, t_inlet_c: pd.Series):
    """A calibration run of one load, with its own rack airflows (a fixed-flow load's are not
    its powers', and a fit scores every run with the held-out load's layout)."""
    from twin.solve import air_calibrate as ac
    from twin.solve.airflow import rack_k_kw_per_k

    r = t.racks
    k = rack_k_kw_per_k(r["power_kw"].to_numpy(float), r.get("airflow_m3_s"))
    flow = pd.Series(k / K_AIR_KW_PER_M3S_K, index=r.index)
    return ac.Run(r["power_kw"], 18.0, t_inlet_c, flow_m3_s=flow)


def calibration_table(
    rooms: list[str] | None = None, model: str = "field", progress: bool = False
) -> pd.DataFrame:
    """Per room (all, or `rooms`), leave one load out: fit the hall's air model (`model`:
    ``field``, or ``ffd``: the FFD flow's eddy viscosity and diffusivity,
    `twin.solve.air_calibrate_ffd`, minutes a fold) on the room's other CFD loads at once
    (`twin.solve.air_calibrate.fit`), then score the held-out load before and after; with each
    fold's wall time and the machine's load. `progress`: print each fit's evaluations and each
    fold's row as it ends."""
    from twin.solve import air_calibrate as ac

    rows = []
    for room, loads in LOADS.items():
        if rooms and room not in rooms:
            continue
        refs = {load: cfd(room, load) for load in loads}
        refs = {k: v for k, v in refs.items() if v is not None}
        runs = {load: _run(twin(room, load), ref["t_inlet_c"]) for load, ref in refs.items()}
        for held, ref in refs.items():
            fit_on = [load for load in runs if load != held]
            if not fit_on:
                continue
            t0 = time.perf_counter()
            t = twin(room, held, model)
            hall = t.halls.index[0]
            tag = f"{room} {held}"
            say = (lambda m, tag=tag: print(f"  {tag}: {m}", flush=True)) if progress else None
            f = ac.fit(t, hall, [runs[load] for load in fit_on], progress=say)
            before = ac.predict(t, hall, runs[held]) - ref["t_inlet_c"]
            after = ac.predict(t, hall, runs[held], f.params) - ref["t_inlet_c"]
            bias_fit = float(np.mean(f.residuals_after_k))  # the fit runs' mean error, K
            rows.append(
                {
                    "room": room,
                    "held-out load": held,
                    "fitted on": "+".join(fit_on),
                    "fit_rmse_k": f.rmse_after_k,
                    "rmse_before_k": float(np.sqrt((before**2).mean())),
                    "max_before_k": float(before.abs().max()),
                    "rmse_after_k": float(np.sqrt((after**2).mean())),
                    "max_after_k": float(after.abs().max()),
                    # a uniform error (a supply offset) would carry from the fit to the
                    # held-out load only if the two share it: the fit's mean error, the held-out
                    # one's, and the held-out RMSE less the fit's mean
                    "bias_fit_k": bias_fit,
                    "bias_held_k": float(after.mean()),
                    "rmse_less_bias_k": float(np.sqrt(((after - bias_fit) ** 2).mean())),
                    **{k: round(v, 4) for k, v in f.params.items()},
                    "seconds": round(time.perf_counter() - t0, 1),
                    "load_avg": round(os.getloadavg()[0], 2),
                }
            )
            if progress:
                print(pd.DataFrame(rows[-1:]).round(3).to_string(index=False), flush=True)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m bench.air_rooms", description=__doc__.split("\n")[0]
    )
    ap.add_argument(
        "action",
        choices=["run", "read", "table", "calibrate", "iterations", "predict", "plot"],
        nargs="?",
        default="table",
    )
    ap.add_argument("room", nargs="?", choices=sorted(LOADS))
    ap.add_argument("load", nargs="?")
    ap.add_argument("--iterations", type=int, default=ITERATIONS, help="SIMPLE iterations")
    ap.add_argument("--case-root", type=Path, default=Path("/tmp/twin-cfd"), help="case folder")
    ap.add_argument(
        "--window", type=float, default=WINDOW, help="share of the samples averaged (the last)"
    )
    ap.add_argument("--cell", type=float, default=None, help="mesh size, m (a mesh check)")
    ap.add_argument("--no-store", action="store_true", help="run without writing docs/validation")
    ap.add_argument("--np", type=int, default=2, help="cores of the OpenFOAM run")
    ap.add_argument(
        "--model", choices=["field", "ffd"], default="field", help="air model to calibrate"
    )
    args = ap.parse_intermixed_args(argv)  # calibrate --model ffd row: options anywhere
    if args.action == "run":
        if args.room is None or args.load not in LOADS[args.room]:
            loads = "; ".join(f"{r}: {', '.join(v)}" for r, v in LOADS.items())
            ap.error(f"run ROOM LOAD, one of {loads}")
        run(
            args.room,
            args.load,
            args.case_root,
            args.iterations,
            store=not args.no_store,
            cell_m=args.cell,
            window=args.window,
            np_cores=args.np,
        )
    elif args.action == "read":  # a run's case read again (another --window): store its inlets
        tag = "" if args.cell in (None, CELL_M[args.room]) else f"-{args.cell:g}m"
        inlets, summary = read_inlets(
            args.case_root / f"{args.room}-{args.load}{tag}", window=args.window
        )
        print(inlets.round(3).to_string(), summary, sep="\n")
        if not args.no_store:  # a mesh check apart, as `run` stores it
            dest = OUT / "mesh-check" if tag else OUT
            inlets.to_csv(dest / f"{args.room}-{args.load}{tag}.csv", float_format="%.3f")
    elif args.action == "iterations":  # a stored run's case, read at 800 and at its end
        case = args.case_root / f"{args.room}-{args.load}"
        check = iteration_check(case)
        print(check.round(3).to_string())
        print(
            "returns' heat balance, %:",
            {k: round(v, 2) for k, v in check.attrs["balance_pct"].items()},
        )
    elif args.action == "plot":
        from bench.air_rooms_plot import plot

        print(plot())
    elif args.action == "predict":  # a blind room's model inlets, before its CFD
        predict(args.room)
    elif args.action == "calibrate":  # every room, or the one named
        rooms = [args.room] if args.room else None
        table_ = calibration_table(rooms, args.model, progress=args.model == "ffd")
        print(table_.round(3).to_string(index=False))
    else:
        print(table().round(2).to_string(index=False))


if __name__ == "__main__":
    main()
