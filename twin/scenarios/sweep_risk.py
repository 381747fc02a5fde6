"""Which rows of an N-1 screen must be re-solved in full (`at_risk`): the screen's rule, apart
from the sweep that applies it (`twin.scenarios.sweep`, which re-exports these names)."""

from __future__ import annotations

from collections.abc import Mapping

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


def at_risk(
    twin, table: pd.DataFrame, t_inlet_base_c: float = np.nan, base: Mapping | None = None
) -> np.ndarray:
    """Rows of a fast-path table that must be re-solved in full: any IT lost, racks or IT
    at risk, a cooling shortfall or a cooling group above 100 %, any overload, worst loading
    within `LOADING_MARGIN_PCT` of 100 %, a hottest inlet above the halls' recommended
    maximum or with no finite value (where the base has one). Where the base's hottest inlet
    is above that maximum already, only a case hotter than the base by more than `HOTTER_K`
    is at risk for its inlet: the base's full solve has the others' inlet.

    `base`: the scenario's own row (`FastSweep.base_row`, or its full solve's). A scenario that
    lost racks or broke a limit already puts every case past these marks; each then counts
    only beyond the base (more IT lost, more overloads, a worse loading): with H1-UPS-A1 and
    B1 failed on ai-factory-hall.yaml every one of its 91 failures "lost IT" (the scenario's
    2,112 kW) and was solved in full, 90 full solves per N-1 pass of a headroom search."""
    b = {k: 0.0 for k in _COUNTS} | {k: -np.inf for k in _PEAKS}
    if base is not None:
        b.update({k: float(base[k]) for k in (*_COUNTS, *_PEAKS) if k in base})
    t = table["t_inlet_max_c"].to_numpy(float)
    rec = recommended_max_c(twin)

    def col(name: str) -> np.ndarray:
        return table[name].to_numpy(float)

    with np.errstate(invalid="ignore"):
        hot = (t > rec) | np.isinf(t)
        if np.isfinite(t_inlet_base_c):
            hot |= np.isnan(t)
            if t_inlet_base_c > rec:  # already over: only a failure that makes it hotter
                hot &= ~(t <= t_inlet_base_c + HOTTER_K)
        more = np.zeros(len(table), dtype=bool)
        for name in _COUNTS:  # counted beyond the base's own
            more |= col(name) > b[name] + COUNT_TOL
        cool_ok = max(100.0, b["max_cooling_loading_pct"] + PEAK_TOL_PCT)
        load_ok = max(100.0 - LOADING_MARGIN_PCT, b["max_loading_pct"] + PEAK_TOL_PCT)
        grid = col("grid_used_pct") if "grid_used_pct" in table else np.zeros(len(table))
        grid_ok = max(100.0, b["grid_used_pct"] + PEAK_TOL_PCT)
        return (
            more
            | ~(col("max_cooling_loading_pct") <= cool_ok)
            | ~(col("max_loading_pct") < load_ok)
            | hot
            | ~(grid <= grid_ok)
        )


_COUNTS = (
    "it_lost_kw",
    "racks_lost",
    "racks_at_risk",
    "it_at_risk_kw",
    "cooling_shortfall_kw",
    "overloads",
)
"""`at_risk`'s columns that count harm: a case is at risk where one exceeds the base's."""
_PEAKS = ("max_cooling_loading_pct", "max_loading_pct", "grid_used_pct")
"""`at_risk`'s columns that are a worst loading: at risk past its mark, or past the base's
where the base is past the mark already."""
COUNT_TOL = 1e-9
"""Above the base's count by more than this [est: sums of kW from the same arrays; float
noise is ~1e-12 of a few MW]."""
PEAK_TOL_PCT = 0.01
"""A worst loading this far above a base already past its mark counts as worse [est: the
screen's power path equals the full solve to 1e-8 pp; a hundredth of a point is far above]."""
