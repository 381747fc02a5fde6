"""`twin generate campus|hall|hybrid -o FILE`: write a generated, valid layout."""

from __future__ import annotations

import sys
import time

from twin.layout import generate, validate_data


def register(sub) -> None:
    p = sub.add_parser("generate", help="write a generated layout (campus, hall, hybrid)")
    p.add_argument("what", choices=["campus", "hall", "hybrid"])
    p.add_argument("--it-mw", type=float, default=1000.0, help="campus IT load, MW (default 1000)")
    p.add_argument("--halls-per-building", type=int, default=4)
    p.add_argument("--rows-per-hall", type=int, default=6, help="16 racks per row")
    p.add_argument("--condenser", choices=["tower", "air"], default="tower")
    p.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")
    p.set_defaults(func=run)


def run(args) -> int:
    t0 = time.perf_counter()
    if args.what == "campus":
        if not 0 < args.it_mw <= 20_000:
            print("twin: --it-mw must be in (0, 20000]", file=sys.stderr)
            return 2
        doc = generate.campus(
            args.it_mw, args.halls_per_building, args.rows_per_hall, condenser=args.condenser
        )
    elif args.what == "hall":
        doc = generate.ai_factory_hall()
    else:
        doc = generate.hybrid_inference()
    validate_data(doc, args.output)  # never write an invalid layout
    text = generate.to_yaml(doc)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
        n = sum(len(h["racks"]) for h in doc["halls"])
        print(
            f"wrote {args.output}: {len(doc['halls'])} halls, {n:,} racks "
            f"({time.perf_counter() - t0:.1f} s)",
            file=sys.stderr,
        )
    return 0
