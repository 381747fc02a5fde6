"""Ride-through after a failure: temperatures vs time (lumped thermal model) and UPS autonomy.

Cooling (REFERENCE 6): one lumped node per hall's air, per hall's equipment
(rack metal, coupled to the air), per technology (TCS) loop and per water
loop, each ``C dT/dt = P + sum(Q in) - Q out - UA (T - T_env)``:

- C: air rho cp V_hall [REFERENCE 1, 6]; equipment sum m c of the racks;
  coolant rho cp V with `COOLANT_M3_PER_MW` of water per MW of loop heat.
- Q out of a node is what its cooling units move to the next node (CRAH:
  hall air -> water loop, CRAC: hall air -> outdoors, CDU: TCS -> facility
  loop, chillers + free cooling: water loop -> outdoors): the units track
  the load with proportional control, ``min(cap(t) x drive, Q0 + G (T - T0))``,
  where cap(t) is the capacity still running (units failed, unfed, or waiting
  for their generator and restart are out) and drive = (T - T_cold) /
  (T0 - T_cold0) scales a coil with the temperature difference across it
  (cold side: the water loop, or a DX evaporator `CRAC_EVAP_BELOW_SUPPLY_K`
  under the setpoint as in `twin.solve.airflow`; none for the plant); at most 1 in a
  hall cooled by DX units alone: a compressor cannot pump more than its capacity
  (`twin.solve.coupled_checks.dx_at_capacity`), however warm the room gets.
  A water loop whose pumps are all out moves nothing.
- Before t = 0 the site is in the solved steady state (all Q = P).

The state before the failure is the coupled solve (`twin.solve.run`) of the
scenario without its failures; the failure's power state is `solve_power`.
This is physics (layer 3, `twin.solve`); choosing and sweeping scenarios
is `twin.scenarios`'s.

Rack inlet = its solved inlet + the rise of its hall air; rack coolant
supply = its solved supply + the rise of its TCS loop. Times to limits, the
same limits the steady state applies (`twin.solve.consequence`): ASHRAE
allowable inlet [REFERENCE 2] or coolant at `COOLANT_LIMIT_C` (the rack starts
throttling), accelerator throttle where the catalogue has one [REFERENCE 6],
and `SHUTDOWN_MARGIN_K` above the inlet/coolant limit (the rack trips). A rack
that trips draws nothing and heats nothing from then on: each trip is an event
of the integration (the node carrying the rack reaches its shutdown margin),
after which the integration restarts with that rack's heat off, so every curve
runs to the horizon and the racks that never trip get the temperatures the
trips leave them (not a curve ending at the first trip, past which nothing
was known). `restore_s`: tripped racks restart then (a timeline's utility
returning) and heat again. `RideThrough.limits` gives the limit and
shutdown temperatures to draw as lines against the curves they bound: each
hall's hottest rack inlet and each TCS loop's hottest rack coolant supply.

Power (`twin.solve.ride_through_power`, re-exported here): each UPS's battery
autonomy by Peukert against its generator's start, which units still run and
their restart waits. A battery's drain falls at each trip (a tripped rack draws
nothing) and at each other battery emptying (`twin.solve.battery_drain`,
fractional depletion): its empty time is marched with the trips as events in
time order, and `power`'s `empty_s` is that time (`load_end_kw` the draw then,
`charge_min_frac` the charge left where it does not empty), not the autonomy at
the draw before the failure. The limit-crossing search is `twin.solve.limit_crossing`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.integrate import solve_ivp

from twin.errors import ScenarioError
from twin.model.scenario import Scenario
from twin.solve import Results, run
from twin.solve.airflow import CRAC_EVAP_BELOW_SUPPLY_K
from twin.solve.battery_drain import BatteryDrain
from twin.solve.battery_window import battery_window
from twin.solve.consequence import COOLANT_LIMIT_C, SHUTDOWN_MARGIN_K, inlet_limit_c
from twin.solve.dx_cop import solved_capacity_kw
from twin.solve.limit_crossing import CROSSING_DT_S, curve_until, rack_times_to_limits
from twin.solve.lumped_node import integrate_node, node_temperature
from twin.solve.power import solve_power
from twin.solve.power_model import power_model
from twin.solve.results import not_steady
from twin.solve.ride_through_power import (
    RESTART_S,
    feed_roots,
    peukert_autonomy_s,
    power_ride_through,
    restart_wait_s,
    units_running,
)
from twin.solve.transient_trips import Segments, Trips, Unpermuted, band_order
from twin.units import CP_AIR_J_KGK, CP_WATER_J_KGK, RHO_AIR_KG_M3, RHO_WATER_KG_M3

__all__ = [
    "CONTROL_DT_K",
    "COOLANT_M3_PER_MW",
    "CROSSING_DT_S",
    "EQUIPMENT_CP_J_KGK",
    "EQUIPMENT_TAU_S",
    "RACK_MASS_DEFAULT_KG",
    "RACK_MASS_KG",
    "RESTART_S",
    "THROTTLE_C",
    "T_END_S",
    "RideThrough",
    "cooling_ride_through",
    "integrate_node",
    "loop_water_kj_k",
    "node_temperature",
    "peukert_autonomy_s",
    "power_ride_through",
]

COOLANT_M3_PER_MW = 2.0
"""Water volume per MW of loop heat [REFERENCE 6: the 2 m3/MW liquid-loop example, est]."""


def loop_water_kj_k(q_kw):
    """Heat capacity of a liquid loop's water carrying `q_kw` of heat, kJ/K: `COOLANT_M3_PER_MW`
    of water per MW [REFERENCE 6]. The one definition of a loop's thermal mass: each TCS and
    water loop of the ride-through, and the timeline's loops lumped as one carrying the
    site's heat (`twin.solve.timeline`, where no ride-through runs)."""
    return RHO_WATER_KG_M3 * CP_WATER_J_KGK / 1000.0 * COOLANT_M3_PER_MW * np.asarray(q_kw) / 1000.0


