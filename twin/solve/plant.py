"""Heat-rejection plant: free cooling (dry coolers, towers on the loop), chillers, condenser towers.

Per facility/chilled loop with heat Q and supply setpoint T_s, return
``T_ret = T_s + Q / (m cp)`` with the water m its pumps move (`return_rise_k`: the
flow-weighted mix of what comes back; ``T_s + dT_design`` where the loop's hydraulics are
not modelled or its variable-speed pumps follow the heat):
1. Free cooling (economiser) first: dry coolers reach ``T_db + approach``,
   cooling towers on the loop ``T_wb + approach`` [REFERENCE 4]. They take
   ``Q (T_ret - T_fc) / (T_ret - T_s)`` clipped to [0, Q] and to their capacity:
   all of it when ``T_fc <= T_s``, a precooling share when ``T_s < T_fc < T_ret``.
2. Chillers trim the rest, staged (fewest units that cover it, equal part load; on a
   loop with pipes, also enough of those with a branch (`chiller_branches`) to pass the
   water the loop needs at their design flows), the branch of each stopped chiller shut
   by its isolation valve (`closed_branches`, applied by the coupled solve's hydraulics),
   with the EnergyPlus/DOE-2 EIR model [REFERENCE 4]:
   ``Cap = Cap_ref CAPFT(T_chw,lvg, T_cond,ent)``,
   ``P = Cap / COP_ref * EIRFT * EIRFPLR(PLR)``; below min PLR the chiller
   cycles (power scaled by PLR / min PLR). Chilled water above the curve's
   range (4.44-10 C) is taken at constant lift (`curve_inputs`). Condenser entering: water-cooled
   ``T_wb + tower approach``, air-cooled ``T_db + AIR_COOLED_APPROACH_K``. An air-cooled
   chiller stops (high head pressure) where the outdoor air is above its ``t_ambient_max_c``
   (default the DX units' `twin.solve.dx_cop.MAX_AMBIENT_C`, 51.7 C): an 'over_temperature'
   violation names it, and its loop's heat falls to the others or is unremoved (audit 7 F5:
   at 55-60 C it ran on at COP 4.2-4.4, the curves read 63-68 C condenser air far past
   their fit, beside DX CRACs stopped at 51.7 C).
3. Condenser heat (Q + P) goes to the towers of the condenser loop, or to air.
Fans of dry coolers and towers follow the cube of their part load [REFERENCE 4].
Tower water: evaporation 1.47 L/kWh rejected [REFERENCE 4 calc] plus blowdown at
`CYCLES_OF_CONCENTRATION`.
Capacity, honestly (energy balance: heat in = heat rejected + heat unremoved):
- chillers are compressor-limited. Short at the setpoint, the loop runs warm:
  their leaving temperature rises until their available capacity (CAPFT, which
  grows with warmer chilled water) plus the free cooling at the loop's return
  (which rises with the supply, the flow unchanged) meets the load (bisection, at
  most `MAX_SUPPLY_RISE_K`); free cooling and chillers are then read at that warm
  state, never at the setpoint's return (audit 7 F1: dry coolers left idle under a
  return above their leaving water). Still short at that limit, every running chiller runs at
  full capacity (PLR 1, full-load power: never power scaled down with a load it
  cannot carry) and the rest of the heat is unremoved: an 'uncooled' violation
  with the shortfall, no steady state (the supply shown, setpoint + the limit,
  is a lower bound);
- dry coolers and towers are heat exchangers at full fan speed: past capacity
  they reject more at a larger water-to-air difference, the approach growing with
  load (``T_sup = T_amb + approach * Q / Q_cap`` at fixed water flow) [est: fixed
  UA at full airflow]; a loop with free cooling only supplies at that temperature.
The coupled solve feeds the supply temperature back to the CDUs and CRAH coils;
supply above setpoint is a violation naming the W class it drifts into. Heat of
a loop with no running equipment is unremoved ('uncooled'), and its supply is shown as
the chillers' at their limit, setpoint + `MAX_SUPPLY_RISE_K` (a lower bound: the water
keeps warming), so the units on it see warm water and losing more of the plant never
reads better than losing part of it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.solve.arrays import safe_div
from twin.solve.cache import per_twin
from twin.solve.dx_cop import ambient_limits_c
from twin.solve.results import violation
from twin.units import CP_WATER_J_KGK, RHO_WATER_KG_M3

CAPFT = (0.257896, 0.0389016, -0.00021708, 0.0468684, -0.00094284, -0.00034344)
EIRFT = (0.933884, -0.058212, 0.00450036, 0.00243, 0.000486, -0.001215)
EIRFPLR = (0.222903, 0.313387, 0.463710)
"""DOE-2 generic centrifugal chiller, COP_ref 5.5 at 6.67/29.4 C [REFERENCE 4, src]."""
T_CHW_RANGE_C = (4.44, 10.0)
T_COND_RANGE_C = (10.0, 50.0)
"""Curve input range [est: DOE-2 fit range for chilled water; condenser kept wide]."""
CP_KJ = CP_WATER_J_KGK / 1000.0


def curve_inputs(t_chw_c, t_cond_c):
    """Chilled-water and condenser temperatures fed to the curves.

    Above the fitted chilled-water range the quadratic turns upward
    (unphysical), so warm water is mapped at constant lift: both temperatures
    shift down by the excess [est: compressor power follows lift]. Then both
    are clamped to the range.
    """
    x = np.asarray(t_chw_c, float)
    excess = np.maximum(x - T_CHW_RANGE_C[1], 0.0)
    return np.clip(x - excess, *T_CHW_RANGE_C), np.clip(
        np.asarray(t_cond_c, float) - excess, *T_COND_RANGE_C
    )


AIR_COOLED_APPROACH_K = 8.0
"""Air-cooled condenser: entering temperature = dry bulb + approach [est]."""
EVAPORATION_L_PER_KWH = 1.47
"""Tower evaporation per kWh rejected [REFERENCE 4, calc from latent heat]."""
MAX_SUPPLY_RISE_K = 15.0
"""Largest rise of a loop's supply above setpoint searched when its chillers are short [est]."""
UNREMOVED_TOL_KW = 1e-6
"""A loop's shortfall below this is the split's floating-point round-off, read as 0."""
CYCLES_OF_CONCENTRATION = 4.0
"""Blowdown = evaporation / (cycles - 1) [est: typical 3-6 cycles]."""


