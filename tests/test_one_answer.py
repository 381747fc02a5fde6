"""One question, one answer: a KPI, a named failure, the N-1 ranking and the IT headroom
give the same number through every path that reports them: the CLI (`twin.cli.main`, its
--json), the Python API (`twin.solve.run`, `twin.metrics`, `twin.scenarios`), the functions
the app's pages call (`twin.app.state`, `twin.app.failure_views`) and the HTML report's
key figures (`twin.app.report.kpi_rows`, as displayed)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from twin.app import failure_views as FV
from twin.app import report
from twin.app import state as S
from twin.cli import main
from twin.metrics import headroom
from twin.metrics.economics import economics
from twin.metrics.stranded import stranded
from twin.metrics.tenants import tenant_table
from twin.model import Twin, registry
from twin.model import columns as C
from twin.model.scenario import Scenario
from twin.scenarios.sweep import SWEEP_COLUMNS, n1
from twin.solve import run
from twin.solve.results import LOWER_BOUND_KPI

NAMES = ["small-room", "ai-factory-hall", "hybrid-inference"]
POWER_ELEMENTS = set(registry.tables(section="power")) - set(registry.tables(model="utility"))
"""What the N-1's worst loading ranks (`twin.solve.power.ranked_loading`): generators count."""


def _cli_json(capsys, *argv) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def _same(a, b, rel=1e-9) -> bool:
    """Equal to `rel`, NaN/None equal to NaN/None (JSON writes NaN as null)."""
    a = math.nan if a is None else float(a)
    b = math.nan if b is None else float(b)
    return (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=rel, abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_kpis_are_one_number_in_cli_api_app_report_economics_and_tenants(name, capsys, layouts_dir):
    path = str(layouts_dir / f"{name}.yaml")
    twin = Twin.load(path)
    k = run(twin).kpis
    cli = _cli_json(capsys, "solve", path, "--json", "--no-headroom")
    for key, value in k.items():  # every KPI the solve has, as --json prints it
        assert _same(cli[key], value), key
    app = S.kpis(twin, S.solve(twin))
    assert _same(app["it_mw"] * 1000, k["it_kw"])
    assert _same(app["facility_mw"] * 1000, k["facility_kw"])
    for key in ("pue", "wue_l_per_kwh", "cue_kg_per_kwh", "t_inlet_max_c"):
        assert _same(app[key], k[key]), key
    assert _same(app["it_lost_mw"] * 1000, k["it_unserved_kw"])
    # tokens and cost: the app, `twin economics --json` and the API
    api = economics(twin, run(twin))
    eco = _cli_json(capsys, "economics", path, "--json")["economics"]
    for app_key, eco_key in (
        ("tokens_s", "tokens_s"),
        ("tokens_per_s_per_mw", "tokens_s_per_mw_facility"),
        ("tokens_per_s_per_mw_it", "tokens_s_per_mw_it"),
        ("cost_per_mtok", "usd_per_mtok"),
    ):
        assert _same(app[app_key], api[eco_key]) and _same(eco[eco_key], api[eco_key]), app_key
    for key in ("facility_kw", "it_kw", "pue"):
        assert _same(eco[key], k[key]), key
    # the tenants (API, and `twin tenants --json`'s site row) add up to the same site
    tenants = tenant_table(twin, run(twin))
    site = _cli_json(capsys, "tenants", path, "--json")["site"]
    for key, want in (
        ("facility_kw", k["facility_kw"]),
        ("it_kw", k["it_kw"]),
        ("tokens_s", api["tokens_s"]),
        ("cost_usd_per_year", api["cost_usd_per_year"]),
    ):
        assert _same(tenants[key].sum(), want) and _same(site[key], want), key
    # the report's key figures: each value as displayed, from the same dict
    rows = report.kpi_rows(app).set_index("metric")
    for key in ("it_mw", "facility_mw", "pue", "wue_l_per_kwh", "cost_per_mtok"):
        shown = rows.at[C.label(key), "value"]
        digits = C.spec(key).digits
        want = app[key]
        if isinstance(want, float) and math.isnan(want):
            assert shown == "n/a", key
        else:
            assert float(shown.replace(",", "")) == pytest.approx(round(want, digits)), key


@pytest.mark.parametrize("name", NAMES)
def test_a_named_failure_is_one_answer_in_the_n1_table_the_failures_page_and_the_api(
    name, layouts_dir
):
    """Every single failure: the N-1 row (what `twin n1` and the app's ranking show) and the
    Failures page's consequences of that failure solved directly (`twin.app.state.solve`
    = `twin solve --fail ID` = `twin.solve.run`): IT lost, racks and IT at risk, hottest
    inlet, worst loading (within the N-1 tolerance of 1 %-point where only screened)."""
    twin = Twin.load(layouts_dir / f"{name}.yaml")
    base = S.solve(twin)
    table = FV.n1_ranking(twin).set_index("contingency")
    for cid, row in table.iterrows():
        res = S.solve(twin, {cid})
        what = FV.consequences(twin, base, res, top=1_000_000)
        assert what["it_lost_kw"] == pytest.approx(row["it_lost_kw"], abs=1e-6), cid
        assert what["racks_at_risk"] == row["racks_at_risk"], cid
        assert what["it_at_risk_kw"] == pytest.approx(row["it_at_risk_kw"], abs=1e-6), cid
        assert _same(what["t_inlet_max_c"], row["t_inlet_max_c"]) or not row["verified"], cid
        # the page's worst loadings list cooling units too; the N-1 column is the worst
        # power element, generators included, utility connections not
        wl = what["worst_loadings"]
        power = wl["kind"].isin(POWER_ELEMENTS)
        worst = float(wl.loc[power, "loading_after_pct"].max()) if power.any() else 0.0
        if row["verified"]:
            assert worst == pytest.approx(row["max_loading_pct"], abs=1e-9), cid
        else:
            assert abs(worst - row["max_loading_pct"]) <= 1.0, cid


def test_named_failure_cli_json_is_the_api_and_app_solve(capsys, layouts_dir):
    """`twin solve --fail ID --json`: every KPI equal to `run` with that failure and to the
    app's solve, one failure of each kind on the AI factory hall."""
    path = str(layouts_dir / "ai-factory-hall.yaml")
    twin = Twin.load(path)
    for cid in ("H1-UPS-A1", "H1-CRAH1", "H1-TCS1-CDU1", "B01-MV-A", "H1-CH1"):
        if cid not in twin.component_ids():
            continue
        cli = _cli_json(capsys, "solve", path, "--fail", cid, "--json", "--no-headroom")
        api = run(twin, Scenario.fail(cid)).kpis
        app = S.solve(twin, {cid}).kpis
        for key, value in api.items():
            assert _same(cli[key], value) and _same(app[key], value), (cid, key)


def test_n1_cli_table_is_the_app_ranking_and_the_api(capsys, tmp_path, layouts_dir):
    path = str(layouts_dir / "small-room.yaml")
    twin = Twin.load(path)
    out = tmp_path / "n1.csv"
    assert main(["n1", path, "--out", str(out), "--no-progress", "--top", "0"]) == 0
    capsys.readouterr()
    cli = pd.read_csv(out, keep_default_na=False, na_values=[""])
    api = n1(twin)
    app = FV.n1_ranking(twin)
    assert list(cli["contingency"]) == list(api["contingency"]) == list(app["contingency"])
    for col in SWEEP_COLUMNS:
        if col not in cli or api[col].dtype.kind not in "biuf":
            continue
        a, c, p = (np.asarray(x[col], dtype=float) for x in (api, cli, app))
        assert np.allclose(a, c, rtol=1e-9, equal_nan=True), col
        assert np.array_equal(a, p, equal_nan=True), col


@pytest.mark.parametrize("name", ["hybrid-inference"])  # small-room: tests/metrics
def test_headroom_is_one_answer_in_cli_api_and_stranded(name, capsys, layouts_dir):
    """`twin solve --json`'s headroom, `twin.metrics.headroom` (the dashboard's and editor's
    metric, tests/metrics/test_headroom.py) and the hall's stranded picture (one hall: its
    headroom is the site's, and the smaller of its margins is that headroom)."""
    path = str(layouts_dir / f"{name}.yaml")
    twin = Twin.load(path)
    h = headroom(twin)
    cli = _cli_json(capsys, "solve", path, "--json")["headroom"]
    assert cli["it_headroom_kw"] == pytest.approx(h.it_kw, rel=1e-9)
    assert cli["binding_constraint"] == h.binding and cli["failover"] == h.failover
    (hall,) = set(twin.racks["hall"])
    row = stranded(twin).loc[hall]
    assert row["it_headroom_kw"] == pytest.approx(h.it_kw, rel=1e-9)
    assert row["binding_constraint"] == h.binding
    assert min(row["power_margin_kw"], row["cooling_margin_kw"]) == pytest.approx(h.it_kw)


def test_short_cooling_failure_is_one_answer_on_the_failures_page(tmp_path, layouts_dir):
    """The small room with every rack at 1.32x: losing a CRAC leaves heat unremoved (no
    steady state). The N-1 row says 20 racks (233 kW) at risk and no finite inlet; the
    Failures page said 0 racks at risk and 24.7 C (it counted only violations naming a
    rack). Both now read `twin.scenarios.rack_risk`."""
    import re

    text = (layouts_dir / "small-room.yaml").read_text()
    text = re.sub(
        r"(\{id: R[AB]\d+.*?power_kw: *)([0-9.]+)",
        lambda m: m.group(1) + f"{float(m.group(2)) * 1.32:.3f}",
        text,
    )
    path = tmp_path / "small-hot.yaml"
    path.write_text(text)
    twin = Twin.load(path)
    row = FV.n1_ranking(twin).set_index("contingency").loc["CRAC-1"]
    assert row["verified"] and row["racks_at_risk"] == 20 and row["cooling_shortfall_kw"] > 0
    what = FV.consequences(twin, S.solve(twin), S.solve(twin, {"CRAC-1"}))
    assert what["racks_at_risk"] == row["racks_at_risk"]
    assert what["it_at_risk_kw"] == pytest.approx(row["it_at_risk_kw"])
    assert what["t_inlet_max_c"] == row["t_inlet_max_c"] == math.inf
    # and the page's help gives the solved lower bound, the number twin solve prints
    res = run(twin, Scenario.fail("CRAC-1"))
    assert res.kpis[LOWER_BOUND_KPI] == 1.0
    assert what["t_inlet_solved_c"] == res.kpis["t_inlet_max_c"]


def test_racks_tripped_by_heat_are_lost_not_also_at_risk(single_fed_hall):
    """The hall whose cooling units hang on one board each: losing H1-MCC-A trips all 96
    racks on heat. The N-1 row and the Failures page both count them lost, none at risk
    (the page counted them twice: 12.7 MW lost and 12.7 MW at risk)."""
    twin = single_fed_hall
    row = FV.n1_ranking(twin).set_index("contingency").loc["H1-MCC-A"]
    what = FV.consequences(twin, S.solve(twin), S.solve(twin, {"H1-MCC-A"}))
    assert row["verified"] and row["racks_lost"] == what["racks_shutdown"] == 96
    assert what["it_lost_kw"] == pytest.approx(row["it_lost_kw"]) == pytest.approx(twin.it_kw)
    assert what["racks_at_risk"] == row["racks_at_risk"] == 0


@pytest.mark.parametrize(
    ("name", "failed"),
    [("small-room", ("CRAC-1", "CRAC-2")), ("ai-factory-hall", ("H1-FWS-P1", "H1-FWS-P2"))],
)
def test_ride_through_cli_is_the_failures_page(name, failed, capsys, tmp_path, layouts_dir):
    """`twin ride-through --racks-out` and the Failures page's ride-through (same horizon):
    every rack's times to its limits equal, and the CLI's first rack at a limit."""
    path = str(layouts_dir / f"{name}.yaml")
    twin = Twin.load(path)
    out = tmp_path / "racks.csv"
    argv = ["ride-through", path, "--fail", *failed, "--racks-out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    cli = pd.read_csv(out, index_col=0)
    app = FV.ride_through(twin, set(failed)).racks
    assert list(cli.index) == list(app.index)
    for col in app.select_dtypes("number").columns:
        a = app[col].to_numpy(float)
        a = np.where(np.isfinite(a), a, np.nan)  # the CSV leaves 'not within the horizon' empty
        assert np.allclose(cli[col].to_numpy(float), a, rtol=1e-9, equal_nan=True), col
    first = app["time_to_limit_s"].min()
    assert ("first rack at a limit: not within" in text) == (not first < math.inf)
