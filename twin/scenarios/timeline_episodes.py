"""A timeline's violations per kind and component: how many intervals, over which span, for
how long in all and how bad at worst. A swinging workload across a limit gives one interval
per swing (696 `overload` intervals of UPS-1 in 2 h of the mixed workload): each is true, and
a list of them hides the one fact an engineer wants first, which element and for how long.
`twin timeline` prints this before its first intervals; the Timeline page shows it as a
table."""

from __future__ import annotations

import pandas as pd

COLUMNS = ["kind", "component", "intervals", "first_s", "last_end_s", "total_s", "worst", "unit"]


def episodes(violations: pd.DataFrame) -> pd.DataFrame:
    """One row per (kind, component) of `violations` (`Timeline.violations`: kind, component,
    start_s, duration_s, value, unit), in the order each first appears; `worst` is the
    largest `value` (every timeline violation is worse the larger it is)."""
    if not len(violations):
        return pd.DataFrame(columns=COLUMNS)
    v = violations.assign(end_s=violations["start_s"] + violations["duration_s"])
    g = v.groupby(["kind", "component"], sort=False)
    out = g.agg(
        intervals=("start_s", "size"),
        first_s=("start_s", "min"),
        last_end_s=("end_s", "max"),
        total_s=("duration_s", "sum"),
        worst=("value", "max"),
        unit=("unit", "first"),
    )
    return out.reset_index()[COLUMNS]
