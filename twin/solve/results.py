"""What a solve returns: result tables, violations and headline numbers.

`res_<kind>` tables share the index of the Twin's component table of that
kind. Violations are one row per broken limit with the columns in
`VIOLATION_COLUMNS`, so the CLI, the front end and the scenario sweeps can
rank and show them without knowing which solver found them.

The efficiency ratios (PUE, pPUE, WUE, CUE) are computed in one place,
`efficiency_kpis`: the coupled solve fills `Results.kpis` with it, and
`twin.metrics.pue` (which the annual figures use) re-exports it, so the CLI,
the app, its report and the API all show the same number. It lives here, not
in `twin.metrics`, because `twin.solve` (layer 3) may not import layer 4.

A result is normal only if it is converged, finite and balanced. Solvers
report their convergence in `kpis` and, when it fails, a violation of a
`SOLVER_KINDS` kind carrying the residual (value) and the tolerance (limit);
`non_finite_violations` finds NaN/inf where a number must be. NaN is kept
for quantities that are undefined (a dead bus's voltage, a stopped unit's
temperatures, a rack with no liquid loop's coolant), never for a power, a
current, a pressure or a flow (`FINITE_SUFFIXES`: 0 when off).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

VIOLATION_COLUMNS = ["component", "kind", "value", "limit", "unit", "message"]
"""kind is one of `VIOLATION_KINDS`."""

VIOLATION_KINDS = (
    "not_converged",
    "non_finite",
    "not_balanced",
    "no_flow",
    "starved",
    "reversed_pump",
    "uncooled",
    "unfed",
    "standby_in_use",
    "overload",
    "over_capacity",
    "undervoltage",
    "grid_limit",
    "thermal_shutdown",
    "over_temperature",
    "coolant_temperature",
    "under_temperature",
)
"""The kinds of a solve's violations, most serious first: a result that cannot be trusted
(`SOLVER_KINDS`), then heat or power that does not reach the racks (no_flow: a water loop
whose pumps cannot move water the way its circuit runs; starved: one whose pumps push so
little through its pipes that its water would boil, no steady state; uncooled: heat with nowhere to
go; standby_in_use: a standby generator carrying load in normal operation, an island on
diesel), then limits passed (thermal_shutdown: a rack tripped by heat,
`twin.solve.consequence`). Screens list them in this order."""


def by_severity(violations: pd.DataFrame) -> pd.DataFrame:
    """`violations` most serious first (`VIOLATION_KINDS`; an unknown kind last), stable."""
    if not len(violations):
        return violations
    order = {k: i for i, k in enumerate(VIOLATION_KINDS)}
    rank = [order.get(k, len(order)) for k in violations["kind"]]
    return violations.iloc[np.argsort(rank, kind="stable")]


SOLVER_KINDS = ("not_converged", "non_finite", "not_balanced")
"""Violations that say the result itself cannot be trusted: a solver that did not
converge (value = residual, limit = tolerance), a number that is NaN/inf where one
must be finite, an energy balance that does not close (value = residual kW)."""

NOT_AN_ANSWER = "NOT AN ANSWER"
"""How every front end opens a result whose solve is not a solution (a `SOLVER_KINDS`
violation), before its figures: `twin solve`, `twin tenants`, `twin timeline`, the app.
One constant so that they say it the same way and a test can look for it."""

LAST_ITERATE = "(not converged: the last iterate)"
"""Said after each figure a `NOT_AN_ANSWER` result voids: the solver's last iterate, not an
operating point."""


def not_an_answer_lines(violations: pd.DataFrame, most: int = 3) -> list[str]:
    """'NOT AN ANSWER: kind at component: message' per `SOLVER_KINDS` violation (the first
    `most`, then how many more); [] when the result is a solution."""
    if not len(violations):
        return []
    bad = violations[violations["kind"].isin(SOLVER_KINDS)]
    out = [
        f"{NOT_AN_ANSWER}: {r.kind} at {r.component}: {r.message}"
        for r in bad.head(most).itertuples()
    ]
    if len(bad) > most:
        out.append(f"... and {len(bad) - most:,} more such (see the violations)")
    return out


LOWER_BOUND_KPI = "t_inlet_max_lower_bound"
"""kpi: 1.0 where the hottest inlet is a lower bound, not a steady state (`no_steady_state`);
every coupled solve sets it (`twin.solve.consequence.settle`), so scripts reading
`Results.kpis` see what `twin solve` prints beside the hottest inlet."""


def no_steady_state(res) -> bool:
    """Heat goes unremoved while racks run (``heat_unremoved_kw`` of the final state and a
    fed rack): the solved inlets, `t_inlet_max_c` included, are then a lower bound, not a
    steady state. An ``uncooled`` violation kept from before racks shut down by heat says
    why they did (`twin.solve.consequence.causes`), not that the state after is unsteady:
    read from it, a hot day whose trips let the plant hold 34.2 C said 'no steady state'
    beside 'Heat not removed 0.0 kW' and a PUE."""
    v = res.violations
    if not len(v) or not (v["kind"] == "uncooled").any():
        return False
    if not float(res.kpis.get("heat_unremoved_kw", 0.0)) > 1e-6:
        return False
    rr = res.tables.get("res_racks")
    return rr is not None and bool(rr["fed"].fillna(False).astype(bool).any())


BALANCE_REL_TOL = 1e-6
"""Relative tolerance of every energy balance (of facility power) [est: the coupled
iteration settles cooling power to 1e-3 kW; 1e-6 of a site is above that noise]."""

UNREMOVED_FLOOR_KW = 1e-6
"""Unremoved heat below this is solver noise, not a shortfall (the solvers' violation
threshold) [est]."""

FINITE_SUFFIXES = ("_kw", "_kvar", "_ka", "_kpa", "_m3_s", "_m3_h")
"""Result columns that are always a number (0 when off): powers, currents, pressures, flows."""

UNDEFINED_OK = frozenset(
    {
        ("res_racks", "coolant_flow_m3_s"),
        ("kpis", "power_failover_margin_kw"),
        ("kpis", "t_inlet_max_demand_c"),
    }
)
"""Exceptions: a rack with no liquid loop has no coolant flow (NaN); IT headroom is
undefined with no IT (NaN) and unbounded with no failover loading (inf); the hottest inlet
before racks shut down by heat is unbounded (inf) where their heat had nowhere to go
(`twin.solve.consequence.cooling_at_demand`; `twin solve` prints "unbounded" and its JSON
lists it under "unbounded")."""


NOT_STEADY = ("not_converged", "non_finite", "not_balanced", "no_flow", "starved", "uncooled")
"""Violations that leave a state without a trustworthy steady solution (NaN or still-rising
temperatures, a residual): a ride-through cannot start from it, N-1 rows compare against it."""


def not_steady(violations: pd.DataFrame) -> list[str]:
    """'kind: component' for each `NOT_STEADY` row of a violations table, in order, once."""
    v = violations[violations["kind"].isin(NOT_STEADY)] if len(violations) else violations
    return [f"{k}: {c}" for k, c in dict.fromkeys(zip(v["kind"], v["component"], strict=True))]


def violation(component, kind: str, value, limit, unit: str, message: str) -> dict:
    """One violations row (see `VIOLATION_COLUMNS`)."""
    return {
        "component": component,
        "kind": kind,
        "value": float(value),
        "limit": float(limit),
        "unit": unit,
        "message": message,
    }


def efficiency_kpis(
    it_kw: float,
    facility_kw: float,
    water_m3_h: float = 0.0,
    co2_kg_per_kwh: float = float("nan"),
    cooling_kw: float = float("nan"),
    power_loss_kw: float = float("nan"),
    heat_unremoved_kw: float = 0.0,
) -> dict[str, float]:
    """PUE, pPUE (cooling, power chain), WUE and CUE from the energy terms.

    - ``pue = facility / IT`` (ISO/IEC 30134-2);
    - ``ppue_cooling = (IT + cooling) / IT``, ``ppue_power = (IT + power-chain losses) / IT``
      (partial PUE of one subsystem, ISO/IEC 30134-2 annex);
    - ``wue_l_per_kwh = site water (L) / IT energy (kWh)`` (ISO/IEC 30134-9, The Green Grid);
    - ``cue_kg_per_kwh = CO2 factor x PUE`` (ISO/IEC 30134-8: all facility energy at the
      emission factor of its supply, `co2_kg_per_kwh`: `supply_co2_kg_per_kwh`).

    Powers (kW, m3/h) or energies over one period (kWh, m3) give the same ratios.
    With no IT load every ratio is NaN (undefined, shown as n/a or null), never 0.
    With heat not removed (`heat_unremoved_kw` above `BALANCE_REL_TOL` of IT and
    `UNREMOVED_FLOOR_KW`) the
    site is in no steady state and the ratios that involve cooling (PUE, pPUE of
    cooling, WUE, CUE) are NaN too: cooling that did not happen draws no power and
    uses no water, and a ratio without it would look better than the real site.
    The violations say which heat went where; pPUE of the power chain stays.
    """
    it = float(it_kw)
    nan = float("nan")
    if not it > 0:
        return dict.fromkeys(
            ("pue", "ppue_cooling", "ppue_power", "wue_l_per_kwh", "cue_kg_per_kwh"), nan
        )
    ppue_power = (it + float(power_loss_kw)) / it
    if float(heat_unremoved_kw) > max(BALANCE_REL_TOL * it, UNREMOVED_FLOOR_KW):
        return {
            "pue": nan,
            "ppue_cooling": nan,
            "ppue_power": ppue_power,
            "wue_l_per_kwh": nan,
            "cue_kg_per_kwh": nan,
        }
    pue = float(facility_kw) / it
    return {
        "pue": pue,
        "ppue_cooling": (it + float(cooling_kw)) / it,
        "ppue_power": ppue_power,
        "wue_l_per_kwh": float(water_m3_h) * 1000.0 / it,
        "cue_kg_per_kwh": float(co2_kg_per_kwh) * pue,
    }


def supply_co2_kg_per_kwh(site, utility_kw: float, generator_kw: float) -> float:
    """Emission factor of the facility's supply, kg CO2/kWh: the grid's and the generators'
    factors weighted by what each delivers (ISO/IEC 30134-8 counts the facility's energy at
    its source: a site on its generators emits diesel's CO2, not the grid's). With no supply
    at all, the grid's."""
    total = float(utility_kw) + float(generator_kw)
    if not total > 0:
        return float(site.grid_co2_kg_per_kwh)
    return (
        float(utility_kw) * site.grid_co2_kg_per_kwh
        + float(generator_kw) * site.generator_co2_kg_per_kwh
    ) / total


