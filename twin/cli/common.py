"""What every subcommand shares: checked arguments, checked outputs, strict JSON.

Bad input is rejected before any work starts, with exit code 2 and a
message naming the argument and what is allowed:

- numbers: `int_in`/`float_in` as argparse `type=` (finite, within bounds);
- the layout PATH: given after an id list (`twin solve --fail ID PATH`) it is
  recovered from that list (`recover_path`), or a clear "PATH is missing";
- component ids: `check_ids` names the unknown ones with a "did you mean"
  and where to list the valid ones (`twin info PATH --ids`);
- output files and folders: `check_output_file`/`check_output_dir` (the
  folder exists and is writable, the file is not a directory, the suffix
  is one the command writes);
- JSON: `dumps` writes strict JSON, NaN and infinities as null;
- the layout's weather file: `check_weather` reads it before a command needs it, so
  a file that is not a weather year is a located error, not an internal one;
- the layout itself: `load_twin` applies its air calibration file unless
  `--no-calibration` (`add_no_calibration`) and says so on stderr, in every command;
  `save_derived` writes a layout derived from it with its own air values and carries
  the calibration where it still holds.
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import numbers
import os
import socket
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from twin.errors import LayoutError, Problem, ScenarioError

if TYPE_CHECKING:
    from twin.model import Twin

LAYOUT_SUFFIXES = (".yaml", ".yml", ".json")


class UsageError(Exception):
    """A bad argument found after parsing (an output that cannot be written, ...): exit 2."""


# ------------------------------------------------------------------ numbers


def _number(text: str, kind: type) -> float | int:
    try:
        x = kind(text)
    except ValueError:
        what = "an integer" if kind is int else "a number"
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return x


def _range_text(lo, hi, lo_open: bool) -> str:
    if hi is None:
        return f"{'>' if lo_open else '>='} {lo:g}"
    return f"in {'(' if lo_open else '['}{lo:g}, {hi:g}]"


def int_in(lo: int, hi: int | None = None):
    """argparse `type=`: an integer in [lo, hi] (hi None: no upper bound)."""

    def parse(text: str) -> int:
        x = _number(text, int)
        if x < lo or (hi is not None and x > hi):
            raise argparse.ArgumentTypeError(f"{x} is not {_range_text(lo, hi, False)}")
        return x

    parse.__name__ = "integer"
    return parse


def float_in(lo: float, hi: float | None = None, *, lo_open: bool = False):
    """argparse `type=`: a finite number in [lo, hi] ((lo, hi] with `lo_open`)."""

    def parse(text: str) -> float:
        x = _number(text, float)
        if x < lo or (lo_open and x == lo) or (hi is not None and x > hi):
            raise argparse.ArgumentTypeError(f"{x:g} is not {_range_text(lo, hi, lo_open)}")
        return x

    parse.__name__ = "number"
    return parse


finite = float_in(-math.inf)
"""argparse `type=`: any finite number (range checked by the command)."""


# ---------------------------------------------------------- path and id lists


def add_path(p: argparse.ArgumentParser) -> None:
    """The layout PATH positional. Optional to argparse so that a PATH swallowed by a
    preceding id list (`--fail A B PATH`) can be recovered by `recover_path`."""
    p.add_argument("path", metavar="PATH", nargs="?", help="layout file (.yaml or .json), required")
    p.set_defaults(_parser=p)


def add_list(p: argparse.ArgumentParser, flag: str, **kw) -> None:
    """An option taking one or more values (`--fail A B`); repeating it adds to the list
    (`--fail A --fail B`) instead of silently keeping the last one."""
    kw.setdefault("nargs", "+")
    p.add_argument(flag, action="extend", **kw)
    dests = tuple(p.get_default("_lists") or ()) + (flag.lstrip("-").replace("-", "_"),)
    p.set_defaults(_lists=dests)


def _looks_like_layout(text: str) -> bool:
    return Path(text).suffix.lower() in LAYOUT_SUFFIXES or Path(text).is_file()


def recover_path(args: argparse.Namespace) -> None:
    """Fill `args.path` from an id list that swallowed it, or exit 2 saying PATH is missing."""
    parser = getattr(args, "_parser", None)
    if parser is None:
        return
    if args.path == "":
        parser.error("the layout PATH is empty")
    if args.path is not None:
        return
    found = [
        (dest, v)
        for dest in getattr(args, "_lists", ())
        for v in (getattr(args, dest) or [])
        if _looks_like_layout(v)
    ]
    if len(found) == 1:
        dest, value = found[0]
        getattr(args, dest).remove(value)
        args.path = value
        if not getattr(args, dest) and parser.get_default(dest) is None:
            setattr(args, dest, None)
        return
    if found:
        names = ", ".join(v for _, v in found)
        parser.error(f"which is the layout PATH: {names}? Give PATH first, before the options")
    parser.error(
        f"the layout PATH is missing; give it first, e.g. `{parser.prog} layouts/small-room.yaml"
        " [options]`"
    )


def check_ids(twin, ids: Iterable[str], flag: str, known: Iterable[str] | None = None) -> None:
    """Raise `ScenarioError` naming ids the twin does not have, with close matches."""
    known = list(twin.component_ids() if known is None else known)
    have = set(known)
    unknown = sorted(set(ids) - have)
    if not unknown:
        return
    hints = []
    halls, racks = twin.halls, twin.racks
    rows = set(racks["row"].astype(str)) if "row" in racks else set()
    for i in unknown:
        if i in halls.index or i in rows:  # a hall or row: not a failable component
            what = "hall" if i in halls.index else "row"
            mine = racks.index[(racks["hall" if what == "hall" else "row"] == i).to_numpy()]
            hints.append(
                f"{i} is a {what} ({len(mine):,} racks), not a component that fails; "
                f"{flag} takes components (its racks' feeds or cooling units), or list its "
                f"racks: {' '.join(map(str, mine[:4]))}{' ...' if len(mine) > 4 else ''}"
            )
            continue
        close = difflib.get_close_matches(i, known, n=3, cutoff=0.6)
        if not close:
            low = {k.lower(): k for k in known}
            close = [low[i.lower()]] if i.lower() in low else []
        parts = [x.strip() for x in i.split(",") if x.strip()]
        if len(parts) > 1 and set(parts) <= have:
            hints.append(f"{i}: separate ids with spaces: {flag} {' '.join(parts)}")
        elif close:
            hints.append(f"{i}: did you mean {' or '.join(close)}?")
    src = getattr(twin.layout, "source", None) or "PATH"
    shown = [i if i.strip() else f"an empty id ({i!r})" for i in unknown]
    msg = f"unknown component id(s): {', '.join(shown)} ({flag})"
    if hints:
        msg += "\n  " + "\n  ".join(hints)
    msg += f"\n  the valid ids: twin info {src} --ids"
    raise ScenarioError(msg)


# ----------------------------------------------------------------- outputs


def _folder_problem(folder: Path) -> str | None:
    if not folder.exists():
        return f"folder {folder} does not exist"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"folder {folder} is not writable"
    return None


def check_output_file(
    path: str | None, flag: str, suffixes: Iterable[str] = (), stdout_ok: bool = False
) -> None:
    """Raise `UsageError` unless `path` can be written: the folder exists and is writable,
    the path is not a folder, and its suffix is one of `suffixes` (if given)."""
    if path is None or (stdout_ok and path == "-"):
        return
    if not path:
        raise UsageError(f"{flag}: empty file name")
    p = Path(path)
    suffixes = tuple(suffixes)
    if suffixes and p.suffix.lower() not in suffixes:
        raise UsageError(f"{flag} {path}: use a {' or '.join(suffixes)} file name")
    if p.is_dir():
        raise UsageError(f"{flag} {path}: is a folder; give a file name")
    problem = _folder_problem(p.parent)
    if problem:
        raise UsageError(f"{flag} {path}: {problem}")
    if p.exists() and not os.access(p, os.W_OK):
        raise UsageError(f"{flag} {path}: the file exists and is not writable")


def add_force(p) -> None:
    """--force: let -o/--output name the input layout (`check_not_input`)."""
    p.add_argument(
        "--force",
        action="store_true",
        help="let -o/--output overwrite the input layout (its comments and layout go)",
    )


def check_not_input(out: str | None, layout_path: str | None, flag: str, force: bool) -> None:
    """Raise `UsageError` if `out` is the input layout file, unless `force`: the layout is
    written back from its data, so the input's comments (sources, provenance notes), its
    block layout and values written equal to a default would be gone without a word
    (audit 5 F-G: `twin place --apply 1 -o <the input>`)."""
    if not out or not layout_path or force:
        return
    a, b = Path(out), Path(layout_path)
    try:
        same = a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        same = False
    if same or a.resolve() == b.resolve():
        raise UsageError(
            f"{flag} {out} is the input layout: writing it would replace the file and drop its "
            "comments, its block layout and the values it writes equal to a default; write "
            "another file (and compare them), or add --force to overwrite it"
        )


def check_output_dir(path: str | None, flag: str) -> None:
    """Raise `UsageError` unless folder `path` exists and is writable, or can be created
    (its nearest existing ancestor is a writable folder)."""
    if path is None:
        return
    if not path:
        raise UsageError(f"{flag}: empty folder name")
    p = Path(path)
    if p.exists():
        problem = _folder_problem(p)
    else:
        parent = p.absolute().parent
        while not parent.exists():
            parent = parent.parent
        problem = _folder_problem(parent)
        if problem:
            problem = f"cannot create {path}: {problem}"
    if problem:
        raise UsageError(f"{flag} {path}: {problem}")


# ------------------------------------------------------------------ dask


def scheduler_address(text: str) -> str:
    """argparse `type=`: a Dask scheduler address, ``tcp://host:port`` or ``host:port``."""
    url = urlsplit(text if "://" in text else f"tcp://{text}")
    try:
        port = url.port
    except ValueError:
        port = None
    if url.scheme in ("tcp", "tls") and not (url.hostname and port):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a scheduler address like tcp://host:8786"
        )
    return text


