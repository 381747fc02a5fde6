"""Does anything overheat in a timeline's outage? Racks throttled and tripped by heat, over time.

While the utility is out the cooling plant stops (its motor control centres are not
behind a UPS) until the generators start and the chillers restart, and the loops and
the hall air warm. Which racks pass their limits, and when, is what `twin ride-through`
answers (`twin.solve.transient.cooling_ride_through`: the lumped hall-air, rack-metal,
TCS-loop and water-loop model of the site in its solved state, at design load); a
timeline with an outage asks it once for the site's utility connections failing, so
both give one answer. The rule and its limits are the coupled solve's
(`twin.solve.consequence`): a rack's top-of-rack inlet above its hall's ASHRAE
allowable, or its coolant supply above `COOLANT_LIMIT_C`, throttles it; more than
`SHUTDOWN_MARGIN_K` past either trips it.

Over the timeline's steps, from the outage's start:

- a rack is throttled whenever its node (hall air for its inlet, TCS loop for its
  coolant) is above its limit: from its first crossing (`t_to_allowable_s` or
  `t_to_coolant_limit_s` of the ride-through) until the node falls back below, and
  again each time it climbs back over (the hall air that peaks while the fans wait for
  the generator, falls when they restart and climbs again while the chillers restart
  crosses twice: 2026-12-01, the reference AI hall on its FFD field, 10 racks back over
  from ~122 s to ~246 s after their first 2-5 s), edges linear between the
  ride-through's samples; the throughput a throttled rack loses is not estimated (as in
  the steady rule);
- a rack is tripped from `t_to_shutdown_s` until the utility returns [est: tripped
  servers stay down until the power event is over and they are restarted]: its IT
  and heat stop, its tokens are lost (cause `thermal`), its IT is `it_lost_kw`. The
  ride-through takes the same rack's heat off at its trip and back at the utility's
  return (`restore_s`), when the plant runs again too (its units after their restart,
  `twin.solve.transient_march`); a rack it trips again then (restarted into a room
  still past its shutdown margin: `trip_after_return_s`) stays off from its first trip
  to the ride-through's end, `AFTER_S` past the return [est: not restarted until the
  room is back within its limits, which the ride-through's curves show by then]. Until
  audit 7 F2 the ride-through's plant stayed off after the return where a generator
  had tripped, and the timeline counted such racks running with inlets 12.8 K over;
  so the other racks' curves, and the windows read from them, run on to the horizon
  with the heat that is really there (they used to end at the first trip, and every
  window still open there was counted to the horizon: 2026-12-02, the reference hall
  with 60 s generators, 96 racks 'throttled' for 45 min where the physics gives ~1 min).

Per step, the hottest rack inlet over its allowable and the warmest liquid loop above
steady while the ride-through runs (`outage_curves`) are its curves, the most within
each step: the timeline's `t_inlet_over_allowable_k` and `loop_warming_k` there are
`twin ride-through`'s, one model of the halls' air and the loops' water for both.

Every rack has its own window (each crosses at its own time); the windows are summed
over the steps all at once (`twin.scenarios.timeline_windows`), not rack by rack.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.metrics.catalogue import catalogue, rack_catalogue, throughput_fraction
from twin.model.scenario import Scenario
from twin.scenarios.timeline_windows import window_sums
from twin.solve.consequence import COOLANT_LIMIT_C, SHUTDOWN_MARGIN_K, inlet_limit_c
from twin.solve.timeline import intervals
from twin.solve.timeline_outage import Outage

AFTER_S = 1800.0
"""The ride-through runs this long past the outage's end (the plant catching up) [est]."""
MAX_T_END_S = 7 * 86400.0
"""The longest ride-through horizon `twin ride-through` accepts."""
SAMPLE_S = 1.0
"""Ride-through sample spacing, s (its crossings are interpolated between samples)."""
MAX_SAMPLES = 20_001


