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
- a utility outage (`twin.solve.timeline_outage`): UPS batteries carry their
  UPSs' load until the generators take over; what they cannot carry is dropped
  (`load_dropped` per UPS), the cooling plant is off until the generators and the
  chillers' restart; the generator supplies the rest of the outage;
- the heat the loops take up (IT + losses) and the heat the plant removes: the
  plant removes it through the same first-order lag, exact for piecewise-constant
  heat (`heat_store`), the loops holding ``tau x Q_removed`` (plus whatever piles
  up while the plant is off); `loop_warming_k` is that extra heat over the loops'
  heat capacity, the most within each step (at the end of the plant's stop, in closed
  form), so an hourly step with a 10 min stop sees the same peak as 1 s steps. Cooling
  power is sampled at each step's end (so hourly steps give the steady value), scaled by the heat removed over the heat a running
  plant would remove while an outage holds the plant off or it catches up;
- ``grid = facility + UPS recharge - UPS discharge - generator + BESS charge -
  BESS discharge`` (the site BESS sits at the grid connection, idle in an outage).

Energy balances over the horizon, checked to `BALANCE_REL_TOL` of the supply
(grid + generator): ``supply = IT + losses + cooling + change of stored energy +
storage losses`` (stored energy from the BESS, rack-store and UPS state-of-charge
tracks, not from the flows that made it), and the site's first law ``supply =
heat removed + cooling + storage losses + change of stored energy + change of the
loops' stored heat`` (the heat from its own track, the removal from the lag's
closed-form mean).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from twin.errors import names
from twin.solve.results import BALANCE_REL_TOL, UNREMOVED_FLOOR_KW
from twin.solve.timeline_outage import Outage, UpsBank, bridge, overlap
from twin.solve.timeline_response import Response, evaluate, evaluate_groups
from twin.solve.timeline_storage import Store, dispatch, extra_heat_peak, heat_store, losses_kw
from twin.solve.transient import COOLANT_M3_PER_MW, loop_water_kj_k
from twin.units import CP_WATER_J_KGK, RHO_WATER_KG_M3

DESIGN_RISE_K = 10.0
"""Loop design temperature rise for the cooling lag [REFERENCE 3 loops, 10 K default]."""
COOLING_TAU_S = COOLANT_M3_PER_MW * RHO_WATER_KG_M3 * CP_WATER_J_KGK * DESIGN_RISE_K / 1e6
"""Time constant of the plant's heat removal and cooling power following heat, s: the loops'
water heat capacity over the conductance of their flow, C / (m_dot cp) = (2 m3/MW x rho cp)
/ (1 MW / dT) = the water's transit time ~ 84 s [est, from REFERENCE 6's 2 m3/MW of loop
water and REFERENCE 3's 10 K design rise]."""

LOOP_WARMING_LIMIT_K = DESIGN_RISE_K
"""Loop water this far above its steady temperature is a 'loop_warming' violation [est: one
more design rise puts a W32-W45 loop's rack coolant at or past its limit, REFERENCE 2-3]."""

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
    t_wb_c: np.ndarray | None = None  # (n,) wet bulb; None: the fit's own at each dry bulb
    # (n,) IT asked for but off, already taken out of `it_kw`: racks shut down by heat in an
    # outage (`twin.scenarios.timeline_thermal`); counted in `it_lost_kw` (None: none)
    it_off_kw: np.ndarray | None = None


