"""Layout editor: start from a reference layout or an upload, edit racks, rows and halls,
re-solve, undo, save.

The page; its parts live in sibling modules: `editor_files` (start from, save),
`editor_history` (commit, undo, redo), `editor_panels` (the edit panels) and
`editor_actions` (their on_click callbacks). No physics here.
"""

from __future__ import annotations

import streamlit as st

from app_pages import common, editor_files, place_panel
from app_pages import editor_history as H
from app_pages.editor_panels import PANEL_FIELDS, edit_panels
from twin.app import plausibility as P
from twin.app import state as S
from twin.model import columns as C

st.title("Layout editor")
twin, key = common.current()
editor_files.start_from()
H.show_bar(PANEL_FIELDS)
st.session_state.pop("_ed_full_run", None)  # this run is a full one already
edit_panels(twin)

# ------------------------------------------------------------ re-solved view
twin, key = common.current()
# the warnings `twin validate` prints: the file's lines, or the edited layout's values
P.show(twin.layout, key, st.session_state["layout_name"])
with st.expander(
    "Place racks: where N more racks of a profile fit",
    expanded=bool(st.session_state.get(place_panel.RESULT)),
):
    place_panel.panel(twin, H.data, H.commit)
res = common.results(twin, key, ())
k = S.kpis(twin, res)
# wider columns for the MW figures: '1,240.04 MW' on a campus was cut to '1,240.04 …'
c = st.columns([0.8, 1.3, 1.3, 0.8, 1.2])
common.metric(c[0], "racks", k["racks"])
common.metric(c[1], "it_mw", k["it_mw"])
common.metric(c[2], "facility_mw", k["facility_mw"])
common.metric(c[3], "violations", k["violations"])
headroom_slot = c[4].empty()  # filled at the end of the run: the 3D view does not wait
if len(res.violations):
    common.table(res.violations[["component", "kind", "message"]], height=200)
column = st.selectbox(
    "Colour racks by",
    S.colour_columns(S.rack_table(twin, res)),
    key="ed_colour",
    format_func=C.header,
)


def _on_pick(cid: str) -> None:
    """A rack clicked in 3D becomes the rack to change, move or remove."""
    st.session_state["ed_picked"] = cid
    if cid in common.current()[0].racks.index:
        st.session_state["ed_ch_rack"] = cid
        st.session_state["ed_mv_rack"] = cid
        if st.session_state.get("ed_panel") not in ("Change rack", "Move / remove rack"):
            st.session_state["ed_panel"] = "Change rack"
        st.session_state["ed_message"] = f"Picked rack {cid}: edit it under Change rack or Move."


common.show_scene(
    twin,
    key,
    res,
    column,
    (),
    height=480,
    selected=st.session_state.get("ed_picked"),
    widget="ed_scene",
    on_pick=_on_pick,
    ghosts=place_panel.ghosts(twin),
)

# ------------------------------------------------- headroom (after the 3D view)
with headroom_slot.container():
    if len(twin.racks) <= 3000 or st.session_state.get("ed_headroom_on"):
        common.show_headroom_when_ready(twin, key)
    elif st.button("IT headroom", key="ed_headroom"):
        st.session_state["ed_headroom_on"] = True
        st.rerun()


editor_files.save_section()
