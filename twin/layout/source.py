"""Read a layout file safely into plain Python data that remembers its line numbers.

YAML is parsed with PyYAML's *safe* loader only (no tags that build Python
objects). JSON is parsed by the same loader (JSON is YAML's flow style), so
both formats report lines. Mappings and sequences come back as `LDict` and
`LList`, which carry the 1-based line of every key or item, so a validation
error can name the line as well as the path.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from twin.errors import LayoutError, Problem
from twin.layout.depth import MAX_DEPTH, check_depth
from twin.layout.regular_file import FileTooLarge, NotRegularFile, read_regular

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest layout accepted; a generated 1 GW campus is ~3 MB."""

MAX_WEATHER_BYTES = 50_000_000
"""Largest weather file read (checked at validation and when read); a TMY3 or EPW year is
~1.5 MB."""

PVLIB_PREFIX = "pvlib:"
"""`site.weather_file` prefix naming a weather file bundled with pvlib (`pvlib:723170TYA`):
checked by `twin.layout.crosscheck_site`, read by `twin.solve.weather`."""


MAX_EXPANDED_NODES = 5_000_000
"""Nodes a document may expand to through YAML aliases (defends against 'billion laughs')."""


class LDict(dict):
    """A dict that knows the line of each of its keys."""

    line: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: dict[Any, int] = {}


class LList(list):
    """A list that knows the line of each of its items."""

    line: int | None = None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.lines: list[int] = []


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (10x faster on a campus file); still the safe constructor."""


class _Loader(_BaseLoader):
    """Safe loader that records lines, rejects duplicate keys and YAML 1.1 number traps."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[tuple[int, str]] = []
        self.number_traps = 0


_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
"""An integer that YAML 1.1, YAML 1.2 and JSON all read as the same decimal number."""


class NumberTrap:
    """A plain scalar that YAML 1.1 reads as a number in a way a planner would not expect.

    PyYAML follows YAML 1.1: `012` is octal (10), `1:00` is base 60 (60), `1_000` is
    1000, `0b11` binary, `0x1F` hexadecimal. YAML 1.2 and JSON read most of these
    differently (12, text, text, text) or not at all, so the same file would mean
    different things to different tools. Such a value stands in the parsed data as a
    `NumberTrap` (never as the number), and the reader refuses the file saying what
    to write (see `number_trap`). Equal by text, so the two parsers' data compare.
    """

    __slots__ = ("message", "text")

    def __init__(self, text: str, message: str) -> None:
        self.text, self.message = text, message

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NumberTrap) and other.text == self.text

    def __hash__(self) -> int:
        return hash(("NumberTrap", self.text))

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


def number_trap(text: str, tag: str, value: Any) -> NumberTrap | None:
    """A `NumberTrap` if YAML 1.1 read the plain scalar `text` (as `value`, tagged `tag`)
    in a form other than plain decimal, else None (the value stands)."""
    if tag == _INT_TAG:
        if _DECIMAL_INT.fullmatch(text):
            return None
    elif tag != _FLOAT_TAG or ("_" not in text and ":" not in text):
        return None  # 012.5, .5, 1.e+3: every reader agrees
    digits = text.replace("_", "")
    body = digits.lstrip("+-")
    quote = "or quote it if it is text"
    if ":" in text:
        why = (
            f"YAML 1.1 reads this as a base-60 (sexagesimal) number, {value!r}; write the "
            f"number in decimal, {quote} (a time, a ratio)"
        )
    elif body[:2] in ("0b", "0x"):
        base = "binary" if body[1] == "b" else "hexadecimal"
        why = f"a {base} number ({value!r}); write it in decimal, {value!r}, {quote}"
    elif tag == _INT_TAG and body[:1] == "0" and len(body) > 1:
        decimal = int(digits, 10)
        why = (
            f"a leading zero is read as octal in YAML 1.1 ({value!r}), as {decimal} in YAML "
            f"1.2; write {decimal}, {quote}"
        )
    else:
        why = (
            f"YAML 1.1 reads '_' as a digit separator ({value!r}), YAML 1.2 and JSON as "
            f"text; write {value!r}, {quote}"
        )
    return NumberTrap(text, f"{text}: {why}")