@dataclass
class Thermal:
    """Per rack: throttle and trip windows (s from the run's start; inf: never)."""

    racks: pd.DataFrame  # hall, throttle_from_s/_to_s (first start, last end), throttle_s,
    # trip_from_s, trip_to_s
    throttled: np.ndarray  # (n, G) racks throttled, step mean
    tripped: np.ndarray  # (n, G) racks tripped, step mean
    design_off_kw: np.ndarray  # (n, G) design kW of tripped racks, step mean
    full_off: dict[str, np.ndarray]  # accelerator -> (n, G) full tokens/s of tripped racks
    detail: pd.DataFrame | None = None  # per rack hit: g, kw, acc, full and its windows
    t0: np.ndarray | None = None
    dt: float = 1.0

    def it_off_kw(self, frac: np.ndarray) -> np.ndarray:
        """(n, G) IT the tripped racks would draw at each hall's power fraction."""
        return self.design_off_kw * frac

    def tokens_off_cells(self, twin, rack_cell: pd.Series, frac_c: np.ndarray) -> np.ndarray:
        """(n, C) tokens/s the tripped racks would make, per cell (`rack_cell`: cell index
        per rack id) at each cell's power fraction `frac_c` (n, C)."""
        out = np.zeros_like(frac_c, dtype=float)
        d = self.detail
        if d is None:
            return out
        cat = catalogue(twin.layout)
        d = d[np.isfinite(d["trip_from_s"])]  # racks that trip (not all of a hit hall's)
        d = d.assign(cell=rack_cell.reindex(d.index).to_numpy())
        d = d[d["acc"].isin(list(cat)) & (d["cell"] >= 0)]
        accs = list(pd.unique(d["acc"]))
        full = [d["full"].to_numpy(float) * (d["acc"] == acc).to_numpy() for acc in accs]
        ons = self._sums(d, d["cell"], out.shape[1], full)  # every rack's window at once
        for acc, on in zip(accs, ons, strict=True):
            out += throughput_fraction(cat[acc], frac_c) * on
        return out

    def _sums(self, d: pd.DataFrame, col, ncol: int, weights: list) -> list[np.ndarray]:
        """(n, ncol) per weight: the racks' trip windows summed over the steps."""
        a, b = d["trip_from_s"].to_numpy(float), d["trip_to_s"].to_numpy(float)
        return window_sums(self.t0, self.dt, a, b, np.asarray(col, np.int64), ncol, weights)

    def it_off_cells(self, rack_cell: pd.Series, frac_c: np.ndarray) -> np.ndarray:
        """(n, C) kW the tripped racks would draw, per cell, at each cell's fraction."""
        out = np.zeros_like(frac_c, dtype=float)
        d = self.detail
        if d is None:
            return out
        d = d[np.isfinite(d["trip_from_s"])]  # racks that trip (not all of a hit hall's)
        d = d.assign(cell=rack_cell.reindex(d.index).to_numpy())
        d = d[d["cell"] >= 0]
        (kw_on,) = self._sums(d, d["cell"], out.shape[1], [d["kw"].to_numpy(float)])
        return out + kw_on * frac_c

    def tokens_off_s(self, twin, frac: np.ndarray) -> np.ndarray:
        """(n, G) tokens/s the tripped racks would make at each hall's power fraction."""
        cat = catalogue(twin.layout)
        out = np.zeros_like(frac, dtype=float)
        for name, full in self.full_off.items():
            out += throughput_fraction(cat[name], frac) * full
        return out


def has_liquid_loops(twin) -> bool:
    """Whether the site has liquid loops the ride-through warms: a TCS loop (a rack's
    `liquid_loop`) or a facility or chilled-water loop. An air-cooled room on DX units has
    none: its outage warms the hall air and the racks, and no loop water is reported."""
    loops = twin.loops
    water = len(loops) and loops["kind"].isin(["facility", "chilled"]).any()
    return bool(water or twin.racks["liquid_loop"].notna().any())


