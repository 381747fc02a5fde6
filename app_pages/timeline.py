"""Timeline: grid import, storage, caps and a demand-response event over time (issue 16).

Thin: every number comes from `twin.scenarios.timeline.simulate`, the function
behind `twin timeline`; this page only picks the inputs and draws the results.
"""

from __future__ import annotations

import io

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from app_pages import common
from app_pages.long_run import result_on_click
from twin.app.residual import residual_text
from twin.app.text import plain
from twin.errors import ScenarioError
from twin.metrics.tenants import has_tenants, tenant_ids
from twin.scenarios.policies import DrEvent
from twin.scenarios.timeline import TimelineSpec, layout_bess, simulate
from twin.scenarios.timeline_episodes import episodes
from twin.scenarios.workloads import Pattern
from twin.solve.results import NOT_AN_ANSWER
from twin.solve.timeline_outage import Outage
from twin.solve.timeline_storage import Store
from twin.solve.weather import weather_notes

HORIZONS = {
    "One day at 1 s steps": (24.0, 1.0),
    "One week at 1 min steps": (168.0, 60.0),
    "One year at 1 h steps": (8760.0, 3600.0),
}
WORKLOADS = {
    "Mixed (halls alternate training / inference)": "mixed",
    "Training everywhere": "training",
    "Inference everywhere": "inference",
}
POLICIES = {
    "Peak shaving (cap grid import)": "peak-shaving",
    "Smoothing (limit grid ramp)": "smoothing",
    "None": "none",
}
PLOT_POINTS = 2000  # most points per line drawn; longer runs: means over equal time bins
# (a comment, not a docstring: Streamlit's magic writes a page's bare strings on the page)
VIOLATION_LABELS = {
    "grid_limit": "Above the grid connection",
    "uncooled": "Heat not removed",
    "over_temperature": "Rack inlet above ASHRAE allowable",
    "it_lost": "IT not served (racks unfed, tripped, shut down by heat or dropped)",
    "not_balanced": "Energy balance does not close",
    "peak_cap": "Above the peak-shaving cap",
    "ramp_limit": "Ramp above the limit",
    "rack_ramp": "Rack stores' ramp above their limit",
    "dr_shortfall": "Demand response short",
    "load_dropped": "UPS battery empty: load dropped",
    "loop_warming": "Cooling loops warming (plant off)",
    "generator_overload": "Generators above their rating",
    "generator_trip": "Generator tripped (over its rating at takeover)",
    "thermal_throttle": "Racks throttled by heat (outage)",
    "thermal_trip": "Racks shut down by heat (outage)",
}
LEGEND = alt.Legend(title=None, orient="bottom", columns=2, labelLimit=400)
# below the chart with whole names (at the side they were cut to ~25 characters)
CAUSES = {
    "cap": "Power cap",
    "demand_response": "Demand response",
    "outage": "Outage (UPS empty)",
    "not_served": "Racks unfed or tripped",
    "thermal": "Racks shut down by heat",
}

st.title("Timeline")
twin, key = common.current()
st.caption(
    plain(twin.name) + ": rack power over time through the power chain, cooling and storage to "
    "the grid connection. The same numbers as `twin timeline`."
)
for note in weather_notes(twin):  # missing hours filled in the weather year: said
    st.caption(f"ℹ️ Weather year {plain(note)}")

c = st.columns(3)
horizon = c[0].selectbox("Horizon and step", list(HORIZONS), key="tl_horizon")
workload = c[1].selectbox("Workload", list(WORKLOADS), key="tl_workload")
swing = c[2].slider("Training power swing (% of design)", 0, 60, 30, 5, key="tl_swing")

