"""Fit a hall's air field to reference inlet temperatures (CFD runs or measurements).

The unknowns are the field's physical parameters, not a number per rack
(`PARAMS`, each with bounds): the effective turbulent diffusivity, the buoyant drift
of warm air, the supply jets' throw scale (continuous: the field interpolates the
release point between cells), the share of rack exhaust rising as a plume, the jets'
entrainment scale and, in a contained hall, the containment leak share. Each reference
run gives rack powers (kW of air heat), a supply temperature, measured inlets and
(optionally) rack airflows; each run gets its own field at its racks' airflows. The
model's inlets are ``T_sup + (I - B)^-1 B K^-1 p`` with B from the field
(`twin.solve.airfield`). `scipy.optimize.least_squares` (trust-region reflective,
bounds) minimises the inlet residuals over all runs together; several load
distributions of one room separate the parameters better than one (one run's fit
over-fits it: docs/validation.md). The diffusivity is fitted on a log scale (it
spans two decades).

An ``air_model: ffd`` hall fits the FFD flow's own parameters instead (eddy viscosity,
diffusivity, containment leak: `twin.solve.air_calibrate_ffd`), each run also at its own
exhaust rise (the FFD's buoyancy)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.optimize

from twin.errors import ScenarioError
from twin.layout.calibration import MIN_INLETS_PER_PARAM
from twin.solve.airfield import (
    BUOYANT_DRIFT_M_S,
    CONTAINMENT_LEAK,
    DIFFUSIVITY_M2_S,
    PLUME_SHARE,
    HallAir,
    hall_shares,
)
from twin.solve.airfield_build import hall_air, hall_model
from twin.solve.airflow import K_AIR_KW_PER_M3S_K, rack_k_kw_per_k
from twin.solve.ffd_march import tang_inlets

PARAMS = {
    # layout field (halls[]): (HallAir attribute, lower, upper)
    "air_diffusivity_m2_s": ("diffusivity_m2_s", 0.002, 0.5),
    "air_buoyant_drift_m_s": ("drift_m_s", 0.0, 0.3),
    "supply_throw_scale": ("throw_scale", 0.0, 3.0),
    "air_plume_share": ("plume_share", 0.0, 1.0),
    "jet_entrainment_scale": ("entrainment_scale", 0.0, 3.0),
    "containment_leak": ("leak", 0.0, 1.0),
    "air_eddy_viscosity_m2_s": ("ffd_nu_m2_s", 0.003, 0.3),  # ffd halls' (air_calibrate_ffd)
}
FITTED = (
    "air_diffusivity_m2_s",
    "air_buoyant_drift_m_s",
    "supply_throw_scale",
    "air_plume_share",
    "jet_entrainment_scale",
)
"""Fitted in every hall (plus `containment_leak` in a contained one)."""
_LOG = {"air_diffusivity_m2_s"}  # fitted on a log scale (spans two decades)

BELOW_SUPPLY_TOL_K = 1.0
"""How far below the run's supply temperature a measured inlet may read (`twin calibrate`
refuses one lower). A rack draws air that left the cooling units at the supply temperature
and can only warm on its way (mixing with exhaust, fan heat), so a lower inlet is a wrong
unit (Fahrenheit), sensor or supply value; 1 K allows two sensors' +/-0.5 K (the inlet's and
the supply's, the accuracy of a typical rack-inlet thermistor) and the units' control band."""
FAHRENHEIT_ABOVE_C = 45.0
"""A run whose every inlet is above this is refused as probably Fahrenheit: 45 C is the highest
allowable inlet of any ASHRAE class (A4, ASHRAE TC 9.9 Thermal Guidelines); every rack of a hall
breathing hotter is not a running room, while 64-99 F (a normal room in Fahrenheit) all are."""


def fitted_names(twin, hall: str) -> tuple[str, ...]:
    """The parameters `fit` fits in `hall` by default: `FITTED` (plus the containment leak in
    a contained hall), or on an ffd hall the FFD's (`twin.solve.air_calibrate_ffd.fit_ffd`)."""
    contained = str(twin.halls.at[hall, "containment"]) != "none"
    leak = ("containment_leak",) if contained else ()
    if is_ffd(twin, hall):
        return ("air_eddy_viscosity_m2_s", "air_diffusivity_m2_s", *leak)
    return (*FITTED, *leak)