def _ride_through(twin, outage: Outage):
    from twin.solve.transient import cooling_ride_through

    t_end = min(outage.duration_s + AFTER_S, MAX_T_END_S)
    n = int(min(t_end / SAMPLE_S, MAX_SAMPLES - 1)) + 1
    util = list(twin.of_model("utility").index)
    return cooling_ride_through(
        twin,
        Scenario.fail(*util, name="utility outage"),
        t_end_s=t_end,
        n_points=n,
        restore_s=outage.duration_s,  # tripped racks restart when the utility returns
    )


def _back_below(times, rise, on_s, margin) -> np.ndarray:
    """The first time after each crossing `on_s` (m,) that one node's `rise` curve is back at
    or below each `margin` (m,), linear between samples (inf: not within the curve)."""
    out = np.full(len(margin), np.inf)
    after = (times[None, :] > on_s[:, None]) & (rise[None, :] <= margin[:, None])
    ok = after.any(axis=1) & np.isfinite(on_s)
    k = np.argmax(after, axis=1)[ok]
    km = np.maximum(k - 1, 0)
    r0, r1 = rise[km], rise[k]
    f = np.divide(r0 - margin[ok], r0 - r1, out=np.ones(len(k)), where=r0 > r1)
    out[ok] = times[km] + np.clip(f, 0.0, 1.0) * (times[k] - times[km])
    return out


WINDOW_BLOCK = 4_000_000
"""Most rack x sample cells `_windows_above` holds at once (racks in blocks, memory bound)."""


def _edge_time(times, rise, k, m):
    """Where `rise` crosses `m` between samples k - 1 and k (linear)."""
    r0, r1 = rise[k - 1], rise[k]
    f = np.divide(m - r0, r1 - r0, out=np.zeros(len(k)), where=r1 != r0)
    return times[k - 1] + np.clip(f, 0.0, 1.0) * (times[k] - times[k - 1])


def _windows_above(times, rise, margin) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every interval in which one node's `rise` curve is above each rack's `margin` (m,):
    (row, start, end), rows ascending and each row's windows in time order, edges linear
    between samples; a window still open where the curve ends ends at inf."""
    n = len(times)
    rows, starts, ends = [], [], []
    margin = np.asarray(margin, float)
    # only racks the curve reaches have a window: the rest cost nothing (most of a hall)
    top = np.max(np.where(np.isnan(rise), -np.inf, rise), initial=-np.inf)
    reach = np.flatnonzero(margin < top)
    block = max(1, WINDOW_BLOCK // max(n, 1))
    for lo in range(0, len(reach), block):  # blocks of racks, not one rack at a time
        idx = reach[lo : lo + block]
        m = margin[idx]
        above = (rise[None, :] > m[:, None]).astype(np.int8)
        edge = np.diff(above, axis=1, prepend=0, append=0)  # (m, n + 1)
        r_up, k_up = np.nonzero(edge == 1)  # above from sample k on
        r_dn, k_dn = np.nonzero(edge == -1)  # below from sample k on (n: still above)
        a = np.where(k_up == 0, times[0], _edge_time(times, rise, np.maximum(k_up, 1), m[r_up]))
        kd = np.minimum(k_dn, n - 1)
        b = np.where(k_dn >= n, np.inf, _edge_time(times, rise, np.maximum(kd, 1), m[r_dn]))
        rows.append(idx[r_up])
        starts.append(a)
        ends.append(b)
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    return np.concatenate(rows), np.concatenate(starts), np.concatenate(ends)


def _union(row, a, b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's windows (finite) merged where they overlap (a rack over its inlet and its
    coolant limit at once is throttled once), sorted by row and start."""
    if not len(row):
        return row, a, b
    o = np.lexsort((a, row))
    row, a, b = row[o], a[o], b[o]
    # rows set `span` apart: one running maximum of the ends over all rows at once, which
    # never reaches from one row into the next
    shift = row * (b.max() - a.min() + 1.0)
    reach = np.maximum.accumulate(b + shift)
    new = np.r_[True, a[1:] + shift[1:] > reach[:-1]]
    grp = np.cumsum(new) - 1
    ends = np.full(grp[-1] + 1, -np.inf)
    np.maximum.at(ends, grp, b)
    return row[new], a[new], ends


