"""Small array helpers the solvers share."""

from __future__ import annotations

import numpy as np


def safe_div(a, b) -> np.ndarray:
    """a / b elementwise, 0 where b is 0 (an idle unit has no loading, not NaN)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b != 0)
