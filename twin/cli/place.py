"""`twin place PATH --profile P --count N [--verify K] [--json] [--apply RANK -o OUT]`:
where N more racks of profile P fit (`twin.scenarios.placement`).

Candidates are free slots in existing rows and new rows in existing halls; the
best `--verify` by a linear screen are solved in full (`twin.solve.run`) and
only those can be feasible. `--apply RANK -o OUT.yaml` writes the layout with
that (verified) candidate added. Exit codes: 0 a feasible placement exists, 2
bad input, `NOTHING_FITS` (3) when no verified candidate is feasible (no broken limit, no rack throttled or tripped)
(the message names the constraint that stops the best one).
"""

from __future__ import annotations

import math
import sys

from twin.cli.common import (
    UsageError,
    add_force,
    add_no_calibration,
    add_path,
    check_not_input,
    check_output_file,
    dumps,
    int_in,
    load_twin,
    save_derived,
)

NOTHING_FITS = 3
"""Exit code when no verified placement is feasible (1 is a bug, 2 bad input)."""


def register(sub) -> None:
    p = sub.add_parser("place", help="find where N more racks of a profile fit, verified by solves")
    add_path(p)
    add_no_calibration(p)
    p.add_argument("--profile", required=True, help="rack profile (the layout's or built-in)")
    p.add_argument("--count", required=True, type=int, help="racks to place, >= 1")
    p.add_argument(
        "--verify",
        type=int_in(0, 100),
        default=3,
        help="candidates solved in full, 0-100 (default 3): the best the screen finds with "
        "no broken limit (if none, the best one)",
    )
    p.add_argument("--top", type=int_in(1), default=10, help="candidates shown (default 10)")
    p.add_argument(
        "--no-stranded", action="store_true", help="skip the stranded capacity after placement"
    )
    how = p.add_mutually_exclusive_group()
    how.add_argument(
        "--stranded-search",
        action="store_true",
        help="stranded capacity from twin.metrics.stranded (a headroom search per hall of "
        "each verified candidate; the default where single failures are solved too)",
    )
    how.add_argument(
        "--stranded-estimate",
        action="store_true",
        help="stranded capacity from the two-solve estimate along the placement (the "
        "default on sites too large for the search; can differ from it several times over)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--apply", type=int_in(1), metavar="RANK", help="write candidate RANK")
    p.add_argument("-o", "--output", help="layout file --apply writes (.yaml/.yml)")
    add_force(p)
    p.set_defaults(func=run)


def _kw(x) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:,.0f} kW"


def _short(text: str, width: int = 90) -> str:
    """`text` cut at a comma near `width`, saying how many items were left out."""
    if len(text) <= width:
        return text
    items = text.split(", ")
    keep, n = [], 0
    for item in items:
        if n + len(item) > width and keep:
            break
        keep.append(item)
        n += len(item) + 2
    return ", ".join(keep) + f", ... ({len(items) - len(keep)} more)"


def _stranded_text(r, how) -> str:
    """'stranded after ...' for a verified row: the search's numbers (`twin info --stranded`
    on the placed layout), or the two-solve estimate, labelled, and 'not settled' where it
    cannot tell which side runs out first (`twin.scenarios.placement._stranded_estimate`);
    a candidate past a limit is not searched (nothing is stranded there)."""
    if not how:
        return "stranded after: not computed (--no-stranded)"
    sp, sc = r["stranded_power_kw"], r["stranded_cooling_kw"]
    if how != "estimate" and not r["feasible"]:
        return "stranded after: none, past a limit (not searched)"
    if how != "estimate":
        return f"stranded after: power {_kw(sp)}, cooling {_kw(sc)}"
    if isinstance(sp, float) and math.isnan(sp):
        return (
            "stranded after (estimate): not settled, power and cooling run out about "
            "together (--stranded-search finds it)"
        )
    return (
        f"stranded after (estimate along this placement; --stranded-search finds it): "
        f"power {_kw(sp)}, cooling {_kw(sc)}"
    )


