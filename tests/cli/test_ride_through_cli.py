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
    # no unit left (with one 120 kW unit for ~190 kW the contained room's hottest inlet
    # reaches 31.6 C at 30 min, just under the allowable 32 C: no rack at a limit)
    fail = ["--fail", "CRAC-1", "CRAC-2", "CRAC-3"]
    argv = ["ride-through", SMALL, *fail, "--out", str(out), "--racks-out", str(racks)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "first rack at a limit" in text and "ASHRAE allowable inlet" in text
    # cooling units only: the utility stays live, so no battery bridging is claimed
    assert "utility stays live: generators do not start" in text
    assert "UPS: shortest autonomy" not in text
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


def test_fail_before_the_path(capsys):
    assert main(["ride-through", "--fail", "CRAC-1", "CRAC-2", SMALL, "--t-end", "120"]) == 0
    assert "[fail CRAC-1, CRAC-2]  horizon 120 s" in capsys.readouterr().out


def test_no_inf_in_csvs_and_the_horizon_is_named(capsys, tmp_path):
    """Times past the horizon were "never" on the terminal and inf in the CSV."""
    racks = tmp_path / "racks.csv"
    argv = ["ride-through", SMALL, "--fail", "CRAC-1", "--t-end", "30", "--racks-out", str(racks)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "not within the horizon" in text and "never" not in text
    raw = racks.read_text()
    assert "inf" not in raw.lower() and "nan" not in raw.lower()
    per_rack = pd.read_csv(racks, index_col=0)
    assert per_rack["time_to_limit_s"].isna().all()  # empty: not within the 30 s horizon


def test_a_failed_ups_is_named_not_given_unlimited_autonomy(capsys):
    assert main(["ride-through", SMALL, "--fail", "UPS-1"]) == 0
    text = capsys.readouterr().out
    assert "UPS out of service: UPS-1" in text
    assert "generator gap never" not in text


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--t-end", "0"], "--t-end: 0 is not in (0, 604800]"),
        (["--t-end", "-5"], "--t-end"),
        (["--t-end", "nan"], "not a finite number"),
        (["--out", "t.txt"], "use a .csv file name"),
        (["--racks-out", "missing/r.csv"], "folder missing does not exist"),
    ],
)
def test_bad_arguments_exit_2(argv, message, capsys):
    try:
        code = main(["ride-through", SMALL, "--fail", "CRAC-1", *argv])
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_unit_failure_whose_flow_could_not_be_marched_again_says_it_was_kept(capsys, monkeypatch):
    """One unit of the small room's three: its FFD flow is marched again without it
    (`twin.solve.air_stopped`) and nothing is said; where that fails (here made to) the solve
    keeps the flow of every unit running and the output says so, as `twin n1` does; all
    three: no flow to keep, nothing said."""
    from twin.solve import air_stopped, cache
    from twin.solve.airfield import FieldError

    assert main(["ride-through", SMALL, "--fail", "CRAC-1", "--t-end", "60"]) == 0
    assert "FFD air flow" not in capsys.readouterr().out

    def diverged(air):
        raise FieldError("the FFD flow did not settle: overflow")

    cache.clear()  # no variant marched before the patch
    monkeypatch.setattr(air_stopped, "hall_shares", diverged)
    assert main(["ride-through", SMALL, "--fail", "CRAC-1", "--t-end", "60"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "warning: CRAC-1 failed: hall ROOM's rack inlets keep its FFD air flow" in text
    assert main(["ride-through", SMALL, "--fail", "CRAC-1", "CRAC-2", "CRAC-3"]) == 0
    assert "FFD air flow" not in capsys.readouterr().out


def test_a_dual_fed_hall_losing_its_a_side_says_why_and_trips_nothing(capsys):
    """The AI hall with B01-HVT-A and its generator B01-GEN-A failed: the A-side UPSs run on
    their batteries with no generator behind them, and the B side carries the dual-corded
    racks. No rack reaches a limit, so no UPS line may say racks shut down by heat (every
    A-side line said "racks shut down by heat drawing nothing"), and each says why no
    generator takes over."""
    hall = "layouts/ai-factory-hall.yaml"
    assert main(["ride-through", hall, "--fail", "B01-HVT-A", "B01-GEN-A"]) == 0
    out = capsys.readouterr().out
    assert "first rack at a limit: not within the horizon; 0 of 96 racks" in out
    assert "shut down by heat" not in out
    why = "no generator takes over: its transfer switch B01-MV-A's generator B01-GEN-A is out"
    assert out.count(why) == 6  # H1-UPS-A1 to A6
    assert "H1-UPS-A1            empties at 747 s (12.5 min) carrying 1,106.9 kW then (" in out
