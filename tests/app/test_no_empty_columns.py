"""No table on a page has a column with nothing in it (e.g. 'Tenant' on a layout without
tenants) or no rows at all: both read as a notebook, not an answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_pages import no_errors


def _blank(col: pd.Series) -> bool:
    return bool(col.map(lambda v: v is None or v == "" or (isinstance(v, float) and v != v)).all())


def check_tables(at) -> None:
    for df in (d.value for d in at.dataframe):
        assert len(df), f"an empty table: {list(df.columns)}"
        empty = [c for c in df.columns if _blank(df[c])]
        assert not empty, f"empty columns {empty} in {list(df.columns)}"


@pytest.mark.parametrize("page", ["site", "dashboard"])
def test_tables_have_no_empty_column(app, page):
    at = app(page)
    no_errors(at)
    assert len(at.dataframe)
    check_tables(at)


def test_failure_tables_have_no_empty_column(app):
    at = app("failures")
    # the utility lost too: the UPS battery table shows only when a source is lost
    at.multiselect(key="fail_pick").set_value(["GRID", "H1-UPS-A1", "H1-UPS-B1"])
    at.button[0].click().run()
    no_errors(at)
    assert len(at.dataframe) >= 3
    check_tables(at)
    # the failed UPSs bridge nothing, so the ride-through lists only those the outage
    # touches (d437c05); a bridged UPS never empties: "∞", not the float 'Infinity'
    ups = next(d.value for d in at.dataframe if "Autonomy (s)" in d.value).set_index("ID")
    assert "H1-UPS-A1" not in ups.index and "H1-UPS-A2" in ups.index
    assert ups.at["H1-UPS-A2", "Empty (s)"] == "∞"
    for df in (d.value for d in at.dataframe):
        numbers = df.select_dtypes("number").to_numpy(dtype=float)
        assert not np.isinf(numbers).any(), list(df.columns)
