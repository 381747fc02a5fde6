"""The FFD march's own time-averaged rack inlets against the answer twin gives, both vs CFD.

twin carries its heat on the FFD's time-averaged flux (a steady tracer). The march also
carries its own temperature through the unsteady flow (for buoyancy); its time mean over the
same window as the flux's (``ffd_inlet_rise_avg_k``) holds the transport of the resolved
unsteady eddies that the averaged flux leaves out. Where it is much closer to the CFD, that
transport is the gap; where it is not, the gap is the mean flow itself.

    python -m bench.air_ffd_own            # every stored run
    python -m bench.air_ffd_own floor row  # some rooms

Measured 2026-12-03 16:30-16:42 UTC (load 7-10; docs/validation.md, fourteenth pass).
"""

from __future__ import annotations

import dataclasses
import sys

import numpy as np

from bench import air_ffd as bf
from bench import air_rooms as ar
from twin.solve import air_calibrate as ac
from twin.solve import airfield


def _rmse_max(e: np.ndarray) -> tuple[float, float]:
    return float(np.sqrt(np.mean(e**2))), float(np.abs(e).max())


def main(rooms: list[str]) -> None:
    answer, own = [], []
    for room, loads in ar.LOADS.items():
        if rooms and room not in rooms:
            continue
        for load in loads:
            ref = ar.cfd(room, load)
            if ref is None:
                continue
            air, ids, run, rise = bf._inputs(room, load)
            cfd = ref["t_inlet_c"].reindex(ids).to_numpy(float)
            ffd_air = dataclasses.replace(air, flow="ffd", exhaust_rise_k=rise)
            bf._clear()
            info = airfield.hall_shares(ffd_air).info
            ans = ac._inlets(ffd_air, ids, run)
            mean = run.t_supply_c + np.asarray(info["ffd_inlet_rise_avg_k"])
            a, o = _rmse_max(ans - cfd), _rmse_max(mean - cfd)
            answer.append(a[0])
            own.append(o[0])
            print(f"{room:22s} {load:20s} answer {a[0]:.2f} / {a[1]:.2f} K   march's own mean "
                  f"{o[0]:.2f} / {o[1]:.2f} K   apart {np.sqrt(np.mean((mean - ans) ** 2)):.2f} K",
                  flush=True)  # fmt: skip
    print(f"mean RMSE: answer {np.mean(answer):.2f} K, march's own mean {np.mean(own):.2f} K")


if __name__ == "__main__":
    main(sys.argv[1:])
