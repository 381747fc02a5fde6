"""`twin info PATH [--json] [--ids]`: counts per component kind, IT load and ratings,
the IT headroom and its binding constraint (`twin.metrics.headroom`);
`--stranded` adds the site's power and cooling margins and the capacity stranded on
either side (the headline's site-scope headroom split, `twin.metrics.stranded.site_row`),
then the same per hall (a headroom search per hall), naming a binding element that other
halls share (their margins are the same capacity: they do not add up);
`--ids` lists every component id a scenario can name (`--fail ID`), by kind."""

from __future__ import annotations

import math

from twin.cli.common import add_no_calibration, add_path, dumps, unbounded
from twin.cli.labels import add_raw_columns
from twin.cli.labels import kind as kind_name
from twin.model import Twin
from twin.model.registry import COOLING_UNITS


def register(sub) -> None:
    p = sub.add_parser("info", help="summarise a layout: counts, IT kW, ratings")
    add_path(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--ids", action="store_true", help="list the component ids (for --fail, --n2, ...)"
    )
    p.add_argument(
        "--no-headroom",
        action="store_true",
        help="skip the IT headroom (a few coupled solves; see twin.metrics.headroom)",
    )
    p.add_argument(
        "--stranded",
        action="store_true",
        help="site and per hall: power and cooling margins and stranded capacity (a headroom "
        "search per hall; see twin.metrics.stranded)",
    )
    add_no_calibration(p)
    add_raw_columns(p)
    p.set_defaults(func=run)


def summary(twin: Twin) -> dict:
    nodes = twin.power_nodes
    ratings = nodes.groupby("kind")["rating_kva"].agg(["count", "sum", "min", "max"])
    cooling = {}
    for kind in COOLING_UNITS:
        t = getattr(twin, kind)
        if len(t) and "capacity_kw" in t:
            cooling[kind] = {"count": len(t), "capacity_kw": float(t["capacity_kw"].sum())}
    return {
        "name": twin.name,
        "file": twin.layout.source,
        "grid_mw": twin.layout.site.grid_mw,
        "it_kw": twin.it_kw,
        "counts": twin.counts(),
        "power_ratings_kva": {
            k: {c: float(v) for c, v in row.items()} for k, row in ratings.iterrows()
        },
        "cooling_capacity": cooling,
        "liquid_fraction": float(
            (twin.racks["power_kw"] * twin.racks["liquid_fraction"]).sum() / max(twin.it_kw, 1e-9)
        ),
    }


def ids_by_kind(twin: Twin) -> dict[str, list[str]]:
    """Every id a scenario can name, by component table (kinds with none left out)."""
    known = set(twin.component_ids())
    out = {}
    for kind in twin.counts():
        ids = [str(i) for i in getattr(twin, kind).index if i in known]
        if ids:
            out[kind] = ids
    return out


