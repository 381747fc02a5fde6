"""Site (3D): the layout in 3D, racks coloured by any column, details of one component."""

from __future__ import annotations

import functools

import pandas as pd
import streamlit as st

from app_pages import common
from twin.app import state as S
from twin.app import tenants as T
from twin.app.text import plain
from twin.errors import count
from twin.model import columns as C
from twin.viz.placement import KINDS

twin, key = common.current()
failed = st.session_state.get("failed", [])
res = common.results(twin, key, failed)
table = S.rack_table(twin, res)

st.title("Site (3D)")
st.caption(
    f"{plain(twin.name)}: {count(len(twin.halls), 'hall')}, {count(len(twin.racks), 'rack')}, "
    f"{C.fmt(twin.it_kw / 1000, 'it_mw')} IT. Drag to rotate, scroll to zoom; "
    "search an id to fly to it." + (f" Failed: {plain(', '.join(failed))}" if failed else "")
)


def select(cid: str | None) -> None:
    """The selected component (details below, highlighted in 3D): the last one searched,
    picked from the list, the table or the 3D view wins."""
    st.session_state["site_selected"] = cid or None


def _on_search() -> None:
    hits = S.search(twin, st.session_state.get("site_search", ""), limit=1)
    if st.session_state.get("site_search") and hits:
        select(hits[0])


def _on_table(index: pd.Index) -> None:
    event = st.session_state.get("site_table")
    rows = event.selection.rows if event is not None and hasattr(event, "selection") else []
    if rows and rows[0] < len(index):
        select(index[rows[0]])


cols = S.colour_columns(table)
left, right = st.columns([3, 1])
with right:
    column = st.selectbox("Colour racks by", cols, index=0, key="site_colour", format_func=C.header)
    tenant = None
    if T.has_tenants(twin):
        tenant = st.selectbox("Tenant", T.choices(twin), index=0, key="site_tenant")
        if column == "tenant_code":
            st.caption(plain(f"Tenants: {T.legend(twin)}"))
        if tenant and tenant != T.ALL:
            st.caption(plain(f"Racks of other tenants than {tenant} are drawn grey in 3D."))
    lod = st.selectbox(
        "Detail",
        ["auto", "rack", "row"],
        key="site_lod",
        help="auto: every rack up to 3,000 racks; above that one box per row (mean value)",
    )
    query = st.text_input(
        "Search component id",
        key="site_search",
        placeholder="e.g. UPS, R01-03",
        on_change=_on_search,
    )
    hits = S.search(twin, query, limit=200)
    st.selectbox(
        "Component",
        hits,
        index=0 if hits and query else None,
        key="site_pick",
        on_change=lambda: select(st.session_state.get("site_pick")),
    )
picked = st.session_state.get("site_selected")
with left:
    common.show_scene(
        twin,
        key,
        res,
        column,
        failed,
        lod=lod,
        selected=picked,
        widget="site_scene",
        on_pick=select,
        dimmed=T.dropped(twin, tenant),
    )
    st.caption(
        "Click a rack or piece of equipment to see its details and its power and cooling paths."
    )
    if picked and picked in twin.component_ids() and picked not in twin.racks.index:
        kind = twin.kind_of(picked)
        if kind not in KINDS:  # loops, pipes: no box to fly to
            st.caption(
                plain(f"{picked} ({C.kind_label(kind)}) is not drawn in 3D; its details are below.")
            )

st.subheader("Racks")
show = list(
    dict.fromkeys(
        [
            c
            for c in S.RACK_SHOWN[:4]
            + (["tenant"] if T.has_tenants(twin) else [])
            + [column]
            + S.RACK_SHOWN[4:]
            if c in table
        ]  # a layout without tenants: no empty Tenant column
    )
)
if tenant:
    table = table.loc[T.keep(twin, tenant)]
st.download_button(
    "Download the rack table (CSV, labelled headers)",
    lambda: C.display(table).to_csv(index=False).encode(),
    file_name="racks.csv",
    mime="text/csv",
    on_click="ignore",
    key="site_csv",
)
common.table(
    table[show],
    height=260,
    on_select=functools.partial(_on_table, table.index),
    selection_mode="single-row",
    key="site_table",
)

if picked:
    common.show_details(twin, picked, res)
