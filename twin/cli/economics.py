"""`twin economics PATH [--json] [--npu-share x] [--power-cap-kw y] [--optimise [cap|mix]]`.

Tokens/s, tokens per MW, J/token and USD per million tokens of a layout from
the coupled solve, optionally after a GPU->NPU swap and a rack power cap, and
the most tokens under the grid connection. `--csv`/`--plot` write the curve.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import pandas as pd

from twin.cli.common import (
    add_no_calibration,
    add_path,
    check_output_file,
    dumps,
    finite,
    int_in,
    load_twin,
    violation_records,
)
from twin.metrics import whatif
from twin.metrics.catalogue import catalogue
from twin.metrics.economics import by_accelerator, economics
from twin.model import Twin
from twin.solve import run
from twin.solve.results import LAST_ITERATE, not_an_answer_lines


def register(sub) -> None:
    p = sub.add_parser("economics", help="tokens per MW and cost per million tokens; what-ifs")
    add_path(p)
    add_no_calibration(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--npu-share", type=finite, default=0.0, help="share of GPU racks made NPU, 0-1")
    p.add_argument("--budget", choices=["floor", "power"], default="floor", help="NPU swap rule")
    p.add_argument(
        "--gpu", default=whatif.GPU, help=f"accelerator swapped out (default {whatif.GPU})"
    )
    p.add_argument(
        "--npu", default=whatif.NPU, help=f"accelerator swapped in (default {whatif.NPU})"
    )
    p.add_argument(
        "--power-cap-kw",
        type=finite,
        default=None,
        help=f"cap every rack at this kW, 0-{MAX_CAP_KW:g}",
    )
    p.add_argument(
        "--grid-mw",
        type=finite,
        default=None,
        help=f"override site.grid_mw, in (0, {MAX_GRID_MW:g}]",
    )
    p.add_argument(
        "--optimise",
        nargs="?",
        const="cap",
        choices=["cap", "mix"],
        help="most tokens under the grid: over the rack cap (default) or the NPU share",
    )
    p.add_argument(
        "--grid-only",
        action="store_true",
        help="optimum checks the grid only, not the solve's other violations",
    )
    p.add_argument(
        "--weather",
        metavar="W",
        help="price energy at the annual PUE over a weather year: EPW/TMY3 file or "
        "'pvlib:723170TYA'; 'layout' = the layout's weather_file (the optimum stays at design)",
    )
    p.add_argument(
        "--points",
        type=int_in(-(2**31)),
        default=11,
        help=f"points in the curve, 2-{MAX_POINTS} (default 11)",
    )
    p.add_argument(
        "--csv", metavar="FILE", help="write the curve (plot-ready table) as CSV (with --optimise)"
    )
    p.add_argument("--plot", metavar="FILE", help="write the curve as a PNG (with --optimise)")
    p.set_defaults(func=run_cli)


MAX_CAP_KW = 10_000.0
"""Far above any rack (an NVL72 is ~132 kW); a cap above a rack's power changes nothing."""
MAX_GRID_MW = 100_000.0
"""100 GW: far above any site, so a typo is caught [est]."""
MAX_POINTS = 1000


def _bad(msg: str) -> int:
    print(f"twin economics: {msg}", file=sys.stderr)
    return 2


def _weather_problem(weather: str | None, twin: Twin) -> str | None:
    """Why `--weather` cannot be read, or None; checked before any solve."""
    if weather is None:
        return None
    if weather == "layout":
        return None if twin.layout.site.weather_file else "the layout has no site.weather_file"
    if weather.startswith("pvlib:"):
        import pvlib

        data = Path(pvlib.__file__).parent / "data"
        names = sorted(p.stem for p in data.iterdir())
        name = weather[len("pvlib:") :]
        if name.upper() in {n.upper() for n in names}:
            return None
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"; did you mean {' or '.join('pvlib:' + c for c in close)}?" if close else ""
        return f"pvlib ships no weather file named {name!r}{hint}"
    if not Path(weather).is_file():
        return "no such file (give an EPW/TMY3 file, 'pvlib:NAME' or 'layout')"
    return None


