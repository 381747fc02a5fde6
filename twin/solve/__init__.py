"""Solvers: pure functions of (Twin, Scenario) that return tables, never modify the Twin.

`run` is the one coupled solve (power -> heat -> air -> liquid -> plant).
"""

from twin.solve.results import Results, violations_frame

__all__ = ["Results", "violations_frame"]
