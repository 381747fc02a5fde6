"""`twin generate campus|hall|hybrid -o FILE`: write a generated, valid layout."""

from __future__ import annotations

import sys
import time

from twin.cli.common import check_output_file, float_in, int_in
from twin.layout import generate, validate_data

MAX_IT_MW = 20_000.0
"""Largest campus: ~150,000 NVL72 racks, the most a layout file is meant to hold [est]."""


def register(sub) -> None:
    p = sub.add_parser("generate", help="write a generated layout (campus, hall, hybrid)")
    p.add_argument("what", choices=["campus", "hall", "hybrid"])
    p.add_argument(
        "--it-mw",
        type=float_in(0.0, MAX_IT_MW, lo_open=True),
        default=1000.0,
        help=f"campus IT load, MW, in (0, {MAX_IT_MW:g}] (default 1000); whole halls, so "
        "the result is the nearest multiple of one hall",
    )
    p.add_argument("--halls-per-building", type=int_in(1, 64), default=4, help="1-64 (default 4)")
    p.add_argument(
        "--rows-per-hall", type=int_in(1, 64), default=6, help="16 racks per row, 1-64 (default 6)"
    )
    p.add_argument("--condenser", choices=["tower", "air"], default="tower")
    p.add_argument(
        "--tenants",
        type=int_in(0, 1000),
        default=0,
        metavar="N",
        help="campus: N tenants (tenant-1 ...), one per hall in turn; 0-1000 (default 0: none)",
    )
    p.add_argument("-o", "--output", default="-", help="file to write, .yaml (default: stdout)")
    p.set_defaults(func=run)


def run(args) -> int:
    t0 = time.perf_counter()
    check_output_file(args.output, "-o", (".yaml", ".yml"), stdout_ok=True)  # before any work
    if args.what == "campus":
        doc = generate.campus(
            args.it_mw,
            args.halls_per_building,
            args.rows_per_hall,
            condenser=args.condenser,
            tenants=args.tenants,
        )
    else:
        doc = generate.ai_factory_hall() if args.what == "hall" else generate.hybrid_inference()
    layout = validate_data(doc, args.output)  # never write an invalid layout
    text = generate.to_yaml(doc)
    racks = [r for h in layout.halls for r in h.racks]
    it_mw = sum(r.power_kw for r in racks) / 1000
    if args.what == "campus" and abs(it_mw - args.it_mw) > 0.25 * args.it_mw:
        hall_mw = it_mw / len(doc["halls"])
        print(
            f"twin generate: note: a campus is whole halls of {hall_mw:,.1f} MW; --it-mw "
            f"{args.it_mw:g} gives {len(doc['halls'])} hall(s), {it_mw:,.1f} MW of IT"
            + (" (fewer --rows-per-hall make smaller halls)" if args.rows_per_hall > 1 else ""),
            file=sys.stderr,
        )
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(
            f"wrote {args.output}: {len(doc['halls'])} halls, {len(racks):,} racks, "
            f"{it_mw:,.1f} MW IT ({time.perf_counter() - t0:.1f} s)",
            file=sys.stderr,
        )
    return 0
