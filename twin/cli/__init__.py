"""The `twin` command line. Each subcommand lives in its own module with
`register(subparsers)`; bad input ends with exit code 2 and located messages
on stderr, never a traceback."""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from twin.errors import LayoutError, ScenarioError

COMMANDS = ("validate", "info", "generate", "solve", "export", "n1", "ride_through", "economics")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="twin", description="Digital twin for data centers and AI factories."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = import_module(f"twin.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"twin.cli.{name}":
                continue  # not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except LayoutError as exc:
        print(exc, file=sys.stderr)
        return 2
    except ScenarioError as exc:
        print(f"twin: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
