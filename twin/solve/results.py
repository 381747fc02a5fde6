"""What a solve returns: result tables, violations and headline numbers.

`res_<kind>` tables share the index of the Twin's component table of that
kind. Violations are one row per broken limit with the columns in
`VIOLATION_COLUMNS`, so the CLI, the front end and the scenario sweeps can
rank and show them without knowing which solver found them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

VIOLATION_COLUMNS = ["component", "kind", "value", "limit", "unit", "message"]
"""kind is one of: overload, undervoltage, unfed, over_temperature,
under_temperature, coolant_temperature, over_capacity, uncooled, grid_limit."""


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

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def add(self, tables: dict[str, pd.DataFrame], violations: pd.DataFrame | None = None) -> None:
        """Merge another solver's tables and violations into these results."""
        self.tables.update(tables)
        if violations is not None and len(violations):
            parts = [v for v in (self.violations, violations) if len(v)]
            self.violations = pd.concat(parts, ignore_index=True)
