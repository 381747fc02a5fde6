"""`twin compare-sites PATH --site a.yaml --site b.yaml`: the same design on several sites.

One year of `twin timeline` per site (its weather, energy price, grid carbon,
demand charge, grid limit and water price; `twin.scenarios.sites`), printed side
by side: annual PUE, WUE, free-cooling hours, energy, cost, cost per million
tokens and carbon. `--json` prints the same numbers (`Comparison.table`, the
dict the app shows) and the monthly table.
"""

from __future__ import annotations

import sys

import numpy as np

from twin.cli.common import UsageError, add_no_calibration, add_path, dumps, float_in, load_twin


def register(sub) -> None:
    p = sub.add_parser(
        "compare-sites", help="the same design on several sites: PUE, WUE, cost, carbon"
    )
    add_path(p)
    add_no_calibration(p)
    p.add_argument(
        "--site",
        action="append",
        default=[],
        metavar="FILE",
        help="site file (.yaml): weather, prices, carbon, grid limit (repeat, at least one)",
    )
    p.add_argument(
        "--hours",
        type=float_in(0.0, 8760.0, lo_open=True),
        default=8760.0,
        help="horizon, h (default 8760: a year)",
    )
    p.add_argument("--json", action="store_true", help="the table and monthly figures as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from twin.scenarios.sites import compare, load_site, untrusted_note
    from twin.scenarios.timeline import TimelineSpec

    if not args.site:
        raise UsageError("give at least one --site FILE (twice to compare two sites)")
    sites = [load_site(f) for f in args.site]  # every file checked before any solve
    for f, site in zip(args.site, sites, strict=True):
        note = price_warning(f, site.price_usd_per_kwh)
        if note:
            print(note, file=sys.stderr)
    twin = load_twin(args)
    spec = TimelineSpec(hours=args.hours)
    c = compare(twin, sites, spec)
    if args.json:
        print(
            dumps(
                {
                    "layout": twin.name,
                    "hours": args.hours,
                    "workload": spec.workload,
                    "sites": c.table.reset_index().to_dict(orient="records"),
                    "monthly": c.monthly.to_dict(orient="records"),
                    "notes": {n: tl.notes for n, tl in c.timelines.items() if tl.notes},
                    "not_an_answer": untrusted_note(c),
                }
            )
        )
        return 0
    from twin.scenarios.sites import side_by_side

    t = side_by_side(c)
    width = max(14, *(len(n) + 2 for n in t.columns))
    first = max(len(x) for x in t.index) + 2
    design_mwh = float(twin.racks["power_kw"].sum()) * args.hours / 1000.0
    pct = (c.table["it_mwh"] / design_mwh * 100.0).round() if design_mwh > 0 else None
    span = (
        ""
        if pct is None
        else f"{pct.min():.0f}" + ("" if pct.min() == pct.max() else f"-{pct.max():.0f}")
    )
    # the load the PUE and costs are at: the workload's, not the design's `twin solve` uses
    load = (
        f": IT at {span} % of design on average (`twin solve --annual`: at design)" if span else ""
    )
    print(f"{twin.name}: {args.hours:,.0f} h per site, {spec.workload} workload{load}")
    for name, tl in c.timelines.items():  # what a site's run assumed unasked (twin timeline's)
        for note in tl.notes:
            print(f"  note ({name}): {note}")
    untrusted = untrusted_note(c)  # said before the figures, as `twin timeline` says it
    if untrusted:
        print(f"  {untrusted}")
    print(f"  {'':<{first}}" + "".join(f"{n:>{width}}" for n in t.columns))
    for figure, row in t.iterrows():
        print(f"  {figure:<{first}}" + "".join(f"{v:>{width}}" for v in row))
    return 0


def price_warning(path: str, price) -> str | None:
    """A located warning for a site file's energy price that reads as cents typed as
    dollars (above `twin.layout.plausibility_chain.PRICE_MAX_USD_PER_KWH`; for 24 or 8,760
    values, their median), as `twin validate` gives a layout's economics price (audit 5
    F-F: 7.15 for 7.15 c/kWh made every cost 100x)."""
    from twin.layout.plausibility_chain import PRICE_MAX_USD_PER_KWH, price_message
    from twin.layout.source import line_of, read_file

    if price is None:
        return None
    value = float(np.median(np.asarray(price, float)))
    if not value > PRICE_MAX_USD_PER_KWH:
        return None
    try:
        line = line_of(read_file(path, what="site"), ("energy_price_usd_per_kwh",))
    except Exception:  # noqa: BLE001 - the line is a courtesy; the file was read once already
        line = None
    where = path + (f":{line}" if line is not None else "")
    median = "" if np.ndim(price) == 0 else " (the median of its values)"
    return f"{where}: energy_price_usd_per_kwh: warning: {price_message(value)}{median}"
