"""Metrics from a solved layout: PUE and friends, tokens per MW, cost per million tokens.

PUE, pPUE, WUE and CUE come from one function, `efficiency_kpis` (see
`twin.metrics.pue`); `twin.solve.run` puts its numbers in `Results.kpis`.
"""

from twin.solve.results import efficiency_kpis

__all__ = ["efficiency_kpis"]