def must_be_finite(table: str, column: str) -> bool:
    """Whether `column` of result table `table` ("kpis" for KPIs) must always be a number."""
    return column.endswith(FINITE_SUFFIXES) and (table, column) not in UNDEFINED_OK


def non_finite_violations(
    tables: dict[str, pd.DataFrame], kpis: dict[str, float] | None = None
) -> list[dict]:
    """One 'non_finite' violation per table column holding inf anywhere, or NaN where a
    number must be (`must_be_finite`); component = the first such row, value = how many."""
    rows = []
    for name, t in tables.items():
        for col, series in t.items():
            a = series.to_numpy()
            if a.dtype.kind != "f":  # only floats hold NaN/inf
                continue
            bad = np.isinf(a) | (np.isnan(a) & must_be_finite(name, col))
            if not bad.any():
                continue
            hit = np.flatnonzero(bad)
            first = t.index[hit[0]]
            rows.append(
                violation(
                    first,
                    "non_finite",
                    len(hit),
                    0,
                    "",
                    f"{name}.{col} is {a[hit[0]]} at {first}"
                    + (f" and {len(hit) - 1} more" if len(hit) > 1 else "")
                    + ": a solver produced no number there",
                )
            )
    for key, value in (kpis or {}).items():
        x = float(value)
        if (
            math.isinf(x)
            and ("kpis", key) not in UNDEFINED_OK
            or (math.isnan(x) and must_be_finite("kpis", key))
        ):
            rows.append(
                violation(
                    "site", "non_finite", 1, 0, "", f"kpi {key} is {x}: a solver produced no number"
                )
            )
    return rows


def violations_frame(rows: list[dict] | None = None) -> pd.DataFrame:
    """A violations table with the standard columns (empty if no rows)."""
    return pd.DataFrame(rows or [], columns=VIOLATION_COLUMNS)


@dataclass
class Results:
    """Everything one solve of one scenario produced. Never written back into the Twin."""

    scenario: str = "normal"
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    violations: pd.DataFrame = field(default_factory=violations_frame)
    kpis: dict[str, float] = field(default_factory=dict)
    before_trips: Results | None = field(default=None, repr=False, compare=False)
    """Where racks shut down by heat: the solve at the racks' full demand, before any trip
    (`twin.solve.consequence.settle`; None where none tripped). The state after the trips
    has no heat where the cooling failed, so what the failure did to the cooling reads here
    (the N-1 row's cooling-group loading, `twin.scenarios.sweep_rows.cooling_groups_at_demand`)."""

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def add(self, tables: dict[str, pd.DataFrame], violations: pd.DataFrame | None = None) -> None:
        """Merge another solver's tables and violations into these results."""
        self.tables.update(tables)
        if violations is not None and len(violations):
            parts = [v for v in (self.violations, violations) if len(v)]
            self.violations = pd.concat(parts, ignore_index=True)