own = layout_bess(twin)
st.subheader("Storage")
c = st.columns(5)
bess_mwh = c[0].number_input(
    "Site battery energy (MWh)",
    min_value=0.0,
    value=own.energy_kwh / 1000 if own else 0.0,
    step=1.0,
    format="%.3f",
    key="tl_bess_mwh",
    help="0 = no battery" + (" (the layout's storage.bess is pre-filled)" if own else ""),
)
bess_mw = c[1].number_input(
    "Site battery power (MW)",
    min_value=0.0,
    value=own.power_kw / 1000 if own else 0.0,
    step=1.0,
    format="%.3f",
    key="tl_bess_mw",
)
bess_eff = c[2].number_input(
    "Round-trip efficiency",
    min_value=0.5,
    max_value=1.0,
    value=own.round_trip if own else Store(0.0, 0.0).round_trip,
    step=0.01,
    format="%.3f",
    key="tl_bess_eff",
    help="as twin timeline's --bess-efficiency" + (" (the layout's, pre-filled)" if own else ""),
)
policy = c[3].selectbox("Battery policy", list(POLICIES), key="tl_policy")
ramp = c[4].number_input(
    "Ramp limit (MW/s)",
    min_value=0.001,
    value=1.0,
    step=0.1,
    format="%.3f",
    key="tl_ramp",
    help="for smoothing: the most grid import may change per second",
)

st.subheader("Demand-response event")
c = st.columns(5)
dr_on = c[0].checkbox("Grid asks to shed load", key="tl_dr_on")
dr_mw = c[1].number_input("Shed (MW)", min_value=0.1, value=1.0, step=0.5, key="tl_dr_mw")
dr_start = c[2].number_input("Start (hour)", min_value=0.0, value=18.0, step=1.0, key="tl_dr_start")
dr_hours = c[3].number_input("Duration (h)", min_value=0.1, value=3.0, step=0.5, key="tl_dr_h")
dr_order = c[4].selectbox("Cap first", ["inference-first", "training-first"], key="tl_dr_order")

st.subheader("Utility outage")
c = st.columns(3)
out_on = c[0].checkbox(
    "Utility lost", key="tl_out_on", help="UPS batteries carry the load until the generators start"
)
out_start = c[1].number_input(
    "From (hour)", min_value=0.0, value=12.0, step=1.0, key="tl_out_start"
)
out_s = c[2].number_input("For (seconds)", min_value=1.0, value=600.0, step=60.0, key="tl_out_s")

st.subheader("Power caps")
c = st.columns(4)
hall_cap = c[0].slider("Every hall (% of design)", 10, 100, 100, 5, key="tl_hall_cap")
tenants = tenant_ids(twin) if has_tenants(twin) else []
capped_tenants = c[1].multiselect(
    "Tenants to cap", tenants, key="tl_tenants", disabled=not tenants,
    help="each named tenant's racks, in every hall" if tenants else "no tenants in this layout",
)  # fmt: skip
tenant_cap = c[1].slider("Tenant cap (% of design)", 10, 100, 70, 5, key="tl_tenant_cap")
rows = sorted(set(twin.racks["row"].dropna()))
capped_rows = c[2].multiselect("Rows to cap", rows, key="tl_rows")
rack_text = c[2].text_input(
    "Racks to cap", key="tl_racks", placeholder="rack ids, comma-separated",
    help="racks named here take this cap, not their row's",
)  # fmt: skip
rack_cap = c[3].slider("Row/rack cap (% of design)", 10, 100, 70, 5, key="tl_rack_cap")
capped_racks = [r.strip() for r in rack_text.split(",") if r.strip()]

hours, dt = HORIZONS[horizon]
# as `twin timeline`: the layout's own BESS where left as pre-filled (its SOC limits too),
# else --bess-mwh, --bess-mw and --bess-efficiency's store; none (the layout's idle) at 0
as_layout = own is not None and (bess_mwh, bess_mw, bess_eff) == (
    own.energy_kwh / 1000,
    own.power_kw / 1000,
    own.round_trip,
)
sized = not as_layout and bess_mwh > 0 and bess_mw > 0
store = Store(bess_mwh * 1000, bess_mw * 1000, bess_eff) if sized else None
spec = TimelineSpec(
    hours=hours,
    dt_s=dt,
    workload=WORKLOADS[workload],
    pattern=Pattern(swing=swing / 100.0),
    cap={"*": hall_cap / 100.0} if hall_cap < 100 else {},
    tenant_cap=dict.fromkeys(capped_tenants, tenant_cap / 100.0),
    row_cap=dict.fromkeys(capped_rows, rack_cap / 100.0),
    rack_cap=dict.fromkeys(capped_racks, rack_cap / 100.0),
    bess=store,
    policy=POLICIES[policy] if as_layout or sized else "none",
    ramp_kw_s=ramp * 1000 if POLICIES[policy] == "smoothing" else None,
    dr=DrEvent(dr_start * 3600, dr_hours * 3600, dr_mw * 1000, dr_order) if dr_on else None,
    outage=Outage(out_start * 3600, out_s) if out_on else None,
)


