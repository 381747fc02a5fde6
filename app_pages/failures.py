"""Failures: fail components (or rank every single failure), see what breaks, in numbers and 3D."""

from __future__ import annotations

import altair as alt
import streamlit as st

from app_pages import common
from twin.app import state as S
from twin.app.text import plain
from twin.errors import ScenarioError

st.title("Failures")
twin, key = common.current()
base = common.results(twin, key, ())
options = S.failable(twin)


def label(cid: str) -> str:
    return f"{cid} ({options.at[cid, 'kind']})" if cid in options.index else cid


with st.form("fail_form"):
    pick = st.multiselect(
        "Components to fail",
        list(options.index),
        default=[f for f in st.session_state.get("failed", []) if f in options.index],
        format_func=label,
        key="fail_pick",
    )
    c1, c2 = st.columns(2)
    go = c1.form_submit_button("Fail selected", type="primary")
    clear = c2.form_submit_button("Clear failures")
if go:
    st.session_state["failed"] = list(pick)
    st.rerun()
if clear:
    st.session_state["failed"] = []
    st.session_state.pop("fail_pick", None)
    st.rerun()

failed = st.session_state.get("failed", [])
try:
    res = common.results(twin, key, failed)
except ScenarioError as exc:
    st.error(plain(exc))
    st.stop()

kb, kr = S.kpis(twin, base), S.kpis(twin, res)
affected = S.affected_racks(twin, res)
st.subheader("Failed: " + (plain(", ".join(failed)) if failed else "nothing (normal state)"))
c = st.columns(5)
c[0].metric(
    "IT served", common.fmt(kr["it_mw"], "MW"), delta=f"{kr['it_mw'] - kb['it_mw']:+.3f} MW"
)
c[1].metric("IT lost", common.fmt(kr["it_lost_mw"], "MW"))
c[2].metric("Racks affected", f"{len(affected):,}")
c[3].metric(
    "Worst loading",
    common.fmt(kr["max_loading_pct"], "%", 1),
    delta=f"{kr['max_loading_pct'] - kb['max_loading_pct']:+.1f} %"
    if kr["max_loading_pct"] == kr["max_loading_pct"]
    else None,
    delta_color="inverse",
)
c[4].metric(
    "Violations", kr["violations"], delta=kr["violations"] - kb["violations"], delta_color="inverse"
)
if kr["t_inlet_max_c"] == kr["t_inlet_max_c"]:
    st.metric("Hottest rack inlet", common.fmt(kr["t_inlet_max_c"], "°C", 1))

left, right = st.columns([3, 2])
with right:
    table = S.rack_table(twin, res)
    cols = S.colour_columns(table)
    column = st.selectbox("Colour racks by", cols, key="fail_colour")
    st.write("**Violations**")
    if len(res.violations):
        st.dataframe(res.violations, height=220)
    else:
        st.success("No violations.")
with left:
    common.show_scene(
        twin,
        key,
        res,
        column,
        failed,
        height=520,
        selected=st.session_state.get("fail_selected"),
        widget="fail_scene",
        on_pick=lambda cid: st.session_state.update(fail_selected=cid),
    )
if st.session_state.get("fail_selected"):
    common.show_details(twin, st.session_state["fail_selected"], res)

if failed:
    st.subheader("What changed")
    ch = S.changes(base, res)
    st.dataframe(ch, height=260)
    if S.capabilities(base).ride_through:
        st.subheader("Ride-through: temperatures after the failure")
        try:
            rt = common.ride_through(twin, key, failed)
        except (ValueError, KeyError) as exc:  # a scenario the model cannot take: say so
            st.warning(plain(f"No ride-through for this scenario: {exc}"))
            rt = None
        except Exception:  # anything else: logged, and the rest of the page still shows
            common.log_exception("the ride-through")
            st.warning("No ride-through for this scenario: the model failed (see the server log).")
            rt = None
        if rt is not None:
            first = rt.first_limit_s
            st.metric(
                "First rack limit reached after",
                "never (within the simulated time)"
                if first == float("inf")
                else f"{first / 60:,.1f} min",
            )
            curves = S.ride_through_curves(rt)
            st.altair_chart(
                alt.Chart(curves)
                .mark_line()
                .encode(
                    x=alt.X("time_min:Q", title="minutes after the failure"),
                    y=alt.Y("t_c:Q", title="°C", scale=alt.Scale(zero=False)),
                    color=alt.Color("series:N", title=None),
                    tooltip=["series", alt.Tooltip("t_c:Q", format=".1f")],
                )
                .properties(height=320),
                width="stretch",
            )
            if rt.power is not None and len(rt.power):
                st.write("**UPS ride-through** (battery autonomy vs generator start)")
                st.dataframe(rt.power, height=220)
    else:
        st.info("Ride-through curves appear once twin.scenarios provides them.")

st.subheader("N-1 ranking")
if not S.capabilities(base).n1:
    st.info("The N-1 ranking appears here once twin.scenarios provides it.")
elif st.button("Run the N-1 ranking", key="fail_n1"):
    with st.spinner("Failing every component in turn..."):
        st.session_state["n1"] = (key, common.n1(twin, key))
if st.session_state.get("n1") and st.session_state["n1"][0] == key:
    st.dataframe(st.session_state["n1"][1], height=320)
