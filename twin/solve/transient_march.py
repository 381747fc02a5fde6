"""The ride-through's march in time (`twin.solve.transient`): the nodes' heat balance
``C dT/dt = P + sum(Q in) - Q out`` integrated piece by piece, each piece ending at an event:
a rack reaching its shutdown margin (`twin.solve.transient_trips`), a UPS battery emptying
(`twin.solve.battery_drain`), or the utility's return (`restore_s`). The drain falls at each
trip, so the empty times are marched with the trips in time order (exact for the draw between
events, no fixed point to iterate)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.integrate import solve_ivp

from twin.solve.consequence import COOLANT_LIMIT_C, SHUTDOWN_MARGIN_K, inlet_limit_c
from twin.solve.ride_through_power import RESTART_S
from twin.solve.transient_cooling import Cooling
from twin.solve.transient_equipment import Equipment
from twin.solve.transient_nodes import NodeIndex
from twin.solve.transient_trips import Trips, band_order


@dataclass(frozen=True)
class Network:
    """The lumped nodes' heat balance: capacities `c` (kJ/K), rack-metal-to-air coupling
    `g_eq` (kW/K per hall), the racks' heat in after the failure `p_direct` (kW), the
    cooling units, and the equipment's own heat (fans, pumps, PDU and UPS losses) as the
    power state allows it."""

    ix: NodeIndex
    c: np.ndarray
    g_eq: np.ndarray
    p_direct: np.ndarray
    cooling: Cooling
    equipment: Equipment

    def rhs(self, p_now: np.ndarray, running_kw, perm: np.ndarray, back: np.ndarray):
        """dT/dt in the solver's (permuted) order, with heat `p_now` into the nodes besides the
        fans' and pumps' running at t, `running_kw(t)`."""
        H, E, T, _ = self.ix.offsets  # noqa: N806 (block offsets)
        n, sink, has_sink = self.ix.n, self.cooling.sink, self.cooling.has_sink
        flows, g_eq, c = self.cooling.flows, self.g_eq, self.c

        def rhs_p(t, yp):
            y_ = yp[back]
            q = flows(t, y_)
            inflow = np.bincount(sink[has_sink], q[has_sink], n)
            dy = p_now + running_kw(t) + inflow - q
            ex = g_eq * (y_[H:E] - y_[E:T])
            dy[H:E] -= ex
            dy[E:T] += ex
            return (dy / np.maximum(c, 1e-9))[perm]

        return rhs_p


@dataclass(frozen=True)
class RackLimits:
    """Each rack's steady inlet and coolant supply, its inlet limit, and which node(s) carry
    it after the failure: its hall's air (`air_rack`) and its TCS loop (`liq_rack`)."""

    t_in0: np.ndarray
    lim_air: np.ndarray
    t_sup0: np.ndarray
    air_rack: np.ndarray
    liq_rack: np.ndarray


def rack_limits(twin, ix: NodeIndex, rr0, p1: np.ndarray, lf: np.ndarray) -> RackLimits:
    """The limits the steady state applies (`twin.solve.consequence`), per rack."""
    racks = twin.racks
    t_in0 = rr0["t_inlet_max_c" if "t_inlet_max_c" in rr0 else "t_inlet_c"].to_numpy(float)
    lim_air = inlet_limit_c(twin.halls["ashrae_class"])[ix.rack_h]
    t_sup0 = rr0.get("t_coolant_supply_c", pd.Series(np.nan, index=racks.index)).to_numpy(float)
    air_rack = (lf < 1) & (p1 > 0)
    liq_rack = (ix.rack_t >= 0) & (p1 > 0)
    return RackLimits(t_in0, lim_air, t_sup0, air_rack, liq_rack)


def rack_trips(ix: NodeIndex, lim: RackLimits, p1, lf) -> Trips:
    """Each rack's shutdown margin on the node(s) carrying it: its hall's air (inlet) and its
    TCS loop (coolant supply); a trip takes its heat off those nodes."""
    H, _, T, _ = ix.offsets  # noqa: N806 (block offsets)
    rack_h, rack_t, air_rack, liq_rack = ix.rack_h, ix.rack_t, lim.air_rack, lim.liq_rack
    return Trips(
        ix.n,
        np.r_[H + rack_h[air_rack], T + rack_t[liq_rack]],
        np.r_[
            (lim.lim_air + SHUTDOWN_MARGIN_K - lim.t_in0)[air_rack],
            (COOLANT_LIMIT_C + SHUTDOWN_MARGIN_K - lim.t_sup0)[liq_rack],
        ],
        np.r_[np.flatnonzero(air_rack), np.flatnonzero(liq_rack)],
        len(rack_h),
        np.where(rack_h >= 0, H + rack_h, 0),
        np.where(rack_t >= 0, T + rack_t, 0),
        p1 * (1 - lf),
        np.where(rack_t >= 0, p1 * lf, 0.0),
    )


