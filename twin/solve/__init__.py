"""Solvers: pure functions of (Twin, Scenario) that return tables, never modify the Twin.

`run` is the one coupled solve (power -> heat -> air -> liquid -> plant).
"""

from twin.solve.results import Results, violations_frame


def run(twin, scenario=None, **kw) -> Results:
    """The coupled solve of `twin` in `scenario`; for now the power chain.

    Keyword arguments go to `twin.solve.power.solve_power` (e.g. `extra_loads_kw`).
    """
    from twin.model.scenario import Scenario
    from twin.solve.power import solve_power

    return solve_power(twin, scenario or Scenario(), **kw)


__all__ = ["Results", "run", "violations_frame"]
