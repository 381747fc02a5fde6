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


def efficiency_kpis(
    it_kw: float,
    facility_kw: float,
    water_m3_h: float = 0.0,
    grid_co2_kg_per_kwh: float = float("nan"),
    cooling_kw: float = float("nan"),
    power_loss_kw: float = float("nan"),
) -> dict[str, float]:
    """PUE, pPUE (cooling, power chain), WUE and CUE from the energy terms.

    - ``pue = facility / IT`` (ISO/IEC 30134-2);
    - ``ppue_cooling = (IT + cooling) / IT``, ``ppue_power = (IT + power-chain losses) / IT``
      (partial PUE of one subsystem, ISO/IEC 30134-2 annex);
    - ``wue_l_per_kwh = site water (L) / IT energy (kWh)`` (ISO/IEC 30134-9, The Green Grid);
    - ``cue_kg_per_kwh = grid CO2 factor x PUE`` (ISO/IEC 30134-8: all facility energy
      from the grid at `grid_co2_kg_per_kwh`).

    Powers (kW, m3/h) or energies over one period (kWh, m3) give the same ratios.
    With no IT load every ratio is NaN (undefined, shown as n/a or null), never 0.
    """
    it = float(it_kw)
    if not it > 0:
        nan = float("nan")
        return dict.fromkeys(
            ("pue", "ppue_cooling", "ppue_power", "wue_l_per_kwh", "cue_kg_per_kwh"), nan
        )
    pue = float(facility_kw) / it
    return {
        "pue": pue,
        "ppue_cooling": (it + float(cooling_kw)) / it,
        "ppue_power": (it + float(power_loss_kw)) / it,
        "wue_l_per_kwh": float(water_m3_h) * 1000.0 / it,
        "cue_kg_per_kwh": float(grid_co2_kg_per_kwh) * pue,
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
