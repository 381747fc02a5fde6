"""Timeline benchmark (issue 16): a year at 1 h on the ~1 GW campus, a day at 1 s on one hall.

Targets from the issue: a year at 1 h for the 1 GW campus <= 10 s, a day at
1 s for one hall <= 5 s. Each is timed cold (the response fit: the coupled
solve on the load x weather grid, plus the run) and warm (the fit cached per
Twin content, as a second question on the same site is). The first coupled
solve of a Twin builds the solver's own per-twin caches, which every use of
`run()` pays once; it is timed on its own line, before. The peer does the
same work the naive way in the same run: the coupled solve (`twin.solve.run`)
at every step. It is timed at `PEER_STEPS` steps spread over the horizon and
extrapolated linearly to all steps (labelled as such; running it fully would
take hours). A 1 h outage with 600 s generators trips every rack of the campus, each at
its own time: its heat windows are summed at once, against the plain window-by-window
loop in the same run.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from unittest.mock import patch

import numpy as np

from twin.layout.generate import ai_factory_hall, campus
from twin.layout.validate import validate_data
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios import timeline_thermal
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.scenarios.timeline_thermal import outage_thermal
from twin.solve import run
from twin.solve.timeline_outage import Outage, overlap
from twin.solve.timeline_storage import Store

PEER_STEPS = 8


def _timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t, out


def _peer(twin, tl, n_steps: int) -> tuple[float, float]:
    """Seconds per step of run() at the timeline's chain load and dry bulb, and the largest
    relative difference of its facility power from the timeline's at those steps."""
    s = tl.steps
    idx = np.linspace(0, len(s) - 1, PEER_STEPS).astype(int)
    design = twin.it_kw
    worst, t0 = 0.0, time.perf_counter()
    for i in idx:
        x = float(s["chain_kw"].iloc[i]) / design  # what the power chain carries
        t_db = float(s["t_db_c"].iloc[i])
        k = run(twin, Scenario(load_scale={"*": x}, t_db_c=t_db)).kpis
        worst = max(worst, abs(k["facility_kw"] / s["facility_kw"].iloc[i] - 1.0))
    per = (time.perf_counter() - t0) / len(idx)
    return per * n_steps, worst


def _all_trip(spec_o: TimelineSpec) -> dict:
    """The same outage with 600 s generators (NFPA 110's slowest bound): the plant stays
    off, every rack heats past its limit at its own time and trips. Its windows summed at
    once (`timeline_windows`) against the plain loop, window by window, in the same run."""
    text = json.dumps(campus(1000.0)).replace('"start_s": 10.0', '"start_s": 600.0')
    twin = Twin.from_layout(validate_data(json.loads(text), "campus-gen600"))
    run(twin)
    cold, tl = _timed(simulate, twin, spec_o)
    warm, tl = _timed(simulate, twin, spec_o)
    _line("same outage, 600 s generators: all trip, cold", cold)
    _line("same, warm (ride-through cached)", warm)
    t0, groups = np.arange(len(tl.steps)) * spec_o.dt_s, list(twin.halls.index)
    at_once, th = _timed(outage_thermal, twin, spec_o.outage, groups, t0, spec_o.dt_s)
    with patch.object(timeline_thermal, "window_sums", _one_window_at_a_time):
        loop, th_loop = _timed(outage_thermal, twin, spec_o.outage, groups, t0, spec_o.dt_s)
    _line(f"  {len(th.detail):,} racks' heat windows, summed at once", at_once)
    _line("  peer: the same, window by window", loop)
    diff = np.abs(th.tripped - th_loop.tripped).max()
    k, trips = tl.kpis, int(np.isfinite(th.detail["trip_from_s"]).sum())
    print(f"  {trips:,} of {len(twin.racks):,} racks trip (up to {k['racks_tripped_max']:,.0f} "
          f"as an hourly mean); at once vs window by window {diff:.1e} racks apart; balances "
          f"{k['balance_residual_rel']:.1e} / {k['heat_balance_residual_rel']:.1e}")  # fmt: skip
    return {"campus_all_trip_cold_s": cold, "campus_all_trip_warm_s": warm,
            "campus_trip_windows_s": at_once, "campus_trip_windows_peer_s": loop}  # fmt: skip


def _one_window_at_a_time(t0, dt, a, b, col, ncol, weights):
    """The plain sum: every window's overlap with every step, one window at a time."""
    outs = [np.zeros((len(t0), ncol)) for _ in weights]
    for i in np.flatnonzero(np.isfinite(a) & (b > a)):
        f = overlap(t0, dt, a[i], b[i]) / dt
        for w, out in zip(weights, outs, strict=True):
            out[:, col[i]] += w[i] * f
    return outs


def _line(label: str, seconds: float, target: float | None = None) -> None:
    mark = (
        ""
        if target is None
        else f"  (target <= {target:g} s: {'met' if seconds <= target else 'NOT met'})"
    )
    print(f"  {label:<44} {seconds:9.3f} s{mark}")


