"""A constraint that breaks without an overload counts as broken everywhere it is read."""

from __future__ import annotations

import pandas as pd

from twin.metrics.headroom_n1 import BROKEN_MARK, _n1_u
from twin.scenarios.placement import BROKEN


def _row(**kw):
    base = {
        "max_loading_pct": 60.0,
        "max_cooling_loading_pct": 70.0,
        "overloads": 0,
        "cooling_shortfall_kw": 0.0,
        "racks_at_risk": 0,
        "it_lost_kw": 0.0,
    }
    return {**base, **kw}


def test_failure_with_racks_at_risk_and_no_overload_is_broken_for_placement_and_headroom():
    """An N-1 row with 20 racks at risk but every element under 100 %: its utilisation must
    be above placement's BROKEN and the headroom's 1.0 (it was exactly BROKEN, so
    placement counted no such failure as broken)."""
    t = pd.DataFrame([_row(), _row(racks_at_risk=20), _row(it_lost_kw=5.0)])
    u, lost = _n1_u(t)
    assert u[0] == 0.7
    assert (u[1:] > BROKEN).all() and (u[1:] > 1.0).all()
    assert list(lost) == [False, False, True]
    assert BROKEN_MARK > BROKEN
