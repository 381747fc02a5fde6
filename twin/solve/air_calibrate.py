"""Fit a hall's air field to reference inlet temperatures (CFD runs or measurements).

The unknowns are the field's physical parameters, not a number per rack
(`PARAMS`): the effective turbulent diffusivity, the buoyant drift of warm air,
the supply jets' throw scale and, in a contained hall, the containment leak share. Each reference run gives
rack powers (kW of air heat), a supply temperature and measured inlets; the
model's inlets are ``T_sup + (I - B)^-1 B K^-1 p`` with B from the field
(`twin.solve.airfield`). `scipy.optimize.least_squares` (trust-region
reflective, bounds) minimises the inlet residuals over all runs together; the
diffusivity is fitted on a log scale (it spans two decades).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.optimize

from twin.errors import ScenarioError
from twin.solve.airfield import (
    BUOYANT_DRIFT_M_S,
    CONTAINMENT_LEAK,
    DIFFUSIVITY_M2_S,
    HallAir,
    hall_shares,
)
from twin.solve.airfield_build import hall_air
from twin.solve.airflow import K_AIR_KW_PER_M3S_K, rack_k_kw_per_k

PARAMS = {
    # layout field (halls[]): (HallAir attribute, lower, upper)
    "air_diffusivity_m2_s": ("diffusivity_m2_s", 0.002, 0.5),
    "supply_throw_scale": ("throw_scale", 0.0, 3.0),
    "containment_leak": ("leak", 0.0, 1.0),
    "air_buoyant_drift_m_s": ("drift_m_s", 0.0, 0.3),
}


THROW_GRID = (0.0, 0.25, 0.5, 1.0)
"""Supply throw scales tried (`supply_throw_scale`); 1 reaches the far wall of most rooms."""


@dataclass
class Run:
    """One reference state: air heat per rack (kW, by id), supply temperature, inlets (C)."""

    air_kw: pd.Series
    t_supply_c: float
    t_inlet_c: pd.Series


@dataclass
class Fit:
    params: dict[str, float]
    rmse_before_k: float
    rmse_after_k: float
    max_before_k: float
    max_after_k: float
    residuals_after_k: np.ndarray
    racks: int
    runs: int


def _inlets(air: HallAir, ids: pd.Index, run: Run) -> np.ndarray:
    s = hall_shares(air)
    b = s.b_mean.toarray()
    p = run.air_kw.reindex(ids).fillna(0.0).to_numpy(float)
    k = K_AIR_KW_PER_M3S_K * air.flow_m3_s
    theta = np.linalg.solve(np.eye(len(b)) - b, b @ (p / k))
    return run.t_supply_c + theta


def hall_input(twin, hall: str) -> tuple[HallAir, pd.Index]:
    """The field input of `hall` at the layout's design airflows, and its rack ids."""
    if hall not in twin.halls.index:
        raise ScenarioError(f"no hall {hall!r}; halls: {', '.join(map(str, twin.halls.index))}")
    racks = twin.racks
    air_kw = racks["power_kw"].to_numpy(float) * (1 - racks["liquid_fraction"].to_numpy(float))
    k = rack_k_kw_per_k(air_kw, racks.get("airflow_m3_s"))
    idx = np.flatnonzero((racks["hall"] == hall).to_numpy())
    air = hall_air(twin, int(twin.halls.index.get_loc(hall)), idx, k)
    if isinstance(air, str):
        raise ScenarioError(f"hall {hall!r} has no air field to calibrate: {air}")
    return air, racks.index[idx]


def fit(twin, hall: str, runs: list[Run]) -> Fit:
    """Least-squares fit of `hall`'s field parameters to `runs`; see the module docstring."""
    air, ids = hall_input(twin, hall)
    names = ["air_diffusivity_m2_s", "air_buoyant_drift_m_s"]
    if air.containment != "none":
        names.append("containment_leak")
    start = {
        "air_diffusivity_m2_s": air.diffusivity_m2_s,
        "supply_throw_scale": air.throw_scale,
        "air_buoyant_drift_m_s": air.drift_m_s,
        "containment_leak": air.leak if air.leak is not None else CONTAINMENT_LEAK[air.containment],
    }
    measured = [(r, r.t_inlet_c.reindex(ids)) for r in runs]
    if not any(m.notna().any() for _, m in measured):
        raise ScenarioError(f"no reference inlet matches a rack of hall {hall!r}")

    def to_x(vals: dict) -> np.ndarray:
        return np.array(
            [np.log(vals[n]) if n == "air_diffusivity_m2_s" else vals[n] for n in names]
        )

    def from_x(x: np.ndarray) -> dict:
        return {
            n: float(np.exp(v)) if n == "air_diffusivity_m2_s" else float(v)
            for n, v in zip(names, x, strict=True)
        }

    throw = [air.throw_scale]

    def residuals(x: np.ndarray) -> np.ndarray:
        vals = from_x(x)
        a = dataclasses.replace(air, throw_scale=throw[0], **{PARAMS[n][0]: vals[n] for n in names})
        out = []
        for r, m in measured:
            ok = m.notna().to_numpy()
            out.append((_inlets(a, ids, r) - m.to_numpy(float))[ok])
        return np.concatenate(out)

    lo = to_x({n: PARAMS[n][1] for n in names})
    hi = to_x({n: PARAMS[n][2] for n in names})
    x0 = np.clip(to_x(start), lo + 1e-9, hi - 1e-9)
    r0 = residuals(x0)
    # the throw moves supply cell by cell (piecewise constant): scanned, the rest fitted
    best = None
    for t in THROW_GRID:
        throw[0] = t
        sol = scipy.optimize.least_squares(
            residuals, x0, bounds=(lo, hi), x_scale="jac", diff_step=1e-3, max_nfev=30
        )
        if best is None or sol.cost < best[1].cost:
            best = (t, sol)
    throw[0], sol = best
    r1 = residuals(sol.x)
    return Fit(
        params={**from_x(sol.x), "supply_throw_scale": float(throw[0])},
        rmse_before_k=float(np.sqrt(np.mean(r0**2))),
        rmse_after_k=float(np.sqrt(np.mean(r1**2))),
        max_before_k=float(np.abs(r0).max()),
        max_after_k=float(np.abs(r1).max()),
        residuals_after_k=r1,
        racks=len(ids),
        runs=len(runs),
    )


def predict(twin, hall: str, run: Run, params: dict[str, float] | None = None) -> pd.Series:
    """The field's inlets of `hall` for `run`, with `params` (layout names) if given."""
    air, ids = hall_input(twin, hall)
    if params:
        air = dataclasses.replace(air, **{PARAMS[n][0]: v for n, v in params.items()})
    return pd.Series(_inlets(air, ids, run), index=ids, name="t_inlet_c")


DEFAULTS = {  # HallAir's own; a layout's uncalibrated drift is airfield_build.buoyant_drift_m_s
    "air_diffusivity_m2_s": DIFFUSIVITY_M2_S,
    "supply_throw_scale": 1.0,
    "air_buoyant_drift_m_s": BUOYANT_DRIFT_M_S,
}
