"""Turn parsed layout data into a validated `Layout`, or a `LayoutError` listing every problem.

Three stages, each reporting all of its problems at once:

1. profiles: a component naming ``profile: X`` gets X's values under its own;
   a problem in a value that came from a profile points at the profile's line.
2. schema: pydantic checks types, ranges and unknown keys.
3. cross-checks: references, cycles, feeds, cooling, positions, voltages.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from twin.errors import LayoutError, Problem, some
from twin.layout import schema as s
from twin.layout.crosscheck import cross_check, unknown_ref
from twin.layout.profile_check import check_unused_profiles
from twin.layout.schema import COOLING_KINDS, POWER_KINDS
from twin.layout.source import LDict, LList, component_of, format_path, line_of
from twin.model import registry


def _what_is(path: tuple) -> str:
    """'the utility connection at power.utilities[0]': an id's kind and place in the file."""
    table = path[1] if path[0] in ("power", "cooling", "storage") else path[-2]
    try:
        label = registry.kind(table).label
    except KeyError:
        label = {"halls": "hall", "rows": "row", "racks": "rack"}.get(table, table)
    return f"the {label} at {format_path(path)}"


class _Collector:
    """Gathers problems with their lines; raises them all at the end of a stage."""

    def __init__(self, doc: Any, file: str, redirect: dict[tuple, tuple]) -> None:
        self.doc, self.file, self.redirect = doc, file, redirect
        self.problems: list[Problem] = []
        self.notes: list[Problem] = []
        # components left out of the cross-checks because the schema refused them:
        # references to them are not reported as unknown, nor gaps they would fill
        self.dropped_ids: set[str] = set()
        self.dropped_kinds: set[str] = set()
        self.index_map: dict[tuple, list[int]] = {}
        # every id of the layout with its path (filled by the cross-check): a reference to an
        # id of the wrong kind says what it is, not "unknown"
        self.ids: dict[str, tuple] = {}

    def unknown(
        self, path: tuple, ref: Any, known: Any, what: str, where: str = "", loops: Any = None
    ) -> None:
        """Report `ref` as unknown unless it names a component the schema already refused.

        With `loops`, a reference to a loop of the wrong kind says so instead."""
        if ref in self.dropped_ids:
            return
        if loops is not None and ref in loops:
            fits = ", ".join(sorted(known)) or "none in this layout"
            self.add(path, f"{ref!r} is a {loops[ref].kind} loop; expected a {what} ({fits})")
        elif ref in self.ids and ref not in known:
            self.add(path, f"{ref!r} is {_what_is(self.ids[ref])}; expected a {what}{where} "
                     f"({some(sorted(map(str, known)), 6) or 'none in this layout'})")  # fmt: skip
        else:
            self.add(path, unknown_ref(ref, known, what) + where)

    def add(self, path: tuple, message: str) -> None:
        path = tuple(path)
        for where, kept in self.index_map.items():  # back to the indices in the file
            n = len(where)
            if path[:n] == where and len(path) > n and isinstance(path[n], int):
                path = (*where, kept[path[n]], *path[n + 1 :])
        component = component_of(self.doc, path)
        for n in range(len(path), 0, -1):  # a value (or part of one) from a profile
            if path[:n] in self.redirect:
                path = (*self.redirect[path[:n]], *path[n:])
                component = None  # the profile's, shown once for all its users
                break
        line = line_of(self.doc, path)
        problem = Problem(self.file, format_path(path), message, line, component)
        if problem not in self.problems:  # a bad profile value shows once, not per user
            self.problems.append(problem)

    def raise_if_any(self) -> None:
        if self.problems:
            self.problems.sort(key=lambda p: (p.line or 0, p.path))
            raise LayoutError(self.problems, self.notes)


def _component_lists(doc: dict) -> Iterator[tuple[tuple, list]]:
    """Every list of components in the raw document, with its path."""
    halls = doc.get("halls")
    if isinstance(halls, list):
        for i, hall in enumerate(halls):
            if isinstance(hall, dict) and isinstance(hall.get("racks"), list):
                yield ("halls", i, "racks"), hall["racks"]
    for section, kinds in (
        ("power", POWER_KINDS),
        ("cooling", COOLING_KINDS),
        ("storage", ("bess",)),
    ):
        part = doc.get(section)
        if isinstance(part, dict):
            for kind in kinds:
                if isinstance(part.get(kind), list):
                    yield (section, kind), part[kind]


