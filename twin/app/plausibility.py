"""The layout's plausibility warnings for the pages: the same warnings `twin validate` and
`twin solve` print on stderr (`twin.layout.plausibility`), as sentences a planner reads.

A layout loaded from a file and not edited is checked with `check_loaded` (the file is
read again for line numbers only when there is something to warn about), an upload with
the bytes the visitor sent (`remember_upload`, at upload time: the bytes are not kept),
an edited layout with `check` (no file holds it yet: no line numbers). The warnings are
cached by content key and source (the check took 10 ms on the generated 7,584-rack campus,
a cached look-up 2 us, 2026-11-30 21:48 UTC, load 2.4 on 2 cores; a page reruns on every
click). An upload whose entry has left the cache is checked again without line numbers.
No physics here: the ranges and their sources are the layout module's.
"""

from __future__ import annotations

import re
from collections import OrderedDict

import streamlit as st

from twin.app import warm
from twin.app.text import plain
from twin.layout.calibration import SUFFIX as CALIBRATION_SUFFIX
from twin.layout.plausibility import ModelCaution, PlausibilityWarning, check, check_loaded
from twin.layout.source import parse_bytes
from twin.model import columns as C

_CACHE_MAX = 32
_CACHE: OrderedDict[tuple[str, str], list[PlausibilityWarning]] = OrderedDict()
"""Warnings by (content key, layout source), newest last; a few dozen layouts at most."""
_TABLE = re.compile(r"([a-z_]+)\[\d+\]")


def _keep(where: tuple[str, str], warns: list[PlausibilityWarning]) -> list[PlausibilityWarning]:
    _CACHE[where] = warns
    _CACHE.move_to_end(where)
    while len(_CACHE) > _CACHE_MAX:
        _CACHE.popitem(last=False)
    return warns


def _unedited_file(layout) -> bool:
    """The layout of a file on this server, as loaded (`twin.app.warm.unedited_file`)."""
    return warm.unedited_file(layout) is not None


def remember_upload(layout, key: str, raw: bytes) -> list[PlausibilityWarning]:
    """The warnings of an upload (`layout`, validated from `raw`), with the lines of the
    bytes sent; kept for `warnings` under the layout's content key."""
    found = check(layout)
    if found:
        found = check(layout, parse_bytes(raw, layout.source))
    return _keep((key, layout.source), found)


def warnings(layout, key: str) -> list[PlausibilityWarning]:
    """The plausibility warnings of this session's layout (content key `key`)."""
    where = (key, layout.source)
    if where in _CACHE:
        _CACHE.move_to_end(where)
        return _CACHE[where]
    if _unedited_file(layout):
        return _keep(where, check_loaded(layout, layout.source))
    return _keep(where, check(layout))


def _quantity(value: float, unit: str) -> str:
    """A value as the CLI's warning writes it ("0.01 kW", "0.3%")."""
    return f"{value:g}" + (f" {unit}" if unit and unit != "%" else unit)


def sentence(w: PlausibilityWarning | ModelCaution, name: str, kind: str | None = None) -> str:
    """One warning as a sentence: the component (its `kind`, or the kind its path names),
    the field's label, the value, the typical range with its source, and where it is
    written (`name`, the file as the page calls it, and the line) when that is known."""
    if kind is None:
        tables = _TABLE.findall(w.path)
        kind = C.kind_label(tables[-1]) if tables else ""
    if isinstance(w, ModelCaution):  # a model asked for where it is not validated
        text = f"{kind} {w.component}".strip() + f": {w.message[:1].upper()}{w.message[1:]}."
        if w.file.endswith(CALIBRATION_SUFFIX):  # a stale air calibration: its own file
            name = w.file.replace("\\", "/").rsplit("/", 1)[-1]
        return text if w.line is None else text + f" In {name}, line {w.line}."
    quantity = _quantity(w.value, w.unit)
    span = f"{w.low:g}-{_quantity(w.high, w.unit)}"
    text = (
        f"{kind} {w.component}".strip()
        + f": {C.label(w.field)} is {quantity}, outside the typical {span} "
        f"({w.source}). Check the value and its unit."
    )
    if w.line is None:
        return text
    if w.path.startswith("profiles."):
        profile = w.path.split(".")[1]
        return text + f" Set by its profile {profile} in {name}, line {w.line}."
    return text + f" In {name}, line {w.line}."


def sentences(layout, key: str, name: str) -> list[str]:
    """Every warning of the layout as a `sentence` (kinds from the component paths)."""
    found = warnings(layout, key)
    if not found:
        return []
    kinds = {}
    for w in check(layout) if any(w.path.startswith("profiles.") for w in found) else found:
        tables = _TABLE.findall(w.path)
        kinds[w.component] = C.kind_label(tables[-1]) if tables else ""
    return [sentence(w, name, kinds.get((getattr(w, "components", ()) or (w.component,))[0]))
            for w in found]  # fmt: skip


def calibration_lines(layout) -> list[str]:
    """The air calibration applied when the layout was loaded, a line a hall, as `twin
    solve` prints it (the file by its name): twin.layout.calibration."""
    from twin.layout.calibration import notes

    out = []
    for n in notes(layout):
        if n.applied:
            short = n.file.replace("\\", "/").rsplit("/", 1)[-1]
            out.append(n.line_text().replace(n.file, short, 1))
    return out


def show(layout, key: str, name: str) -> None:
    """The air calibration applied on load (a caption a hall), then a collapsed "N
    plausibility warnings" expander listing them, or nothing at all."""
    for line in calibration_lines(layout):
        st.caption(plain(line[:1].upper() + line[1:]))
    lines = sentences(layout, key, name)
    if not lines:
        return
    n = len(lines)
    with st.expander(f"{n} plausibility warning{'s' if n != 1 else ''}", expanded=False):
        st.caption(
            "Values the layout format accepts but real sites rarely use (most likely a unit "
            "slip), and models asked for where they are not validated. The layout still "
            "solves; `twin validate` prints the same warnings."
        )
        st.markdown("\n".join(f"- {plain(line)}" for line in lines))