def _rack_windows(twin, outage: Outage) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per rack: throttle and trip windows (s from the run's start), and every throttle
    window (rack id, from_s, to_s); the ride-through once per Twin content and outage
    length (`twin.solve.cache`)."""

    rel, rel_w, _ = _relative(twin, outage)
    out, win = rel.copy(), rel_w.copy()
    for c in (
        "throttle_from_s",
        "throttle_to_s",
        "trip_from_s",
        "trip_to_s",
        "trip_after_return_s",
        "power_lost_s",
    ):
        out[c] = rel[c] + outage.start_s
    for c in ("from_s", "to_s"):
        win[c] = rel_w[c] + outage.start_s
    return out, win


def _relative(twin, outage: Outage):
    """`_relative_windows` for `outage`'s length, once per Twin content (`twin.solve.cache`)."""
    from twin.solve.cache import per_twin, pinned

    key = f"timeline_thermal:{outage.duration_s!r}"
    with pinned(twin):
        return per_twin(twin, key, lambda tw: _relative_windows(tw, Outage(0.0, outage.duration_s)))


def _site_curves(rt) -> pd.DataFrame:
    """From the ride-through: over its samples (s from the outage's start), the hottest rack
    inlet over its hall's allowable, K (the most over halls), and the warmest liquid loop
    (TCS or water) above its steady temperature, K (the most over loops)."""
    ts = rt.timeseries
    times = np.unique(ts["time_s"].to_numpy(float))
    over = np.full(len(times), np.nan)
    warm = np.full(len(times), np.nan)
    lim = rt.limits.set_index(["component", "quantity"])["limit_c"] if len(rt.limits) else None
    for (comp, qty), g in ts.groupby(["component", "quantity"], sort=False):
        t, y = g["time_s"].to_numpy(float), g["t_c"].to_numpy(float)
        if qty == "rack_inlet_max" and lim is not None:
            v = np.interp(times, t, y - float(lim[(comp, qty)]), right=np.nan)
            over = np.fmax(over, v)
        elif qty in ("tcs_coolant", "water_loop"):
            warm = np.fmax(warm, np.interp(times, t, y - y[0], right=np.nan))
    return pd.DataFrame({"time_s": times, "inlet_over_k": over, "loop_warming_k": warm})


def _relative_windows(twin, outage: Outage) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """`_rack_windows` for an outage starting at 0, and the ride-through's site curves
    (`_site_curves`)."""
    rt = _ride_through(twin, outage)
    rk = rt.racks
    racks = twin.racks
    ts = rt.timeseries
    # node rise curves: hall air for the inlet, the TCS loop for the coolant
    curves = {}
    for (comp, qty), g in ts.groupby(["component", "quantity"], sort=False):
        if qty in ("hall_air", "tcs_coolant"):
            y = g["t_c"].to_numpy(float)
            curves[comp] = (g["time_s"].to_numpy(float), y - y[0])
    lim_in = inlet_limit_c(twin.halls["ashrae_class"].reindex(racks["hall"]).fillna("A1"))
    m_in = lim_in - rk["t_inlet0_c"].to_numpy(float)
    m_cs = COOLANT_LIMIT_C - rk["t_coolant_supply0_c"].to_numpy(float)
    t_in = rk["t_to_allowable_s"].to_numpy(float)
    t_cs = rk["t_to_coolant_limit_s"].to_numpy(float)
    air_first = t_in <= t_cs
    on = np.minimum(t_in, t_cs)
    # every window of every rack over a limit, per node (a hall's air, a TCS loop), every
    # rack on the node at once; a rack over both limits is throttled by either
    parts = []
    air_node = "air:" + racks["hall"].astype(str).to_numpy(object)
    cs_node = racks["liquid_loop"].astype(str).to_numpy(object)
    for t_x, node, margin in ((t_in, air_node, m_in), (t_cs, cs_node, m_cs)):
        for nd in pd.unique(node[np.isfinite(t_x)]):
            if nd in curves:
                sel = np.flatnonzero((node == nd) & np.isfinite(t_x))
                r, a, b = _windows_above(*curves[nd], margin[sel])
                parts.append((sel[r], a, b))
    row = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
    a = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)
    b = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0)
    # the first window starts where the ride-through says (its finer crossing search); a
    # crossing between two samples that the samples miss is a window to its back-below
    step = max((np.diff(c[0]).max() for c in curves.values() if len(c[0]) > 1), default=0.0)
    first = np.full(len(on), np.inf)
    np.minimum.at(first, row, a)
    near = np.isfinite(on) & (first <= on + step)
    a = np.where(near[row] & (a == first[row]), on[row], a)
    missed = np.flatnonzero(np.isfinite(on) & ~near)
    if len(missed):
        node = np.where(air_first, air_node, cs_node)
        margin = np.where(air_first, m_in, m_cs)
        back = np.full(len(missed), np.inf)
        for nd in pd.unique(node[missed]):
            if nd in curves:
                s = node[missed] == nd
                back[s] = _back_below(*curves[nd], on[missed][s], margin[missed][s])
        row, a, b = np.r_[row, missed], np.r_[a, on[missed]], np.r_[b, back]
    # every curve runs to the horizon (the ride-through takes a tripped rack's heat off at its
    # trip and back when the utility returns): a window still open there is one the plant
    # has not closed 30 min after the utility's return, counted to that horizon
    horizon = min(outage.duration_s + AFTER_S, MAX_T_END_S)
    trip = rk["t_to_shutdown_s"].to_numpy(float)
    again = rt.tripped_after_restore_s.reindex(racks.index).to_numpy(float)
    still = np.zeros(len(on), bool)  # over a limit where the ride-through ends, not tripped
    still[row[~np.isfinite(b)]] = True
    still &= ~np.isfinite(trip)
    row, a, b = _union(row, a, np.where(np.isfinite(b), b, horizon))
    # a tripped rack is no longer throttled: its windows end at the trip
    b = np.minimum(b, trip[row])
    keep = b > a
    row, a, b = row[keep], a[keep], b[keep]
    last = np.full(len(on), -np.inf)
    np.maximum.at(last, row, b)
    last = np.maximum(last, on)  # a first crossing at the trip itself: a window of 0 s
    total = np.bincount(row, b - a, len(on))
    t0 = outage.start_s
    per_rack = pd.DataFrame(
        {
            "hall": racks["hall"].to_numpy(),
            "throttle_from_s": t0 + on,
            "throttle_to_s": t0 + np.where(np.isfinite(on), last, np.inf),
            "throttle_s": np.where(np.isfinite(on), total, 0.0),
            "trip_from_s": t0 + trip,
            # to the return, or to the ride-through's end where it trips again after it
            "trip_to_s": np.where(
                np.isfinite(trip),
                t0 + np.where(np.isfinite(again), horizon, outage.duration_s),
                np.inf,
            ),
            "margin_k": np.where(air_first, m_in, m_cs),
            "limit": np.where(air_first, "inlet", "coolant"),
            # still over at the ride-through's horizon: counted to there, its end not known
            "throttle_open": still,
            # a trip at or after the utility's return in the ride-through (restarted into a
            # room still past its shutdown margin): kept off to the ride-through's end
            "trip_after_return_s": t0 + again,
            # when the ride-through has the rack lose power (its last battery empty, its drain
            # falling as racks shut down by heat; inf: never)
            "power_lost_s": t0 + rk["t_power_lost_s"].reindex(racks.index).to_numpy(float),
        },
        index=racks.index,
    )
    windows = pd.DataFrame({"id": racks.index[row], "from_s": t0 + a, "to_s": t0 + b})
    return per_rack, windows, _site_curves(rt)


