"""`twin timeline PATH`: grid import, energy, cost, carbon and tokens over time.

Defaults: a year at 1 h steps, halls alternating training and inference
(`twin.scenarios.workloads`), the layout's weather file (its design point if it
has none), no storage policy. `--json` prints the headline numbers
(`Timeline.kpis`: the same dict the app and the Python API show), the
violations and the per-hall tokens; `--parquet` writes the per-step table.
"""

from __future__ import annotations

import sys

import numpy as np

from twin.cli.common import (
    UsageError,
    add_no_calibration,
    add_path,
    check_output_file,
    check_weather,
    dumps,
    float_in,
    load_twin,
)
from twin.errors import ScenarioError
from twin.scenarios.tariff import PRICE_USD_PER_KWH
from twin.solve.residual_text import residual_text
from twin.solve.results import LAST_ITERATE, NOT_AN_ANSWER

MAX_HOURS = 10 * 8760.0


def register(sub) -> None:
    p = sub.add_parser("timeline", help="grid import, storage, caps and cost over time")
    add_path(p)
    add_no_calibration(p)
    g = p.add_argument_group("horizon")
    g.add_argument(
        "--hours",
        type=float_in(0.0, MAX_HOURS, lo_open=True),
        default=8760.0,
        help="horizon, h (default 8760: a year)",
    )
    g.add_argument(
        "--step-s",
        type=float_in(1.0, 86400.0),
        default=3600.0,
        help="step, s, 1-86400 (default 3600)",
    )
    g.add_argument(
        "--start",
        default=None,
        help="start date-time, e.g. 2023-08-01 or 2023-08-01T06:00 (default: a dated "
        "--trace's first timestamp, else 2026-01-01 00:00; one that disagrees with the "
        "trace's is refused); each step reads the weather file's row of its own month, day "
        "and hour",
    )
    g.add_argument(
        "--design-weather",
        action="store_true",
        help="the layout's design point at every step, not its weather file",
    )
    w = p.add_argument_group("workload")
    w.add_argument(
        "--workload",
        choices=["training", "inference", "mixed"],
        default="mixed",
        help="built-in pattern per hall (mixed: halls alternate, training first)",
    )
    w.add_argument(
        "--trace",
        metavar="FILE",
        help="load trace, .csv or .parquet: time_s or timestamp, then one kW column per hall, "
        "it_kw or fraction (replaces --workload)",
    )
    w.add_argument(
        "--swing",
        type=float_in(0.0, 1.0),
        default=None,
        help="training swing, fraction of design (default 0.3)",
    )
    w.add_argument(
        "--period-s",
        type=float_in(1.0, 86400.0),  # a swing faster than a second is not a timeline's
        default=None,
        help="training swing period, s (default 10)",
    )
    w.add_argument("--shape", choices=["square", "sine"], default="square")
    w.add_argument("--no-checkpoints", action="store_true", help="training without checkpoint dips")
    w.add_argument(
        "--cap",
        action="append",
        default=[],
        metavar="[HALL=]FRACTION",
        help="power cap, fraction of design, for every hall or one hall (repeatable)",
    )
    w.add_argument(
        "--tenant-cap",
        action="append",
        default=[],
        metavar="TENANT=FRACTION",
        help="cap one tenant's racks at this fraction of design, in every hall (repeatable)",
    )
    w.add_argument(
        "--rack-cap",
        action="append",
        default=[],
        metavar="RACK=FRACTION",
        help="cap one rack at this fraction of design (repeatable)",
    )
    w.add_argument(
        "--row-cap",
        action="append",
        default=[],
        metavar="ROW=FRACTION",
        help="cap every rack of one row at this fraction of design (repeatable)",
    )
    s = p.add_argument_group("storage and policy")
    s.add_argument(
        "--policy",
        choices=["none", "peak-shaving", "smoothing"],
        default=None,
        help="storage dispatch (default: peak-shaving with a BESS, else none)",
    )
    # the layout's storage.bess bounds (100 GWh, 10 GW): 1e300 MWh printed 300 digits
    s.add_argument(
        "--bess-mwh", type=float_in(0.0, 1e5, lo_open=True), help="site BESS energy, MWh"
    )
    s.add_argument("--bess-mw", type=float_in(0.0, 1e4, lo_open=True), help="site BESS power, MW")
    s.add_argument(
        "--bess-efficiency",
        type=float_in(0.5, 1.0),
        default=0.9,
        help="round-trip efficiency, 0.5-1 (default 0.9)",
    )
    s.add_argument("--peak-cap-mw", type=float_in(0.0), help="peak shaving: grid import cap, MW")
    s.add_argument(
        "--ramp-mw-s",
        type=float_in(0.0, 1e4, lo_open=True),
        help="smoothing: most change of grid import, MW/s",
    )
    s.add_argument(
        "--size-for-ramp-mw-s",
        type=float_in(0.0, lo_open=True),
        metavar="R",
        help="size the smallest BESS that keeps grid ramps under R MW/s, and its cost "
        "against the demand charge saved (no --bess-mwh/--policy)",
    )
    s.add_argument(
        "--rack-store-kwh",
        type=float_in(0.0, lo_open=True),
        help="smoothing store per rack, kWh (with --rack-store-kw, --rack-ramp-kw-s)",
    )
    s.add_argument("--rack-store-kw", type=float_in(0.0, lo_open=True), help="per rack, kW")
    s.add_argument(
        "--rack-ramp-kw-s",
        type=float_in(0.0, lo_open=True),
        help="per rack: most change of a rack's draw on the power chain, kW/s",
    )
    d = p.add_argument_group("demand response event")
    d.add_argument(
        "--dr-mw",
        type=float_in(0.0, 1e5, lo_open=True),  # site.grid_mw's bound
        help="shed this much grid import, MW",
    )
    d.add_argument(
        "--dr-start-h", type=float_in(0.0), default=18.0, help="from this hour (default 18)"
    )
    d.add_argument(
        "--dr-hours",
        type=float_in(0.0, lo_open=True),
        default=3.0,
        help="for this long, h (default 3)",
    )
    d.add_argument(
        "--dr-order",
        choices=["inference-first", "training-first"],
        default="inference-first",
        help="which halls are capped first",
    )
    d.add_argument(
        "--dr-floor",
        type=float_in(0.0, 1.0),
        default=None,
        help="lowest cap of a hall, fraction of design (default 0.5)",
    )
    d.add_argument(
        "--dr-no-bess",
        action="store_true",
        help="keep the BESS out of the event (by default it discharges first, caps do the rest)",
    )
    d.add_argument(
        "--shed-order",
        nargs="+",
        default=None,
        metavar="TENANT",
        help="shed these tenants' racks first, in this order (then the others), instead of "
        "--dr-order",
    )
    o = p.add_argument_group("utility outage (UPS batteries bridge to the generators)")
    o.add_argument(
        "--outage-start-h", type=float_in(0.0), help="the utility is lost from this hour"
    )
    o.add_argument(
        "--outage-s",
        type=float_in(0.0, lo_open=True),
        default=None,
        help="for this many seconds (default 600)",
    )
    m = p.add_argument_group("money and carbon")
    m.add_argument(
        "--price-usd-kwh",
        type=float_in(*PRICE_USD_PER_KWH),
        help="flat energy price, USD/kWh, -1 to 10 (default: the layout's economics)",
    )
    m.add_argument(
        "--hourly", metavar="CSV", help="24 or 8760 rows: usd_per_kwh and/or kg_co2_per_kwh"
    )
    m.add_argument(
        "--demand-usd-kw-month",
        type=float_in(0.0, 1000.0),
        default=None,
        help="demand charge per kW of monthly peak (default 15)",
    )
    p.add_argument("--json", action="store_true", help="headline numbers as JSON")
    p.add_argument("--parquet", metavar="FILE", help="per-step table to this .parquet file")
    p.set_defaults(func=run)  # fmt: skip