RACK_MASS_KG = {"gb200-nvl72": 1360.0}
"""Rack mass by accelerator [est: NVL72 ~1.36 t vendor figure]; others `RACK_MASS_DEFAULT_KG`."""
RACK_MASS_DEFAULT_KG = 700.0
"""Loaded 42U air-cooled rack [est: 600-900 kg]."""
EQUIPMENT_CP_J_KGK = 500.0
"""Rack metal, mostly steel (490) with aluminium and copper [est]."""
EQUIPMENT_TAU_S = 600.0
"""Time constant of equipment-to-air coupling [est]; sets how fast Khankari's
heating rate decays from the air-only maximum toward the heat-capacity minimum [REFERENCE 6]."""
CONTROL_DT_K = 1.0
"""Units reach full capacity 1 K above their steady temperature (proportional band) [est]."""
THROTTLE_C = {"rbln-atom-rack": 75.0}
"""Accelerator throttle temperature [REFERENCE 6: Rebellions NPU 75 C]; compared with rack outlet
air for air-cooled racks (the device runs hotter than its exhaust, so this is optimistic)."""
T_END_S = 1800.0


# ------------------------------------------------------------ cooling


@dataclass
class RideThrough:
    """Temperatures vs time per node and per hall's hottest rack; per-rack times to limits."""

    timeseries: pd.DataFrame  # long: time_s, component, quantity, t_c (to the horizon)
    racks: pd.DataFrame  # per rack: limits and times (s, inf = never within t_end)
    nodes: pd.DataFrame  # per node: C, P, Q0, capacity before/after/restored
    power: pd.DataFrame  # per UPS ride-through
    limits: pd.DataFrame | None = None  # per hottest-rack curve: limit_c, shutdown_c
    tripped_after_restore_s: pd.Series | None = (
        None  # per rack: first trip at or after `restore_s` (inf)
    )
    # generator id -> % of its rating it would have carried: over 100, it tripped
    generators_tripped: dict[str, float] = field(default_factory=dict)

    @property
    def first_limit_s(self) -> float:
        return float(self.racks["time_to_limit_s"].min()) if len(self.racks) else np.inf