def battery_note(twin, outage: Outage, ups_empty_s: float, dt_s: float = 1.0) -> str | None:
    """A note where the ride-through's UPS batteries empty within the outage and the
    timeline's last more than a step (`dt_s`) longer: racks then run on in the timeline
    past the time the ride-through has them unpowered, so the heat the timeline's throttles
    and trips are read from is short of theirs (None: they agree).

    Both drain each battery piecewise, its draw falling as racks shut down by heat
    (`twin.solve.battery_drain`; the timeline per step, `twin.solve.timeline_outage`), so
    at the same draw they agree to a step (2026-12-03: small-room without its generator,
    a 30 kWh battery at design load, 574.45 s and 574.46 s at 10 s steps). What is left to
    differ is the draw: the ride-through's is the racks' in the layout's solved state, the
    timeline's its workload's (training averages 85 % of design, `TRAINING_SWING`), under
    which the batteries last longer. `ups_empty_s`: the timeline's first UPS empty, s from
    the outage's start (inf: never)."""
    lost = _relative(twin, outage)[0]["power_lost_s"].to_numpy(float)
    lost = lost[(lost > 0) & np.isfinite(lost)]
    if not len(lost) or lost.min() >= outage.duration_s:
        return None
    first = float(lost.min())
    if ups_empty_s <= first + max(dt_s, 1.0):
        return None
    here = "not within the outage" if not np.isfinite(ups_empty_s) else f"at {ups_empty_s:,.0f} s"
    return (
        f"twin ride-through has the UPS batteries empty at {first:,.0f} s into the outage, at "
        "the racks' draw in the layout's solved state (less each rack shut down by heat), "
        f"and their racks unpowered from then; here, at the workload's draw, they empty {here}: "
        f"the racks still running past {first:,.0f} s heat the room more than the "
        "ride-through's curves, from which the racks overheated are read, so those counts are "
        "a lower bound"
    )


