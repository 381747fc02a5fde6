"""The Dashboard's stranded-capacity picture: one stacked bar per hall (twin.app.stranded)."""

from __future__ import annotations

import altair as alt
import streamlit as st

from app_pages import common
from twin.app import stranded as SC
from twin.app.text import plain
from twin.errors import count
from twin.model import Twin

AT_ONCE_HALLS = 4
"""Up to this many halls the picture is drawn at once (a headroom search per hall, ~1-2 s
each on this machine); more wait for a click."""


@st.cache_resource(max_entries=16, show_spinner=False)
def _table(key: str, _twin: Twin):
    """Per layout content (`key`), shared by every session like the solves: searched once
    per layout version; after the background marches of its FFD flows (`twin.app.marches`)."""
    common.marches(_twin, key).wait()
    # the site row splits the Dashboard's own headroom (cached), not a second search
    return SC.table(_twin, room=common.headroom(_twin, key))


def show(twin: Twin, key: str) -> None:
    st.subheader("Stranded capacity per hall")
    halls = twin.racks["hall"].nunique()
    if halls > AT_ONCE_HALLS and not st.session_state.get("dash_stranded_on"):
        if st.button(f"Find stranded capacity ({count(halls, 'hall')}, a search per hall)"):
            st.session_state["dash_stranded_on"] = True
            st.rerun()
        return
    if common.marching(twin, key):
        st.caption(f"The search per hall {common.WAITING}.")
        return
    with st.spinner("Headroom search per hall..."):
        t = _table(key, twin)
    long, notes = SC.picture(t)
    parts = list(SC.PARTS.values())
    st.altair_chart(
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("hall:N", title="Hall"),
            y=alt.Y("kw:Q", title="IT (kW)", stack="zero"),
            color=alt.Color(
                "part:N",
                title=None,
                scale=alt.Scale(domain=parts, range=SC.COLOURS),
                legend=alt.Legend(orient="bottom", columns=2, labelLimit=400),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("hall:N", title="Hall"),
                alt.Tooltip("part:N", title="Part"),
                alt.Tooltip("kw:Q", title="IT (kW)", format=",.0f"),
            ],
        )
        .properties(height=300),
        width="stretch",
    )
    st.caption(
        "Normal state, design IT. Power without cooling: power margin beyond the cooling "
        "margin; cooling without power: the reverse; floor without either: free rack slots "
        "(rows to the hall walls) x the hall's median rack power, beyond both margins "
        "(twin.metrics.stranded; the same numbers as `twin info --stranded`). The first bar "
        "is the site's, from the site headroom (the headline's numbers): halls share the grid "
        "connection (and, where the table says so, more), so their bars do not add up to it."
    )
    for note in notes:
        st.caption(plain(note))
    common.table(t[SC.TABLE], index="hall", height=300)
