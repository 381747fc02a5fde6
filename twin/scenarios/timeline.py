"""A timeline run: workloads, caps and events -> `twin.solve.timeline` -> cost, carbon, tokens.

`simulate(twin, TimelineSpec(...))` is the Python API behind `twin timeline`
and the app's Timeline page; all three show the numbers in `Timeline.kpis`.

Money and carbon:

- energy cost = sum over steps of grid kWh x price of that hour (flat
  `economics.energy_price_usd_per_kwh` unless 24 hour-of-day or 8,760
  hour-of-year prices are given);
- demand charge = `DEMAND_USD_PER_KW_MONTH` x the peak demand of each month
  (730 h blocks from the start; a shorter horizon pays its share of a month),
  demand being the mean import over `timeline_terms.DEMAND_INTERVAL_S` windows from the start where
  steps are shorter (a meter bills interval averages, not a 1 s peak), else the steps'
  own means
  [est: US commercial demand charges are mostly 5-25 USD/kW-month, NREL/TP-6A20-68963
  "A survey of U.S. demand charges", 2017];
- carbon = sum of grid kWh x hourly intensity (flat `site.grid_co2_kg_per_kwh`
  unless 24 or 8,760 values are given) plus the generators' kWh x
  `site.generator_co2_kg_per_kwh` (an outage runs on diesel).

Export (grid import below zero) is counted at the same price and intensity [est].
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import pandas as pd

from twin.errors import ScenarioError
from twin.metrics.tenants import has_tenants
from twin.model import registry
from twin.scenarios import policies, timeline_caps, timeline_tenants
from twin.scenarios.timeline_capmean import capped_fraction, step_tokens, swing_shapes, trace_capped
from twin.scenarios.timeline_kpis import FREE_COOLING_TOL as FREE_COOLING_TOL
from twin.scenarios.timeline_kpis import outage_kpis, run_kpis
from twin.scenarios.timeline_losses import curtailment
from twin.scenarios.timeline_terms import (
    billing_demand,
    lowest_cap,
    plant_terms,
    unserved,
)
from twin.scenarios.timeline_thermal import (
    battery_note,
    has_liquid_loops,
    outage_curves,
    outage_thermal,
    thermal_violations,
)
from twin.scenarios.timeline_trace import ISO_DATE_TIME, load_trace, step_means
from twin.scenarios.timeline_ups import ups_bank
from twin.scenarios.workloads import Pattern, fraction
from twin.solve.timeline import (
    VIOLATION_COLUMNS,
    Profile,
    Solved,
    intervals,
    loop_warming_violations,
    solve_timeline,
)
from twin.solve.timeline_outage import Outage
from twin.solve.timeline_response import Response, fit_response
from twin.solve.timeline_storage import Store
from twin.solve.weather import at_hours, file_hours, read_weather, weather_path

DEMAND_USD_PER_KW_MONTH = 15.0
"""Demand charge, USD per kW of monthly peak [est, NREL/TP-6A20-68963 (2017): most US
tariffs 5-25 USD/kW-month]."""
HOURS_PER_MONTH = 730.0
MAX_STEPS = 20_000_000
"""Most steps one run holds (a year at 2 s); memory ~ 20 columns x 8 bytes per step."""
POLICIES = ("none", "peak-shaving", "smoothing")


@dataclass
class TimelineSpec:
    """What to simulate. Defaults: a year at 1 h, mixed workloads, the layout's weather."""

    hours: float = 8760.0
    dt_s: float = 3600.0
    start: str | None = None  # None: a dated trace's first timestamp, else DEFAULT_START
    workload: str = "mixed"  # training, inference, mixed (halls alternate, training first)
    pattern: Pattern = field(default_factory=Pattern)
    trace: str | None = None
    cap: dict[str, float] = field(default_factory=dict)  # group (hall) id or "*" -> fraction
    policy: str = "none"
    bess: Store | None = None  # None: the layout's `storage.bess` units, if any
    peak_cap_kw: float | None = None  # peak shaving target; None: the lowest the BESS holds
    ramp_kw_s: float | None = None  # smoothing: most change of grid import per second
    rack_store: Store | None = None  # per rack; scaled by the racks in each group
    rack_ramp_kw_s: float = np.inf  # per rack
    dr: policies.DrEvent | None = None
    tenant_cap: dict[str, float] = field(default_factory=dict)  # tenant -> fraction of design
    rack_cap: dict[str, float] = field(default_factory=dict)  # rack id -> fraction of design
    row_cap: dict[str, float] = field(default_factory=dict)  # row id -> fraction (its racks)
    outage: Outage | None = None  # the utility lost for a while: UPS batteries, generators
    thermal: bool = True  # in an outage, racks heat past their limits trip (timeline_thermal)
    price_usd_per_kwh: float | np.ndarray | None = None
    demand_usd_per_kw_month: float = DEMAND_USD_PER_KW_MONTH
    carbon_kg_per_kwh: float | np.ndarray | None = None
    weather: bool = True  # use the layout's weather file (else its design point)
    weather_file: str | None = None  # another weather year (path or pvlib:NAME), e.g. a site's
    grid_mw: float | None = None  # another grid connection limit (None: the layout's)


