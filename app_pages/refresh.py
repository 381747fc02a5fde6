"""Hardware refresh: swap racks for another generation, see what breaks first (issue 17).

Thin: every number comes from `twin.scenarios.refresh.refresh` and
`twin.scenarios.distribution.compare_distribution`, the functions behind
`twin refresh` and `twin compare-distribution`; this page picks the arguments and
shows their tables with human labels.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import common
from app_pages.long_run import result_on_click
from twin.app.text import plain
from twin.errors import ScenarioError
from twin.layout.generations import GENERATIONS
from twin.metrics.generations import generations
from twin.model import Twin
from twin.model.columns import display
from twin.scenarios.distribution import compare_distribution
from twin.scenarios.refresh import refresh

# the power distributions twin.scenarios.distribution compares, as people name them (a
# comment: Streamlit's magic writes a page's bare strings on the page)
OPTIONS = {"ac_415v": "415 V AC", "dc_800v": "800 V DC", "dc_minus_ac": "800 V DC − 415 V AC"}

st.title("Hardware refresh")
twin, key = common.current()
st.caption(
    plain(twin.name) + ": racks of one generation become another; the layout is solved "
    "before and after, and every limit (power in normal state and in failover, cooling "
    "groups at N+1, every single failure solved in full where the site has at most 300, "
    "pumps, pipes, floor, grid) is ranked by its loading. The same numbers as "
    "`twin refresh`."
)
with st.expander("Rack generations and their sources"):
    st.dataframe(display(generations(twin.layout), index="generation"), width="stretch")

present = set(twin.racks["accelerator"].dropna())
olds = [g for g, v in GENERATIONS.items() if v["accelerator"] in present]
if not olds:
    st.info("No rack of this layout names a catalogued accelerator; nothing to refresh.")
    st.stop()
c = st.columns(2)
old = c[0].selectbox("From", olds, key="rf_from")
new = c[1].selectbox("To", [g for g in GENERATIONS if g != old], key="rf_to")
c = st.columns(2)
halls = c[0].multiselect("Halls (none: all)", sorted(set(twin.racks["hall"])), key="rf_halls")
rows = c[1].multiselect("Rows (none: all)", sorted(set(twin.racks["row"])), key="rf_rows")
dc = st.checkbox("Compare 800 V DC with 415 V AC in the refreshed halls", key="rf_dc")


def _refresh(progress):
    """(Refresh, DC comparisons per refreshed hall), or None (its error shown)."""
    try:
        r = refresh(twin, old, new, rows=rows or None, halls=halls or None)
        dists = []
        if dc:
            tw1 = Twin.from_layout(r.layout)
            for h in sorted(set(tw1.racks.loc[r.racks, "hall"])):
                dists.append(compare_distribution(tw1, h, r.results))
        return r, dists
    except ScenarioError as exc:
        st.error(plain(str(exc)))
    return None


r, dists = result_on_click(
    "Refresh and solve",
    "rf_run",
    "rf_result",
    (key, old, new, tuple(halls), tuple(rows), dc),
    _refresh,
    start=None,
    spinner="Coupled solves before and after, and every single failure ...",
    prompt="Choose the generations (and rows or halls) and press Refresh and solve.",
)

b, a = r.before, r.after
m = st.columns(4)
m[0].metric("Racks swapped", f"{len(r.racks):,}")
m[1].metric("IT load (kW)", f"{a['it_kw']:,.0f}", f"{a['it_kw'] - b['it_kw']:+,.0f}")
m[2].metric("Throughput (M tokens/s)", f"{a['tokens_s'] / 1e6:,.1f}",
            f"{r.tokens_gained_s / 1e6:+,.1f}")  # fmt: skip
m[3].metric("Capex of the new racks (M USD)", f"{r.capex_usd / 1e6:,.1f}")
if r.first_break:
    u = r.table.at[r.first_break, "utilisation_after"]
    st.error(plain(f"First break: {r.first_break} at {u:.1%}"))
elif len(r.broken):
    st.warning(plain(f"No limit breaks, but the solve reports {len(r.broken)} violation(s)"))
else:
    st.success("Nothing breaks.")
st.caption(plain(r.failover_note))
if a["tokens_s_at_risk"]:
    st.warning(
        f"{a['tokens_s_at_risk'] / 1e6:,.1f} M tokens/s come from racks over their thermal "
        f"limits ({a['racks_throttled']:.0f} throttled, {a['racks_shutdown']:.0f} tripped)."
    )

cols = ["domain", "utilisation_before", "utilisation_after", "add"]
limits = r.table[r.table["kind"] == "limit"]
st.subheader("Limits, most loaded first" + (" (broken: what to add)" if r.first_break else ""))
common.table(limits[cols].head(200), index="constraint", height=420, width="stretch")
cons = r.broken[r.broken["kind"] == "violation"]
if len(cons):
    st.subheader("Consequences in the refreshed solve")
    common.table(cons[cols[:3]], index="constraint", height=420, width="stretch")
st.subheader("Before and after")
summary = pd.DataFrame([b, a], index=["before", "after"]).rename_axis("state")
common.table(summary, index="state", width="stretch")
for d in dists:
    st.subheader(f"Hall {d.hall}: 415 V AC (solved) vs 800 V DC (first order)")
    if d.assumptions["heat_unremoved_kw"] > 0:
        st.warning(
            f"The refreshed solve leaves {d.assumptions['heat_unremoved_kw']:,.0f} kW "
            "unremoved: the cooling of both options is understated."
        )
    options = d.chains.T.rename(index=OPTIONS).rename_axis("option")
    common.table(options, index="option")
    common.table(d.rows, index="row", height=420, width="stretch")