def _decimals(x: float, digits: int = 3) -> int:
    """Decimals that show `x` to at least `digits` significant digits (none above 10**digits)."""
    if not np.isfinite(x) or x == 0:
        return 0
    return int(max(0, digits - 1 - np.floor(np.log10(abs(x)))))


def _sig(x: float, digits: int = 3) -> str:
    return f"{x:,.{_decimals(x, digits)}f}"


def _caps(items: list[str], twin) -> dict[str, float]:
    out = {}
    for item in items:
        hall, _, value = item.rpartition("=")
        try:
            frac = float(value)
        except ValueError:
            raise UsageError(f"--cap {item}: give FRACTION or HALL=FRACTION") from None
        if not 0.0 <= frac <= 1.0:
            raise UsageError(f"--cap {item}: the fraction must be 0-1")
        if hall and hall not in twin.halls.index:
            raise UsageError(
                f"--cap {item}: no hall {hall!r}; halls: {', '.join(twin.halls.index)}"
            )
        out[hall or "*"] = frac
    return out


def _tenant_caps(items: list[str], option: str = "--tenant-cap", what: str = "TENANT"):
    out = {}
    for item in items:
        name, _, value = item.rpartition("=")
        try:
            frac = float(value)
        except ValueError:
            raise UsageError(f"{option} {item}: give {what}=FRACTION") from None
        if not name or not 0.0 <= frac <= 1.0:
            raise UsageError(f"{option} {item}: give {what}=FRACTION, the fraction 0-1")
        out[name] = frac
    return out