def run(args) -> int:
    import sys

    from twin.layout import calibration, load
    from twin.layout.plausibility import check_loaded

    use = not getattr(args, "no_calibration", False)
    twin = Twin.from_layout(load(args.path, calibration=use))
    notes = calibration.notes(twin.layout)
    for w in check_loaded(twin.layout, args.path):
        if w.file != str(args.path):  # the calibration's cautions (the rest: twin validate)
            print(w, file=sys.stderr)
    info = summary(twin)
    if notes:
        info["air_calibration"] = [
            {"file": n.file, "hall": n.hall, "applied": n.applied, "text": n.line_text()}
            for n in notes
        ]
    if args.ids:
        info["ids"] = ids_by_kind(twin)
    room = None
    if not getattr(args, "no_headroom", False):
        from twin.metrics.headroom import headroom

        room = headroom(twin)
        info["headroom"] = {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in room.as_dict().items()
        }
    table = None
    if getattr(args, "stranded", False):
        import pandas as pd

        from twin.metrics.stranded import site_row, stranded

        halls = stranded(twin, progress=not args.json)
        table = pd.concat([site_row(twin, room=room), halls])
        info["stranded"] = {str(h): row.to_dict() for h, row in table.iterrows()}
    if args.json:
        from twin.cli.solve import UNBOUNDED_KEY

        # an infinite margin is written null, as an undefined one is: name the infinite ones
        # (`twin solve --json` does the same)
        raw = {"headroom": room.as_dict() if room is not None else {}}
        info[UNBOUNDED_KEY] = unbounded({**raw, "stranded": info.get("stranded", {})})
        print(dumps(info))
        return 0
    print(f"{info['name']}  ({info['file']})")
    for n in notes:
        print(f"  {n.line_text()}")
    print(
        f"  IT load      {info['it_kw'] / 1000:,.2f} MW   grid connection {info['grid_mw']:,.1f} MW"
    )
    print(f"  liquid share {info['liquid_fraction']:.0%}")
    raw = getattr(args, "raw_columns", False)
    counts = [(kind_name(k, raw), v) for k, v in info["counts"].items() if v]
    print("  components   " + ", ".join(f"{k} {v:,}" if raw else f"{k}: {v:,}" for k, v in counts))
    rows = [(kind_name(k, raw), r) for k, r in info["power_ratings_kva"].items()]
    w = max([13] + [len(k) + 2 for k, _ in rows])
    for k, r in rows:
        print(
            f"  {k:<{w}}{int(r['count']):>5} x {r['min']:,.0f}-{r['max']:,.0f} kVA (sum {r['sum']:,.0f})"
        )
    for k, r in info["cooling_capacity"].items():
        print(f"  {kind_name(k, raw):<{w}}{r['count']:>5}, {r['capacity_kw']:,.0f} kW total")
    if room is not None:
        from twin.cli.solve import print_headroom

        for line in room.not_an_answer:  # today's solve is no solution: say so first
            print(f"  {line}")
        if room.not_an_answer:
            print("  the headroom below is the IT to shed until the solve is a solution")
        print_headroom(room)
    if table is not None:
        print_stranded(table)
    for kind, ids in info.get("ids", {}).items():
        print(f"  ids of {kind}: {' '.join(ids)}")
    return 0


def _kw(x: float) -> str:
    if math.isnan(x):
        return "n/a"
    return "unbounded" if not math.isfinite(x) else f"{x:,.0f} kW"


def print_stranded(table) -> None:
    """The site (row `SITE`, if there), then per hall: what binds on each side, whether other
    halls share it, and what the other side strands."""
    from twin.metrics.stranded import SITE, shared_note

    print("  Stranded capacity (IT that could be added; see twin.metrics.stranded)")
    for hall, r in table.iterrows():
        name = "site (all halls)" if hall == SITE else f"hall {hall}"
        p_note = shared_note(r["power_shared_halls"])
        c_note = shared_note(r["cooling_shared_halls"])
        print(
            f"    {name}: power margin {_kw(r['power_margin_kw'])} "
            f"({r['power_binding'] or 'none'}{p_note}), cooling margin "
            f"{_kw(r['cooling_margin_kw'])} ({r['cooling_binding'] or 'none'}{c_note})"
        )
        print(
            f"    {'':{len(name)}}  stranded power {_kw(r['stranded_power_kw'])}, stranded "
            f"cooling {_kw(r['stranded_cooling_kw'])}"
        )
        print(
            f"    {'':{len(name)}}  floor: {int(r['floor_slots'])} free rack slots x "
            f"{r['typical_rack_kw']:,.1f} kW = {_kw(r['floor_kw'])}, of which without power "
            f"or cooling {_kw(r['stranded_floor_kw'])}"
        )
    if len([h for h in table.index if h != SITE]) > 1:
        print(
            "    the halls share the grid connection (and what is marked shared): a hall's "
            "margin is what it alone could add, so the halls' margins and stranded figures "
            "do not add up; the site's line is the site's"
        )