def _simulate(progress):
    """The timeline of `spec`, or None (its error shown)."""
    try:
        return simulate(twin, spec, progress=progress)
    except ScenarioError as exc:
        st.error(plain(str(exc)))
    return None


tl = result_on_click(
    "Run",
    "tl_run",
    "tl_result",
    (key, repr(spec)),
    _simulate,
    start="Fitting the site's response (coupled solves) ...",
    spinner=f"Simulating {hours:,.0f} h at {dt:g} s steps ...",
    prompt="Choose the inputs and press Run.",
)
k = tl.kpis
if k.get("untrusted_hours", 0.0) > 0:  # as twin timeline says it: before the figures
    st.warning(
        f"{NOT_AN_ANSWER}: {k['untrusted_hours']:,.2f} of {k['hours']:,.2f} h at a load and "
        "weather whose coupled solve is not a solution (not converged, not finite or not "
        "balanced); every figure over those hours is the solver's last iterate"
    )
for note in tl.notes:  # what the run assumed that was not asked for (twin timeline's notes)
    st.caption(f"ℹ️ {plain(note)}")


def fmt(x: float, digits: int = 1) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:,.{digits}f}"


def count(x: float) -> str:
    """A count of tokens in words, three significant digits: '43.9 trillion', '1.96
    billion', '950' (not 4.39e+13)."""
    if not np.isfinite(x):
        return "n/a"
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(x) >= size:
            v = x / size
            return f"{v:,.0f} {word}" if abs(v) >= 100 else f"{v:.3g} {word}"
    return f"{x:,.0f}"


c = st.columns(4)
c[0].metric("Peak grid import", f"{fmt(k['peak_grid_mw'], 2)} MW")
c[1].metric("Largest ramp", f"{fmt(k['max_ramp_mw_s'], 3)} MW/s")
c[2].metric("Grid energy", f"{fmt(k['grid_mwh'], 0)} MWh")
c[3].metric("PUE over the horizon", fmt(k["pue"], 3))
c = st.columns(4)
c[0].metric("Cost", f"{fmt(k['cost_usd'] / 1e3, 1)} k USD",
            help=f"energy {fmt(k['energy_cost_usd'] / 1e3)} k USD + demand charge "
            f"{fmt(k['demand_charge_usd'] / 1e3)} k USD + stored energy used "
            f"{fmt(k.get('stored_energy_usd', 0.0) / 1e3)} k USD (the change of stored energy "
            "at the mean price)")  # fmt: skip
c[1].metric("Carbon", f"{fmt(k['carbon_t'], 0)} t CO2")
c[2].metric(
    "Tokens lost",
    count(k["tokens_lost"]),
    help=f"of {count(k['tokens'])} produced; to caps, events, outages and heat",
)
c[3].metric(
    "Energy balance residual",
    residual_text(k["balance_residual_mwh"], k["balance_residual_rel"]),
    help="grid + generators - IT - losses - cooling - stored - storage losses, over the "
    f"horizon: {k['balance_residual_mwh'] * 1000:.3g} kWh, {k['balance_residual_rel']:.2g} of "
    "the energy supplied (rounding-level when the books close)",
)

steps = tl.steps
n = len(steps)
bin_n = max(1, int(np.ceil(n / PLOT_POINTS)))
group = np.arange(n) // bin_n
shown = steps.groupby(group).mean(numeric_only=True)
shown.index = steps.index[::bin_n][: len(shown)]
note = "" if bin_n == 1 else f" (means over {bin_n * dt:,.0f} s)"

