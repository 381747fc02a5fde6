"""Liquid cooling: technology (TCS) loops, CDUs as counterflow heat exchangers, rack coolant.

Per TCS loop (REFERENCE 3):
- racks get a constant design flow, m = Q_design,liquid / (cp dT_design); the
  rack's coolant rises by Q / (m cp);
- running CDUs of the loop share its heat and flow in proportion to capacity;
  a CDU's secondary pump follows the affinity law, P = P_rated (m/m_rated)^3,
  up to its design flow (`CDU_FLOW_MAX`; beyond, the loop's flow falls short as
  with `tcs_flow_frac`), and its heat joins the loop;
- each CDU is an effectiveness-NTU counterflow exchanger between the TCS
  return and the facility water supply. UA comes from the design point
  (capacity at design approach, TCS and facility design rises) and scales with
  TCS flow as UA ~ m^0.8 [REFERENCE 3: 0.7-0.8]. With full facility flow the
  CDU reaches ``T_sup = T_fws + Q/(eps C_min) - Q/C_tcs``; if that is below the
  setpoint, the facility valve throttles (flow found by bisection) and the
  setpoint holds; otherwise the TCS supply rises (a violation).

Short pumps (the coupled solve finds them from the pipe networks):
- `cc_max_kw_k` caps a CDU's facility flow (its facility loop's pumps move
  less than the units draw): it is the valve's "full open", so the CDU holds
  its setpoint only if that flow suffices, else the TCS supply rises;
- `tcs_flow_frac` scales a TCS loop's flow (its own pumps move less than the
  racks' design flow): the racks' coolant rise grows as 1 / fraction, and a
  return above the design return (setpoint + design rise) is a violation.

A TCS loop with no CDU running moves no heat: its heat is unremoved, its
supply and the racks' coolant temperatures are NaN (no steady state exists)
and the loop and each rack with liquid heat on it get an 'uncooled' violation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.solve.arrays import safe_div
from twin.solve.cache import per_twin
from twin.solve.results import violation
from twin.units import CP_WATER_J_KGK, RHO_WATER_KG_M3

UA_FLOW_EXPONENT = 0.8
"""UA ~ m_dot^n [REFERENCE 3: 0.7-0.8]."""
W_CLASSES = [(17.0, "W17"), (27.0, "W27"), (32.0, "W32"), (40.0, "W40"), (45.0, "W45")]
"""ASHRAE liquid classes by facility water supply limit [REFERENCE 2]."""
CP_KJ = CP_WATER_J_KGK / 1000.0
CDU_FLOW_MAX = 1.0
"""Most TCS flow a running CDU's secondary pump moves, as a share of its design flow (its
capacity over the loop's design rise): the layout's `pump_kw` is at design flow, taken as
full speed, as the loop pumps' speed is at most 1 [est]. With CDUs failed the ones left
cannot carry the whole loop's flow: the racks get less coolant and run hotter."""


def effectiveness(ntu, cr):
    """Counterflow eps(NTU, Cr) [REFERENCE 3]; the Cr -> 1 limit is NTU / (1 + NTU)."""
    ntu, cr = np.broadcast_arrays(np.asarray(ntu, float), np.asarray(cr, float))
    near = np.abs(1.0 - cr) < 1e-9
    e = np.exp(-ntu * (1.0 - cr))
    with np.errstate(invalid="ignore", divide="ignore"):
        eps = np.where(near, ntu / (1.0 + ntu), (1.0 - e) / (1.0 - cr * e))
    return eps


def ntu_from_effectiveness(eps, cr):
    """Inverse of `effectiveness` for counterflow."""
    eps, cr = np.broadcast_arrays(np.asarray(eps, float), np.asarray(cr, float))
    near = np.abs(1.0 - cr) < 1e-9
    with np.errstate(invalid="ignore", divide="ignore"):
        gen = np.log((1.0 - eps * cr) / (1.0 - eps)) / (1.0 - cr)
    return np.where(near, eps / (1.0 - eps), gen)


def w_class(t_c) -> np.ndarray:
    """ASHRAE W class of a facility water supply temperature ('W+' above 45 C)."""
    t = np.asarray(t_c, float)
    out = np.full(t.shape, "W+", dtype=object)
    for limit, name in reversed(W_CLASSES):
        out[t <= limit] = name
    return out


