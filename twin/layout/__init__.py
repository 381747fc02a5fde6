"""The layout file format: read, validate, write and generate site layouts.

>>> from twin.layout import load
>>> layout = load("layouts/small-room.yaml")     # raises LayoutError on bad input

Big files (a campus) are validated once and then come from an on-disk cache keyed
by their bytes: see `twin.layout.cache`.

A hall's air calibration (``room.air-calibration.yaml`` beside ``room.yaml``, written by
``twin calibrate``) is applied on every load, after the cache, so the cache never holds a
calibration and a changed calibration file is read afresh: see `twin.layout.calibration`.
"""

from __future__ import annotations

from pathlib import Path

from twin.layout import cache
from twin.layout.schema import FORMAT_VERSION, Layout
from twin.layout.source import parse_bytes, read_bytes
from twin.layout.validate import validate_data
from twin.layout.write import dump, save

__all__ = ["FORMAT_VERSION", "Layout", "dump", "load", "loads", "save", "validate_data"]


def load(path: str | Path, calibration: bool = True) -> Layout:
    """Read and validate a layout file (YAML or JSON); with `calibration` (the default)
    apply the air calibration beside it, if any (`twin.layout.calibration.apply`)."""
    layout = _validated(read_bytes(path), str(path))
    if calibration:
        from twin.layout.calibration import apply

        layout = apply(layout, path)
    return layout


def loads(raw: bytes | str, name: str = "<upload>.yaml") -> Layout:
    """Validate layout text or bytes, e.g. an upload; `name` appears in error messages."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    return _validated(raw, name)


def _validated(raw: bytes, name: str) -> Layout:
    layout = cache.get(raw, name)
    if layout is None:
        layout = validate_data(parse_bytes(raw, name), name, copy=False)
        cache.put(raw, layout)
    return layout
