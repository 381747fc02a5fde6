"""The label map: every result column and headline number has a human label, unit and format."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from twin.app import state as S
from twin.layout import load
from twin.model import Twin
from twin.model import columns as C

LAYOUTS = ["small-room", "ai-factory-hall", "hybrid-inference"]


@pytest.mark.parametrize("name", LAYOUTS)
def test_every_result_column_and_kpi_is_declared(name):
    """A solve's res_* columns, the app's KPIs, rack table, N-1 ranking and violations all
    have a declared label (a new column must be added to the map, not guessed)."""
    twin = Twin.from_layout(load(f"layouts/{name}.yaml"))
    res = S.solve(twin)
    names = set(S.kpis(twin, res)) | set(res.violations.columns)
    names |= set(S.rack_table(twin, res).columns) | set(S.redundancy(twin, res).columns)
    for t in res.tables.values():
        names |= set(t.columns)
    missing = sorted(n for n in names if n not in C.COLUMNS)
    assert not missing, missing


def test_units_and_digits():
    assert C.header("t_inlet_c") == "Rack inlet, mean over its height (°C)"
    assert C.fmt(6.699999999999999, "x_m") == "6.7 m"
    assert C.fmt(12672.0, "it_lost_kw") == "12,672.0 kW"
    assert C.fmt(1.267200e01, "it_mw") == "12.67 MW"
    assert C.fmt(55.04, "loading_pct") == "55.0%"
    assert C.fmt(float("nan"), "pue") == "n/a" and C.fmt(None, "pue") == "n/a"
    assert C.fmt(-1e-9, "p_kw") == "0.0 kW"  # no "-0.0"
    assert C.fmt(7584, "racks") == "7,584"
    # an undeclared name still gets its unit from its suffix
    assert C.header("t_chw_supply_c") == "Chw supply temperature (°C)"
    assert C.header("cooling_shortfall_kw") == "Cooling shortfall (kW)"


def test_display_table_has_no_index_snake_case_or_none():
    df = pd.DataFrame(
        {"p_kw": [1.23456, math.nan], "fed": [True, False], "feed_b": ["A", None]},
        index=pd.Index(["R1", "R2"], name="id"),
    )
    out = C.display(df)
    assert list(out.columns) == ["ID", "Power drawn (kW)", "Powered", "Feed B"]
    assert out["Power drawn (kW)"].iloc[0] == 1.2
    assert list(out["Powered"]) == ["yes", "no"] and list(out["Feed B"]) == ["A", ""]
    text = C.text_table(df)
    assert list(text.iloc[1]) == ["R2", "n/a", "no", ""]
    assert C.formats(df) == {"Power drawn (kW)": "%,.1f"}


def test_columns_with_the_same_label_stay_apart():
    df = pd.DataFrame({"x_m": [1.0], "pos_x_m": [2.0]}, index=pd.Index(["E1"], name="id"))
    out = C.display(df)
    assert list(out.columns) == ["ID", "x (m)", "x (m) [pos_x_m]"]
    assert list(C.text_table(df).columns) == list(out.columns)
    assert C.formats(df) == {"x (m)": "%,.1f", "x (m) [pos_x_m]": "%,.1f"}