st.subheader("Grid import" + note)
lines = pd.DataFrame(
    {
        "Time": shown.index,
        "Grid import with storage (MW)": shown["grid_kw"] / 1000,
        "Site draw without storage (MW)": shown["facility_kw"] / 1000,
        "IT (MW)": shown["it_kw"] / 1000,
    }
).melt("Time", var_name="Series", value_name="MW")
st.altair_chart(
    alt.Chart(lines)
    .mark_line()
    .encode(x="Time:T", y=alt.Y("MW:Q", title="MW"), color=alt.Color("Series:N", legend=LEGEND)),
    width="stretch",
)
if k["bess_mwh"] > 0:
    st.subheader("Battery state of charge" + note)
    soc = pd.DataFrame({"Time": shown.index, "State of charge (%)": shown["bess_soc_frac"] * 100})
    st.altair_chart(
        alt.Chart(soc).mark_line().encode(x="Time:T", y="State of charge (%):Q"),
        width="stretch",
    )
if "ups_soc_frac" in shown:
    st.subheader("UPS batteries through the outage" + note)
    ups = pd.DataFrame(
        {
            "Time": shown.index,
            "UPS state of charge (%)": shown["ups_soc_frac"] * 100,
            "Generator (MW)": shown["generator_kw"] / 1000,
            "Load dropped (MW)": shown["load_dropped_kw"] / 1000,
            "Loop water above a running plant's (K)": shown["loop_warming_k"],
        }
    ).melt("Time", var_name="Series", value_name="Value")
    st.altair_chart(
        alt.Chart(ups)
        .mark_line()
        .encode(
            x="Time:T",
            y="Value:Q",
            color=alt.Color("Series:N", legend=LEGEND),
            row=alt.Row("Series:N", title=None),
        )
        .resolve_scale(y="independent")
        .properties(height=110),
        width="stretch",
    )
    u = tl.solved.ups.reset_index()
    trough = float(np.nanmin(steps["ups_soc_frac"].to_numpy(), initial=1.0))
    if k["ups_soc_min_frac"] < trough - 1e-6:  # the outage ends inside a step
        st.caption(
            f"The batteries' lowest charge, {k['ups_soc_min_frac'] * 100:.1f} %, falls inside a "
            f"{dt:,.0f} s step (the plot shows each step's end, lowest "
            f"{trough * 100:.1f} %); the table below gives each UPS's trough."
        )
    c = st.columns(4)
    c[0].metric("Lowest UPS charge", f"{k['ups_soc_min_frac'] * 100:.0f} %")
    c[1].metric(
        "First UPS empty after",
        "never"
        if not np.isfinite(k["ups_time_to_empty_min_s"])
        else f"{k['ups_time_to_empty_min_s']:,.0f} s",
    )
    c[2].metric("Load dropped", f"{fmt(k['load_dropped_mwh'], 2)} MWh")
    c[3].metric("Generator energy", f"{fmt(k['generator_mwh'], 1)} MWh")
    if k.get("racks_tripped_max", 0) > 0 or k.get("racks_throttled_max", 0) > 0:
        st.warning(
            f"The plant stops: up to {k['racks_throttled_max']:,.0f} racks throttle and "
            f"{k['racks_tripped_max']:,.0f} shut down by heat (the times `twin ride-through` "
            "gives for this outage); see the violations and tokens lost below."
        )
    st.dataframe(
        pd.DataFrame(
            {
                "UPS": u["id"],
                "Battery (kWh)": u["energy_kwh"].round(0),
                "Peak load (kW)": u["peak_load_kw"].round(0),
                "Lowest charge (%)": (u["soc_min_frac"] * 100).round(1),
                "Time to empty (s)": u["time_to_empty_s"].map(
                    lambda x: "never" if not np.isfinite(x) else f"{x:,.0f}"
                ),
                "Load dropped (kWh)": u["dropped_kwh"].round(1),
            }
        ),
        hide_index=True,
        height=common.fit_height(len(u), 200),
    )
