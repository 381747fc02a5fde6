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

The pieces, one responsibility a module: the nodes, their capacities, steady state and
rack heat (`twin.solve.transient_nodes`); the cooling units over time
(`twin.solve.transient_cooling`); the march through trips and battery emptying
(`twin.solve.transient_march`); the result tables (`twin.solve.transient_tables`). This
module holds the states before and after the failure and puts the pieces together.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from twin.errors import ScenarioError
from twin.model.scenario import Scenario
from twin.solve import Results, run
from twin.solve.battery_drain import BatteryDrain
from twin.solve.battery_window import battery_window
from twin.solve.generator_trip import tripped_generators
from twin.solve.limit_crossing import CROSSING_DT_S
from twin.solve.lumped_node import integrate_node, node_temperature
from twin.solve.power import solve_power
from twin.solve.power_model import power_model
from twin.solve.results import not_steady
from twin.solve.ride_through_power import (
    RESTART_S,
    feed_roots,
    peukert_autonomy_s,
    power_ride_through,
    utility_lost,
)
from twin.solve.transient_cooling import (
    CONTROL_DT_K,
    Cooling,
    PowerStates,
    blocked_nodes,
    coil_sinks,
    unit_capacities_kw,
)
from twin.solve.transient_equipment import equipment_heat
from twin.solve.transient_march import (
    Network,
    drained_power,
    march,
    rack_limits,
    rack_trips,
)
from twin.solve.transient_nodes import (
    COOLANT_M3_PER_MW,
    EQUIPMENT_CP_J_KGK,
    EQUIPMENT_TAU_S,
    RACK_MASS_DEFAULT_KG,
    RACK_MASS_KG,
    heat_capacities_kj_k,
    loop_water_kj_k,
    node_index,
    rack_heat_in_kw,
    steady_temperatures_c,
    tcs_heat_kw,
    water_heat_kw,
)
from twin.solve.transient_tables import (
    THROTTLE_C,
    hottest_curves,
    node_curves,
    node_table,
    rack_table,
)
from twin.solve.transient_trips import Segments, Unpermuted

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

T_END_S = 1800.0


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
    # the failure takes a utility off the load (`utility_lost`): only then do generators
    # start and the UPS batteries bridge to them; False: the utility stays live, no
    # generator starts, and a UPS the failure left unfed (`power`'s on_battery) carries
    # its load on its battery until it empties
    utility_lost: bool = True

    @property
    def first_limit_s(self) -> float:
        return float(self.racks["time_to_limit_s"].min()) if len(self.racks) else np.inf


def _steady_before(twin, scenario: Scenario, base: Results | None):
    """The state before the failure: `scenario` without `failed`, solved (or `base`); a
    `ScenarioError` when it is not a steady state to start from."""
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
    return before, base


def _power_after(twin, scenario: Scenario, base: Results):
    """The failure's power state, its batteries' window and the UPS ride-through. A
    generator handed more than it can carry does not carry it: it trips, and what it would
    have fed (the cooling on its bus, the UPSs it was to bridge) is lost with it. That
    only when the failure takes a utility off the load: otherwise no generator starts."""
    pw1 = solve_power(twin, scenario)
    window = battery_window(twin, scenario, base, pw1) if scenario.failed else None
    power = power_ride_through(twin, scenario, base=pw1, before=base, window=window)
    lost = utility_lost(twin, base, pw1)
    overloaded = tripped_generators(power, lost)
    if overloaded:
        scenario = replace(scenario, failed=scenario.failed | frozenset(overloaded))
        pw1 = solve_power(twin, scenario)
        window = battery_window(twin, scenario, base, pw1)
        power = power_ride_through(twin, scenario, base=pw1, before=base, window=window)
    return scenario, pw1, window, power, overloaded, lost


def _rack_kw_after(twin, pw1, window, power):
    """Each rack's draw after the failure (racks behind a UPS on its battery draw on until
    it empties), and the batteries' drain to march with the trips (None: none drains)."""
    racks = twin.racks
    p1 = pw1["res_racks"]["p_kw"].reindex(racks.index).to_numpy(float)
    drain = None
    if window is not None:
        rack_order = power_model(twin).rack_ids
        p1 = pd.Series(window.rack_kw, index=rack_order).reindex(racks.index).to_numpy(float)
        if window.on_battery.any():
            drain = BatteryDrain(window, twin.ups, power, racks.index.get_indexer(rack_order))
    return p1, drain