def outage_curves(twin, outage: Outage, t0: np.ndarray, dt: float) -> pd.DataFrame:
    """Per step of the run (`t0`, `dt`), the most within the step of the ride-through's hottest
    rack inlet over its allowable and warmest liquid loop above steady, K (`_site_curves`,
    samples and the step's edges, linear between samples); NaN for the steps the
    ride-through does not cover (before the outage, past its horizon)."""
    cur = _relative(twin, outage)[2]
    t0 = np.asarray(t0, float)
    n = len(t0)
    s = cur["time_s"].to_numpy(float) + outage.start_s
    out = {}
    for col in ("inlet_over_k", "loop_warming_k"):
        y = cur[col].to_numpy(float)
        v = np.full(n, -np.inf)
        k = np.searchsorted(t0, s, side="right") - 1
        ok = (k >= 0) & (s < t0[-1] + dt) & np.isfinite(y) if n else np.zeros(0, bool)
        np.maximum.at(v, k[ok], y[ok])
        for edge in (t0, t0 + dt):  # the curve at each step's edges (inside the curve)
            inside = (edge >= s[0]) & (edge <= s[-1])
            e = np.interp(edge, s, y)
            v = np.where(inside & np.isfinite(e), np.fmax(v, e), v)
        out[col] = np.where(np.isfinite(v), v, np.nan)
    return pd.DataFrame(out)


