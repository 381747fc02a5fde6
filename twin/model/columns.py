"""The one map from a table column or headline number to what a person reads: label, unit, digits.

Every screen (app pages, 3D colour bar and tooltips, HTML report, CLI human output)
shows `header(name)` instead of a column name and `fmt(value, name)` instead of a
raw float, so `t_inlet_c` reads "Rack inlet, mean over its height (°C)" and 24.61234 reads
"24.6" everywhere. A name the map does not declare still gets a unit from its
suffix (the codebase's convention: `_kw`, `_c`, `_pct`, `_m3_s`...) and a label
from its words, so a new result column is readable before anyone declares it.

Plain data and pure functions (pandas only): every layer above may import it.
The labels themselves live in `twin.model.column_labels_components` (component
tables and res_* results) and `twin.model.column_labels_studies` (scenarios,
timelines, KPIs, costs); `COLUMNS` merges the two.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from twin.model.column_labels_components import COMPONENT_COLUMNS
from twin.model.column_labels_studies import (  # noqa: F401 - labels with their basis
    HEADLINE_COLUMNS,
    STUDY_COLUMNS,
    grid_used_label,
    utility_rating_label,
)
from twin.model.column_spec import SUFFIXES, Column

__all__ = [
    "COLUMNS",
    "HEADLINE_COLUMNS",
    "SUFFIXES",
    "TEXT_KINDS",
    "UNIT_TEXT",
    "Column",
    "display",
    "fmt",
    "fmt_kw",
    "formats",
    "header",
    "headline",
    "kind_label",
    "label",
    "number",
    "spec",
    "text_table",
    "text_value",
]


COLUMNS: dict[str, Column] = {**COMPONENT_COLUMNS, **STUDY_COLUMNS}
"""Every declared column or headline number -> how it is shown."""

_ACRONYMS = {"it": "IT", "ups": "UPS", "pdu": "PDU", "cdu": "CDU", "crah": "CRAH", "mv": "MV"}


def _humanise(words: str) -> str:
    parts = [w for w in words.split("_") if w]
    parts = [_ACRONYMS.get(w, w) for w in parts]
    if parts and parts[0] == "t":
        parts = [*parts[1:], "temperature"]
    text = " ".join(parts)
    return text[:1].upper() + text[1:] if text else words


def kind_label(kind) -> str:
    """A component kind ('crahs') or violation kind ('over_temperature') as people say it:
    the registry's label for a kind ('CRAH/CRAC'), words for anything else."""
    from twin.model import registry

    text = str(kind)
    try:
        text = registry.kind(text).label
    except (KeyError, ValueError):
        text = text.replace("_", " ")
    return text[:1].upper() + text[1:]


TEXT_KINDS = ("kind", "kinds")
"""Columns whose values are kinds, shown through `kind_label`."""
UNIT_TEXT = {"C": "°C", "m3/s": "m³/s", "m3/h": "m³/h"}
"""Units as the solvers write them in violation tables -> as a screen shows them."""


def text_value(col: str, v) -> str:
    """A text cell of column `col` as shown: kinds by their label, units with symbols."""
    if _missing(v):
        return ""
    if col in TEXT_KINDS:
        return kind_label(v)
    if col == "unit":
        return UNIT_TEXT.get(str(v), str(v))
    return str(v)


def spec(name: str) -> Column:
    """How column or number `name` is shown (declared, or inferred from its unit suffix)."""
    name = str(name)
    if name in COLUMNS:
        return COLUMNS[name]
    if name.startswith("violations_"):
        return Column(f"Violations: {name[len('violations_') :].replace('_', ' ')}", "", 0)
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            unit, digits = SUFFIXES[suffix]
            return Column(_humanise(name[: -len(suffix)]), unit, digits)
    return Column(_humanise(name), "", 2)


def headline(name: str) -> Column:
    """How headline number (KPI) `name` is shown: `HEADLINE_COLUMNS` where the KPI means
    more than the table column of the same name (``max_loading_pct``), else `spec`."""
    return HEADLINE_COLUMNS.get(str(name)) or spec(name)


def label(name: str) -> str:
    """The human label of `name`, without its unit."""
    return spec(name).label


def header(name: str) -> str:
    """'Label (unit)' of `name`: a table header, chart axis or colour-bar title."""
    c = spec(name)
    return f"{c.label} ({c.unit})" if c.unit else c.label


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return isinstance(value, float | np.floating) and math.isnan(value)
    except TypeError:
        return False


def number(value, digits: int = 1) -> str:
    """A number with thousands separators and `digits` decimals; 'n/a' for None/NaN."""
    if _missing(value):
        return "n/a"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isinf(v):
            return "∞" if v > 0 else "-∞"
        text = f"{v:,.{digits}f}"
        return (
            "0" + text[2:] if text.startswith("-0") and float(text.replace(",", "")) == 0 else text
        )
    return str(value)


