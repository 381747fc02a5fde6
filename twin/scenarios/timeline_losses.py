"""Tokens lost over time: which hall, when, for how long, how many tokens and why.

A timeline's per-step tokens/s per hall with and without what held it back
(`twin.scenarios.timeline.simulate`: the demand pattern against what the racks
ran after caps, demand response, IT the site could not serve and load an outage
dropped) become one row per hall per run of consecutive steps that lost tokens.
The cause names every reason active during the run: `cap` (a static cap below the
demand), `demand_response` (an event's steps), `outage` (a UPS battery ran out),
`not_served` (racks the coupled solve left unfed or tripped at that load), `thermal`
(racks an outage heated past their limit, shut down: `twin.scenarios.timeline_thermal`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["group", "cause", "start_s", "duration_s", "tokens_lost", "peak_tokens_lost_s"]
TOL = 1e-9
"""Steps losing at most this share of the hall's uncapped tokens/s are not counted."""


def curtailment(lost_s: np.ndarray, full_s: np.ndarray, groups: list[str], dt_s: float,
                causes: dict[str, np.ndarray]) -> pd.DataFrame:  # fmt: skip
    """One row per hall and run of steps losing tokens. `lost_s`, `full_s`: (n, G) tokens/s
    lost and uncapped; `causes`: name -> (n, G) or (n,) bool, where each reason holds."""
    lost = np.asarray(lost_s, float)
    on = lost > TOL * np.maximum(np.asarray(full_s, float), 1.0)
    if not on.any():
        return pd.DataFrame(columns=COLUMNS)
    flags = {}
    for k, v in causes.items():
        a = np.asarray(v, bool)
        flags[k] = np.broadcast_to(a[:, None] if a.ndim == 1 else a, lost.shape)
    rows = []
    for g in np.flatnonzero(on.any(axis=0)):  # halls, not racks
        edges = np.diff(np.r_[0, on[:, g].astype(np.int8), 0])
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        cum = np.r_[0.0, np.cumsum(lost[:, g])]
        for s, e in zip(starts, ends, strict=True):
            why = [k for k, f in flags.items() if f[s:e, g].any()]
            rows.append({
                "group": groups[g], "cause": "+".join(why) or "other",
                "start_s": float(s * dt_s), "duration_s": float((e - s) * dt_s),
                "tokens_lost": float(cum[e] - cum[s]) * dt_s,
                "peak_tokens_lost_s": float(lost[s:e, g].max()),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS).sort_values(["start_s", "group"], kind="stable",
                                                          ignore_index=True)  # fmt: skip
