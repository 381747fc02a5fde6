"""A dated trace runs on its own dates (audit 5 F-A: an August trace ran on January
weather); a start that disagrees with it is refused; a header given twice is refused and
unused columns are listed (F-B); a run with no weather year says it is the design point
(F-U)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from twin.errors import ScenarioError
from twin.model import Twin
from twin.scenarios.timeline import TimelineSpec, simulate

ROOM = Path(__file__).resolve().parents[2] / "layouts" / "small-room.yaml"


def _room(tmp_path, weather: bool = True) -> Twin:
    text = ROOM.read_text().replace("  - id: ROOM\n", "  - id: ROOM\n    air_model: kernel\n", 1)
    if not weather:
        text = "\n".join(x for x in text.splitlines() if "weather_file" not in x) + "\n"
    path = tmp_path / ("room.yaml" if weather else "room-noweather.yaml")
    path.write_text(text)
    return Twin.load(path)


def _aug(tmp_path) -> Path:
    t = pd.date_range("2023-08-01 12:00", periods=24, freq="h")
    p = tmp_path / "aug.csv"
    p.write_text("timestamp,ROOM\n" + "".join(f"{x:%Y-%m-%d %H:%M:%S},150\n" for x in t))
    return p


def test_a_dated_trace_runs_on_its_dates_and_a_start_that_disagrees_is_refused(tmp_path):
    twin = _room(tmp_path)
    trace = str(_aug(tmp_path))
    own = simulate(twin, TimelineSpec(hours=24, trace=trace))
    given = simulate(twin, TimelineSpec(hours=24, trace=trace, start="2023-08-01T12:00"))
    # the same load undated (time_s) runs from the default start, 1 January: what the dated
    # trace ran on before
    undated = tmp_path / "undated.csv"
    undated.write_text("time_s,ROOM\n" + "".join(f"{h * 3600},150\n" for h in range(24)))
    jan = simulate(twin, TimelineSpec(hours=24, trace=str(undated)))
    assert jan.steps.index[0] == pd.Timestamp("2026-01-01 00:00")
    assert own.steps.index[0] == pd.Timestamp("2023-08-01 12:00")
    # the same run as one told the trace's own start: the same weather, the same energy
    np.testing.assert_array_equal(own.steps["t_db_c"], given.steps["t_db_c"])
    assert own.kpis["cooling_mwh"] == given.kpis["cooling_mwh"]
    # and August, not January: warmer air, more cooling energy
    assert own.steps["t_db_c"].mean() > jan.steps["t_db_c"].mean() + 10.0
    assert own.kpis["cooling_mwh"] > jan.kpis["cooling_mwh"]
    with pytest.raises(ScenarioError, match=r"aug\.csv:2: the trace starts at 2023-08-01 12:00:00 "
                       r"but the start given is 2023-01-01 00:00:00"):  # fmt: skip
        simulate(twin, TimelineSpec(hours=24, trace=trace, start="2023-01-01"))


def test_a_header_given_twice_is_refused_and_unused_columns_are_listed(tmp_path):
    twin = _room(tmp_path)
    dup = tmp_path / "dup.csv"
    dup.write_text("time_s,ROOM,ROOM\n0,100,10\n3600,150,10\n")
    with pytest.raises(ScenarioError, match=r"dup\.csv:1: column 'ROOM' is given twice"):
        simulate(twin, TimelineSpec(hours=2, trace=str(dup), weather=False))
    more = tmp_path / "more.csv"
    more.write_text("time_s,ROOM,it_kw,spare\n0,100,50,1\n3600,150,60,2\n")
    tl = simulate(twin, TimelineSpec(hours=2, trace=str(more), weather=False))
    assert any("not used: it_kw, spare" in n for n in tl.notes)
    # the hall column is the one used: 100 then 150 kW
    np.testing.assert_allclose(tl.steps["it_kw"], [100.0, 150.0])


def test_no_weather_year_is_said_and_the_design_point_is_what_runs(tmp_path):
    twin = _room(tmp_path, weather=False)
    tl = simulate(twin, TimelineSpec(hours=2))
    (note,) = [n for n in tl.notes if "no weather year" in n]
    d = twin.layout.site.design.t_db_c
    assert f"{d:g} C" in note
    assert (tl.steps["t_db_c"] == d).all()
    assert not simulate(twin, TimelineSpec(hours=2, weather=False)).notes