def fmt(
    value, name: str | None = None, *, unit: str | None = None, digits: int | None = None
) -> str:
    """`value` as text for `name` (its digits and unit): '24.6 °C', '1,234.5 kW', 'n/a'."""
    c = spec(name) if name else Column("", "", 2)
    value = _scaled(value, c.scale)
    text = number(value, c.digits if digits is None else digits)
    u = c.unit if unit is None else unit
    if (
        text == "n/a"
        or not u
        or not isinstance(value, int | float | np.number)
        or isinstance(value, bool)
    ):
        return text
    return f"{text}{u}" if u == "%" else f"{text} {u}"


MW_FROM_KW = 10_000.0
"""Magnitude (kW) from which `fmt_kw` writes MW: below it kW keep the kW digits a small
room needs (-74.1 kW read -0.07 MW); above it MW with 2 decimals still give 4 figures."""


def fmt_kw(value_kw, name: str) -> str:
    """A power in kW as column `name` shows it ('-74.1 kW', its unit and digits), in MW
    with 2 decimals from `MW_FROM_KW` up in magnitude ('52.30 MW'); 'n/a' for NaN."""
    v = value_kw
    if isinstance(v, int | float | np.number) and not isinstance(v, bool) and abs(v) >= MW_FROM_KW:
        return fmt(float(v) / 1000.0, unit="MW", digits=2)
    return fmt(v, name)


def display(df: pd.DataFrame, index: str | None = "id") -> pd.DataFrame:
    """A table ready for a screen: the index as its first column (named by the map, or
    dropped if `index` is None or it is a plain 0..n-1 range), human headers, floats
    rounded to their digits, booleans 'yes'/'no', missing text empty.

    Numbers stay numbers (a screen table can still sort them); headers are `header(col)`.
    """
    out = _flat(df, index)
    cols = {}
    for col in out.columns:
        s = out[col]
        c = spec(col)
        if pd.api.types.is_bool_dtype(s):
            s = s.map({True: "yes", False: "no"})
        elif pd.api.types.is_float_dtype(s):
            s = (s * c.scale if c.scale != 1.0 else s).round(c.digits)
        elif col in TEXT_KINDS or col == "unit":
            s = s.map(lambda v, c=col: text_value(c, v))
        elif s.dtype == object:
            s = s.map(
                lambda v: (
                    "" if _missing(v) else (("yes" if v else "no") if isinstance(v, bool) else v)
                )
            )
        cols[_unique(header(col), col, cols)] = s
    return pd.DataFrame(cols, index=out.index)


def _flat(df: pd.DataFrame, index: str | None) -> pd.DataFrame:
    """A copy with a meaningful index turned into its first column (named `index` if it has
    no name), a plain 0..n-1 range (or `index` None) dropped."""
    out = df.copy()
    plain_range = isinstance(out.index, pd.RangeIndex) and out.index.name is None
    if index is not None and not plain_range:
        out.index.name = out.index.name or index
        return out.reset_index()
    return out.reset_index(drop=True)


def _unique(head: str, col: str, taken) -> str:
    """`head`, or with the column's name after it when another column has the same label
    (x_m and pos_x_m both read 'x (m)'): two columns never merge into one."""
    return head if head not in taken else f"{head} [{col}]"


def _scaled(v, scale: float):
    """`v` times its column's `Column.scale` (numbers only; text and booleans as they are)."""
    if scale == 1.0 or isinstance(v, bool | np.bool_) or not isinstance(v, int | float | np.number):
        return v
    return v * scale


def text_table(df: pd.DataFrame, index: str | None = "id") -> pd.DataFrame:
    """Like `display`, with every value already text ('1,234.5', 'n/a'): for reports and
    print-outs that cannot format numbers themselves."""
    out = _flat(df, index)
    heads: dict[str, str] = {}
    for c in out.columns:
        heads[_unique(header(c), c, heads)] = c
    return pd.DataFrame(
        {
            h: [
                text_value(c, v)
                if isinstance(v, str)
                else (
                    ""
                    if _missing(v) and out[c].dtype == object
                    else number(_scaled(v, spec(c).scale), spec(c).digits)
                )
                for v in out[c]
            ]
            for h, c in heads.items()
        }
    )


def formats(df: pd.DataFrame, index: str | None = "id") -> dict[str, str]:
    """printf-style formats (thousands separators, the column's digits) of the numeric
    columns of `display(df, index)`'s output, keyed by its headers."""
    plain_range = isinstance(df.index, pd.RangeIndex) and df.index.name is None
    taken: dict[str, str] = {}
    if index is not None and not plain_range:
        taken[header(df.index.name or index)] = ""
    out = {}
    for col in df.columns:
        head = _unique(header(col), col, taken)
        taken[head] = col
        if pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col]):
            d = spec(col).digits
            out[head] = "%,d" if pd.api.types.is_integer_dtype(df[col]) else f"%,.{d}f"
    return out
