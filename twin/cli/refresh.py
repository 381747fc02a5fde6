"""`twin refresh PATH --from GEN --to GEN [--rows R1,R2] [--halls H1] [--json] [-o NEW.yaml]`:
swap racks of one generation for another, solve, say what breaks first and what to add
(`twin.scenarios.refresh`). `--dc800` adds, per hall refreshed, 800 V DC against 415 V AC
on the refreshed racks (`twin.scenarios.distribution`). `twin refresh --list` prints the
rack generation catalogue with its sources.

Exit codes: 0 nothing breaks, 2 bad input, `BREAKS` (3) when a limit breaks (the first
one is named on stderr) or the refreshed solve reports a violation; `-o` writes the
refreshed layout either way.
"""

from __future__ import annotations

import math
import sys

from twin.cli.common import (
    UsageError,
    add_force,
    add_no_calibration,
    check_not_input,
    check_output_file,
    dumps,
    int_in,
    load_twin,
    save_derived,
)

BREAKS = 3
"""Exit code when the refreshed layout breaks a limit (1 is a bug, 2 bad input)."""


def register(sub) -> None:
    p = sub.add_parser(
        "refresh", help="swap racks for another generation: what breaks first, what to add"
    )
    # PATH is optional only for --list (the built-in catalogue)
    p.add_argument("path", metavar="PATH", nargs="?", help="layout file (.yaml or .json)")
    add_no_calibration(p)
    p.add_argument("--from", dest="from_gen", metavar="GEN", help="generation now in the racks")
    p.add_argument("--to", dest="to_gen", metavar="GEN", help="generation they become")
    p.add_argument("--rows", help="only these rows, comma separated (default: every row)")
    p.add_argument("--halls", help="only these halls, comma separated (default: every hall)")
    p.add_argument("--top", type=int_in(1), default=12, help="broken limits shown (default 12)")
    p.add_argument("--dc800", action="store_true", help="800 V DC vs 415 V AC per hall refreshed")
    p.add_argument("--list", action="store_true", help="print the rack generation catalogue")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("-o", "--output", help="write the refreshed layout (.yaml/.yml)")
    add_force(p)
    p.set_defaults(func=run)


def _ids(text: str | None, flag: str) -> list[str] | None:
    if text is None:
        return None
    ids = [x.strip() for x in text.split(",") if x.strip()]
    if not ids:
        raise UsageError(f"{flag}: give one or more ids, comma separated")
    return ids


def _m(x: float) -> str:
    return f"{x / 1e6:,.1f} M"


def _print_catalogue(frame) -> None:
    from twin.metrics.generations import SOURCE_SEP

    print("Rack generations (twin.layout.generations; [est] = estimate, see sources):")
    for name, g in frame.iterrows():
        est = "  USER ESTIMATE" if g["user_estimate"] else ""
        print(
            f"  {name:<20} {g['power_kw']:>5,.0f} kW  liquid {g['liquid_fraction']:.0%}  "
            f"{g['weight_kg']:>5,.0f} kg  {_m(g['tokens_s'])} tokens/s  "
            f"capex {_m(g['capex_usd'])} USD{est}"
        )
        for part in g["sources"].split(SOURCE_SEP):
            print(f"      {part}")


def _alike(limits) -> list[tuple[list[str], object]]:
    """Consecutive limits of the same kind at the same utilisation, as (names, first row):
    twelve UPS at 151 % in failover read as one line."""
    groups: list[tuple[list[str], object]] = []
    for name, row in limits.iterrows():
        kind = name.split(" ")[0] + (" in failover" if name.endswith(" in failover") else "")
        if groups:
            names, first = groups[-1]
            k0 = names[0].split(" ")[0] + (" in failover" if names[0].endswith("failover") else "")
            if k0 == kind and abs(first["utilisation_after"] - row["utilisation_after"]) < 1e-9:
                names.append(name)
                continue
        groups.append(([name], row))
    return groups


