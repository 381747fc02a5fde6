"""When a temperature rise first reaches each rack's limit, and curves cut at a time.

Split out of `twin.solve.transient`: the ride-through integrates a few
hundred nodes (halls, loops) but reports times for thousands of racks, so the
search is one `searchsorted` per node on its running maximum, not a loop over
racks; `tests/solve/test_transient.py` checks it against a rack-by-rack scan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.solve.consequence import COOLANT_LIMIT_C, SHUTDOWN_MARGIN_K

__all__ = ["CROSSING_DT_S", "curve_until", "first_crossing", "rack_times_to_limits"]

CROSSING_DT_S = 0.5
"""Largest spacing of the times searched for limit crossings, s (the samples may be wider)."""


def curve_until(curve: pd.DataFrame, end_s: float) -> pd.DataFrame:
    """The samples up to `end_s`, the last one interpolated at `end_s` (all if never)."""
    if not np.isfinite(end_s) or end_s >= curve["time_s"].iat[-1]:
        return curve
    t, y = curve["time_s"].to_numpy(float), curve["t_c"].to_numpy(float)
    keep = t < end_s
    last = curve.iloc[[0]].assign(time_s=end_s, t_c=float(np.interp(end_s, t, y)))
    return pd.concat([curve[keep], last], ignore_index=True)


def first_crossing(times, rise, node, margin, mask) -> np.ndarray:
    """First time node rise reaches each rack's margin (linear between samples; inf if never).

    One searchsorted per node (halls and loops, not racks) on its running maximum."""
    out = np.full(len(margin), np.inf)
    if not len(times) or not rise.size:
        return out
    env = np.maximum.accumulate(rise, axis=1)  # running max: first crossing is monotone
    idx = np.flatnonzero(mask & np.isfinite(margin))
    out[idx[margin[idx] <= 0]] = 0.0
    idx = idx[margin[idx] > 0]
    if not len(idx):
        return out
    k = np.empty(len(idx), dtype=np.int64)
    nodes = node[idx]
    for n in np.unique(nodes):  # a few hundred nodes at most
        sel = nodes == n
        k[sel] = np.searchsorted(env[n], margin[idx][sel])
    inside = k < len(times)
    idx, k = idx[inside], k[inside]
    at0 = k == 0
    out[idx[at0]] = 0.0
    idx, k = idx[~at0], k[~at0]
    e0, e1 = env[node[idx], k - 1], env[node[idx], k]
    m = margin[idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(e1 > e0, (m - e0) / (e1 - e0), 0.0)
    out[idx] = times[k - 1] + f * (times[k] - times[k - 1])
    return out


def rack_times_to_limits(
    times, rise_air, rise_coolant, rack_hall, rack_loop, t_inlet0_c, inlet_limit_c,
    t_coolant0_c, t_outlet0_c, throttle_c, air_rack, liquid_rack,
):  # fmt: skip
    """Per rack, s: to its allowable inlet, to the coolant limit, to its throttle, to shutdown.

    `rise_air` / `rise_coolant`: each hall's air / TCS loop's rise over `times`;
    a rack's temperature is its steady one plus the rise of the node carrying it.
    Shutdown is `SHUTDOWN_MARGIN_K` past the inlet or coolant limit
    (`twin.solve.consequence`, the limits the steady state applies).
    """
    loop = np.maximum(rack_loop, 0)
    t_allow = first_crossing(times, rise_air, rack_hall, inlet_limit_c - t_inlet0_c, air_rack)
    t_cool = first_crossing(times, rise_coolant, loop, COOLANT_LIMIT_C - t_coolant0_c, liquid_rack)
    trip_air = first_crossing(
        times, rise_air, rack_hall, inlet_limit_c + SHUTDOWN_MARGIN_K - t_inlet0_c, air_rack
    )
    trip_cool = first_crossing(
        times, rise_coolant, loop, COOLANT_LIMIT_C + SHUTDOWN_MARGIN_K - t_coolant0_c, liquid_rack
    )
    t_throttle = first_crossing(
        times, rise_air, rack_hall, throttle_c - t_outlet0_c, air_rack & np.isfinite(throttle_c)
    )
    return t_allow, t_cool, t_throttle, np.minimum(trip_air, trip_cool)
