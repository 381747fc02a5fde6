"""Shared by the pages: the session's layout, the cached twins/solves/scenes, the 3D view.

Per-browser-session state lives in `st.session_state` only. The caches shared
between sessions (layouts, twins, solves, scenes, keyed by content) are
`twin.app.warm`'s, re-exported here, so the server's warm-up thread fills the
very caches the pages read; `LAYOUTS`, `DEFAULT` and `ROOT` read through to it.
No physics here: everything is a call into twin.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import functools
import secrets
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.logger import get_logger

from twin import viz
from twin.app import state as S
from twin.app import warm
from twin.app.marches import marches
from twin.app.run import MAX_UPLOAD_MB
from twin.app.text import plain
from twin.app.warm import (  # noqa: F401 - the pages' and tests' names for the shared caches
    _key,
    _results,
    _twin,
    adopt,
    default_scene_args,
    load_path,
    results,
    scene_payload,
    warm_up,
    warm_up_key,
)
from twin.errors import LayoutError
from twin.layout import Layout
from twin.model import Twin
from twin.model import columns as C
from twin.solve.results import NOT_AN_ANSWER

MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 2**20
"""The largest upload the editor parses: `MAX_UPLOAD_MB` as Streamlit counts MB (MiB).
The server refuses larger ones itself (`twin.app.run` sets server.maxUploadSize)."""
_CONFIG = ("ROOT", "LAYOUTS", "DEFAULT")
_LOG = get_logger("twin.app")


def __getattr__(name: str):
    """`common.LAYOUTS` etc.: `twin.app.warm`'s current value (patch it there, not here)."""
    if name in _CONFIG:
        return getattr(warm, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _name(p: Path) -> str:
    """How a layout file is shown: 'layouts/NAME' for files in the layouts folder, the
    path in the project for its other files, the file name alone for any other file (a
    page never shows where on the server a file is)."""
    p = Path(p).resolve()
    if p.parent == warm.LAYOUTS:
        return f"layouts/{p.name}"
    try:
        return str(p.relative_to(warm.ROOT))
    except ValueError:
        return p.name


def show_layout_error(exc: LayoutError, name: str, head: str | None = None) -> None:
    """A LayoutError as messages: `head` (if any), then one per problem, each naming the
    file as `name` (what the page calls it: the upload's file name, 'layouts/NAME'), never
    the path the server read it from. All of it is shown as text (`plain`). Its notes
    (what the check left out because of the problems) follow as information, not errors."""
    if head:
        st.error(plain(head))
    for p in exc.problems:
        st.error(plain(dataclasses.replace(p, file=name)))
    for p in exc.notes:
        st.info(plain(dataclasses.replace(p, file=name)))


def log_exception(what: str) -> str:
    """Log the exception being handled, with its traceback, on the server; returns a short
    reference to show on the page instead of the details."""
    ref = secrets.token_hex(4)
    _LOG.exception("twin: %s failed (reference %s)", what, ref)
    return ref


@contextlib.contextmanager
def guard(what: str):
    """Run a part of the page; an unexpected error becomes a short message on the page
    (with a reference) and its traceback goes to the server's log, never to the browser.

    Streamlit's st.stop, st.rerun and st.switch_page are not Exceptions: they pass."""
    try:
        yield
    except Exception:  # noqa: BLE001 - the point: nothing unexpected reaches the browser
        ref = log_exception(what)
        st.error(
            plain(
                f"Something went wrong while showing {what}. The details are in the "
                f"server's log (reference {ref})."
            )
        )


ROW_PX = 35
"""Height of a row (and of the header row) in `st.dataframe`, in pixels."""


def fit_height(rows: int, most: int) -> int:
    """The height of a dataframe of `rows` rows drawn whole (header, rows, border), at
    most `most` pixels (then it scrolls): no empty rows under a short table."""
    return min(most, ROW_PX * (rows + 1) + 3)


def table(df: pd.DataFrame, index: str | None = "id", height: int | None = None, **kwargs):
    """`st.dataframe` of `df` as people read it (`twin.model.columns`): human headers with
    units, the index as a first column named by the map (or none), numbers rounded to
    their column's digits with thousands separators, booleans yes/no. `height` is the
    most it takes: a shorter table is sized to its rows (`fit_height`)."""
    if height is not None:
        kwargs["height"] = fit_height(len(df), height)
    shown = C.display(df, index=index)
    formats = C.formats(df, index)
    raw = {C.header(c): c for c in df.columns}
    for col in shown.columns:  # "∞" (no load, no generator), not "Infinity": as text
        s = shown[col]
        if pd.api.types.is_float_dtype(s) and np.isinf(s.to_numpy()).any():
            digits = C.spec(raw[col]).digits if col in raw else 1
            shown[col] = s.map(lambda v, d=digits: "" if v != v else C.number(v, d))
            formats.pop(col, None)
    config = {h: st.column_config.NumberColumn(h, format=f) for h, f in formats.items()}
    if index is not None and df.index.name and not isinstance(df.index, pd.RangeIndex):
        config.setdefault(C.header(df.index.name), st.column_config.TextColumn(pinned=True))
    return st.dataframe(shown, hide_index=True, column_config=config, **kwargs)


def metric(where, name: str, value, delta=None, **kwargs) -> None:
    """`where.metric` of headline number `name`: its label, unit and digits from the map."""
    where.metric(C.label(name), C.fmt(value, name), delta=delta, **kwargs)


def reference_layouts() -> list[str]:
    """Layout files in the layouts folder ($TWIN_LAYOUT_DIR, default layouts/)."""
    return sorted(_name(p) for p in warm.LAYOUTS.glob("*.y*ml"))


def set_layout(layout: Layout, name: str, key: str | None = None) -> None:
    """Make `layout` this session's current layout (resets failures and selection).

    The cache key is the content hash of the layout; for an unedited file it is
    computed once per file version (hashing a campus takes ~0.5 s). An edit passes
    the hash of the data it validated (`S.data_key`), which names the same content.
    """
    st.session_state["layout"] = layout
    st.session_state["layout_name"] = name
    st.session_state["layout_key"] = key or _key(layout)
    st.session_state["failed"] = []
    st.session_state.pop("fail_pick", None)  # the failure picker starts empty too


def init_session() -> None:
    if "layout" in st.session_state:
        return
    default = warm.DEFAULT
    try:
        set_layout(
            load_path(default),
            _name(Path(default) if Path(default).is_absolute() else warm.ROOT / default),
        )
    except (LayoutError, OSError) as exc:
        shown = _name(Path(default))
        if isinstance(exc, LayoutError):
            show_layout_error(exc, shown, f"Could not load the default layout {shown}.")
        else:
            why = exc.strerror or type(exc).__name__
            st.error(plain(f"Could not load the default layout {shown}: {why}."))
        fallback = reference_layouts()
        if not fallback:
            st.stop()
        set_layout(load_path(fallback[0]), fallback[0])


def current() -> tuple[Twin, str]:
    """(twin, layout key) of this session."""
    init_session()
    key = st.session_state["layout_key"]
    return _twin(key, st.session_state["layout"]), key


def _sent_key(widget: str) -> str:
    return f"_twin_scene_sent_{widget}"


def show_scene(
    twin: Twin,
    key: str,
    res,
    column: str,
    failed=(),
    height: int = 620,
    lod: str = "auto",
    selected: str | None = None,
    widget: str = "scene",
    on_pick=None,
    dimmed=(),
    ghosts=None,
) -> None:
    """The interactive 3D view: stays loaded in the browser, which rotates, zooms and picks.

    `selected` is highlighted. A click on a rack or piece of equipment calls
    `on_pick(id)` before the page reruns (widget key `widget`). `dimmed` racks are drawn
    grey (filtered out); `ghosts` are racks a placement would add, drawn lime green.

    The scene's bytes go to the browser only when this session's viewer does not have
    them: on the widget's first run (first visit, back from another page), when the
    scene changed (its digest differs from the one last sent), or when the viewer asks
    (its iframe was remounted or the page reloaded: see `twin.viz.component`). Other
    reruns (a click, a selection) send only the digest.
    """
    header, blob = scene_payload(twin, key, res, column, failed, lod, dimmed, ghosts)
    try:
        lines = warm.path_lines(twin, key, res, selected)
    except Exception:  # the view is still useful without the lines
        log_exception("the selected component's paths")
        lines = []
    if header["lod"] == "row" and selected in twin.racks.index and selected not in header["ids"]:
        selected = twin.racks.at[selected, "row"]  # drawn as part of its row's box
    sent = _sent_key(widget)
    # a keyed component is in session_state only if it was drawn on the previous run
    mounted = widget in st.session_state
    last = st.session_state.get(sent) or (None, None)  # (digest, geometry) sent last
    send = not mounted or last[0] != header["digest"]
    st.session_state[sent] = (header["digest"], header["geometry"])
    viz.viewer(
        header,
        blob if send else None,
        colours_only=mounted and last[1] == header["geometry"],
        selected=selected,
        paths=lines,
        height=height,
        key=widget,
        on_change=functools.partial(_viewer_changed, widget, on_pick),
    )


def _viewer_changed(widget: str, on_pick) -> None:
    """The viewer's value changed: a click (hand the id to the page) or a request for the
    scene's bytes (forget what was sent, so this rerun sends them)."""
    value = st.session_state.get(widget)
    if not isinstance(value, dict):
        return
    if value.get("need"):
        st.session_state.pop(_sent_key(widget), None)
    elif value.get("id") and on_pick is not None:
        on_pick(value["id"])


def show_details(twin: Twin, cid: str, res) -> None:
    """Details of one component (or one row, as drawn on a campus): attributes, results,
    upstream power path and cooling path."""
    rows = twin.racks["row"]
    if cid not in twin.component_ids() and (rows == cid).any():
        members = twin.racks.index[rows.to_numpy() == cid]
        st.subheader(f"Row {plain(cid)}: {len(members):,} racks")
        st.caption("Drawn as one box on a campus; pick a rack to see its paths.")
        table(S.rack_table(twin, res).loc[members, S.RACK_SHOWN], height=220)
        return
    st.subheader(f"Details: {plain(cid)}")
    try:
        info = S.details(twin, cid, res)
    except KeyError:
        st.warning(plain(f"No component with id {cid!r}."))
        return
    c1, c2 = st.columns(2)
    with c1:
        st.write(f"**Kind:** {plain(C.kind_label(info['kind']))}")
        st.dataframe(_values(info["attributes"]), hide_index=True, height=300)
    with c2:
        if info.get("results"):
            st.write("**Results**")
            st.dataframe(_values(info["results"]), hide_index=True)
        paths = [
            ("Power path, feed A", info.get("power_path_a")),
            ("Power path, feed B", info.get("power_path_b")),
        ]
        paths += [(f"Cooling path, {m}", p) for m, p in info.get("cooling_paths", {}).items()]
        for label, path in paths:
            if path:
                st.write(f"**{label}:** " + " → ".join(map(plain, _path_text(path))))
        if "feeds_racks" in info:
            st.write(f"**Feeds racks:** {info['feeds_racks']:,}")


def _values(values: dict) -> pd.DataFrame:
    """A component's attributes or results as (quantity, value) rows: human labels, values
    with their unit and digits, nothing empty ("None", NaN) shown."""
    rows = [
        (C.label(k), C.fmt(v, k))
        for k, v in values.items()
        if v is not None and not (isinstance(v, float) and v != v) and v != ""
    ]
    return pd.DataFrame(rows, columns=["Quantity", "Value"])


def _path_text(path) -> list[str]:
    """A path's steps as text: a step of parallel units (a list) reads 'A | B | C (3 in
    parallel)', not as a chain of them in series."""
    out = []
    for step in path:
        if isinstance(step, list | tuple):
            shown = list(step[:4]) + (["…"] if len(step) > 4 else [])
            out.append(" | ".join(map(str, shown)) + f" ({len(step)} in parallel)")
        else:
            out.append(str(step))
    return out


def _pick_reference(wkey: str) -> None:
    pick = st.session_state.get(wkey)
    if pick:
        try:
            set_layout(load_path(pick), pick)
        except LayoutError as exc:
            st.session_state["sidebar_error"] = (exc, pick)


def sidebar() -> None:
    init_session()
    with st.sidebar:
        st.caption("Layout")
        st.write(f"**{plain(st.session_state['layout'].site.name)}**")
        st.caption(plain(st.session_state["layout_name"]))
        refs = reference_layouts()
        name = st.session_state["layout_name"]
        idx = refs.index(name) if name in refs else None
        # one widget per current layout: it always shows what is loaded, edits included
        wkey = f"sidebar_layout_{st.session_state['layout_key']}"
        st.selectbox(
            "Reference layout",
            refs,
            index=idx,
            key=wkey,
            placeholder="(edited or uploaded)",
            on_change=_pick_reference,
            args=(wkey,),
        )
        if err := st.session_state.pop("sidebar_error", None):
            show_layout_error(*err)
        twin, key = current()
        res = results(twin, key, st.session_state.get("failed", []))
        for note in S.capabilities(res).notes:
            if note.startswith(NOT_AN_ANSWER):  # a solve that is not a solution: loud
                st.warning(plain(note))
            else:
                st.caption(f"ℹ️ {plain(note)}")


def fmt(x: float, unit: str = "", digits: int = 2) -> str:
    """A number with thousands separators, `digits` decimals and its unit; 'n/a' if missing."""
    return C.fmt(x, unit=unit, digits=digits)


@st.cache_resource(max_entries=4, show_spinner=False)
def _n1(key: str, _twin: Twin):
    marches(_twin, key).wait()  # its FFD flows from the store, not one after another here
    return S.n1_ranking(_twin)


def n1(twin: Twin, key: str):
    """The N-1 ranking of this layout (None if twin.scenarios does not provide one yet)."""
    return _n1(key, twin)


def marching(twin: Twin, key: str, failed=()) -> bool:
    """Whether the FFD flows an N-1 of this layout with `failed` out needs are still being
    marched in the background (`twin.app.marches`): its N-1 and headroom wait for them."""
    return marches(twin, key, failed).running


def show_marching(twin: Twin, key: str, failed=()) -> bool:
    """`marching` for the normal state or `failed`; if so one progress bar here that redraws
    the page when every flow is in (the places that wait say so: `WAITING`)."""
    sets = tuple(dict.fromkeys([(), tuple(sorted(failed))]))
    if not any(marching(twin, key, f) for f in sets):
        return False
    _marching(twin, key, sets)
    return True


WAITING = "follows once the air flows without each cooling unit are marched (progress above)"
"""What stands where an N-1's answer goes while `show_marching`'s bar runs."""


@st.fragment(run_every=1.0)
def _marching(twin: Twin, key: str, sets: tuple[tuple[str, ...], ...]) -> None:
    jobs = [marches(twin, key, f) for f in sets]
    if not any(m.running for m in jobs):
        st.rerun(scope="app")
    done, total = sum(m.done for m in jobs), sum(m.total for m in jobs)
    st.progress(
        done / max(total, 1),
        text=f"Air flow without each cooling unit: {done} of {total} marched (FFD, in the "
        "background; the N-1 ranking and the IT headroom follow; kept for later runs)",
    )


@st.cache_data(max_entries=8, show_spinner=False)
def _snapshot(key: str, failed: tuple[str, ...], _twin: Twin, _res) -> bytes:
    from twin.viz.export import render_png_bytes

    scene = viz.build_scene(_twin, failed=set(failed), affected=set(S.affected_racks(_twin, _res)))
    return render_png_bytes(scene, (1200, 700))


def snapshot_legend() -> list[tuple[str, str]]:
    """(name, #rrggbb) of the colours in `snapshot`'s picture that are not the colour map."""
    from twin.viz.scene import AFFECTED_RGB, FAILED_RGB, KIND_RGB

    def hexc(rgb) -> str:
        return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)

    out = [("failed", hexc(FAILED_RGB)), ("rack without power or cooling", hexc(AFFECTED_RGB))]
    return out + [(C.kind_label(k), hexc(rgb)) for k, rgb in KIND_RGB.items()]