def design_flow_m3_s(q_kw, dt_design_k) -> np.ndarray:
    """Water a loop's heat `q_kw` needs at its design rise, m3/s: ``Q / (rho cp dT_design)``
    (0 where the rise is 0). The need a loop's pumps must meet: the solve's pump speeds and
    short-pump check, the N-1 pump groups and the refresh's pump limit all read it."""
    return safe_div(
        np.asarray(q_kw, float), CP_KJ * RHO_WATER_KG_M3 * np.asarray(dt_design_k, float)
    )


def loop_flow_m3_s(q_kw, flow_m3_s, dt_design_k) -> np.ndarray:
    """Water a sink loop moves, m3/s: its pumps' solved flow where the coupled solve gives
    one (finite), else the flow its heat needs at the design rise (hydraulics not modelled)."""
    f = np.asarray(flow_m3_s, float)
    return np.where(np.isfinite(f), np.maximum(f, 0.0), design_flow_m3_s(q_kw, dt_design_k))


def return_rise_k(q_kw, flow_m3_s, dt_design_k) -> np.ndarray:
    """How far a sink loop's return sits above its supply, K: the one definition of a loop's
    return (free cooling, chillers, `res_loops.t_return_c` and the loop balance all read it).

    Conservation of energy with the water the pumps actually move, ``Q = m cp (T_ret - T_sup)``:
    the return is the flow-weighted mix of what comes back (each CDU's and coil's water,
    water that bypassed them at the supply temperature) plus the heat put straight into the
    loop (UPS, pumps). Pumps short of what the heat needs at the design rise make it warmer
    than ``T_sup + dT_design``; a loop without modelled hydraulics (flow NaN) or without water
    moving (flow 0) is taken at its design rise.
    """
    q, f = np.asarray(q_kw, float), np.asarray(flow_m3_s, float)
    dt = np.asarray(dt_design_k, float)
    moving = np.isfinite(f) & (f > 0)
    return np.where(moving, safe_div(q, CP_KJ * RHO_WATER_KG_M3 * np.where(moving, f, 1.0)), dt)


