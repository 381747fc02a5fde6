"""Failures: fail components (or rank every single failure), see what breaks, in numbers and 3D."""

from __future__ import annotations

import math

import altair as alt
import streamlit as st

from app_pages import common
from twin.app import state as S
from twin.app.text import plain
from twin.errors import ScenarioError
from twin.model import columns as C

st.title("Failures")
twin, key = common.current()
base = common.results(twin, key, ())
options = S.failable(twin)


def label(cid: str) -> str:
    return f"{cid} ({C.kind_label(options.at[cid, 'kind'])})" if cid in options.index else cid


def _on_fail() -> None:
    st.session_state["failed"] = list(st.session_state.get("fail_pick", []))


def _on_clear() -> None:
    st.session_state["failed"] = []
    st.session_state["fail_pick"] = []  # the picker shows nothing picked


with st.form("fail_form"):
    if "fail_pick" not in st.session_state:
        st.session_state["fail_pick"] = [
            f for f in st.session_state.get("failed", []) if f in options.index
        ]
    st.multiselect(
        "Components to fail",
        list(options.index),
        format_func=label,
        key="fail_pick",
        # substring match, and no "select all matches": typing H1-CH1 + Enter picks
        # H1-CH1, never also H1-CRAH1 (a fuzzy subsequence match) or every match
        filter_mode="contains",
        select_all=False,
        placeholder="Type an id, e.g. UPS-A1, CH1, P1",
    )
    c1, c2 = st.columns(2)
    c1.form_submit_button("Fail selected", type="primary", on_click=_on_fail)
    c2.form_submit_button("Clear failures", on_click=_on_clear)

failed = st.session_state.get("failed", [])
try:
    res = common.results(twin, key, failed)
except ScenarioError as exc:
    st.error(plain(exc))
    st.stop()

kb, kr = S.kpis(twin, base), S.kpis(twin, res)
what = S.consequences(twin, base, res)
st.subheader("Failed: " + (plain(", ".join(failed)) if failed else "nothing (normal state)"))
c = st.columns(5)
c[0].metric(
    "IT lost",
    C.fmt(what["it_lost_kw"] / 1000, "it_lost_mw"),
    help="Racks with no live feed plus racks shut down by heat, at their demand before.",
)
c[1].metric(
    "Racks hit by heat",
    f"{what['racks_shutdown'] + what['racks_at_risk']:,}",
    help=f"{what['racks_shutdown']:,} shut down by heat (their IT is in IT lost) and "
    f"{what['racks_at_risk']:,} still running at thermal risk ({what['racks_throttled']:,} "
    "throttling, the rest over their inlet limit or without cooling); IT at thermal risk "
    f"{C.fmt(what['it_at_risk_kw'], 'it_at_risk_kw')}.",
)
c[2].metric("Racks without power", f"{what['racks_unfed']:,}")
t_max = what["t_inlet_max_c"]
# lower after losing cooling is no improvement: grey, with the air model's error (audit 6 #14)
inlet_colour, inlet_note = S.inlet_change(twin, base, res)
c[3].metric(
    "Hottest rack inlet",
    C.fmt(t_max, "t_inlet_max_c") if t_max != math.inf else "no steady state",
    delta=C.fmt(t_max - what["t_inlet_max_base_c"], "t_inlet_max_c")
    if math.isfinite(t_max) and abs(t_max - what["t_inlet_max_base_c"]) >= 0.05
    else None,
    delta_color=inlet_colour,
    help=S.inlet_help(what, plain(inlet_note) if inlet_note else ""),
)
c[4].metric(
    "Violations",
    f"{kr['violations']:,}",
    delta=(kr["violations"] - kb["violations"]) or None,  # no grey "0" under an unchanged count
    delta_color="inverse",
)
banner = S.risk_banner(twin, what, res)
if banner:
    st.warning(plain(banner))
for caution in S.air_cautions(res):  # the rack inlets' model did not follow the stopped units
    st.info(plain(caution[:1].upper() + caution[1:]))

