"""`twin validate PATH...`: exit 0 if every file is valid, 2 with located errors if not."""

from __future__ import annotations

import sys

from twin.errors import LayoutError
from twin.layout import load


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
        print(f"{path}: ok ({len(layout.halls)} halls, {n} racks)")
    return status
