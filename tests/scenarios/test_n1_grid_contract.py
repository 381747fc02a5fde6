"""`twin n1` sees a failure that draws the site past its grid contract (`site.grid_mw`), as
`twin solve --fail` and the IT headroom do. The AI hall with a contract of 16.02 MW draws
99.9 % of it; losing a CRAH speeds up the others' fans (+23.6 kW), 100.1 %: `twin solve --fail
H1-CRAH1` reports a grid_limit violation, but `twin n1` said "0 overload an element", ranked
the case 85th of 91 and had no column for the grid (audit 2026-12-05, consistency #1)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from twin.cli import main
from twin.model import Scenario, Twin
from twin.scenarios.sweep import n1
from twin.scenarios.sweep_risk import at_risk
from twin.solve import run

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"


@pytest.fixture(scope="module")
def tight(tmp_path_factory):
    text = (LAYOUTS / "ai-factory-hall.yaml").read_text()
    assert text.count("grid_mw: 16.5") == 1
    path = tmp_path_factory.mktemp("grid") / "hall-grid1602.yaml"
    path.write_text(text.replace("grid_mw: 16.5", "grid_mw: 16.02"))
    return path


def test_n1_rows_carry_the_full_solves_grid_use_and_rank_the_breaches_first(tight):
    twin = Twin.load(tight)
    table = n1(twin)
    row = table.set_index("contingency").loc["H1-CRAH1"]
    direct = run(twin, Scenario.fail("H1-CRAH1"))
    assert row["grid_used_pct"] == pytest.approx(direct.kpis["grid_used_pct"], rel=1e-9)
    assert row["grid_used_pct"] > 100.0
    assert (direct.violations["kind"] == "grid_limit").any()
    past = table["grid_used_pct"].to_numpy(float) > 100.0
    # every case past the contract ranks before every case within it (none loses IT here)
    assert past.any() and not past.all()
    assert past[: past.sum()].all()
    base = run(twin).kpis["grid_used_pct"]
    assert 99.8 < base < 100.0  # the premise: within the contract before any failure


def test_the_cli_counts_the_breaches(tight, capsys):
    assert main(["n1", str(tight), "--top", "3"]) == 0
    out = capsys.readouterr().out
    twin = Twin.load(tight)
    n = int((n1(twin)["grid_used_pct"] > 100.0).sum())
    assert f", {n} draw past the grid connection (site.grid_mw)" in out, out[:400]
    assert "Contracted grid limit used (%)" in out


def test_a_screen_row_past_the_contract_is_re_solved():
    twin = Twin.load(LAYOUTS / "small-room.yaml")
    cols = {
        "it_lost_kw": 0.0, "racks_lost": 0.0, "racks_at_risk": 0.0, "it_at_risk_kw": 0.0,
        "cooling_shortfall_kw": 0.0, "overloads": 0.0, "max_cooling_loading_pct": 50.0,
        "max_loading_pct": 50.0, "t_inlet_max_c": 20.0,
    }  # fmt: skip
    table = pd.DataFrame([cols | {"grid_used_pct": p} for p in (99.0, 100.5)])
    assert list(at_risk(twin, table, 20.0)) == [False, True]
    # a base already past the contract: only a case that draws more is at risk
    base = pd.Series(cols | {"grid_used_pct": 101.0})
    table = pd.DataFrame([cols | {"grid_used_pct": p} for p in (101.0, 101.5)])
    assert list(at_risk(twin, table, 20.0, base)) == [False, True]
    assert np.isfinite(table["grid_used_pct"]).all()
