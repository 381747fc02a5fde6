"""One label per grid figure on every surface (audit 6 #12): the Dashboard's capacity bar read
'Power (grid)' 97.0 % on ai-factory-hall.yaml where `twin solve` listed 'GRID (Utility
connection)' 93.6 %: two limits of one connection, the contracted 16.5 MW (the utility's kW
draw) and the utility transformer's 17.3 MVA rating (its kVA). Each is now named by its basis,
and the CLI and the page show the same figure under the same label."""

from __future__ import annotations

import json
import math
import re

import pytest


def _cli_lines(capsys, path) -> dict[str, float]:
    """`twin solve` text: label -> figure of every '%' line."""
    from twin.cli import main

    assert main(["solve", str(path), "--no-headroom"]) == 0
    out = {}
    for line in capsys.readouterr().out.splitlines():
        m = re.match(r"\s+(.*?)\s+([-\d,.]+)\s+%$", line)
        if m:
            out[m.group(1)] = float(m.group(2).replace(",", ""))
    return out


def _bars(at) -> dict[str, float]:
    """The Dashboard's 'Capacity used and left' chart: resource -> its 'Used' share (%),
    read from the Vega-Lite chart's own data set (Arrow IPC)."""
    import pyarrow as pa

    found = {}
    for el in at.get("vega_lite_chart"):
        for ds in el.proto.datasets:
            t = pa.ipc.open_stream(ds.data.data).read_all().to_pandas()
            if {"resource", "part", "pct"} <= set(t.columns):
                used = t[t["part"] == "Used"]
                found.update(zip(used["resource"], used["pct"], strict=True))
    return found


def test_the_cli_and_the_dashboard_name_each_grid_figure_alike(app, layouts_tmp, capsys):
    from twin.app import report
    from twin.model import Twin
    from twin.solve import run

    path = layouts_tmp / "ai-factory-hall.yaml"
    twin = Twin.load(path)
    res = run(twin)
    rp = res["res_power_nodes"]
    # independent figures: the utility's kW over the contracted 16.5 MW, and its apparent
    # power over its 17.3 MVA rating (sqrt(P^2 + Q^2), from the source's own P and Q)
    contract = 100.0 * rp.loc[rp["kind"] == "utilities", "p_kw"].sum() / 16_500.0
    kva = math.hypot(rp.at["GRID", "p_kw"], rp.at["GRID", "q_kvar"])
    rating = 100.0 * kva / (float(twin.utilities.at["GRID", "capacity_mva"]) * 1000.0)
    assert contract == pytest.approx(97.0, abs=0.05)
    assert rating == pytest.approx(93.5, abs=0.05)  # 93.6 before chillers were isolated
    grid_label = "Contracted grid limit used (16.5 MW)"
    rating_label = "Utility connection rating (17.3 MVA)"

    cli = _cli_lines(capsys, path)
    assert cli[grid_label] == pytest.approx(contract, abs=0.05)
    assert cli[f"GRID: {rating_label}"] == pytest.approx(rating, abs=0.05)
    assert not [k for k in cli if "(Utility connection)" in k]  # no unnamed basis left

    at = app("dashboard")
    assert not at.exception
    bars = _bars(at)
    assert round(bars[grid_label], 1) == cli[grid_label]
    assert "Power (grid)" not in bars
    from twin.model import columns as C

    kind, worst = C.header("kind"), C.header("max_loading_pct")  # the page's own headers
    red = [d.value for d in at.dataframe if kind in d.value.columns]
    (red,) = [d for d in red if rating_label in set(d[kind])]
    red = red.set_index(kind)[worst].astype(float)
    assert round(red[rating_label], 1) == cli[f"GRID: {rating_label}"]
    assert round(red["Contracted grid limit (16.5 MW)"], 1) == cli[grid_label]
    # the report's key figure: the same label (without the basis, which its next row gives)
    from twin.app import state as S

    rows = report.kpi_rows(S.kpis(twin, res)).set_index("metric")
    assert float(rows.at["Contracted grid limit used", "value"]) == cli[grid_label]
    assert float(rows.at["Contracted grid limit", "value"]) == 16.5
    assert json.loads(json.dumps(res.kpis["grid_used_pct"])) == pytest.approx(contract)
