"""A UPS battery's charge through a ride-through whose racks shut down by heat on the way.

`twin.solve.ride_through_power` gives each UPS on battery its autonomy at the racks' draw
before the failure. Racks that trip by heat during the ride-through stop drawing, and a
rack whose last feed's battery empties stops too, so the draw on each battery is a step
function of time that falls at each of those events. Here each battery's state of
charge follows it:

- Between events the draw P is constant; a battery drained at constant P lasts the
  Peukert autonomy ``A(P) = H (P_r / P)^k`` (`peukert_autonomy_s`, [REFERENCE 5]).
- Under a varying draw the fraction of the battery used follows the fractional-depletion
  rule ``df/dt = 1 / A(P(t))``: the fraction used is the sum over the constant pieces of
  ``duration / A(P_piece)`` and the battery is empty when it reaches 1, so with one trip
  at t1 it empties at ``t1 + (1 - t1 / A(P0)) A(P1)``. At constant draw this is Peukert's
  law itself, and with k = 1 it is counting energy (sum of P dt = E). A modelling choice
  [est: the usual way Peukert's constant-load law is carried to a varying load; a battery
  has no memory of the rate it was drained at here], the same rule the timeline's outage
  applies per step (`twin.solve.timeline_outage`: it drains the rated energy at
  ``P (P / P_r)^(k - 1)``, i.e. ``E / A(P)`` per second).
- Each UPS's draw is its racks' draw through it times its draw per kW of rack draw
  before the failure (`BatteryWindow.ratio`: its losses scale with its load [est]). A
  dual-fed rack is split between its feeds as the power solve splits it; when one
  feed's battery empties the other feed carries all of it [REFERENCE 5: on loss of one
  feed the other carries 100 %], as in the timeline's 2N pairs.
- A UPS whose generator starts before its battery empties (and can carry it,
  `power_ride_through`'s `bridged` rule) is bridged from the generator's start: its
  battery stops draining and never empties.

The trips and the emptying times depend on each other (a trip lowers the drain; an
empty battery unpowers racks, which then neither heat nor trip). The ride-through
(`twin.solve.transient.cooling_ride_through`) marches both in time order as events of
one integration: each trip is a root of the thermal curves, each empty time is exact
for the draw in force since the last event (the battery empties before the next event
or the next event comes first and changes the draw), so no fixed-point iteration is
needed and the result is exact to the trip roots' tolerance.
"""

from __future__ import annotations

import numpy as np

from twin.solve.battery_window import BatteryWindow, power_lost_s
from twin.solve.generator_trip import TRIP_PCT
from twin.solve.ride_through_power import peukert_autonomy_s

EMPTY_TOL_S = 1e-9
"""A battery predicted to empty within this of a segment's end empties there (rounding)."""