def _short(names: list[str], first: str, n: int = 3) -> str:
    """The part of each name that differs from `first` (the component or group id)."""
    ref = first.split(" ")
    ids = []
    for x in names:
        words = x.split(" ")
        diff = [w for i, w in enumerate(words) if i >= len(ref) or w != ref[i]]
        ids.append(diff[0] if len(diff) == 1 else x)
    return ", ".join(ids[:n]) + (f", ... {len(ids) - n} more" if len(ids) > n else "")


def _print(r, top: int) -> None:
    import pandas as pd

    b, a = r.before, r.after
    print(
        f"Refresh: {len(r.racks)} racks {r.from_gen} -> {r.to_gen}; IT {b['it_kw']:,.0f} -> "
        f"{a['it_kw']:,.0f} kW, facility {b['facility_kw']:,.0f} -> {a['facility_kw']:,.0f} kW "
        "(coupled solves before and after)"
    )
    print(r.failover_note)
    limits = r.broken[r.broken["kind"] == "limit"]
    if r.first_break:
        u = r.table.loc[r.first_break]
        print(
            f"First break: {r.first_break} at {u['utilisation_after']:.1%} "
            f"(was {u['utilisation_before']:.1%})"
        )
        groups = _alike(limits)
        print(
            f"Broken limits ({len(limits)}; {len(groups)} distinct), most loaded first, and "
            "what to add:"
        )
        for names, row in groups[:top]:
            more = (
                f" (and {len(names) - 1} alike: {_short(names[1:], names[0])})"
                if len(names) > 1
                else ""
            )
            print(f"  {row['utilisation_after']:>7.1%}  {names[0]}: {row['add']}{more}")
        if len(groups) > top:
            print(f"  ... and {len(groups) - top} more (--top N, or --json for all)")
    else:
        name = r.table.index[0]
        head = "No limit breaks" if len(r.broken) else "Nothing breaks"
        print(f"{head}; most loaded: {name} at {r.table.iloc[0]['utilisation_after']:.1%}")
    cons = r.broken[r.broken["kind"] == "violation"]
    if len(cons):
        kinds = pd.Series(
            [
                "single failures (N-1) inheriting them"
                if n.startswith("N-1 (")
                else n.split(" ")[0]
                for n in cons.index
            ]
        ).value_counts()
        print(
            f"Consequences in the refreshed solve ({len(cons)}): "
            + ", ".join(f"{n} {k}" for k, n in kinds.items())
            + f"; racks throttled {a['racks_throttled']:.0f}, tripped {a['racks_shutdown']:.0f}"
        )
    risk = (
        f" ({_m(a['tokens_s_at_risk'])} from racks over their limits)"
        if a["tokens_s_at_risk"]
        else ""
    )
    print(
        f"Tokens: {_m(b['tokens_s'])} -> {_m(a['tokens_s'])} tokens/s "
        f"(+{_m(r.tokens_gained_s)}){risk}"
    )
    print(
        f"Cost: capex {_m(r.capex_usd)} USD for {len(r.racks)} racks; energy "
        f"{_m(b['energy_usd_per_year'])} -> {_m(a['energy_usd_per_year'])} USD/year; "
        f"USD per million tokens {b['usd_per_mtok']:.4f} -> {a['usd_per_mtok']:.4f}"
    )