def _hourly(path: str):
    """usd_per_kwh and kg_co2_per_kwh of an --hourly CSV: the site file's reader and bounds
    (`twin.scenarios.tariff`), errors at the file's line."""
    from pathlib import Path

    from twin.scenarios.tariff import HourlyError, read_hourly

    if not Path(path).is_file():
        raise UsageError(f"--hourly {path}: no such file")
    try:
        out = read_hourly(path)
    except HourlyError as exc:
        where = path if exc.line is None else f"{path}:{exc.line}"
        raise UsageError(f"--hourly {where}: {exc}") from None
    return out.get("usd_per_kwh"), out.get("kg_co2_per_kwh")


def _cents_warning(path: str | None, price) -> None:
    """Warn (stderr) where --hourly's prices read as cents typed as dollars: their median
    above `PRICE_MAX_USD_PER_KWH`, as validate and compare-sites say of a layout's or a site
    file's price (8.0 for 8 c/kWh made a day of a 200 kW room cost 38,778 USD)."""
    from twin.layout.plausibility_chain import PRICE_MAX_USD_PER_KWH, price_message

    if price is None:
        return
    value = float(np.median(np.asarray(price, float)))
    if value > PRICE_MAX_USD_PER_KWH:
        msg = price_message(value).replace("energy_price_usd_per_kwh", "usd_per_kwh")
        print(f"--hourly {path}: warning: {msg} (the median of its values)", file=sys.stderr)


