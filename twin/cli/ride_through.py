"""`twin ride-through PATH --fail ID [ID ...] [--out CSV] [--t-end S]`: how long until limits.

Cooling: temperatures after the failure from the lumped thermal model
(`twin.solve.transient`), the time until the first rack passes its
ASHRAE allowable inlet, throttle or coolant limit; `--out` writes the
temperature-vs-time table (time_s, component, quantity, t_c) as CSV.
Power: UPS battery autonomy at the present load (Peukert) against the
generator start gap, and when each battery on its own empties as its drain falls
with the racks that shut down by heat (`twin.solve.battery_drain`). A UPS the failure
cuts off below its transfer switch while the utility stays live gets no generator (the
switch sees utility voltage): its battery carries its load until it empties.

No time is written as inf: in `--racks-out` an empty time means the limit
is not reached within the horizon (`--t-end`); on the terminal it says so.
"""

from __future__ import annotations

import math

import numpy as np

from twin.cli.common import (
    UsageError,
    add_list,
    add_no_calibration,
    add_path,
    check_ids,
    check_output_file,
    float_in,
    listed,
    load_twin,
)
from twin.model.scenario import Scenario

MAX_T_END_S = 7 * 86400.0
"""A week: far past any battery or thermal ride-through; bounds the ODE's work [est]."""


def register(sub) -> None:
    p = sub.add_parser(
        "ride-through", help="time to temperature limits and UPS autonomy after a failure"
    )
    add_path(p)
    add_no_calibration(p)
    add_list(p, "--fail", required=True, metavar="ID", help="components that fail")
    p.add_argument("--out", metavar="CSV", help="temperature vs time (long format) to this CSV")
    p.add_argument(
        "--racks-out",
        metavar="CSV",
        help="per-rack times to limits to this CSV (empty: not within the horizon)",
    )
    p.add_argument(
        "--t-end",
        type=float_in(0.0, MAX_T_END_S, lo_open=True),
        default=1800.0,
        metavar="S",
        help=f"horizon, s, in (0, {MAX_T_END_S:g}] (default 1800)",
    )
    p.set_defaults(func=run)


def _t(x: float, inf: str = "not within the horizon") -> str:
    return inf if not math.isfinite(x) else f"{x:,.0f} s ({x / 60:.1f} min)"


def _steady_base(twin, path: str):
    """The layout's normal state, solved once (the ride-through starts from it); a
    `UsageError` naming what keeps it from being steady."""
    from twin.solve import run as solve
    from twin.solve.results import not_steady

    base = solve(twin)
    bad = not_steady(base.violations)
    if bad:
        raise UsageError(
            f"the layout's normal state is not a steady state ({listed(bad)}); a ride-through "
            f"starts from one: fix these first (`twin solve {path}` shows them)"
        )
    return base


def _power_lost(racks, base, t_end_s: float) -> None:
    """Say which racks lose power, at once (no live feed) or when the batteries carrying
    them empty with no generator taking over (`twin.solve.battery_window`)."""
    lost = racks["t_power_lost_s"].to_numpy(float)
    p0 = base["res_racks"]["p_kw"].reindex(racks.index).fillna(0.0).to_numpy(float)
    now = (lost <= 0) & (p0 > 0)
    if now.any():
        print(
            f"  power lost at once: {now.sum()} of {len(racks)} racks, {p0[now].sum():,.1f} kW "
            "(no live feed after the failure)"
        )
    later = (lost > 0) & (lost <= t_end_s)
    if later.any():
        # a rack that shut down by heat first draws nothing when its battery empties
        down = later & (racks["t_to_shutdown_s"].to_numpy(float) < lost)
        run = later & ~down
        print(
            f"  power lost when UPS batteries empty: {later.sum()} of {len(racks)} racks, "
            f"first at {_t(float(lost[later].min()))} (no generator takes over): "
            f"{run.sum()} still running, {p0[run].sum():,.1f} kW"
            + (f"; {down.sum()} shut down by heat before" if down.any() else "")
        )


def _drain(r, t_end_s: float) -> str:
    """A UPS on battery: when it empties at the draw that falls as its racks shut down by
    heat (`twin.solve.battery_drain`), against its autonomy at the draw before."""
    before = f"autonomy {_t(r['autonomy_s'], 'unlimited')} at the {r['load_kw']:,.1f} kW before"
    empty, end = float(r["empty_s"]), float(r["load_end_kw"])
    if not math.isfinite(empty):
        return (
            f"does not empty: racks shut down by heat leave it {end:,.1f} kW with "
            f"{r['charge_min_frac']:.0%} of its charge ({before})"
        )
    when = "empties at" if empty <= t_end_s else "would empty past the horizon, at"
    # the clause only where racks did shut down: on the AI hall with B01-HVT-A and B01-GEN-A
    # failed no rack reaches a limit, yet every A-side UPS read "racks shut down by heat"
    shed = end < float(r["load_kw"]) * (1 - 1e-9)
    why = ", racks shut down by heat drawing nothing" if shed else ""
    # past the horizon the draw is the horizon's: racks still running may yet shut down by
    # heat and the battery never empty (the small room with UTIL and GEN-1 failed: 8,363 s
    # at 1,800 s, 'does not empty' at --t-end 3600, its last racks tripping at 2,015 and
    # 2,829 s; consistency audit #2)
    later = (
        f" if the racks still running at the horizon ran on; they may yet shut down by heat "
        f"(--t-end {math.ceil(empty / 600.0) * 600:.0f} marches to it)"
        if empty > t_end_s
        else ""
    )
    return f"{when} {_t(empty)} carrying {end:,.1f} kW then{why}{later} ({before})"