@dataclass
class Solved:
    """Per-step results of one timeline (kW, kWh) and the energy balance."""

    dt_s: float
    steps: pd.DataFrame  # one row per step (see `solve_timeline`)
    soc_kwh: np.ndarray  # BESS state of charge at step boundaries (n + 1,), zeros if none
    rack_soc_kwh: np.ndarray  # rack stores per group at step boundaries (n + 1, G)
    energy: dict[str, float]  # MWh over the horizon, and the balance residual
    violations: pd.DataFrame
    ups_soc_kwh: np.ndarray | None = None  # UPS batteries' energy at step boundaries (n + 1, 1)
    ups: pd.DataFrame | None = None  # per UPS under an outage: soc_min_frac, time_to_empty_s...


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
    outage: Outage | None = None,
    ups: UpsBank | None = None,
    loops: bool = True,
) -> Solved:
    """Grid import, storage and energy balance for `prof` (see the module docstring).

    `ramp_kw_s`/`cap_kw`: the BESS's smoothing ramp limit and peak-shaving import
    cap; `rack_ramp_kw_s`: each group's rack stores' ramp limit; `grid_kw`: the
    site's grid connection, steps above it are 'grid_limit' violations; `outage`:
    the utility lost for a while, bridged by the UPS batteries in `ups`; `loops`: the
    site has liquid loops (TCS or water). Without any (an air-cooled room on DX units)
    no water warms: `loop_warming_k` is 0 and there is no `loop_warming` violation (the
    lumped loop water of `_warming` would be a stand-in for water that does not exist; the
    hall air's warming is the ride-through's, `twin.scenarios.timeline_thermal`).
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
        r = evaluate_groups(resp, chain_g, prof.design_kw, prof.t_db_c, prof.t_wb_c)
    else:
        r = evaluate(resp, chain, prof.t_db_c, prof.t_wb_c)
    # IT the coupled solve could not serve at this load (racks unfed, or tripped by heat)
    lost = np.minimum(np.maximum(r["it_lost_kw"], 0.0), it_site)
    chain, it_site = chain - lost, it_site - lost
    losses = r["losses_kw"]
    cooling = r["cooling_kw"]
    if cooling_tau_s > 0 and n > 1:
        a = 1.0 - np.exp(-dt / cooling_tau_s)
        cooling, _ = lfilter([a], [1.0, a - 1.0], cooling, zi=[(1.0 - a) * cooling[0]])
    facility = chain + losses + cooling
    u = _outage(
        outage,
        ups,
        prof,
        chain_g,
        resp,
        n,
        dt,
        chain,
        facility,
        cooling,
        it,
        it_site,
        cooling_tau_s,
    )
    plant_off = None
    heat_asked = it_site + losses  # the heat `cooling` was solved for
    if u is not None:
        it_site, chain, losses, facility, lost_out = (
            u["it_kw"],
            chain - u["it_drop_kw"],
            u["losses_kw"],
            u["facility_kw"],
            u["it_drop_kw"],
        )
        plant_off = u["plant_off"]
    # heat into the loops (IT and every loss) and what the plant takes out, lagged
    heat_in = it_site + losses
    cap = ups.plant_kw if u is not None else np.inf
    heat_s, removed = heat_store(heat_in, dt, cooling_tau_s, plant_off, cap)
    warming = np.zeros(n)
    if plant_off is not None:  # the plant draws in proportion to the heat it removes
        heat_run, _ = heat_store(heat_in, dt, cooling_tau_s, cap_kw=cap)
        peak = extra_heat_peak(heat_in, dt, cooling_tau_s, plant_off, cap, heat_s, heat_run)
        warming = _warming(peak, cooling_tau_s, resp) if loops else np.zeros(n)
        # per kW of the heat its draw was solved for, lagged as that draw is (over the heat
        # a running plant would remove of what is left, the ratio blew up where the outage
        # dropped the load: 14 MW of cooling on a 0.27 MW room at the utility's return)
        _, nominal = heat_store(heat_asked, dt, cooling_tau_s, cap_kw=cap)
        ratio = np.divide(removed, nominal, out=np.ones(n), where=nominal > 0)
        cooling = cooling * ratio
        facility = chain + losses + cooling
    supply = facility + (u["charge_kw"] if u is not None else 0.0)
    if u is not None:
        rest = supply - u["discharge_kw"]
        early = u["gen_early_kw"]  # units whose own generator started before the slowest
        f_gen = np.divide(u["gen"], 1.0 - u["gap"], out=np.zeros(n), where=u["gap"] < 1)
        gen = (rest - early) * f_gen + early
        site_load = rest - gen
        idle = (u["gap"] + u["gen"]) > 0
    else:
        gen, site_load, idle = np.zeros(n), supply, None
    if bess is not None:
        b = dispatch(site_load[:, None], dt, [bess], ramp_kw_s, cap_kw, no_charge, idle)
        grid = b["grid_kw"][:, 0]
        b_in, b_out, soc = b["charge_kw"][:, 0], b["discharge_kw"][:, 0], b["soc_kwh"][:, 0]
        b_loss = losses_kw([bess], b["charge_kw"], b["discharge_kw"])[:, 0]
    else:
        grid, b_in, b_out, b_loss, soc = site_load, 0.0, 0.0, np.zeros(n), np.zeros(n + 1)
    ups_loss = u["ups_loss_kw"] if u is not None else 0.0
    storage_loss = rack_loss + b_loss + ups_loss
    steps = pd.DataFrame(
        {
            "it_kw": it_site,
            "it_lost_kw": lost,
            "chain_kw": chain,
            "losses_kw": losses,
            "cooling_kw": cooling,
            "facility_kw": facility,
            "rack_store_charge_kw": np.broadcast_to(rack_in, n),
            "rack_store_discharge_kw": np.broadcast_to(rack_out, n),
            "bess_charge_kw": np.broadcast_to(b_in, n),
            "bess_discharge_kw": np.broadcast_to(b_out, n),
            "storage_loss_kw": storage_loss,
            "bess_soc_kwh": soc[1:],
            "grid_kw": grid,
            "generator_kw": gen,
            "heat_in_kw": heat_in,
            "heat_removed_kw": removed,
            "loop_heat_kwh": heat_s[1:] / 3600.0,
            "loop_warming_k": warming,
            "unremoved_kw": r["unremoved_kw"],
            "t_inlet_over_allowable_k": r["inlet_over_k"],
            "trusted": ~np.asarray(r["untrusted"], bool),
            "t_db_c": np.broadcast_to(np.asarray(prof.t_db_c, float), n),
        }
    )
    # IT not served, every cause: the coupled solve's (racks unfed or tripped at this load),
    # racks shut down by heat in an outage, racks dropped with an empty UPS battery
    off = np.zeros(n) if prof.it_off_kw is None else np.asarray(prof.it_off_kw, float)
    lost_all = lost + off + (lost_out if u is not None else 0.0)
    steps["it_lost_kw"] = lost_all
    if prof.it_off_kw is not None:
        steps["it_tripped_kw"] = off
    if u is not None:
        steps["ups_charge_kw"] = u["charge_kw"]
        steps["ups_discharge_kw"] = u["discharge_kw"]
        steps["load_dropped_kw"] = u["dropped_kw"]
        steps["it_dropped_kw"] = lost_out
        e_ups = float(ups.energy_kwh.sum())
        steps["ups_soc_frac"] = u["soc_kwh"][1:] / e_ups if e_ups > 0 else np.nan
    ups_soc = u["soc_energy_kwh"][:, None] if u is not None else np.zeros((n + 1, 0))
    energy = energy_balance(steps, dt, soc, rack_soc, ups_soc, heat_s)
    floor = BALANCE_REL_TOL * max(float(np.max(it, initial=0.0)), 1.0)
    loading = r.get("loading_pct", np.zeros(n))  # the worst element, % of its rating
    viol = [
        *intervals(grid > grid_kw, dt, "site", "grid_limit", grid, grid_kw, "kW",
                   "grid import above the site's grid connection"),
        *intervals(r["unremoved_kw"] > UNREMOVED_FLOOR_KW + BALANCE_REL_TOL * it_site, dt, "site",
                   "uncooled", r["unremoved_kw"], 0.0, "kW", "heat the cooling plant does not remove"),
        *intervals(lost > floor, dt, "site", "it_lost", lost, 0.0, "kW", "IT the site cannot "
                   "serve at this load and weather (racks unfed or tripped: twin solve at this "
                   "load says which)"),
        *intervals(off > floor, dt, "site", "it_lost", off, 0.0, "kW", "IT of racks shut down "
                   "by heat in the outage (twin ride-through's trips)"),
        *intervals(np.asarray(lost_out if u is not None else 0.0) > floor, dt, "site", "it_lost",
                   lost_out if u is not None else 0.0, 0.0, "kW", "IT dropped with an empty UPS "
                   "battery in the outage (no generator or utility took over)"),
        *intervals(r["untrusted"], dt, "site", "not_converged", r["untrusted"], 0.0, "",
                   "the coupled solve at this load and weather is not trustworthy (not "
                   "converged, not finite or not balanced: twin solve at this load says which)"),
        *intervals(r["inlet_over_k"] > 0.0, dt, "site", "over_temperature", r["inlet_over_k"], 0.0,
                   "K", "a rack inlet above its ASHRAE allowable maximum (steady, at this load)"),
        *intervals(loading > 100.0 + 1e-9, dt,
                   names(resp.overloaded) if resp.overloaded else "site", "overload",
                   loading, 100.0, "%", "equipment loaded past its "
                   "rating (the worst element, steady at this load: twin solve at this load "
                   "names it), on the utility or on its battery and generator"),
    ]  # fmt: skip
    viol += loop_warming_violations(steps["loop_warming_k"].to_numpy(), dt)
    if rack_stores:
        viol += rack_ramp_violations(chain_g, dt, rack_ramp_kw_s, prof.groups)
    if u is not None:
        end = outage.start_s + outage.duration_s
        for gid, (start_g, pct) in ups.tripped.items():  # tripped at takeover: off to the end
            on = overlap(np.arange(n) * dt, dt, outage.start_s + start_g, end) > 0
            viol += intervals(on, dt, gid, "generator_trip", pct, 100.0, "%", "the generator "
                              f"would carry {pct:,.0f} % of its rating when it takes over: it "
                              "trips and stays off for the outage (twin ride-through); its UPSs "
                              "run on their batteries and the cooling on its bus stops")  # fmt: skip
        run_kw = np.divide(gen, u["gen"], out=np.zeros(n), where=u["gen"] > 0)  # while running
        if ups.gen_ids and ups.gen_share is not None:  # each generator its share of the load
            late = gen - u["gen_early_kw"]  # once every generator runs, shared by UPS load
            for j, (gid, cap_g) in enumerate(zip(ups.gen_ids, ups.gen_cap_kw, strict=True)):
                mean_j = late * ups.gen_share[j] + u["gen_early_g_kw"][:, j]
                on = u["gen_on_g"][:, j]
                run_j = np.divide(mean_j, on, out=np.zeros(n), where=on > 0)
                viol += intervals(run_j > cap_g * (1 + 1e-9), dt, gid, "generator_overload",
                                  run_j, cap_g, "kW", "the generator carries more than its "
                                  "rating x power factor (its UPSs' load before the others "
                                  "start, then its share of the UPS load behind generators)")  # fmt: skip
        else:
            viol += intervals(run_kw > ups.gen_kw * (1 + 1e-9), dt, "site", "generator_overload",
                              run_kw, ups.gen_kw, "kW", "the generators carry more than their "
                              "rating x power factor during the outage")  # fmt: skip
        for members, drop in u["dropped_runs"]:  # UPSs alike drop alike: intervals once
            rows = intervals(drop > 0, dt, "", "load_dropped", drop, 0.0, "kW", "UPS battery "
                             "empty before the generator or the utility took over: its load "
                             "is dropped")  # fmt: skip
            viol += [{**r, "component": ups.ids[j]} for j in members for r in rows]
    for name, what in (("balance", "timeline energy balance"),
                       ("heat_balance", "heat balance (loops' stored heat)")):  # fmt: skip
        if not abs(energy[f"{name}_residual_rel"]) <= BALANCE_REL_TOL:
            viol.append(
                {
                    "component": "site", "kind": "not_balanced", "start_s": 0.0,
                    "duration_s": n * dt, "value": energy[f"{name}_residual_mwh"],
                    "limit": 0.0, "unit": "MWh", "message": f"{what} does not close",
                }
            )  # fmt: skip
    ups_table = None
    if u is not None:
        e = ups.energy_kwh
        ups_table = pd.DataFrame(
            {
                "energy_kwh": e,
                "peak_load_kw": u["peak_load_kw"],
                "soc_min_frac": np.divide(u["soc_min_kwh"], e, out=np.ones_like(e), where=e > 0),
                "time_to_empty_s": u["time_to_empty_s"],
                "dropped_kwh": u["dropped_kwh"],
            },
            index=pd.Index(ups.ids, name="id"),
        )
    return Solved(dt, steps, soc, rack_soc, energy, pd.DataFrame(viol, columns=VIOLATION_COLUMNS),
                  ups_soc, ups_table)  # fmt: skip


def rack_ramp_violations(chain_g: np.ndarray, dt: float, limit_kw_s, groups) -> list[dict]:
    """Per group, runs of steps whose draw on the power chain (racks and their smoothing
    stores, (n, G)) changes faster than the stores' ramp limit `limit_kw_s` (per group, the
    racks' limits added): the stores at their power or energy limit cannot hold it, as the
    site BESS's `ramp_limit` (a 1 kWh / 5 kW store per rack let a checkpoint dip through at
    ~200x the limit with no violation, audit 5 F-AA)."""
    ng = chain_g.shape[1]
    lim = np.broadcast_to(np.asarray(limit_kw_s, float), (ng,))
    ramp = np.abs(np.diff(chain_g, axis=0, prepend=chain_g[:1])) / dt
    out = []
    for g in np.flatnonzero(np.isfinite(lim)):
        over = ramp[:, g] > lim[g] * (1 + 1e-9) + 1e-9
        name = groups[g] if g < len(groups) else "site"
        out += intervals(over, dt, name, "rack_ramp", ramp[:, g], lim[g], "kW/s",
                         "the racks' draw on the power chain ramps faster than their smoothing "
                         "stores' limit (stores at their power or energy limit)")  # fmt: skip
    return out


def loop_warming_violations(warm: np.ndarray, dt: float) -> list[dict]:
    """Runs of steps with the loops' water more than `LOOP_WARMING_LIMIT_K` above steady."""
    return intervals(warm > LOOP_WARMING_LIMIT_K, dt, "site", "loop_warming", warm,
                     LOOP_WARMING_LIMIT_K, "K", "cooling loops' water warmed past their design "
                     "rise above steady (plant off or catching up): rack coolant near its limit; "
                     "twin ride-through gives the times to each rack's limit")  # fmt: skip


