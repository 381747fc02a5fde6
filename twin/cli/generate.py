"""`twin generate campus|hall|hybrid -o FILE`: write a generated, valid layout.

The sizing options (--it-mw, --halls-per-building, --rows-per-hall, --condenser, --tenants)
are the campus's: `hall` and `hybrid` write the reference halls as they are
(layouts/ai-factory-hall.yaml and hybrid-inference.yaml, dry coolers), so an option given
with them is refused rather than ignored (audit 5 F-N: `generate hall --condenser tower`
wrote dry coolers and a WUE of 0 without a word). A campus with more tenants than halls gets
a note, as a rounded --it-mw does."""

from __future__ import annotations

import sys
import time

from twin.cli.common import UsageError, check_output_file, float_in, int_in
from twin.errors import count
from twin.layout import generate, validate_data

CAMPUS = {
    "it_mw": 1000.0,
    "halls_per_building": 4,
    "rows_per_hall": 6,
    "condenser": "tower",
    "tenants": 0,
}
"""The campus options' defaults (None on the command line: not given)."""


def register(sub) -> None:
    p = sub.add_parser("generate", help="write a generated layout (campus, hall, hybrid)")
    p.add_argument("what", choices=["campus", "hall", "hybrid"])
    p.add_argument(
        "--it-mw",
        type=float_in(0.0, lo_open=True),
        help=f"campus IT load, MW (default {CAMPUS['it_mw']:g}); whole halls, so the result is "
        "the nearest multiple of one hall; at most what the layout schema's grid connection "
        "cap allows (~14,600 MW; the exact bound is said when it is passed)",
    )
    p.add_argument(
        "--halls-per-building",
        type=int_in(1, 64),
        help=f"campus: 1-64 (default {CAMPUS['halls_per_building']})",
    )
    p.add_argument(
        "--rows-per-hall",
        type=int_in(1, 64),
        help=f"campus: 16 racks per row, 1-64 (default {CAMPUS['rows_per_hall']})",
    )
    p.add_argument(
        "--condenser",
        choices=["tower", "air"],
        help=f"campus: heat rejection, cooling towers or dry coolers (default "
        f"{CAMPUS['condenser']}; hall and hybrid have dry coolers)",
    )
    p.add_argument(
        "--tenants",
        type=int_in(0, 1000),
        metavar="N",
        help="campus: N tenants (tenant-1 ...), one per hall in turn; 0-1000 (default 0: none)",
    )
    p.add_argument("-o", "--output", default="-", help="file to write, .yaml (default: stdout)")
    p.set_defaults(func=run)


def _check_campus(args) -> None:
    """Refuse, before any work, a campus option whose layout would break a cap of the layout
    schema (`generate.campus_ranges` reads the caps there): the option, its value, the
    range allowed with the other options given."""
    bad = generate.campus_out_of_range(args.it_mw, args.halls_per_building, args.rows_per_hall)
    if not bad:
        return
    name, value, (lo, hi) = bad[0]
    hall_mw = generate.campus_hall_kw(args.rows_per_hall) / 1000.0
    rows = f"halls of --rows-per-hall {args.rows_per_hall} ({hall_mw:,.1f} MW each)"
    if name == "it_mw":
        raise UsageError(
            f"--it-mw {value:g}: out of range; allowed ({lo:g}, {hi:,.1f}] MW with {rows}: "
            "a larger campus's grid connection is above the layout schema's cap "
            "(power.utilities[].capacity_mva, site.grid_mw)"
        )
    raise UsageError(
        f"--halls-per-building {value:g}: out of range; allowed {lo:g}-{hi:g} with {rows}: "
        "a larger building's generators, HV transformers and MV boards are above the layout "
        "schema's rating_kva cap"
    )


def run(args) -> int:
    t0 = time.perf_counter()
    check_output_file(args.output, "-o", (".yaml", ".yml"), stdout_ok=True)  # before any work
    given = [k for k in CAMPUS if getattr(args, k) is not None]
    if args.what != "campus" and given:
        flags = ", ".join("--" + k.replace("_", "-") for k in given)
        raise UsageError(
            f"{flags} {'is' if len(given) == 1 else 'are'} only for `generate campus`; `generate "
            f"{args.what}` writes the reference {'hall' if args.what == 'hall' else 'hybrid hall'}"
            " as it is (dry coolers"
            + (
                ", two tenants: gpu-cloud and npu-serving"
                if args.what == "hybrid"
                else ", no tenants"
            )
            + "). For one hall of your own: twin generate campus --it-mw 13 (one hall of 96 "
            "NVL72 racks) with the options you need"
        )
    for k, v in CAMPUS.items():
        if getattr(args, k) is None:
            setattr(args, k, v)
    if args.what == "campus":
        _check_campus(args)
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
            f"{args.it_mw:g} gives {count(len(doc['halls']), 'hall')}, {it_mw:,.1f} MW of IT"
            + (" (fewer --rows-per-hall make smaller halls)" if args.rows_per_hall > 1 else ""),
            file=sys.stderr,
        )
    if args.what == "campus" and args.tenants > len(doc["halls"]):
        print(
            f"twin generate: note: --tenants {args.tenants} > {count(len(doc['halls']), 'hall')}: "
            f"{len(doc['halls'])} tenant(s) written, one per hall",
            file=sys.stderr,
        )
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text)
        print(
            f"wrote {args.output}: {count(len(doc['halls']), 'hall')}, {count(len(racks), 'rack')}, "
            f"{it_mw:,.1f} MW IT ({time.perf_counter() - t0:.1f} s)",
            file=sys.stderr,
        )
    return 0
