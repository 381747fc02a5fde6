"""Many time windows summed over a timeline's steps at once, without a loop per window.

An outage that heats a campus past its limits gives every rack its own throttle and
trip window (each rack crosses at its own time): 7,584 windows. Summing them one at a
time (`overlap` over all steps, per window) was a Python loop over racks; here each
window adds its edge steps (the steps its start and end fall in and their neighbours,
by the same `overlap` formula) and its whole steps in between (a difference array, one
cumulative sum per column), so the work is O(windows + steps x columns).

Steps are [t0_k, t0_k + dt). A step no window touches is exactly 0 (the whole-step
sums are masked by an exact integer count), so "any rack tripped in this step" stays a
clean test.
"""

from __future__ import annotations

import numpy as np

from twin.solve.timeline_outage import overlap


def window_sums(t0, dt: float, a, b, col, ncol: int, weights: list) -> list[np.ndarray]:
    """For each weight vector w (m,) in `weights`: (n, ncol) with out[k, c] = the sum over
    windows i in column `col[i]` of w[i] * overlap(t0[k], dt, a[i], b[i]) / dt.
    Windows with a non-finite start or an end at or before their start add nothing."""
    t0 = np.asarray(t0, float)
    n = len(t0)
    a, b = np.asarray(a, float), np.asarray(b, float)
    col = np.asarray(col, np.int64)
    ws = [np.asarray(w, float) for w in weights]
    outs = [np.zeros((n, ncol)) for _ in ws]
    if n == 0 or not len(a):
        return outs
    if n > 1 and not np.allclose(np.diff(t0), dt, rtol=1e-9, atol=0.0):
        return _one_by_one(t0, dt, a, b, col, ws, outs)  # not evenly spaced steps
    end = t0[-1] + dt
    keep = np.isfinite(a) & (b > a) & (a < end) & (b > t0[0])
    a, b, col, ws = a[keep], b[keep], col[keep], [w[keep] for w in ws]
    ka = np.searchsorted(t0, a, side="right") - 1  # step holding the start; -1: before the run
    kb = np.where(b >= end, n, np.searchsorted(t0, b, side="right") - 1)  # n: past the end
    # edge steps by the `overlap` formula itself: the steps holding the start and the end,
    # and their neighbours (steps k dt in floating point overlap or leave 1e-17 s slivers)
    ks = np.sort(np.column_stack([ka - 1, ka, ka + 1, kb - 1, kb, kb + 1]), axis=1)
    first = np.ones((len(ks), 1), bool)
    use = (ks >= 0) & (ks < n) & np.hstack([first, ks[:, 1:] != ks[:, :-1]])
    row, k_e = np.nonzero(use)[0], ks[use]
    f_e = overlap(t0[k_e], dt, a[row], b[row]) / dt
    # whole steps in between (ka + 2 .. kb - 2): a difference array per column
    lo = np.minimum(ka + 2, n)
    hi = np.maximum(np.where(kb >= n, n - 1, kb - 1), lo)  # exclusive
    count = np.zeros((n + 1, ncol), np.int64)
    np.add.at(count, (lo, col), 1)
    np.add.at(count, (hi, col), -1)
    whole = np.cumsum(count, axis=0)[:n] > 0
    for w, out in zip(ws, outs, strict=True):
        d = np.zeros((n + 1, ncol))
        np.add.at(d, (lo, col), w)
        np.add.at(d, (hi, col), -w)
        out += np.where(whole, np.cumsum(d, axis=0)[:n], 0.0)
        np.add.at(out, (k_e, col[row]), w[row] * f_e)
    return outs


def _one_by_one(t0, dt, a, b, col, ws, outs) -> list[np.ndarray]:
    """`window_sums` window by window (steps not evenly spaced)."""
    for i in np.flatnonzero(np.isfinite(a) & (b > a)):
        f = overlap(t0, dt, a[i], b[i]) / dt
        for w, out in zip(ws, outs, strict=True):
            out[:, col[i]] += w[i] * f
    return outs
