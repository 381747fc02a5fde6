"""`twin validate PATH...`: exit 0 if every file is valid, 2 with located errors if not.

Values inside the hard bounds but outside their typical range (`twin.layout.plausibility`)
are printed to stderr as located warnings; they do not change the exit code."""

from __future__ import annotations

import sys

from twin.errors import LayoutError
from twin.layout import load
from twin.layout.plausibility import check_loaded


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
        n = sum(len(h.racks) for h in layout.halls)
        warns = check_loaded(layout, path)
        note = (
            f", {len(warns)} plausibility warning{'s' if len(warns) != 1 else ''}" if warns else ""
        )
        print(f"{path}: ok ({len(layout.halls)} halls, {n} racks{note})")
        for w in warns:
            print(w, file=sys.stderr)
    return status