def spec_from_args(args, twin):
    """The TimelineSpec the options describe (UsageError for combinations that do not fit)."""
    from dataclasses import replace

    from twin.scenarios.policies import DR_FLOOR, DrEvent
    from twin.scenarios.timeline import DEMAND_USD_PER_KW_MONTH, TimelineSpec, layout_bess
    from twin.scenarios.workloads import Pattern
    from twin.solve.timeline_storage import Store

    pat = Pattern(shape=args.shape)
    if args.swing is not None:
        pat = replace(pat, swing=args.swing)
    if args.period_s is not None:
        pat = replace(pat, period_s=args.period_s)
    if args.no_checkpoints:
        pat = replace(pat, checkpoint_s=0.0)
    if (args.bess_mwh is None) != (args.bess_mw is None):
        raise UsageError("--bess-mwh and --bess-mw go together")
    bess = None
    if args.bess_mwh is not None:
        bess = Store(args.bess_mwh * 1000.0, args.bess_mw * 1000.0, args.bess_efficiency)
    has_bess = bess is not None or layout_bess(twin) is not None
    rack = None
    if args.rack_store_kwh is not None or args.rack_store_kw is not None:
        if args.rack_store_kwh is None or args.rack_store_kw is None:
            raise UsageError("--rack-store-kwh and --rack-store-kw go together")
        rack = Store(args.rack_store_kwh, args.rack_store_kw, args.bess_efficiency)
    if args.rack_ramp_kw_s is not None and rack is None:
        raise UsageError("--rack-ramp-kw-s needs rack stores (--rack-store-kwh, --rack-store-kw)")
    policy = args.policy or ("peak-shaving" if has_bess else "none")
    if policy != "none" and not has_bess:
        raise UsageError(
            f"--policy {policy} needs a BESS: --bess-mwh and --bess-mw (or storage.bess in the layout)"
        )
    if args.peak_cap_mw is not None and policy != "peak-shaving":
        raise UsageError("--peak-cap-mw is for --policy peak-shaving")
    if args.ramp_mw_s is not None and policy != "smoothing":
        raise UsageError("--ramp-mw-s is for --policy smoothing")
    if policy == "smoothing" and args.ramp_mw_s is None:
        raise UsageError("--policy smoothing needs --ramp-mw-s")
    dr = None
    if args.dr_mw is not None:
        dr = DrEvent(args.dr_start_h * 3600.0, args.dr_hours * 3600.0, args.dr_mw * 1000.0,
                     args.dr_order, DR_FLOOR if args.dr_floor is None else args.dr_floor,
                     use_bess=not args.dr_no_bess,
                     tenant_order=tuple(args.shed_order or ()))  # fmt: skip
    elif args.shed_order:
        raise UsageError("--shed-order orders a demand-response event: give --dr-mw")
    outage = None
    if args.outage_s is not None and args.outage_start_h is None:
        raise UsageError("--outage-s needs --outage-start-h")
    if args.outage_start_h is not None:
        from twin.solve.timeline_outage import Outage

        outage = Outage(args.outage_start_h * 3600.0, args.outage_s or 600.0)
    price, co2 = _hourly(args.hourly) if args.hourly else (None, None)
    _cents_warning(args.hourly, price)
    if args.price_usd_kwh is not None:
        if price is not None:
            raise UsageError("--price-usd-kwh and a usd_per_kwh column in --hourly: give one")
        price = args.price_usd_kwh
    from twin.scenarios.timeline import start_time

    try:
        if args.start is not None:
            start_time(args.start)
    except ScenarioError as exc:
        raise UsageError(f"--{exc}") from None
    return TimelineSpec(
        hours=args.hours,
        dt_s=args.step_s,
        start=args.start,
        workload=args.workload,
        pattern=pat,
        trace=args.trace,
        cap=_caps(args.cap, twin),
        tenant_cap=_tenant_caps(args.tenant_cap),
        rack_cap=_tenant_caps(args.rack_cap, "--rack-cap", "RACK"),
        row_cap=_tenant_caps(args.row_cap, "--row-cap", "ROW"),
        policy=policy,
        bess=bess,
        peak_cap_kw=None if args.peak_cap_mw is None else args.peak_cap_mw * 1000.0,
        ramp_kw_s=None if args.ramp_mw_s is None else args.ramp_mw_s * 1000.0,
        rack_store=rack,
        rack_ramp_kw_s=np.inf if args.rack_ramp_kw_s is None else args.rack_ramp_kw_s,
        dr=dr,
        outage=outage,
        price_usd_per_kwh=price,
        demand_usd_per_kw_month=DEMAND_USD_PER_KW_MONTH
        if args.demand_usd_kw_month is None
        else args.demand_usd_kw_month,
        carbon_kg_per_kwh=co2,
        weather=not args.design_weather,
    )


def _span(seconds: float) -> str:
    """A violation's duration in the unit that shows it: 12 s, 4.5 min, 0.25 h."""
    if seconds < 60.0:
        return f"{seconds:,.0f} s"
    return f"{seconds / 60:,.1f} min" if seconds < 3600.0 else f"{seconds / 3600:,.2f} h"