@dataclass
class LiquidModel:
    loop_ids: pd.Index  # TCS loops
    rack_loop: np.ndarray  # loop code per rack, -1 none
    rack_c_kw_k: np.ndarray  # design coolant heat capacity rate per rack, kW/K
    cdu_loop: np.ndarray
    cdu_cap: np.ndarray
    cdu_ua_d: np.ndarray  # design UA, kW/K
    cdu_ch_d: np.ndarray  # design TCS C, kW/K
    cdu_cc_d: np.ndarray  # design facility C, kW/K
    cdu_pump_kw: np.ndarray
    loop_set_c: np.ndarray


def build_liquid_model(twin) -> LiquidModel:
    loops, racks, cdus = twin.loops, twin.racks, twin.cdus
    tcs = loops[loops["kind"] == "tcs"] if len(loops) else loops
    pos = pd.Series(np.arange(len(tcs)), index=tcs.index)
    rack_loop = racks["liquid_loop"].map(pos).fillna(-1).to_numpy(np.int64)
    dt = tcs["dt_design_k"].to_numpy(float) if len(tcs) else np.zeros(0)
    liq_d = racks["power_kw"].to_numpy(float) * racks["liquid_fraction"].to_numpy(float)
    dt_rack = np.r_[dt, 1.0][np.where(rack_loop >= 0, rack_loop, len(dt))]
    rack_c = np.where(rack_loop >= 0, liq_d / dt_rack, 0.0)
    if len(cdus):
        cdu_loop = cdus["loop"].map(pos).to_numpy(np.int64)
        cap = cdus["capacity_kw"].to_numpy(float)
        appr = cdus["approach_k"].to_numpy(float)
        dt_fws = cdus["facility_loop"].map(loops["dt_design_k"]).to_numpy(float)
        ch = cap / dt[cdu_loop]
        cc = cap / dt_fws
        cmin, cmax = np.minimum(ch, cc), np.maximum(ch, cc)
        eps_d = np.minimum(cap / (cmin * (appr + dt[cdu_loop])), 1.0 - 1e-9)
        ua = ntu_from_effectiveness(eps_d, cmin / cmax) * cmin
        pump = cdus["pump_kw"].to_numpy(float)
    else:
        cdu_loop = np.zeros(0, np.int64)
        cap = ua = ch = cc = pump = np.zeros(0)
    return LiquidModel(
        loop_ids=tcs.index,
        rack_loop=rack_loop,
        rack_c_kw_k=rack_c,
        cdu_loop=cdu_loop,
        cdu_cap=cap,
        cdu_ua_d=ua,
        cdu_ch_d=ch,
        cdu_cc_d=cc,
        cdu_pump_kw=pump,
        loop_set_c=tcs["t_supply_c"].to_numpy(float) if len(tcs) else np.zeros(0),
    )


def liquid_model(twin) -> LiquidModel:
    return per_twin(twin, "liquid", build_liquid_model)


@dataclass
class LiquidResult:
    res_cdus: pd.DataFrame
    res_loops: pd.DataFrame  # TCS loops
    t_coolant_supply_c: np.ndarray  # per rack (NaN if none)
    t_coolant_return_c: np.ndarray
    coolant_flow_m3_s: np.ndarray
    facility_kw: np.ndarray  # heat each CDU puts into its facility loop
    electric_kw: np.ndarray  # CDU pump power
    unremoved_kw: float
    violations: list[dict]