def run_cli(args) -> int:
    if not 0.0 <= args.npu_share <= 1.0:
        return _bad("--npu-share must be in [0, 1]")
    if args.power_cap_kw is not None and not 0 <= args.power_cap_kw <= MAX_CAP_KW:
        return _bad(f"--power-cap-kw must be in [0, {MAX_CAP_KW:g}]")
    if args.grid_mw is not None and not 0 < args.grid_mw <= MAX_GRID_MW:
        return _bad(f"--grid-mw must be in (0, {MAX_GRID_MW:g}]")
    if not 2 <= args.points <= MAX_POINTS:
        return _bad(f"--points must be in [2, {MAX_POINTS}]")
    if (args.csv or args.plot) and not args.optimise:
        return _bad("--csv and --plot write the curve of --optimise; add --optimise [cap|mix]")
    check_output_file(args.csv, "--csv", (".csv",))  # before any work
    check_output_file(args.plot, "--plot", (".png",))
    twin = load_twin(args)
    problem = _weather_problem(args.weather, twin)
    if problem:
        return _bad(f"--weather {args.weather}: {problem}")
    if args.grid_mw is not None:
        twin = whatif.with_grid_mw(twin, args.grid_mw)
    known = catalogue(twin.layout)
    for flag, name in (("--gpu", args.gpu), ("--npu", args.npu)):
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=2)
            hint = f"did you mean {' or '.join(close)}? " if close else ""
            return _bad(f"{flag} {name!r} is not in the catalogue; {hint}({', '.join(known)})")
    if args.npu_share or args.optimise == "mix":
        try:
            whatif.with_npu_share(twin, 1.0, budget=args.budget, gpu=args.gpu, npu=args.npu)
        except ValueError as exc:
            return _bad(str(exc))
    if args.npu_share:
        twin = whatif.with_npu_share(
            twin, args.npu_share, budget=args.budget, gpu=args.gpu, npu=args.npu
        )
    scenario = whatif.cap_scenario(twin, args.power_cap_kw)
    res = run(twin, scenario)
    annual_pue = None
    if args.weather:
        from twin.metrics.pue import annual

        weather = None if args.weather == "layout" else args.weather
        try:
            annual_pue = annual(twin, scenario, weather).pue
        except (OSError, ValueError, KeyError) as exc:
            why = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return _bad(f"--weather {args.weather}: cannot read it as a weather year ({why})")
    out = {
        "name": twin.name,
        "file": args.path,
        "npu_share": args.npu_share,
        "budget": args.budget,
        "power_cap_kw": args.power_cap_kw,
        "economics": economics(twin, res, annual_pue=annual_pue),
        "by_accelerator": by_accelerator(twin, res).to_dict(orient="index"),
        "violations": len(res.violations),
        # said before the figures, as `twin solve` says it: a solve that is not a solution
        "not_an_answer": not_an_answer_lines(res.violations),
        # the what-if's own violations, most serious first: `twin solve` cannot run this
        # scenario, so pointing there led nowhere
        "violation_rows": _violation_rows(res.violations),
        "racks_shutdown": int(res.kpis.get("racks_shutdown", 0)),
        "it_shutdown_kw": float(res.kpis.get("it_shutdown_kw", 0.0)),
        # racks over their allowable inlet draw and count at full rate: throttled throughput
        # is not estimated, so the tokens are an upper bound (the text says so)
        "racks_throttled": int(res.kpis.get("racks_throttled", 0)),
        "it_throttled_kw": float(res.kpis.get("it_throttled_kw", 0.0)),
        "user_estimates": sorted(
            k
            for k, a in catalogue(twin.layout).items()
            if a.user_estimate and k in set(twin.racks["accelerator"])
        ),
    }
    curve = None
    if args.optimise == "cap":
        best, curve = whatif.best_cap_under_grid(
            twin, n_curve=args.points, strict=not args.grid_only
        )
        out["optimum"] = best
    elif args.optimise == "mix":
        shares = [i / (args.points - 1) for i in range(args.points)]
        best, curve = whatif.best_mix_under_grid(
            twin, shares, budget=args.budget, strict=not args.grid_only, gpu=args.gpu, npu=args.npu
        )
        out["optimum"] = best
    if curve is not None:
        out["curve"] = curve.to_dict(orient="records")
        if args.csv:
            curve.to_csv(args.csv, index=False)
        if args.plot:
            plot_curve(curve, args.plot, twin.layout.site.grid_mw, best)
    if args.json:
        print(dumps(out))
    else:
        _print(out)
    return 0


SHOWN = 5
"""Violations printed in the text output (most serious first); --json has them all."""


def _violation_rows(v: pd.DataFrame) -> list[dict]:
    """The violations as JSON-safe rows, most serious first (`VIOLATION_KINDS`)."""
    from twin.solve.results import by_severity

    return violation_records(by_severity(v))


def _f(x, spec: str, scale: float = 1.0) -> str:
    """`x / scale` formatted with `spec`; "n/a" for None/NaN (PUE with no IT load, ...)."""
    if x is None or pd.isna(x):
        return "n/a"
    return format(x / scale, spec)


def _mw(kw) -> str:
    mw = kw / 1000
    return f"{mw:,.1f}" if abs(mw) >= 0.1 or mw == 0 else f"{mw:.3g}"


