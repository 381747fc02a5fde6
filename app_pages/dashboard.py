"""Dashboard: the headline numbers, capacity, redundancy, risks, a comparison, an HTML report."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app_pages import common, stranded_chart
from twin.app import plausibility as P
from twin.app import report
from twin.app import state as S
from twin.app import tenants as T
from twin.app.text import plain
from twin.model import columns as C
from twin.solve.airfield_build import ffd_march_cautions
from twin.solve.airflow import air_model_fallbacks

st.title("Dashboard")
twin, key = common.current()
failed = st.session_state.get("failed", [])
res = common.results(twin, key, failed)
caps = S.capabilities(res)
scenario = f"with {', '.join(failed)} failed" if failed else "normal state"
st.caption(plain(f"{twin.name}, {scenario}"))
P.show(twin.layout, key, st.session_state["layout_name"])  # as `twin solve` prints them
for why in air_model_fallbacks(twin, res.tables.get("res_halls")):  # as `twin solve`
    st.warning(plain(why[:1].upper() + why[1:]) + ".")
for caution in ffd_march_cautions(twin):  # as `twin solve`: an ffd march not settled
    st.warning(plain(f"Hall {caution.component}: {caution.message}."))
for caution in S.air_cautions(res):  # as `twin solve`: stopped units the flow did not follow
    st.info(plain(caution[:1].upper() + caution[1:]))
common.show_marching(twin, key, failed)  # the N-1's FFD flows, marched in the background

# the economic assumptions: the layout's, changed here for this session only
base_prices = twin.layout.economics
with st.expander("Assumptions: energy price, capex, lifetime, throughput", expanded=False):
    st.caption(
        "Cost per token uses these figures. Changes here apply to this dashboard and its "
        "report only; the layout keeps its own (edit its `economics:` section to keep them)."
    )
    c = st.columns(5)
    edited = {}
    for i, name in enumerate(type(base_prices).model_fields):
        f = type(base_prices).model_fields[name]
        lo = next((m.ge for m in f.metadata if hasattr(m, "ge")), 0.0)
        hi = next((m.le for m in f.metadata if hasattr(m, "le")), None)
        edited[name] = c[i % 5].number_input(
            C.header(name),
            value=float(getattr(base_prices, name)),
            min_value=float(lo),
            max_value=float(hi) if hi is not None else None,
            format=f"%.{C.spec(name).digits}f",
            key=f"dash_econ_{name}",
            help=f.description,
        )
    prices = base_prices.model_copy(update=edited)
    price_table, accelerators = S.assumptions(twin, prices)
    st.write(
        "**Throughput per accelerator** (tokens/s per rack, from the layout's catalogue "
        "with its source; change it here to see the cost per token move)"
    )
    shown = C.display(accelerators, index="accelerator")
    tput = C.header("throughput_tokens_s")
    edited_cat = st.data_editor(
        shown,
        hide_index=True,
        disabled=[c for c in shown.columns if c != tput],
        column_config={tput: st.column_config.NumberColumn(tput, min_value=0.001, format="%,.0f")},
        key="dash_catalogue",
        height=common.fit_height(len(shown), 220),
    )
    throughput = dict(zip(accelerators.index, edited_cat[tput], strict=True))
econ_twin = S.with_throughput(twin, throughput)
price_table, accelerators = S.assumptions(econ_twin, prices)  # as used, for the report
k = S.kpis(econ_twin, res, prices)

c = st.columns(4)
common.metric(c[0], "it_mw", k["it_mw"])
common.metric(c[1], "facility_mw", k["facility_mw"])
common.metric(c[2], "pue", k["pue"])
common.metric(c[3], "wue_l_per_kwh", k["wue_l_per_kwh"])
c = st.columns(4)
common.metric(c[0], "tokens_per_s_per_mw", k["tokens_per_s_per_mw"])
common.metric(
    c[1],
    "cost_per_mtok",
    k["cost_per_mtok"],
    help=f"at {C.fmt(prices.energy_price_usd_per_kwh, 'energy_price_usd_per_kwh')}, "
    f"facility capex {C.fmt(prices.facility_capex_usd_per_kw, 'facility_capex_usd_per_kw')} "
    f"over {C.fmt(prices.depreciation_years, 'depreciation_years')} (see Assumptions)",
)
common.metric(c[2], "violations", k["violations"])
if len(res.violations):
    with st.expander(f"Violations ({len(res.violations):,})"):
        common.table(res.violations[["component", "kind", "message"]], index=None, height=320)
# one answer everywhere: the CLI (twin solve / twin info) prints the same function's result;
# a campus (thousands of racks, several full solves) searches on request
if len(twin.racks) <= 3000 or st.session_state.get("dash_headroom_on"):
    if common.marching(twin, key, failed):
        c[3].metric("IT headroom", "searching...", help=f"The search {common.WAITING}.")
    else:
        common.show_headroom(c[3], twin, key, failed)
elif c[3].button("IT headroom", key="dash_headroom"):
    st.session_state["dash_headroom_on"] = True
    st.rerun()

st.subheader("Capacity used and left")
cap = pd.DataFrame(
    [
        (C.grid_used_label(k["grid_mw"]), k["grid_used_pct"]),
        ("Cooling (CDU + CRAH)", k["cooling_used_pct"]),
        ("Floor (rack footprint)", k["floor_used_pct"]),
    ],
    columns=["resource", "Used"],
).dropna()
for resource in cap.loc[cap["Used"] == float("inf"), "resource"]:  # heat asked, none running
    st.error(f"{resource}: used is unbounded: heat is asked of it and no unit of it runs.")
cap = cap[cap["Used"] < float("inf")]
cap["Left"] = (100 - cap["Used"]).clip(lower=0)
long = cap.melt("resource", var_name="part", value_name="pct")
st.altair_chart(
    alt.Chart(long)
    .mark_bar()
    .encode(
        y=alt.Y("resource:N", title=None, axis=alt.Axis(labelLimit=300)),
        x=alt.X("pct:Q", title="Share of capacity (%)", stack="zero"),
        color=alt.Color(
            "part:N",
            title=None,
            scale=alt.Scale(domain=["Used", "Left"], range=["#d9534f", "#c8e6c9"]),
        ),
        tooltip=[
            alt.Tooltip("resource:N", title="Resource"),
            alt.Tooltip("part:N", title="Part"),
            alt.Tooltip("pct:Q", title="Share (%)", format=",.1f"),
        ],
    )
    .properties(height=150),
    width="stretch",
)
# filled at the end of the run: a headroom search per hall (~0.5 s each) waits for the rest
stranded_slot = st.container()

left, right = st.columns(2)
with left:
    st.subheader("Redundancy")
    red = S.redundancy(twin, res)
    common.table(red, index=None)
with right:
    st.subheader("Worst single failures (N-1)")
    if caps.n1:
        # small sites rank at once; a campus ranks on request (thousands of contingencies)
        if common.marching(twin, key):
            st.caption(f"The ranking {common.WAITING}.")
        elif len(twin.racks) <= 3000 or st.button("Rank every single failure", key="dash_n1"):
            with st.spinner("Failing every component in turn..."):
                ranking = common.n1(twin, key)
            if ranking is not None:
                common.table(S.n1_on_screen(ranking.head(10)), index=None)
    else:
        st.info("Appears once twin.scenarios provides the N-1 ranking.")
    if res.tables.get("res_power_nodes") is not None:
        rp = res.tables["res_power_nodes"]
        top = rp.sort_values("loading_pct", ascending=False).head(10).reset_index()
        top = top.rename(columns={top.columns[0]: "component"})
        top["kind"] = top["kind"].map(C.kind_label)  # "UPS", "Utility connection": not keys
        st.altair_chart(
            alt.Chart(top)
            .mark_bar()
            .encode(
                x=alt.X("loading_pct:Q", title=C.header("loading_pct")),
                y=alt.Y("component:N", sort="-x", title=None),
                color=alt.Color(
                    "kind:N", title=C.label("kind"), legend=alt.Legend(orient="bottom")
                ),
                tooltip=[
                    alt.Tooltip("component:N", title="Component"),
                    alt.Tooltip("kind:N", title=C.label("kind")),
                    alt.Tooltip("loading_pct:Q", title=C.header("loading_pct"), format=",.1f"),
                ],
            )
            # the height is the whole chart's (title, axis, legend: ~150 px): 26 px a bar
            # gives each element room for its name (at 220 px every other name was hidden)
            .properties(height=26 * len(top) + 150, title="Most loaded power elements"),
            width="stretch",
        )

tenant_tab = None
if T.has_tenants(twin):
    st.subheader("Tenants")
    tenant_tab = T.table(econ_twin, res, prices)
    pick = st.multiselect(
        "Tenants shown", list(tenant_tab.index), default=list(tenant_tab.index), key="dash_tenants"
    )
    common.table(tenant_tab.loc[pick], index="tenant")
    st.caption(
        "Losses follow each rack's power path, cooling each unit's rack heat, site overhead "
        "pro rata to IT; the tenants add up to the site (twin.metrics.tenants)."
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
        return S.kpis(econ_twin, common.results(twin, key, ()), prices)
    if choice == "current layout, with its failures":
        return S.kpis(econ_twin, common.results(twin, key, failed), prices)
    lay = common.load_path(choice)
    lkey = S.layout_key(lay)
    t = common._twin(lkey, lay)
    return S.kpis(t, common.results(t, lkey, ()))


def said(choice: str) -> str:
    """A comparison side as the report names it: which failures, not 'its failures'."""
    return f"current layout, {scenario}" if choice == choices[1] else choice


ka, kb = kpis_for(a), kpis_for(b)
cmp = report.comparison(ka, kb)
st.dataframe(cmp, hide_index=True)

st.subheader("Export")
if st.button("Build HTML report", key="dash_report"):
    tables = {
        "Assumptions": price_table,
        "Throughput per accelerator": accelerators,
        "Violations": res.violations[["component", "kind", "value", "limit", "unit", "message"]],
        "Redundancy": red,
        f"Comparison: A = {said(a)}, B = {said(b)}": cmp,
    }
    if tenant_tab is not None:
        tables["Tenants"] = tenant_tab
    if caps.n1:
        cols = ["contingency", "kinds", "it_lost_kw", "racks_lost", "max_loading_pct"]
        cols += ["worst_element", "racks_at_risk", "it_at_risk_kw", "tenants_hit", "verified"]
        ranking = S.n1_on_screen(common.n1(twin, key).head(10))
        tables["N-1: top risks"] = ranking[[c for c in cols if c in ranking]]
    charts = [
        report.bar_chart_svg(
            list(zip(cap["resource"], cap["Used"], strict=True)),
            "Share of capacity used (%)",
            "Capacity used",
            colour="#d9534f",  # the legend's and the page chart's "used" red (bars were blue)
            xmax=max(100.0, float(cap["Used"].max() if len(cap) else 0) * 1.1),
            limit=100.0,
            legend=[("used", "#d9534f"), ("100 % = capacity (dashed)", "#ffffff")],
        ),
    ]
    if res.tables.get("res_power_nodes") is not None:
        charts.append(
            report.bar_chart_svg(
                list(zip(top["component"], top["loading_pct"], strict=True)),
                C.header("loading_pct"),
                "Most loaded power elements",
                limit=100.0,
            )
        )
    png = None
    try:
        png = common.snapshot(twin, key, res)
    except Exception:  # the report is still useful without the picture
        common.log_exception("the report's 3D snapshot")
        st.warning(
            "No 3D snapshot in the report: the off-screen render failed (see the server log)."
        )
    shown = dict(k)  # the IT headroom as the metric above shows it, when it was searched
    if len(twin.racks) <= 3000 or st.session_state.get("dash_headroom_on"):
        shown["it_headroom_site_kw"] = common.headroom(twin, key, failed).it_kw
    st.session_state["dash_report_html"] = report.report_html(
        f"twin report: {twin.name}, {scenario}",
        shown,
        tables,
        png,
        caps.notes,
        charts=charts,
        legend=common.snapshot_legend(),
        scene_caption=f"Racks coloured by {C.header('power_kw')} (viridis: purple low, "
        "yellow high); equipment by kind.",
    )
if st.session_state.get("dash_report_html"):
    st.download_button(
        "Download report.html",
        st.session_state["dash_report_html"],
        file_name="twin-report.html",
        mime="text/html",
        key="dash_download",
    )

with stranded_slot:  # last: everything above is drawn while the halls are searched
    stranded_chart.show(twin, key)