def run(args) -> int:
    from twin.solve.transient import cooling_ride_through

    for flag, path in (("--out", args.out), ("--racks-out", args.racks_out)):
        check_output_file(path, flag, (".csv",))  # before any work
    twin = load_twin(args)
    check_ids(twin, args.fail, "--fail")
    scenario = Scenario.fail(*dict.fromkeys(args.fail))
    scenario.check(twin.component_ids())
    base = _steady_base(twin, args.path)
    rt = cooling_ride_through(twin, scenario, t_end_s=args.t_end, base=base)
    racks = rt.racks
    if args.out:  # files first: a closed pipe on stdout must not lose them
        rt.timeseries.to_csv(args.out, index=False)
    if args.racks_out:
        finite = racks.select_dtypes("number").apply(lambda c: c.where(np.isfinite(c)))
        racks.assign(**finite).to_csv(args.racks_out)
    print(f"{twin.name}  [{scenario.name}]  horizon {args.t_end:,.0f} s")
    from twin.solve.air_stopped import UNSETTLED, unresolved_units

    for hall, (model, units) in unresolved_units(twin, [args.fail]).items():  # as `twin n1`
        print(
            f"  warning: {', '.join(units)} failed: hall {hall}'s rack inlets keep its "
            f"{model.upper()} air flow of every cooling unit running (not solved again per "
            "failure); only the hall's supply mix follows the stop"
        )
    for hall, (model, units) in unresolved_units(twin, [args.fail], UNSETTLED).items():
        print(
            f"  warning: {', '.join(units)} failed: hall {hall}'s rack inlets come from an "
            f"{model.upper()} march without them that had not settled (`twin solve --fail` "
            "says by how much they would still move)"
        )
    first = rt.first_limit_s
    hit = racks[racks["time_to_limit_s"] <= args.t_end]
    print(
        f"  first rack at a limit: {_t(first)}; {len(hit)} of {len(racks)} racks within the horizon"
    )
    for gen, pct in rt.generators_tripped.items():
        print(
            f"  generator {gen} would carry {pct:,.0f} % of its rating: it trips, and what it "
            "was to feed (its cooling, the UPSs it was to bridge) is lost with it"
        )
    _power_lost(racks, base, args.t_end)
    for col, label in (
        ("t_to_allowable_s", "ASHRAE allowable inlet (the rack throttles)"),
        ("t_to_throttle_s", "accelerator's own throttle (its catalogue temperature)"),
        ("t_to_coolant_limit_s", "coolant limit"),
        ("t_to_shutdown_s", "thermal shutdown"),
    ):
        print(f"    {label:<55} {_t(float(racks[col].min()) if len(racks) else math.inf)}")
    worst = racks.nsmallest(5, "time_to_limit_s")
    worst = worst[worst["time_to_limit_s"] < math.inf]
    for rid, r in worst.iterrows():
        print(f"    {rid:<20} {_t(r['time_to_limit_s'])}")
    pw = rt.power
    _ups(pw, scenario, rt.utility_lost, args.t_end)
    if args.out:
        print(f"  temperature vs time written to {args.out}")
    if args.racks_out:
        print(f"  per-rack times written to {args.racks_out} (empty: not within the horizon)")
    return 0


def _ups(pw, scenario, lost: bool, t_end_s: float) -> None:
    """The UPSs the failure touches: on battery, moved onto a generator, or not bridged.
    With the utility live (`utility_lost` False) no generator starts: a UPS whose input the
    failure cut carries its load on its battery until it empties."""
    from twin.solve.generator_trip import TRIP_PCT
    from twin.solve.ride_through_power import battery_text, touched_ups

    if not len(pw):
        return
    batt = pw["on_battery"].astype(bool)
    if not lost:  # no transfer switch lost its utility side: no generator starts
        print(
            "  utility stays live: generators do not start"
            + ("" if batt.any() else ", no UPS runs on its battery")
        )
    out = pw.index.isin(list(scenario.out_of_service))
    on = touched_ups(pw, lost, scenario.out_of_service)
    short = on[~on["bridged"]]
    if batt.any():
        where = "input lost" if lost else "input lost, utility live"
        print(f"  UPS on battery ({where}): {', '.join(pw.index[batt])}")
    if len(on):
        shortest = _t(float(on["autonomy_s"].min()), "unlimited (no load)")
        gap_s = float(on["gap_s"].max())
        gap = f"generator gap {_t(gap_s, '')}" if np.isfinite(gap_s) else "no generator takes over"
        print(
            f"  UPS: shortest autonomy {shortest} (at the draw before the failure), "
            + (
                f"{gap}; {len(short)} of {len(on)} UPS do not bridge it"
                if lost
                else f"no generator takes over; {len(short)} of {len(on)} UPS run on their "
                "battery until it empties"
            )
        )
        over = on.index[on["loading_pct"] > 100.0] if "loading_pct" in on else []
        if len(over):
            print(f"  UPS over its rating (twin solve's overload): {', '.join(over)}")
        for uid in on.index:
            print(f"    {battery_text(pw, uid, lost)}")
    if out.any():
        print(f"  UPS out of service: {', '.join(pw.index[out])}")
    for uid, r in short.iterrows():
        if r.get("generator_loading_pct", 0.0) > TRIP_PCT:
            print(
                f"    {uid:<20} its generator {r['generator']} would carry "
                f"{r['generator_loading_pct']:,.0f} % of its rating: it cannot take the load"
            )
            continue
        gap = _t(r["gap_s"], "no generator")
        if r["on_battery"] and "load_end_kw" in r:  # its drain falls as racks shut down
            print(f"    {uid:<20} {_drain(r, t_end_s=t_end_s)}; gap {gap}")
            continue
        print(f"    {uid:<20} autonomy {_t(r['autonomy_s'], 'unlimited')} < gap {gap}")
