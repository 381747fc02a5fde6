"""The one declaration of every component kind: what it is called, where it lives, how it is drawn.

In the spirit of PyPSA's component table: each kind is one `Kind` row, and the
layout sections, the Twin's tables, the power model's element codes, the N-1
candidate sets, 3D sizes and colours and the app's pickers are all derived
from `KINDS`. Adding a kind is a row here plus its schema class (see
docs/architecture.md).

This module is data with no imports from the rest of twin, so every layer may
read it, the file format included (twin.layout builds its `power:` and
`cooling:` sections from it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SECTIONS = ("site", "power", "cooling", "storage")
"""Where a kind's list sits in a layout file: under halls (site), `power:`, `cooling:` or `storage:`."""

DOMAINS = {
    "space": "halls and rows: where racks stand",
    "it": "racks: the IT load",
    "power_source": "feeds the power chain: utility connection, generator, turbine",
    "power_branch": "a power element fed from an upstream one: transformer, switchgear, UPS, PDU",
    "cooling_network": "water loops and the pipes between their nodes",
    "cooling_unit": "draws electric power to move heat: CRAH, CDU, pump, chiller, tower, cooler",
    "power_storage": "stores energy behind the grid connection: a site battery (BESS)",
}

MODELS = {
    "hall": "a room of rows",
    "row": "a line of rack slots",
    "rack": "IT load with A/B cords, heat to air and liquid",
    "utility": "grid connection: a slack bus behind its short-circuit impedance",
    "generator": "a voltage source at its terminal, taking load after start_s",
    "transformer": "series impedance from z_pct and x/r, no-load loss as a shunt",
    "switchgear": "a bus with a rating, no loss of its own",
    "ups": "losses l0 + l1 x + l2 x^2; double conversion regulates its output",
    "pdu": "a series resistance losing loss_pct at rated load",
    "loop": "a water loop with a supply setpoint",
    "pipe": "Darcy-Weisbach friction between two loop nodes",
    "air_unit": "a CRAH/CRAC: hall air, fan cube law, chilled water or DX",
    "cdu": "a liquid-to-liquid exchanger (effectiveness-NTU) with its secondary pump",
    "pump": "a quadratic pump curve on a loop, affinity laws for speed",
    "chiller": "DOE-2 capacity and EIR curves on its loop",
    "cooling_tower": "evaporative heat rejection: approach to wet bulb, water use",
    "dry_cooler": "dry heat rejection: approach to dry bulb",
    "bess": "energy, power, round-trip efficiency, SOC limits; dispatched over time",
}
"""The physics each model name stands for; solvers dispatch on `Kind.model`, never on a table name."""


@dataclass(frozen=True)
class Kind:
    """One component kind, declared once.

    table: the list name in a layout section and the Twin's attribute (`crahs`).
    res: the result table (`res_crahs`), by one rule: `res_` + table.
    """

    table: str
    section: str
    domain: str
    model: str
    schema: str  # class name in twin.layout.schema
    label: str  # human name, singular
    size_m: tuple[float, float, float] | None = None  # 3D footprint (x, y) and height
    rgb: tuple[float, float, float] | None = None  # 3D colour
    failable: bool = False  # a failure candidate: N-1/N-2 sweeps, failure pickers
    fails: bool = True  # a scenario may fail it (False: no solver reads it as failed)
    small: bool = False  # left out of the 3D view at coarse detail (campus scale)
    electric_cols: tuple[str, ...] = ()  # columns of `res` that add up to its electric draw

    @property
    def res(self) -> str:
        return f"res_{self.table}"


