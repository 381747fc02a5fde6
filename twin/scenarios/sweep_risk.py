"""Which rows of an N-1 screen must be re-solved in full (`at_risk`): the screen's rule, apart
from the sweep that applies it (`twin.scenarios.sweep`, which re-exports these names)."""

from __future__ import annotations

import numpy as np
import pandas as pd

LOADING_MARGIN_PCT = 10.0
"""The screen re-solves a case whose worst element loading is within this of 100 % [est: the
coupled re-solve moved loadings by < 1 %-point where cooling copes; 10x that]."""
HOTTER_K = 0.05
"""A case's hottest inlet this far above the base's counts as hotter (`at_risk`) [est: a tenth
of the 0.5 K to which the N-1 rows must equal their full solve, tests/scenarios/
test_n1_matches_direct.py]."""


def recommended_max_c(twin) -> float:
    """The lowest ASHRAE recommended maximum inlet over the halls with racks (C) [REFERENCE 2]."""
    from twin.solve.airflow import ASHRAE_C

    halls = twin.halls
    if "ashrae_class" not in halls or not len(halls):
        return min(v[1] for v in ASHRAE_C.values())
    used = halls.index.isin(twin.racks["hall"]) if "hall" in twin.racks else slice(None)
    classes = halls.loc[used, "ashrae_class"]
    return min((ASHRAE_C[c][1] for c in classes), default=ASHRAE_C["A1"][1])


def at_risk(twin, table: pd.DataFrame, t_inlet_base_c: float = np.nan) -> np.ndarray:
    """Rows of a fast-path table that must be re-solved in full: any IT lost, racks or IT
    at risk, a cooling shortfall or a cooling group above 100 %, any overload, worst loading
    within `LOADING_MARGIN_PCT` of 100 %, a hottest inlet above the halls' recommended
    maximum or with no finite value (where the base has one). Where the base's hottest inlet
    is above that maximum already, only a case hotter than the base by more than `HOTTER_K`
    is at risk for its inlet: the base's full solve has the others' inlet."""
    t = table["t_inlet_max_c"].to_numpy(float)
    rec = recommended_max_c(twin)
    with np.errstate(invalid="ignore"):
        hot = (t > rec) | np.isinf(t)
        if np.isfinite(t_inlet_base_c):
            hot |= np.isnan(t)
            if t_inlet_base_c > rec:  # already over: only a failure that makes it hotter
                hot &= ~(t <= t_inlet_base_c + HOTTER_K)
        return (
            (table["it_lost_kw"].to_numpy(float) > 0)
            | (table["racks_lost"].to_numpy(float) > 0)
            | (table["racks_at_risk"].to_numpy(float) > 0)
            | (table["it_at_risk_kw"].to_numpy(float) > 0)
            | (table["cooling_shortfall_kw"].to_numpy(float) > 1e-9)
            | ~(table["max_cooling_loading_pct"].to_numpy(float) <= 100.0)
            | (table["overloads"].to_numpy(float) > 0)
            | ~(table["max_loading_pct"].to_numpy(float) < 100.0 - LOADING_MARGIN_PCT)
            | hot
        )