def _too_long(text: str) -> NumberTrap:
    """A whole number longer than Python reads from text (4300 digits): refused, located."""
    n = sum(c.isdigit() for c in text)
    return NumberTrap(
        text[:12] + "...",
        f"{text[:12]}...: a number of {n} digits, too long to read; a layout value has a "
        "few digits (write large values with an exponent, 1.0e+12)",
    )


def _construct_number(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        value = loader.yaml_constructors_base[node.tag](loader, node)
    except ValueError:  # int() refuses more than sys.get_int_max_str_digits() digits
        loader.number_traps += 1
        return _too_long(node.value)
    trap = number_trap(node.value, node.tag, value)
    if trap is None:
        return value
    loader.number_traps += 1
    return trap


def _construct_map(loader: _Loader, node: yaml.MappingNode):
    data = LDict()
    data.line = node.start_mark.line + 1
    yield data
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            loader.duplicate_keys.append((line, "a mapping key must be a plain value"))
            continue
        if key in data:
            loader.duplicate_keys.append((line, f"duplicate key {key!r}"))
        data[key] = loader.construct_object(value_node, deep=True)
        data.lines[key] = line


def _construct_seq(loader: _Loader, node: yaml.SequenceNode):
    data = LList()
    data.line = node.start_mark.line + 1
    yield data
    for item in node.value:
        data.append(loader.construct_object(item, deep=True))
        data.lines.append(item.start_mark.line + 1)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
_Loader.yaml_constructors_base = {
    t: _BaseLoader.yaml_constructors[t] for t in (_INT_TAG, _FLOAT_TAG)
}
_Loader.add_constructor(_INT_TAG, _construct_number)
_Loader.add_constructor(_FLOAT_TAG, _construct_number)


def _trap_problems(data: Any, file: str) -> list[Problem]:
    """Each `NumberTrap` in parsed data (as a value or a key), with its path and line."""
    problems: list[Problem] = []
    stack: list[tuple[Any, tuple]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, NumberTrap):
            line, component = line_of(data, path), component_of(data, path)
            problems.append(Problem(file, format_path(path), node.message, line, component))
        elif isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, NumberTrap):
                    line = node.lines.get(key) if isinstance(node, LDict) else None
                    problems.append(Problem(file, format_path(path), key.message, line))
                stack.append((value, (*path, key)))
        elif isinstance(node, list):
            stack.extend((value, (*path, i)) for i, value in enumerate(node))
    return problems


def _expanded_size(
    node: yaml.Node, memo: dict[int, int], limit: int, depths: dict[int, int] | None = None
) -> int:
    """Values in `node` once every alias is expanded, stopping early past `limit`.

    `depths`, if given, receives each node's nesting depth once aliases are expanded
    (aliases can nest deeper than the text does).

    Aliases share nodes, so sizes are memoised by node identity: nine aliases of nine
    aliases of ... ('billion laughs') cost a few hundred steps to measure, not 10**9.
    Iterative, so deep nesting cannot overflow the stack; a node that contains itself
    (a recursive alias) counts as unbounded.
    """
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    open_: set[int] = set()
    while stack:
        current, children_done = stack.pop()
        key = id(current)
        if key in memo:
            continue
        kids: list[yaml.Node] = []
        if isinstance(current, yaml.MappingNode):
            kids = [n for pair in current.value for n in pair]
        elif isinstance(current, yaml.SequenceNode):
            kids = list(current.value)
        if children_done:
            open_.discard(key)
            memo[key] = min(limit + 1, 1 + sum(memo[id(k)] for k in kids))
            if depths is not None:
                depths[key] = 1 + max((depths[id(k)] for k in kids), default=0)
            continue
        if key in open_:
            return limit + 1  # recursive structure
        open_.add(key)
        stack.append((current, True))
        for kid in kids:
            if id(kid) in open_:
                return limit + 1
            if id(kid) not in memo:
                stack.append((kid, False))
    return memo[id(node)]