def _network(twin, ix, base, ps: PowerStates, rr0, p0, p1, lf) -> Network:
    """The lumped nodes after the failure: capacities, heat in, the units and the steady
    flows they start from (each node passes on what it receives)."""
    H, E, T, W = ix.offsets  # noqa: N806 (block offsets)
    n, (_, nt, nw) = ix.n, ix.sizes
    rh = base["res_halls"].reindex(ix.hall_ids)
    liq0, q_w0 = tcs_heat_kw(ix, p0, lf), water_heat_kw(ix, base)
    c = heat_capacities_kj_k(twin, ix, liq0, q_w0)
    t0 = steady_temperatures_c(twin, ix, rh, rr0)
    p_in, air_lost = rack_heat_in_kw(ix, rh, p0, p1, lf)
    cap0, cap1, cap2, t_back = unit_capacities_kw(twin, ix, base, ps)
    sink, cold_fixed = coil_sinks(twin, ix)
    blocked = blocked_nodes(twin, ix, ps, sink)
    q0 = np.zeros(n)
    q0[H:E] = p_in[H:E] + air_lost  # base air heat
    q0[T:W] = liq0 if nt else q0[T:W]
    p_direct = p_in.copy()
    if nw:  # water loops: heat from UPS, pumps etc. besides CRAH coils and CDUs
        q0[W:] = q_w0
        has_sink = sink >= 0
        inflow = np.bincount(sink[has_sink], q0[has_sink], n)[W:]
        p_direct[W:] = np.maximum(q_w0 - inflow, 0.0)
    # the equipment's heat (fans, pumps, PDU and UPS losses) follows the power state instead
    equipment = equipment_heat(twin, ix, base, ps, p0, p1, lf)
    p_direct -= equipment.before_kw()
    p_direct[np.abs(p_direct) < 1e-9] = 0.0  # the loops' heat is all equipment's: no -1e-13
    cooling = Cooling(t0, q0, cap0, cap1, cap2, t_back, sink, cold_fixed, blocked)
    return Network(ix, c, c[E:T] / EQUIPMENT_TAU_S, p_direct, cooling, equipment)


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
    before, base = _steady_before(twin, scenario, base)
    scenario, pw1, window, power, overloaded, lost = _power_after(twin, scenario, base)
    p1, drain = _rack_kw_after(twin, pw1, window, power)
    ps = PowerStates(
        before.out_of_service,
        scenario.out_of_service,
        base["res_power_nodes"]["live"],
        pw1["res_power_nodes"]["live"],
        feed_roots(base["res_power_nodes"]),
        feed_roots(pw1["res_power_nodes"]),
    )
    racks = twin.racks
    rr0 = base["res_racks"].reindex(racks.index)
    p0 = rr0["p_kw"].to_numpy(float)
    lf = racks["liquid_fraction"].to_numpy(float)
    ix = node_index(twin)
    net = _network(twin, ix, base, ps, rr0, p0, p1, lf)
    lim = rack_limits(twin, ix, rr0, p1, lf)
    trips = rack_trips(ix, lim, p1, lf)
    lost_s = np.where(p1 > 0, np.inf, 0.0)  # when each rack loses power (so far)
    m = march(net, trips, drain, p1, lost_s, restore_s, t_end_s)
    if drain is not None:
        power = drained_power(power, drain, m.final_empty)
    dense = Unpermuted(Segments(m.segments), m.back)
    times = np.linspace(0.0, t_end_s, n_points)
    y = dense(times)  # (n, times)
    t0 = net.cooling.t0
    rk = rack_table(twin, ix, lim, rr0, dense, t0, t_end_s, n_points, trips, m.lost_s)
    hottest, limits = hottest_curves(ix, lim, times, y, t0)
    return RideThrough(
        timeseries=pd.concat(node_curves(ix, times, y) + hottest, ignore_index=True),
        racks=rk,
        nodes=node_table(ix, net, y[:, -1]),
        power=power,
        limits=limits,
        tripped_after_restore_s=pd.Series(trips.again_s, index=racks.index),
        generators_tripped=overloaded,
        utility_lost=lost,
    )
