"""A weather file is one year of plausible hours (audit 4 A3, A6, C1, C2).

A short or long file gave a silently wrong 'annual' figure (4,000 h: 756 MWh against 1,656)
and the timeline read hours from the file's start, not the step's date; EPW missing codes
(99.9, 999) and Fahrenheit files ended in a 'Scenario t_db_c=99.9' message naming nothing;
--t-db alone kept an 11 K wet-bulb depression (-21 C wet bulb at -10 C)."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from twin.cli import main
from twin.errors import ScenarioError
from twin.model import Scenario
from twin.scenarios.timeline import TimelineSpec, _weather, start_time
from twin.solve import weather
from twin.solve.weather import (
    WeatherError,
    ambient,
    file_hours,
    hum_ratio_c,
    read_weather,
    wet_bulb_at_design_moisture,
)

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"
HEADER = [
    "LOCATION,Test,NC,USA,TMY3,723170,36.10,-79.94,-5.0,270.0",
    "DESIGN CONDITIONS,0",
    "TYPICAL/EXTREME PERIODS,0",
    "GROUND TEMPERATURES,0",
    "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
    "COMMENTS 1,synthetic",
    "COMMENTS 2,synthetic",
    "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
]
FLAGS = "?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9*9*9"


def epw(path: Path, t_db=None, rh=None, p=None, hours: int = 8760, years=None) -> Path:
    """An EPW of `hours` rows from 1 January hour 1 (dry bulb = the month number unless
    given; a leap calendar for 8,784); `years` per row (a TMY mixes them)."""
    days = pd.date_range("2000-01-01" if hours == 8784 else "2001-01-01", periods=-(-hours // 24))
    month = np.repeat(days.month, 24)[:hours]
    day = np.repeat(days.day, 24)[:hours]
    hour = np.tile(np.arange(1, 25), len(days))[:hours]
    t_db = month.astype(float) if t_db is None else np.asarray(t_db, float)
    rh = np.full(hours, 60.0) if rh is None else np.asarray(rh, float)
    p = np.full(hours, 99300.0) if p is None else np.asarray(p, float)
    years = np.full(hours, 2000 if hours == 8784 else 1999) if years is None else years
    rows = [
        f"{years[i]},{month[i]},{day[i]},{hour[i]},0,{FLAGS},{t_db[i]:g},{t_db[i] - 5:g},"
        f"{rh[i]:g},{p[i]:g},9999,9999,9999" + ",0" * 22
        for i in range(hours)
    ]
    path.write_text("\n".join(HEADER + rows) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------ a year is a year


@pytest.mark.parametrize("hours", [4000, 9760, 8760 - 24, 8761])
def test_a_short_or_long_file_is_refused_with_its_hour_count(tmp_path, hours):
    path = epw(tmp_path / "y.epw", hours=hours)
    with pytest.raises(WeatherError, match=rf"y\.epw: {hours:,} hourly rows; .*8,760.*8,784"):
        read_weather(str(path))


def test_a_leap_year_and_a_tmy_of_mixed_years_are_read(tmp_path):
    assert len(read_weather(str(epw(tmp_path / "leap.epw", hours=8784)))) == 8784
    years = np.repeat(np.r_[1990:2002], 730)[:8760]  # months from different years
    w = read_weather(str(epw(tmp_path / "tmy.epw", years=years)))
    assert len(w) == 8760 and not w.attrs["notes"]
    tmy3 = read_weather("pvlib:723170TYA")  # its 28 Feb hour 24 comes from 1996, a leap year
    assert len(tmy3) == 8760


def test_rows_out_of_calendar_order_are_refused(tmp_path):
    path = epw(tmp_path / "y.epw")
    lines = path.read_text().splitlines()
    lines[8 + 100], lines[8 + 101] = lines[8 + 101], lines[8 + 100]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(WeatherError, match=r"y\.epw: line 109 is 1/5 hour 6 where 1/5 hour 5"):
        read_weather(str(path))


def test_annual_of_a_truncated_file_is_refused_naming_file_and_hours(tmp_path, capsys):
    shutil.copy(LAYOUTS / "small-room.yaml", tmp_path / "room.yaml")
    text = (tmp_path / "room.yaml").read_text()
    (tmp_path / "room.yaml").write_text(text.replace("pvlib:723170TYA", "short.epw"))
    epw(tmp_path / "short.epw", hours=4000)
    assert main(["solve", str(tmp_path / "room.yaml"), "--annual", "--no-headroom"]) == 2
    err = capsys.readouterr().err
    assert "site.weather_file" in err and "short.epw: 4,000 hourly rows" in err
    assert "Annual IT energy" not in err


# ------------------------------------------------------------------ each step its date


def test_file_hours_match_the_date_of_each_step():
    # 1 August 00:00-01:00 is row (31+28+31+30+31+30+31) x 24 = 5088 (hour ending 01:00)
    assert file_hours("2023-08-01", [0.5], 8760)[0] == pytest.approx(5088.0)
    assert file_hours("2024-08-01", [0.5], 8760)[0] == pytest.approx(5088.0)  # leap year
    assert file_hours("2023-08-01", [0.5], 8784)[0] == pytest.approx(5112.0)  # leap file
    assert file_hours("2024-02-29 10:00", [0.5], 8760)[0] == pytest.approx(58 * 24 + 10)
    assert file_hours("2023-12-31 23:00", [1.5], 8760)[0] == pytest.approx(0.0)  # next year
    assert file_hours("2024-03-01", [0.5], 8784)[0] == pytest.approx(60 * 24)


def test_timeline_weather_is_the_steps_month_not_the_files_start(tmp_path, small_room):
    path = epw(tmp_path / "m.epw")  # dry bulb = the month number
    for start, month in [("2023-08-01", 8.0), ("2023-02-01", 2.0), ("2024-12-31 12:00", 12.0)]:
        spec = TimelineSpec(hours=48, start=start, weather_file=str(path))
        t, _ = _weather(small_room, spec, np.arange(0.5, 10.5))
        assert t == pytest.approx(np.full(10, month))


@pytest.mark.parametrize("text", ["5000", "99999", "not a date", "2023-13-01"])
def test_start_outside_dates_is_a_clear_error(text):
    with pytest.raises(
        ScenarioError, match="not an ISO 8601 date-time; give one such as 2023-08-01"
    ):
        start_time(text)


def test_timeline_start_5000_is_a_usage_error(capsys):
    argv = ["timeline", str(LAYOUTS / "small-room.yaml"), "--hours", "48", "--start", "5000"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--start '5000': not an ISO 8601 date-time; give one such as 2023-08-01" in err
    assert "internal error" not in err


# ------------------------------------------------------------------ missing codes, units


def test_short_gaps_of_missing_codes_are_interpolated_and_said(tmp_path):
    t = np.full(8760, 10.0)
    t[100:103] = 99.9  # EPW's missing dry bulb
    t[99], t[103] = 10.0, 14.0
    rh = np.full(8760, 50.0)
    rh[500] = 999.0
    w = read_weather(str(epw(tmp_path / "gap.epw", t_db=t, rh=rh)))
    assert w["t_db_c"].iloc[100:103].to_numpy() == pytest.approx([11.0, 12.0, 13.0])
    assert w["rh_pct"].iloc[500] == pytest.approx(50.0)
    notes = " ".join(w.attrs["notes"])
    assert "dry bulb missing in 3 hour(s) (first line 109 (1/5 hour 5))" in notes
    assert "relative humidity missing in 1 hour(s)" in notes and "interpolation" in notes


def test_a_long_gap_of_missing_codes_is_refused_with_file_and_first_hour(tmp_path):
    t = np.full(8760, 10.0)
    t[4000:4300] = 99.9
    with pytest.raises(WeatherError, match=r"g\.epw: dry bulb missing for 300 hours in a row "
                       r"from line 4009 \(6/16 hour 17\)"):  # fmt: skip
        read_weather(str(epw(tmp_path / "g.epw", t_db=t)))


def test_rh_out_of_range_is_refused_not_clipped(tmp_path):
    rh = np.full(8760, 50.0)
    rh[10] = 500.0
    with pytest.raises(WeatherError, match=r"line 19 \(1/1 hour 11\): relative humidity 500 %"):
        read_weather(str(epw(tmp_path / "rh.epw", rh=rh)))


def test_fahrenheit_files_are_refused(tmp_path):
    hot = np.full(8760, 50.0)
    hot[2000] = 95.0  # a summer afternoon in F
    with pytest.raises(WeatherError, match=r"line 2009 .*dry bulb 95 C is outside -60..60 C.*F\?"):
        read_weather(str(epw(tmp_path / "hot.epw", t_db=hot)))
    cool = np.full(8760, 48.0)  # a cool site in F: every hour within -60..60 "C"
    with pytest.raises(WeatherError, match=r"mean dry bulb is 48.0 C.*in F\?"):
        read_weather(str(epw(tmp_path / "cool.epw", t_db=cool)))


def test_cli_names_the_file_and_line_for_missing_codes(tmp_path, capsys):
    shutil.copy(LAYOUTS / "small-room.yaml", tmp_path / "room.yaml")
    text = (tmp_path / "room.yaml").read_text()
    (tmp_path / "room.yaml").write_text(text.replace("pvlib:723170TYA", "m.epw"))
    t = np.full(8760, 10.0)
    t[4000:4300] = 99.9
    epw(tmp_path / "m.epw", t_db=t)
    assert main(["solve", str(tmp_path / "room.yaml"), "--annual", "--no-headroom"]) == 2
    err = capsys.readouterr().err
    assert "m.epw: dry bulb missing for 300 hours" in err and "Scenario t_db_c" not in err


# ------------------------------------------------------------------ --t-db alone


def test_dry_bulb_alone_keeps_the_design_moisture(small_room):
    d = small_room.layout.site.design
    w_design = hum_ratio_c(d.t_db_c, d.t_wb_c)
    for t in np.linspace(-60.0, 60.0, 49):
        t_db, t_wb = ambient(small_room, Scenario(t_db_c=float(t)))
        assert t_wb <= t_db
        if t_wb < t_db - 1e-9:  # unsaturated: it holds the design moisture
            assert hum_ratio_c(t_db, t_wb) == pytest.approx(w_design, rel=1e-6)
        else:  # saturated: too cold to hold it
            assert hum_ratio_c(t_db, t_db) <= w_design
    assert ambient(small_room, Scenario(t_db_c=d.t_db_c)) == (d.t_db_c, d.t_wb_c)
    assert ambient(small_room, Scenario(t_db_c=-10.0))[1] == pytest.approx(-10.0)  # not -21
    assert ambient(small_room, Scenario(t_db_c=60.0))[1] == pytest.approx(29.89, abs=0.01)


def test_design_moisture_wet_bulb_matches_psychrolib():
    psy = pytest.importorskip("psychrolib")
    psy.SetUnitSystem(psy.SI)
    w = psy.GetHumRatioFromTWetBulb(35.0, 24.0, 101325.0)
    for t in (22.0, 30.0, 45.0, 60.0):
        ref = psy.GetTWetBulbFromHumRatio(t, w, 101325.0)
        assert wet_bulb_at_design_moisture(35.0, 24.0, t) == pytest.approx(ref, abs=1e-3)


def test_t_wb_help_says_what_happens_and_40_c_is_its_bound(capsys):
    with pytest.raises(SystemExit):
        main(["solve", "--help"])
    help_text = re.sub(r"\s+", " ", capsys.readouterr().out)
    assert "design point's moisture" in help_text and "-60..40 C" in help_text
    with pytest.raises(SystemExit) as exc:
        main(["solve", str(LAYOUTS / "small-room.yaml"), "--t-wb", "45"])
    assert exc.value.code == 2
    assert "above 40 C" in capsys.readouterr().err


def test_cached_years_are_keyed_by_content_and_name():
    weather._parse_weather.cache_clear()
    a = read_weather("pvlib:723170TYA")
    assert read_weather("pvlib:723170TYA") is a
    assert dataclasses.is_dataclass(Scenario())


@pytest.mark.parametrize(("suffix", "said"), [(".epw", "an EPW"), (".csv", "a TMY3")])
def test_a_file_that_is_not_a_weather_year_says_what_one_holds(tmp_path, suffix, said):
    """Ten lines of 'garbage,1,2' read "not a readable EPW/TMY3 weather year: 'altitude'"
    (pvlib's KeyError; audit 2026-12-04): now the lines, the format and what it holds."""
    path = tmp_path / f"bad{suffix}"
    path.write_text("garbage,1,2\n" * 10)
    with pytest.raises(WeatherError) as e:
        weather.read_weather(str(path))
    text = str(e.value)
    assert text.startswith(f"{path}: lines 1-") and f"not {said} file's header" in text
    assert "header lines (" in text and "one row" in text
