"""What a failure does to the racks, read from one full solve.

One definition, shared by the N-1 rows (`twin.scenarios.sweep.summarise`, what `twin n1`
and the app's ranking show) and the app's Failures page
(`twin.app.failure_views.consequences`), so a failure gives the same racks lost, racks at
thermal risk and hottest inlet wherever it is shown:

- lost: racks with no live feed or tripped by heat (`res_racks.fed` False);
- at risk: racks that keep power but are short of cooling: named in, or served (on the
  cooling graph) by a component named in, a cooling violation (`COOLING_TROUBLE`), or
  throttled by heat (`res_racks.thermal_state`);
- hottest inlet: the solve's `t_inlet_max_c`, but inf where heat goes unremoved while racks
  run (an ``uncooled`` violation: no steady state, the solved inlets are a lower bound);
  where no rack runs because every one that ran shut down by heat, the hottest inlet before
  the shutdown (`t_inlet_max_demand_c`; inf where their heat had nowhere to go), not n/a,
  which read as 'no cooling problem' beside a total loss of cooling.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import networkx as nx
import pandas as pd

from twin.solve.results import no_steady_state

COOLING_TROUBLE = ("over_temperature", "uncooled", "over_capacity", "coolant_temperature")
"""Violation kinds that put racks at risk: the rack itself, or a unit, hall or loop serving it."""


def racks_at_risk(twin, violations: pd.DataFrame) -> set[str]:
    """Racks named in, or served by a component named in, a cooling violation."""
    v = violations[violations["kind"].isin(COOLING_TROUBLE)]
    racks = set(twin.racks.index)
    g = twin.cooling_graph
    out: set[str] = set()
    for comp in set(v["component"]):
        if comp in racks:
            out.add(comp)
            continue
        node = f"air:{comp}" if comp in twin.halls.index else comp
        if node in g:
            out |= {n for n in nx.ancestors(g, node) if n in racks}
    return out


@dataclass
class RackRisk:
    """Racks `lost` and `at_risk` (ids, in the twin's rack order) and the hottest inlet (C)."""

    lost: pd.Index
    at_risk: pd.Index
    t_inlet_max_c: float


def rack_risk(twin, res) -> RackRisk:
    """The module's definitions applied to the solved `res` of `twin`."""
    ids = twin.racks.index
    rr = res.tables["res_racks"].reindex(ids)
    fed = rr["fed"].fillna(False).astype(bool)
    lost = ids[~fed.to_numpy()]
    risk = racks_at_risk(twin, res.violations)
    if "thermal_state" in rr:
        risk |= set(ids[(rr["thermal_state"] == "throttled").to_numpy()])
    at_risk = ids[ids.isin(sorted(risk)) & fed.to_numpy()]
    t_in = float(res.kpis.get("t_inlet_max_c", math.nan))
    if no_steady_state(res):
        t_in = math.inf  # heat with nowhere to go while racks run: no steady state
    elif math.isnan(t_in):  # no rack runs: if racks shut down by heat, what they saw first
        t_in = float(res.kpis.get("t_inlet_max_demand_c", math.nan))
    return RackRisk(lost, at_risk, t_in)
