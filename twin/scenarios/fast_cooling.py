"""Fast cooling N-1: redistribute each group's duty over the peers still running.

A unit is out when it failed or its power feed is dead. For every
contingency (columns of a sparse units x contingencies matrix) the running
capacity of each group (`twin.scenarios.cooling_groups`) is one sparse
product; the peers' loading is duty / running capacity, the shortfall is
duty - running capacity, and the racks the group serves are at risk when it
falls short. How stopped units move load between power feeds is
`twin.scenarios.cooling_feed_shift`; both are re-exported here.

Air side: the same equations as `twin.solve.airflow.solve_air` for a hall
that loses units: peers share the hall heat in proportion to capacity, fans
speed up to move the racks' air (cube law), an overloaded coil raises the
supply temperature ``T_sup = T_set + (T_set - T_coil)(Q/Q_cap - 1)``, air
the units cannot move is hot return air at the inlets. The racks' own rise
(recirculation) is unchanged, so the hottest inlet follows from the base
solve.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from twin.scenarios.cooling_feed_shift import (
    ELECTRIC,
    dead_units,
    duty_shift,
    electric_shift,
    feed_swaps,
    on_feeds,
    unit_electric_kw,
)
from twin.scenarios.cooling_groups import (
    COP_TOWER,
    CRAC_EVAP_BELOW_SUPPLY_K,
    UNIT_KINDS,
    CoolingBase,
    cooling_base,
)
from twin.units import K_AIR_KW_PER_M3S_K

__all__ = [
    "COP_TOWER",
    "CRAC_EVAP_BELOW_SUPPLY_K",
    "ELECTRIC",
    "K_AIR_KW_PER_M3S_K",
    "UNIT_KINDS",
    "CoolingBase",
    "CoolingBatch",
    "cooling_base",
    "dead_units",
    "duty_shift",
    "electric_shift",
    "feed_swaps",
    "on_feeds",
    "solve_cooling_batch",
    "unit_electric_kw",
]


@dataclass
class CoolingBatch:
    """Per contingency: units out, worst group, shortfall, racks at risk, hottest inlet."""

    units_out: np.ndarray  # (K,) count
    worst_group: np.ndarray  # (K,) group name or ""
    max_loading_pct: np.ndarray
    shortfall_kw: np.ndarray
    racks_at_risk: np.ndarray
    it_at_risk_kw: np.ndarray
    t_inlet_max_c: np.ndarray  # NaN without air tables
    at_risk: sp.csr_matrix | None = None  # (K x racks) 1 = rack at risk (powered, short of cooling)


def solve_cooling_batch(
    cb: CoolingBase,
    out: sp.csr_matrix,
    t_in_max0: float,
    unpowered: sp.csr_matrix | None = None,
) -> CoolingBatch:
    """Evaluate contingencies given `out` (units x K, 1 = unit out of service).

    `unpowered` (K x racks, 1 = rack without power) takes those racks off the at-risk list.
    """
    k_n = out.shape[1]
    ng = len(cb.group_names)
    g_of = sp.csr_matrix(
        (np.ones(len(cb.ids)), (cb.group, np.arange(len(cb.ids)))), shape=(ng, len(cb.ids))
    )
    cap_total = np.bincount(cb.group, cb.cap, ng)
    lost = (g_of @ sp.diags(cb.cap) @ out).tocoo()  # groups x K, capacity lost
    g, k, c_lost = lost.row, lost.col, lost.data
    cap_rem = cap_total[g] - c_lost
    duty = cb.duty[g]
    with np.errstate(divide="ignore", invalid="ignore"):
        load = np.where(cap_rem > 0, duty / cap_rem * 100.0, np.where(duty > 0, np.inf, 0.0))
    short = np.maximum(duty - np.maximum(cap_rem, 0.0), 0.0)
    # pumps carry m3/s: the missing share of flow leaves that share of the loop heat
    short_kw = np.where(duty > 0, short / np.where(duty > 0, duty, 1.0), 0.0) * cb.duty_kw[g]
    max_load = np.zeros(k_n)
    worst = np.full(k_n, "", dtype=object)
    if len(g):
        order = np.lexsort((-load, k))
        first = np.r_[True, k[order][1:] != k[order][:-1]]
        sel = order[first]
        max_load[k[sel]] = load[sel]
        worst[k[sel]] = cb.group_names[g[sel]]
    shortfall = np.bincount(k, short_kw, k_n)
    at_risk = (
        sp.csr_matrix(((short > 1e-9).astype(float), (k, g)), shape=(k_n, ng)) @ cb.group_racks
    )
    at_risk = (at_risk > 0).astype(float)
    if unpowered is not None and unpowered.nnz:
        at_risk = at_risk - at_risk.multiply(unpowered > 0)
        at_risk.eliminate_zeros()
    racks_risk = np.asarray(at_risk.sum(axis=1)).ravel()
    it_risk = at_risk @ cb.rack_kw
    t_max = np.full(k_n, t_in_max0)
    if cb.air is not None:
        t_max = _air_t_max(cb, out, g, k, t_max)
    else:
        t_max[:] = np.nan
    return CoolingBatch(
        units_out=np.asarray(out.sum(axis=0)).ravel(),
        worst_group=worst,
        max_loading_pct=max_load,
        shortfall_kw=shortfall,
        racks_at_risk=racks_risk,
        it_at_risk_kw=np.asarray(it_risk).ravel(),
        t_inlet_max_c=t_max,
        at_risk=at_risk.tocsr(),
    )


def _air_t_max(cb: CoolingBase, out: sp.csr_matrix, g, k, t_max) -> np.ndarray:
    """Hottest rack inlet per contingency from the air equations of the touched halls."""
    a = cb.air
    is_air = cb.group_kind[g] == "crahs"
    g, k = g[is_air], k[is_air]
    if not len(g):
        return t_max
    h = cb.hall_of_group[g]
    crah_rows = a["crah_pos"].reindex(cb.ids).to_numpy()
    crah_units = ~np.isnan(crah_rows)
    # per (hall, k) pair: running airflow, capacity, sum of setpoint terms over running units
    sub = out[crah_units]
    cr_idx = crah_rows[crah_units].astype(np.int64)
    coo = sub.tocoo()
    out_cr = sp.csr_matrix(
        (np.ones(len(coo.row)), (cr_idx[coo.row], coo.col)), shape=(len(a["v_ref"]), out.shape[1])
    )
    run0 = a["running0"].astype(float)
    hall_m = sp.csr_matrix(
        (np.ones(len(a["crah_hall"])), (a["crah_hall"], np.arange(len(a["crah_hall"])))),
        shape=(len(cb.hall_ids), len(a["v_ref"])),
    )

    # quantities lost per (hall, k): airflow, capacity, weighted setpoints, fans
    def lost(w):
        return np.asarray((hall_m @ sp.diags(w * run0) @ out_cr)[h, k]).ravel()

    def total(w):
        return np.asarray(hall_m @ (w * run0)).ravel()[h]

    v_ref, cap, t_set, t_coil, fan_ref = a["v_ref"], a["cap"], a["t_set"], a["t_coil"], a["fan_ref"]
    v_run = total(v_ref) - lost(v_ref)
    cap_run = total(cap) - lost(cap)
    v_need = a["v_need"][h]
    speed = np.where(v_run > 0, np.minimum(1.0, v_need / np.maximum(v_run, 1e-12)), 0.0)
    fan_run = (total(fan_ref) - lost(fan_ref)) * speed**3
    q = a["q_hall"][h] - a["fan_h"][h] + fan_run
    ratio = np.where(cap_run > 0, q / np.maximum(cap_run, 1e-12), np.inf)
    over = np.maximum(ratio - 1.0, 0.0)
    # airflow-weighted supply: sum v (t_set + (t_set - t_coil) over) / sum v over running units
    sv_set = total(v_ref * t_set) - lost(v_ref * t_set)
    sv_dt = total(v_ref * (t_set - t_coil)) - lost(v_ref * (t_set - t_coil))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_sup = (sv_set + sv_dt * over) / v_run
        v_sup = np.minimum(v_need, v_run)
        t_ret = t_sup + q / (K_AIR_KW_PER_M3S_K * v_sup)
        r = np.where(v_need > 0, 1.0 - np.minimum(1.0, v_run / v_need), 0.0)
        t_h = t_sup + (1 - r) * a["rise_max"][h] + r * (t_ret - t_sup)
    # a DX compressor cannot pump more than its capacity at the outdoor air: a hall whose
    # running units carry more than that share with a DX unit among them keeps heat it
    # cannot remove (no steady state), as twin.solve.coupled reports it ('uncooled')
    dx_run = total(cap * a["is_dx"]) - lost(cap * a["is_dx"])
    dx_over = ratio > a["dx_factor_h"][h] * (1 + 1e-9)
    t_h = np.where((cap_run > 0) & ~(dx_over & (dx_run > 0)), t_h, np.inf)
    # contingency max: the touched halls' new values and the untouched halls' base values
    base_h = a["t_in_max"]
    order = np.argsort(-np.nan_to_num(base_h, nan=-np.inf))
    touched = sp.csr_matrix((np.ones(len(h)), (k, h)), shape=(len(t_max), len(base_h))).tocsr()
    for kk in np.unique(k):
        hs = touched.indices[touched.indptr[kk] : touched.indptr[kk + 1]]
        rest = order[~np.isin(order, hs)]
        t_max[kk] = base_h[rest[0]] if len(rest) else -np.inf
    np.fmax.at(t_max, k, t_h)
    # a field hall that loses a unit (not all): its shares move with where the unit stood,
    # which the screen does not know; NaN sends the case to the full solve (sweep.at_risk)
    refield = a["refield_h"][h] & (lost(np.ones(len(v_ref))) > 0) & (v_run > 0)
    t_max[k[refield]] = np.nan
    return t_max
