"""`twin compare-distribution PATH --hall H [--json]`: 800 V DC against 415 V AC on a hall's
racks (`twin.scenarios.distribution`): losses stage by stage, copper per row, PUE and
tokens per MW. The AC side is the layout's own solve; the DC side a first-order model."""

from __future__ import annotations

from twin.cli.common import add_no_calibration, add_path, dumps, float_in, load_twin


def register(sub) -> None:
    p = sub.add_parser(
        "compare-distribution", help="800 V DC vs 415 V AC for a hall: losses, copper, PUE"
    )
    add_path(p)
    add_no_calibration(p)
    p.add_argument("--hall", required=True, help="hall id")
    p.add_argument(
        "--eta-rectifier",
        type=float_in(0.5, 1.0, lo_open=True),
        help="sidecar rectifier efficiency (default 0.985, est)",
    )
    p.add_argument(
        "--eta-dcdc",
        type=float_in(0.5, 1.0, lo_open=True),
        help="in-rack 800 -> 54 V DC/DC efficiency (default 0.98, est)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from twin.cli.refresh import print_distribution
    from twin.scenarios.distribution import compare_distribution

    twin = load_twin(args)
    kw = {}
    if args.eta_rectifier is not None:
        kw["eta_rectifier"] = args.eta_rectifier
    if args.eta_dcdc is not None:
        kw["eta_dcdc"] = args.eta_dcdc
    d = compare_distribution(twin, args.hall, **kw)
    if args.json:
        print(dumps(d.as_dict()))
    else:
        print_distribution(d)
    return 0
