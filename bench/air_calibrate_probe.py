"""Probes of the FFD calibration's folds for the 0.3 K target (docs/validation.md, Calibration):
would a physical parameter the fit does not have take the held-out error down? At a fold's
fitted eddy viscosity (its flux is marched once per run, then cached), on the room's stored CFD:

- ``offset``: a supply temperature offset fitted with the diffusivity on the fold's fit runs
  (bounded +-1 K), the held-out RMSE with it;
- ``flow``: the racks' airflows scaled (their exhaust rise follows, `air_calibrate.run_air`),
  the diffusivity profiled at each scale;
- ``diffusivity``: the tracer's diffusivity below the fit's 0.002 m2/s bound, down to 0.

    python -m bench.air_calibrate_probe offset row uniform 0.248 0.065
    python -m bench.air_calibrate_probe flow row uniform 0.248 0.065 --scales 0.8 1 1.25
    python -m bench.air_calibrate_probe diffusivity pair uniform 0.038 0.002

(the viscosity and diffusivity of a fold: ``python -m bench.air_rooms calibrate --model ffd
ROOM``). Reads the stored CFD only; never predicts a room blind.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np
import scipy.optimize

from bench import air_rooms as ar
from twin.solve import air_calibrate as ac
from twin.solve.air_calibrate_ffd import PARAMS

D_BOUNDS_M2_S = PARAMS["air_diffusivity_m2_s"][1:3]  # the fit's own bounds on the diffusivity


def _rmse(v: np.ndarray) -> float:
    return float(np.sqrt(np.mean(v**2)))


def probe(kind: str, room: str, held: str, nu: float, d: float, scales=(0.8, 1.0, 1.25)):
    """Lines of text: the probe `kind` on `room`'s fold that holds `held` out, at its fitted
    eddy viscosity `nu` and diffusivity `d` (m2/s)."""
    refs = {k: ar.cfd(room, k) for k in ar.LOADS[room]}
    refs = {k: v for k, v in refs.items() if v is not None}
    if held not in refs or len(refs) < 2:
        raise SystemExit(f"{room} {held}: no fold (stored loads: {', '.join(refs)})")
    base = {k: ar._run(ar.twin(room, k), r["t_inlet_c"]) for k, r in refs.items()}
    t = ar.twin(room, held, "ffd")
    hall = t.halls.index[0]
    fit_on = [k for k in base if k != held]
    out = []

    def err(runs, load, dd, off=0.0):
        p = {"air_eddy_viscosity_m2_s": nu, "air_diffusivity_m2_s": float(dd)}
        return (ac.predict(t, hall, runs[load], p) + off - refs[load]["t_inlet_c"]).to_numpy()

    def fit_err(runs, dd, off=0.0):
        return np.concatenate([err(runs, k, dd, off) for k in fit_on])

    t0 = time.perf_counter()
    if kind == "offset":
        lo, hi = np.log(D_BOUNDS_M2_S)
        sol = scipy.optimize.least_squares(
            lambda x: fit_err(base, np.exp(x[0]), x[1]),
            np.array([np.log(d), 0.0]),
            bounds=([lo, -1.0], [hi, 1.0]),
            diff_step=1e-3,
            max_nfev=30,
        )
        d1, off = float(np.exp(sol.x[0])), float(sol.x[1])
        h0, h1 = err(base, held, d), err(base, held, d1, off)
        out.append(
            f"{room} {held}: nu {nu:g}: D {d:g}, no offset: fit {_rmse(fit_err(base, d)):.3f} K, "
            f"held out {_rmse(h0):.3f} K | D {d1:.4g}, offset {off:+.3f} K: fit "
            f"{_rmse(sol.fun):.3f} K, held out {_rmse(h1):.3f} K (max {np.abs(h1).max():.2f})"
        )
    elif kind == "flow":
        for s in scales:
            runs = {k: dataclasses.replace(r, flow_m3_s=r.flow_m3_s * s) for k, r in base.items()}
            sol = scipy.optimize.minimize_scalar(
                lambda x, runs=runs: float(np.sum(fit_err(runs, np.exp(x)) ** 2)),
                bounds=tuple(np.log(D_BOUNDS_M2_S)),
                method="bounded",
                options={"xatol": 0.01},
            )
            h = err(runs, held, np.exp(sol.x))
            out.append(
                f"{room} {held}: nu {nu:g}, airflows x{s:g}: D {np.exp(sol.x):.4g}, fit "
                f"{_rmse(fit_err(runs, np.exp(sol.x))):.3f} K, held out {_rmse(h):.3f} K "
                f"(max {np.abs(h).max():.2f})"
            )
    elif kind == "diffusivity":
        for dd in (0.0, 0.0005, D_BOUNDS_M2_S[0]):
            f, h = fit_err(base, dd), err(base, held, dd)
            out.append(
                f"{room} {held}: nu {nu:g}, D {dd:g}: fit {_rmse(f):.3f} K (mean {f.mean():+.3f}),"
                f" held out {_rmse(h):.3f} K (max {np.abs(h).max():.2f})"
            )
    else:
        raise SystemExit(f"probe {kind!r}: offset, flow or diffusivity")
    out.append(f"({time.perf_counter() - t0:.0f} s)")
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        prog="python -m bench.air_calibrate_probe", description=__doc__.split("\n")[0]
    )
    ap.add_argument("kind", choices=["offset", "flow", "diffusivity"])
    ap.add_argument("room", choices=sorted(ar.LOADS))
    ap.add_argument("held")
    ap.add_argument("nu", type=float, help="the fold's fitted eddy viscosity, m2/s")
    ap.add_argument("d", type=float, help="the fold's fitted diffusivity, m2/s")
    ap.add_argument("--scales", type=float, nargs="+", default=[0.8, 1.0, 1.25])
    a = ap.parse_args(argv)
    for line in probe(a.kind, a.room, a.held, a.nu, a.d, tuple(a.scales)):
        print(line, flush=True)


if __name__ == "__main__":
    main()
