"""Which generators trip when the utility is lost: the one rule for every outage answer.

A generator handed more than its rating when it takes over from a lost utility does not
carry it: its protection trips it and it stays off for the outage [est: a genset's
overcurrent and under-frequency protection opens its breaker on a block load past its
rating, and nothing recloses it on the same load], and what it was to feed (the
cooling on its bus, the UPSs it was to bridge) is lost with it. Its loading is
`twin.solve.ride_through_power.power_ride_through`'s `generator_loading_pct`: the coupled
solve with the utilities failed (`twin solve --fail <utilities>`), real power against the
engine's kW rating or apparent power against its kVA, whichever is higher
(`twin.solve.power_model.source_loading_pct`).

`twin ride-through` (`twin.solve.transient.cooling_ride_through`) fails the tripped
generators and marches the batteries to empty; a timeline's outage
(`twin.scenarios.timeline_ups.ups_bank`) takes them out of the bank the same way, so
both tell one story of the same outage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TRIP_PCT = 100.0
"""A generator loaded past this % of its rating at takeover trips [est: a standby genset's
rating is its limit (ISO 8528-1 standby ratings allow no overload); the same 100 % that
`power_ride_through` counts a UPS bridged at]."""


def tripped_generators(power: pd.DataFrame, utility_lost: bool = True) -> dict[str, float]:
    """Generator id -> % of its rating it would carry, for each generator that trips.

    `power`: `power_ride_through`'s per-UPS frame (its `generator` and
    `generator_loading_pct`; NaN loading, not solved, trips nothing); `utility_lost`: the
    failure takes a utility off the load (`ride_through_power.utility_lost`); otherwise no
    generator starts and none trips."""
    if not utility_lost or not len(power) or "generator_loading_pct" not in power:
        return {}
    pct = power["generator_loading_pct"].to_numpy(float)
    out: dict[str, float] = {}
    for g, p in zip(power["generator"], pct, strict=True):
        if isinstance(g, str) and np.isfinite(p) and p > TRIP_PCT:
            out[g] = max(out.get(g, 0.0), float(p))
    return out
