"""Dashboard: the headline numbers, capacity, redundancy, risks, a comparison, an HTML report."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import common
from twin.app import report
from twin.app import state as S
from twin.app.text import plain
from twin.metrics.headroom import headroom
from twin.model.scenario import Scenario


@st.cache_resource(max_entries=16, show_spinner=False)
def _headroom(key: str, failed: tuple[str, ...], _twin):
    """IT headroom and its binding constraint (`twin.metrics.headroom`), cached per layout
    content and failure set."""
    return headroom(_twin, Scenario.fail(*failed) if failed else None)


st.title("Dashboard")
twin, key = common.current()
failed = st.session_state.get("failed", [])
res = common.results(twin, key, failed)
k = S.kpis(twin, res)
caps = S.capabilities(res)
st.caption(
    plain(twin.name) + (f" with {plain(', '.join(failed))} failed" if failed else ", normal state")
)

c = st.columns(4)
c[0].metric("IT load", common.fmt(k["it_mw"], "MW"))
c[1].metric("Facility power", common.fmt(k["facility_mw"], "MW"))
c[2].metric("PUE", common.fmt(k["pue"], "", 3))
c[3].metric("WUE", common.fmt(k["wue_l_per_kwh"], "L/kWh"))
c = st.columns(4)
c[0].metric("Tokens/s per MW (facility)", common.fmt(k["tokens_per_s_per_mw"], "", 0))
c[1].metric("Cost per million tokens", common.fmt(k["cost_per_mtok"], "USD", 4))
c[2].metric("Violations", k["violations"])
# one answer everywhere: the CLI (twin solve / twin info) prints the same function's result;
# a campus (thousands of racks, several full solves) searches on request
if len(twin.racks) <= 3000 or st.session_state.get("dash_headroom_on"):
    room = _headroom(key, tuple(sorted(failed)), twin)
    c[3].metric(
        "IT headroom",
        common.fmt(room.it_kw / 1000, "MW") if room.binding else "unbounded",
        help=f"binding constraint: {room.binding or 'none'}; free rack slots: {room.free_slots}",
    )
    c[3].caption(f"binding: {plain(room.binding or 'none')}")
elif c[3].button("IT headroom", key="dash_headroom"):
    st.session_state["dash_headroom_on"] = True
    st.rerun()

st.subheader("Capacity used and left")
cap = pd.DataFrame(
    [
        ("Power (grid)", k["power_used_pct"]),
        ("Cooling (CDU + CRAH)", k["cooling_used_pct"]),
        ("Floor (rack footprint)", k["floor_used_pct"]),
    ],
    columns=["resource", "used_pct"],
).dropna()
cap["left_pct"] = (100 - cap["used_pct"]).clip(lower=0)
long = cap.melt("resource", var_name="part", value_name="pct")
st.altair_chart(
    alt.Chart(long)
    .mark_bar()
    .encode(
        y=alt.Y("resource:N", title=None),
        x=alt.X("pct:Q", title="% of capacity", stack="zero"),
        color=alt.Color(
            "part:N", scale=alt.Scale(domain=["used_pct", "left_pct"], range=["#d9534f", "#c8e6c9"])
        ),
        tooltip=["resource", "part", alt.Tooltip("pct:Q", format=".1f")],
    )
    .properties(height=150),
    width="stretch",
)

left, right = st.columns(2)
with left:
    st.subheader("Redundancy")
    red = S.redundancy(twin, res)
    st.dataframe(red, hide_index=True)
with right:
    st.subheader("Worst single failures (N-1)")
    if caps.n1:
        # small sites rank at once; a campus ranks on request (thousands of contingencies)
        if len(twin.racks) <= 3000 or st.button("Rank every single failure", key="dash_n1"):
            with st.spinner("Failing every component in turn..."):
                ranking = common.n1(twin, key)
            if ranking is not None:
                st.dataframe(ranking.head(10))
    else:
        st.info("Appears once twin.scenarios provides the N-1 ranking.")
    if res.tables.get("res_power_nodes") is not None:
        rp = res.tables["res_power_nodes"]
        top = rp.sort_values("loading_pct", ascending=False).head(10).reset_index()
        st.altair_chart(
            alt.Chart(top)
            .mark_bar()
            .encode(
                x=alt.X("loading_pct:Q", title="loading %"),
                y=alt.Y(f"{top.columns[0]}:N", sort="-x", title=None),
                color="kind:N",
            )
            .properties(height=220, title="Most loaded power elements"),
            width="stretch",
        )

st.subheader("Compare two layouts or scenarios")
choices = [
    "current layout, normal",
    "current layout, with its failures",
] + common.reference_layouts()
c1, c2 = st.columns(2)
a = c1.selectbox("A", choices, index=0, key="dash_a")
b = c2.selectbox("B", choices, index=1 if failed else min(2, len(choices) - 1), key="dash_b")


def kpis_for(choice: str) -> dict:
    if choice == "current layout, normal":
        return S.kpis(twin, common.results(twin, key, ()))
    if choice == "current layout, with its failures":
        return S.kpis(twin, common.results(twin, key, failed))
    lay = common.load_path(choice)
    lkey = S.layout_key(lay)
    t = common._twin(lkey, lay)
    return S.kpis(t, common.results(t, lkey, ()))


ka, kb = kpis_for(a), kpis_for(b)
rows = []
for name, (label, unit) in report.LABELS.items():
    va, vb = ka.get(name, float("nan")), kb.get(name, float("nan"))
    rows.append(
        {"metric": f"{label} ({unit})" if unit else label, "A": va, "B": vb, "B - A": vb - va}
    )
cmp = pd.DataFrame(rows).set_index("metric")
st.dataframe(cmp.style.format("{:,.3f}", na_rep="n/a"))

st.subheader("Export")
if st.button("Build HTML report", key="dash_report"):
    tables = {"Redundancy": red, "Violations": res.violations, f"Comparison: A = {a}, B = {b}": cmp}
    if caps.n1:
        tables["Worst single failures (N-1)"] = common.n1(twin, key)
    png = None
    try:
        png = common.snapshot(twin, key, res)
    except Exception:  # the report is still useful without the picture
        common.log_exception("the report's 3D snapshot")
        st.warning(
            "No 3D snapshot in the report: the off-screen render failed (see the server log)."
        )
    st.session_state["dash_report_html"] = report.report_html(
        f"twin report: {twin.name}", k, tables, png, caps.notes
    )
if st.session_state.get("dash_report_html"):
    st.download_button(
        "Download report.html",
        st.session_state["dash_report_html"],
        file_name="twin-report.html",
        mime="text/html",
        key="dash_download",
    )
