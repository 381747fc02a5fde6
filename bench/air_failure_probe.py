"""What a failed unit does to an ffd hall's rack inlets, with the gate on re-marching lifted.

An ffd hall whose own FFD march is uncertain past `MARCH_SPREAD_CAUTION_K` keeps the flow of
every unit running when a unit fails (`twin.solve.air_stopped.unsettled_hall`). This probe
solves each named unit's failure with that gate lifted (the flow marched again without it),
at the first time step ``--dt`` (`airfield_ffd.DT_S`; a march that does not settle is run
once more at half the step), and prints per unit what its air model says, how far its rack
inlets moved from the normal state and the CPU it took; then the hall's own march's caution.

    python -m bench.air_failure_probe layouts/ai-factory-hall.yaml --dt 0.05 H1-CRAH1 H1-CRAH4

Found with it (2026-12-02 10:14-10:26 UTC, load ~1-2; docs/validation.md): the staggered AI
hall's failure marches fail at 0.05 s (6-7 % a step) and go through at 0.025 s, uncertain by
at least 0.6 K, inlets moved up to 2.4 K; with the gate on, no inlet moves at all.
Run it with a fresh ``TWIN_CACHE_DIR``: a stored march (or failed march) is read, not timed.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("layout")
    ap.add_argument("units", nargs="+", help="cooling unit ids, each failed alone")
    ap.add_argument("--dt", type=float, default=None, help="first time step, s (DT_S)")
    ap.add_argument("--csv", help="write each rack's inlet, C, per failure (and normal) here")
    args = ap.parse_args(argv)

    from twin.solve import airfield_ffd

    if args.dt is not None:
        airfield_ffd.DT_S = args.dt
    from twin.model import Twin
    from twin.model.scenario import Scenario
    from twin.solve import air_stopped, run
    from twin.solve.airfield_build import ffd_march_cautions

    air_stopped.unsettled_hall = lambda *a, **k: ""  # the gate lifted
    twin = Twin.load(args.layout)
    c0 = time.process_time()
    base = run(twin).tables["res_racks"]["t_inlet_c"]
    inlets = {"normal": base}
    print(f"normal state: {time.process_time() - c0:.1f} CPU s", flush=True)
    for unit in args.units:
        c0 = time.process_time()
        res = run(twin, Scenario.fail(unit))
        inlets[unit] = res.tables["res_racks"]["t_inlet_c"]
        moved = (inlets[unit] - base).to_numpy()
        said = "; ".join(res.tables["res_halls"]["air_model"].astype(str))
        print(
            f"{unit}: {said}; inlets moved by {moved.mean():+.2f} K on average, "
            f"{np.abs(moved).max():.2f} K at most; {time.process_time() - c0:.1f} CPU s",
            flush=True,
        )
    if args.csv:
        import pandas as pd

        pd.DataFrame(inlets).to_csv(args.csv, float_format="%.4f")
    for caution in ffd_march_cautions(twin):
        print(f"hall {caution.component}: {caution.message}")


if __name__ == "__main__":
    main()