HEADROOM_WAIT_S = 0.3
"""How long a page run waits for the IT headroom search before drawing it later."""
_SEARCHES = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="headroom")


@st.cache_resource(max_entries=16, show_spinner=False)
def _headroom_job(key: str, failed: tuple[str, ...], _twin: Twin) -> concurrent.futures.Future:
    return _SEARCHES.submit(_headroom, key, failed, _twin)


def show_headroom_when_ready(twin: Twin, key: str) -> None:
    """The IT headroom metric, searched in a background thread: the search solves every
    single failure (1-4 s on a hall), and an edit's KPIs and 3D view must not wait for it,
    nor the next edit. Drawn at once when it is done within `HEADROOM_WAIT_S`, else a
    placeholder that checks twice a second and redraws the page when the answer is in."""
    job = _headroom_job(key, (), twin)
    with contextlib.suppress(concurrent.futures.TimeoutError):
        job.result(timeout=HEADROOM_WAIT_S)
    if job.done():
        show_headroom(st, twin, key)
    else:
        _headroom_pending(twin, key)


@st.fragment(run_every=0.5)
def _headroom_pending(twin: Twin, key: str) -> None:
    if _headroom_job(key, (), twin).done():
        st.rerun(scope="app")
    st.metric("IT headroom", "searching...", help="Every single failure is solved at the answer.")
    m = marches(twin, key)
    flows = f" (FFD air flow without each unit: {m.done} of {m.total} marched)" if m.running else ""
    st.caption("binding: being searched" + flows)