def _print(p, top: int) -> None:
    each = p.kw_added / p.count
    print(
        f"Placing {p.count} x {p.profile} ({each:,.0f} kW each, {p.kw_added:,.0f} kW IT): "
        f"{len(p.table)} candidate(s), {int(p.table['verified'].sum())} verified by coupled "
        f"solves, {len(p.feasible)} feasible ({p.seconds:.1f} s)"
    )
    for rank, r in p.table.head(top).iterrows():
        state = (
            "feasible"
            if r["feasible"]
            else ("NOT feasible" if r["verified"] else "screened only (not verified)")
        )
        print(
            f"  {rank}. {_short('hall ' + r['hall'])}, {r['kind']}: {_short(r['slots'])}  [{state}]"
        )
        u = r["binding_utilisation"]
        bind = f"{r['binding_constraint']} at {u:.1%}" if r["binding_constraint"] else "none"
        print(f"     binding: {bind}; A/B feed imbalance {r['feed_imbalance_pp']:.2f} pp")
        if r["verified"]:
            print(
                f"     broken limits {int(r['broken_limits'])} (N+1, failover and N-1 included), "
                "racks throttled "
                f"{int(r['racks_throttled'])}, tripped {int(r['racks_tripped'])}; "
                + _stranded_text(r, p.stranded)
            )
        if r["problem"]:
            print(f"     problem: {r['problem']}")
    for hall, why in list(p.skipped.items())[:5]:
        where = hall if hall == "spread over halls" else f"hall {hall}"
        print(f"  {where}: no candidate ({why})")
    if len(p.skipped) > 5:
        print(f"  ... and {len(p.skipped) - 5} more halls with no candidate")


def run(args) -> int:
    from twin.errors import ScenarioError
    from twin.scenarios.placement import nothing_fits, place

    if args.count < 1:
        raise ScenarioError(f"--count must be at least 1; got {args.count}")
    if args.apply is not None and not args.output:
        raise UsageError("--apply needs -o/--output FILE.yaml")
    if args.output and args.apply is None:
        raise UsageError("-o/--output needs --apply RANK")
    check_output_file(args.output, "--output", (".yaml", ".yml"))
    check_not_input(args.output, args.path, "--output", args.force)
    twin = load_twin(args)
    how = "search" if args.stranded_search else ("estimate" if args.stranded_estimate else "auto")
    how = False if args.no_stranded else how
    p = place(twin, args.profile, args.count, verify=args.verify, stranded=how)
    written = None
    if args.apply is not None:
        if args.apply > len(p.table):
            raise UsageError(f"--apply {args.apply}: there are {len(p.table)} candidate(s)")
        if not p.table.at[args.apply, "verified"]:
            raise UsageError(
                f"--apply {args.apply}: that candidate was not verified by a solve; "
                f"use --verify {args.apply} or more"
            )
        written = save_derived(p.apply(args.apply), twin.layout, args.output, "place")
    if args.json:
        table = p.table.reset_index().to_dict(orient="records")
        print(
            dumps(
                {
                    "profile": p.profile,
                    "count": p.count,
                    "kw_added": p.kw_added,
                    "candidates": table,
                    "skipped_halls": p.skipped,
                    # how stranded_*_kw were found: "estimate" (two solves; null where not
                    # settled), "search" (twin info --stranded's numbers) or false
                    "stranded": p.stranded,
                    "solves": p.solves,
                    "seconds": p.seconds,
                    "written": written,
                }
            )
        )
    else:
        _print(p, args.top)
        if written:
            print(f"wrote {written} (candidate {args.apply})")
    if not len(p.feasible):
        print(f"twin place: {nothing_fits(p)}", file=sys.stderr)
        return NOTHING_FITS
    if written and not p.table.at[args.apply, "feasible"]:
        print(
            f"twin place: candidate {args.apply} is not feasible (written anyway)", file=sys.stderr
        )
    return 0
