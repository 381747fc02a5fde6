"""Solvers: pure functions of (Twin, Scenario) that return tables, never modify the Twin.

`run` is the one coupled solve (power -> heat -> air -> liquid -> plant).
"""

from twin.solve.results import Results, violations_frame


def run(twin, scenario=None, **kw) -> Results:
    """The coupled solve of `twin` in `scenario`: power, air, liquid, pipes, plant, iterated.

    Keyword arguments go to `twin.solve.coupled.run` (`recirculation`, `max_iter`, `tol_kw`).
    """
    from twin.solve.coupled import run as coupled_run

    return coupled_run(twin, scenario, **kw)


__all__ = ["Results", "run", "violations_frame"]
