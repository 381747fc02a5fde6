"""`twin n1`: ranked table, CSV/Parquet output, kinds, N-2, Dask, bad input (exit 2)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from twin.cli import main
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios import contingencies
from twin.scenarios.sweep import brute_force, sweep

SMALL = "layouts/small-room.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


@pytest.fixture(scope="module")
def small(layouts_dir):
    return Twin.load(layouts_dir / "small-room.yaml")


def test_ranked_table_and_csv(capsys, tmp_path, small):
    n = len(contingencies(small))
    out = tmp_path / "n1.csv"
    assert main(["n1", SMALL, "--out", str(out), "--top", "3"]) == 0
    text = capsys.readouterr().out
    assert f"N-1 over {n} contingencies" in text and "2 lose IT load" in text
    table = pd.read_csv(out)
    assert len(table) == n and table["rank"].tolist() == list(range(1, n + 1))
    assert set(table["contingency"].head(2)) == {"UPS-1", "MSB"}


def test_parquet_kinds_and_n2(tmp_path, capsys, small):
    out = tmp_path / "n1.parquet"
    assert main(["n1", SMALL, "--components", "pdus", "crahs", "--out", str(out)]) == 0
    expect = set(small.pdus.index) | set(small.crahs.index)
    assert set(pd.read_parquet(out)["contingency"]) == expect
    assert main(["n1", SMALL, "--n2", "PDU-1", "PDU-2", "CRAC-1", "--top", "0"]) == 0
    assert "N-2 over 3 contingencies" in capsys.readouterr().out


def test_brute_force_on_a_dask_scheduler(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    out = tmp_path / "bf.csv"
    with distributed.LocalCluster(
        n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        argv = ["n1", SMALL, "--brute-force", "--scheduler", cluster.scheduler_address]
        assert main([*argv, "--components", "ups", "pdus", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert table.set_index("contingency").at["UPS-1", "racks_lost"] == 20


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--fail", "NOPE"], "unknown component id(s): NOPE"),
        (["--n2", "UPS-1", "NOPE"], "NOPE"),
        (["--components", "widgets"], "unknown component kind 'widgets'"),
        (["--out", "table.xlsx"], "use a .csv or .parquet"),
        (["--out", "no-such-folder/t.csv"], "folder no-such-folder does not exist"),
        (["--n2", "PDU-1"], "--n2 needs at least two different ids"),
    ],
)
def test_bad_input_exits_2_with_a_message(argv, message, capsys):
    assert main(["n1", SMALL, *argv]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "base", [[], ["--fail", "UPS-1"], ["--fail", "MSB"], ["--fail", "CRAC-1", "CRAC-2"]]
)
def test_no_inf_or_nan_in_any_output(base, tmp_path, capsys):
    """Issue 13: all racks lost (UPS-1, MSB) or no running cooling (CRAC-3 after CRAC-1,2)
    used to write inf and -inf. Now: an empty cell, and the notes column says why."""
    csv, pq = tmp_path / "n1.csv", tmp_path / "n1.parquet"
    assert main(["n1", SMALL, *base, "--out", str(csv), "--top", "20"]) == 0
    text = capsys.readouterr().out
    assert not re.search(r"\b(nan|-?inf)\b", text, re.I), text
    raw = csv.read_text()
    assert not re.search(r"\b(nan|-?inf)\b", raw, re.I), raw
    table = pd.read_csv(csv).set_index("contingency")
    assert main(["n1", SMALL, *base, "--out", str(pq), "--top", "0"]) == 0
    parquet = pd.read_parquet(pq).set_index("contingency")
    num = parquet.select_dtypes("number").to_numpy(float)
    assert not np.isinf(num).any()
    empty = table["t_inlet_max_c"].isna()
    assert (empty == parquet["t_inlet_max_c"].isna()).all()
    for cid in table.index[empty]:
        assert "t_inlet_max_c: " in table.at[cid, "notes"]
    assert not set(base[1:]) & set(table.index)  # out throughout (--fail): not failed again
    for cid in {"UPS-1", "MSB"} - set(base):  # no rack has power: no inlet, no shortfall
        assert table.at[cid, "racks_lost"] == 20 and empty[cid]
        assert "no powered, air-cooled rack" in table.at[cid, "notes"]
        assert table.at[cid, "cooling_shortfall_kw"] == 0.0
    if base == ["--fail", "CRAC-1", "CRAC-2"]:  # then CRAC-3 leaves the room uncooled:
        # every rack trips on heat (twin.solve.consequence); before they did, their heat had
        # nowhere to go: an unbounded inlet and the room's heat short, not n/a and 0 kW
        assert "unbounded" in text
        assert table.at["CRAC-3", "racks_lost"] == 20 and empty["CRAC-3"]
        assert "no steady state" in table.at["CRAC-3", "notes"]
        assert table.at["CRAC-3", "cooling_shortfall_kw"] > 189.0  # the racks' IT at least
    else:
        assert (table.loc[~empty, "notes"].fillna("") == "").all()


@pytest.mark.parametrize("base", [("UPS-1",), ("MSB",), ()])
def test_rows_with_no_powered_rack_agree_with_the_full_solve(base, small):
    """The fast path's cooling columns where every rack is dark equal the coupled re-solve's
    (it used to report inf, -inf or the base inlet temperature)."""
    sc = Scenario(name="base", failed=frozenset(base))
    sets = [(i,) for i in contingencies(small) if i not in base]
    fast = sweep(small, sets, scenario=sc, verify=False).set_index("contingency")
    full = brute_force(small, sets, scenario=sc).set_index("contingency")
    dark = full.index[full["racks_lost"] == len(small.racks)]
    assert len(dark)
    assert fast.loc[dark, "t_inlet_max_c"].isna().all()
    assert full.loc[dark, "t_inlet_max_c"].isna().all()
    assert (fast.loc[dark, "cooling_shortfall_kw"] == 0).all()
    assert (full.loc[dark, "cooling_shortfall_kw"] == 0).all()
    lit = full.index.difference(dark)
    # a unit of the ffd hall: its flow is marched again, which only the full solve does
    # (the screen leaves its inlets empty and sends it there: test_air_stopped)
    screened = lit[fast.loc[lit, "t_inlet_max_c"].notna()]
    assert set(lit.difference(screened)) <= set(small.crahs.index)
    assert np.allclose(fast.loc[screened, "t_inlet_max_c"], full.loc[screened, "t_inlet_max_c"])


def test_text_table_says_n_a_not_nan(capsys):
    assert main(["n1", SMALL, "--components", "ups", "--top", "5"]) == 0
    text = capsys.readouterr().out
    line = [ln for ln in text.splitlines() if "UPS-1" in ln][0]
    assert line.split()[-2:] == ["n/a", "yes"]  # hottest inlet, then verified (issue 12)
    # headers are labels with units, kinds by label; --raw-columns gives the CSV's names
    assert "IT lost (kW)" in text and "Verified by a full solve" in text and " UPS " in line
    assert "it_lost_kw" not in text and "nan" not in text.lower().replace("n/a", "")
    assert main(["n1", SMALL, "--components", "ups", "--top", "5", "--raw-columns"]) == 0
    raw = capsys.readouterr().out
    head = [ln for ln in raw.splitlines() if "contingency" in ln][0].split()
    assert head[:4] == ["rank", "contingency", "kinds", "it_lost_kw"] and head[-1] == "verified"
    line = [ln for ln in raw.splitlines() if "UPS-1" in ln][0]
    assert line.split()[-2:] == ["n/a", "True"] and " ups " in line


def test_verified_column_and_what_was_re_solved(
    capsys, tmp_path, single_fed_hall_path, monkeypatch
):
    """Issue 12: the table says which rows hold full-solve numbers; on a site with more
    cases than `VERIFY_ALL_CASES` (here the AI hall, with the limit lowered below its
    count) only the cases the screen puts at risk are re-solved, and the output says so."""
    import importlib

    sweep_mod = importlib.import_module("twin.scenarios.sweep")
    out = tmp_path / "n1.csv"
    hall = str(single_fed_hall_path)
    monkeypatch.setattr(sweep_mod, "VERIFY_ALL_CASES", 10)
    assert main(["n1", hall, "--out", str(out), "--top", "3"]) == 0
    text = capsys.readouterr().out
    table = pd.read_csv(out).set_index("contingency")
    n_ok = int(table["verified"].sum())
    assert 2 <= n_ok < len(table)
    assert f"{n_ok} rows verified" in text and "fast-screen numbers (verified False)" in text
    assert table.loc[["H1-MCC-A", "H1-MCC-B"], "verified"].all()
    assert sorted(table.loc[["H1-MCC-A", "H1-MCC-B"], "rank"]) == [1, 2]
    assert main(["n1", SMALL, "--top", "0"]) == 0
    assert "all 10 rows verified" in capsys.readouterr().out


def test_fast_sweep_on_a_scheduler_is_verified_too(tmp_path, single_fed_hall_path):
    distributed = pytest.importorskip("dask.distributed")
    out = tmp_path / "n1.csv"
    hall = str(single_fed_hall_path)
    with distributed.LocalCluster(
        n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        argv = ["n1", hall, "--scheduler", cluster.scheduler_address, "--components", "switchgear"]
        assert main([*argv, "--out", str(out), "--top", "0"]) == 0
    table = pd.read_csv(out).set_index("contingency")
    assert table.loc[["H1-MCC-A", "H1-MCC-B"], "verified"].all()
    for cid in ("H1-MCC-A", "H1-MCC-B"):  # the full solve: the hall trips on heat
        assert table.at[cid, "it_lost_kw"] == pytest.approx(12_672.0)
        assert table.at[cid, "racks_lost"] == 96


def test_cooling_loading_says_it_counts_only_groups_with_a_unit_out(capsys, small):
    """A power failure takes no cooling unit out: its cooling cell is 0, and the header
    must say it covers only groups that lost a unit (not the worst group overall)."""
    from twin.model import columns as C

    assert main(["n1", SMALL, "--components", "ups", "crahs", "--top", "5"]) == 0
    text = capsys.readouterr().out
    assert "Worst loading of a cooling group with a unit out (%)" in text
    assert "Worst cooling loading (%)" not in text
    table = sweep(small, [("UPS-1",), ("CRAC-1",)]).set_index("contingency")
    assert table.at["UPS-1", "max_cooling_loading_pct"] == 0.0  # no unit out
    assert table.at["CRAC-1", "max_cooling_loading_pct"] > 0.0
    assert C.header("max_cooling_loading_pct").startswith(
        "Worst loading of a cooling group with a unit out"
    )


@pytest.fixture
def field_room(tmp_path, layouts_dir):
    """The shipped small room on the potential field (solved again per failure)."""
    path = tmp_path / "field.yaml"
    path.write_text(
        (layouts_dir / "small-room.yaml")
        .read_text()
        .replace("containment: hot-aisle", "containment: hot-aisle\n    air_model: field", 1)
    )
    return str(path)


def test_n1_says_nothing_where_every_unit_failure_is_solved_again(capsys, field_room):
    """The small room's FFD flow is marched again per failure and the potential field solved
    again (`twin.solve.air_stopped`): no row keeps the flow of every unit running, so the
    table warns of none (until 2026-12-02 it named every FFD unit row)."""
    for path in (SMALL, field_room):
        assert main(["n1", path]) == 0
        assert "keep hall" not in capsys.readouterr().out


def test_n1_names_a_field_hall_the_solve_could_not_solve_again(capsys, field_room, monkeypatch):
    """The table asks the solve's own rule: a potential field that cannot be solved again
    without a unit (here made to fail) keeps the flow of every unit running in the solve, and
    `twin n1` says so for exactly those rows (it said nothing: it read only the air_model)."""
    from twin.solve import air_stopped, cache
    from twin.solve.airfield import FieldError

    def boxed_in(air):
        raise FieldError("its supply is boxed in")

    cache.clear()  # no variant solved before the patch
    monkeypatch.setattr(air_stopped, "hall_shares", boxed_in)
    assert main(["n1", field_room]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "warning: the rows that fail CRAC-1; CRAC-2; CRAC-3 keep hall ROOM's FIELD air flow of "
        "every cooling unit running (not solved again per failure)"
    ) in text
    assert main(["n1", field_room, "--components", "pdus"]) == 0
    assert "keep hall" not in capsys.readouterr().out


def test_n1_and_ride_through_name_failure_marches_that_had_not_settled(capsys, monkeypatch):
    """Rows whose FFD march without the unit had not settled (the hybrid hall's eight of ten;
    here the bound set to 0 on the small room) are named, as `twin solve` cautions them."""
    from twin.solve import air_stopped, cache

    cache.clear()
    monkeypatch.setattr(air_stopped, "MARCH_SPREAD_CAUTION_K", 0.0)
    monkeypatch.setattr(air_stopped, "unsettled_hall", lambda *a: "")  # the hall's own: kept
    assert main(["n1", SMALL]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "warning: the rows that fail CRAC-1; CRAC-2; CRAC-3 read hall ROOM's rack inlets from "
        "FFD marches without the unit that had not settled"
    ) in text
    assert "keep hall" not in text
    assert main(["ride-through", SMALL, "--fail", "CRAC-2", "--t-end", "60"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "warning: CRAC-2 failed: hall ROOM's rack inlets come from an FFD march" in text
    cache.clear()