class _Irregular(Exception):
    """The fast builder met something only the node-based loader handles (or reports)."""


_MISSING = object()


def _parse_events(text: str) -> Any:
    """The common case, fast: build LDict/LList/values straight from libyaml's events.

    Gives exactly what the node-based `_Loader` gives (same parser, same resolver and
    scalar constructors, same lines), ~5x faster on a campus file (0.45 s vs 2.4 s): it
    skips PyYAML's node tree, resolves each distinct plain scalar once (a campus repeats
    the same few hundred values) and never recurses. It only handles plain data: on an
    anchor, alias, explicit tag, duplicate or non-scalar key, YAML 1.1 number trap
    (`number_trap`), second document or syntax error it raises `_Irregular` (or the YAMLError) and the caller re-parses with the
    node-based loader, which owns every check and error message for those.
    """
    loader = _BaseLoader(text)
    try:
        get = loader.get_event
        resolve, constructors = loader.resolve, loader.yaml_constructors
        plain: dict[str, Any] = {}  # plain scalar text -> its value
        get()  # StreamStartEvent
        if type(get()) is yaml.StreamEndEvent:
            return None  # only comments: no document
        stack: list[tuple[Any, bool, Any, int]] = []
        top: Any = None
        is_map = False
        key: Any = _MISSING
        key_line = 0
        root: Any = None
        while True:
            event = get()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                if event.anchor is not None or event.tag is not None:
                    raise _Irregular
                value = event.value
                if event.implicit[0]:  # plain: resolve (int, float, bool, null, date, str)
                    obj = plain.get(value, _MISSING)
                    if obj is _MISSING:
                        tag = resolve(yaml.ScalarNode, value, (True, False))
                        if tag not in _PLAIN_TAGS:  # '<<' (merge) or '=' (value)
                            raise _Irregular
                        node = yaml.ScalarNode(tag, value)
                        try:
                            obj = plain[value] = constructors[tag](loader, node)
                        except ValueError:  # a number too long for int(): located there
                            raise _Irregular from None
                        if number_trap(value, tag, obj) is not None:
                            raise _Irregular  # the node loader names it with its path
                else:  # quoted or block scalar: always text
                    obj = value
                line = event.start_mark.line + 1
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if event.anchor is not None or event.tag is not None:
                    raise _Irregular
                stack.append((top, is_map, key, key_line))
                is_map = kind is yaml.MappingStartEvent
                top = LDict() if is_map else LList()
                top.line = event.start_mark.line + 1
                key = _MISSING
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                obj = top
                line = obj.line
                top, is_map, key, key_line = stack.pop()
            elif kind is yaml.DocumentEndEvent:
                break
            else:  # an alias
                raise _Irregular
            if top is None:
                root = obj
            elif not is_map:
                top.append(obj)
                top.lines.append(line)
            elif key is _MISSING:
                if type(obj) is LDict or type(obj) is LList:
                    raise _Irregular  # a mapping or list as a key
                key, key_line = obj, line
            else:
                if key in top:
                    raise _Irregular  # duplicate key: the node loader names every one
                top[key] = obj
                top.lines[key] = key_line
                key = _MISSING
        if type(get()) is not yaml.StreamEndEvent:
            raise _Irregular  # more than one document
        return root
    finally:
        loader.dispose()


_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float", "str", "timestamp")
)


def parse_text(text: str, file: str = "<string>", is_json: bool = False) -> Any:
    """Parse YAML or JSON text; raise `LayoutError` (with a line) on any syntax problem."""
    check_depth(text, file, _BaseLoader)
    if is_json:
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            hint = ""
            if text.lstrip()[:1] not in ("{", "[") and isinstance(_yaml_or_none(text), dict):
                hint = " (the file reads as YAML: name it .yaml or .yml)"
            raise LayoutError(
                [Problem(file, "", f"invalid JSON: {exc.msg}{hint}", exc.lineno)]
            ) from None
        except RecursionError:
            raise LayoutError([Problem(file, "", "invalid JSON: nested too deeply")]) from None
        except ValueError:  # int() refuses a number of more than 4300 digits
            long = re.search(r"\d{100,}", text)
            line = text.count("\n", 0, long.start()) + 1 if long else None
            raise LayoutError(
                [Problem(file, "", "invalid JSON: a number too long to read", line)]
            ) from None
    try:
        return _parse_events(text)
    except (_Irregular, yaml.YAMLError):
        pass  # the node-based loader reports it, or builds what the fast one cannot
    return _parse_nodes(text, file)


