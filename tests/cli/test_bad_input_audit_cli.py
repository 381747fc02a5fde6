"""Bad layout input found by the mutation audit, seen from the command line: exit code 2
and a located message, where there was an internal error or a NaN result."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from twin.cli import main

SMALL = (Path(__file__).resolve().parents[2] / "layouts" / "small-room.yaml").read_text()


@pytest.mark.parametrize(
    "value, words",
    [
        ("abc", "must be a number without units; got 'abc'"),  # was: internal error
        (".nan", "must be a finite number"),  # was: "2 x newrack (nan kW each)", exit 0
    ],
)
def test_placing_a_bad_layout_profile_is_refused(tmp_path: Path, capsys, value, words) -> None:
    path = tmp_path / "room.yaml"
    path.write_text(SMALL.replace("profiles:\n", f"profiles:\n  newrack:\n    power_kw: {value}\n"))
    code = main(["place", str(path), "--profile", "newrack", "--count", "2"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{path}:14: profiles.newrack.power_kw: {words}" in err
    assert "internal error" not in err and "nan kW" not in err


def test_a_number_too_long_to_read_is_refused_by_every_command(tmp_path: Path, capsys) -> None:
    """5001 digits: `int()` refuses it; every command ended in an internal error."""
    path = tmp_path / "room.yaml"
    path.write_text(SMALL.replace("power_kw: 5.0", "power_kw: 1" + "0" * 5000, 1))
    for argv in (["validate", str(path)], ["solve", str(path)], ["info", str(path)]):
        code = main(argv)
        err = capsys.readouterr().err
        assert code == 2, err
        assert f"{path}:35: halls[0].racks[0].power_kw: RA01: 100000000000...: a number of " in err


@pytest.mark.parametrize("content", ["", "not,an,epw\n1,2,3\n"])
@pytest.mark.parametrize(
    "argv", [["timeline", "--hours", "2"], ["solve", "--annual", "--no-headroom"]]
)
def test_a_weather_file_that_is_no_weather_year_is_located(
    tmp_path: Path, capsys, content: str, argv: list[str]
) -> None:
    """Loading only looks at the weather file (it exists, is regular); reading an empty or
    foreign one ended in pvlib's KeyError 'altitude', an internal error."""
    (tmp_path / "w.epw").write_text(content)
    path = tmp_path / "room.yaml"
    path.write_text(SMALL.replace("weather_file: pvlib:723170TYA", "weather_file: w.epw"))
    code = main([argv[0], str(path), *argv[1:]])
    err = capsys.readouterr().err
    assert code == 2, err
    want = f"{path}:10: site.weather_file: {tmp_path / 'w.epw'}: lines 1-8: not an EPW file's"
    assert want in err and "internal error" not in err


@pytest.mark.parametrize(
    "rows, words",
    [
        ("RA01,25,abc\n", "line 2: rack RA01: power_kw = 'abc': must be a number in 0-1000"),
        ("RA01,25,-50\n", "line 2: rack RA01: power_kw = -50: must be a number in 0-1000"),
        ("RA01,1e9,5\n", "line 2: rack RA01: t_inlet_c = 1e+09: must be a number in 0-100"),
        ("RA01,25,5\nRA01,26,5\n", "line 3: rack RA01 is measured twice"),
    ],
)
def test_a_bad_measurement_csv_is_refused_at_its_line(tmp_path: Path, capsys, rows, words):
    """power_kw 'abc' was read as NaN and fitted; a rack twice was an internal error."""
    (tmp_path / "room.yaml").write_text(SMALL)
    (tmp_path / "m.csv").write_text("rack,t_inlet_c,power_kw\n" + rows)
    code = main(["calibrate", str(tmp_path / "room.yaml"), "--from-csv", str(tmp_path / "m.csv")])
    err = capsys.readouterr().err
    assert code == 2 and f"--from-csv {tmp_path / 'm.csv'}: {words}" in err, err
    assert not (tmp_path / "room.air-calibration.yaml").exists()


def test_a_measurement_csv_supply_must_be_a_number(tmp_path: Path, capsys):
    """t_supply_c 'abc' was float('abc'): an internal error."""
    (tmp_path / "room.yaml").write_text(SMALL)
    (tmp_path / "m.csv").write_text("rack,t_inlet_c,t_supply_c\nRA01,25,abc\n")
    code = main(["calibrate", str(tmp_path / "room.yaml"), "--from-csv", str(tmp_path / "m.csv")])
    assert code == 2 and "t_supply_c = 'abc': must be a number in 5-45" in capsys.readouterr().err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_measurement_csv_that_never_ends_is_refused_unread(tmp_path: Path, capsys):
    """`--from-csv /dev/zero` read forever and a FIFO blocked: no end, no error."""
    (tmp_path / "room.yaml").write_text(SMALL)
    os.mkfifo(tmp_path / "pipe.csv")
    for src, kind in ((tmp_path / "pipe.csv", "a named pipe"), ("/dev/zero", "a character")):
        code = main(["calibrate", str(tmp_path / "room.yaml"), "--from-csv", str(src)])
        err = capsys.readouterr().err
        assert code == 2 and f"--from-csv {src}: not a readable CSV ({src} is {kind}" in err, err


@pytest.mark.parametrize(
    "manifest, words",
    [
        ("garbage{", "(Expecting value: line 1 column 1 (char 0))"),
        ('{"hall": "ROOM"}', "(no rack_ids, rack_heat_kw, t_supply_c)"),
    ],
)
def test_a_damaged_cfd_manifest_is_named(tmp_path: Path, capsys, manifest: str, words: str):
    """A case folder whose twin-case.json is not JSON, or lacks keys: an internal error."""
    (tmp_path / "room.yaml").write_text(SMALL)
    (tmp_path / "case").mkdir()
    (tmp_path / "case" / "twin-case.json").write_text(manifest)
    code = main(["calibrate", str(tmp_path / "room.yaml"), "--from-cfd", str(tmp_path / "case")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"twin-case.json is not a twin cfd case manifest {words}" in err


def test_an_unreadable_weather_option_is_one_line(tmp_path: Path, capsys) -> None:
    """pandas' ParserError text ends in a newline: the message's ')' stood on a line alone."""
    bad = tmp_path / "w.csv"
    bad.write_text("a,b\n" + "1,2\n" * 30 + "1,2,3,4,5\n")
    (tmp_path / "room.yaml").write_text(SMALL)
    code = main(["economics", str(tmp_path / "room.yaml"), "--weather", str(bad)])
    err = capsys.readouterr().err
    assert code == 2 and "cannot read it as a weather year (" in err
    assert ")" not in [line.strip() for line in err.splitlines()], err
