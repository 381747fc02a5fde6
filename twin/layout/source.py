"""Read a layout file safely into plain Python data that remembers its line numbers.

YAML is parsed with PyYAML's *safe* loader only (no tags that build Python
objects). JSON is parsed by the same loader (JSON is YAML's flow style), so
both formats report lines. Mappings and sequences come back as `LDict` and
`LList`, which carry the 1-based line of every key or item, so a validation
error can name the line as well as the path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from twin.errors import LayoutError, Problem

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Largest layout accepted; a generated 1 GW campus is ~3 MB."""

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
    """Safe loader that records lines and rejects duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[tuple[int, str]] = []
        self.alias_count = 0
        self.alias_nodes = 0
        self._open_anchors: list[str] = []
        self._sizes: dict[int, int] = {}

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML signature
        event = self.peek_event()
        line = event.start_mark.line + 1
        if self.check_event(yaml.AliasEvent):
            self.alias_count += 1
            if self.alias_count > MAX_ALIASES:
                raise yaml.YAMLError(
                    f"more than {MAX_ALIASES} YAML aliases (line {line}); "
                    "refusing a file that expands this much"
                )
            if event.anchor in self._open_anchors:
                raise yaml.YAMLError(
                    f"alias *{event.anchor} (line {line}) refers to a node that contains it; "
                    "recursive structures are not allowed"
                )
            node = super().compose_node(parent, index)
            self.alias_nodes += self._size(node)
            if self.alias_nodes > MAX_ALIAS_NODES:
                raise yaml.YAMLError(
                    f"YAML aliases expand to more than {MAX_ALIAS_NODES:,} values (line {line}); "
                    "refusing a file that expands this much ('billion laughs')"
                )
            return node
        if len(self._open_anchors) >= MAX_DEPTH:
            raise yaml.YAMLError(
                f"nested more than {MAX_DEPTH} levels deep (line {line}); a layout is a few "
                "levels of mappings and lists"
            )
        self._open_anchors.append(getattr(event, "anchor", None) or "")
        try:
            return super().compose_node(parent, index)
        finally:
            self._open_anchors.pop()

    def _size(self, node: yaml.Node) -> int:
        """Values under `node` once every alias is expanded (memoised: aliases share nodes)."""
        size = self._sizes.get(id(node))
        if size is None:
            size = 1
            if isinstance(node, yaml.MappingNode):
                size += sum(self._size(k) + self._size(v) for k, v in node.value)
            elif isinstance(node, yaml.SequenceNode):
                size += sum(self._size(v) for v in node.value)
            self._sizes[id(node)] = size
        return size


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


def parse_text(text: str, file: str = "<string>", is_json: bool = False) -> Any:
    """Parse YAML or JSON text; raise `LayoutError` (with a line) on any syntax problem."""
    if is_json:
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise LayoutError([Problem(file, "", f"invalid JSON: {exc.msg}", exc.lineno)]) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            data = None
        elif _expanded_size(node, {}, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES:
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
        else:
            data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = exc.problem or str(exc)
        if "could not determine a constructor" in str(exc):
            what = (
                "YAML tags that build objects are not allowed "
                f"({exc.problem}); use plain mappings, lists and values"
            )
        raise LayoutError([Problem(file, "", f"invalid YAML: {what}", line)]) from None
    except yaml.YAMLError as exc:
        raise LayoutError([Problem(file, "", f"invalid YAML: {exc}")]) from None
    except RecursionError:
        raise LayoutError([Problem(file, "", "nested too deeply to read")]) from None
    finally:
        loader.dispose()
    if loader.duplicate_keys:
        raise LayoutError([Problem(file, "", msg, line) for line, msg in loader.duplicate_keys])
    return data


def read_file(path: str | Path) -> Any:
    """Read a layout file (YAML or JSON) with size, encoding and syntax checks."""
    path = Path(path)
    name = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise LayoutError([Problem(name, "", "file not found")]) from None
    except OSError as exc:
        raise LayoutError([Problem(name, "", f"cannot read file: {exc.strerror}")]) from None
    if path.is_dir():
        raise LayoutError([Problem(name, "", "is a directory, expected a layout file")])
    if size > MAX_FILE_BYTES:
        raise LayoutError(
            [
                Problem(
                    name,
                    "",
                    f"file is {size / 1e6:.1f} MB; layouts up to "
                    f"{MAX_FILE_BYTES / 1e6:.0f} MB are accepted",
                )
            ]
        )
    return parse_bytes(path.read_bytes(), name)


def parse_bytes(raw: bytes, file: str) -> Any:
    """Decode and parse uploaded or read bytes, refusing binary junk with a clear message."""
    if len(raw) > MAX_FILE_BYTES:
        raise LayoutError([Problem(file, "", f"file is larger than {MAX_FILE_BYTES / 1e6:.0f} MB")])
    if b"\x00" in raw[:65536]:
        raise LayoutError([Problem(file, "", "binary data; a layout is a UTF-8 YAML or JSON text")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LayoutError(
            [Problem(file, "", "not UTF-8 text; a layout is a UTF-8 YAML or JSON file", line)]
        ) from None
    if not text.strip():
        raise LayoutError([Problem(file, "", "file is empty; expected a layout mapping")])
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


def format_path(path: tuple) -> str:
    """``('halls', 2, 'racks', 14, 'power_kw')`` -> ``halls[2].racks[14].power_kw``."""
    out = ""
    for key in path:
        if isinstance(key, int):
            out += f"[{key}]"
        else:
            out += ("." if out else "") + str(key)
    return out