def solve_liquid(
    twin,
    model: LiquidModel,
    rack_liquid_kw: np.ndarray,
    running: np.ndarray,
    t_fws_c: np.ndarray,
    cc_max_kw_k: np.ndarray | None = None,
    tcs_flow_frac: np.ndarray | None = None,
) -> LiquidResult:
    """CDU duty, coolant temperatures and flows for given rack liquid heat.

    `t_fws_c`: facility water supply temperature at each CDU.
    `cc_max_kw_k`: most facility flow each CDU can get, kW/K (None: its design flow).
    `tcs_flow_frac`: flow of each TCS loop as a fraction of the racks' design flow
    (None: 1); a loop at 0 moves no heat (its CDUs must be passed as not running).
    """
    nl = len(model.loop_ids)
    lp = model.cdu_loop
    run = running.astype(bool)
    frac = np.ones(nl) if tcs_flow_frac is None else np.asarray(tcs_flow_frac, float)
    rl0 = model.rack_loop
    c_design = np.bincount(rl0[rl0 >= 0], model.rack_c_kw_k[rl0 >= 0], nl)
    # the running CDUs' own pumps move at most their design flow each (full speed)
    cdu_max = np.bincount(lp, model.cdu_ch_d * CDU_FLOW_MAX * run, nl)
    need = c_design * frac
    # no CDU running (no flow question) or no flow asked: as asked
    by_cdus = np.where((cdu_max > 0) & (need > 0), np.minimum(1.0, safe_div(cdu_max, need)), 1.0)
    frac = frac * by_cdus
    rack_c = np.where(rl0 >= 0, model.rack_c_kw_k * np.r_[frac, 1.0][rl0], 0.0)
    c_loop = np.bincount(rl0[rl0 >= 0], rack_c[rl0 >= 0], nl)
    cap_run = np.bincount(lp, model.cdu_cap * run, nl)
    share = np.where(run, safe_div(model.cdu_cap, cap_run[lp]), 0.0)
    ch = c_loop[lp] * share
    ratio = safe_div(ch, model.cdu_ch_d)
    pump = np.where(run, model.cdu_pump_kw * ratio**3, 0.0)
    q_rack = np.bincount(
        model.rack_loop[model.rack_loop >= 0], rack_liquid_kw[model.rack_loop >= 0], nl
    )
    q_loop = q_rack + np.bincount(lp, pump, nl)
    cooled = cap_run > 0
    q = q_loop[lp] * share
    t_set = model.loop_set_c[lp] if len(lp) else np.zeros(0)

    ua = model.cdu_ua_d * ratio**UA_FLOW_EXPONENT
    cc_d = model.cdu_cc_d
    if cc_max_kw_k is not None:
        cc_d = np.minimum(cc_d, np.maximum(np.asarray(cc_max_kw_k, float), 0.0))

    def eps_for(cc):
        cmin, cmax = np.minimum(ch, cc), np.maximum(ch, cc)
        return effectiveness(safe_div(ua, cmin), safe_div(cmin, cmax)), cmin

    eps, cmin = eps_for(cc_d)
    t_sup_min = t_fws_c + safe_div(q, eps * cmin) - safe_div(q, ch)
    hold = t_sup_min <= t_set
    t_sup = np.where(hold, t_set, t_sup_min)
    t_ret = t_sup + safe_div(q, ch)
    # facility flow that just holds the setpoint: bisection on C_c (g increasing in C_c)
    lo = np.minimum(safe_div(q, np.maximum(t_ret - t_fws_c, 1e-9)), cc_d)
    hi = cc_d.copy()
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        e, cm = eps_for(mid)
        ok = e * cm * (t_ret - t_fws_c) >= q
        hi = np.where(ok, mid, hi)
        lo = np.where(ok, lo, mid)
    cc = np.where(hold & (q > 0), hi, np.where(q > 0, cc_d, 0.0))
    t_fws_ret = t_fws_c + safe_div(q, cc)
    t_fws_ret = np.where(q > 0, t_fws_ret, t_fws_c)
    run_q = run & (q > 0)

    # loop supply: flow-weighted mix of running CDUs
    t_loop_sup = np.where(
        cooled,
        safe_div(np.bincount(lp, ch * t_sup * run_q, nl), np.bincount(lp, ch * run_q, nl)),
        np.nan,
    )
    t_loop_sup = np.where(cooled & (np.bincount(lp, run_q, nl) == 0), model.loop_set_c, t_loop_sup)
    rl = model.rack_loop
    has = rl >= 0
    ts = np.r_[t_loop_sup, np.nan][np.where(has, rl, nl)]
    tr = np.where(has, ts + safe_div(rack_liquid_kw, rack_c), np.nan)
    flow = rack_c / CP_KJ / RHO_WATER_KG_M3

    cdus = twin.cdus
    res_cdus = pd.DataFrame(
        {
            "running": run,
            "load_kw": q,
            "loading_pct": 100.0 * safe_div(q, model.cdu_cap),
            "pump_kw": pump,
            "tcs_flow_m3_s": ch / CP_KJ / RHO_WATER_KG_M3,
            "facility_flow_m3_s": cc / CP_KJ / RHO_WATER_KG_M3,
            "t_tcs_supply_c": np.where(run, t_sup, np.nan),
            "t_tcs_return_c": np.where(run, t_ret, np.nan),
            "t_fws_supply_c": t_fws_c,
            "t_fws_return_c": np.where(run, t_fws_ret, np.nan),
            "approach_k": np.where(run, t_sup - t_fws_c, np.nan),
            "effectiveness": np.where(run_q, eps_for(cc)[0], np.nan),
            "w_class": w_class(t_fws_c),
        },
        index=cdus.index,
    )
    t_ret_loop = t_loop_sup + safe_div(q_loop, c_loop)
    t_ret_design = model.loop_set_c + safe_div(q_loop, c_design)
    res_loops = pd.DataFrame(
        {
            "q_kw": q_loop,
            "capacity_kw": cap_run,
            "flow_m3_s": c_loop / CP_KJ / RHO_WATER_KG_M3,
            "t_supply_c": t_loop_sup,
            "t_return_c": t_ret_loop,
            "unremoved_kw": np.where(cooled, 0.0, q_loop),
        },
        index=model.loop_ids,
    )
    viol = []
    for i in np.flatnonzero(q > model.cdu_cap * (1 + 1e-9)):
        viol.append(
            violation(
                cdus.index[i],
                "over_capacity",
                q[i],
                model.cdu_cap[i],
                "kW",
                f"CDU load {q[i]:.0f} kW over its {model.cdu_cap[i]:.0f} kW capacity",
            )
        )
    for i in np.flatnonzero(run_q & ~hold & (t_sup > t_set + 1e-6)):
        viol.append(
            violation(
                cdus.index[i],
                "coolant_temperature",
                t_sup[i],
                t_set[i],
                "C",
                f"TCS supply {t_sup[i]:.1f} °C above its {t_set[i]:.1f} °C setpoint",
            )
        )
    for j in np.flatnonzero(cooled & (frac < 1.0) & (t_ret_loop > t_ret_design + 1e-6)):
        who = "the running CDUs' pumps, at full speed," if by_cdus[j] < 1.0 else "pumps"
        viol.append(
            violation(
                model.loop_ids[j],
                "coolant_temperature",
                t_ret_loop[j],
                t_ret_design[j],
                "C",
                f"{who} move {100 * frac[j]:.0f} % of the racks' coolant flow: return "
                f"{t_ret_loop[j]:.1f} °C, {t_ret_design[j]:.1f} °C at design flow",
            )
        )
    for j in np.flatnonzero(~cooled & (q_loop > 0)):
        viol.append(
            violation(
                model.loop_ids[j],
                "uncooled",
                q_loop[j],
                0.0,
                "kW",
                f"{q_loop[j]:.0f} kW of liquid heat and no CDU running",
            )
        )
    # every rack whose liquid heat has nowhere to go: its coolant has no steady temperature
    uncooled = np.r_[~cooled, False][np.where(has, rl, nl)] & (rack_liquid_kw > 0)
    for i in np.flatnonzero(uncooled):
        viol.append(
            violation(
                twin.racks.index[i],
                "uncooled",
                rack_liquid_kw[i],
                0.0,
                "kW",
                f"{rack_liquid_kw[i]:.1f} kW of liquid heat into {model.loop_ids[rl[i]]} with no "
                "CDU running: no steady coolant temperature",
            )
        )
    return LiquidResult(
        res_cdus=res_cdus,
        res_loops=res_loops,
        t_coolant_supply_c=ts,
        t_coolant_return_c=tr,
        coolant_flow_m3_s=np.where(has, flow, np.nan),
        facility_kw=np.where(run, q, 0.0),
        electric_kw=pump,
        unremoved_kw=float(q_loop[~cooled].sum()),
        violations=viol,
    )
