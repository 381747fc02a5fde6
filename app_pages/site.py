"""Site (3D): the layout in 3D, racks coloured by any column, details of one component."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import common
from twin.app import state as S

twin, key = common.current()
failed = st.session_state.get("failed", [])
res = common.results(twin, key, failed)
table = S.rack_table(twin, res)

st.title("Site (3D)")
st.caption(
    f"{twin.name}: {len(twin.halls)} halls, {len(twin.racks):,} racks, "
    f"{twin.it_kw / 1000:,.1f} MW IT. Drag to rotate, scroll to zoom."
    + (f" Failed: {', '.join(failed)}" if failed else "")
)

cols = S.colour_columns(table)
left, right = st.columns([3, 1])
with right:
    column = st.selectbox("Colour racks by", cols, index=0, key="site_colour")
    lod = st.selectbox(
        "Detail",
        ["auto", "rack", "row"],
        key="site_lod",
        help="auto: every rack up to 3,000 racks; above that one box per row (mean value)",
    )
    query = st.text_input("Search component id", key="site_search", placeholder="e.g. UPS, R01-03")
    hits = S.search(twin, query, limit=200)
    picked = st.selectbox("Component", hits, index=0 if hits and query else None, key="site_pick")
with left:
    common.show_scene(twin, key, res, column, failed, lod=lod)

st.subheader("Racks")
show = [
    c
    for c in [
        "hall",
        "row",
        "slot",
        "profile",
        column,
        "power_kw",
        "feed_a",
        "feed_b",
        "liquid_loop",
    ]
    if c in table
]
show = list(dict.fromkeys(show))
event = st.dataframe(
    table[show],
    height=260,
    on_select="rerun",
    selection_mode="single-row",
    key="site_table",
)
rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
if rows:
    picked = table.index[rows[0]]

if picked:
    st.subheader(f"Details: {picked}")
    try:
        info = S.details(twin, picked, res)
    except KeyError:
        st.warning(f"No component with id {picked!r}.")
    else:
        c1, c2 = st.columns(2)
        with c1:
            st.write(f"**Kind:** {info['kind']}")
            attrs = pd.Series({k: str(v) for k, v in info["attributes"].items()}, name="value")
            st.dataframe(attrs, height=300)
        with c2:
            if info.get("results"):
                st.write("**Results**")
                st.dataframe(
                    pd.Series({k: str(v) for k, v in info["results"].items()}, name="value")
                )
            for label, k in [
                ("Power path, feed A", "power_path_a"),
                ("Power path, feed B", "power_path_b"),
                ("Cooling path", "cooling_path"),
            ]:
                if info.get(k):
                    st.write(f"**{label}:** " + " → ".join(info[k]))
            if "feeds_racks" in info:
                st.write(f"**Feeds racks:** {info['feeds_racks']}")