def biquadratic(c, x, y):
    """f(x, y) = a + b x + c x^2 + d y + e y^2 + f x y."""
    return c[0] + c[1] * x + c[2] * x**2 + c[3] * y + c[4] * y**2 + c[5] * x * y


def chiller_cop(t_chw_c, t_cond_c, plr=1.0, cop_ref=5.5, min_plr=0.1):
    """COP of the DOE-2 EIR chiller at leaving chilled water, entering condenser and part load."""
    x, y = curve_inputs(t_chw_c, t_cond_c)
    plr = np.asarray(plr, float)
    p_eff = np.maximum(plr, min_plr)
    eirplr = EIRFPLR[0] + EIRFPLR[1] * p_eff + EIRFPLR[2] * p_eff**2
    cycling = np.where(plr < min_plr, plr / min_plr, 1.0)
    # P / Cap_avail = EIRFT EIRFPLR cycling / COP_ref; Q / Cap_avail = PLR
    return plr * cop_ref / (biquadratic(EIRFT, x, y) * eirplr * cycling)


def makeup_hpe_m3_h(t_wb_c, range_k):
    """Make-up water of the HPE dc-rl tower (after Sharma et al. 2009), m3/h, before drift
    [REFERENCE 4, src]; for comparison, the plant uses evaporation per kWh."""
    return 0.044 * np.asarray(t_wb_c) + 0.3528 * np.asarray(range_k) + 0.101


@dataclass
class PlantModel:
    loop_ids: pd.Index  # heat-sink loops (facility/chilled/condenser)
    loop_set_c: np.ndarray
    loop_dt_k: np.ndarray
    ch_loop: np.ndarray
    ch_cond: np.ndarray  # condenser loop code, -1 air-cooled
    ch_order: np.ndarray  # chillers sorted by loop (staging order)
    ct_loop: np.ndarray
    dc_loop: np.ndarray
    ch_pipe: np.ndarray  # position in twin.pipes of each chiller's branch, -1 none


def chiller_branches(twin) -> np.ndarray:
    """Position in `twin.pipes` of each chiller's branch pipe (-1: none): the pipe named
    ``<chiller id>-PIPE`` on the chiller's loop, the name `twin generate` and the shipped
    layouts give it (the layout format has no field linking a chiller to its pipe)."""
    ch, pipes = twin.chillers, twin.pipes
    if not len(ch) or not len(pipes):
        return np.full(len(ch), -1, np.int64)
    name = pd.Index(ch.index.astype(str) + "-PIPE")
    pos = pipes.index.get_indexer(name)
    same = pipes["loop"].to_numpy()[np.maximum(pos, 0)] == ch["loop"].to_numpy()
    return np.where((pos >= 0) & same, pos, -1).astype(np.int64)


def closed_branches(model: PlantModel, n_pipes: int, on, isolate=None) -> np.ndarray:
    """Pipes whose isolation valve staging closes: the branch of every chiller that is not on
    (staged off, failed, no condenser water) on a loop where another chiller runs, so the
    running ones carry the loop's water and leave it at the supply the plant reports
    (audit 7 F4: an open branch of a stopped chiller mixed return water into the supply).
    Every chiller branch is taken to have one (variable-primary plants isolate a stopped
    chiller; the layout format cannot say otherwise). With no chiller on (free cooling
    alone, or none left) the branches stay open: the water has no other way back; so do they
    on a loop (`isolate` False, `PlantResult.isolate`) whose running chillers' design flows
    cannot pass the water it needs (too many failed: shut branches would starve its pumps)."""
    closed = np.zeros(n_pipes, bool)
    on = np.asarray(on, bool)
    if not len(on):
        return closed
    loop_on = np.bincount(model.ch_loop, on.astype(float), len(model.loop_ids)) > 0
    if isolate is not None:
        loop_on &= np.asarray(isolate, bool)
    shut = ~on & loop_on[model.ch_loop] & (model.ch_pipe >= 0)
    closed[model.ch_pipe[shut]] = True
    return closed


