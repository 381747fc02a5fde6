"""Solve one failure scenario with the coupled solve and say what it costs.

`solve_scenario(twin, scenario)` re-solves power and cooling together
(`twin.solve.run`: A->B transfer, ATS to generators, redundant cooling units
picking up load, racks past their thermal limit throttling or shutting down:
`twin.solve.consequence`) and returns the violations, the IT load lost (racks
with no live feed or tripped by heat, kW and count), racks too hot, and every
per-component difference from the normal state (`compare`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from twin.model.scenario import Scenario
from twin.scenarios.compare import compare
from twin.solve import Results, run
from twin.solve.power import ranked_loading

HOT_KINDS = ("over_temperature", "uncooled", "thermal_shutdown")
"""Violation kinds that mean a rack has left its allowable range."""


def _run(twin, scenario: Scenario) -> Results:
    scenario.check(twin.component_ids())
    return run(twin, scenario)


def lost_racks(twin, results: Results) -> pd.Index:
    """Racks with no live feed (failed racks included)."""
    rr = results.tables.get("res_racks")
    if rr is None or "fed" not in rr:
        return pd.Index([], name="id")
    return rr.index[~rr["fed"].to_numpy(dtype=bool)]


def it_lost_kw(twin, results: Results, lost: pd.Index | None = None) -> float:
    """IT demand of the racks with no live feed (`lost_racks`, or `lost`), shut down by heat
    included: what a failure takes from the site."""
    lost = lost_racks(twin, results) if lost is None else lost
    rr = results["res_racks"]
    demand = rr["p_demand_kw"] if "p_demand_kw" in rr else twin.racks["power_kw"]
    return float(demand.reindex(lost).sum())


def hot_racks(twin, results: Results) -> pd.Index:
    """Racks named in an over-temperature or uncooled violation."""
    v = results.violations
    ids = v.loc[v["kind"].isin(HOT_KINDS), "component"]
    return pd.Index(sorted(set(ids) & set(twin.racks.index)), name="id")


@dataclass
class ScenarioOutcome:
    """A solved scenario next to the normal state."""

    scenario: Scenario
    results: Results
    base: Results
    racks_lost: pd.Index
    it_lost_kw: float
    racks_hot: pd.Index
    diff: pd.DataFrame = field(repr=False)

    @property
    def violations(self) -> pd.DataFrame:
        return self.results.violations

    def summary(self) -> dict[str, float | str]:
        """Headline numbers for tables and the CLI."""
        v = self.results.violations
        rp = self.results.tables.get("res_power_nodes")
        worst = rp.loc[ranked_loading(rp["kind"]), "loading_pct"] if rp is not None else None
        by_kind = {f"violations_{k}": float(n) for k, n in v["kind"].value_counts().items()}
        return {
            "scenario": self.scenario.name,
            "violations": float(len(v)),
            **by_kind,
            "it_lost_kw": self.it_lost_kw,
            "racks_lost": float(len(self.racks_lost)),
            "racks_hot": float(len(self.racks_hot)),
            "racks_throttled": float(self.results.kpis.get("racks_throttled", 0.0)),
            "it_throttled_kw": float(self.results.kpis.get("it_throttled_kw", 0.0)),
            "racks_shutdown": float(self.results.kpis.get("racks_shutdown", 0.0)),
            "it_shutdown_kw": float(self.results.kpis.get("it_shutdown_kw", 0.0)),
            "max_loading_pct": float(worst.max()) if worst is not None and len(worst) else 0.0,
            "t_inlet_max_c": float(self.results.kpis.get("t_inlet_max_c", float("nan"))),
        }


def solve_scenario(twin, scenario: Scenario, base: Results | None = None) -> ScenarioOutcome:
    """Solve `scenario` (and the normal state unless `base` is given) and summarise.

    Raises `ScenarioError` for component ids the twin does not have.
    """
    res = _run(twin, scenario)
    base = base if base is not None else run(twin, Scenario())
    lost = lost_racks(twin, res)
    return ScenarioOutcome(
        scenario=scenario,
        results=res,
        base=base,
        racks_lost=lost,
        it_lost_kw=it_lost_kw(twin, res, lost),
        racks_hot=hot_racks(twin, res),
        diff=compare(base, res),
    )
