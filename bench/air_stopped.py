"""A stopped cooling unit against OpenFOAM: the open small room with CRAC-1 (west wall) or,
``--unit CRAC-3``, the east-wall unit stopped (the eleventh and twelfth passes).

The air field is solved again without a stopped unit, on the potential field and (since
2026-12-02) on the FFD flow (`twin.solve.air_stopped`). This bench checks both against a CFD
run of the same failure (``ffd-resolved``: the FFD marched again), and the FFD flow kept with
every unit running (``ffd``: the product's rule before; `air_stopped.RESOLVED_MODELS` set in
this process only).

Protocol (blind, as docs/validation.md): ``predict`` writes every model's rack inlets
(area mean, as the CFD reads them) to docs/validation/blind/ and they are committed before
the CFD run is read; then::

    twin cfd export bench/rooms/small-room-open.yaml --hall ROOM --cell 0.2 \\
        --iterations 3000 --fail CRAC-1 -o /tmp/cfd-crac1
    twin cfd run /tmp/cfd-crac1 --np 1
    python -m bench.air_stopped read /tmp/cfd-crac1
    twin cfd export bench/rooms/small-room-open.yaml --hall ROOM --cell 0.2 \\
        --iterations 3000 -o /tmp/cfd-base          # every unit running, the same export
    twin cfd run /tmp/cfd-base --np 1
    python -m bench.air_stopped read /tmp/cfd-base --running
    python -m bench.air_stopped table

``table`` compares each model with the CFD of the failure (RMSE, max, mean) and, what a
failure study reads, the change each model gives against the change the CFD gives (each
against its own run with every unit running: a CFD run of the same export without the
failure, the models' own solve without it; the stored `small-room-design` CFD of the tenth
pass is the check that the export still gives that run).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
ROOM = ROOT / "bench/rooms/small-room-open.yaml"
UNIT = "CRAC-1"
OUT = ROOT / "docs/validation"


def name(unit: str = UNIT) -> str:
    return f"small-room-{unit.lower().replace('-', '')}-stopped"


NAME = name(UNIT)
UNITS = ("CRAC-1", "CRAC-3")
"""Failures run: CRAC-1 (the eleventh pass), CRAC-3 (the east unit; its prediction committed
before its CFD was run, 2026-12-02)."""
STORED_CFD = OUT / "small-room-design.csv"
BASE_CFD = OUT / f"{NAME.replace('stopped', 'running')}.csv"
MODELS = ("field", "ffd-resolved", "ffd-kept", "kernel")


def _twin(model: str):
    import yaml

    from twin.layout import validate_data
    from twin.model import Twin

    doc = yaml.safe_load(ROOM.read_text())
    doc["halls"][0]["air_model"] = model.split("-")[0]
    return Twin.from_layout(validate_data(doc, str(ROOM)))


@contextlib.contextmanager
def _resolving(model: str):
    """``ffd-resolved``: the FFD flow marched again per failure (the product's rule since
    2026-12-02); ``ffd``: the flow of every unit running kept (its rule before), in this
    process only."""
    from twin.solve import air_stopped

    keep = air_stopped.RESOLVED_MODELS
    if model.startswith("ffd"):
        air_stopped.RESOLVED_MODELS = ("field", "ffd") if model == "ffd-resolved" else ("field",)
    try:
        yield
    finally:
        air_stopped.RESOLVED_MODELS = keep


def inlets(model: str, failed: bool, unit: str = UNIT) -> pd.Series:
    """The model's area-mean rack inlets, C, with `unit` stopped or every unit running, and
    every rack at its full heat, as the CFD runs them (`bench.air_rooms.model_inlets`). Until
    2026-12-02 this read the coupled solve, whose racks shut down past their ASHRAE limit
    (`twin.solve.consequence`) and then carry no heat: with CRAC-1 stopped the potential field
    solved again shut 5 racks down and the FFD marched again 3, so the eleventh pass first
    compared their inlets after those trips with a CFD run at full heat (`trips` counts them)."""
    from twin.solve import air_stopped
    from twin.solve.airflow import air_model

    twin = _twin(model)
    with _resolving(model):
        am = air_model(twin)
        if failed:
            am = air_stopped.running_air_model(twin, am, ~twin.crahs.index.isin([unit]))
    used = (am.hall_method or {}).get(twin.halls.index[0], "kernel")
    print(f"{model}: {'stopped' if failed else 'running'}: air_model {used}", file=sys.stderr)
    racks = twin.racks
    air_kw = (racks["power_kw"] * (1.0 - racks["liquid_fraction"])).to_numpy(float)
    supply = float(twin.crahs["t_supply_c"].mean())  # every unit at 18 C, within capacity
    rise = am.recirculation.rise(air_kw)
    return pd.Series(supply + rise, index=racks.index, name="t_inlet_c")


def trips(model: str, unit: str = UNIT) -> int:
    """Racks the coupled solve shuts down by heat with `unit` stopped (what the first table
    compared after)."""
    from twin.model.scenario import Scenario
    from twin.solve import run

    with _resolving(model):
        res = run(_twin(model), Scenario(name=unit, failed=frozenset([unit])))
    return int((res.tables["res_racks"]["thermal_state"] == "shutdown").sum())


def predict(unit: str = UNIT) -> None:
    for model in MODELS:
        path = OUT / "blind" / f"{name(unit)}-{model}.csv"
        if path.exists():
            sys.exit(f"{path} exists: a blind prediction is written once")
        inlets(model, True, unit).to_csv(path, index_label="id", float_format="%.3f")
        print(path)


def read(case: str, running: bool = False, unit: str = UNIT) -> None:
    from twin.interop.openfoam_run import read_inlets

    got, summary = read_inlets(case)
    path = BASE_CFD if running else OUT / f"{name(unit)}.csv"
    got.to_csv(path, index_label="id", float_format="%.3f")
    print(f"{path}: {summary}")


def _stats(err: np.ndarray) -> str:
    return f"{np.sqrt(np.mean(err**2)):5.2f} {np.max(np.abs(err)):5.2f} {np.mean(err):+6.2f}"


def table(unit: str = UNIT) -> None:
    cfd = pd.read_csv(OUT / f"{name(unit)}.csv", index_col="id")["t_inlet_c"]
    cfd0 = pd.read_csv(BASE_CFD, index_col="id")["t_inlet_c"].loc[cfd.index]
    stored = pd.read_csv(STORED_CFD, index_col="id")["t_inlet_c"].loc[cfd.index]
    print(f"CFD every unit running against the stored tenth-pass run: {_stats(cfd0 - stored)} K")
    d_cfd = cfd - cfd0
    print(f"CFD change with {unit} stopped: {d_cfd.min():+.2f} to {d_cfd.max():+.2f} K")
    print("every rack at its full heat (as the CFD); the blind file: the committed prediction")
    print(
        f"{'model':<14} {'vs CFD: RMSE   max   mean':<26} {'change vs CFD change':<22} "
        "blind file vs full heat  racks tripped in the solve"
    )
    for model in MODELS:
        pred = inlets(model, True, unit).loc[cfd.index]
        blind = pd.read_csv(OUT / "blind" / f"{name(unit)}-{model}.csv", index_col="id")
        moved = float(np.abs(blind["t_inlet_c"].loc[cfd.index] - pred).max())
        d = pred - inlets(model, False).loc[cfd.index]
        print(
            f"{model:<14} {_stats((pred - cfd).to_numpy()):<26} "
            f"{_stats((d - d_cfd).to_numpy()):<22} max {moved:5.2f} K {trips(model, unit):>12}"
        )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.air_stopped", description=__doc__)
    ap.add_argument("action", choices=["predict", "read", "table"])
    ap.add_argument("case", nargs="?", help="the CFD case folder (read)")
    ap.add_argument("--running", action="store_true", help="read: the run with every unit on")
    ap.add_argument("--unit", choices=UNITS, default=UNIT, help="the stopped unit (CRAC-1)")
    args = ap.parse_args(argv)
    if args.action == "predict":
        predict(args.unit)
    elif args.action == "read":
        read(args.case, args.running, args.unit)
    else:
        table(args.unit)


if __name__ == "__main__":
    main()
