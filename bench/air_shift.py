"""How much an air model's inlets move when the rows move a few centimetres (units fixed).

The air field (`twin.solve.airfield`) puts racks on box cells of 0.3-0.4 m. On the uniform
grid (the potential field's with ``--grid uniform``, the FFD's with ``--ffd-grid uniform``) a
rack's faces snap to the nearest cell face, so moving a row by less than a cell can change a rack's
width or an aisle's width by a whole cell, while the room itself barely changes. The
rack-aligned grid (the default of both, `airfield_grid._grid_aligned`) puts cell
faces on every rack and unit face, so they move with the row. The largest inlet change
over such moves is the model's own grid uncertainty, to be read beside its error against
CFD (docs/validation.md).

For each validation room (bench.air_rooms, its first load): every row moved by -10, -5, +5
and +10 cm along x, then along y, the units where they are; the largest change of any rack
inlet against the unmoved room, K.

    python -m bench.air_shift                     # the potential field, every room
    python -m bench.air_shift --grid uniform      # the potential field on the uniform grid
    python -m bench.air_shift --model ffd floor   # the FFD field, one room (~2 min)
    python -m bench.air_shift --model ffd --ffd-grid both  # the FFD on both grids, same run
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from bench import air_rooms as ar
from twin.layout.validate import validate_data
from twin.model import Twin
from twin.solve import airfield_build, airfield_ffd, run

MOVES_M = (-0.10, -0.05, 0.05, 0.10)


def _inlets(room: str, load: str, model: str, axis: int, move_m: float) -> np.ndarray:
    if room in ar.LAYOUT_ROOMS:  # a shipped layout's hall (small-room)
        import yaml

        doc = yaml.safe_load(ar.LAYOUT_ROOMS[room].read_text())
    else:
        doc = ar.layout(room, ar.LOADS[room][load])
    doc["halls"][0]["air_model"] = model
    for row in doc["halls"][0]["rows"]:
        row["origin_m"][axis] += move_m
    t = Twin.from_layout(validate_data(doc, f"{room}-{load}-moved"))
    return run(t).tables["res_racks"]["t_inlet_c"].to_numpy(float)


def shifts(room: str, model: str = "field") -> dict:
    """Largest inlet change (K) per move of the rows of `room`'s first load."""
    load = next(iter(ar.LOADS[room]))
    base = _inlets(room, load, model, 0, 0.0)
    out = {"room": room, "load": load}
    for axis, name in enumerate("xy"):
        for move in MOVES_M:
            moved = _inlets(room, load, model, axis, move)
            out[f"{name}{100 * move:+.0f}cm"] = float(np.abs(moved - base).max())
    out["worst_k"] = max(v for k, v in out.items() if k.endswith("cm"))
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m bench.air_shift", description=__doc__.split("\n")[0]
    )
    ap.add_argument("rooms", nargs="*", help=f"some of {', '.join(ar.LOADS)} (default all)")
    ap.add_argument("--model", choices=["field", "ffd", "kernel"], default="field")
    ap.add_argument(
        "--grid",
        choices=["aligned", "uniform"],
        default=airfield_build.FIELD_GRID,
        help="the field's grid (the FFD's where --ffd-grid is aligned)",
    )
    ap.add_argument("--ffd-grid", choices=["uniform", "aligned", "both"], default=airfield_ffd.GRID,
                    help="the FFD flow's grid (airfield_ffd.GRID; both: each room on each)")  # fmt: skip
    args = ap.parse_args(argv)
    airfield_build.FIELD_GRID = args.grid
    unknown = sorted(set(args.rooms) - set(ar.LOADS))
    if unknown:
        ap.error(f"no room {', '.join(unknown)}; rooms: {', '.join(ar.LOADS)}")
    grids = ["uniform", "aligned"] if args.ffd_grid == "both" else [args.ffd_grid]
    rows = []
    for room in args.rooms or list(ar.LOADS):
        for grid in grids:
            airfield_ffd.GRID = grid
            rows.append({"ffd_grid": grid, **shifts(room, args.model)})
            print(pd.DataFrame(rows[-1:]).round(2).to_string(index=False, header=len(rows) == 1),
                  flush=True)  # fmt: skip
    if len(grids) > 1:
        df = pd.DataFrame(rows)
        print(df.groupby("ffd_grid", sort=False)["worst_k"].agg(["mean", "max"]).round(2))


if __name__ == "__main__":
    main()