def _yaml_or_none(text: str) -> Any:
    """`text` parsed as YAML, or None if it is not (for a hint only: never trusted)."""
    try:
        return _parse_events(text)
    except (_Irregular, yaml.YAMLError):
        return None


def _parse_nodes(text: str, file: str) -> Any:
    """Parse through PyYAML's node tree: anchors, aliases (size-checked), tags refused with a
    message, every duplicate key named, syntax errors explained with their line."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            data = None
        elif "&" not in text:  # no anchor, so no alias: size and depth are the text's own
            data = loader.construct_document(node)
        elif _expanded_size(node, {}, MAX_EXPANDED_NODES, depths := {}) > MAX_EXPANDED_NODES:
            raise LayoutError(
                [
                    Problem(
                        file,
                        "",
                        f"YAML aliases expand this document beyond {MAX_EXPANDED_NODES:,} "
                        "values; refusing it (write the values out or use profiles)",
                    )
                ]
            )
        elif depths[id(node)] > MAX_DEPTH + 1:  # + 1: scalars count as a level here
            raise LayoutError(
                [
                    Problem(
                        file,
                        "",
                        f"YAML aliases nest this document more than {MAX_DEPTH} levels deep; "
                        "refusing it (write the values out or use profiles)",
                    )
                ]
            )
        else:
            data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or str(exc)
        line, what = _explain_syntax(exc, text, line, what)
        if "could not determine a constructor" in str(exc):
            what = (
                "YAML tags that build objects are not allowed "
                f"({exc.problem}); use plain mappings, lists and values"
            )
        raise LayoutError([Problem(file, "", f"invalid YAML: {what}", line)]) from None
    except yaml.YAMLError as exc:
        raise LayoutError([Problem(file, "", f"invalid YAML: {exc}")]) from None
    except RecursionError:  # aliases can nest what the text does not
        raise LayoutError(
            [Problem(file, "", f"nested too deeply (through aliases); at most {MAX_DEPTH} levels")]
        ) from None
    finally:
        loader.dispose()
    problems = [Problem(file, "", msg, line) for line, msg in loader.duplicate_keys]
    if loader.number_traps:
        problems += _trap_problems(data, file)
    if problems:
        raise LayoutError(sorted(problems, key=lambda p: (p.line or 0, p.path)))
    return data


_OPENED = {
    "while parsing a flow sequence": "the '[' opened on this line is never closed",
    "while parsing a flow mapping": "the '{' opened on this line is never closed",
    "while scanning a quoted scalar": "the quote opened on this line is never closed",
    "while scanning a simple key": "a key on this line has no ':' after it",
}


def _explain_syntax(exc: yaml.MarkedYAMLError, text: str, line: int | None, what: str):
    """Point an unclosed bracket or quote at the line that opened it, and name tabs."""
    if line is not None:
        lines = text.splitlines()
        if 0 < line <= len(lines) and "\t" in lines[line - 1]:
            return line, f"{what}: a tab character; YAML is indented with spaces only"
    ctx, ctx_mark = exc.context, exc.context_mark
    if ctx in _OPENED and ctx_mark is not None and ctx_mark.line + 1 != line:
        return ctx_mark.line + 1, f"{_OPENED[ctx]} (at line {line}: {what})"
    return line, what


def read_file(path: str | Path, what: str = "layout") -> Any:
    """Read a layout file (YAML or JSON) with size, encoding and syntax checks; `what`
    names the kind of file in the messages ("site" for a site file)."""
    return parse_bytes(read_bytes(path, what), str(path), what)


def line_in_file(path: str | Path, doc_path: tuple) -> int | None:
    """The line of `doc_path` (``("site", "weather_file")``) in layout file `path`, parsed
    again with the loader's own line records (for error paths only), or None if the file
    cannot be read."""
    from twin.errors import LayoutError

    try:
        return line_of(read_file(path), doc_path)
    except (LayoutError, OSError):
        return None


def read_bytes(path: str | Path, what: str = "layout") -> bytes:
    """A layout file's bytes, refusing missing, unreadable, oversize and non-regular files
    (a directory, a FIFO, a device such as /dev/zero) without ever blocking on them."""
    name = str(path)
    try:
        return read_regular(path, MAX_FILE_BYTES)
    except FileNotFoundError:
        raise LayoutError([Problem(name, "", "file not found")]) from None
    except NotRegularFile as exc:
        raise LayoutError([Problem(name, "", f"is {exc.kind}, expected a {what} file")]) from None
    except FileTooLarge as exc:
        raise LayoutError(
            [
                Problem(
                    name,
                    "",
                    f"file is {exc.size / 1e6:.1f} MB; {what}s up to "
                    f"{MAX_FILE_BYTES / 1e6:.0f} MB are accepted",
                )
            ]
        ) from None
    except OSError as exc:
        raise LayoutError([Problem(name, "", f"cannot read file: {exc.strerror}")]) from None


def parse_bytes(raw: bytes, file: str, what: str = "layout") -> Any:
    """Decode and parse uploaded or read bytes, refusing binary junk with a clear message
    (`what`: the kind of file the messages name)."""
    if len(raw) > MAX_FILE_BYTES:
        raise LayoutError([Problem(file, "", f"file is larger than {MAX_FILE_BYTES / 1e6:.0f} MB")])
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # what PowerShell's '>' and Notepad write
        raise LayoutError(
            [
                Problem(
                    file,
                    "",
                    f"UTF-16 text; a {what} is a UTF-8 YAML or JSON text: save it "
                    "as UTF-8 (in PowerShell: Out-File -Encoding utf8)",
                )
            ]  # fmt: skip
        )
    if b"\x00" in raw[:65536]:
        raise LayoutError(
            [Problem(file, "", f"binary data; a {what} is a UTF-8 YAML or JSON text")]
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LayoutError(
            [Problem(file, "", f"not UTF-8 text; a {what} is a UTF-8 YAML or JSON file", line)]
        ) from None
    if not text.strip():
        raise LayoutError([Problem(file, "", f"file is empty; expected a {what} mapping")])
    return parse_text(text, file, is_json=file.lower().endswith(".json"))


def line_of(doc: Any, path: tuple) -> int | None:
    """Best line for a path into parsed data: the deepest container entry that exists."""
    line = getattr(doc, "line", None)
    node = doc
    for key in path:
        if isinstance(node, LDict) and key in node:
            line = node.lines.get(key, line)
            node = node[key]
        elif isinstance(node, LList) and isinstance(key, int) and 0 <= key < len(node):
            line = node.lines[key]
            node = node[key]
        else:
            break
    return line


def component_of(doc: Any, path: tuple) -> str | None:
    """The id of the innermost list item with an ``id`` on `path` (a rack, a row, a UPS),
    cut to 40 characters past 80 (the longest valid id); None outside components."""
    found, node = None, doc
    for key in path:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            if any(isinstance(item, dict) for item in node):  # a list of components
                item = node[key]
                ok = isinstance(item, dict) and isinstance(item.get("id"), str) and item["id"]
                found = item["id"] if ok else None  # not its hall's: it has none of its own
            node = node[key]
        else:
            break
    if found is not None and len(found) > 80:
        return f"{found[:40]}... ({len(found)} characters)"
    return found


def format_path(path: tuple) -> str:
    """``('halls', 2, 'racks', 14, 'power_kw')`` -> ``halls[2].racks[14].power_kw``."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += ("." if out else "") + str(key)
    return out
