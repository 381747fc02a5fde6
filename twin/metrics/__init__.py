"""Metrics from a solved layout: PUE and friends, IT headroom, tokens per MW, cost per million tokens.

PUE, pPUE, WUE and CUE come from one function, `efficiency_kpis` (see
`twin.metrics.pue`); `twin.solve.run` puts its numbers in `Results.kpis`.
"""

from twin.metrics.headroom import Headroom, headroom
from twin.solve.results import efficiency_kpis

__all__ = ["Headroom", "efficiency_kpis", "headroom"]
