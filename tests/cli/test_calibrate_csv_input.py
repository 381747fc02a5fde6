"""`twin calibrate --from-csv`: what a measurement file means, and files it would misread.

Found from outside (audit 2026-12-04): a CSV whose rows gave different t_supply_c was fitted at
the first row's in silence; power_kw was taken as the air's heat while the layout's power_kw
is the rack's power (an 85 % liquid rack's air heat was counted 6.7 times); --hall NOPE read
"rack RA01 is in hall ROOM, not NOPE"; a ';'-separated file, a column named twice and a space
after a comma were misread or misreported."""

from __future__ import annotations

import pytest
from calibration_room import LAYOUT

from twin.cli import main
from twin.cli.calibrate import _runs_from_csv
from twin.cli.common import UsageError
from twin.model import Twin


@pytest.fixture
def room(tmp_path):
    path = tmp_path / "room.yaml"
    path.write_text(LAYOUT)
    return path


def _csv(tmp_path, text: str):
    path = tmp_path / "m.csv"
    path.write_text(text)
    return str(path)


def test_one_supply_temperature_per_run(room, tmp_path):
    twin = Twin.load(room)
    ok = _csv(tmp_path, "rack,t_inlet_c,t_supply_c\nA,25,18\nB,26,18.2\nC,27,18\nD,24,18\n")
    assert _runs_from_csv(ok, twin, "T")[0].t_supply_c == 18.0
    bad = _csv(tmp_path, "rack,t_inlet_c,t_supply_c\nA,25,18\nB,36,30\nC,27,18\nD,24,18\n")
    with pytest.raises(
        UsageError, match=r"line 3: rack B: t_supply_c 30 differs from 18 at line 2"
    ):
        _runs_from_csv(bad, twin, "T")


def test_power_kw_is_the_racks_power_and_air_kw_its_air_heat(room, tmp_path):
    twin = Twin.load(room)
    twin.racks.loc["A", "liquid_fraction"] = 0.85  # a liquid-cooled rack: 15 % to the air
    power = _csv(tmp_path, "rack,t_inlet_c,power_kw\nA,25,100\nB,26,4\nC,27,8\nD,24,3\n")
    heat = _runs_from_csv(power, twin, "T")[0].air_kw
    assert heat["A"] == pytest.approx(15.0) and heat["B"] == pytest.approx(4.0)
    air = _csv(tmp_path, "rack,t_inlet_c,air_kw\nA,25,15\nB,26,4\nC,27,8\nD,24,3\n")
    assert _runs_from_csv(air, twin, "T")[0].air_kw["A"] == pytest.approx(15.0)
    both = _csv(tmp_path, "rack,t_inlet_c,power_kw,air_kw\nA,25,100,15\n")
    with pytest.raises(UsageError, match="both power_kw .* and air_kw"):
        _runs_from_csv(both, twin, "T")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("rack;t_inlet_c\nA;25\n", "line 1: columns separated by ';'"),
        ("rack,rack,t_inlet_c\nA,B,25\n", "line 1: column rack is named twice"),
        ('rack,t_inlet_c\nA,25\n"B,26\n', "not a readable CSV"),
    ],
)
def test_a_file_pandas_would_misread_is_refused(room, tmp_path, text, said):
    with pytest.raises(UsageError, match=said):
        _runs_from_csv(_csv(tmp_path, text), Twin.load(room), "T")


def test_a_space_after_a_comma_is_read(room, tmp_path):
    path = _csv(tmp_path, "rack, t_inlet_c\nA, 25\nB, 26\n")
    assert list(_runs_from_csv(path, Twin.load(room), "T")[0].t_inlet_c) == [25.0, 26.0]


def test_an_unknown_hall_is_named_as_such(room, tmp_path, capsys):
    path = _csv(tmp_path, "rack,t_inlet_c\nA,25\n")
    assert main(["calibrate", str(room), "--from-csv", path, "--hall", "NOPE"]) == 2
    err = capsys.readouterr().err
    assert "--hall NOPE: no such hall in" in err and "(halls: T)" in err
    assert "line 2" not in err