def main() -> dict:
    out = {}
    # -- a year at 1 h, 1 GW campus
    _, twin = _timed(lambda: Twin.from_layout(validate_data(campus(1000.0), "campus")))
    print(f"campus: {len(twin.racks):,} racks in {len(twin.halls)} halls, "
          f"{twin.it_kw / 1000:,.0f} MW IT; a year at 1 h (8,760 steps), mixed workloads")  # fmt: skip
    print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    first, _ = _timed(run, twin)
    _line("first run() of the Twin (solver caches; not timeline work)", first)
    spec = TimelineSpec(bess=Store(400_000.0, 100_000.0, 0.85), policy="peak-shaving")
    cold, tl = _timed(simulate, twin, spec)
    warm, tl = _timed(simulate, twin, spec)
    _line("timeline, cold (fit: 11 coupled solves + run)", cold, 10.0)
    _line("timeline, warm (fit cached)", warm)
    peer, err = _peer(twin, tl, len(tl.steps))
    _line(f"peer: run() per step, {PEER_STEPS} timed, x 8,760 [extrap.]", peer)
    k = tl.kpis
    print(f"  peak {k['peak_grid_mw']:,.1f} MW with a 400 MWh / 100 MW BESS, grid "
          f"{k['grid_mwh'] / 1e3:,.0f} GWh, PUE {k['pue']:.3f}, cost {k['cost_usd'] / 1e6:,.1f} M USD, "
          f"balance {k['balance_residual_rel']:.1e}; peer vs timeline facility: "
          f"{err:.1e} relative at its steps\n")  # fmt: skip
    out.update(campus_year_cold_s=cold, campus_year_warm_s=warm, campus_year_peer_s=peer)
    # -- the same year with a 30 min utility outage: 79 distinct UPS pairs, the thermal check
    spec_o = replace(spec, outage=Outage(4000 * 3600.0, 1800.0))
    first_o, to = _timed(simulate, twin, spec_o)
    again_o, to = _timed(simulate, twin, spec_o)
    _line("same year, 30 min outage (campus ride-through)", first_o, 10.0)
    _line("same, again (ride-through cached)", again_o)
    ko = to.kpis
    print(f"  UPS lowest charge {ko['ups_soc_min_frac']:.1%}, racks throttled "
          f"{ko['racks_throttled_max']:.0f}, tripped {ko['racks_tripped_max']:.0f}, generator "
          f"{ko['generator_mwh']:,.0f} MWh, balances {ko['balance_residual_rel']:.1e} / "
          f"{ko['heat_balance_residual_rel']:.1e}")  # fmt: skip
    out.update(campus_outage_first_s=first_o, campus_outage_again_s=again_o)
    out.update(_all_trip(spec_o))
    # -- the same year with an hourly weather file (the fit refines over dry bulb)
    wx = twin.layout.site.model_copy(update={"weather_file": "pvlib:723170TYA"})
    twin_w = Twin.from_layout(twin.layout.model_copy(update={"site": wx}))
    cold_w, tl_w = _timed(simulate, twin_w, spec)
    _line(f"same, Greensboro TMY3 weather ({len(tl_w.solved.steps)} steps), cold", cold_w)
    out["campus_year_weather_cold_s"] = cold_w

    # -- a day at 1 s, one hall
    hall = Twin.from_layout(validate_data(ai_factory_hall(), "hall"))
    print(f"one hall: {len(hall.racks)} racks, {hall.it_kw / 1000:,.1f} MW IT; a day at 1 s "
          "(86,400 steps), training swing 30 % / 10 s, BESS smoothing + rack stores")  # fmt: skip
    day = TimelineSpec(hours=24, dt_s=1.0, workload="training", bess=Store(4000.0, 4000.0, 0.9),
                       policy="smoothing", ramp_kw_s=50.0, rack_store=Store(2.0, 40.0, 0.92),
                       rack_ramp_kw_s=1.0)  # fmt: skip
    _line("first run() of the Twin (solver caches)", _timed(run, hall)[0])
    cold_d, td = _timed(simulate, hall, day)
    warm_d, td = _timed(simulate, hall, day)
    _line("timeline, cold (fit: 11 coupled solves + run)", cold_d, 5.0)
    _line("timeline, warm", warm_d)
    peer_d, err_d = _peer(hall, td, len(td.steps))
    _line(f"peer: run() per step, {PEER_STEPS} timed, x 86,400 [extrap.]", peer_d)
    kd = td.kpis
    print(f"  max ramp {kd['max_ramp_mw_s']:.3f} MW/s (facility before storage "
          f"{np.abs(np.diff(td.steps['facility_kw'])).max() / 1000:.2f} MW/s), balance "
          f"{kd['balance_residual_rel']:.1e}; peer vs timeline facility {err_d:.1e} relative "
          "(the timeline's cooling lags heat, the steady peer's does not)")  # fmt: skip
    out.update(hall_day_cold_s=cold_d, hall_day_warm_s=warm_d, hall_day_peer_s=peer_d)
    # -- the same day with a 15 min utility outage at noon: UPS batteries, generators, heat
    day_o = replace(day, outage=Outage(12 * 3600.0, 900.0))
    warm_o, to = _timed(simulate, hall, day_o)
    _line("same day, 15 min outage at 12:00, warm", warm_o, 5.0)
    ko = to.kpis
    print(f"  UPS lowest charge {ko['ups_soc_min_frac']:.1%}, load dropped "
          f"{ko['load_dropped_mwh']:.3f} MWh, generator {ko['generator_mwh']:.2f} MWh, loops up to "
          f"{ko['loop_warming_max_k']:.1f} K above a running plant's, balances "
          f"{ko['balance_residual_rel']:.1e} / {ko['heat_balance_residual_rel']:.1e}")  # fmt: skip
    out["hall_day_outage_warm_s"] = warm_o
    return out


if __name__ == "__main__":
    main()