left, right = st.columns([3, 2])
with right:
    table = S.rack_table(twin, res)
    cols = S.colour_columns(table)
    column = st.selectbox("Colour racks by", cols, key="fail_colour", format_func=C.header)
    st.write("**Violations**")
    if len(res.violations):
        common.table(res.violations[["component", "kind", "message"]], height=220)
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
    st.write("**Worst loadings after the failure**")
    common.table(what["worst_loadings"], index="component", height=220)
    if what["worst_cooling_group"]:  # the N-1 row's figure: before racks shut down by heat
        pct, group = (
            what["max_cooling_loading_pct"],
            plain(S.cooling_group_name(what["worst_cooling_group"])),
        )
        st.write(
            f"**{C.spec('max_cooling_loading_pct').label}** ({group}): "
            + (
                "unbounded: heat and no running cooling left to carry it"
                if pct == math.inf
                else C.fmt(pct, "max_cooling_loading_pct")
            )
        )
    if len(what["new_violations"]):
        st.write(f"**New violations ({len(what['new_violations']):,})**")
        common.table(what["new_violations"][["component", "kind", "message"]], height=220)
    # on request: comparing every result table takes 0.5 s on a campus
    if st.toggle("Show every quantity that changed (details)", key="fail_details"):
        ch = S.changes_readable(S.changes(base, res, limit=100_000)).head(500)
        st.dataframe(ch, hide_index=True, height=common.fit_height(len(ch), 260))
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
            lines = S.ride_through_limits(rt, curves)
            trip = rt.racks["t_to_shutdown_s"] if "t_to_shutdown_s" in rt.racks else None
            if trip is not None and len(trip):
                first_trip = float(trip.min())
                st.caption(
                    "Curves end when the first rack they carry trips (the model keeps every "
                    "rack's heat on until then); dashed lines: racks throttle, then trip. "
                    + (
                        f"First rack trips after {first_trip / 60:,.1f} min."
                        if math.isfinite(first_trip)
                        else "No rack trips within the simulated time."
                    )
                )
            rules = (
                alt.Chart(lines)
                .mark_rule(strokeDash=[6, 4], color="#b91c1c")
                .encode(
                    y="t_c:Q",
                    tooltip=[
                        alt.Tooltip("line:N", title="Limit"),
                        alt.Tooltip("t_c:Q", title=C.header("t_c"), format=",.1f"),
                    ],
                )
            )
            trend = (
                alt.Chart(curves)
                .mark_line()
                .encode(
                    x=alt.X("time_min:Q", title=C.header("time_min")),
                    y=alt.Y("t_c:Q", title=C.header("t_c"), scale=alt.Scale(zero=False)),
                    color=alt.Color(
                        "series:N",
                        title=C.label("series"),
                        # below the chart, whole names (at the side they were cut short)
                        legend=alt.Legend(orient="bottom", columns=2, labelLimit=420),
                    ),
                    tooltip=[
                        alt.Tooltip("series:N", title=C.label("series")),
                        alt.Tooltip("time_min:Q", title=C.header("time_min"), format=",.1f"),
                        alt.Tooltip("t_c:Q", title=C.header("t_c"), format=",.1f"),
                    ],
                )
            )
            st.altair_chart(
                # the height is the whole chart's: room for the legend's rows below the plot
                alt.layer(trend, rules).properties(
                    height=320 + 20 * math.ceil(curves["series"].nunique() / 2)
                ),
                width="stretch",
            )
            # the UPSs the failure touches, `twin ride-through`'s (`rt.utility_lost`: the rule)
            from twin.solve.ride_through_power import battery_text, touched_ups

            ups = touched_ups(rt.power, rt.utility_lost, failed)
            if len(ups):
                st.write(
                    "**UPS ride-through on the utility outage** "
                    "(battery autonomy vs generator start)"
                    if rt.utility_lost
                    else "**UPS on battery, the utility live** (no generator starts: each "
                    "carries its load until its battery empties)"
                )
                st.markdown(
                    "\n".join(
                        f"- {plain(battery_text(ups, u, rt.utility_lost))}" for u in ups.index
                    )
                )
                # a UPS carries electrical load (load_kw elsewhere is a cooling unit's heat);
                # why no generator takes over is in the sentences above
                shown = ups.drop(columns="no_generator_why", errors="ignore")
                common.table(shown.rename(columns={"load_kw": "ups_load_kw"}), height=220)
    else:
        st.info("Ride-through curves appear once twin.scenarios provides them.")

st.subheader("N-1 ranking")
if not S.capabilities(base).n1:
    st.info("The N-1 ranking appears here once twin.scenarios provides it.")
elif st.button("Run the N-1 ranking", key="fail_n1"):
    with st.spinner("Failing every component in turn..."):
        st.session_state["n1"] = (key, common.n1(twin, key))
if st.session_state.get("n1") and st.session_state["n1"][0] == key:
    common.table(S.n1_on_screen(st.session_state["n1"][1]), height=320)