def run(args) -> int:
    from twin.scenarios.timeline import simulate
    from twin.scenarios.timeline_episodes import episodes
    from twin.scenarios.timeline_thermal import has_liquid_loops

    check_output_file(args.parquet, "--parquet", (".parquet",))
    twin = load_twin(args)
    spec = spec_from_args(args, twin)
    if spec.weather and spec.weather_file is None:
        check_weather(twin, "; or run at the design point: --design-weather")
    sizing = None
    if args.size_for_ramp_mw_s is not None:
        from twin.scenarios.timeline_sizing import size_for_ramp

        if args.bess_mwh is not None or args.policy is not None:
            raise UsageError("--size-for-ramp-mw-s sizes the BESS itself: drop --bess-mwh/--policy")
        sizing = size_for_ramp(twin, spec, args.size_for_ramp_mw_s * 1000.0, args.bess_efficiency)
        tl = sizing.with_bess
    else:
        tl = simulate(twin, spec)
    if args.parquet:
        tl.to_parquet(args.parquet)
    k = tl.kpis
    if args.json:
        v = tl.violations
        print(dumps({
            "layout": twin.name, "kpis": k, "notes": tl.notes,
            "violations": v.to_dict(orient="records"),
            "violation_episodes": episodes(v).to_dict(orient="records"),
            "groups": tl.groups.reset_index().to_dict(orient="records"),
            "tokens_lost": tl.curtailment.to_dict(orient="records"),
            **({"tenants": tl.tenants.reset_index().to_dict(orient="records")}
               if tl.tenants is not None else {}),
            **({"ups": tl.solved.ups.reset_index().to_dict(orient="records")}
               if tl.solved.ups is not None else {}),
            **({"thermal": tl.thermal.reset_index().to_dict(orient="records")}
               if tl.thermal is not None else {}),
            **({"sizing": sizing.as_dict()} if sizing else {}),
        }))  # fmt: skip
        return 0
    print(f"{twin.name}: {k['hours']:,.0f} h at {k['dt_s']:g} s steps ({k['steps']:,.0f} steps)")
    for note in tl.notes:  # what the run assumed that was not asked for: before the figures
        print(f"  note: {note}")
    # one precision for the energy and its terms (3 significant digits of the largest, at
    # least 0.1 MWh) so that they visibly add up: a small room's 0.21 MWh of losses read '0'
    # beside '5 MWh'; with storage the change of stored energy is a term too
    d = max(_decimals(max(abs(k["grid_mwh"]), abs(k["it_mwh"]))), 1)

    def e(x: float) -> str:
        return f"{0.0 if abs(x) < 0.5 * 10**-d else x:,.{d}f}"  # no '-0.0' for rounding noise

    rows = [
        ("peak grid import", f"{k['peak_grid_mw']:,.2f} MW"),
        ("mean grid import", f"{k['mean_grid_mw']:,.2f} MW"),
        ("largest ramp", f"{k['max_ramp_mw_s']:,.3f} MW/s"),
        ("grid energy", f"{e(k['grid_mwh'])} MWh (IT {e(k['it_mwh'])}, losses "
         f"{e(k['losses_mwh'])}, cooling {e(k['cooling_mwh'])}, storage losses "
         f"{e(k['storage_loss_mwh'])}" + (f", change of stored energy {e(k['stored_change_mwh'])}"
         if k["stored_change_mwh"] else "") + (f", less generator {e(k['generator_mwh'])}"
         if k.get("generator_mwh") else "") + ")"),
        ("PUE over the horizon", f"{k['pue']:.3f}" if np.isfinite(k["pue"]) else "n/a (heat not removed)"),
        ("cost", f"{k['cost_usd']:,.0f} USD (energy {k['energy_cost_usd']:,.0f}, demand charge "
         f"{k['demand_charge_usd']:,.0f}" + (f", stored energy used {k['stored_energy_usd']:,.0f}: "
         "the change of stored energy at the mean price, to buy back what storage gave"
         if k.get("stored_energy_usd") else "") + ")"),
        ("carbon", f"{_sig(k['carbon_t'])} t CO2"),
        ("tokens", f"{k['tokens']:.3e} produced, {k['tokens_lost']:.3e} lost"),
        ("energy balance residual",
         residual_text(k["balance_residual_mwh"], k["balance_residual_rel"])),
    ]  # fmt: skip
    if k["bess_mwh"] > 0:
        rows.insert(3, ("BESS", f"{k['bess_mwh']:,.1f} MWh / {k['bess_mw']:,.1f} MW, state of "
                    f"charge {k['soc_min_frac']:.0%}-{k['soc_max_frac']:.0%}"))  # fmt: skip
    if "ups_soc_min_frac" in k:
        tte = k["ups_time_to_empty_min_s"]
        rows.insert(3, ("UPS batteries (outage)", f"lowest charge {k['ups_soc_min_frac']:.0%}, "
                    + ("none ran out" if not np.isfinite(tte) else f"first empty after {tte:,.0f} s")
                    + f", load dropped {_sig(k['load_dropped_mwh'])} MWh, generator "
                    f"{_sig(k['generator_mwh'])} MWh, "
                    + (f"loops up to {k['loop_warming_max_k']:.1f} K above a running plant's"
                       if has_liquid_loops(twin) else "no liquid loops (the hall air's warming "
                       "reads in the racks overheated, below)")))  # fmt: skip
    if "racks_tripped_max" in k:
        rows.insert(4, ("racks overheated (outage)", f"up to {k['racks_throttled_max']:,.1f} "
                    "throttling (inlet or coolant past its limit; a step's mean), "
                    f"{k['racks_tripped_max']:,.1f} shut down by heat (twin ride-through's "
                    "times; tokens lost: thermal, for racks shut down only: a throttling "
                    "rack's lost throughput is not estimated)"))  # fmt: skip
    if sizing:
        z = sizing.as_dict()
        met = "" if z["ramp_met"] else " NOT MET (grew 40 times)"
        rows[:0] = [
            ("BESS for the ramp limit", f"{z['bess_mwh']:,.2f} MWh / {z['bess_mw']:,.2f} MW keeps "
             f"ramps under {z['ramp_mw_s']:g} MW/s{met} (without: "
             f"{z['max_ramp_mw_s_without']:,.3f} MW/s)"),
            ("  its cost over the run", f"capex {z['capex_usd_horizon']:,.0f} USD (of "
             f"{z['capex_usd']:,.0f}, straight line) + losses {z['energy_cost_delta_usd']:,.0f} USD"
             f" vs demand charge saved {z['demand_saved_usd']:,.0f} USD: net "
             f"{z['net_saving_usd_horizon']:,.0f} USD"),
        ]  # fmt: skip
    if k.get("untrusted_hours", 0.0) > 0:
        # as `twin solve` does: said before the figures, and each figure it voids marked
        print(f"  {NOT_AN_ANSWER}: {k['untrusted_hours']:,.2f} of {k['hours']:,.2f} h at a load "
              "and weather whose coupled solve is not a solution (not converged, not finite "
              "or not balanced: twin solve says which); every figure over those hours is the "
              "solver's last iterate")  # fmt: skip
        rows = [(lb, t if lb == "energy balance residual" else f"{t}  {LAST_ITERATE}")
                for lb, t in rows]  # fmt: skip
    for label, text in rows:
        print(f"  {label:<26} {text}")
    v = tl.violations
    print(f"  violations: {len(v)}" + ("" if len(v) else " (none)"))
    ep = episodes(v)
    if len(ep) < len(v):  # an element past a limit again and again: per element first
        for _, r in ep.iterrows():
            print(f"    {r['kind']:<13} {r['component']:<8} {r['intervals']:,} interval"
                  f"{'s' * (r['intervals'] != 1)} {r['first_s'] / 3600:,.2f}-"
                  f"{r['last_end_s'] / 3600:,.2f} h, {r['total_s'] / 3600:,.2f} h in all "
                  f"(worst {r['worst']:,.1f} {r['unit']})")  # fmt: skip
        print(f"  the intervals{' (first 10)' * (len(v) > 10)}:")
    for _, r in v.head(10).iterrows():
        print(f"    {r['kind']:<13} {r['component']:<8} from {r['start_s'] / 3600:,.2f} h for "
              f"{_span(r['duration_s'])} (worst {r['value']:,.1f} {r['unit']}): {r['message']}")  # fmt: skip
    if len(v) > 10:
        print(f"    ... and {len(v) - 10} more (--json lists all)")
    c = tl.curtailment
    if len(c):
        by = c.groupby("cause")["tokens_lost"].agg(["sum", "size"])
        print("  tokens lost by cause: " + ", ".join(
            f"{cause} {r['sum']:.3e} ({int(r['size']):,} runs)" for cause, r in by.iterrows()))  # fmt: skip
    if tl.tenants is not None:
        print("  per tenant (caps and events: twin.scenarios.timeline_tenants)")
        for t, r in tl.tenants.iterrows():
            print(f"    {t:<16} {r['it_mwh']:,.1f} of {r['demand_mwh']:,.1f} MWh asked, "
                  f"{r['it_cut_mwh']:,.2f} MWh cut, tokens {r['tokens']:.3e} "
                  f"({r['tokens_lost']:.3e} lost)" + (", hit" if r["hit"] else ""))  # fmt: skip
        if len(c) and "tenants_hit" in c:
            for (g, why, who), part in c.groupby(["group", "cause", "tenants_hit"]):
                print(f"    {g}: {why} hits {who or 'nobody'} ({len(part):,} runs)")
    if args.parquet:
        print(f"  per-step table written to {args.parquet}")
    sys.stdout.flush()
    return 0
