"""`twin validate PATH...`: exit 0 if every file is valid, 2 with located errors if not.

Values inside the hard bounds but outside their typical range (`twin.layout.plausibility`)
are printed to stderr as located warnings; they do not change the exit code.

The weather file the layout names is read as a weather year (`twin.solve.weather`), as
`solve --annual` and `timeline` read it: a file that exists but is not a plausible year
(every dry bulb 99.9 C, audit 5 F-S) is a located error here, not first at the annual solve.
Loading a layout only checks that the file is there (a read on every load would cost every
command ~0.1 s)."""

from __future__ import annotations

import sys
from pathlib import Path

from twin.errors import LayoutError, Problem, count
from twin.layout import load
from twin.layout.plausibility import check_loaded
from twin.layout.source import PVLIB_PREFIX, line_of, parse_bytes, read_bytes


def register(sub) -> None:
    p = sub.add_parser("validate", help="check layout files; exit 2 with located errors if invalid")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.set_defaults(func=run)


def run(args) -> int:
    status = 0
    for path in args.paths:
        try:
            layout = load(path)
        except LayoutError as exc:
            print(exc, file=sys.stderr)
            status = 2
            continue
        bad = weather_problem(layout, path)
        if bad is not None:
            print(LayoutError([bad]), file=sys.stderr)
            status = 2
            continue
        n = sum(len(h.racks) for h in layout.halls)
        warns = check_loaded(layout, path)
        note = (
            f", {len(warns)} plausibility warning{'s' if len(warns) != 1 else ''}" if warns else ""
        )
        print(f"{path}: ok ({count(len(layout.halls), 'hall')}, {count(n, 'rack')}{note})")
        for w in warns:
            print(w, file=sys.stderr)
    return status


def weather_problem(layout, path: str) -> Problem | None:
    """The layout's weather file read as a weather year: None if it reads (or none is
    named, or it is one of pvlib's own files, whose names are checked on load: importing
    pvlib to read one costs 1-5 s), else the problem located at site.weather_file. The
    solver package is imported only for a user's file (~0.6 s)."""
    wf = layout.site.weather_file
    if not wf or wf.startswith(PVLIB_PREFIX):
        return None
    base = Path(layout.source).parent if layout.source else Path(".")
    where = str((base / wf).resolve())  # as twin.solve.weather.weather_path
    from twin.solve.weather import read_weather

    try:
        read_weather(where)
    except (OSError, ValueError, KeyError) as exc:
        try:
            line = line_of(parse_bytes(read_bytes(path), str(path)), ("site", "weather_file"))
        except (OSError, LayoutError):
            line = None
        return Problem(
            str(path),
            "site.weather_file",
            f"{where} is not a readable EPW/TMY3 weather year: {exc} (solve --annual and "
            "timeline read it)",
            line,
        )
    return None