def build_plant_model(twin) -> PlantModel:
    loops = twin.loops
    sinks = loops[loops["kind"] != "tcs"] if len(loops) else loops
    pos = pd.Series(np.arange(len(sinks)), index=sinks.index)
    ch, ct, dc = twin.chillers, twin.cooling_towers, twin.dry_coolers
    ch_loop = ch["loop"].map(pos).to_numpy(np.int64) if len(ch) else np.zeros(0, np.int64)
    ch_cond = (
        ch["condenser_loop"].map(pos).fillna(-1).to_numpy(np.int64)
        if len(ch)
        else np.zeros(0, np.int64)
    )
    return PlantModel(
        loop_ids=sinks.index,
        loop_set_c=sinks["t_supply_c"].to_numpy(float) if len(sinks) else np.zeros(0),
        loop_dt_k=sinks["dt_design_k"].to_numpy(float) if len(sinks) else np.zeros(0),
        ch_loop=ch_loop,
        ch_cond=ch_cond,
        ch_order=np.argsort(ch_loop, kind="stable"),
        ct_loop=ct["loop"].map(pos).to_numpy(np.int64) if len(ct) else np.zeros(0, np.int64),
        dc_loop=dc["loop"].map(pos).to_numpy(np.int64) if len(dc) else np.zeros(0, np.int64),
        ch_pipe=chiller_branches(twin),
    )


def plant_model(twin) -> PlantModel:
    return per_twin(twin, "plant", build_plant_model)


@dataclass
class PlantResult:
    res_chillers: pd.DataFrame
    res_cooling_towers: pd.DataFrame
    res_dry_coolers: pd.DataFrame
    res_loops: pd.DataFrame
    electric: dict[str, np.ndarray]  # kind -> kW per unit
    ambient_kw: float  # heat rejected outdoors by the plant (incl. its own power)
    water_m3_h: float
    t_supply_c: np.ndarray  # actual supply temperature per loop (above setpoint when short)
    unremoved_kw: float  # heat of loops with no running equipment
    violations: list[dict]
    isolate: np.ndarray | None = None  # per loop: running chillers pass its water alone


def _col(t: pd.DataFrame, name: str) -> np.ndarray:
    return t[name].to_numpy(float) if len(t) else np.zeros(0)