@dataclass
class Timeline:
    """Results: per-step table (index = time), per-group tokens, headline numbers, violations."""

    steps: pd.DataFrame
    kpis: dict[str, float]
    violations: pd.DataFrame
    groups: pd.DataFrame  # per group: kind, design kW, tokens produced and lost
    solved: Solved
    curtailment: pd.DataFrame | None = None  # tokens lost per hall over time, and why
    tenants: pd.DataFrame | None = None  # per tenant: energy cut, tokens lost, hit
    thermal: pd.DataFrame | None = None  # per rack an outage heats past a limit: its windows
    notes: list[str] = field(default_factory=list)  # what the run assumed that was not asked

    def to_parquet(self, path: str) -> None:
        """The per-step table to Parquet (kW, kWh, fractions; one row per step)."""
        self.steps.to_parquet(path)


def layout_bess(twin) -> Store | None:
    """The layout's BESS units as one site store (energies and powers add; efficiencies and
    SOC limits energy-weighted), None if it has none."""
    t = getattr(twin, "bess", None)
    if t is None or not len(t):
        return None
    nodes = twin.power_nodes
    for j, (bid, feed) in enumerate(t["feed"].items()):
        kind = nodes["kind"].get(feed)
        if kind is None or registry.kind(kind).model not in ("utility", "switchgear"):
            raise ScenarioError(
                f"{twin.layout.source}: storage.bess[{j}].feed: {bid} names {feed!r}, which is "
                f"{'no power element' if kind is None else 'a ' + registry.kind(kind).label}; "
                "a BESS connects to a utility connection or switchgear bus"
            )
    e = t["energy_kwh"].to_numpy(float)
    w = e / e.sum()

    def avg(col: str) -> float:
        return float((t[col].to_numpy(float) * w).sum())

    return Store(
        energy_kwh=float(e.sum()),
        power_kw=float(t["power_kw"].sum()),
        round_trip=avg("round_trip_efficiency"),
        soc_min=avg("soc_min"),
        soc_max=avg("soc_max"),
    )


def _hourly(values, name: str, start_h: np.ndarray, default: float) -> np.ndarray:
    """A flat value, 24 hour-of-day values or 8,760 hour-of-year values, at each step."""
    if values is None:
        return np.full(len(start_h), float(default))
    a = np.atleast_1d(np.asarray(values, float))
    if not np.isfinite(a).all():
        raise ScenarioError(f"{name}: every value must be a number")
    if len(a) == 1:
        return np.full(len(start_h), a[0])
    if len(a) not in (24, 8760):
        raise ScenarioError(
            f"{name}: give 1, 24 (hour of day) or 8760 (hour of year) values, not {len(a)}"
        )
    h = np.floor(start_h).astype(np.int64)
    return a[np.mod(h, 24)] if len(a) == 24 else a[np.mod(h, 8760)]


