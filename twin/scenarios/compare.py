"""Side-by-side comparison of two solves: one row per (component, quantity) that changed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.solve.results import Results

COMPARE_COLUMNS = ["table", "component", "quantity", "a", "b", "change"]

ATOL = 1e-6
"""Absolute change below which a number counts as unchanged (solver round-off)."""


def _table_changes(name: str, a: pd.DataFrame, b: pd.DataFrame, atol: float) -> pd.DataFrame:
    """Numeric and boolean columns of one res_* table that differ between a and b."""
    cols = [
        c
        for c in a.columns.intersection(b.columns)
        if pd.api.types.is_numeric_dtype(a[c]) or pd.api.types.is_bool_dtype(a[c])
    ]
    if not cols:
        return pd.DataFrame(columns=COMPARE_COLUMNS)
    idx = a.index.union(b.index)
    va = a[cols].reindex(idx).astype(float)
    vb = b[cols].reindex(idx).astype(float)
    xa, xb = va.to_numpy(), vb.to_numpy()
    both_nan = np.isnan(xa) & np.isnan(xb)
    with np.errstate(invalid="ignore"):
        diff = ~both_nan & ~(np.abs(xa - xb) <= atol)
    r, c = np.nonzero(diff)
    if not len(r):
        return pd.DataFrame(columns=COMPARE_COLUMNS)
    return pd.DataFrame(
        {
            "table": name,
            "component": idx.to_numpy()[r],
            "quantity": np.asarray(cols, dtype=object)[c],
            "a": xa[r, c],
            "b": xb[r, c],
            "change": xb[r, c] - xa[r, c],
        }
    )


def _violation_changes(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """Violations present in only one of the two runs (value 1 = present)."""
    ka = set(zip(a["component"], a["kind"], strict=True))
    kb = set(zip(b["component"], b["kind"], strict=True))
    rows = [
        {"table": "violations", "component": comp, "quantity": kind, "a": 1.0, "b": 0.0}
        for comp, kind in sorted(ka - kb)
    ] + [
        {"table": "violations", "component": comp, "quantity": kind, "a": 0.0, "b": 1.0}
        for comp, kind in sorted(kb - ka)
    ]
    out = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    out["change"] = out["b"] - out["a"]
    return out


def compare(a: Results, b: Results, atol: float = ATOL, tables=None) -> pd.DataFrame:
    """What changed from run `a` to run `b`, side by side.

    Columns: table (``res_power_nodes``, ``kpis``, ``violations``...), component,
    quantity, a, b, change = b - a. Booleans compare as 0/1; a violation
    present in one run only shows as 1 on that side.
    """
    names = tables or [t for t in a.tables if t in b.tables]
    parts = [_table_changes(t, a.tables[t], b.tables[t], atol) for t in names]
    ka = pd.DataFrame({"v": pd.Series(a.kpis, dtype=float)})
    kb = pd.DataFrame({"v": pd.Series(b.kpis, dtype=float)})
    kpi = _table_changes("kpis", ka, kb, atol)
    kpi["component"], kpi["quantity"] = "site", kpi["component"]
    parts += [kpi, _violation_changes(a.violations, b.violations)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=COMPARE_COLUMNS)
    return pd.concat(parts, ignore_index=True)[COMPARE_COLUMNS]