class BatteryDrain:
    """The charge of each UPS battery (order of `twin.ups`) over the ride-through.

    `window`: the battery window (racks in `power_model` order); `ups`: the twin's UPS
    table (battery energy, Peukert H and k); `power`: the per-UPS frame of
    `power_ride_through` (generator gap and loading, in service); `rack_index` (r,): each
    window rack's position in the caller's rack order (a permutation).
    """

    def __init__(self, window: BatteryWindow, ups, power, rack_index: np.ndarray):
        self.window = window
        self.rack_index = np.asarray(rack_index, np.int64)
        nu = len(window.on_battery)
        self.energy_kwh = ups["battery_kwh"].to_numpy(float)
        self.rated_h = ups["battery_rated_time_h"].to_numpy(float)
        self.k = ups["battery_peukert_k"].to_numpy(float)
        gap = power["gap_s"].to_numpy(float)
        pct = power["generator_loading_pct"].to_numpy(float)
        # a generator that can take the load bridges the battery once it starts; one past
        # its rating trips (`twin.solve.generator_trip`, the timeline's rule too)
        self.gap_s = np.where(~(pct > TRIP_PCT), gap, np.inf)
        self.active = window.on_battery & power["in_service"].to_numpy(bool) & (self.energy_kwh > 0)
        self.used = np.zeros(nu)  # fraction of each battery used (Peukert, rated)
        self.empty_s = np.full(nu, np.inf)  # when each emptied
        self.empty = np.zeros(nu, bool)
        self.bridged = np.zeros(nu, bool)
        self.load_end_kw = np.zeros(nu)  # the draw when it emptied or the march ended

    def autonomy_s(self, load_kw: np.ndarray) -> np.ndarray:
        """Seconds a full battery lasts at constant `load_kw` (Peukert; inf at no load)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return peukert_autonomy_s(load_kw, self.energy_kwh, self.rated_h, self.k)

    def load_kw(self, on: np.ndarray) -> np.ndarray:
        """Each UPS's draw (u,) with the racks `on` (caller's order) drawing and the
        batteries emptied so far dark (their dual-fed racks on the other feed)."""
        w = self.window
        on_w = np.asarray(on, bool)[self.rack_index] & (w.rack_kw > 0)
        ru, kw = w.rack_ups, w.side_kw
        carried = kw > 0
        empty = np.r_[self.empty, False]  # index -1 (a utility or generator path): never
        live = carried & ((ru == -1) | ((ru >= 0) & ~empty[np.where(ru >= 0, ru, -1)]))
        both = live.all(axis=1)
        # both feeds live: the power solve's split; one: it carries the whole rack
        draw = np.where(both[:, None], kw, np.where(live, w.rack_kw[:, None], 0.0))
        draw = np.where(on_w[:, None] & (ru >= 0), draw, 0.0)
        nu = len(self.used)
        per = np.bincount(np.maximum(ru, 0).ravel(), draw.ravel(), nu)
        return np.where(self.active & ~self.empty & ~self.bridged, per * w.ratio, 0.0)

    def _until(self, t: float, on: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The draw from `t` and when each battery empties at it (inf: not draining, or its
        generator starts first)."""
        load = self.load_kw(on)
        rest = np.maximum(1.0 - self.used, 0.0) * np.where(load > 0, self.autonomy_s(load), 0.0)
        te = np.where(load > 0, t + rest, np.inf)
        return load, np.where(te < self.gap_s, te, np.inf)

    def next_empty_s(self, t: float, on: np.ndarray) -> float:
        """The first time a battery empties with the racks `on` drawing from `t` on."""
        self.bridge(t)
        return float(self._until(t, on)[1].min(initial=np.inf))

    def bridge(self, t: float) -> None:
        """Batteries whose generator has started by `t` without their emptying: bridged."""
        self.bridged |= self.active & ~self.empty & (self.gap_s <= t)

    def advance(self, t0: float, t1: float, on: np.ndarray) -> np.ndarray:
        """Drain from `t0` to `t1` with the racks `on` drawing throughout; returns the UPSs
        that emptied at `t1` (mask)."""
        self.bridge(t0)
        load, te = self._until(t0, on)
        self.load_end_kw = np.where(load > 0, load, self.load_end_kw)
        done = te <= t1 + EMPTY_TOL_S * max(1.0, abs(t1))
        end = np.minimum(t1, self.gap_s)
        step = np.where(load > 0, np.maximum(end - t0, 0.0) / self.autonomy_s(load), 0.0)
        self.used = np.where(done, 1.0, self.used + step)
        self.empty_s = np.where(done, te, self.empty_s)
        self.empty |= done
        self.bridge(t1)
        return done

    def finish(self, t: float, on: np.ndarray) -> np.ndarray:
        """Each battery's empty time (u,): when it emptied, else when it would at the draw in
        force at `t` (the end of the march: the horizon or the utility's return), inf where
        it is bridged, not draining or its generator starts first."""
        self.bridge(t)
        load, te = self._until(t, on)
        self.load_end_kw = np.where(self.empty, self.load_end_kw, load)
        return np.where(self.empty, self.empty_s, te)

    def rack_lost_s(self, empty_s: np.ndarray) -> np.ndarray:
        """When each rack (caller's order) loses power with the batteries emptying at
        `empty_s` (`power_lost_s`)."""
        out = np.full(len(self.rack_index), np.inf)
        out[self.rack_index] = power_lost_s(self.window, empty_s)
        return out