def measured_inlets(twin, hall: str, runs: list[Run]) -> int:
    """How many of `runs`' inlets are of racks of `hall` (finite), summed over the runs."""
    ids = twin.racks.index[(twin.racks["hall"] == hall).to_numpy()]
    return int(sum(r.t_inlet_c.reindex(ids).notna().sum() for r in runs))


def enough_inlets(n_inlets: int, n_params: int) -> bool:
    """Whether `n_inlets` measurements may fit `n_params` parameters (`MIN_INLETS_PER_PARAM`)."""
    return n_inlets >= MIN_INLETS_PER_PARAM * n_params


@dataclass
class Run:
    """One reference state: air heat per rack (kW, by id), supply temperature, inlets (C) and,
    where known (a CFD case's manifest), each rack's airflow (m3/s; default the layout's,
    else 140 CFM per kW of `air_kw`, as `twin.solve.airflow.rack_k_kw_per_k`)."""

    air_kw: pd.Series
    t_supply_c: float
    t_inlet_c: pd.Series
    flow_m3_s: pd.Series | None = None


@dataclass
class Fit:
    params: dict[str, float]
    rmse_before_k: float
    rmse_after_k: float
    max_before_k: float
    max_after_k: float
    residuals_after_k: np.ndarray
    racks: int  # measured inlets fitted, summed over the runs (not the hall's racks)
    runs: int


def _inlets(air: HallAir, ids: pd.Index, run: Run) -> np.ndarray:
    p = run.air_kw.reindex(ids).fillna(0.0).to_numpy(float)
    k = K_AIR_KW_PER_M3S_K * air.flow_m3_s
    return run.t_supply_c + tang_inlets(hall_shares(air).b_mean, p / k)


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


def run_air(twin, hall: str, air: HallAir, ids: pd.Index, run: Run) -> HallAir:
    """`air` with the rack airflows of `run`: its own where given, else the layout's fixed
    airflow or 140 CFM per kW of the run's air heat (the racks' fans follow their load). On
    the FFD flow also the run's exhaust rise over the intake, ``air_kw / (K q)`` per rack (the
    FFD's buoyancy; the layout's powers' rise would heat the run's plumes wrongly)."""
    if run.flow_m3_s is not None:
        q = run.flow_m3_s.reindex(ids).to_numpy(float)
        q = np.where(np.isfinite(q) & (q > 0), q, air.flow_m3_s)
    else:
        fixed = twin.racks["airflow_m3_s"].reindex(ids) if "airflow_m3_s" in twin.racks else None
        p = run.air_kw.reindex(ids).fillna(0.0).to_numpy(float)
        q = rack_k_kw_per_k(p, None if fixed is None else fixed.to_numpy(float))
        q = q / K_AIR_KW_PER_M3S_K
    q = np.asarray(q, float)
    if air.flow != "ffd":
        return dataclasses.replace(air, flow_m3_s=q)
    p = run.air_kw.reindex(ids).fillna(0.0).to_numpy(float)
    rise = p / (K_AIR_KW_PER_M3S_K * np.maximum(q, 1e-12))
    return dataclasses.replace(air, flow_m3_s=q, exhaust_rise_k=rise)


def is_ffd(twin, hall: str) -> bool:
    """Whether `hall` is on the FFD flow (``air_model: ffd``)."""
    return hall in twin.halls.index and (
        hall_model(twin, int(twin.halls.index.get_loc(hall))) == "ffd"
    )


