"""`twin ride-through`: times to limits, temperature-vs-time CSV, UPS bridge, bad ids."""

from __future__ import annotations

import pandas as pd
import pytest

from twin.cli import main

SMALL = "layouts/small-room.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


def test_times_to_limits_and_csv(capsys, tmp_path):
    out, racks = tmp_path / "t.csv", tmp_path / "racks.csv"
    fail = ["--fail", "CRAC-1", "CRAC-2"]  # leaves at most one 120 kW unit for ~200 kW
    argv = ["ride-through", SMALL, *fail, "--out", str(out), "--racks-out", str(racks)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "first rack at a limit" in text and "ASHRAE allowable inlet" in text
    assert "UPS: shortest autonomy" in text
    ts = pd.read_csv(out)
    assert {"time_s", "component", "quantity", "t_c"} <= set(ts.columns)
    air = ts[ts["component"] == "air:ROOM"]
    assert air["t_c"].iloc[-1] > air["t_c"].iloc[0]
    per_rack = pd.read_csv(racks, index_col=0)
    assert len(per_rack) == 20 and (per_rack["time_to_limit_s"] > 0).all()


def test_unknown_id_exits_2(capsys):
    assert main(["ride-through", SMALL, "--fail", "NOPE"]) == 2
    assert "unknown component id(s): NOPE" in capsys.readouterr().err


def test_fail_is_required(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["ride-through", SMALL])
    assert exc.value.code == 2