# Sizes: typical footprints and heights [est, vendor datasheets, order of magnitude].
KINDS: tuple[Kind, ...] = (
    Kind("halls", "site", "space", "hall", "Hall", "hall"),
    Kind("rows", "site", "space", "row", "Row", "row"),
    Kind("racks", "site", "it", "rack", "Rack", "rack"),
    # power, sources first, then branches in feed order
    Kind("utilities", "power", "power_source", "utility", "Utility", "utility connection",
         (6.0, 6.0, 4.0), (0.35, 0.35, 0.35), failable=True),
    Kind("generators", "power", "power_source", "generator", "Generator", "generator",
         (6.0, 2.5, 3.0), (0.45, 0.35, 0.25), failable=True),
    Kind("turbines", "power", "power_source", "generator", "Turbine", "on-site turbine",
         (12.0, 4.0, 4.5), (0.55, 0.30, 0.30), failable=True),
    Kind("transformers", "power", "power_branch", "transformer", "Transformer", "transformer",
         (3.0, 2.5, 2.8), (0.93, 0.62, 0.16), failable=True),
    Kind("switchgear", "power", "power_branch", "switchgear", "Switchgear", "switchgear",
         (4.0, 1.2, 2.3), (0.75, 0.55, 0.25), failable=True),
    Kind("ups", "power", "power_branch", "ups", "Ups", "UPS",
         (2.0, 1.0, 2.0), (0.98, 0.80, 0.30), failable=True),
    Kind("pdus", "power", "power_branch", "pdu", "Pdu", "PDU/busway",
         (0.8, 0.8, 2.0), (0.85, 0.75, 0.55), failable=True, small=True),
    # cooling
    Kind("loops", "cooling", "cooling_network", "loop", "Loop", "water loop", fails=False),
    Kind("crahs", "cooling", "cooling_unit", "air_unit", "Crah", "CRAH/CRAC",
         (2.0, 1.0, 2.2), (0.35, 0.65, 0.90), failable=True, electric_cols=("fan_kw", "compressor_kw")),
    Kind("cdus", "cooling", "cooling_unit", "cdu", "Cdu", "CDU",
         (1.2, 1.2, 2.2), (0.20, 0.50, 0.85), failable=True, electric_cols=("pump_kw",)),
    Kind("pumps", "cooling", "cooling_unit", "pump", "Pump", "pump",
         (1.2, 0.8, 1.2), (0.25, 0.40, 0.70), failable=True, small=True, electric_cols=("p_kw",)),
    Kind("pipes", "cooling", "cooling_network", "pipe", "Pipe", "pipe", fails=False),
    Kind("chillers", "cooling", "cooling_unit", "chiller", "Chiller", "chiller",
         (6.0, 2.5, 2.5), (0.30, 0.75, 0.80), failable=True, electric_cols=("p_kw",)),
    Kind("cooling_towers", "cooling", "cooling_unit", "cooling_tower", "CoolingTower",
         "cooling tower", (4.0, 4.0, 4.5), (0.55, 0.80, 0.85), failable=True, electric_cols=("fan_kw",)),
    Kind("dry_coolers", "cooling", "cooling_unit", "dry_cooler", "DryCooler", "dry cooler",
         (6.0, 2.3, 2.2), (0.45, 0.70, 0.65), failable=True, electric_cols=("fan_kw",)),
    # storage: a 40 ft container of battery racks [est]
    Kind("bess", "storage", "power_storage", "bess", "Bess", "battery energy storage",
         (12.2, 2.4, 2.9), (0.40, 0.60, 0.30)),
)  # fmt: skip

BY_TABLE: dict[str, Kind] = {k.table: k for k in KINDS}


def kind(table: str) -> Kind:
    """The Kind whose table is `table` (KeyError names the allowed ones)."""
    try:
        return BY_TABLE[table]
    except KeyError:
        raise KeyError(f"unknown component kind {table!r}; known: {', '.join(BY_TABLE)}") from None


def tables(
    section: str | None = None,
    domain: str | Iterable[str] | None = None,
    model: str | Iterable[str] | None = None,
    failable: bool | None = None,
    small: bool | None = None,
) -> tuple[str, ...]:
    """Table names of the kinds matching every given filter, in declaration order."""
    domains = {domain} if isinstance(domain, str) else set(domain or ())
    models = {model} if isinstance(model, str) else set(model or ())
    return tuple(
        k.table
        for k in KINDS
        if (section is None or k.section == section)
        and (not domains or k.domain in domains)
        and (not models or k.model in models)
        and (failable is None or k.failable == failable)
        and (small is None or k.small == small)
    )


POWER_KINDS = tables(section="power")
"""The lists under `power:`, sources first, in feed order."""
COOLING_KINDS = tables(section="cooling")
"""The lists under `cooling:`."""
STORAGE_KINDS = tables(section="storage")
"""The lists under `storage:` (not part of the power solve; used over time by twin.solve.timeline)."""
POWER_SOURCES = tables(domain="power_source")
POWER_BRANCHES = tables(domain="power_branch")
COOLING_UNITS = tables(domain="cooling_unit")
HEAT_SINKS = tables(model=("chiller", "cooling_tower", "dry_cooler"))
"""Cooling units that take a loop's heat away (to a condenser loop or to ambient)."""
HEAT_REJECTORS = tables(model=("cooling_tower", "dry_cooler"))
"""Heat sinks that reject to outdoor air."""
FAILABLE = tables(failable=True, section="power") + tables(failable=True, section="cooling")
"""Every kind a failure sweep or picker offers, power first."""