def _expand_profiles(doc: dict, col: _Collector) -> None:
    """Merge each component's profile into it, in place; remember where values came from."""
    profiles = doc.get("profiles") or {}
    if not isinstance(profiles, dict):
        return  # the schema stage reports the wrong type
    for name, values in profiles.items():
        if isinstance(values, dict) and ("id" in values or "profile" in values):
            col.add(("profiles", name), "a profile may not set 'id' or 'profile'")
    for path, items in _component_lists(doc):
        for i, item in enumerate(items):
            if not isinstance(item, dict) or "profile" not in item:
                continue
            name = item["profile"]
            if not isinstance(name, str):
                continue  # the schema stage reports the wrong type
            if name not in profiles:
                known = ", ".join(sorted(map(str, profiles))) or "none defined"
                close = difflib.get_close_matches(name, list(map(str, profiles)), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                col.add((*path, i, "profile"), f"unknown profile {name!r}{hint}; profiles: {known}")
                continue
            values = profiles[name]
            if not isinstance(values, dict):
                continue  # the schema stage reports the bad profile, at the profile
            for key, value in values.items():
                if key in ("id", "profile") or key in item:
                    continue
                item[key] = value
                col.redirect[(*path, i, key)] = ("profiles", name, key)


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The pydantic model class that holds the last key of `loc`."""
    cls: Any = s.Layout
    for key in loc:
        if isinstance(key, int):
            continue
        if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
            return None  # inside a plain dict (profiles) or a value: no model
        field = cls.model_fields.get(key)
        if field is None:
            field = next((f for f in cls.model_fields.values() if f.alias == key), None)
        if field is None:
            return None
        cls = _unwrap(field.annotation)
    return cls if isinstance(cls, type) and issubclass(cls, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    """list[X] / X | None / Annotated[X, ...] -> X (the model inside, if any)."""
    for arg in typing.get_args(tp) or ():
        inner = _unwrap(arg)
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    if isinstance(tp, types.UnionType):
        return None
    return tp


def _allowed_keys(cls: type[BaseModel]) -> list[str]:
    return sorted(f.alias or n for n, f in cls.model_fields.items())


def _schema_problems(doc: Any, col: _Collector) -> tuple[s.Layout | None, list[tuple]]:
    """Validate against the schema; report every error; return the layout or the error paths."""
    try:
        return s.Layout.model_validate(doc), []
    except ValidationError as exc:
        errors = [error_at(err) for err in exc.errors()]
        extras: dict[tuple, list[str]] = {}
        for loc, err in errors:
            if err["type"] == "extra_forbidden" and loc:
                extras.setdefault(loc[:-1], []).append(str(loc[-1]))
        seen: set[tuple] = set()
        for loc, err in errors:
            if loc in seen:
                continue
            seen.add(loc)
            message = _message(err, loc)
            if err["type"] == "missing" and loc and isinstance(loc[-1], str):
                typo = difflib.get_close_matches(loc[-1], extras.get(loc[:-1], []), n=1)
                if typo:
                    message += f"; is {typo[0]!r} a typo for {loc[-1]!r}?"
            col.add(loc, message)
        return None, sorted(seen, key=str)


_NOISE = {"constrained-float", "constrained-int", "constrained-str", "function-after", "none"}


def error_at(err: dict) -> tuple[tuple, dict]:
    """A pydantic error's path in the document, and the error: union branches
    ("constrained-float", "function-after": `_NOISE`) are not path keys, and a pair given
    one number is reported at the pair ("too_short"), not at its missing item."""
    loc = tuple(k for k in err["loc"] if isinstance(k, int | str))
    loc = tuple(k for k in loc if not (isinstance(k, str) and "[" in k or k in _NOISE))
    if err["type"] == "missing" and loc and isinstance(loc[-1], int):
        return loc[:-1], {**err, "type": "too_short"}
    return loc, err


def _describe(value: Any) -> str:
    """A value as a planner would name it in an error message."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        if len(value) <= 4 and all(isinstance(v, int | float | str) for v in value):
            return "[" + ", ".join(map(_describe, value)) + "]"
        return "a list"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if len(value) > 60:  # a whole pasted paragraph would bury the message
            return f"{value[:40]!r}... ({len(value)} characters)".replace("'...", "...'", 1)
        return repr(value)
    if isinstance(value, int) and not -(10**20) < value < 10**20:
        text = repr(value)  # a whole number past a float's 1.8e308, or merely long
        return f"{text[:12]}... (a number of {len(text.lstrip('-'))} digits)"
    if isinstance(value, int | float):
        return repr(value)
    return f"{value} (a {type(value).__name__})"


def _message(err: dict, loc: tuple) -> str:
    kind, msg = err["type"], err["msg"]
    got = err.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        cls = _model_at(loc[:-1])
        if cls is None:
            return f"unknown key {key!r}"
        allowed = _allowed_keys(cls)
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown key {key!r}{hint}; allowed keys: {', '.join(allowed)}"
    field = loc[-1] if loc else ""
    desc = ""
    cls = _model_at(loc[:-1])
    if cls is not None and isinstance(field, str) and field in cls.model_fields:
        desc = cls.model_fields[field].description or ""
    about = f" ({desc})" if desc else ""
    if kind == "missing":
        return f"required field is missing{about}"
    if kind == "finite_number":
        return f"must be a finite number (NaN and infinity are not allowed){about}"
    if kind == "literal_error" and loc == ("format_version",):
        if isinstance(got, str) and got.strip() == str(s.FORMAT_VERSION):
            return (
                f"format_version must be the number {s.FORMAT_VERSION}, not the text {got!r} "
                "(write it without quotes)"
            )
        return f"unsupported format_version {got!r}; this twin reads version {s.FORMAT_VERSION}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        keys = ""
        inner = _model_at(loc)
        if inner is not None:
            keys = f" with keys from: {', '.join(_allowed_keys(inner))}"
        return f"must be a mapping (key: value lines){keys}; got {_describe(got)}"
    if kind in ("list_type", "tuple_type"):
        return f"must be a list (items on '- ' lines or in [...]); got {_describe(got)}{about}"
    if kind in ("too_short", "too_long"):
        ctx = err.get("ctx") or {}
        if ctx.get("field_type", "Tuple") == "Tuple":
            return f"must be a pair of numbers [x, y]; got {_describe(got)}{about}"
        if kind == "too_short":
            n = ctx.get("min_length", 1)
            return f"must have at least {n} item{'s' if n != 1 else ''}; got {_describe(got)}"
    if kind == "value_error":
        return f"{(err.get('ctx') or {}).get('error', msg)}{about}"
    if kind == "float_type" and isinstance(got, int) and not isinstance(got, bool):
        return f"is too large for a number; got {_describe(got)}{about}"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type", "int_from_float"):
        whole = "a whole number" if kind.startswith("int") else "a number"
        hint = ""
        if isinstance(got, str) and _OCTAL_12.fullmatch(got.strip()):  # text to YAML 1.1
            hint = f"; {got.strip()} is octal in YAML 1.2, write {int(got.strip(), 8)} in decimal"
        return f"must be {whole} without units; got {_describe(got)}{hint}{about}"
    if kind == "string_type":
        hint = (
            " (write it in quotes)" if isinstance(got, int | float) or hasattr(got, "year") else ""
        )
        return f"must be text{hint}; got {_describe(got)}{about}"
    if msg.startswith("Keys should be strings"):
        hint = (
            "; or, after a number, a decimal comma, like 40,5, write 40.5"
            if isinstance(got, int | float) and not isinstance(got, bool)
            else ""
        )
        return f"keys must be text; got {_describe(got)} (write it in quotes{hint})"
    if kind == "string_pattern_mismatch":
        return (
            f"may use only letters, digits and _ . : / - (no spaces; it must match the "
            f"pattern {err.get('ctx', {}).get('pattern', '')}); got {_describe(got)}"
        )
    msg = msg.replace("Input should be", "must be", 1).replace("String should have", "must have", 1)
    got_s = f"; got {_describe(got)}" if not isinstance(got, dict | list) else ""
    if kind in _BOUNDS and isinstance(got, str):
        got_s = f"; got {got.strip()}"  # a number YAML 1.1 left as text (1e300): no quotes
    return f"{msg}{got_s}{about}"


_BOUNDS = frozenset(("greater_than", "greater_than_equal", "less_than", "less_than_equal"))
_OCTAL_12 = re.compile(r"0o[0-7]+")


# ------------------------------------------------------------------------ public


def validate_data(data: Any, file: str = "<layout>", *, copy: bool = True) -> s.Layout:
    """Validate parsed data (from `twin.layout.source`) into a `Layout`; raise `LayoutError`.

    Profile expansion works on a copy of `data`; `copy=False` skips that copy (~0.1 s on
    a campus) for data nobody else holds, such as what `load` has just parsed.
    """
    col = _Collector(data, file, {})
    if not isinstance(data, dict):
        col.add(
            (),
            "the top level must be a mapping (format_version, site, halls, power, ...); "
            f"got {_describe(data)}",
        )
        col.raise_if_any()
    if copy:
        data = _copy(data)
        col.doc = data
    _expand_profiles(data, col)
    check_unused_profiles(data, col)
    layout, bad = _schema_problems(data, col)
    if layout is None:
        # cross-check what did validate, so one pass reports as much as it can
        rest = _without_invalid(data, bad, col)
        try:
            layout = s.Layout.model_validate(rest) if rest is not None else None
        except ValidationError:
            layout = None
        if layout is None:
            col.notes.append(
                Problem(
                    file,
                    "",
                    "references, the power chain, cooling and floor positions were not checked "
                    "because of the problems above; fix them and validate again",
                )
            )
            col.raise_if_any()
    layout._source = file  # before the cross-checks: a weather file is relative to it
    cross_check(layout, col)
    if col.dropped_ids:
        col.notes.append(
            Problem(
                file,
                "",
                "components refused above were left out of the reference, power-chain and "
                "cooling checks; validate again after fixing them",
            )
        )
    col.raise_if_any()
    return layout


def cross_check_problems(layout: s.Layout, file: str) -> list[Problem]:
    """The cross-check problems of a layout that passed the schema (e.g. one from the cache,
    whose data the schema has seen but whose references nothing has); sets its source."""
    col = _Collector(None, file, {})
    layout._source = file
    cross_check(layout, col)
    return col.problems


_HALL_LISTS = frozenset(registry.tables(section="site")) - {"halls"}
"""Lists inside a hall entry (rows, racks)."""


def _without_invalid(doc: dict, bad: list[tuple], col: _Collector) -> dict | None:
    """A copy of `doc` without the components the schema refused, to cross-check the rest.

    Records in `col` which ids and kinds were left out (so references to them are not
    reported again as unknown) and how list indices shift. None if a refused part is one
    everything else hangs on (a hall's id or size, the halls or power section itself).
    """
    doc = _copy(doc)
    drop: dict[tuple, set[int]] = {}

    def clear(container: Any, key: Any, kind: str) -> None:
        col.dropped_ids.update(_ids_in(container.get(key)))
        col.dropped_kinds.add(kind)
        container[key] = []

    for loc in bad:
        if not loc:
            return None
        top = loc[0]
        if top in ("power", "cooling") and len(loc) >= 2:
            kinds = POWER_KINDS if top == "power" else COOLING_KINDS
            part = doc.get(top)
            if not isinstance(part, dict):
                return None
            if loc[1] not in kinds:  # unknown key in the section, perhaps a misspelt kind
                col.dropped_ids.update(_ids_in(part.pop(loc[1], None)))
                col.dropped_kinds.update(kinds)
            elif len(loc) >= 3 and isinstance(loc[2], int):
                drop.setdefault(loc[:2], set()).add(loc[2])
            else:
                clear(part, loc[1], loc[1])
        elif top == "halls" and len(loc) >= 3 and isinstance(loc[1], int):
            hall = doc["halls"][loc[1]]
            field = loc[2]
            if field in _HALL_LISTS and len(loc) >= 4 and isinstance(loc[3], int):
                drop.setdefault(loc[:3], set()).add(loc[3])
            elif field in _HALL_LISTS:
                clear(hall, field, field)
            elif field in ("id", "size_m"):
                return None
            else:
                hall.pop(field, None)  # falls back to the default, or was an unknown key
        elif top == "site":
            doc["site"] = {"name": "-", "grid_mw": 1.0}
        elif top == "format_version":
            doc["format_version"] = s.FORMAT_VERSION
        elif top == "profiles":
            doc["profiles"] = {}
        elif top == "economics":
            doc.pop("economics", None)  # the defaults stand in; nothing refers to it
        elif top == "accelerators" and len(loc) >= 2 and isinstance(doc.get(top), dict):
            doc[top].pop(loc[1], None)
            col.dropped_ids.add(str(loc[1]))  # racks naming it are not told it is unknown
        elif len(loc) == 1 and top not in s.Layout.model_fields:
            if isinstance(doc.get(top), dict | list):
                return None  # perhaps a misspelt section: what it holds is unchecked
            doc.pop(top, None)
        else:
            return None
    for where, indices in drop.items():
        node: Any = doc
        for key in where:
            node = node[key]
        col.dropped_ids.update(_ids_in([node[i] for i in indices]))
        col.dropped_kinds.add(where[-1])
        col.index_map[where] = [i for i in range(len(node)) if i not in indices]
        node[:] = [node[i] for i in col.index_map[where]]
    return doc


def _ids_in(node: Any) -> set[str]:
    """Every string `id` in a piece of raw data."""
    if isinstance(node, dict):
        found = {node["id"]} if isinstance(node.get("id"), str) else set()
        for value in node.values():
            found |= _ids_in(value)
        return found
    if isinstance(node, list):
        return set().union(*map(_ids_in, node)) if node else set()
    return set()


def _copy(node: Any) -> Any:
    """Deep copy that keeps line information (profile expansion mutates the copy)."""
    if isinstance(node, LDict):
        out = LDict((k, _copy(v)) for k, v in node.items())
        out.line, out.lines = node.line, dict(node.lines)
        return out
    if isinstance(node, LList):
        out = LList(_copy(v) for v in node)
        out.line, out.lines = node.line, list(node.lines)
        return out
    if isinstance(node, dict):
        return {k: _copy(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_copy(v) for v in node]
    return node
