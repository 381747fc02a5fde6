"""The energy-balance residual's screen text: `twin.solve.residual_text`'s, re-exported here
for the app's pages (`twin timeline` prints the same function's text)."""

from twin.solve.residual_text import (
    SMALLEST_KWH,
    SMALLEST_PCT,
    energy_text,
    residual_text,
    share_text,
)

__all__ = ["SMALLEST_KWH", "SMALLEST_PCT", "energy_text", "residual_text", "share_text"]