def print_distribution(d) -> None:
    """Human text of a `twin.scenarios.distribution.Distribution` (also `compare-distribution`)."""
    c, s = d.chains, d.assumptions
    note = ""
    if s["heat_unremoved_kw"] > 0:
        note += (
            f" [the solve leaves {s['heat_unremoved_kw']:,.0f} kW unremoved: cooling understated]"
        )
    if s["untrusted"]:
        note += f" [the solve is not trustworthy: {', '.join(s['untrusted'])}]"
    ac, dc = c["ac_415v"], c["dc_800v"]
    if not ac["rack_input_kw"] > 0:
        note += " [no IT in the hall: the DC chain's losses are n/a (its model has no idle loss)]"
    print(
        f"Hall {d.hall}: 415 V AC (solved) vs 800 V DC (first order: sidecar power rack per "
        f"row, DC busway){note}"
    )
    print(f"  {'':<26}{'415 V AC':>12}{'800 V DC':>12}{'DC - AC':>12}")
    lines = (
        ("rack input (kW)", "rack_input_kw", "{:,.0f}"),
        ("losses: in the rack (kW)", "loss_rack_conversion_kw", "{:,.0f}"),
        ("  row distribution (kW)", "loss_distribution_kw", "{:,.0f}"),
        ("  UPS / sidecar (kW)", "loss_conversion_kw", "{:,.0f}"),
        ("  upstream share (kW)", "loss_upstream_kw", "{:,.0f}"),
        ("chain efficiency", "chain_efficiency", "{:.2%}"),
        ("facility (kW)", "facility_kw", "{:,.0f}"),
        ("PUE", "pue", "{:.3f}"),
        ("tokens/s per MW facility", "tokens_s_per_mw_facility", "{:,.0f}"),
    )

    def cell(f: str, x: float) -> str:
        return f.format(x) if math.isfinite(x) else "n/a"  # never 'nan' on a screen

    for label, key, f in lines:
        print(f"  {label:<26}{cell(f, ac[key]):>12}{cell(f, dc[key]):>12}"
              f"{cell(f, dc[key] - ac[key]):>12}")  # fmt: skip
    r = d.rows
    print(
        f"  copper per row and feed at {s['j_a_mm2']:g} A/mm2: AC {r['copper_ac_kg'].mean():,.0f} "
        f"kg ({r['copper_ac_mm2'].mean():,.0f} mm2 x 3), DC {r['copper_dc_kg'].mean():,.0f} kg "
        f"({r['copper_dc_mm2'].mean():,.0f} mm2 x 2): ratio {s['copper_ratio']:.3f} at equal "
        f"power; {s['sidecars']} sidecar(s) of {r['sidecar_kw'].max():,.0f} kW"
    )


def run(args) -> int:
    from twin.model import Twin
    from twin.scenarios.distribution import compare_distribution
    from twin.scenarios.refresh import refresh

    if args.list:
        from twin.metrics.generations import generations

        frame = generations(Twin.load(args.path).layout if args.path else None)
        if args.json:
            print(dumps(frame.reset_index().to_dict(orient="records")))
        else:
            _print_catalogue(frame)
        return 0
    if not args.path:
        raise UsageError("the layout PATH is missing; e.g. twin refresh layouts/ai-factory-hall"
                         ".yaml --from gb200-nvl72 --to vr-nvl144")  # fmt: skip
    if not args.from_gen or not args.to_gen:
        raise UsageError("give --from GEN and --to GEN (twin refresh PATH --list shows them)")
    check_output_file(args.output, "--output", (".yaml", ".yml"))
    check_not_input(args.output, args.path, "--output", args.force)
    rows, halls = _ids(args.rows, "--rows"), _ids(args.halls, "--halls")
    twin = load_twin(args)
    r = refresh(twin, args.from_gen, args.to_gen, rows=rows, halls=halls)
    written = save_derived(r.layout, twin.layout, args.output, "refresh") if args.output else None
    dists = []
    if args.dc800:
        tw1 = Twin.from_layout(r.layout)
        for hall in sorted(set(tw1.racks.loc[r.racks, "hall"])):
            dists.append(compare_distribution(tw1, hall, r.results))
    if args.json:
        table = r.table.reset_index().to_dict(orient="records")
        out = {**r.as_dict(), "racks": r.racks, "constraints": table, "written": written}
        if dists:
            out["distribution"] = [d.as_dict() for d in dists]
        print(dumps(out))
    else:
        _print(r, args.top)
        for d in dists:
            print_distribution(d)
        if written:
            print(f"wrote {written}")
    if r.first_break:
        u = r.table.at[r.first_break, "utilisation_after"]
        print(f"twin refresh: first break {r.first_break} at {u:.1%}", file=sys.stderr)
        return BREAKS
    if len(r.broken):  # no limit, but the solve reports violations (heat, voltage, ...)
        print(
            f"twin refresh: the refreshed solve reports {r.after['violations']:.0f} violation(s)",
            file=sys.stderr,
        )
        return BREAKS
    return 0
