"""Failure scenarios, N-1/N-2 sweeps (fast and brute force, serial or on Dask),
and side-by-side comparison of two solves. (The ride-through after a failure is
physics: `twin.solve.transient`.)

>>> from twin.scenarios import solve_scenario, n1
>>> out = solve_scenario(twin, Scenario.fail("UPS-1"))   # violations, IT lost, diff vs normal
>>> table = n1(twin)                                     # every power and cooling unit, ranked
"""

from twin.scenarios.compare import compare
from twin.scenarios.scenario import ScenarioOutcome, solve_scenario
from twin.scenarios.sweep import brute_force, contingencies, n1, n2, rank, sweep

__all__ = [
    "ScenarioOutcome",
    "brute_force",
    "compare",
    "contingencies",
    "n1",
    "n2",
    "rank",
    "solve_scenario",
    "sweep",
]