def cooling_ride_through(
    twin,
    scenario: Scenario,
    t_end_s: float = T_END_S,
    base: Results | None = None,
    n_points: int = 361,
    restore_s: float = np.inf,
) -> RideThrough:
    """Temperatures after the failures in `scenario` hit its solved state before them at t = 0.

    The state before: the same scenario without `failed` (maintenance, load and
    weather kept); `base` may pass that solve in. Racks that trip stop heating until
    `restore_s` (never by default).
    """
    scenario.check(twin.component_ids())
    before = replace(scenario, name="before", failed=frozenset())
    base = base if base is not None else run(twin, before)
    stuck = not_steady(base.violations)
    if stuck:  # NaN or still-rising temperatures: no state to start from
        more = f" and {len(stuck) - 5} more" if len(stuck) > 5 else ""
        raise ScenarioError(
            "the state before the failure is not a steady state ("
            + "; ".join(stuck[:5])
            + more
            + "): a ride-through starts from one; solve it to see why"
        )
    pw1 = solve_power(twin, scenario)
    window = battery_window(twin, scenario, base, pw1) if scenario.failed else None
    power = power_ride_through(twin, scenario, base=pw1, window=window)
    # a generator handed more than it can carry does not carry it: it trips, and what it
    # would have fed (the cooling on its bus, the UPSs it was to bridge) is lost with it
    pct = power.get("generator_loading_pct", pd.Series(dtype=float)).astype(float)
    overloaded = {str(g): float(p) for g, p in zip(power["generator"], pct, strict=True)
                  if g is not None and p > 100.0}  # fmt: skip
    if overloaded:
        scenario = replace(scenario, failed=scenario.failed | frozenset(overloaded))
        pw1 = solve_power(twin, scenario)
        window = battery_window(twin, scenario, base, pw1)
        power = power_ride_through(twin, scenario, base=pw1, window=window)
    live1 = pw1["res_power_nodes"]["live"]
    root0, root1 = feed_roots(base["res_power_nodes"]), feed_roots(pw1["res_power_nodes"])
    oos = scenario.out_of_service
    racks, halls = twin.racks, twin.halls
    rr0 = base["res_racks"].reindex(racks.index)
    p1 = pw1["res_racks"]["p_kw"].reindex(racks.index).to_numpy(float)
    drain = None  # the batteries' charge, marched with the trips (`twin.solve.battery_drain`)
    if window is not None:  # racks behind a UPS on its battery draw on until it empties
        rack_order = power_model(twin).rack_ids
        p1 = pd.Series(window.rack_kw, index=rack_order).reindex(racks.index).to_numpy(float)
        if window.on_battery.any():
            drain = BatteryDrain(window, twin.ups, power, racks.index.get_indexer(rack_order))
    lost_s = np.where(p1 > 0, np.inf, 0.0)  # when each rack loses power (so far)
    p0 = rr0["p_kw"].to_numpy(float)
    lf = racks["liquid_fraction"].to_numpy(float)

    hall_ids = halls.index
    tcs_ids = pd.Index(sorted(set(racks["liquid_loop"].dropna())))
    loops = twin.loops
    water_ids = (
        loops.index[loops["kind"].isin(["facility", "chilled"])] if len(loops) else pd.Index([])
    )
    nh, nt, nw = len(hall_ids), len(tcs_ids), len(water_ids)
    hpos = pd.Series(np.arange(nh), index=hall_ids)
    tpos = pd.Series(np.arange(nt), index=tcs_ids)
    wpos = pd.Series(np.arange(nw), index=water_ids)
    n = 2 * nh + nt + nw  # halls, equipment, tcs, water
    H, E, T, W = 0, nh, 2 * nh, 2 * nh + nt  # noqa: N806 (block offsets)

    rh = base["res_halls"].reindex(hall_ids)
    rl = base["res_loops"] if "res_loops" in base.tables else pd.DataFrame()
    rack_h = hpos.reindex(racks["hall"]).to_numpy()
    rack_t = tpos.reindex(racks["liquid_loop"]).fillna(-1).to_numpy(np.int64)

    # thermal capacities (kJ/K)
    c = np.zeros(n)
    vol = (halls["width_m"] * halls["depth_m"] * halls["height_m"]).to_numpy(float)
    c[H:E] = RHO_AIR_KG_M3 * CP_AIR_J_KGK * vol / 1000.0
    mass = racks["accelerator"].map(RACK_MASS_KG).fillna(RACK_MASS_DEFAULT_KG).to_numpy(float)
    c[E:T] = np.bincount(rack_h, mass * EQUIPMENT_CP_J_KGK / 1000.0, nh)
    liq0 = np.bincount(rack_t[rack_t >= 0], (p0 * lf)[rack_t >= 0], nt)
    c[T:W] = loop_water_kj_k(np.maximum(liq0, 1.0))
    q_w0 = rl["q_kw"].reindex(water_ids).fillna(0.0).to_numpy(float) if nw else np.zeros(0)
    c[W:] = loop_water_kj_k(np.maximum(q_w0, 1.0))
    g_eq = c[E:T] / EQUIPMENT_TAU_S

    # steady state: temperatures and heat flows
    t0 = np.zeros(n)
    t_ret = rh["t_return_c"].to_numpy(float)
    t0[H:E] = np.where(np.isfinite(t_ret), t_ret, rh["t_supply_c"].to_numpy(float))
    t0[E:T] = t0[H:E]
    cd = twin.cdus
    if nt:
        ret = rr0["t_coolant_return_c"].to_numpy(float)
        sup = rr0["t_coolant_supply_c"].to_numpy(float)
        mid = (ret + sup) / 2
        ok = rack_t >= 0
        cnt = np.bincount(rack_t[ok], np.isfinite(mid[ok]), nt)
        s = np.bincount(rack_t[ok], np.nan_to_num(mid[ok]), nt)
        t_sup_set = loops["t_supply_c"].reindex(tcs_ids).to_numpy(float)
        t0[T:W] = np.where(cnt > 0, s / np.maximum(cnt, 1), t_sup_set)
    if nw:
        t0[W:] = loops["t_supply_c"].reindex(water_ids).to_numpy(float)

    # heat into each node from racks (after the failure: racks that lost power stop)
    p_in = np.zeros(n)
    air1 = p1 * (1 - lf)
    p_in[H:E] = rh["q_air_kw"].to_numpy(float) - np.bincount(rack_h, p0 * (1 - lf) - air1, nh)
    p_in[T:W] = np.bincount(rack_t[rack_t >= 0], (p1 * lf)[rack_t >= 0], nt)

    # cooling units: capacity before, right after, and once restarted; sink node
    sink = np.full(n, -1)
    cap0, cap1, cap2, t_back = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    q0 = np.zeros(n)

    def units(kind, node_of, cap_col="capacity_kw", cap_override=None):
        t = getattr(twin, kind)
        if not len(t):
            return
        cap = cap_override if cap_override is not None else t[cap_col].to_numpy(float)
        run0 = units_running(twin, before.out_of_service, base["res_power_nodes"]["live"], kind)
        run1 = units_running(twin, oos, live1, kind)
        wait = restart_wait_s(twin, kind, root0, root1)
        now = run1 & (wait <= 0)
        later = run1 & (wait > 0)
        idx = node_of(t)
        ok = idx >= 0
        np.add.at(cap0, idx[ok], (cap * run0)[ok])
        np.add.at(cap1, idx[ok], (cap * now)[ok])
        np.add.at(cap2, idx[ok], (cap * later)[ok])
        if later.any():
            np.maximum.at(t_back, idx[ok & later], wait[ok & later])

    units(  # DX CRACs at their capacity at the base run's outdoor air (twin.solve.dx_cop)
        "crahs",
        lambda t: H + hpos.reindex(t["hall"]).to_numpy(),
        cap_override=solved_capacity_kw(twin, base).to_numpy(float) if len(twin.crahs) else None,
    )
    units("cdus", lambda t: T + tpos.reindex(t["loop"]).fillna(-1 - T).to_numpy(np.int64))
    chill_cap = None
    if "res_chillers" in base.tables and len(twin.chillers):
        avail = base["res_chillers"]["capacity_avail_kw"].reindex(twin.chillers.index)
        chill_cap = avail.where(avail > 0, twin.chillers["capacity_kw"]).to_numpy(float)
    w_of = lambda t: W + wpos.reindex(t["loop"]).fillna(-1 - W).to_numpy(np.int64)  # noqa: E731
    units("chillers", w_of, cap_override=chill_cap)
    for kind, res in (("dry_coolers", "res_dry_coolers"), ("cooling_towers", "res_cooling_towers")):
        t = getattr(twin, kind)
        if len(t) and res in base.tables:  # free cooling: what each unit carried in the base
            units(
                kind, w_of, cap_override=base[res]["load_kw"].reindex(t.index).fillna(0).to_numpy()
            )
    cr = twin.crahs
    cold_fixed = np.full(n, np.nan)
    if len(cr):
        dx = (cr["type"] == "crac").to_numpy() & cr["loop"].isna().to_numpy()
        if dx.any():  # DX coils: evaporator a fixed margin below the supply setpoint
            h_dx = hpos.reindex(cr.loc[dx, "hall"]).to_numpy()
            cap_dx = cr.loc[dx, "capacity_kw"].to_numpy(float)
            t_evap = cr.loc[dx, "t_supply_c"].to_numpy(float) - CRAC_EVAP_BELOW_SUPPLY_K
            w_sum = np.bincount(h_dx, cap_dx, nh)
            cold_fixed[H:E] = np.where(
                w_sum > 0, np.bincount(h_dx, cap_dx * t_evap, nh) / np.maximum(w_sum, 1e-9), np.nan
            )
        wet = cr["loop"].map(wpos).to_numpy()
        hs = hpos.reindex(cr["hall"]).to_numpy()
        for h, w in zip(hs, wet, strict=True):
            if w == w:  # not NaN: a chilled/facility-water CRAH
                sink[H + h] = W + int(w)
    if len(cd):
        for tl, fl in zip(cd["loop"], cd["facility_loop"], strict=True):
            if tl in tpos.index and fl in wpos.index:
                sink[T + tpos[tl]] = W + wpos[fl]
    # a water loop whose pumps are all out carries nothing
    pumps = twin.pumps
    blocked = np.zeros(n, bool)
    if len(pumps) and nw:
        r1 = units_running(twin, oos, live1, "pumps")
        per = pd.Series(r1, index=pumps.index).groupby(pumps["loop"]).any()
        for loop, anyrun in per.items():
            if loop in wpos.index and not anyrun:
                blocked[W + wpos[loop]] = True
    blocked_in = np.zeros(n, bool)
    has_sink = sink >= 0
    blocked_in[has_sink] = blocked[sink[has_sink]]
    blocked |= blocked_in

    # steady flows: each node passes on what it receives
    q0[H:E] = p_in[H:E] + np.bincount(rack_h, p0 * (1 - lf) - air1, nh)  # base air heat
    q0[T:W] = liq0 if nt else q0[T:W]
    if nw:
        q0[W:] = q_w0
    p_direct = p_in.copy()
    if nw:  # water loops: heat from UPS, pumps etc. besides CRAH coils and CDUs
        inflow = np.bincount(sink[has_sink], q0[has_sink], n)[W:]
        p_direct[W:] = np.maximum(q_w0 - inflow, 0.0)
    # cold side of each node's coil: the sink loop, a DX evaporator, or none (plant)
    cold0 = np.where(has_sink, t0[np.maximum(sink, 0)], cold_fixed)
    has_cold = has_sink | np.isfinite(cold_fixed)
    dx_node = np.isfinite(cold_fixed) & ~has_sink  # DX units only: compressor-limited
    drive0 = np.where(has_cold, t0 - np.nan_to_num(cold0), 1.0)
    drive0 = np.where(np.abs(drive0) < 1e-6, 1.0, drive0)
    g_ctrl = np.maximum(cap0, q0) / CONTROL_DT_K

    def flows(t, y):
        cap = cap1 + np.where(t >= t_back, cap2, 0.0)
        cold = np.where(has_sink, y[np.maximum(sink, 0)], cold_fixed)
        drive = np.where(has_cold, (y - np.nan_to_num(cold)) / drive0, 1.0)
        # a DX compressor cannot pump more than its capacity, however warm the room
        drive = np.where(dx_node, np.minimum(drive, 1.0), drive)
        q = np.minimum(cap * np.maximum(drive, 0.0), np.maximum(q0 + g_ctrl * (y - t0), 0.0))
        return np.where(blocked, 0.0, q)

    times = np.linspace(0.0, t_end_s, n_points)
    # each rack's shutdown margin on the node(s) carrying it: its hall's air (inlet) and
    # its TCS loop (coolant supply); a trip takes its heat off those nodes
    t_in0 = rr0["t_inlet_max_c" if "t_inlet_max_c" in rr0 else "t_inlet_c"].to_numpy(float)
    lim_air = inlet_limit_c(halls["ashrae_class"])[rack_h]
    t_sup0 = rr0.get("t_coolant_supply_c", pd.Series(np.nan, index=racks.index)).to_numpy(float)
    air_rack = (lf < 1) & (p1 > 0)
    liq_rack = (rack_t >= 0) & (p1 > 0)
    trips = Trips(
        n,
        np.r_[H + rack_h[air_rack], T + rack_t[liq_rack]],
        np.r_[
            (lim_air + SHUTDOWN_MARGIN_K - t_in0)[air_rack],
            (COOLANT_LIMIT_C + SHUTDOWN_MARGIN_K - t_sup0)[liq_rack],
        ],
        np.r_[np.flatnonzero(air_rack), np.flatnonzero(liq_rack)],
        len(racks),
        np.where(rack_h >= 0, H + rack_h, 0),
        np.where(rack_t >= 0, T + rack_t, 0),
        air1,
        np.where(rack_t >= 0, p1 * lf, 0.0),
    )
    # the Jacobian couples a node only with its sink and a hall's air with its equipment:
    # in reverse Cuthill-McKee order it is banded, and LSODA's finite differences take
    # bandwidth + 1 right-hand sides per Jacobian instead of n (474 on the campus)
    perm, lband, uband = band_order(n, sink, nh)
    back = np.argsort(perm)
    segments = []  # (t_from, t_to, dense output in the permuted order)
    t_now, y_now = 0.0, t0.copy()
    # each time a battery empties (before the utility returns), its racks' heat stops; its
    # drain falls at each trip, so the empty times are marched with the trips as events
    # in time order (exact for the draw between events, no fixed point to iterate)
    final_empty = None  # each battery's empty time once the drain ends
    while True:
        if t_now < restore_s:
            trips.unpower((lost_s <= t_now) & (p1 > 0))
        trips.trip_at(t_now, y_now - t0)  # racks already at their shutdown: off now
        stop = restore_s if t_now < restore_s < t_end_s else t_end_s
        t_start, on_seg = t_now, ~trips.off
        draining = drain is not None and t_now < restore_s
        if draining:
            stop = min(stop, drain.next_empty_s(t_now, on_seg))
        p_now = p_direct - trips.heat_off()
        thr = trips.thresholds()
        watched = np.flatnonzero(np.isfinite(thr))

        def rhs_p(t, yp, p_now=p_now):
            y_ = yp[back]
            q = flows(t, y_)
            inflow = np.bincount(sink[has_sink], q[has_sink], n)
            dy = p_now + inflow - q
            ex = g_eq * (y_[H:E] - y_[E:T])
            dy[H:E] -= ex
            dy[E:T] += ex
            return (dy / np.maximum(c, 1e-9))[perm]

        events = None
        if len(watched):
            pw, tw, t0w = back[watched], thr[watched], t0[watched]

            def hit(t, yp, pw=pw, tw=tw, t0w=t0w):  # the first watched node at a margin
                return float(np.max(yp[pw] - t0w - tw))

            hit.terminal, hit.direction = True, 1.0
            events = hit
        sol = solve_ivp(
            rhs_p,
            (t_now, stop),
            y_now[perm],
            method="LSODA",
            rtol=1e-6,
            atol=1e-6,
            dense_output=True,
            lband=lband,
            uband=uband,
            events=events,
        )
        if sol.status < 0:
            raise RuntimeError(f"ride-through integration failed at {t_now:g} s: {sol.message}")
        t_next = float(sol.t[-1])
        segments.append((t_now, t_next, sol.sol))
        y_now = sol.y[:, -1][back]
        tripped = sol.status == 1 and events is not None and len(sol.t_events[0])
        if tripped:
            t_next = float(sol.t_events[0][0])
            y_now = sol.y_events[0][0][back]
            segments[-1] = (segments[-1][0], t_next, sol.sol)
        if draining and drain.advance(t_start, t_next, on_seg).any():
            lost_s = np.where(p1 > 0, drain.rack_lost_s(drain.empty_s), 0.0)
        t_now = t_next
        if (
            drain is not None
            and final_empty is None
            and (t_now >= restore_s or t_now >= t_end_s * (1 - 1e-12))
        ):  # the drain ends (the utility back, or the horizon): the draw in force then
            final_empty = drain.finish(min(t_now, restore_s), ~trips.off)
        if tripped:
            trips.trip_at(t_now, y_now - t0, force=True)
            continue
        if t_now >= t_end_s * (1 - 1e-12):
            break
        if t_now >= restore_s:  # tripped racks restart and heat again
            trips.restore()
    if drain is not None:  # the empty times of the piecewise drain, and the racks they unpower
        if final_empty is None:  # the utility back at t = 0
            final_empty = drain.finish(min(t_now, restore_s), ~trips.off)
        lost_s = np.where(p1 > 0, drain.rack_lost_s(final_empty), 0.0)
        power = power.copy()
        on_b = power["on_battery"].to_numpy(bool)
        power["bridged"] = power["bridged"].to_numpy(bool) | (
            drain.active & ~np.isfinite(final_empty) & np.isfinite(drain.gap_s)
        )
        power["empty_s"] = np.where(on_b & ~power["bridged"], final_empty, np.inf)
        power["load_end_kw"] = np.where(on_b, drain.load_end_kw, 0.0)
        power["charge_min_frac"] = np.where(on_b, 1.0 - drain.used, 1.0)
    dense = Unpermuted(Segments(segments), back)
    y = dense(times)  # (n, times)
    rise_h = y[H:E] - t0[H:E, None]
    rise_t = y[T:W] - t0[T:W, None] if nt else np.zeros((0, len(times)))
    # limit crossings are searched on the solver's own steps and a 0.5 s-or-finer grid of its
    # interpolant, not only on the samples: a short excursion (hall air over its limit for
    # ~1 s) falls between samples 7.5 s apart, and a crossing between them is not linear
    grid = np.linspace(0.0, t_end_s, max(n_points, int(t_end_s / CROSSING_DT_S) + 1))
    ts = np.clip(dense.ts, 0.0, t_end_s)
    fine = np.union1d(np.union1d(times, grid), ts)
    y_fine = dense(fine)
    fine_h = y_fine[H:E] - t0[H:E, None]
    fine_t = y_fine[T:W] - t0[T:W, None] if nt else np.zeros((0, len(fine)))
    t_out0 = rr0.get("t_outlet_c", pd.Series(np.nan, index=racks.index)).to_numpy(float)
    throttle = racks["accelerator"].map(THROTTLE_C).to_numpy(float)
    t_allow, t_cool, t_thr, _ = rack_times_to_limits(
        fine,
        fine_h,
        fine_t,
        rack_h,
        rack_t,
        t_in0,
        lim_air,
        t_sup0,
        t_out0,
        throttle,
        air_rack,
        liq_rack,
    )
    t_trip = trips.first_s  # the events themselves: where each rack's heat stopped
    rk = pd.DataFrame(
        {
            "hall": racks["hall"].to_numpy(),
            "liquid_loop": racks["liquid_loop"].to_numpy(),
            "t_inlet0_c": t_in0,
            "inlet_limit_c": lim_air,
            "t_to_allowable_s": t_allow,
            "t_coolant_supply0_c": t_sup0,
            "t_to_coolant_limit_s": t_cool,
            "throttle_c": throttle,
            "t_to_throttle_s": t_thr,
            "t_to_shutdown_s": t_trip,
            # 0: no live feed after the failure; a UPS battery emptying; inf: never
            "t_power_lost_s": lost_s,
        },
        index=racks.index,
    )
    rk["time_to_limit_s"] = rk[["t_to_allowable_s", "t_to_coolant_limit_s", "t_to_throttle_s"]].min(
        axis=1
    )

    names = (
        ["air:" + h for h in hall_ids]
        + ["equipment:" + h for h in hall_ids]
        + list(tcs_ids)
        + list(water_ids)
    )
    kinds = ["hall_air"] * nh + ["equipment"] * nh + ["tcs_coolant"] * nt + ["water_loop"] * nw
    # every curve runs to the horizon (a tripped rack's heat stops at its trip)
    end_h, end_t = np.full(nh, np.inf), np.full(nt, np.inf)
    ends = np.full(n, np.inf)
    series = [
        curve_until(
            pd.DataFrame({"time_s": times, "component": nm, "quantity": kd, "t_c": y[i]}), ends[i]
        )
        for i, (nm, kd) in enumerate(zip(names, kinds, strict=True))
    ]
    limits = []

    def hottest(component, quantity, t0_c, rise, end_s, limit_c):
        """The hottest rack's temperature over time (the quantity the limit bounds)."""
        frame = {"time_s": times, "component": component, "quantity": quantity}
        series.append(curve_until(pd.DataFrame({**frame, "t_c": t0_c + rise}), end_s))
        limits.append(
            {
                "component": component,
                "quantity": quantity,
                "limit_c": limit_c,
                "shutdown_c": limit_c + SHUTDOWN_MARGIN_K,
            }
        )

    for h, hid in enumerate(hall_ids):  # hottest inlet per hall, against its class
        sel = air_rack & (rack_h == h)
        if sel.any():
            hottest(
                hid, "rack_inlet_max", np.nanmax(t_in0[sel]), rise_h[h], end_h[h], lim_air[sel][0]
            )
    for j, tid in enumerate(tcs_ids):  # hottest coolant supply per TCS loop, against W45
        sel = liq_rack & (rack_t == j) & np.isfinite(t_sup0)
        if sel.any():
            hottest(
                tid,
                "rack_coolant_supply_max",
                np.nanmax(t_sup0[sel]),
                rise_t[j],
                end_t[j],
                COOLANT_LIMIT_C,
            )
    nodes = pd.DataFrame(
        {
            "kind": kinds,
            "c_kj_k": c,
            "p_kw": p_direct,
            "q0_kw": q0,
            "capacity0_kw": cap0,
            "capacity_after_kw": cap1,
            "capacity_restarting_kw": cap2,
            "restart_s": t_back,
            "blocked": blocked,
            "t0_c": t0,
            "t_end_c": y[:, -1],
        },
        index=pd.Index(names, name="id"),
    )
    return RideThrough(
        timeseries=pd.concat(series, ignore_index=True),
        racks=rk,
        nodes=nodes,
        power=power,
        limits=pd.DataFrame(limits, columns=["component", "quantity", "limit_c", "shutdown_c"]),
        tripped_after_restore_s=pd.Series(trips.again_s, index=racks.index),
        generators_tripped=overloaded,
    )
