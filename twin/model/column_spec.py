"""How one column is shown (`Column`: label, unit, digits) and the unit of each name suffix.

The naming convention of DESIGN.md (`_kw`, `_c`, `_pct`, `_m3_s`...) read back:
`SUFFIXES` gives a column the map does not declare its unit and digits.
Split out of `twin.model.columns` (which re-exports both) so the label tables
(`twin.model.column_labels_components`, `twin.model.column_labels_studies`)
can build on it without importing the formatting functions.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SUFFIXES", "Column"]


@dataclass(frozen=True)
class Column:
    """How one column or headline number is shown. `scale` multiplies the stored value
    for the screen (100 for a fraction shown in %), so a column's unit and its scaling are
    declared together, here, and every table and headline (`twin.model.columns.display`,
    `text_table`, `fmt`) applies them the same way."""

    label: str
    unit: str = ""
    digits: int = 1
    scale: float = 1.0


# unit suffix -> (unit shown, digits): the naming convention of DESIGN.md
SUFFIXES: dict[str, tuple[str, int]] = {
    "_kw": ("kW", 1),
    "_mw": ("MW", 2),
    "_kva": ("kVA", 1),
    "_kvar": ("kvar", 1),
    "_ka": ("kA", 3),
    "_kv": ("kV", 2),
    "_pu": ("p.u.", 3),
    "_pct": ("%", 1),
    "_c": ("°C", 1),
    "_k": ("K", 1),
    "_m3_s": ("m³/s", 3),
    "_m3_h": ("m³/h", 2),
    "_m_s": ("m/s", 2),
    "_kpa": ("kPa", 1),
    "_m2": ("m²", 0),
    "_m": ("m", 1),
    "_s": ("s", 0),
    "_min": ("min", 1),
    "_h": ("h", 2),
    "_kwh": ("kWh", 0),
    "_mwh": ("MWh", 1),
    "_l_per_kwh": ("L/kWh", 2),
    "_kg_per_kwh": ("kg/kWh", 3),
    "_usd": ("USD", 0),
    "_degree": ("°", 2),
    "_ohm_per_km": ("Ω/km", 3),
}
