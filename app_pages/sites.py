"""Sites side by side: the current layout on several sites (issue 17).

Thin: every number comes from `twin.scenarios.sites.compare`, the function behind
`twin compare-sites`; this page picks the site files and draws the results.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from app_pages import common
from app_pages.long_run import result_on_click
from twin.app import warm
from twin.app.text import plain
from twin.errors import LayoutError, ScenarioError
from twin.model.columns import header
from twin.scenarios.sites import (
    compare,
    load_site,
    monthly_chart,
    side_by_side,
    untrusted_note,
)
from twin.scenarios.timeline import TimelineSpec

HORIZONS = {"One year at 1 h steps": 8760.0, "One week at 1 h steps (quick look)": 168.0}

st.title("Sites side by side")
twin, key = common.current()
st.caption(
    plain(twin.name) + ": the same design on each site's weather year, energy price, grid "
    "carbon, demand charge, grid limit and water price. The same numbers as "
    "`twin compare-sites`."
)
folder = warm.LAYOUTS / "sites"
files = sorted(p.name for p in folder.glob("*.y*ml")) if folder.is_dir() else []
if not files:
    st.info(f"No site files in {folder.name}/; add one (see docs/planning.md).")
    st.stop()
c = st.columns([3, 2])
chosen = c[0].multiselect("Sites (files in layouts/sites/)", files, default=files, key="st_sites")
horizon = c[1].selectbox("Horizon", list(HORIZONS), key="st_horizon")


def _compare(progress):
    """The comparison of the chosen sites, or None (its error shown)."""
    shown = "layouts/sites"
    try:
        sites = []
        for f in chosen:
            shown = f"layouts/sites/{f}"
            sites.append(load_site(folder / f))
        shown = "a site file"
        return compare(twin, sites, TimelineSpec(hours=HORIZONS[horizon]), progress=progress)
    except LayoutError as exc:
        common.show_layout_error(exc, shown)
    except ScenarioError as exc:
        st.error(plain(str(exc)))
    return None


result = result_on_click(
    "Compare",
    "st_run",
    "st_result",
    (key, tuple(chosen), horizon),
    _compare,
    start="One timeline year per site (coupled solves) ...",
    spinner="Simulating each site ...",
    prompt="Choose the sites and press Compare.",
    disabled=not chosen,
)

st.subheader("Side by side")
untrusted = untrusted_note(result)
if untrusted:
    st.error(untrusted)
table = side_by_side(result).rename_axis("Figure").reset_index()  # the CLI's "figure" index
st.dataframe(table, hide_index=True, height=common.fit_height(len(table), 900), width="stretch")

for name, title in (
    ("pue", "PUE per month"),
    ("cost_usd", "Energy and water cost per month"),
    ("carbon_t", "Carbon per month"),
):
    st.subheader(title)
    data = monthly_chart(result, name)
    mark = alt.Chart(data).mark_line(point=True) if name == "pue" else alt.Chart(data).mark_bar()
    if name == "pue":  # sites a few 1e-4 apart: an axis of at least 0.05, two decimals
        lo, hi = float(data["Value"].min()), float(data["Value"].max())
        pad = max(0.025, (hi - lo) * 0.1)
        y_scale, y_axis = alt.Scale(domain=[lo - pad, hi + pad]), alt.Axis(format=".2f")
    else:
        y_scale, y_axis = alt.Scale(zero=True), alt.Axis()
    enc = dict(
        x=alt.X("Month:O", title="Month"),
        y=alt.Y("Value:Q", title=header(name), scale=y_scale, axis=y_axis),
        color=alt.Color("Site:N"),
        tooltip=["Site:N", "Month:O", alt.Tooltip("Value:Q", format=",.3f")],
    )
    if name != "pue":
        enc["xOffset"] = "Site:N"
    st.altair_chart(mark.encode(**enc), width="stretch")
