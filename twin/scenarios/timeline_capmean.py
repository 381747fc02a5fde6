"""A power cap over a step: the step's mean of the capped power, not the cap of its mean.

A cap (`--cap`, `--tenant-cap`, `--rack-cap`, `--row-cap`) limits the racks' power at
every instant; a step holds the mean over the step. Capping the mean instead
(``min(mean, cap)``) lets a training hall swinging between 1.0 and 0.7 of design every
10 s keep 0.8 under a 0.8 cap at hourly steps, where the instant-by-instant cap gives
``(0.8 + 0.7) / 2 = 0.75``: hourly runs drew 8.8 % more IT than 1 s runs of the same cap
and lost a third of the tokens. Here each step is the mean of ``min(power(t), cap)``:

- a trace: its piecewise-constant values capped, then `timeline_trace.step_means`
  (exact);
- training, steps of at least one swing period: the swing's mean over a period of the
  capped wave (square: ``(min(hi, c) + min(lo, c)) / 2``; sine ``m + a sin``:
  ``m - (a cos t - (c - m)(pi / 2 - t)) / pi`` with ``t = asin((c - m) / a)``, the
  closed-form mean of ``(x - c)+``), mixed with the capped checkpoint level by each
  step's share of dips (as `workloads.fraction` mixes them); off by at most one partial
  period over the step (< 0.3 % at 1 h steps of a 10 s swing);
- training at steps shorter than the period, and inference (a day-long curve): ``min(mean,
  cap)``, exact where the power is constant over the step (a square wave's half periods).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from twin.scenarios.timeline_trace import step_means
from twin.scenarios.workloads import Pattern, fraction


def swing_mean_capped(p: Pattern, c: float) -> float:
    """Mean over one period of the training swing capped at `c` (fraction of design)."""
    hi, lo = 1.0, 1.0 - p.swing
    if p.shape == "square":
        return 0.5 * (min(hi, c) + min(lo, c))
    m, a = 0.5 * (hi + lo), 0.5 * p.swing
    if a <= 0:
        return min(m, c)
    t = math.asin(min(max((c - m) / a, -1.0), 1.0))
    return m - (a * math.cos(t) - (c - m) * (math.pi / 2 - t)) / math.pi


def capped_fraction(p: Pattern, start_s: np.ndarray, dt_s: float, cap: float) -> np.ndarray:
    """Mean over each step of the pattern's power fraction capped at `cap` (n,)."""
    f = fraction(p, start_s, dt_s)
    if cap >= 1.0:
        return f
    if p.kind == "inference" or dt_s < p.period_s:
        return np.minimum(f, cap)
    out_of_dips = fraction(replace(p, swing=0.0, checkpoint_level=0.0), start_s, dt_s)
    level = min(p.checkpoint_level, cap)
    return np.minimum(f, swing_mean_capped(p, cap) * out_of_dips + level * (1.0 - out_of_dips))


def trace_capped(t: np.ndarray, kw: np.ndarray, start_s, dt_s: float, cap_kw: float):
    """Mean over each step of one trace column (kW) capped at `cap_kw` (n,)."""
    return step_means(t, np.minimum(kw, cap_kw)[:, None], start_s, dt_s)[:, 0]


SINE_POINTS = 32
"""Phases at which a sine swing's tokens are averaged (equally spaced: exact for the mean of
a smooth periodic function to far below the fit's accuracy; the cap's kink costs < 0.1 %)."""


def swing_levels(
    p: Pattern | None, start_s: np.ndarray, dt_s: float, cap: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """The power fractions a step passes through and the share of the step at each:
    levels (K,) and weights (n, K), rows summing to 1. A training step of at least one
    swing period holds its capped swing (square: top and bottom half the time each; sine:
    `SINE_POINTS` phases) outside checkpoint dips and the capped dip level inside, each by
    its share of the step; any other step one level (its mean: weight 1, level 1)."""
    n = len(start_s)
    if p is None or p.kind != "training" or dt_s < p.period_s or p.swing <= 0:
        return np.ones(1), np.ones((n, 1))
    hi, lo = 1.0, 1.0 - p.swing
    if p.shape == "square":
        wave = np.array([hi, lo])
    else:
        ph = 2.0 * np.pi * (np.arange(SINE_POINTS) + 0.5) / SINE_POINTS
        wave = 0.5 * (hi + lo) + 0.5 * p.swing * np.sin(ph)
    levels = np.minimum(np.r_[wave, p.checkpoint_level], cap)
    out = fraction(replace(p, swing=0.0, checkpoint_level=0.0), start_s, dt_s)  # out of dips
    w = np.column_stack([np.repeat(out[:, None] / len(wave), len(wave), axis=1), 1.0 - out])
    return levels, w


def step_tokens(rate, s: np.ndarray, shapes: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Tokens/s per step and group (n, G): the step mean of `rate` (tokens/s at power
    fractions (n, G)) over the levels each group's step passes through (`swing_levels`, one
    per group), scaled so their mean is the step's fraction `s` (n, G) (a cut or an outage
    scales the swing). Throughput is concave in power (~ power^0.5 above idle), so the rate
    at the step's mean power overstates a swinging step: a training day gave 0.8 % more
    tokens at 60 s steps and 1.7 % more at 1 h than at 1 s."""
    n, g = s.shape
    k_max = max(len(lv) for lv, _ in shapes)
    lv = np.zeros((g, k_max))
    w = np.zeros((n, g, k_max))
    for j, (levels, weights) in enumerate(shapes):
        lv[j, : len(levels)] = levels
        w[:, j, : len(levels)] = weights
    mean = np.einsum("ngk,gk->ng", w, lv)
    scale = np.divide(s, mean, out=np.zeros_like(s), where=mean > 0)
    if k_max == 1:
        return rate(s)
    out = np.zeros_like(s)
    for k in range(k_max):
        on = w[:, :, k] > 0
        if on.any():
            out += np.where(on, w[:, :, k] * rate(lv[None, :, k] * scale), 0.0)
    return np.where(mean > 0, out, rate(s))


def swing_shapes(pats: list, groups, caps, start_s: np.ndarray, dt_s: float) -> list:
    """`swing_levels` for each column: its group's pattern (`pats[group]`, None for a trace)
    under its cap."""
    return [
        swing_levels(pats[g], start_s, dt_s, float(c)) for g, c in zip(groups, caps, strict=True)
    ]