st.subheader("Grid ramp rates")
ramps = pd.DataFrame({"Ramp (MW/s)": np.abs(np.diff(steps["grid_kw"].to_numpy())) / 1000 / dt})
st.altair_chart(
    alt.Chart(ramps)
    .mark_bar()
    .encode(x=alt.X("Ramp (MW/s):Q", bin=alt.Bin(maxbins=40)), y=alt.Y("count():Q", title="Steps")),
    width="stretch",
)

v = tl.violations
st.subheader(f"Violations over time ({len(v):,})")
if len(v):
    ep = episodes(v)
    if len(ep) < len(v):  # an element past a limit again and again: per element first
        st.dataframe(
            pd.DataFrame(
                {
                    "What": ep["kind"].map(VIOLATION_LABELS).fillna(ep["kind"]),
                    "Where": ep["component"],
                    "Intervals": ep["intervals"],
                    "First from (h)": (ep["first_s"] / 3600).round(2),
                    "Last until (h)": (ep["last_end_s"] / 3600).round(2),
                    "In all (h)": (ep["total_s"] / 3600).round(2),
                    "Worst": ep["worst"].round(1).astype(str) + " " + ep["unit"],
                }
            ),
            hide_index=True,
        )
    t0 = steps.index[0]
    vt = pd.DataFrame(
        {
            "What": v["kind"].map(VIOLATION_LABELS).fillna(v["kind"]),
            "Where": v["component"],
            "From": t0 + pd.to_timedelta(v["start_s"], unit="s"),
            "To": t0 + pd.to_timedelta(v["start_s"] + v["duration_s"], unit="s"),
            "Duration (h)": (v["duration_s"] / 3600).round(3),
            "Worst": v["value"].round(1).astype(str) + " " + v["unit"],
        }
    )
    st.altair_chart(
        alt.Chart(vt.head(5000)).mark_bar().encode(x="From:T", x2="To:T", y="What:N"),
        width="stretch",
    )
    st.dataframe(vt, hide_index=True, height=common.fit_height(len(vt), 240))
else:
    st.success("No violations over the horizon.")

st.subheader("Per hall")
g = tl.groups.reset_index()
st.dataframe(
    pd.DataFrame(
        {
            "Hall": g["group"],
            "Workload": g["kind"],
            "Design IT (MW)": (g["design_kw"] / 1000).round(2),
            "Racks": g["racks"].astype(int),
            "Tokens produced": g["tokens"].map(count),
            "Tokens lost": g["tokens_lost"].map(count),
        }
    ),
    hide_index=True,
)
if tl.tenants is not None:
    st.subheader("Per tenant")
    tt = tl.tenants.reset_index()
    st.dataframe(
        pd.DataFrame(
            {
                "Tenant": tt["tenant"],
                "Design IT (MW)": (tt["design_kw"] / 1000).round(2),
                "Energy asked (MWh)": tt["demand_mwh"].round(1),
                "Energy drawn (MWh)": tt["it_mwh"].round(1),
                "Cut by caps and events (MWh)": tt["it_cut_mwh"].round(2),
                "Tokens produced": tt["tokens"].map(count),
                "Tokens lost": tt["tokens_lost"].map(count),
                "Hit": tt["hit"].map({True: "yes", False: "no"}),
            }
        ),
        hide_index=True,
    )
cur = tl.curtailment
if cur is not None and len(cur):
    st.subheader(f"Tokens lost over time ({len(cur):,} runs)")
    t0 = steps.index[0]
    st.dataframe(
        pd.DataFrame(
            {
                "Hall": cur["group"],
                "Why": cur["cause"].map(
                    lambda c: " + ".join(CAUSES.get(x, x) for x in c.split("+"))
                ),
                "From": t0 + pd.to_timedelta(cur["start_s"], unit="s"),
                "Duration (h)": (cur["duration_s"] / 3600).round(3),
                "Tokens lost": cur["tokens_lost"].map(count),
                **({"Tenants hit": cur["tenants_hit"]} if "tenants_hit" in cur else {}),
            }
        ),
        hide_index=True,
        height=common.fit_height(len(cur), 240),
    )
buf = io.BytesIO()
steps.to_parquet(buf)
st.download_button(
    "Download every step (Parquet)", buf.getvalue(), file_name="timeline.parquet", key="tl_dl"
)
