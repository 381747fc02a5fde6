"""The editor's "Place racks" panel: where N more racks of a profile fit (issue 17).

Calls `twin.app.placement` (which calls `twin.scenarios.placement.place`: the
candidates `twin place` ranks, verified by full solves); shows the ranked
candidates, draws the chosen one's racks in the editor's 3D view (`ghosts`), and
applies it through the editor's `commit`, so Undo takes it back. No physics here.
"""

from __future__ import annotations

import streamlit as st

from app_pages import common
from twin.app import placement as AP
from twin.app.text import plain
from twin.errors import LayoutError, ScenarioError

RESULT = "pl_result"  # (layout key, Placement) of the last search
MAX_COUNT = 2000


def _current():
    """The last search's Placement if it was made on the current layout, else None."""
    got = st.session_state.get(RESULT)
    if got and got[0] == st.session_state.get("layout_key"):
        return got[1]
    st.session_state.pop(RESULT, None)
    return None


def _on_find() -> None:
    ss = st.session_state
    twin, key = common.current()
    res = common.results(twin, key, ())
    hall = ss.get("pl_hall") or None
    ss.pop("pl_error", None)
    ss.pop(RESULT, None)
    try:
        p = AP.find(twin, res, ss.get("pl_profile"), int(ss.get("pl_count") or 1), hall)
    except ScenarioError as exc:
        ss["pl_error"] = str(exc)
        return
    ss[RESULT] = (key, p)
    ss["pl_rank"] = 1 if len(p.table) else None


def _on_apply(data, commit) -> None:
    ss = st.session_state
    p, rank = _current(), ss.get("pl_rank")
    if p is None or not rank:
        return
    try:
        new = AP.added_data(data(), p, rank)
    except (ScenarioError, LayoutError) as exc:
        ss["pl_error"] = str(exc)
        return
    if commit(new, AP.what(p, rank)):
        ss.pop(RESULT, None)
        ss.pop("pl_rank", None)
    else:
        errs = [m for msgs in ss.get("ed_errors", {}).values() for m in msgs]
        ss["pl_error"] = "The placed layout is not valid: " + "; ".join(errs[:3])


def panel(twin, data, commit) -> None:
    """The panel. `data()`: the editor's current layout as plain data; `commit(new_data,
    what)`: the editor's commit (validates, makes it current, pushes the undo stack)."""
    halls = list(dict.fromkeys(twin.racks["hall"])) or list(twin.halls.index)
    c1, c2, c3 = st.columns([2, 1, 2])
    c1.selectbox("Rack profile", AP.profiles(twin), key="pl_profile")
    c2.number_input("Racks", min_value=1, max_value=MAX_COUNT, value=4, step=1, key="pl_count")
    c3.selectbox(
        "Hall (blank: any hall)",
        [""] + halls,
        key="pl_hall",
        format_func=lambda h: h or "any hall",
    )
    st.button(
        "Find places",
        key="pl_find",
        on_click=_on_find,
        help="Candidates ranked by a screen; the best 3 are checked by a full coupled solve.",
    )
    if msg := st.session_state.get("pl_error"):
        st.error(plain(msg))
    p = _current()
    if p is None:
        return
    if not len(p.table):
        why = "; ".join(f"{h}: {w}" for h, w in p.skipped.items())
        st.warning(plain(f"No room for {p.count} racks of {p.profile}. {why}"))
        return
    st.caption(
        plain(
            f"{len(p.table):,} candidates for {p.count:,} x {p.profile} "
            f"({p.kw_added:,.0f} kW of IT), {int(p.table['verified'].sum())} verified by full "
            f"solves, {len(p.feasible)} feasible ({p.seconds:.1f} s). Rank 1 is the best."
        )
    )
    common.table(AP.table(p), index="rank", height=220)
    ranks = list(p.table.index)
    if st.session_state.get("pl_rank") not in ranks:
        st.session_state["pl_rank"] = ranks[0]
    st.selectbox(
        "Candidate (its racks drawn lime green in the 3D view below)",
        ranks,
        key="pl_rank",
        format_func=lambda r: AP.label(p, r),
    )
    st.button(
        "Apply this candidate",
        key="pl_apply",
        on_click=_on_apply,
        args=(data, commit),
        type="primary",
        help="Adds its racks (and rows) to the layout; Undo takes them back.",
    )


def ghosts(twin):
    """The chosen candidate's new racks (for the 3D view), or None."""
    p, rank = _current(), st.session_state.get("pl_rank")
    if p is None or not rank or rank not in p.table.index:
        return None
    return AP.ghosts(twin, p, rank)