def _weather(twin, spec: TimelineSpec, t_h: np.ndarray):
    """Dry bulb per step (at `t_h` hours from the start) and the weather year (t_db, t_wb)
    it came from (None: design point). Each step reads the file's row of its own month,
    day and hour (`twin.solve.weather.file_hours`)."""
    path = (spec.weather_file or weather_path(twin)) if spec.weather else None
    d = twin.layout.site.design
    if not path:
        return np.full(len(t_h), d.t_db_c), None
    w = read_weather(path)
    db, wb = w["t_db_c"].to_numpy(float), w["t_wb_c"].to_numpy(float)
    return at_hours(db, file_hours(start_time(spec.start or DEFAULT_START), t_h, len(db))), (db, wb)


def check(twin, spec: TimelineSpec) -> None:
    """Raise ScenarioError for a spec that cannot run on `twin` (before any work)."""
    if not (0 < spec.dt_s <= 86400):
        raise ScenarioError(f"step {spec.dt_s:g} s: use 1 s to 1 day")
    if not spec.hours > 0:
        raise ScenarioError(f"horizon {spec.hours:g} h: must be > 0")
    n = spec.hours * 3600.0 / spec.dt_s
    if n > MAX_STEPS:
        raise ScenarioError(f"{n:,.0f} steps: at most {MAX_STEPS:,}; use a longer step")
    if abs(n - round(n)) > 1e-9 * n:
        raise ScenarioError(f"the horizon ({spec.hours:g} h) is not a whole number of steps")
    if spec.workload not in ("training", "inference", "mixed"):
        raise ScenarioError(f"workload {spec.workload!r}: use training, inference or mixed")
    if spec.policy not in POLICIES:
        raise ScenarioError(f"policy {spec.policy!r}: use one of {', '.join(POLICIES)}")
    spec.pattern.check()
    halls = set(twin.halls.index)
    for g, c in spec.cap.items():
        if g != "*" and g not in halls:
            raise ScenarioError(f"cap for {g!r}: no such hall; halls: {', '.join(sorted(halls))}")
        if not 0.0 <= c <= 1.0:
            raise ScenarioError(f"cap {c:g} for {g}: a fraction of design power, 0-1")
    if spec.policy == "smoothing" and not (spec.ramp_kw_s and spec.ramp_kw_s > 0):
        raise ScenarioError("smoothing needs a ramp limit > 0 (MW/s)")
    if spec.dr is not None:
        spec.dr.check(spec.hours * 3600.0, spec.dt_s)
    if spec.outage is not None:
        spec.outage.check(spec.hours * 3600.0)
        if not ups_bank(twin, list(twin.halls.index), generators=False).ids:
            raise ScenarioError("a utility outage needs UPSs with a battery: this layout has none")
    if spec.tenant_cap or (spec.dr is not None and spec.dr.tenant_order):
        timeline_tenants.check(twin, spec.tenant_cap, spec.dr.tenant_order if spec.dr else ())
    timeline_caps.check(twin, spec.rack_cap, spec.row_cap)
    if spec.demand_usd_per_kw_month < 0:
        raise ScenarioError("demand charge must be >= 0 USD/kW-month")
    start_time(spec.start or DEFAULT_START)


C_RATE = (0.25, 4.0)
"""C-rates (MW per MWh) of site batteries sold, outside which a BESS is likely a units slip
[est: utility-scale Li-ion runs 1-4 h (0.25-1 C, NREL ATB 2024 Utility-Scale Battery
Storage); fast-response units 15-30 min (2-4 C)]."""
DEFAULT_START = "2026-01-01 00:00"
"""A run's start where neither the spec nor a dated trace gives one."""
START_YEARS = (1900, 2200)
"""Years a timeline may start in (a weather year is typical, so any date maps onto it)."""


