"""`twin economics PATH [--json] [--npu-share x] [--power-cap-kw y] [--optimise [cap|mix]]`.

Tokens/s, tokens per MW, J/token and USD per million tokens of a layout from
the coupled solve, optionally after a GPU->NPU swap and a rack power cap, and
the most tokens under the grid connection. `--csv`/`--plot` write the curve.
"""

from __future__ import annotations

import json
import math
import sys

import pandas as pd

from twin.metrics import whatif
from twin.metrics.catalogue import catalogue
from twin.metrics.economics import by_accelerator, economics
from twin.model import Twin
from twin.solve import run


def register(sub) -> None:
    p = sub.add_parser("economics", help="tokens per MW and cost per million tokens; what-ifs")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--npu-share", type=float, default=0.0, help="share of GPU racks made NPU, 0-1")
    p.add_argument("--budget", choices=["floor", "power"], default="floor", help="NPU swap rule")
    p.add_argument(
        "--gpu", default=whatif.GPU, help=f"accelerator swapped out (default {whatif.GPU})"
    )
    p.add_argument(
        "--npu", default=whatif.NPU, help=f"accelerator swapped in (default {whatif.NPU})"
    )
    p.add_argument("--power-cap-kw", type=float, default=None, help="cap every rack at this kW")
    p.add_argument("--grid-mw", type=float, default=None, help="override site.grid_mw")
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
    p.add_argument("--points", type=int, default=11, help="points in the curve (default 11)")
    p.add_argument("--csv", metavar="FILE", help="write the curve (plot-ready table) as CSV")
    p.add_argument("--plot", metavar="FILE", help="write the curve as a PNG")
    p.set_defaults(func=run_cli)


def _bad(msg: str) -> int:
    print(f"twin economics: {msg}", file=sys.stderr)
    return 2


def _clean(obj):
    """JSON-safe: NaN/inf -> null, numpy scalars -> Python."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item"):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def run_cli(args) -> int:
    if not 0.0 <= args.npu_share <= 1.0:
        return _bad("--npu-share must be in [0, 1]")
    if args.power_cap_kw is not None and not args.power_cap_kw >= 0:
        return _bad("--power-cap-kw must be >= 0")
    if args.grid_mw is not None and not args.grid_mw > 0:
        return _bad("--grid-mw must be > 0")
    if not 2 <= args.points <= 1000:
        return _bad("--points must be in [2, 1000]")
    twin = Twin.load(args.path)
    if args.grid_mw is not None:
        twin = whatif.with_grid_mw(twin, args.grid_mw)
    known = catalogue(twin.layout)
    for flag, name in (("--gpu", args.gpu), ("--npu", args.npu)):
        if name not in known:
            return _bad(f"{flag} {name!r} is not in the catalogue ({', '.join(known)})")
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

        annual_pue = annual(twin, scenario, None if args.weather == "layout" else args.weather).pue
    out = {
        "name": twin.name,
        "file": args.path,
        "npu_share": args.npu_share,
        "budget": args.budget,
        "power_cap_kw": args.power_cap_kw,
        "economics": economics(twin, res, annual_pue=annual_pue),
        "by_accelerator": by_accelerator(twin, res).to_dict(orient="index"),
        "violations": len(res.violations),
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
        print(json.dumps(_clean(out), indent=2))
    else:
        _print(out)
    return 0


def _print(o: dict) -> None:
    e = o["economics"]
    m = 1e6
    print(f"{o['name']}  ({o['file']})")
    what = [f"NPU share {o['npu_share']:.2f} ({o['budget']} budget)"] if o["npu_share"] else []
    if o["power_cap_kw"] is not None:
        what.append(f"rack cap {o['power_cap_kw']:g} kW")
    print(f"  scenario        {', '.join(what) or 'as laid out'}")
    print(f"  tokens/s        {e['tokens_s'] / m:,.2f} M")
    for acc, r in o["by_accelerator"].items():
        mark = "  [user estimate]" if acc in o["user_estimates"] else ""
        print(
            f"    {acc or '(none)':<14}{int(r['racks']):>6} racks {r['p_kw'] / 1000:>9,.2f} MW "
            f"{r['tokens_s'] / m:>10,.2f} M tokens/s{mark}"
        )
    print(
        f"  power           IT {e['it_kw'] / 1000:,.2f} MW, facility {e['facility_kw'] / 1000:,.2f} MW "
        f"(PUE {e['pue']:.3f}), grid {e['grid_kw'] / 1000:,.1f} MW"
        + ("  OVER THE GRID" if e["facility_kw"] > e["grid_kw"] else "")
    )
    if not e["tokens_s"] > 0:
        print(
            "  no tokens       no rack runs an accelerator from the catalogue (see 'accelerators:')"
        )
        return
    print(
        f"  tokens/s per MW {e['tokens_s_per_mw_it'] / m:,.2f} M of IT, "
        f"{e['tokens_s_per_mw_facility'] / m:,.2f} M of facility"
    )
    print(
        f"  energy/token    {e['j_per_token_it']:.3f} J (IT), {e['j_per_token_facility']:.3f} J (facility)"
    )
    if e.get("annual_pue") is not None and not pd.isna(e["annual_pue"]):
        print(f"  annual PUE      {e['annual_pue']:.3f} (prices the energy below)")
    print(
        f"  cost            {e['usd_per_mtok']:.4f} USD per million tokens "
        f"(energy {e['energy_usd_per_mtok']:.4f}); {e['cost_usd_per_year'] / m:,.1f} M USD/year"
    )
    if o["violations"]:
        print(f"  violations      {o['violations']} (see `twin solve`)")
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
            f"{b['facility_kw'] / 1000:,.2f} MW facility <= grid {b['grid_kw'] / 1000:,.1f} MW"
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
