"""`twin n1`: ranked table, CSV/Parquet output, kinds, N-2, Dask, bad input (exit 2)."""

from __future__ import annotations

import pandas as pd
import pytest

from twin.cli import main
from twin.model import Twin
from twin.scenarios import contingencies

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
    ],
)
def test_bad_input_exits_2_with_a_message(argv, message, capsys):
    assert main(["n1", SMALL, *argv]) == 2
    assert message in capsys.readouterr().err
