"""The `twin` command line. Each subcommand lives in its own module with
`register(subparsers)`; bad input ends with exit code 2 and located messages
on stderr, never a traceback. Anything else that goes wrong is a bug: one
line "internal error" and exit code 1 (the traceback with ``TWIN_DEBUG=1``)."""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module

from twin.cli.common import UsageError, recover_path
from twin.errors import LayoutError, ScenarioError

COMMANDS = (
    "validate", "info", "generate", "solve", "export", "n1", "ride_through", "economics",
    "timeline", "place", "cfd", "calibrate", "compare_sites", "import_netbox",
    "refresh", "compare_distribution", "tenants",
)  # fmt: skip


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
    recover_path(args)
    try:
        return int(args.func(args) or 0)
    except LayoutError as exc:
        print(exc, file=sys.stderr)
        return 2
    except (ScenarioError, UsageError) as exc:
        print(f"twin {_name(args)}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        print("twin: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.filename is None or os.environ.get("TWIN_DEBUG"):
            return _internal(exc)
        print(f"twin {_name(args)}: {exc.filename}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        return _internal(exc)


def _name(args) -> str:
    return str(getattr(args, "command", "")).replace("_", "-")


def _internal(exc: BaseException) -> int:
    """A bug: one line and exit 1; the traceback only with TWIN_DEBUG=1."""
    if os.environ.get("TWIN_DEBUG"):
        raise exc
    text = str(exc).splitlines()[0] if str(exc) else ""
    print(
        f"twin: internal error: {type(exc).__name__}: {text}\n"
        "  this is a bug; please report it with the command line "
        "(TWIN_DEBUG=1 shows the traceback)",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
