"""A timeline trace: each step is the trace's mean over the step (its energy whatever the
step), and a bad line is named at its line in the file."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.errors import ScenarioError
from twin.model import Twin
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.scenarios.timeline_trace import read_trace, step_means
from twin.solve.timeline_response import fit_response

ROOM = "layouts/small-room.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


def _square(path, n_rows=2 * 720, half_s=5.0, hi=1.0, lo=0.7):
    """A 10 s square wave between hi and lo of design, as a 5 s trace (2 h by default)."""
    rows = [f"{i * half_s:g},{hi if i % 2 == 0 else lo}" for i in range(n_rows)]
    path.write_text("time_s,fraction\n" + "\n".join(rows) + "\n")
    return path


def test_step_means_are_the_closed_form_integral():
    # rows at 0, 10, 40 s; period 40 + 30 = 70 s; values 1, 3, 2
    t = np.array([0.0, 10.0, 40.0])
    kw = np.array([[1.0], [3.0], [2.0]])
    # [0, 20): 10 s at 1 and 10 s at 3 -> 2; [20, 80): 20 s at 3, 30 s at 2, 10 s at 1 -> 130/60
    got = step_means(t, kw, np.array([0.0, 20.0]), 20.0)[:, 0]
    assert got[0] == pytest.approx(2.0, rel=1e-15)
    got = step_means(t, kw, np.array([20.0]), 60.0)[:, 0]
    assert got[0] == pytest.approx(130.0 / 60.0, rel=1e-15)
    # a whole period, far into the repeats: the trace's own mean (10 + 90 + 60) / 70
    got = step_means(t, kw, np.array([70.0 * 1000 + 13.0]), 70.0)[:, 0]
    assert got[0] == pytest.approx(160.0 / 70.0, rel=1e-12)


def test_hourly_steps_carry_the_energy_of_a_fast_trace(tmp_path):
    """A 10 s swing sampled as 5 s rows: hourly steps used to take each hour's first row
    (1.0 of design, +18 % energy); the mean is 0.85 of design at any step."""
    trace = _square(tmp_path / "sq.csv")
    twin = Twin.load(ROOM)
    design = float(twin.racks["power_kw"].sum())
    resp = fit_response(twin, None)  # the design point: one fit for every run
    for dt in (3600.0, 60.0, 10.0, 5.0):
        spec = TimelineSpec(hours=2, dt_s=dt, trace=str(trace), weather=False)
        tl = simulate(twin, spec, response=resp)
        assert tl.kpis["it_mwh"] == pytest.approx(0.85 * design * 2 / 1000, rel=1e-12)
        if dt >= 10.0:  # whole swings in every step
            assert tl.steps["it_kw"].to_numpy() == pytest.approx(0.85 * design, rel=1e-12)


def test_bad_line_is_named_at_its_line_in_the_file(tmp_path):
    f = tmp_path / "t.csv"
    groups, design = ["H"], np.array([100.0])
    # a blank line (line 3) before the bad value on line 5: pandas drops blank lines, so
    # the row index + 2 said line 4
    f.write_text("time_s,fraction\n0,0.5\n\n10,0.6\n20,abc\n30,0.4\n")
    with pytest.raises(ScenarioError, match=r"t\.csv:5: fraction is not a number"):
        read_trace(str(f), groups, design)
    f.write_text("time_s,fraction\n0,0.5\n\n\n10,0.6\n10,0.7\n")
    with pytest.raises(ScenarioError, match=r"t\.csv:6: time_s must start at 0"):
        read_trace(str(f), groups, design)
    f.write_text("timestamp,fraction\n2026-01-01 00:00,0.5\nnot a time,0.6\n")
    with pytest.raises(ScenarioError, match=r"t\.csv:3: timestamp 'not a time' is not an ISO"):
        read_trace(str(f), groups, design)
    # blank lines alone are not an error, and do not become rows
    f.write_text("time_s,fraction\n0,0.5\n\n10,0.6\n\n")
    t, kw = read_trace(str(f), groups, design)
    assert list(t) == [0.0, 10.0] and list(kw[:, 0]) == [50.0, 60.0]


# ------------------------------------------------ dates (audit 5 F-AC): exact, or refused


def _dates(tmp_path, rows: list[str]):
    from twin.scenarios.timeline_trace import read_trace

    p = tmp_path / "dates.csv"
    p.write_text("timestamp,ROOM\n" + "".join(f"{r},100\n" for r in rows))
    return read_trace(str(p), ["ROOM"], np.array([200.0]))


def test_offsets_across_a_daylight_saving_change_are_exact(tmp_path):
    """29 March 2026 in Europe: 01:00+01:00 and 03:00+02:00 are one hour apart (it crashed:
    'internal error: TypeError')."""
    t, _ = _dates(tmp_path, ["2026-03-29T01:00+01:00", "2026-03-29T03:00+02:00",
                             "2026-03-29T04:00+02:00"])  # fmt: skip
    np.testing.assert_array_equal(t, [0.0, 3600.0, 7200.0])


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        (["01/02/2026 00:00", "02/02/2026 00:00"], "not an ISO 8601 date-time"),
        (["2026-01-01T00:00Z", "2026-01-01T01:00"], "has no UTC offset while line 2 has one"),
        (["2026-01-01T00:00", "2026-01-01T01:00+09:00"], "has a UTC offset while line 2 has none"),
    ],
)
def test_ambiguous_or_mixed_dates_are_refused_at_their_line(tmp_path, rows, words):
    """Day-first dates were read month-first until a day passed 12 (1-3 February became 2
    January, 2 February, 2 March: a 72 h trace at 100 kW throughout); a row without an
    offset among rows with one was called 'not a date-time'."""
    with pytest.raises(ScenarioError, match=r"dates\.csv:(2|3): timestamp .*" + words):
        _dates(tmp_path, rows)


def test_a_start_with_an_offset_is_that_local_time():
    """--start 2026-01-01T00:00+09:00 crashed (tz-naive minus tz-aware); the weather file's
    hours are the site's local time, so the offset only says which zone it is in."""
    from twin.scenarios.timeline import start_time

    assert start_time("2026-01-01T00:00+09:00") == pd.Timestamp("2026-01-01T00:00")
    with pytest.raises(ScenarioError, match="day- or month-first"):
        start_time("01/02/2026")
