"""`twin export PATH --to pandapower -o net.json [--fail ID ...]`: the solved power chain for a peer tool.

The state `twin solve` reports (coupled solve, cooling draw on the chain), as a
pandapower net that plain `pandapower.runpp(net)` solves; the ext_grids add up
to the facility power (`twin.interop.pandapower` says how each element is
modelled). A state the twin could not solve is still written, with a warning.

The command then runs plain `pandapower.runpp` on the file it wrote and prints
pandapower's own facility power beside the twin's (the peer check, said only when
runpp ran and converged); a net on which runpp does not converge is said so and
exits `NOT_SOLVED`.
"""

from __future__ import annotations

import sys

from twin.cli.common import add_list, add_no_calibration, add_path, check_output_file, load_twin

FORMATS = ("pandapower",)
NOT_SOLVED = 1
"""Exit code when pandapower.runpp does not converge on the written net."""


def register(sub) -> None:
    p = sub.add_parser("export", help="export the solved power chain (pandapower JSON)")
    add_path(p)
    add_no_calibration(p)
    p.add_argument("--to", choices=FORMATS, default="pandapower", help="target format")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="file to write")
    add_list(p, "--fail", default=[], metavar="ID", help="components out of service")
    p.set_defaults(func=run)


def run(args) -> int:
    from twin.cli.solve import scenario_from

    check_output_file(args.output, "-o")  # before any work
    twin = load_twin(args)
    scenario = scenario_from(args, twin)
    import pandapower as pp

    from twin.interop.pandapower import to_pandapower

    net = to_pandapower(twin, scenario)
    pp.to_json(net, args.output)
    kpis = net["twin_kpis"]["value"]
    print(
        f"{args.output}: pandapower net, {len(net.bus)} buses, {len(net.line)} lines, "
        f"{len(net.trafo)} trafos, {len(net.load)} loads, {len(net.ext_grid)} ext_grids, "
        f"{len(net.gen)} gens (UPS outputs)"
    )
    peer_kw = _runpp_facility_kw(args.output)
    twin_kw = kpis["facility_kw"]
    if peer_kw is None:
        print(
            f"twin export: pandapower.runpp(net) does not converge on {args.output} (the "
            f"twin's facility power {twin_kw:,.1f} kW has no peer figure): a state with no "
            "operating point, see twin solve",
            file=sys.stderr,
        )
    else:
        print(
            f"  facility {peer_kw:,.1f} kW after pandapower.runpp(net) (the sum of "
            f"res_ext_grid.p_mw); the twin's {twin_kw:,.1f} kW, "
            f"{_rel(peer_kw, twin_kw):+.4f} % apart"
        )
    if not (kpis["power_converged"] and kpis.get("twin_solve_trusted", 1.0)):
        print(
            "twin export: warning: the twin's solve of this state is not a normal result "
            "(twin solve lists why): the exported loads are not a normal operating point",
            file=sys.stderr,
        )
    unremoved = kpis.get("twin_heat_unremoved_kw", 0.0)
    if unremoved > 0:
        print(
            f"twin export: warning: the twin's solve leaves {unremoved:,.1f} kW of heat "
            "unremoved (no steady state, PUE n/a in twin solve): the exported cooling loads "
            "are the plant at its limit, so the facility power understates what the site draws",
            file=sys.stderr,
        )
    return 0 if peer_kw is not None else NOT_SOLVED


def _runpp_facility_kw(path: str) -> float | None:
    """Facility kW as plain `pandapower.runpp` solves the written file (pandapower's
    defaults, as a user calls it); None when it does not converge."""
    import pandapower as pp

    net = pp.from_json(path)
    try:
        pp.runpp(net)
    except pp.LoadflowNotConverged:
        return None
    return float(net.res_ext_grid.p_mw.sum() * 1000.0)


def _rel(a: float, b: float) -> float:
    return 100.0 * (a - b) / b if b else 0.0