def start_time(text) -> pd.Timestamp:
    """`text` as a start date-time, or ScenarioError saying what is accepted."""
    try:
        t = pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError):  # OutOfBoundsDatetime is a ValueError
        t = None
    iso = isinstance(text, pd.Timestamp) or ISO_DATE_TIME.fullmatch(str(text).strip())
    if not iso or t is None or t is pd.NaT or not START_YEARS[0] <= t.year <= START_YEARS[1]:
        raise ScenarioError(
            f"start {text!r}: not an ISO 8601 date-time; give one such as 2023-08-01 or "
            f"2023-08-01T06:00 (years {START_YEARS[0]}-{START_YEARS[1]}; an hour of the year, "
            "or a day- or month-first date such as 01/02/2026, is not accepted)"
        )
    # the weather file's hours are the site's local time: an offset only says which zone
    # the given wall-clock time is in, so it is that local time
    return t.tz_localize(None) if t.tzinfo is not None else t


def simulate(
    twin, spec: TimelineSpec | None = None, response: Response | None = None, progress=None
) -> Timeline:
    """Run one timeline (see the module docstrings of this and `twin.solve.timeline`).

    `progress(fraction, text)` is told how the response fit (the slow part) goes."""
    spec = spec or TimelineSpec()
    check(twin, spec)
    groups = list(twin.halls.index)
    design = twin.racks.groupby("hall")["power_kw"].sum().reindex(groups).fillna(0.0).to_numpy()
    notes = []
    trace = load_trace(spec.trace, groups, design) if spec.trace else None
    spec = replace(spec, start=_start(spec, trace))
    if trace is not None and trace.unused:
        notes.append(f"trace {spec.trace}: column(s) not used: {', '.join(trace.unused)} (the "
                     "trace uses its time column and one kW column per hall, else it_kw, else "
                     "fraction)")  # fmt: skip
    notes.extend(trace.warnings if trace is not None else [])
    if spec.weather and not (spec.weather_file or weather_path(twin)):
        d = twin.layout.site.design
        notes.append(f"no weather year (the layout has no site.weather_file): the design point "
                     f"{d.t_db_c:g} C dry bulb is used at every step, so cooling energy and PUE "
                     "are the design day's, not a season's (a weather_file gives a weather "
                     "year; twin timeline --design-weather asks for the design point; twin solve "
                     "--annual refuses this)")  # fmt: skip
    dt = float(spec.dt_s)
    n = round(spec.hours * 3600.0 / dt)
    if spec.outage is not None:
        notes.extend(spec.outage.past_horizon(spec.hours * 3600.0))
    start = start_time(spec.start)
    t0 = np.arange(n) * dt
    hoy0 = (start - pd.Timestamp(year=start.year, month=1, day=1)).total_seconds() / 3600.0
    hour = hoy0 + t0 / 3600.0
    bess = spec.bess if spec.bess is not None else layout_bess(twin)  # checked before work
    if bess is not None and bess.energy_kwh > 0:
        c_rate = bess.power_kw / bess.energy_kwh
        if not C_RATE[0] <= c_rate <= C_RATE[1]:
            notes.append(f"the BESS's {bess.power_kw / 1000:g} MW on {bess.energy_kwh / 1000:g} "
                         f"MWh is a C-rate of {c_rate:,.3g} per hour, outside the "
                         f"{C_RATE[0]:g}-{C_RATE[1]:g} of batteries sold (15 min to 4 h): "
                         "check the units (MWh and MW)")  # fmt: skip
    mid_h = (t0 + 0.5 * dt) / 3600.0  # each step's middle, hours from the start
    t_db, year = _weather(twin, spec, mid_h)
    resp = response or fit_response(twin, year, progress)
    t_wb = _wet_bulb_steps(twin, spec, year, mid_h)

    n_racks = twin.racks.groupby("hall").size().reindex(groups).fillna(0).to_numpy(float)
    if spec.workload == "mixed":
        kinds = ["training" if i % 2 == 0 else "inference" for i in range(len(groups))]
    else:
        kinds = [spec.workload] * len(groups)
    if spec.trace:
        tt, kw = trace.t, trace.kw
        demand = step_means(tt, kw, t0, dt)

        def at_cap(g: int, c: float) -> np.ndarray:  # kW, the step means of capped power
            return trace_capped(tt, kw[:, g], t0, dt, c * design[g])
    else:
        pats = {k: replace(spec.pattern, kind=k) for k in set(kinds)}
        frac = {k: fraction(pats[k], t0, dt) for k in pats}
        demand = np.column_stack([frac[k] for k in kinds]) * design[None, :]

        def at_cap(g: int, c: float) -> np.ndarray:
            return capped_fraction(pats[kinds[g]], t0, dt, c) * design[g]

    cap = np.array([spec.cap.get(g, spec.cap.get("*", 1.0)) for g in groups])
    it = demand.copy()
    for g in np.flatnonzero(cap < 1.0):  # each instant capped, then the step's mean
        it[:, g] = np.minimum(demand[:, g], at_cap(int(g), float(cap[g])))
    # tenants and rack caps: (hall, tenant, rack cap) cells (twin.scenarios.timeline_tenants)
    tenants_on = has_tenants(twin) or bool(spec.tenant_cap)
    racks_capped = timeline_caps.any_caps(spec.rack_cap, spec.row_cap)
    rcap = timeline_caps.per_rack(twin, spec.rack_cap, spec.row_cap) if racks_capped else None
    cl = None
    if tenants_on or racks_capped:
        cl = timeline_tenants.cells(twin, groups, spec.tenant_cap, rcap)
    cell_caps = bool(spec.tenant_cap) or racks_capped
    if cl is not None:
        demand_c, it_c = timeline_tenants.capped(cl, demand, cap, design, at_cap)
        if cell_caps:
            it = cl.gather(it_c)
    viol: list[dict] = []
    no_charge = None
    mask = policies.event_mask(spec.dr, t0, dt) if spec.dr is not None else None
    if mask is not None:
        no_charge = mask

    rack_stores = None
    if spec.rack_store is not None:
        rack_stores = [
            replace(spec.rack_store, energy_kwh=spec.rack_store.energy_kwh * k,
                    power_kw=spec.rack_store.power_kw * k)
            for k in n_racks
        ]  # fmt: skip
    ramp, cap_kw = np.inf, np.inf
    if spec.policy != "none" and bess is None and rack_stores is None:
        raise ScenarioError(f"policy {spec.policy} needs storage: a BESS (MWh, MW) or rack stores")
    if bess is not None and spec.policy == "peak-shaving":
        bess = replace(bess, soc_target=bess.soc_max, recover_s=dt)
        if spec.peak_cap_kw is None:
            plain = solve_timeline(resp, Profile(dt, it, t_db, groups, design, t_wb), rack_stores=rack_stores,
                                   rack_ramp_kw_s=spec.rack_ramp_kw_s * n_racks)  # fmt: skip
            cap_kw = lowest_cap(plain.steps["facility_kw"].to_numpy(), dt, bess, no_charge)
        else:
            cap_kw = spec.peak_cap_kw
    elif bess is not None and spec.policy == "smoothing":
        ramp = float(spec.ramp_kw_s)
    elif bess is not None and spec.policy == "none":
        bess = None  # present but idle: no policy dispatches it
    if spec.dr is not None:
        # the battery first (what its charge at the event's start holds for the whole event),
        # then caps for the rest of the shed
        rack_kw = dict(rack_stores=rack_stores, rack_ramp_kw_s=spec.rack_ramp_kw_s * n_racks)
        p_b = 0.0
        if bess is not None and spec.dr.use_bess and mask.any():
            pre = solve_timeline(resp, Profile(dt, it, t_db, groups, design, t_wb), bess=bess,
                                 ramp_kw_s=ramp, cap_kw=cap_kw, **rack_kw)  # fmt: skip
            k0 = int(np.flatnonzero(mask)[0])
            held = max(pre.soc_kwh[k0] - bess.soc_min * bess.energy_kwh, 0.0)
            kwh = held * np.sqrt(bess.round_trip) * (1.0 - 1e-6)  # margin for rounding
            p_b = min(bess.power_kw, kwh / (mask.sum() * dt / 3600.0), spec.dr.shed_kw)
        ev = replace(spec.dr, shed_kw=spec.dr.shed_kw - p_b)
        if cl is not None and ev.tenant_order:  # cell by cell, in tenant order
            it_c, short = policies.respond(resp, it_c, cl.design_kw, list(cl.tenant), mask,
                                           t_db, ev, t_wb)  # fmt: skip
            it = cl.gather(it_c)
        else:
            it, short = policies.respond(resp, it, design, kinds, mask, t_db, ev, t_wb)
            if cl is not None:  # each hall's cut shared among its tenants
                it_c = timeline_tenants.share_cut(cl, it_c, it, ev.floor)
        viol += intervals(short > 1e-6 * max(spec.dr.shed_kw, 1.0), dt, "site", "dr_shortfall",
                          short, 0.0, "kW", "grid import the event could not shed (halls at "
                          "their floor)")  # fmt: skip
        if p_b > 0:
            f = solve_timeline(resp, Profile(dt, it, t_db, groups, design, t_wb), **rack_kw).steps
            cap_kw = np.full(n, cap_kw, float)
            cap_kw[mask] = np.minimum(cap_kw[mask], f["facility_kw"].to_numpy()[mask] - p_b)
    # an outage: racks the stopped plant lets heat past their limits (twin ride-through)
    thermal_on = spec.outage is not None and spec.thermal
    thermal = outage_thermal(twin, spec.outage, groups, t0, dt) if thermal_on else None
    it_pre = it
    with np.errstate(invalid="ignore", divide="ignore"):
        frac_g = np.where(design > 0, it / design, 0.0)
    off_c = None
    if thermal is not None and cl is not None:  # tripped racks draw nothing, cell by cell
        off_c = thermal.it_off_cells(cl.rack_cell, timeline_tenants.fraction(cl, it_c))
        it = np.maximum(it - cl.gather(off_c), 0.0)
    elif thermal is not None:  # tripped racks draw nothing and make no heat
        it = np.maximum(it - thermal.it_off_kw(frac_g), 0.0)
    it_off = (it_pre - it).sum(axis=1) if thermal is not None else None  # shut down by heat
    prof = Profile(dt, it, t_db, groups, design, t_wb, it_off_kw=it_off)
    solved = solve_timeline(
        resp,
        prof,
        bess=bess,
        rack_stores=rack_stores,
        ramp_kw_s=ramp,
        rack_ramp_kw_s=spec.rack_ramp_kw_s * (n_racks if rack_stores else 1.0),
        cap_kw=cap_kw,
        no_charge=no_charge,
        grid_kw=(twin.layout.site.grid_mw if spec.grid_mw is None else spec.grid_mw) * 1000.0,
        outage=spec.outage,
        ups=ups_bank(twin, groups) if spec.outage is not None else None,
        loops=has_liquid_loops(twin),
    )
    steps = solved.steps.copy()
    steps = steps.assign(**plant_terms(resp, it, solved.steps, design, t_db, t_wb))
    solved_viol = solved.violations
    if thermal_on:  # the outage's hottest inlet and warmest loop: the ride-through's, per step
        cur = outage_curves(twin, spec.outage, t0, dt)
        for col, src in (("t_inlet_over_allowable_k", "inlet_over_k"),
                         ("loop_warming_k", "loop_warming_k")):  # fmt: skip
            v = cur[src].to_numpy()
            steps[col] = np.where(np.isfinite(v), v, steps[col].to_numpy())
        solved_viol = solved_viol[solved_viol["kind"] != "loop_warming"]
        viol += loop_warming_violations(steps["loop_warming_k"].to_numpy(), dt)
    if thermal_on and solved.ups is not None and len(solved.ups):
        note = battery_note(twin, spec.outage, float(solved.ups["time_to_empty_s"].min()), dt)
        if note:
            notes.append(note)
    steps.index = start + pd.to_timedelta(t0, unit="s")
    steps.index.name = "time"
    grid = steps["grid_kw"].to_numpy()
    if np.isfinite(cap_kw).any():
        viol += intervals(grid > cap_kw * (1 + 1e-9) + 1e-6, dt, "site", "peak_cap", grid, cap_kw,
                          "kW", "grid import above the peak-shaving cap (storage empty or too small)")  # fmt: skip
    ramp_s = np.abs(np.diff(grid, prepend=grid[0])) / dt
    if np.isfinite(ramp):
        viol += intervals(ramp_s > ramp * (1 + 1e-9) + 1e-9, dt, "site", "ramp_limit", ramp_s, ramp,
                          "kW/s", "grid ramp above the smoothing limit (storage at a limit)")  # fmt: skip

    price = _hourly(
        spec.price_usd_per_kwh, "price", hour, twin.layout.economics.energy_price_usd_per_kwh
    )
    co2 = _hourly(
        spec.carbon_kg_per_kwh, "carbon intensity", hour, twin.layout.site.grid_co2_kg_per_kwh
    )
    kwh = grid * dt / 3600.0
    steps["price_usd_per_kwh"] = price
    steps["carbon_kg_per_kwh"] = co2
    # the generators' output at their own factor (diesel), not the grid's (ISO/IEC 30134-8)
    gen_kwh = steps["generator_kw"].to_numpy() * dt / 3600.0
    steps["carbon_kg"] = kwh * co2 + gen_kwh * twin.layout.site.generator_co2_kg_per_kwh
    steps["bess_soc_frac"] = (
        solved.soc_kwh[1:] / bess.energy_kwh if bess and bess.energy_kwh > 0 else np.nan
    )
    block = np.floor(t0 / (HOURS_PER_MONTH * 3600.0)).astype(np.int64)
    demand_kw, t_demand = billing_demand(grid, t0, dt)
    month = np.floor(t_demand / (HOURS_PER_MONTH * 3600.0)).astype(np.int64)
    peaks = pd.Series(demand_kw).groupby(month).max().to_numpy()
    share = np.minimum(
        pd.Series(np.full(n, dt)).groupby(block).sum().to_numpy() / (HOURS_PER_MONTH * 3600.0), 1.0
    )
    demand_usd = float((np.maximum(peaks, 0.0) * share).sum() * spec.demand_usd_per_kw_month)

    with np.errstate(invalid="ignore", divide="ignore"):
        asked = it.sum(axis=1)
        served = np.where(asked > 0, solved.steps["it_kw"].to_numpy() / asked, 1.0)
        s_cap = np.where(design > 0, it_pre * served[:, None] / design, 0.0)
        s_dem = np.where(design > 0, np.minimum(demand, design) / design, 0.0)
    rate = partial(policies.tokens_per_s, twin, groups)  # over each step's swing:
    pat = [None if spec.trace else pats[k] for k in kinds]
    tok = step_tokens(rate, s_cap, shapes := swing_shapes(pat, range(len(pat)), cap, t0, dt))
    tok0 = step_tokens(rate, s_dem, swing_shapes(pat, range(len(pat)), 1.0 + 0 * cap, t0, dt))
    if cl is not None:  # per cell: a capped tenant loses its own tokens
        drawn_c = it_c * served[:, None]  # the cells' racks at their fraction
        frac_c = timeline_tenants.fraction(cl, drawn_c)
        sh_c = swing_shapes(pat, cl.group, np.minimum(cap[cl.group], cl.cap), t0, dt)
        rate_c = partial(cl.tokens_per_s, twin)  # each cell over its hall's swing, as halls
        tok_c = step_tokens(rate_c, frac_c, sh_c)
        frac0_c = timeline_tenants.fraction(cl, demand_c)
        tok0_c = step_tokens(rate_c, frac0_c, swing_shapes(pat, cl.group, 1.0 + 0 * cl.cap, t0, dt))
        if off_c is not None:  # tripped racks draw nothing and lose their own cell's tokens
            drawn_c = drawn_c - off_c * served[:, None]
            off = partial(thermal.tokens_off_cells, twin, cl.rack_cell)
            tok_c = np.maximum(tok_c - step_tokens(off, frac_c, sh_c), 0)
        if cell_caps or (spec.dr is not None and spec.dr.tenant_order):
            tok, tok0 = cl.gather(tok_c), cl.gather(tok0_c)  # racks of a hall apart
    if thermal is not None:
        if not (cl is not None and (cell_caps or (spec.dr is not None and spec.dr.tenant_order))):
            off = step_tokens(partial(thermal.tokens_off_s, twin), frac_g * served[:, None], shapes)
            tok = np.maximum(tok - off, 0.0)
        viol += thermal_violations(thermal, groups, dt)
    steps["tokens_s"] = tok.sum(axis=1)
    gap = tok0 - tok
    gap[np.abs(gap) <= 1e-9 * np.maximum(tok0, 1.0)] = 0.0  # rounding, not tokens lost
    steps["tokens_lost_s"] = gap.sum(axis=1)
    drop = solved.steps["it_dropped_kw"].to_numpy() if "it_dropped_kw" in solved.steps else 0.0
    why = {"cap": demand > it_pre * (1 + 1e-12) + 1e-9, "demand_response": mask if mask is not None
           else np.zeros(n, bool), "outage": np.asarray(drop) > 0,
           "not_served": unserved(solved.steps) > 0,
           "thermal": thermal.tripped > 0 if thermal is not None else np.zeros(n, bool)}  # fmt: skip
    lost_table = curtailment(gap, tok0, groups, dt, why)
    produced, lost = tok.sum(axis=0) * dt, gap.sum(axis=0) * dt
    group_table = pd.DataFrame(
        {"kind": kinds, "design_kw": design, "racks": n_racks, "cap": cap,
         "tokens": produced, "tokens_lost": lost},
        index=pd.Index(groups, name="group"),
    )  # fmt: skip
    parts = [v for v in (solved_viol, pd.DataFrame(viol, columns=VIOLATION_COLUMNS)) if len(v)]
    violations = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=VIOLATION_COLUMNS)
    )
    violations = violations.sort_values("start_s", kind="stable").reset_index(drop=True)
    kpis = run_kpis(steps, solved, dt, kwh, price, demand_usd, produced, lost, bess, violations)
    kpis.update(outage_kpis(steps, solved))
    if spec.outage is not None:
        kpis["racks_throttled_max"] = float(thermal.throttled.sum(axis=1).max()) if thermal else 0.0
        kpis["racks_tripped_max"] = float(thermal.tripped.sum(axis=1).max()) if thermal else 0.0
    tenants = None
    if cl is not None and tenants_on:
        tenants = timeline_tenants.summary(cl, dt, demand_c, drawn_c, tok0_c, tok_c)
        lost_table = timeline_tenants.hits(lost_table, cl, groups, dt, tok0_c - tok_c)
    return Timeline(steps, kpis, violations, group_table, solved, lost_table, tenants,
                    thermal.racks if thermal is not None else None, notes)  # fmt: skip


def _start(spec: TimelineSpec, trace) -> str:
    """The run's start: the spec's, else a dated trace's first timestamp, else
    `DEFAULT_START`; a spec start that disagrees with the trace's first timestamp is
    refused (an August trace on January weather gave a January PUE, audit 5 F-A)."""
    first = trace.start if trace is not None else None
    if first is None:
        return spec.start or DEFAULT_START
    if spec.start is None:
        start_time(first.isoformat())  # within the years a run may start in
        return first.isoformat()
    given = start_time(spec.start)
    if given != first:
        raise ScenarioError(
            f"{spec.trace}:{trace.start_line}: the trace starts at {first} but the start given "
            f"is {given}; give no start (the trace's first timestamp is used) or the same one"
        )
    return spec.start


def _wet_bulb_steps(twin, spec: TimelineSpec, year, t_h: np.ndarray):
    """Each step's wet bulb from the weather year (None at the design point: the fit's own)."""
    if year is None:
        return None
    return at_hours(year[1], file_hours(start_time(spec.start or DEFAULT_START), t_h, len(year[1])))