def _print(o: dict) -> None:
    e = o["economics"]
    m = 1e6
    print(f"{o['name']}  ({o['file']})")
    what = [f"NPU share {o['npu_share']:.2f} ({o['budget']} budget)"] if o["npu_share"] else []
    if o["power_cap_kw"] is not None:
        what.append(f"rack cap {o['power_cap_kw']:g} kW")
    print(f"  scenario        {', '.join(what) or 'as laid out'}")
    for line in o.get("not_an_answer", []):  # every figure below is the last iterate
        print(f"  {line}")
    print(f"  tokens/s        {e['tokens_s'] / m:,.2f} M")
    for acc, r in o["by_accelerator"].items():
        mark = "  [user estimate]" if acc in o["user_estimates"] else ""
        print(
            f"    {acc or '(none)':<14}{int(r['racks']):>6} racks {r['p_kw'] / 1000:>9,.2f} MW "
            f"{r['tokens_s'] / m:>10,.2f} M tokens/s{mark}"
        )
    print(
        f"  power           IT {e['it_kw'] / 1000:,.2f} MW, facility {e['facility_kw'] / 1000:,.2f} MW "
        f"(PUE {_f(e['pue'], '.3f')}), grid {_mw(e['grid_kw'])} MW"
        + ("  OVER THE GRID" if e["facility_kw"] > e["grid_kw"] else "")
        + (f"  {LAST_ITERATE}" if o.get("not_an_answer") else "")
    )
    # shown whatever the racks run: it was printed with the token figures only, so --weather
    # on a room without accelerator racks gave no annual PUE (`twin solve --annual` did)
    if e.get("annual_pue") is not None and not pd.isna(e["annual_pue"]):
        priced = " (prices the energy below)" if e["tokens_s"] > 0 else ""
        print(f"  annual PUE      {e['annual_pue']:.3f} over the weather year{priced}")
    if not e["tokens_s"] > 0:
        if o["racks_shutdown"]:
            print(
                f"  no tokens       {o['racks_shutdown']:,} racks ({o['it_shutdown_kw'] / 1000:,.2f}"
                " MW of IT) shut down by heat: the cooling cannot hold this scenario"
            )
        elif any(acc for acc in o["by_accelerator"]):
            print("  no tokens       the accelerator racks draw no power in this scenario")
        else:
            print(
                "  no tokens       no rack runs an accelerator from the catalogue "
                "(see 'accelerators:')"
            )
    else:
        print(
            f"  tokens/s per MW {_f(e['tokens_s_per_mw_it'], ',.2f', m)} M of IT, "
            f"{_f(e['tokens_s_per_mw_facility'], ',.2f', m)} M of facility"
        )
        print(
            f"  energy/token    {_f(e['j_per_token_it'], '.3f')} J (IT), "
            f"{_f(e['j_per_token_facility'], '.3f')} J (facility)"
        )
        print(
            f"  cost            {_f(e['usd_per_mtok'], '.4f')} USD per million tokens "
            f"(energy {_f(e['energy_usd_per_mtok'], '.4f')}); "
            f"{_f(e['cost_usd_per_year'], ',.1f', m)} M USD/year"
        )
    if o["racks_throttled"] and e["tokens_s"] > 0:
        print(
            f"  CAUTION         {o['racks_throttled']} racks ({o['it_throttled_kw']:,.0f} kW of IT) "
            "run over their allowable inlet and are counted at full throughput (throttled "
            "throughput is not estimated): tokens are an upper bound, cost per token a lower one"
        )
    rows = o["violation_rows"]
    if rows:
        from twin.cli.labels import kind

        kinds = pd.Series([r["kind"] for r in rows]).value_counts(sort=False)
        said = ", ".join(f"{kind(k)} {n:,}" for k, n in kinds.items())
        print(f"  violations      {len(rows):,}: {said}")
        for r in rows[:SHOWN]:
            print(f"    {kind(r['kind']):<18}{r['component']:<14}{r['message']}")
        if len(rows) > SHOWN:
            print(f"    ... and {len(rows) - SHOWN:,} more (--json lists them all)")
    if "optimum" in o:
        b = o["optimum"]
        if not b.get("feasible", True):
            print("  optimum         none: no feasible point even with racks at 0 kW")
            return
        parts = []
        if "npu_share" in b:
            parts.append(f"NPU share {b['npu_share']:.2f} ({int(b['npu_racks'])} NPU racks in all)")
        cap = b.get("cap_kw")
        parts.append("no cap" if cap is None or pd.isna(cap) else f"rack cap {cap:,.1f} kW")
        print(
            f"  optimum         {', '.join(parts)}: {b['tokens_s'] / m:,.2f} M tokens/s at "
            f"{b['facility_kw'] / 1000:,.2f} MW facility <= grid {_mw(b['grid_kw'])} MW"
        )


def plot_curve(curve: pd.DataFrame, path: str, grid_mw: float, best: dict | None = None) -> None:
    """Tokens/s and facility MW against the swept variable, with the grid line and the optimum."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = "npu_share" if "npu_share" in curve else "cap_kw"
    c = curve.sort_values(x)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(c[x], c["tokens_s"] / 1e6, "o-", color="tab:blue", label="tokens/s (M)")
    ax.set_xlabel({"cap_kw": "rack power cap, kW", "npu_share": "NPU share of GPU racks"}[x])
    ax.set_ylabel("tokens/s, millions", color="tab:blue")
    ax2 = ax.twinx()
    ax2.plot(c[x], c["facility_kw"] / 1000, "s--", color="tab:red", label="facility MW")
    ax2.axhline(grid_mw, color="k", lw=1, ls=":", label="grid connection")
    ax2.set_ylabel("facility power, MW", color="tab:red")
    if best and best.get(x) is not None and not pd.isna(best.get(x)):
        ax.axvline(best[x], color="tab:green", lw=1, label="optimum")
    ax2.legend(loc="lower right")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