def check_scheduler(text: str | None, timeout_s: float = 5.0) -> None:
    """Raise `UsageError` if a tcp:// scheduler does not accept a connection (fast check,
    before any work; Dask itself would wait 30 s and end in a traceback)."""
    if not text:
        return
    url = urlsplit(text if "://" in text else f"tcp://{text}")
    if url.scheme != "tcp":
        return
    try:
        with socket.create_connection((url.hostname, url.port), timeout=timeout_s):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc) or type(exc).__name__
        raise UsageError(f"--scheduler {text}: cannot connect ({reason})") from None


# ------------------------------------------------------------------ weather


def check_weather(twin, hint: str = "") -> None:
    """Raise `LayoutError` at the layout's `site.weather_file` line if the file it names is
    not a readable EPW or TMY3 year. Loading only looks at the file (it exists, is regular
    and small: `twin.layout.crosscheck`); a command that reads it calls this first, where
    an empty or foreign file would end in pvlib's KeyError. Parsed once (cached); `hint`
    ends the message (another way round, e.g. the command's design-point option)."""
    from twin.layout.source import line_in_file
    from twin.solve.weather import WeatherError, read_weather, weather_path

    path = weather_path(twin)
    if path is None:
        return
    src = twin.layout.source

    def line():  # parses the layout again: only where something is said
        return line_in_file(src, ("site", "weather_file"))

    try:
        year = read_weather(path)
    except WeatherError as exc:  # names the file, the line and what is allowed
        raise LayoutError([Problem(src, "site.weather_file", f"{exc}{hint}", line())]) from None
    except (OSError, ValueError, KeyError, IndexError) as exc:
        why = str(exc).splitlines()[0] if str(exc) else ""
        raise LayoutError(
            [
                Problem(
                    src,
                    "site.weather_file",
                    f"{path}: not a readable EPW or TMY3 weather year ({type(exc).__name__}: "
                    f"{why}); give one, or pvlib:NAME{hint}",
                    line(),
                )
            ]
        ) from None
    for note in year.attrs.get("notes", ()):  # missing hours filled: said, not silent
        print(f"{src}:{line()}: site.weather_file: warning: {path}: {note}", file=sys.stderr)