def _outage(
    ev, bank, prof, chain_g, resp, n, dt, chain, facility, cooling, it, it_site, cooling_tau_s
):
    """A utility outage's effect on each step (None without one): what the UPS batteries
    deliver, what is dropped and the site's draw (see `twin.solve.timeline_outage`).

    During the gap (utility out, generators not yet on) only what the batteries deliver
    runs; the IT dropped in each group is its bridged share its UPSs did not serve."""
    if ev is None:
        return None
    if bank is None or not len(bank.ids):
        raise ValueError("an outage needs the site's UPS bank (empty: no UPS carries anything)")
    if not cooling_tau_s > 0:
        raise ValueError("an outage needs the loops' heat capacity (cooling_tau_s > 0): the heat "
                         "the stopped plant does not remove is held there")  # fmt: skip
    design = (
        np.asarray(prof.design_kw, float)
        if prof.design_kw is not None
        else np.array([resp.design_it_kw])
    )
    frac = np.divide(chain_g, design[None, :], out=np.zeros_like(chain_g), where=design > 0)
    u = bridge(bank, ev, np.arange(n) * dt, dt, frac)
    gap = u["gap"]
    it_drop = np.minimum((it * (gap[:, None] * (1.0 - u["served_g"]))).sum(axis=1), it_site)
    delivered = u["discharge_kw"]
    # in the site's gap: what the batteries deliver, and units whose own generator is up
    fac = (facility - cooling) * (1.0 - gap) + delivered + u["gen_early_kw"] + cooling
    return {
        **u,
        "it_kw": it_site - it_drop,
        "it_drop_kw": it_drop,
        "facility_kw": fac,
        "losses_kw": fac - cooling - (chain - it_drop),
        # charger losses and, above a battery's rated power, the Peukert excess (>= 0)
        "ups_loss_kw": u["charge_kw"] - u["gain_kw"] + u["drain_kw"] - delivered,
    }


