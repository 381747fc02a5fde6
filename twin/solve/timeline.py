"""Power over time: rack power -> power chain -> cooling -> storage -> grid import, per step.

Vectorised over time: every step's losses and cooling come from one
interpolation of the fitted steady response (`twin.solve.timeline_response`,
the coupled solve on a load x weather grid); only storage dispatch loops over
steps (`twin.solve.timeline_storage`, compiled). No loop over racks: the IT
load arrives per group (hall) as an (n_steps, n_groups) array.

Per step, in kW:

- ``chain = IT + rack-store charge - rack-store discharge`` (rack-level smoothing
  stores sit between the racks and their PDUs, one store per group);
- ``losses, cooling_steady = response(chain, dry bulb)``, each hall at its own
  load (`evaluate_groups`: its design share of the site's response at its
  fraction);
- cooling follows its steady value through a first-order lag of
  `COOLING_TAU_S` where steps are short (the water in the loops buffers the
  heat; the lag is exact for a piecewise-constant input,
  ``a = 1 - exp(-dt / tau)``); at 1 h steps it is the steady value;
- ``facility = chain - IT lost + losses + cooling`` (IT lost: what the coupled
  solve could not serve at that load, racks unfed or tripped; an `it_lost`
  violation);
- ``grid = facility + BESS charge - BESS discharge`` (the site BESS sits at the
  grid connection).

Energy balance over the horizon, checked to `BALANCE_REL_TOL` of the grid
energy: ``grid = IT + losses + cooling + change of stored energy + storage
losses``, the stored energy taken from the state-of-charge track, not from the
flows that made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from twin.solve.results import BALANCE_REL_TOL, UNREMOVED_FLOOR_KW
from twin.solve.timeline_response import Response, evaluate, evaluate_groups
from twin.solve.timeline_storage import Store, dispatch, losses_kw
from twin.solve.transient import COOLANT_M3_PER_MW
from twin.units import CP_WATER_J_KGK, RHO_WATER_KG_M3

DESIGN_RISE_K = 10.0
"""Loop design temperature rise for the cooling lag [REFERENCE 3 loops, 10 K default]."""
COOLING_TAU_S = COOLANT_M3_PER_MW * RHO_WATER_KG_M3 * CP_WATER_J_KGK * DESIGN_RISE_K / 1e6
"""Time constant of cooling power following heat, s: the loop water's transit time,
volume / flow = (2 m3/MW) x rho cp dT / 1 MW ~ 84 s [est, from REFERENCE 6's 2 m3/MW]."""

VIOLATION_COLUMNS = [
    "component",
    "kind",
    "start_s",
    "duration_s",
    "value",
    "limit",
    "unit",
    "message",
]


@dataclass
class Profile:
    """What a timeline solves: IT demand per group per step, and the weather."""

    dt_s: float
    it_kw: np.ndarray  # (n, G) IT power the racks draw, after caps
    t_db_c: np.ndarray  # (n,)
    groups: list[str] = field(default_factory=list)
    design_kw: np.ndarray | None = None  # (G,) design IT per group; None: one site group


@dataclass
class Solved:
    """Per-step results of one timeline (kW, kWh) and the energy balance."""

    dt_s: float
    steps: pd.DataFrame  # one row per step (see `solve_timeline`)
    soc_kwh: np.ndarray  # BESS state of charge at step boundaries (n + 1,), zeros if none
    rack_soc_kwh: np.ndarray  # rack stores per group at step boundaries (n + 1, G)
    energy: dict[str, float]  # MWh over the horizon, and the balance residual
    violations: pd.DataFrame


def solve_timeline(
    resp: Response,
    prof: Profile,
    bess: Store | None = None,
    rack_stores: list[Store] | None = None,
    ramp_kw_s: float = np.inf,
    rack_ramp_kw_s: float = np.inf,
    cap_kw: np.ndarray | float = np.inf,
    no_charge: np.ndarray | None = None,
    cooling_tau_s: float = COOLING_TAU_S,
    grid_kw: float = np.inf,
) -> Solved:
    """Grid import, storage and energy balance for `prof` (see the module docstring).

    `ramp_kw_s`/`cap_kw`: the BESS's smoothing ramp limit and peak-shaving import
    cap; `rack_ramp_kw_s`: each group's rack stores' ramp limit; `grid_kw`: the
    site's grid connection, steps above it are 'grid_limit' violations.
    """
    dt = float(prof.dt_s)
    it = np.atleast_2d(np.asarray(prof.it_kw, float))
    n, ng = it.shape
    if rack_stores:
        rs = dispatch(it, dt, rack_stores, ramp_kw_s=rack_ramp_kw_s)
        chain_g = rs["grid_kw"]
        rack_in, rack_out = rs["charge_kw"].sum(axis=1), rs["discharge_kw"].sum(axis=1)
        rack_loss = losses_kw(rack_stores, rs["charge_kw"], rs["discharge_kw"]).sum(axis=1)
        rack_soc = rs["soc_kwh"]
    else:
        chain_g, rack_in, rack_out, rack_loss = it, 0.0, 0.0, np.zeros(n)
        rack_soc = np.zeros((n + 1, ng))
    chain = chain_g.sum(axis=1)
    it_site = it.sum(axis=1)
    if prof.design_kw is not None and ng > 1:
        r = evaluate_groups(resp, chain_g, prof.design_kw, prof.t_db_c)
    else:
        r = evaluate(resp, chain, prof.t_db_c)
    # IT the coupled solve could not serve at this load (racks unfed, or tripped by heat)
    lost = np.minimum(np.maximum(r["it_lost_kw"], 0.0), it_site)
    chain, it_site = chain - lost, it_site - lost
    cooling = r["cooling_kw"]
    if cooling_tau_s > 0 and n > 1:
        a = 1.0 - np.exp(-dt / cooling_tau_s)
        cooling, _ = lfilter([a], [1.0, a - 1.0], cooling, zi=[(1.0 - a) * cooling[0]])
    facility = chain + r["losses_kw"] + cooling
    if bess is not None:
        b = dispatch(facility[:, None], dt, [bess], ramp_kw_s, cap_kw, no_charge)
        grid = b["grid_kw"][:, 0]
        b_in, b_out, soc = b["charge_kw"][:, 0], b["discharge_kw"][:, 0], b["soc_kwh"][:, 0]
        b_loss = losses_kw([bess], b["charge_kw"], b["discharge_kw"])[:, 0]
    else:
        grid, b_in, b_out, b_loss, soc = facility, 0.0, 0.0, np.zeros(n), np.zeros(n + 1)
    steps = pd.DataFrame(
        {
            "it_kw": it_site,
            "it_lost_kw": lost,
            "chain_kw": chain,
            "losses_kw": r["losses_kw"],
            "cooling_kw": cooling,
            "facility_kw": facility,
            "rack_store_charge_kw": np.broadcast_to(rack_in, n),
            "rack_store_discharge_kw": np.broadcast_to(rack_out, n),
            "bess_charge_kw": np.broadcast_to(b_in, n),
            "bess_discharge_kw": np.broadcast_to(b_out, n),
            "storage_loss_kw": rack_loss + b_loss,
            "bess_soc_kwh": soc[1:],
            "grid_kw": grid,
            "unremoved_kw": r["unremoved_kw"],
            "t_inlet_over_allowable_k": r["inlet_over_k"],
            "trusted": ~np.asarray(r["untrusted"], bool),
            "t_db_c": np.broadcast_to(np.asarray(prof.t_db_c, float), n),
        }
    )
    energy = energy_balance(steps, dt, soc, rack_soc)
    viol = [
        *intervals(grid > grid_kw, dt, "site", "grid_limit", grid, grid_kw, "kW",
                   "grid import above the site's grid connection"),
        *intervals(r["unremoved_kw"] > UNREMOVED_FLOOR_KW + BALANCE_REL_TOL * it_site, dt, "site",
                   "uncooled", r["unremoved_kw"], 0.0, "kW", "heat the cooling plant does not remove"),
        *intervals(lost > BALANCE_REL_TOL * max(float(np.max(it, initial=0.0)), 1.0), dt, "site",
                   "it_lost", lost, 0.0, "kW", "IT the site cannot serve at this load and weather "
                   "(racks unfed or tripped: twin solve at this load says which)"),
        *intervals(r["untrusted"], dt, "site", "not_converged", r["untrusted"], 0.0, "",
                   "the coupled solve at this load and weather is not trustworthy (not "
                   "converged, not finite or not balanced: twin solve at this load says which)"),
        *intervals(r["inlet_over_k"] > 0.0, dt, "site", "over_temperature", r["inlet_over_k"], 0.0,
                   "K", "a rack inlet above its ASHRAE allowable maximum (steady, at this load)"),
    ]  # fmt: skip
    if not abs(energy["balance_residual_rel"]) <= BALANCE_REL_TOL:
        viol.append(
            {
                "component": "site", "kind": "not_balanced", "start_s": 0.0,
                "duration_s": n * dt, "value": energy["balance_residual_mwh"], "limit": 0.0,
                "unit": "MWh", "message": "timeline energy balance does not close",
            }
        )  # fmt: skip
    return Solved(dt, steps, soc, rack_soc, energy, pd.DataFrame(viol, columns=VIOLATION_COLUMNS))


def energy_balance(steps: pd.DataFrame, dt_s: float, soc_kwh, rack_soc_kwh) -> dict[str, float]:
    """MWh of each term over the horizon and the residual of
    grid = IT + losses + cooling + stored-energy change + storage losses."""
    h = dt_s / 3600.0 / 1000.0  # kW x step -> MWh

    def e(col: str) -> float:
        return float(np.sum(steps[col].to_numpy(float))) * h

    stored = float(soc_kwh[-1] - soc_kwh[0]) + float(np.sum(rack_soc_kwh[-1] - rack_soc_kwh[0]))
    stored /= 1000.0
    out = {
        "grid_mwh": e("grid_kw"),
        "it_mwh": e("it_kw"),
        "losses_mwh": e("losses_kw"),
        "cooling_mwh": e("cooling_kw"),
        "storage_loss_mwh": e("storage_loss_kw"),
        "stored_change_mwh": stored,
    }
    rhs = out["it_mwh"] + out["losses_mwh"] + out["cooling_mwh"] + stored + out["storage_loss_mwh"]
    out["balance_residual_mwh"] = out["grid_mwh"] - rhs
    g = abs(out["grid_mwh"])
    out["balance_residual_rel"] = out["balance_residual_mwh"] / g if g > 0 else 0.0
    return out


def intervals(mask, dt_s, component, kind, value, limit, unit, message) -> list[dict]:
    """One violation row per run of consecutive True steps in `mask`: start, duration, the
    worst value over the run and the limit at that step (`limit` a number or per step)."""
    m = np.asarray(mask, bool)
    if not m.any():
        return []
    v = np.broadcast_to(np.asarray(value, float), m.shape)
    lim = np.broadcast_to(np.asarray(limit, float), m.shape)
    edges = np.diff(np.r_[0, m.astype(np.int8), 0])
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    rows = []
    for s, e in zip(starts, ends, strict=True):
        w = s + int(np.argmax(v[s:e]))
        rows.append(
            {
                "component": component,
                "kind": kind,
                "start_s": float(s * dt_s),
                "duration_s": float((e - s) * dt_s),
                "value": float(v[w]),
                "limit": float(lim[w]),
                "unit": unit,
                "message": message,
            }
        )
    return rows