def _shutdown_event(t0, thr, back):
    """The first watched node at its shutdown margin, as a terminal solver event (None:
    no node is watched)."""
    watched = np.flatnonzero(np.isfinite(thr))
    if not len(watched):
        return None
    pw, tw, t0w = back[watched], thr[watched], t0[watched]

    def hit(t, yp):
        return float(np.max(yp[pw] - t0w - tw))

    hit.terminal, hit.direction = True, 1.0
    return hit


@dataclass
class March:
    """The integration's pieces `(t_from, t_to, dense output in the permuted order)`, when
    each rack lost power, each battery's empty time once the drain ended."""

    segments: list
    lost_s: np.ndarray
    final_empty: np.ndarray | None
    back: np.ndarray  # the solver's order back to the nodes' own


def _piece(rhs, span, y0p, events, bands):
    """One piece of the integration, to `span[1]` or the first shutdown event: the solver's
    result, the time reached and the temperatures there (permuted order), and whether a
    rack tripped."""
    t_now = span[0]
    sol = solve_ivp(
        rhs,
        span,
        y0p,
        method="LSODA",
        rtol=1e-6,
        atol=1e-6,
        dense_output=True,
        lband=bands[0],
        uband=bands[1],
        events=events,
    )
    if sol.status < 0:
        raise RuntimeError(f"ride-through integration failed at {t_now:g} s: {sol.message}")
    tripped = sol.status == 1 and events is not None and len(sol.t_events[0])
    if tripped:
        return sol, float(sol.t_events[0][0]), sol.y_events[0][0], tripped
    return sol, float(sol.t[-1]), sol.y[:, -1], tripped


def march(net: Network, trips: Trips, drain, p1, lost_s, restore_s, t_end_s) -> March:
    """Integrate from the steady state to `t_end_s`, piece by piece: each rack trip, each
    battery emptying (before `restore_s`) and `restore_s` itself (tripped racks restart and
    heat again, and the cooling units that ran before the failure run again: the water loops'
    after the chillers' restart, `RESTART_S`, the rest at once [est: fans and pumps restart
    with their power, REFERENCE 6]) ends a piece. `lost_s`: when each rack loses power so
    far."""
    if np.isfinite(restore_s):
        wait = np.zeros(net.ix.n)
        wait[net.ix.offsets[3] :] = RESTART_S.get("chillers", 0.0)
        net = replace(
            net,
            cooling=replace(net.cooling, utility_back_s=restore_s, back_wait_s=wait),
            equipment=replace(net.equipment, utility_back_s=restore_s),
        )
    t0, n, nh = net.cooling.t0, net.ix.n, net.ix.sizes[0]
    # the Jacobian couples a node only with its sink and a hall's air with its equipment:
    # in reverse Cuthill-McKee order it is banded, and LSODA's finite differences take
    # bandwidth + 1 right-hand sides per Jacobian instead of n (474 on the campus)
    perm, lband, uband = band_order(n, net.cooling.sink, nh)
    back = np.argsort(perm)
    segments = []  # (t_from, t_to, dense output in the permuted order)
    t_now, y_now = 0.0, t0.copy()
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
        loss_kw, running_kw = net.equipment.heat(trips.off)
        rhs = net.rhs(net.p_direct - trips.heat_off() + loss_kw, running_kw, perm, back)
        events = _shutdown_event(t0, trips.thresholds(), back)
        sol, t_next, y_p, tripped = _piece(rhs, (t_now, stop), y_now[perm], events, (lband, uband))
        segments.append((t_now, t_next, sol.sol))
        y_now = y_p[back]
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
    return March(segments, lost_s, final_empty, back)


def drained_power(power, drain, final_empty):
    """`power` (per UPS) with the marched drain's empty times, end draw and least charge
    (`twin.solve.battery_drain`), not the autonomy at the draw before the failure."""
    power = power.copy()
    on_b = power["on_battery"].to_numpy(bool)
    power["bridged"] = power["bridged"].to_numpy(bool) | (
        drain.active & ~np.isfinite(final_empty) & np.isfinite(drain.gap_s)
    )
    power["empty_s"] = np.where(on_b & ~power["bridged"], final_empty, np.inf)
    power["load_end_kw"] = np.where(on_b, drain.load_end_kw, 0.0)
    power["charge_min_frac"] = np.where(on_b, 1.0 - drain.used, 1.0)
    return power
