"""Cross-checks of the site (part of `twin.layout.crosscheck.cross_check`): the grid
connection against its utility connections, and the weather file.

The weather file is checked here, not in the schema: whether it exists is a fact about the
disk, not the text, so a cached layout (`twin.layout.cache`) is checked again on every load.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from twin.layout import schema as s
from twin.layout.regular_file import not_regular
from twin.layout.source import MAX_WEATHER_BYTES, PVLIB_PREFIX

if TYPE_CHECKING:
    from twin.layout.crosscheck import Collector

PVLIB_WEATHER = re.compile(r"\d{6}TYA?\.csv|.+\.epw", re.I)
"""pvlib's bundled files that `twin.solve.weather` reads as weather: TMY3 (csv) and EPW."""

GRID_OVER_UTILITIES_MAX = 100.0
"""grid_mw may exceed the utility connections' total MVA by at most this factor before it is
refused as a unit slip (kW written for MW, a factor of 1000): physically it cannot exceed
them at all; the wide margin keeps test rigs and utilities modelled only in part [est]."""


def check_grid_units(layout: s.Layout, col: Collector) -> None:
    """A grid connection far above what its utility connections carry is a kW/MW slip."""
    utilities = layout.power.utilities
    if not utilities:
        return
    total = sum(u.capacity_mva for u in utilities)
    grid = layout.site.grid_mw
    if grid > GRID_OVER_UTILITIES_MAX * total:
        col.add(
            ("site", "grid_mw"),
            f"{grid:g} MW is {grid / total:,.0f}x the {total:g} MVA of the site's utility "
            "connections (power.utilities capacity_mva): is it in kW? grid_mw is in MW, and a "
            "grid connection delivers at most what its utility connections carry",
        )


def check_weather(layout: s.Layout, col: Collector) -> None:
    """site.weather_file names pvlib's bundled data or a regular, readable, bounded file.

    Only looked at, never opened: a FIFO or a device (e.g. /dev/zero) would hang or
    exhaust memory when read. A relative path is taken from the layout's folder, as
    `twin.solve.weather.weather_path` does.
    """
    wf = layout.site.weather_file
    if not wf:
        return
    path = ("site", "weather_file")
    if wf.startswith(PVLIB_PREFIX):
        name = wf[len(PVLIB_PREFIX) :]
        names = _pvlib_weather_names()
        if names is not None and name.upper() not in {n.upper() for n in names}:
            close = difflib.get_close_matches(name, names, n=2)
            hint = (
                f"; did you mean {' or '.join(PVLIB_PREFIX + n for n in close)}?" if close else ""
            )
            col.add(
                path,
                f"pvlib ships no weather file named {name!r}{hint} (it ships: "
                f"{', '.join(names) or 'none'})",
            )
        return
    base = Path(layout.source).parent if layout.source else Path(".")
    where = Path(os.path.abspath(base / wf))
    try:
        st = os.stat(where)
    except FileNotFoundError:
        col.add(path, f"weather file not found: {where} (relative to the layout's folder)")
        return
    except OSError as exc:
        col.add(path, f"cannot read the weather file {where}: {exc.strerror}")
        return
    kind = not_regular(st.st_mode)
    if kind:
        col.add(path, f"{where} is {kind}, not a regular file; give an EPW or TMY3 file")
    elif st.st_size > MAX_WEATHER_BYTES:
        col.add(
            path,
            f"{where} is {st.st_size / 1e6:.1f} MB; weather files up to "
            f"{MAX_WEATHER_BYTES / 1e6:.0f} MB are read (a year of hourly data is ~1.5 MB)",
        )
    elif not os.access(where, os.R_OK):
        col.add(path, f"cannot read the weather file {where}: permission denied")


def _pvlib_weather_names() -> list[str] | None:
    """Weather files in pvlib's data folder (found without importing pvlib), or None."""
    try:
        spec = importlib.util.find_spec("pvlib")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    try:
        return sorted(
            p.stem
            for p in data.iterdir()
            if PVLIB_WEATHER.fullmatch(p.name) and stat.S_ISREG(p.stat().st_mode)
        )
    except OSError:
        return None
