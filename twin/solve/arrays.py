"""Small array helpers the solvers share."""

from __future__ import annotations

import numpy as np


def feed_b_share(live_a, live_b) -> np.ndarray:
    """Share of a dual-fed unit's draw on its second feed: half while both feeds are live,
    all of it on a lone live second feed, none otherwise (`live_b` False when single-fed)."""
    la, lb = np.asarray(live_a, bool), np.asarray(live_b, bool)
    return np.where(la & lb, 0.5, np.where(lb, 1.0, 0.0))


def safe_div(a, b) -> np.ndarray:
    """a / b elementwise, 0 where b is 0 (an idle unit has no loading, not NaN)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b != 0)
