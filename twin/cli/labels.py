"""Printed tables of the CLI in human labels with units (`twin.model.columns`, the map every
screen uses) by default; `--raw-columns` prints the column and kind names of `--json`, CSV
and Parquet instead, for scripts that read the text."""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd

from twin.model import columns as C

RAW_HELP = (
    "print column and kind names (as in --json and written tables) instead of human "
    "labels with units"
)


def add_raw_columns(p) -> None:
    p.add_argument("--raw-columns", action="store_true", help=RAW_HELP)


def kind(value, raw: bool = False) -> str:
    """A component or violation kind as people say it ('UPS', 'CRAH/CRAC', 'Over
    temperature'); a pair failed together ('ups+pdus') label by label; raw: as it is."""
    if raw:
        return str(value)
    return "+".join(C.kind_label(k) for k in str(value).split("+"))


def cell(x: float, digits: int = 1) -> str:
    """A number as a printed cell: thousands separators, `digits` decimals, 'n/a' for NaN,
    'unbounded' for an infinity (never 'nan' or 'inf')."""
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "unbounded" if x > 0 else "-unbounded"
    return C.number(float(x), digits)


def table(df: pd.DataFrame, raw: bool = False, cell_raw: Callable | None = None) -> str:
    """`df` (no meaningful index) as printed text: headers 'IT lost (kW)', kinds by label,
    numbers to their column's digits, yes/no; raw: column names and `cell_raw` for floats."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_bool_dtype(s):
            out[col] = s if raw else s.map({True: "yes", False: "no"})
        elif s.dtype.kind == "f":
            digits = C.spec(col).digits
            out[col] = s.map(cell_raw or cell) if raw else s.map(lambda x, d=digits: cell(x, d))
        elif col in C.TEXT_KINDS and not raw:
            out[col] = s.map(kind)
    if not raw:
        heads: dict[str, str] = {}
        for col in out.columns:
            heads[C._unique(C.header(col), col, heads)] = col
        out = out.rename(columns={c: h for h, c in heads.items()})
    return out.to_string(index=False)