def fit(
    twin, hall: str, runs: list[Run], names: tuple[str, ...] | None = None, progress=None
) -> Fit:
    """Least-squares fit of `hall`'s field parameters `names` (default `FITTED`, plus the
    containment leak in a contained hall) to all `runs` at once; see the module docstring.
    An ``air_model: ffd`` hall fits its FFD flow's parameters
    (`twin.solve.air_calibrate_ffd.fit_ffd`, telling `progress` of each FFD evaluation)."""
    if is_ffd(twin, hall):
        from twin.solve.air_calibrate_ffd import fit_ffd

        return fit_ffd(twin, hall, runs, None if names is None else tuple(names), progress)
    air, ids = hall_input(twin, hall)
    if names is None:
        names = FITTED + (("containment_leak",) if air.containment != "none" else ())
    names = list(names)
    unknown = sorted(set(names) - set(PARAMS))
    if unknown:
        raise ScenarioError(f"unknown air parameter(s) {', '.join(unknown)}")
    if "air_eddy_viscosity_m2_s" in names:
        raise ScenarioError(
            f"air_eddy_viscosity_m2_s is the FFD flow's; hall {hall!r} is on the potential "
            "field (set air_model: ffd to fit it)"
        )
    if not runs:
        raise ScenarioError(f"no reference run to calibrate hall {hall!r} on")
    start = {n: getattr(air, PARAMS[n][0]) for n in PARAMS}
    if start["containment_leak"] is None:
        start["containment_leak"] = CONTAINMENT_LEAK[air.containment]
    measured = [(run_air(twin, hall, air, ids, r), r, r.t_inlet_c.reindex(ids)) for r in runs]
    if not any(m.notna().any() for _, _, m in measured):
        raise ScenarioError(f"no reference inlet matches a rack of hall {hall!r}")

    def to_x(vals: dict) -> np.ndarray:
        return np.array([np.log(vals[n]) if n in _LOG else vals[n] for n in names], float)

    def from_x(x: np.ndarray) -> dict:
        return {
            n: float(np.exp(v)) if n in _LOG else float(v) for n, v in zip(names, x, strict=True)
        }

    def residuals(x: np.ndarray) -> np.ndarray:
        vals = {PARAMS[n][0]: v for n, v in from_x(x).items()}
        out = []
        for a, r, m in measured:
            ok = m.notna().to_numpy()
            out.append((_inlets(dataclasses.replace(a, **vals), ids, r) - m.to_numpy(float))[ok])
        return np.concatenate(out)

    lo = to_x({n: PARAMS[n][1] for n in names})
    hi = to_x({n: PARAMS[n][2] for n in names})
    x0 = np.clip(to_x(start), lo + 1e-6, hi - 1e-6)
    r0 = residuals(x0)
    # two starts (the hall's current values, the middle of the bounds): the residuals are
    # not convex in the parameters (plume share and drift trade off), keep the better fit
    best_x, r1 = x0, r0
    for x_start in (x0, np.clip((lo + hi) / 2.0, lo + 1e-6, hi - 1e-6)):
        sol = scipy.optimize.least_squares(
            residuals, x_start, bounds=(lo, hi), x_scale="jac", diff_step=1e-3, max_nfev=40
        )
        if 2.0 * sol.cost < float(np.sum(r1**2)):
            best_x, r1 = sol.x, sol.fun
    sol_x = best_x
    return Fit(
        params=from_x(sol_x),
        rmse_before_k=float(np.sqrt(np.mean(r0**2))),
        rmse_after_k=float(np.sqrt(np.mean(r1**2))),
        max_before_k=float(np.abs(r0).max()),
        max_after_k=float(np.abs(r1).max()),
        residuals_after_k=r1,
        racks=len(r1),  # measured inlets over all runs, not the hall's racks
        runs=len(runs),
    )


def predict(twin, hall: str, run: Run, params: dict[str, float] | None = None) -> pd.Series:
    """The field's inlets of `hall` for `run`, with `params` (layout names) if given."""
    air, ids = hall_input(twin, hall)
    air = run_air(twin, hall, air, ids, run)
    if params:
        air = dataclasses.replace(air, **{PARAMS[n][0]: v for n, v in params.items()})
    return pd.Series(_inlets(air, ids, run), index=ids, name="t_inlet_c")


DEFAULTS = {  # HallAir's own; a layout's uncalibrated drift is airfield_build.buoyant_drift_m_s
    "air_diffusivity_m2_s": DIFFUSIVITY_M2_S,
    "supply_throw_scale": 1.0,
    "air_buoyant_drift_m_s": BUOYANT_DRIFT_M_S,
    "air_plume_share": PLUME_SHARE,
    "jet_entrainment_scale": 1.0,
}
