"""The stranded-capacity picture per hall for the app (issue 17), from `twin.metrics.stranded`.

One stacked bar per hall, in kW of IT: what runs now, what more fits (the
headroom: the smaller of the power and cooling margins), power without cooling,
cooling without power, and floor without either (free rack slots at the hall's
typical rack power beyond what either side could feed). The numbers are
`twin.metrics.stranded`'s, the same `twin info --stranded` prints. The first bar is
the site's (`twin.metrics.stranded.site_row`: the site-scope headroom split, the
headline's numbers): halls share the grid connection and often a building's
switchgear, so their bars do not add up to it; the table says how many halls share
each side's binding limit. No Streamlit here.
"""

from __future__ import annotations

import math

import pandas as pd

from twin.metrics.stranded import SITE, site_row, stranded

SITE_LABEL = "Site (all halls)"
"""How the site's row is named in the chart and the table."""

PARTS = {
    "it_now_kw": "IT in use",
    "it_headroom_kw": "IT that still fits (headroom)",
    "stranded_power_kw": "Power without cooling (stranded)",
    "stranded_cooling_kw": "Cooling without power (stranded)",
    "stranded_floor_kw": "Floor without power or cooling",
}
"""Bar segments, bottom to top: column of `twin.metrics.stranded` -> label."""
COLOURS = ["#4c78a8", "#9ecae9", "#e45756", "#f58518", "#bab0ac"]
TABLE = [
    "it_now_kw",
    "it_headroom_kw",
    "power_margin_kw",
    "power_binding",
    "cooling_margin_kw",
    "cooling_binding",
    "stranded_power_kw",
    "stranded_cooling_kw",
    "floor_slots",
    "typical_rack_kw",
    "floor_kw",
    "stranded_floor_kw",
    "power_shared_halls",
    "cooling_shared_halls",
]
"""Columns of the table shown under the chart."""


def table(twin, scenario=None, room=None) -> pd.DataFrame:
    """The site's row (`SITE_LABEL`; `twin.metrics.stranded.site_row`, split from the
    site-scope headroom `room` where the caller has it), then `twin.metrics.stranded(twin,
    scenario)`, one row per hall with racks."""
    t = pd.concat([site_row(twin, scenario, room=room), stranded(twin, scenario)])
    return t.rename(index={SITE: SITE_LABEL})


def picture(t: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The chart's long table (hall, part, kw, order) and notes on what it cannot draw: a
    segment that is unbounded (a side with no limit that grows with load) is left out and
    named; a negative headroom (a limit already broken) is drawn as 0 and named."""
    rows, notes = [], []
    for hall, r in t.iterrows():
        for order, (col, label) in enumerate(PARTS.items()):
            kw = float(r[col])
            if math.isnan(kw):
                notes.append(f"{hall}: {label.lower()} is undefined (its racks draw 0 kW)")
                continue
            if not math.isfinite(kw):
                notes.append(f"{hall}: {label.lower()} is unbounded (no limit grows with load)")
                continue
            if kw < 0:
                notes.append(f"{hall}: {label.lower()} is {kw:,.0f} kW: a limit is already broken")
                kw = 0.0
            rows.append({"hall": str(hall), "part": label, "kw": kw, "order": order})
    return pd.DataFrame(rows, columns=["hall", "part", "kw", "order"]), notes