def _warming(extra_kj, tau_s, resp) -> np.ndarray:
    """Loop water above where a running plant would hold it, most within each step, K: the
    step's most extra stored heat (`extra_heat_peak`, (n,)) over the loops' heat capacity,
    the site's loops lumped as one carrying the design heat (`loop_water_kj_k`, the
    ride-through's definition of a loop's water), scaled with the lag `tau_s` against its
    default (`COOLING_TAU_S` is that water's transit time). A timeline with an outage
    reports the ride-through's own loops instead (`twin.scenarios.timeline_thermal`): this
    lump is the stand-in where none runs."""
    q_design = resp.design_it_kw + float(resp.losses_kw[0, -1])
    c_kj_k = float(loop_water_kj_k(q_design)) * tau_s / COOLING_TAU_S
    if c_kj_k <= 0:
        return np.zeros(len(extra_kj))
    return np.maximum(extra_kj, 0.0) / c_kj_k


def energy_balance(
    steps: pd.DataFrame, dt_s: float, soc_kwh, rack_soc_kwh, ups_soc_kwh=None, heat_kj=None
) -> dict[str, float]:
    """MWh of each term over the horizon and the residuals of

    - power: grid + generator = IT + losses + cooling + stored-energy change + storage losses
      (stored: the BESS, rack stores and UPS batteries, from their state-of-charge tracks);
    - heat (first law of the site): grid + generator = heat removed by the plant + cooling
      + storage losses + stored-energy change + change of the heat held in the loops (from
      the loops' stored-heat track)."""
    h = dt_s / 3600.0 / 1000.0  # kW x step -> MWh

    def e(col: str) -> float:
        return float(np.sum(steps[col].to_numpy(float))) * h if col in steps else 0.0

    stored = float(soc_kwh[-1] - soc_kwh[0]) + float(np.sum(rack_soc_kwh[-1] - rack_soc_kwh[0]))
    if ups_soc_kwh is not None and np.size(ups_soc_kwh):
        stored += float(np.sum(ups_soc_kwh[-1] - ups_soc_kwh[0]))
    stored /= 1000.0
    heat = 0.0 if heat_kj is None else float(heat_kj[-1] - heat_kj[0]) / 3.6e6
    out = {
        "grid_mwh": e("grid_kw"),
        "generator_mwh": e("generator_kw"),
        "it_mwh": e("it_kw"),
        "losses_mwh": e("losses_kw"),
        "cooling_mwh": e("cooling_kw"),
        "storage_loss_mwh": e("storage_loss_kw"),
        "stored_change_mwh": stored,
        "heat_removed_mwh": e("heat_removed_kw"),
        "loop_heat_change_mwh": heat,
    }
    supply = out["grid_mwh"] + out["generator_mwh"]
    rhs = out["it_mwh"] + out["losses_mwh"] + out["cooling_mwh"] + stored + out["storage_loss_mwh"]
    out["balance_residual_mwh"] = supply - rhs
    g = abs(supply)
    out["balance_residual_rel"] = out["balance_residual_mwh"] / g if g > 0 else 0.0
    if "heat_removed_kw" in steps:
        rhs_h = out["heat_removed_mwh"] + out["cooling_mwh"] + out["storage_loss_mwh"]
        out["heat_balance_residual_mwh"] = supply - (rhs_h + stored + heat)
    else:
        out["heat_balance_residual_mwh"] = 0.0
    out["heat_balance_residual_rel"] = out["heat_balance_residual_mwh"] / g if g > 0 else 0.0
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