# ------------------------------------------------------------------ JSON


def violation_records(violations) -> list[dict]:
    """A violations table as JSON rows (`VIOLATION_COLUMNS`; value and limit numbers, null
    where not finite), in the table's order: `twin solve --json` and `twin economics`."""
    from twin.solve.results import VIOLATION_COLUMNS

    num = ("value", "limit")
    return [
        clean({c: (float(r[c]) if c in num else r[c]) for c in VIOLATION_COLUMNS})
        for r in violations[VIOLATION_COLUMNS].to_dict("records")
    ]


def clean(obj):
    """JSON-safe: NaN/inf -> None, numpy scalars -> Python, tuples -> lists, keys -> str."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str | bytes):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def unbounded(obj):
    """Where `obj` (dicts of numbers, nested) holds an infinity, which JSON writes as null:
    the same keys, nested alike, each "+inf" or "-inf"; {} where none. Beside `clean`'s
    output as the key ``"unbounded"`` it tells a null that has no finite value (no steady
    state, no limit reached) from one with no value at all (undefined, n/a): as `twin n1`'s
    notes say "unbounded" or "n/a" for its empty cells."""
    out = {}
    for k, v in obj.items():
        if isinstance(v, dict):
            inner = unbounded(v)
            if inner:
                out[str(k)] = inner
            continue
        if isinstance(v, numbers.Real) and math.isinf(v):  # numpy's floats too
            out[str(k)] = "+inf" if v > 0 else "-inf"
    return out


def dumps(obj, indent: int | None = 2) -> str:
    """Strict JSON (no NaN or Infinity tokens): undefined numbers are null."""
    return json.dumps(clean(obj), indent=indent, allow_nan=False)


# ------------------------------------------------------------ base state


def not_steady(twin, scenario=None) -> list[str]:
    """'kind: component' for each `NOT_STEADY` violation of `twin` in `scenario` (normal)."""
    from twin.solve import run as solve
    from twin.solve.results import not_steady as unsteady

    return unsteady(solve(twin, scenario).violations)


def listed(items: list[str], n: int = 5) -> str:
    """The first `n` items joined with '; ', and how many more."""
    more = f" and {len(items) - n} more" if len(items) > n else ""
    return "; ".join(items[:n]) + more


# ------------------------------------------------------------------ the layout
def add_no_calibration(p) -> None:
    """`--no-calibration`: load the layout without its air calibration file."""
    p.add_argument(
        "--no-calibration",
        action="store_true",
        help="ignore the air calibration beside the layout (<layout>.air-calibration.yaml, "
        "written by twin calibrate; applied by default)",
    )


def load_twin(args) -> Twin:
    """The layout of `args.path` as a Twin, its air calibration applied unless
    --no-calibration; says on stderr which calibration was applied (one line a hall)."""
    from twin.layout import calibration, load
    from twin.model import Twin

    use = not getattr(args, "no_calibration", False)
    twin = Twin.from_layout(load(args.path, calibration=use))
    for note in calibration.notes(twin.layout):
        if note.applied:
            print(f"{args.path}: {note.line_text()}", file=sys.stderr)
    return twin


def save_derived(layout, before, out: str, command: str) -> str:
    """Write `layout`, derived from the loaded `before` (`twin place --apply`, `twin refresh
    -o`: built from its plain data, so with its calibrated values), to `out` with its halls'
    own air values, and beside it the calibration entries that still hold for its halls
    (`twin.layout.calibration_carry`); says on stderr, a line a hall, which calibration
    was carried and which not (what changed, the command to re-run). The command's own
    before/after solves keep the loaded calibration on both sides (a what-if compares like
    with like). Returns the path written."""
    from twin.layout import save
    from twin.layout.calibration_carry import beside, rechecked

    derived = rechecked(layout, before)
    written = str(save(derived, out))
    for _, line in beside(derived, written)[1]:
        print(f"twin {command}: {line}", file=sys.stderr)
    return written
