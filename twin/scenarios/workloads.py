"""AI workload power over time, per group (hall), as fractions of design power.

Built-in patterns (every figure is a default the caller can change):

- training: synchronous training alternates compute and communication phases,
  swinging a whole hall's power by tens of percent within about a second
  (Microsoft/OpenAI/NVIDIA, "Power stabilization for AI training datacenters",
  arXiv 2508.14318). Modelled as a square wave (or a sine) between 1.0 and
  ``1 - amplitude`` of design, amplitude `TRAINING_SWING` [est: "tens of
  percent", same source], period `TRAINING_PERIOD_S` [est];
- checkpoint dips: every `CHECKPOINT_EVERY_S` the job pauses to write a
  checkpoint for `CHECKPOINT_S` at `CHECKPOINT_LEVEL` of design [est];
- inference diurnal: ``mid + amp cos(2 pi (hour - peak) / 24)``, mid 0.6,
  amp 0.3, peak at 14:00 [est: inference follows the daily cycle of its users];
- a CSV or Parquet trace (`twin.scenarios.timeline_trace.read_trace`).

Each step's value is the exact mean of the pattern over the step (from its
integral in closed form), so an hourly year sees the hourly mean of a 10 s
swing and a 1 s day sees the swing itself. A checkpoint dip replaces the swing;
over a step that is partly in a dip the mean is the time-weighted mix of the
swing's mean and the dip level (exact when a step lies wholly in or out of
dips, e.g. 1 s steps with whole-second dips).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from twin.errors import ScenarioError

TRAINING_SWING = 0.3
"""Training power swing, fraction of design [est: tens of percent, arXiv 2508.14318]."""
TRAINING_PERIOD_S = 10.0
"""Period of one compute/communication cycle, s [est: seconds, arXiv 2508.14318]."""
CHECKPOINT_EVERY_S = 3600.0
"""Time between checkpoints, s [est]."""
CHECKPOINT_S = 120.0
"""Duration of one checkpoint dip, s [est]."""
CHECKPOINT_LEVEL = 0.3
"""Power during a checkpoint, fraction of design (accelerators near idle) [est]."""
INFERENCE_MID, INFERENCE_AMP, INFERENCE_PEAK_H = 0.6, 0.3, 14.0
"""Diurnal inference load: mean, half swing (fractions of design), hour of the peak [est]."""
KINDS = ("training", "inference")


@dataclass(frozen=True)
class Pattern:
    """A built-in pattern for one group: `kind` training or inference."""

    kind: str = "training"
    shape: str = "square"  # training: square or sine
    swing: float = TRAINING_SWING
    period_s: float = TRAINING_PERIOD_S
    checkpoint_every_s: float = CHECKPOINT_EVERY_S
    checkpoint_s: float = CHECKPOINT_S
    checkpoint_level: float = CHECKPOINT_LEVEL
    mid: float = INFERENCE_MID
    amp: float = INFERENCE_AMP
    peak_h: float = INFERENCE_PEAK_H

    def check(self) -> None:
        """Raise ScenarioError for values outside what the pattern allows."""
        rules = [
            (self.kind in KINDS, f"workload kind {self.kind!r}: use one of {', '.join(KINDS)}"),
            (self.shape in ("square", "sine"), f"shape {self.shape!r}: use square or sine"),
            (0.0 <= self.swing <= 1.0, f"swing {self.swing:g}: a fraction of design, 0-1"),
            (self.period_s > 0, f"swing period {self.period_s:g} s: must be > 0"),
            (self.checkpoint_every_s > 0, "checkpoint interval must be > 0 s"),
            (0 <= self.checkpoint_s <= self.checkpoint_every_s,
             "checkpoint duration must be 0 to the checkpoint interval"),
            (0.0 <= self.checkpoint_level <= 1.0, "checkpoint level is a fraction of design, 0-1"),
            (0.0 <= self.mid - self.amp and self.mid + self.amp <= 1.0,
             f"inference {self.mid:g} +- {self.amp:g} leaves 0-1 of design"),
        ]  # fmt: skip
        for ok, msg in rules:
            if not ok:
                raise ScenarioError(msg)


def _square_integral(t, lo, hi, period):
    """Integral from 0 of a square wave at `hi` for the first half period, `lo` after."""
    n = np.floor(t / period)
    r = t - n * period
    return lo * t + (hi - lo) * (n * period / 2.0 + np.minimum(r, period / 2.0))


def _sine_integral(t, mid, amp, period):
    return mid * t - amp * period / (2.0 * math.pi) * np.cos(2.0 * math.pi * t / period)


def _mean(integral, t0, dt):
    return (integral(t0 + dt) - integral(t0)) / dt


def fraction(p: Pattern, start_s: np.ndarray, dt_s: float) -> np.ndarray:
    """Mean power fraction of design over each step [start, start + dt)."""
    t = np.asarray(start_s, float)
    if p.kind == "inference":
        day = 86400.0
        shift = p.peak_h * 3600.0 - day / 4.0  # cos peak at peak_h = sin peak a quarter on
        return _mean(lambda x: _sine_integral(x - shift, p.mid, p.amp, day), t, dt_s)
    hi, lo = 1.0, 1.0 - p.swing
    if p.shape == "square":
        swing = _mean(lambda x: _square_integral(x, lo, hi, p.period_s), t, dt_s)
    else:
        swing = _mean(lambda x: _sine_integral(x, (hi + lo) / 2, p.swing / 2, p.period_s), t, dt_s)
    if p.checkpoint_s <= 0:
        return swing
    # dips: the last `checkpoint_s` of every interval (a square wave of 1 inside a dip)
    e, c = p.checkpoint_every_s, p.checkpoint_s

    def dip_integral(x):
        n = np.floor(x / e)
        r = x - n * e
        return n * c + np.maximum(r - (e - c), 0.0)

    d = _mean(dip_integral, t, dt_s)
    return swing * (1.0 - d) + p.checkpoint_level * d
