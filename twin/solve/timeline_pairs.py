"""UPS batteries in an outage, one battery or one 2N pair at a time: exact emptying times.

A 2N pair is two UPSs that feed the same racks, one on each rack's A feed and one on
its B feed (REFERENCE 5: 2N A/B feeds, PSUs share ~50/50; on loss of A, B carries 100 %).
Both batteries discharge under their own share until the first is empty; then its
partner picks up the first's racks that are fed from both (`shared`: the share of the
first UPS's load on racks whose other feed is its partner) and carries them with its
own while its battery lasts; the first's racks fed from it alone are dropped. Load is
dropped on the dual-fed racks only when both sides are empty.

Discharge follows Peukert (`twin.solve.timeline_outage`): at power P a battery drains
rated energy at ``P (P / P_rated)^(k - 1)``. Within the bridge (the outage's start to
its generator start or the utility's return) the loads are constant within a step, so
the energy each battery has drawn is piecewise linear in time with knots at the step
ends (and at the first battery's empty time); both emptying times come from
inverting it exactly. For two lossless (k = 1) batteries E_a <= E_b each under L: the
first empties at E_a / L, the pair at (E_a + E_b) / (2 L).

Everything is in seconds from the outage's start (the bridge is one contiguous window)
and kJ; one call per distinct pair or battery (not per UPS, not per rack).
"""

from __future__ import annotations

import numpy as np


def rate_kw(load_kw, energy_kwh: float, rated_h: float, k: float) -> np.ndarray:
    """Rated energy drawn per second (kW) at `load_kw` (Peukert)."""
    load = np.asarray(load_kw, float)
    p_rated = energy_kwh / rated_h
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(load > 0, load / p_rated, 0.0)
        return np.where(load > 0, load * rel ** (k - 1.0), 0.0)


def _when(cum: np.ndarray, knots: np.ndarray, e: float) -> float:
    """First time `cum` (non-decreasing, piecewise linear over `knots`) reaches `e`."""
    if not len(cum) or cum[-1] < e:
        return np.inf
    j = int(np.searchsorted(cum, e, side="left"))
    if j == 0:
        return float(knots[0])
    y0, y1 = cum[j - 1], cum[j]
    return float(knots[j - 1] + (e - y0) / (y1 - y0) * (knots[j] - knots[j - 1]))


def _span(lo, hi, a, b) -> np.ndarray:
    """Seconds of each [lo, hi) inside [a, b)."""
    return np.maximum(np.minimum(hi, b) - np.maximum(lo, a), 0.0)


def pair(batt, loads, shared, ov) -> dict:
    """One battery (second entry of `batt` with zero energy) or one pair over the window.

    batt: ((E kWh, H h, k), (E, H, k)); loads: (L_a (m,), L_b (m,)) kW each carries on its
    own; shared: (s_a, s_b) fractions; ov: (m,) seconds of each step inside the bridge.
    Returns per side (tuples a, b): delivered_kj, dropped_kj, drain_kj (m,) and
    time_to_empty_s (from the outage's start, inf: never), peak_kw; and served (m,): the
    share of the pair's load served in each step's bridged seconds."""
    ov = np.asarray(ov, float)
    c = np.r_[0.0, np.cumsum(ov)]
    lo, hi = c[:-1], c[1:]
    la, lb = (np.asarray(x, float) for x in loads)
    e_kj = [batt[0][0] * 3600.0, batt[1][0] * 3600.0]
    single = e_kj[1] <= 0
    r = [rate_kw(la, *batt[0]), np.zeros_like(lb) if single else rate_kw(lb, *batt[1])]
    cum = [np.r_[0.0, np.cumsum(r[0] * ov)], np.r_[0.0, np.cumsum(r[1] * ov)]]
    t_own = [_when(cum[0], c, e_kj[0]), np.inf if single else _when(cum[1], c, e_kj[1])]
    first = 0 if t_own[0] <= t_own[1] else 1
    s = 1 - first
    t1 = t_own[first]
    load = [la, lb]
    drain = [None, None]
    drain[first] = np.interp(np.minimum(c, t1), c, cum[first])
    pick = load[s] + shared[first] * load[first]
    if single:
        t2, drain[1] = t1, np.zeros_like(c)
    elif not np.isfinite(t1):
        t2, drain[s] = np.inf, cum[s]
    else:  # the survivor carries its own and the first's dual-fed racks from t1
        cum2 = np.r_[0.0, np.cumsum(rate_kw(pick, *batt[s]) * ov)]

        def drawn(x):
            x1 = np.minimum(x, t1)
            return np.interp(x1, c, cum[s]) + np.interp(x, c, cum2) - np.interp(x1, c, cum2)

        knots = np.unique(np.r_[c, t1])
        t2 = _when(drawn(knots), knots, e_kj[s])
        drain[s] = np.minimum(drawn(c), e_kj[s])
    p1 = _span(lo, hi, 0.0, t1)  # both carry their own
    p2 = _span(lo, hi, t1, t2)  # the survivor carries its own and the first's shared racks
    p3 = _span(lo, hi, t2, np.inf)  # both empty
    deliv, drop = [None, None], [None, None]
    deliv[first] = p1 * load[first]
    deliv[s] = p1 * load[s] + p2 * pick
    drop[first] = p2 * (1.0 - shared[first]) * load[first] + p3 * load[first]
    drop[s] = p3 * load[s]
    served_kj = deliv[0] + deliv[1]
    total = (la + lb) * ov
    tte = [None, None]
    tte[first], tte[s] = t1, (np.inf if single else t2)
    peak = [float(la.max(initial=0.0)), float(lb.max(initial=0.0))]
    if not single and (p2 > 0).any():
        peak[s] = max(peak[s], float(pick[p2 > 0].max()))
    return {
        "delivered_kj": tuple(deliv),
        "dropped_kj": tuple(drop),
        "drain_kj": (np.diff(drain[0]), np.diff(drain[1])),
        "time_to_empty_s": tuple(tte),
        "peak_kw": tuple(peak),
        "served": np.divide(served_kj, total, out=np.ones_like(total), where=total > 0),
    }
