"""The app's caches every session shares, and the server's warm-up that fills them.

Layouts, twins, solves and 3D scenes are cached by content (layout hash,
failed set, colour column), so sessions share them and never see each
other's edits. They live here, in the `twin.app` package, not in the app's
`app_pages` folder, because two callers need them: the pages (through
`app_pages.common`, which re-exports them) and the server's warm-up thread
(`twin.app.run`), which fills them for the default layout before the first
visitor comes. The dependency goes one way: `app_pages` imports `twin.app`,
never the reverse.

The base solve of an unedited layout file is also kept on disk
(`twin.app.solve_cache`, keyed by the Twin's content and the solver code), so a
restarted server finds it in ~0.02 s instead of solving (~1 s on the campus). A
Twin from an incremental edit (`twin.app.incremental`) comes in through `adopt`.

Configuration: `LAYOUTS` ($TWIN_LAYOUT_DIR, default layouts/) and `DEFAULT`
($TWIN_LAYOUT, the layout a new session opens). Tests patch them here.
No physics here: everything is a call into twin.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from twin import viz
from twin.app import solve_cache
from twin.app import state as S
from twin.app.marches import marches
from twin.layout import Layout, load
from twin.model import Twin
from twin.solve.cache import peek
from twin.viz.payload import camera_key, encode  # imported with the app: colour maps

ROOT = Path(__file__).resolve().parents[2]
LAYOUTS = Path(os.environ.get("TWIN_LAYOUT_DIR", ROOT / "layouts")).resolve()
DEFAULT = os.environ.get("TWIN_LAYOUT", "layouts/ai-factory-hall.yaml")


@st.cache_resource(max_entries=8, show_spinner=False)
def _load_file(path: str, version: tuple) -> Layout:
    return load(path)


def load_path(path: str) -> Layout:
    """The layout in file `path` ('layouts/NAME' is NAME in `LAYOUTS`), cached per version."""
    p = Path(path)
    if not p.is_absolute():
        p = LAYOUTS / p.name if p.parts[0] == "layouts" and len(p.parts) == 2 else ROOT / p
    return _load_file(str(p), (p.stat().st_mtime, _calibration_version(p)))


@st.cache_data(max_entries=32, show_spinner=False)
def _file_key(path: str, mtime: float, size: int, calibration: tuple | None = None) -> str:
    return _KNOWN_KEYS.get((path, mtime, size, calibration)) or S.layout_key(load_path(path))


_KNOWN_KEYS: dict[tuple[str, float, int, tuple | None], str] = {}
"""Content keys the warm-up computed, per file version (path, mtime, size, and its air
calibration's (mtime, size) or None), so that
`_file_key` does not hash the default layout a second time (~0.5 s on a campus)."""


def unedited_file(layout: Layout) -> Path | None:
    """The file `layout` is the cached, unedited load of, else None. Files come through
    `load_path` with absolute paths; an upload's source is only its name, which must not
    be taken for a file of the server's working folder (load_path would look in ROOT)."""
    src = Path(layout.source)
    if src.is_absolute() and src.is_file() and load_path(str(src)) is layout:
        return src
    return None


def _key(layout: Layout) -> str:
    """The content key of `layout`, computed once per file version for an unedited file
    (hashing a campus takes ~0.5 s)."""
    src = unedited_file(layout)
    if src is not None:
        stat = src.stat()
        return _file_key(str(src), stat.st_mtime, stat.st_size, _calibration_version(src))
    return S.layout_key(layout)


_PREPARED: dict[str, Twin] = {}
"""Twins built another way than `Twin.from_layout` (an incremental edit), by content key,
until `_twin` takes them into its cache."""
_PREPARED_MAX = 8


def adopt(key: str, twin: Twin) -> None:
    """Make `twin` (the Twin of `twin.layout`, e.g. patched by `twin.app.incremental`) the
    cached Twin of content `key`, instead of building it again from the layout."""
    _PREPARED[key] = twin
    while len(_PREPARED) > _PREPARED_MAX:
        _PREPARED.pop(next(iter(_PREPARED)))


@st.cache_resource(max_entries=8, show_spinner=False)
def _twin(key: str, _layout: Layout) -> Twin:
    prepared = _PREPARED.pop(key, None)
    if prepared is not None and prepared.layout is _layout:
        return prepared
    return Twin.from_layout(_layout)


SOLVING = (
    "Solving power, cooling and air. A hall's first air flow on the FFD field takes a few "
    "seconds; the same geometry again comes from memory."
)
"""What the page shows while a solve that is not cached runs (an edit in an FFD hall marches
its air again, 5-15 s; it said nothing before)."""


@st.cache_resource(max_entries=64, show_spinner=SOLVING)
def _results(key: str, failed: tuple[str, ...], _twin: Twin):
    if failed or not _from_file(_twin):
        return S.solve(_twin, frozenset(failed))
    disk = _disk_key(_twin)  # the base solve of a layout file: kept over server restarts
    res = solve_cache.get(disk) if disk else None
    if res is None:
        res = S.solve(_twin)
        if disk:
            solve_cache.put(disk, res)
    return res


def _from_file(twin: Twin) -> bool:
    """The Twin of an unedited layout file (edits and uploads are not kept on disk)."""
    return unedited_file(twin.layout) is not None


def _disk_key(twin: Twin) -> str | None:
    """What a solve of `twin` reads: the content of every table and of the site block
    (`twin.solve.cache.fingerprint`); None with a weather file (its bytes are read too)."""
    from twin.solve.cache import fingerprint

    if twin.layout.site.weather_file:
        return None
    return fingerprint(twin).hex()


def results(twin: Twin, key: str, failed=()):
    """The coupled solve of this layout with `failed` out (cached by key and failed set)."""
    from twin.app.marches import wait_for_flows

    wait_for_flows(twin, key, failed)  # a background job's flows: not marched twice
    return _results(key, tuple(sorted(failed)), twin)


@st.cache_data(max_entries=24, show_spinner=False)
def _scene_payload(
    key: str,
    column: str,
    failed: tuple[str, ...],
    lod: str,
    _twin: Twin,
    _values,
    _affected,
    _marks=(),
    dimmed: tuple[str, ...] = (),
    ghosts_key: str = "",
    _ghosts=None,
) -> tuple[dict, bytes]:
    scene = viz.build_scene(
        _twin,
        _values,
        failed=set(failed),
        affected=set(_affected),
        lod=lod,
        column=column,
        marks=dict(_marks),
        ghosts=_ghosts,
        dimmed=set(dimmed),
    )
    return encode(scene, layout_key=camera_key(_twin))


@st.cache_resource(max_entries=8, show_spinner=False)
def _equipment(key: str, _twin: Twin) -> pd.DataFrame:
    from twin.viz.placement import equipment

    return equipment(_twin)


def path_lines(twin: Twin, key: str, res, cid: str | None) -> list[dict]:
    """The 3D lines of `cid`'s power paths (A, B) and cooling paths, [] if it has none."""
    from twin.viz.paths import path_lines as lines

    if not cid or cid not in twin.component_ids():
        return []
    info = S.details(twin, cid, None)
    paths = {
        "Power path, feed A": info.get("power_path_a"),
        "Power path, feed B": info.get("power_path_b"),
    }
    paths |= {f"Cooling path, {m}": p for m, p in info.get("cooling_paths", {}).items()}
    row = info["attributes"]
    for side, col in (("A", "feed"), ("B", "feed_b")):
        # a cooling unit's own supply: its feed(s) and what feeds them
        feed = row.get(col)
        if isinstance(feed, str) and feed in twin.power_nodes.index:
            paths[f"Power path, feed {side}"] = twin.upstream_path(feed)
    return lines(twin, cid, paths, _equipment(key, twin))


def default_scene_args(twin: Twin, res) -> tuple[str, str]:
    """(colour column, detail level) the Site page opens with: its selectboxes' first options."""
    return S.colour_columns(S.rack_table(twin, res))[0], "auto"


def scene_payload(
    twin: Twin,
    key: str,
    res,
    column: str,
    failed=(),
    lod: str = "auto",
    dimmed=(),
    ghosts: pd.DataFrame | None = None,
) -> tuple[dict, bytes]:
    """The packed scene (header, blob) of this layout, result and colour column (cached).
    `dimmed`: rack ids drawn grey (filtered out); `ghosts`: racks a placement would add
    (`twin.viz.build_scene`), keyed in the cache by their ids and positions."""
    table = S.rack_table(twin, res)
    values = pd.to_numeric(table[column], errors="coerce") if column in table else None
    affected = S.affected_racks(twin, res) if res is not None else pd.Index([])
    marks = tuple(sorted(S.violation_marks(twin, res).items()))
    gkey = ""
    if ghosts is not None and len(ghosts):
        gkey = str(pd.util.hash_pandas_object(ghosts, index=True).sum())
    return _scene_payload(
        key,
        column,
        tuple(sorted(failed)),
        lod,
        twin,
        values,
        tuple(affected),
        marks,
        tuple(sorted(dimmed)),
        gkey,
        ghosts,
    )


def warm_up() -> dict[str, float]:
    """Load, build and solve the default layout into the caches every session shares.

    Run by the server's warm-up thread (`twin.app.run`) as the server starts, so the
    first visitor finds the layout, its twin and its base results ready, and the FFD flows
    of its N-1 being marched (`twin.app.marches`); a visitor who
    comes while it still runs waits only for the rest (each cached function computes a
    key once). Only `st.cache_resource` functions here: they need no server runtime,
    so this can overlap the server's own start; `warm_up_key` fills the cache_data
    part once the runtime exists. Returns the seconds each step took; an error is left
    for the first visitor's page to show as usual.
    """
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    layout = load_path(DEFAULT)
    times["load"] = (t1 := time.perf_counter()) - t0
    src = Path(layout.source)
    before = _version(src)
    key = S.layout_key(layout)  # what _file_key will return for it
    if before is not None and before == _version(src):
        _KNOWN_KEYS[(str(src), *before)] = key
    twin = _twin(key, layout)
    times["twin"] = (t2 := time.perf_counter()) - t1
    _results(key, (), twin)
    times["solve"] = time.perf_counter() - t2
    marches(twin, key)  # its N-1's FFD flows, in worker processes (returns at once)
    if peek(twin, "coupled") is None:  # the solve came from disk: build what edits reuse
        threading.Thread(
            target=_structures, args=(twin,), name="twin-structures", daemon=True
        ).start()
    return times


def _version(path: Path) -> tuple[float, int, tuple | None] | None:
    try:
        st_ = path.stat()
    except OSError:
        return None
    return st_.st_mtime, st_.st_size, _calibration_version(path)


def _calibration_version(path: Path) -> tuple[float, int] | None:
    """(mtime, size) of the air calibration beside layout `path` (applied on load:
    twin.layout.calibration), None without one: part of the file's cache keys."""
    from twin.layout.calibration import sidecar_path

    try:
        st_ = sidecar_path(path).stat()
    except OSError:
        return None
    return st_.st_mtime, st_.st_size


STRUCTURES_AFTER_S = 10.0
"""A base solve from disk builds no solver structures (power model, air model's LU, seed)
that a failure or an edit reuses: they are built this long after the warm-up, once the
first visitor's page has had its turn."""


def _structures(twin: Twin) -> None:
    time.sleep(STRUCTURES_AFTER_S)
    with contextlib.suppress(Exception):  # the pages build them (and report) if this fails
        S.solve(twin)


def warm_up_key() -> str:
    """Fill the st.cache_data part (needs the server runtime) for the default layout: its
    per-file key and the 3D scene the Site page opens with (default colour column and
    detail level, no failures: the same cached call and arguments as the page)."""
    layout = load_path(DEFAULT)
    key = _key(layout)
    twin = _twin(key, layout)
    res = _results(key, (), twin)
    column, lod = default_scene_args(twin, res)
    scene_payload(twin, key, res, column, (), lod)
    return key
