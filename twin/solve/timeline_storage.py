"""Energy storage dispatch over time: the one place a timeline loops over steps.

State of charge makes dispatch sequential, so the loop runs over time steps,
compiled (numba), and over arrays of stores inside each step (one store per
group for rack-level smoothing stores, one for a site BESS). Each step:

1. the wanted import `g` starts at the load plus a pull toward the target state
   of charge, ``(target - soc) / max(recover_s, dt)`` (charging below target,
   discharging above; ``recover_s = dt`` recharges as fast as allowed);
2. `g` is kept within the ramp limit of the previous step's import
   (``|g - g_prev| <= ramp_kw_s dt``; before the first step, the load's mean over the
   first ``recover_s``) and under the import cap (peak shaving);
   a cap below the ramp floor wins;
3. the store delivers ``b = load - g`` (discharge > 0) within its power rating
   and the energy between its SOC limits; a step flagged `no_charge` never
   charges (a demand-response event must not be undone by recharging), one
   flagged `idle` does nothing (utility out);
4. the import is what is left: ``g = load - b``.

Efficiency: a round-trip efficiency eta splits as sqrt(eta) on charge and on
discharge [est: the usual symmetric split]. Energy in the store changes by
``(charge sqrt(eta) - discharge / sqrt(eta)) dt``; what is lost is
``charge (1 - sqrt(eta)) + discharge (1 / sqrt(eta) - 1)`` per second.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np


@dataclass(frozen=True)
class Store:
    """One energy store (a site BESS, or a group's rack-level stores added up)."""

    energy_kwh: float
    power_kw: float
    round_trip: float = 0.90
    soc_min: float = 0.10
    soc_max: float = 0.90
    soc_target: float = 0.50
    soc_start: float | None = None  # fraction; None = the target
    recover_s: float = 900.0  # time scale of the pull toward the target SOC


@numba.njit(cache=True)
def _dispatch(load, dt, e_kwh, p_kw, eta_c, eta_d, lo_kwh, hi_kwh, tgt_kwh, soc0, recover_s,
              ramp_kw_s, cap_kw, no_charge, idle, g_start):  # fmt: skip
    n, m = load.shape
    grid = np.empty((n, m))
    charge = np.zeros((n, m))
    discharge = np.zeros((n, m))
    soc = np.empty((n + 1, m))
    h = dt / 3600.0
    for j in range(m):
        soc[0, j] = soc0[j]
    for t in range(n):
        for j in range(m):
            s = soc[t, j]
            g = load[t, j] + (tgt_kwh[j] - s) / (max(recover_s[j], dt) / 3600.0)
            if ramp_kw_s[j] < np.inf:
                step = ramp_kw_s[j] * dt
                prev = grid[t - 1, j] if t > 0 else g_start[j]
                g = min(max(g, prev - step), prev + step)
            g = min(g, cap_kw[t, j])
            b = load[t, j] - g
            b = min(max(b, -p_kw[j]), p_kw[j])
            if no_charge[t]:
                b = max(b, 0.0)
            if idle[t]:
                b = 0.0
            if b > 0.0:
                b = min(b, max(s - lo_kwh[j], 0.0) * eta_d[j] / h)
                discharge[t, j] = b
                s = s - b / eta_d[j] * h
            elif b < 0.0:
                b = max(b, -max(hi_kwh[j] - s, 0.0) / (eta_c[j] * h))
                charge[t, j] = -b
                s = s - b * eta_c[j] * h
            grid[t, j] = load[t, j] - b
            soc[t + 1, j] = s
    return grid, charge, discharge, soc


def dispatch(
    load_kw: np.ndarray,
    dt_s: float,
    stores: list[Store],
    ramp_kw_s: np.ndarray | float = np.inf,
    cap_kw: np.ndarray | float = np.inf,
    no_charge: np.ndarray | None = None,
    idle: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Dispatch one store per column of `load_kw` (n_steps, n_stores).

    A step flagged in `idle` neither charges nor discharges (the utility is out: a BESS at
    the grid connection has nothing to follow).
    Returns grid_kw, charge_kw, discharge_kw (n, m) and soc_kwh (n + 1, m).
    `cap_kw` may be (n, m), (n,) or a number; `ramp_kw_s` per store or a number.
    """
    load = np.ascontiguousarray(np.atleast_2d(np.asarray(load_kw, float)))
    if load.shape[0] == 1 and len(stores) == 1 and np.ndim(load_kw) == 1:
        load = np.ascontiguousarray(load.T)
    n, m = load.shape
    if len(stores) != m:
        raise ValueError(f"{len(stores)} stores for {m} load columns")

    def col(values):
        return np.asarray(values, float)

    eta = col([s.round_trip for s in stores])
    e = col([s.energy_kwh for s in stores])
    lo, hi = e * col([s.soc_min for s in stores]), e * col([s.soc_max for s in stores])
    tgt = e * col([s.soc_target for s in stores])
    soc0 = e * col([s.soc_target if s.soc_start is None else s.soc_start for s in stores])
    cap = np.ascontiguousarray(
        np.broadcast_to(
            np.asarray(cap_kw, float).reshape(-1, 1) if np.ndim(cap_kw) == 1 else cap_kw, (n, m)
        ),
        dtype=float,
    )
    ramp = np.ascontiguousarray(np.broadcast_to(np.asarray(ramp_kw_s, float), (m,)), dtype=float)
    nc = np.zeros(n, np.bool_) if no_charge is None else np.asarray(no_charge, np.bool_)
    off = np.zeros(n, np.bool_) if idle is None else np.asarray(idle, np.bool_)
    recover = col([s.recover_s for s in stores])
    # a ramp-limited import starts from the load's mean over the first recovery time, as
    # if the store had been smoothing before the run (from the first step's load, the top
    # of a training swing was held while the ramp let it down, raising billing demand)
    w = np.clip(np.round(recover / float(dt_s)).astype(int), 1, max(n, 1))
    g_start = np.array([load[: w[j], j].mean() if n else 0.0 for j in range(m)], float)
    grid, ch, dis, soc = _dispatch(
        load, float(dt_s), e, col([s.power_kw for s in stores]), np.sqrt(eta), np.sqrt(eta),
        lo, hi, tgt, soc0, recover, ramp, cap, nc, off, g_start,
    )  # fmt: skip
    return {"grid_kw": grid, "charge_kw": ch, "discharge_kw": dis, "soc_kwh": soc}


def losses_kw(stores: list[Store], charge_kw: np.ndarray, discharge_kw: np.ndarray) -> np.ndarray:
    """Conversion losses of each store at each step, kW."""
    r = np.sqrt(np.asarray([s.round_trip for s in stores], float))
    return charge_kw * (1.0 - r) + discharge_kw * (1.0 / r - 1.0)


@numba.njit(cache=True)
def _lag_capped(s1, q, d, tau, c):
    """Stored heat after `d` s with heat in `q` and removal min(S / tau, c), exactly; and
    the heat removed over it (kJ)."""
    e = 0.0
    if s1 > tau * c:  # above what the plant can remove: it runs at its capacity first
        t1 = (s1 - tau * c) / (c - q) if c > q else np.inf
        if t1 >= d:
            return s1 + (q - c) * d, c * d
        e += c * t1
        s1 = tau * c
        d -= t1
    t2 = np.inf
    if q > c:  # heading above capacity: exponential until removal reaches c
        t2 = -tau * np.log((q - c) / (q - s1 / tau))
    te = min(d, t2)
    a = np.exp(-te / tau)
    e += q * te + (s1 - tau * q) * (1.0 - a)
    s = tau * q + (s1 - tau * q) * a
    if te < d:
        s += (q - c) * (d - te)
        e += c * (d - te)
    return s, e


@numba.njit(cache=True)
def _heat_store(q_in, off, dt, tau, s0, cap):
    n = len(q_in)
    s = np.empty(n + 1)
    removed = np.empty(n)
    s[0] = s0
    for k in range(n):
        q, ph = q_in[k], off[k]
        s1 = s[k] + q * ph * dt  # plant off for the first `ph` of the step: heat piles up
        on = (1.0 - ph) * dt
        if tau > 0:
            s2, e = _lag_capped(s1, q, on, tau, cap)
        else:
            s2, e = 0.0, s1 + q * on
        removed[k] = e / dt  # exact mean of the (capped) lag
        s[k + 1] = s2
    return s, removed


def heat_store(
    q_in_kw: np.ndarray,
    dt_s: float,
    tau_s: float,
    off: np.ndarray | None = None,
    cap_kw: float = np.inf,
) -> tuple[np.ndarray, np.ndarray]:
    """Heat held in the cooling loops' water and the heat the plant removes, per step.

    Lumped loop: ``C dT/dt = Q_in - Q_r`` with ``Q_r = G (T - T_0)`` (the plant removes
    heat in proportion to the loop's warming above its no-load temperature), so the
    stored heat ``S = C (T - T_0) = tau Q_r`` with ``tau = C / G``. Each step holds
    `q_in_kw` constant; for the fraction `off` of a step (first) the plant removes
    nothing (power lost, chillers restarting) and S grows by ``Q_in off dt``; for the
    rest the lag is integrated exactly, the removal never above the plant's capacity
    `cap_kw` (after a stop it works off the backlog at capacity). Returns S at step
    boundaries (kJ, (n + 1,), S_0 the steady ``tau Q_in[0]``) and the mean removal over
    each step (kW, (n,)), so
    ``sum(Q_in dt) = sum(Q_r dt) + S_n - S_0`` holds exactly in exact arithmetic.
    """
    q = np.ascontiguousarray(np.asarray(q_in_kw, float))
    ph = np.zeros(len(q)) if off is None else np.ascontiguousarray(np.clip(off, 0.0, 1.0))
    s0 = tau_s * float(q[0]) if len(q) else 0.0
    return _heat_store(q, ph, float(dt_s), float(tau_s), s0, float(cap_kw))


@numba.njit(cache=True)
def _extra_peak(q_in, off, dt, tau, cap, s, r):
    n = len(q_in)
    peak = np.empty(n)
    for k in range(n):
        q, ph = q_in[k], off[k]
        s_mid = s[k] + q * ph * dt  # the stopped plant's loops at the end of its stop
        r_mid = r[k]
        if tau > 0 and ph > 0:
            r_mid, _ = _lag_capped(r[k], q, ph * dt, tau, cap)
        peak[k] = max(s[k] - r[k], s_mid - r_mid, s[k + 1] - r[k + 1])
    return peak


def extra_heat_peak(
    q_in_kw: np.ndarray,
    dt_s: float,
    tau_s: float,
    off: np.ndarray,
    cap_kw: float,
    held_kj: np.ndarray,
    running_kj: np.ndarray,
) -> np.ndarray:
    """Most heat the loops hold over a running plant's within each step, kJ (n,).

    `held_kj` and `running_kj` are `heat_store`'s stored heat at step boundaries with the
    plant off for `off` of each step and without. Within a step the difference D grows
    while the plant is off (``dD/dt`` = the running plant's removal >= 0) and shrinks once
    it runs (each removes min(S / tau, cap), more from the fuller loops), so its most is at
    the end of the stop, in closed form; step ends alone miss it when the step is longer than
    the stop plus the catching up (a 10 min outage at 30 min or 1 h steps)."""
    q = np.ascontiguousarray(np.asarray(q_in_kw, float))
    ph = np.ascontiguousarray(np.clip(off, 0.0, 1.0))
    return _extra_peak(
        q,
        ph,
        float(dt_s),
        float(tau_s),
        float(cap_kw),
        np.ascontiguousarray(held_kj, dtype=np.float64),
        np.ascontiguousarray(running_kj, dtype=np.float64),
    )