def outage_thermal(twin, outage: Outage, groups: list[str], t0: np.ndarray, dt: float):
    """Racks throttled and tripped by heat over the steps `t0` (None if none is)."""
    w, win = _rack_windows(twin, outage)
    hit = np.isfinite(w["throttle_from_s"]) | np.isfinite(w["trip_from_s"])
    if not hit.any():
        return None
    w = w[hit.to_numpy()]
    # a window that is empty (no trip within the ride-through) does not happen
    w.loc[w["trip_from_s"] >= w["trip_to_s"], ["trip_from_s", "trip_to_s"]] = np.inf
    ng = len(groups)
    gpos = pd.Series(np.arange(ng), index=groups)
    rc = rack_catalogue(twin).reindex(w.index)
    frame = w.assign(
        g=w["hall"].map(gpos).to_numpy(),
        kw=twin.racks["power_kw"].reindex(w.index).to_numpy(float),
        acc=rc["accelerator"].fillna("").to_numpy(object),
        full=rc["tokens_s_full"].fillna(0.0).to_numpy(float),
    ).dropna(subset=["g"])
    cat = catalogue(twin.layout)
    accs = sorted(a for a in set(frame["acc"]) if a in cat)
    g = frame["g"].to_numpy().astype(np.int64)
    one, acc = np.ones(len(frame)), frame["acc"].to_numpy(object)
    # every rack's windows at once (each rack crosses at its own times: no loop over racks)
    win = win[win["id"].isin(frame.index)]
    g_w = frame["g"].reindex(win["id"]).to_numpy().astype(np.int64)
    wa, wb = win["from_s"].to_numpy(float), win["to_s"].to_numpy(float)
    (throttled,) = window_sums(t0, dt, wa, wb, g_w, ng, [np.ones(len(win))])
    full = frame["full"].to_numpy(float)
    weights = [one, frame["kw"].to_numpy(float)] + [full * (acc == a) for a in accs]
    a, b = frame["trip_from_s"].to_numpy(float), frame["trip_to_s"].to_numpy(float)
    tripped, design, *offs = window_sums(t0, dt, a, b, g, ng, weights)
    full_off = dict(zip(accs, offs, strict=True))
    return Thermal(w, throttled, tripped, design, full_off, frame, np.asarray(t0, float), dt)


def thermal_violations(thermal, groups: list[str], dt: float) -> list[dict]:
    """Per hall, runs of steps with racks throttled or tripped by heat in an outage; a
    hall with racks still over a limit where the ride-through ends says so (their throttle
    is counted to that horizon, `AFTER_S` past the utility's return: its end is not known)."""
    out = []
    r = thermal.racks
    still = r.loc[r["throttle_open"].astype(bool), "hall"].value_counts()
    again = r.loc[np.isfinite(r["trip_after_return_s"].to_numpy(float)), "hall"].value_counts()
    for what, counts, msg in (
        ("thermal_throttle", thermal.throttled, "racks throttling: inlet or coolant above "
         "its limit while the plant is off or catching up (twin ride-through)"),
        ("thermal_trip", thermal.tripped, "racks shut down by heat, more than "
         f"{SHUTDOWN_MARGIN_K:g} K past their limit, until the utility returns"),
    ):  # fmt: skip
        for g in np.flatnonzero((counts > 0).any(axis=0)):  # halls, not racks
            m = msg
            if what == "thermal_throttle" and still.get(groups[g], 0):
                m += (f"; {still[groups[g]]} still over when the ride-through ends "
                      f"{AFTER_S:g} s after the utility returns: counted to there, their end "
                      "not known")  # fmt: skip
            if what == "thermal_trip" and again.get(groups[g], 0):
                m += (f"; {again[groups[g]]} trip again when the utility returns in twin "
                      "ride-through (restarted into a room still past their shutdown): kept "
                      f"off until it ends, {AFTER_S:g} s after the return")  # fmt: skip
            out += intervals(counts[:, g] > 0, dt, groups[g], what, counts[:, g], 0.0, "racks", m)
    return out