def snapshot(twin: Twin, key: str, res) -> bytes:
    """A PNG of the site (rendered off-screen in the worker process)."""
    return _snapshot(key, tuple(sorted(st.session_state.get("failed", []))), twin, res)


@st.cache_resource(max_entries=16, show_spinner=False)
def _headroom(key: str, failed: tuple[str, ...], _twin: Twin):
    from twin.metrics.headroom import headroom as _search
    from twin.model.scenario import Scenario

    marches(_twin, key, failed).wait()  # its N-1 check's FFD flows, marched on every core
    return _search(_twin, Scenario.fail(*failed) if failed else None)


def headroom(twin: Twin, key: str, failed=()):
    """How much more IT fits and what binds (`twin.metrics.headroom`, the answer `twin
    solve` and `twin info` print), cached per layout content and failure set."""
    return _headroom(key, tuple(sorted(failed)), twin)


def show_headroom(where, twin: Twin, key: str, failed=()) -> None:
    """The IT headroom metric with its binding constraint and free rack slots."""
    room = headroom(twin, key, failed)
    where.metric(
        "IT headroom",
        S.headroom_text(room),
        help="How much more IT the site takes (racks scaled uniformly, heat and facility "
        "power solved), and the first limit it meets.",
    )
    where.caption(f"binding: {plain(room.reason)}; free rack slots: {room.free_slots:,}")


@st.cache_resource(max_entries=16, show_spinner=False)
def _ride(key: str, failed: tuple[str, ...], _twin: Twin):
    return S.ride_through(_twin, frozenset(failed))


def ride_through(twin: Twin, key: str, failed):
    """Ride-through of this layout after `failed` (None when not available)."""
    return _ride(key, tuple(sorted(failed)), twin)
