"""`twin ride-through PATH --fail ID [ID ...] [--out CSV] [--t-end S]`: how long until limits.

Cooling: temperatures after the failure from the lumped thermal model
(`twin.solve.transient`), the time until the first rack passes its
ASHRAE allowable inlet, throttle or coolant limit; `--out` writes the
temperature-vs-time table (time_s, component, quantity, t_c) as CSV.
Power: UPS battery autonomy at the present load (Peukert) against the
generator start gap.
"""

from __future__ import annotations

import math
from pathlib import Path

from twin.errors import ScenarioError
from twin.model import Twin
from twin.model.scenario import Scenario


def register(sub) -> None:
    p = sub.add_parser(
        "ride-through", help="time to temperature limits and UPS autonomy after a failure"
    )
    p.add_argument("path", metavar="PATH")
    p.add_argument("--fail", nargs="+", required=True, metavar="ID", help="components that fail")
    p.add_argument("--out", metavar="CSV", help="temperature vs time (long format) to this CSV")
    p.add_argument("--racks-out", metavar="CSV", help="per-rack times to limits to this CSV")
    p.add_argument("--t-end", type=float, default=1800.0, metavar="S", help="horizon, s")
    p.set_defaults(func=run)


def _t(x: float) -> str:
    return "never" if not math.isfinite(x) else f"{x:,.0f} s ({x / 60:.1f} min)"


def run(args) -> int:
    from twin.solve.transient import cooling_ride_through

    for path in (args.out, args.racks_out):
        if path and Path(path).suffix.lower() != ".csv":
            raise ScenarioError(f"{path}: use a .csv file name")
    if not args.t_end > 0:
        raise ScenarioError("--t-end must be positive")
    twin = Twin.load(args.path)
    scenario = Scenario.fail(*args.fail)
    scenario.check(twin.component_ids())
    rt = cooling_ride_through(twin, scenario, t_end_s=args.t_end)
    print(f"{twin.name}  [{scenario.name}]  horizon {args.t_end:,.0f} s")
    racks = rt.racks
    first = rt.first_limit_s
    hit = racks[racks["time_to_limit_s"] <= args.t_end]
    print(
        f"  first rack at a limit: {_t(first)}; {len(hit)} of {len(racks)} racks within the horizon"
    )
    for col, label in (
        ("t_to_allowable_s", "ASHRAE allowable inlet"),
        ("t_to_throttle_s", "accelerator throttle"),
        ("t_to_coolant_limit_s", "coolant limit"),
    ):
        print(f"    {label:<24} {_t(float(racks[col].min()) if len(racks) else math.inf)}")
    worst = racks.nsmallest(5, "time_to_limit_s")
    worst = worst[worst["time_to_limit_s"] < math.inf]
    for rid, r in worst.iterrows():
        print(f"    {rid:<20} {_t(r['time_to_limit_s'])}")
    pw = rt.power
    if len(pw):
        short = pw[~pw["bridged"]]
        print(
            f"  UPS: shortest autonomy {_t(float(pw['autonomy_s'].min()))}, "
            f"generator gap {_t(float(pw['gap_s'].max()))}; "
            f"{len(short)} of {len(pw)} UPS do not bridge it"
        )
        for uid, r in short.iterrows():
            print(f"    {uid:<20} autonomy {_t(r['autonomy_s'])} < gap {_t(r['gap_s'])}")
    if args.out:
        rt.timeseries.to_csv(args.out, index=False)
        print(f"  temperature vs time written to {args.out}")
    if args.racks_out:
        racks.to_csv(args.racks_out)
        print(f"  per-rack times written to {args.racks_out}")
    return 0
