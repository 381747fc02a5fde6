"""An energy-balance residual as a person reads it: kWh (or MWh) and a share of the
energy supplied, rounded, never hiding a nonzero residual behind a rounded zero.

The Timeline page and `twin timeline` showed `balance_residual_rel` as "0.0e+00"; both
print this text now (one answer; it lives below twin.app and twin.cli so that the CLI
need not import the app's package). A residual of exactly zero reads "0 kWh (0 % of the
energy supplied)"; one below the shown precision reads "< 0.001 kWh" / "< 0.001 %" (so a
nonzero one never shows as 0); larger ones are rounded to three significant digits with
their sign.
"""

from __future__ import annotations

import math

SMALLEST_KWH = 0.001
"""Below this (in kWh) the energy reads "< 0.001 kWh"."""
SMALLEST_PCT = 0.001
"""Below this share (in %) the share reads "< 0.001 %"."""


def _three(x: float) -> str:
    """`x` to three significant digits, thousands separated, no exponent."""
    v = float(f"{x:.3g}")
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:g}"


def energy_text(kwh: float) -> str:
    """An energy in kWh, or MWh from 1,000 kWh; nonzero below 0.001 kWh reads "< 0.001 kWh"."""
    if not math.isfinite(kwh):
        return "n/a"
    if kwh == 0:
        return "0 kWh"
    if abs(kwh) < SMALLEST_KWH:
        return f"< {SMALLEST_KWH:g} kWh"
    if abs(kwh) >= 1000:
        return f"{_three(kwh / 1000)} MWh"
    return f"{_three(kwh)} kWh"


def share_text(rel: float) -> str:
    """A fraction as a percentage; nonzero below 0.001 % reads "< 0.001 %"."""
    if not math.isfinite(rel):
        return "n/a"
    pct = rel * 100.0
    if pct == 0:
        return "0 %"
    if abs(pct) < SMALLEST_PCT:
        return f"< {SMALLEST_PCT:g} %"
    return f"{_three(pct)} %"


def residual_text(mwh: float, rel: float) -> str:
    """A balance residual (`mwh`, and `rel` of the energy supplied) for a screen, e.g.
    "0 kWh (0 % of the energy supplied)" or "< 0.001 kWh (< 0.001 % ...)"."""
    return f"{energy_text(mwh * 1000.0)} ({share_text(rel)} of the energy supplied)"