def _cumsum_before(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Sum of the earlier entries of the same group, each group summed on its own (one
    loop's units never enter another loop's staging, not even by rounding)."""
    v = pd.Series(np.asarray(values, float))
    return (v.groupby(np.asarray(group)).cumsum() - v).to_numpy(float)


def solve_plant(
    twin,
    model: PlantModel,
    loop_q_kw: np.ndarray,
    t_db_c: float,
    t_wb_c: float,
    running: dict[str, np.ndarray],
    flow_m3_s: np.ndarray | None = None,
) -> PlantResult:
    """Reject each sink loop's heat `loop_q_kw` (order of `model.loop_ids`) at the given weather.

    `flow_m3_s`: water each loop's pumps move (NaN or None: the loop's hydraulics are not
    modelled, its water runs at the design rise); the loop's return is `return_rise_k`.
    """
    n = len(model.loop_ids)
    ch, ct, dc = twin.chillers, twin.cooling_towers, twin.dry_coolers
    run_ch, run_ct, run_dc = running["chillers"], running["cooling_towers"], running["dry_coolers"]
    t_set, dt = model.loop_set_c, model.loop_dt_k
    flow = np.full(n, np.nan) if flow_m3_s is None else np.asarray(flow_m3_s, float)
    t_ret = t_set + return_rise_k(loop_q_kw, flow, dt)

    # free cooling: dry coolers and towers directly on a loop that has no chiller condensing into it
    is_cond = np.zeros(n, bool)
    is_cond[model.ch_cond[model.ch_cond >= 0]] = True
    ct_fc = ~is_cond[model.ct_loop] if len(ct) else np.zeros(0, bool)
    dc_cap = _col(dc, "capacity_kw") * run_dc
    ct_cap = _col(ct, "capacity_kw") * run_ct
    fc_cap = np.bincount(model.dc_loop, dc_cap, n) + np.bincount(model.ct_loop, ct_cap * ct_fc, n)
    # float: bincount of an empty table (no dry coolers) is int64 and would refuse +=
    fc_app = np.bincount(model.dc_loop, dc_cap * (t_db_c + _col(dc, "approach_k")), n).astype(float)
    fc_app += np.bincount(model.ct_loop, ct_cap * ct_fc * (t_wb_c + _col(ct, "approach_k")), n)
    t_fc = np.where(fc_cap > 0, safe_div(fc_app, fc_cap), np.inf)
    fc_approach = safe_div(
        np.bincount(model.dc_loop, dc_cap * _col(dc, "approach_k"), n)
        + np.bincount(model.ct_loop, ct_cap * ct_fc * _col(ct, "approach_k"), n),
        fc_cap,
    )
    ch_cap_ref = _col(ch, "capacity_kw")
    # a water-cooled chiller rejects its heat through the towers of its condenser loop:
    # with none of them running it cannot run (high head pressure trips it)
    water = model.ch_cond >= 0
    cond_cap = np.bincount(model.ct_loop, ct_cap, n)
    run_ch = np.asarray(run_ch, bool) & (~water | (cond_cap[np.maximum(model.ch_cond, 0)] > 0))
    # an air-cooled chiller's condenser stops above its outdoor limit, as a DX unit's does
    hot = run_ch & ~water & (t_db_c > ambient_limits_c(ch))
    run_ch &= ~hot
    has_ch = np.bincount(model.ch_loop, run_ch.astype(float), n) > 0

    def free_cooling(rise_k):
        """Free cooling of each loop with its supply `rise_k` above setpoint: the return
        sits the loop's `return_rise_k` above that supply (the flow does not change with
        it), precooled towards `t_fc`; clipped to [0, Q] and to the units' capacity."""
        t_s = t_set + rise_k
        t_r = t_ret - t_set + t_s
        frac = np.clip(safe_div(t_r - t_fc, t_r - t_s), 0.0, 1.0)
        q = np.minimum(loop_q_kw * np.where(np.isfinite(t_fc), frac, 0.0), fc_cap)
        # no chiller: free cooling takes everything (the loop then runs warm: violation below)
        return np.where(has_ch | is_cond, q, np.where(fc_cap > 0, loop_q_kw, 0.0))

    q_fc = free_cooling(0.0)
    q_ch_loop = np.where(is_cond, 0.0, loop_q_kw - q_fc)

    # chillers: condenser entering temperature and available capacity
    cond_app = np.bincount(model.ct_loop, ct_cap * _col(ct, "approach_k"), n)
    tower_app = np.where(cond_cap > 0, safe_div(cond_app, cond_cap), np.nan)
    t_cond = np.where(
        water, t_wb_c + tower_app[np.maximum(model.ch_cond, 0)], t_db_c + AIR_COOLED_APPROACH_K
    )

    def available(t_lvg_loop):
        x, y = curve_inputs(t_lvg_loop[model.ch_loop] if len(ch) else np.zeros(0), t_cond)
        # where, not a product: a stopped unit's inputs may be NaN (no condenser water), and
        # NaN * 0 would poison the staging sums of every loop after it
        return np.where(run_ch, ch_cap_ref * biquadratic(CAPFT, x, y), 0.0), x, y

    # chillers short at the setpoint: the loop warms until what its chillers (capacity grows
    # with warmer leaving water) and its free cooling (from the warmer return) take meets the
    # load; both grow with the supply, so the lowest such supply is found by bisection
    cap_set = np.bincount(model.ch_loop, available(t_set)[0], n)
    ch_short = has_ch & ~is_cond & (q_ch_loop > cap_set * (1 + 1e-9))
    rise = np.zeros(n)
    if ch_short.any():
        lo_k, hi_k = np.zeros(n), np.full(n, MAX_SUPPLY_RISE_K)
        for _ in range(60):
            mid = 0.5 * (lo_k + hi_k)
            cap_mid = np.bincount(model.ch_loop, available(t_set + mid)[0], n)
            ok = cap_mid + free_cooling(mid) >= loop_q_kw
            hi_k, lo_k = np.where(ok, mid, hi_k), np.where(ok, lo_k, mid)
        rise = np.where(ch_short, hi_k, 0.0)
        # free cooling at the loop's actual (warmer) return; the chillers take the rest
        q_fc = np.where(ch_short, free_cooling(rise), q_fc)
        q_ch_loop = np.where(is_cond, 0.0, loop_q_kw - q_fc)
    t_lvg = t_set + rise
    cap_av, t_chw, t_cnd = available(t_lvg)
    # staging: in loop order, a chiller runs if the ones before it cannot cover the load, or
    # (a chiller with its own branch: `closed_branches` shuts a stopped one's valve) cannot
    # pass the water the loop needs at their design flows, cap_ref / (rho cp dT_design): a
    # variable-primary plant stages on flow as well as load [est: evaporator flow limits]
    o = model.ch_order
    lo = model.ch_loop[o]
    before = _cumsum_before(cap_av[o], lo)
    piped = (model.ch_pipe >= 0) & (cap_av > 0)
    ch_flow = np.where(piped, safe_div(ch_cap_ref, CP_KJ * RHO_WATER_KG_M3 * dt[model.ch_loop]), 0)
    # the water the loop needs (its heat at the design rise), not what starved pumps move:
    # branches shut for want of chillers would starve them further
    loop_f = np.where(np.isfinite(flow), np.maximum(flow, design_flow_m3_s(loop_q_kw, dt)), 0.0)
    flow_before = _cumsum_before(ch_flow[o], lo)
    for_flow = piped[o] & (q_ch_loop[lo] > 0) & (flow_before < loop_f[lo] * (1 - 1e-9))
    on = np.zeros(len(ch), bool)
    on[o] = ((before < q_ch_loop[lo] - 1e-9) | for_flow) & (cap_av[o] > 0)
    on_cap = np.bincount(model.ch_loop, cap_av * on, n)
    # short even at the largest rise: every chiller at full capacity, the rest unremoved
    beyond = has_ch & ~is_cond & (q_ch_loop > on_cap * (1 + 1e-9))
    q_ch_served = np.where(beyond, on_cap, q_ch_loop)
    # a loop with running chillers but zero load keeps none on
    q_ch = np.where(on, q_ch_served[model.ch_loop] * safe_div(cap_av, on_cap[model.ch_loop]), 0.0)
    plr = safe_div(q_ch, cap_av)
    cop_ref = _col(ch, "cop_ref")
    min_plr = _col(ch, "min_plr")
    cop = np.where(on, chiller_cop(t_chw, t_cnd, np.maximum(plr, 1e-9), cop_ref, min_plr), np.nan)
    p_ch = np.where(on, safe_div(q_ch, cop), 0.0)
    q_cond = np.bincount(model.ch_cond[water], (q_ch + p_ch)[water], n)
    q_air_cond = float((q_ch + p_ch)[~water].sum())

    # towers and dry coolers share their loop's load by running capacity
    ct_load_loop = np.where(is_cond, q_cond, q_fc)
    ct_cap_loop = np.bincount(model.ct_loop, ct_cap * (ct_fc | is_cond[model.ct_loop]), n)
    dc_cap_loop = np.bincount(model.dc_loop, dc_cap, n)
    fc_total = np.where(is_cond, 0.0, q_fc)
    # free cooling split between dry coolers and towers on the same loop by capacity
    dc_share = safe_div(dc_cap_loop, dc_cap_loop + np.where(is_cond, 0.0, ct_cap_loop))
    q_dc = np.where(
        run_dc,
        (fc_total * dc_share)[model.dc_loop] * safe_div(dc_cap, dc_cap_loop[model.dc_loop]),
        0.0,
    )
    ct_loop_q = np.where(is_cond, ct_load_loop, fc_total * (1.0 - dc_share))
    q_ct = np.where(
        run_ct, ct_loop_q[model.ct_loop] * safe_div(ct_cap, ct_cap_loop[model.ct_loop]), 0.0
    )
    dc_plr = safe_div(q_dc, _col(dc, "capacity_kw"))
    ct_plr = safe_div(q_ct, _col(ct, "capacity_kw"))
    p_dc = _col(dc, "fan_kw") * np.minimum(dc_plr, 1.0) ** 3 * run_dc
    p_ct = _col(ct, "fan_kw") * np.minimum(ct_plr, 1.0) ** 3 * run_ct
    evap = EVAPORATION_L_PER_KWH * q_ct / 1000.0  # m3/h
    makeup = evap * (1.0 + 1.0 / (CYCLES_OF_CONCENTRATION - 1.0))
    # heat not placed anywhere (no running equipment at all on a loop)
    placed = (
        np.bincount(model.dc_loop, q_dc, n)
        + np.bincount(model.ct_loop, q_ct, n) * ~is_cond
        + np.bincount(model.ch_loop, q_ch, n)
    )
    short = np.where(is_cond, 0.0, loop_q_kw - placed)
    cond_short = np.where(is_cond, q_cond - np.bincount(model.ct_loop, q_ct, n), 0.0)
    # the split's round-off (3.6e-12 kW on the refreshed 26 MW hall) is not heat left over:
    # it printed "the solve leaves 0 kW unremoved: cooling understated"
    short = np.where(short > UNREMOVED_TOL_KW, short, 0.0)
    cond_short = np.where(cond_short > UNREMOVED_TOL_KW, cond_short, 0.0)
    ambient = float(q_dc.sum() + p_dc.sum() + q_ct.sum() + p_ct.sum() + q_air_cond)

    res_chillers = pd.DataFrame(
        {
            "running": run_ch,
            "on": on,
            "load_kw": q_ch,
            "capacity_avail_kw": cap_av,
            "plr": plr,
            # the water it leaves at: the setpoint, or warmer where the loop's chillers are
            # short; none for a chiller that is off (like its COP)
            "t_chw_leaving_c": np.where(on, t_lvg[model.ch_loop], np.nan)
            if len(ch)
            else np.zeros(0),
            "t_cond_entering_c": t_cond,
            "cop": cop,
            "p_kw": p_ch,
            "condenser_kw": q_ch + p_ch,
        },
        index=ch.index,
    )
    res_ct = pd.DataFrame(
        {
            "running": run_ct,
            "load_kw": q_ct,
            "plr": ct_plr,
            "t_water_c": t_wb_c + _col(ct, "approach_k"),
            "fan_kw": p_ct,
            "evaporation_m3_h": evap,
            "makeup_m3_h": makeup,
        },
        index=ct.index,
    )
    res_dc = pd.DataFrame(
        {
            "running": run_dc,
            "load_kw": q_dc,
            "plr": dc_plr,
            "t_water_c": t_db_c + _col(dc, "approach_k"),
            "fan_kw": p_dc,
        },
        index=dc.index,
    )
    fc_only = ~has_ch & ~is_cond & (fc_cap > 0)
    # free cooling past capacity: the approach grows with load (module docstring)
    t_fc_load = t_fc + fc_approach * np.maximum(safe_div(loop_q_kw, fc_cap) - 1.0, 0.0)
    t_supply = np.where(
        fc_only, np.maximum(t_set, np.where(np.isfinite(t_fc), t_fc_load, t_set)), t_lvg
    )
    t_supply = np.where(is_cond & (cond_cap > 0), t_wb_c + tower_app, t_supply)
    # nothing rejects a loop's heat: it keeps warming; shown at the chillers' limit
    nothing = ~is_cond & ~has_ch & ~(fc_cap > 0) & (loop_q_kw > 0)
    t_supply = np.where(nothing, t_set + MAX_SUPPLY_RISE_K, t_supply)
    q_water = np.where(is_cond, q_cond, loop_q_kw)  # the heat each loop's water carries
    res_loops = pd.DataFrame(
        {
            "q_kw": q_water,
            "free_cooling_kw": np.where(is_cond, 0.0, q_fc),
            # what the chillers remove (not what was left to them: the rest is unremoved_kw)
            "chiller_kw": np.bincount(model.ch_loop, q_ch, n),
            "t_free_cooling_c": np.where(np.isfinite(t_fc), t_fc, np.nan),
            "t_setpoint_c": t_set,
            "t_supply_c": t_supply,
            "flow_m3_s": loop_flow_m3_s(q_water, flow, dt),
            "t_return_c": t_supply + return_rise_k(q_water, flow, dt),
            "unremoved_kw": np.maximum(np.where(is_cond, cond_short, short), 0.0),
        },
        index=model.loop_ids,
    )
    viol = []
    for i in np.flatnonzero(on & (plr > 1 + 1e-9)):
        viol.append(
            violation(
                ch.index[i],
                "over_capacity",
                q_ch[i],
                cap_av[i],
                "kW",
                f"chiller load {q_ch[i]:.0f} kW over its {cap_av[i]:.0f} kW available "
                f"at {t_cond[i]:.1f} °C condenser water",
            )
        )
    limit = ambient_limits_c(ch)
    for i in np.flatnonzero(hot):
        viol.append(
            violation(
                ch.index[i],
                "over_temperature",
                t_db_c,
                limit[i],
                "C",
                f"outdoor air {t_db_c:.1f} °C above its air-cooled condenser's {limit[i]:.1f} °C "
                "limit: stopped (high head pressure)",
            )
        )
    for kind, t, q, plr_ in (
        ("cooling_towers", ct, q_ct, ct_plr),
        ("dry_coolers", dc, q_dc, dc_plr),
    ):
        for i in np.flatnonzero(plr_ > 1 + 1e-9):
            viol.append(
                violation(
                    t.index[i],
                    "over_capacity",
                    q[i],
                    t["capacity_kw"].iat[i],
                    "kW",
                    f"{kind[:-1].replace('_', ' ')} load {q[i]:.0f} kW over capacity",
                )
            )
    for j in np.flatnonzero(ch_short):
        viol.append(
            violation(
                model.loop_ids[j],
                "over_capacity",
                q_ch_loop[j],
                cap_set[j],
                "kW",
                f"chillers short at the {t_set[j]:.1f} °C setpoint: supply rises to {t_lvg[j]:.1f} °C",
            )
        )
    from twin.solve.liquid import w_class

    warm = ~is_cond & (loop_q_kw > 0) & (t_supply > t_set + 0.05)
    cls_set, cls_now = w_class(t_set), w_class(t_supply)
    for j in np.flatnonzero(warm):
        viol.append(
            violation(
                model.loop_ids[j],
                "coolant_temperature",
                t_supply[j],
                t_set[j],
                "C",
                f"supply {t_supply[j]:.1f} °C above its {t_set[j]:.1f} °C setpoint "
                f"({cls_set[j]} design, now {cls_now[j]})",
            )
        )
    for j in np.flatnonzero((short > 0) | (cond_short > 0)):
        s = max(short[j], cond_short[j])
        why = (
            f"chillers at full capacity ({on_cap[j]:.0f} kW at {t_lvg[j]:.1f} °C leaving, "
            f"{MAX_SUPPLY_RISE_K:.0f} K above setpoint) leave {s:.0f} kW unremoved: no steady "
            "state, the loop keeps warming"
            if beyond[j]
            else f"{s:.0f} kW with no running equipment to reject it: no steady state, the "
            f"loop keeps warming (its supply shown, {t_supply[j]:.1f} °C, is a lower bound)"
        )
        viol.append(violation(model.loop_ids[j], "uncooled", s, 0.0, "kW", why))
    return PlantResult(
        res_chillers=res_chillers,
        res_cooling_towers=res_ct,
        res_dry_coolers=res_dc,
        res_loops=res_loops,
        electric={"chillers": p_ch, "cooling_towers": p_ct, "dry_coolers": p_dc},
        ambient_kw=ambient,
        water_m3_h=float(makeup.sum()),
        t_supply_c=t_supply,
        unremoved_kw=float(np.maximum(short, 0).sum() + np.maximum(cond_short, 0).sum()),
        violations=viol,
        isolate=np.bincount(model.ch_loop, ch_flow * on, n) >= loop_f * (1 - 1e-9),
    )
