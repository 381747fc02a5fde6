"""twin calibrate refuses what is not a calibration (audit 4, A1, A2, C3): inlets in
Fahrenheit or below the supply air, fewer measured inlets than two per fitted parameter, a
fit that leaves more than 2 K RMSE on its own data (unless --force, and then the caution
stays); it reports the racks measured, not the hall's; an empty or header-only CSV is named.
And the kernel's caution says it is blind to where the load is (A4)."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from calibration_room import LAYOUT, measured_csvs

from twin import solve
from twin.cli import main
from twin.layout import calibration, load
from twin.layout.plausibility import ModelCaution, check_file
from twin.model import Twin
from twin.solve import air_calibrate

TRUTH = {"air_diffusivity_m2_s": 0.08, "air_plume_share": 0.6}


@pytest.fixture
def room(tmp_path):
    path = tmp_path / "room.yaml"
    path.write_text(LAYOUT)
    return path


def _calibrate(room, *csvs, force=False):
    argv = ["calibrate", str(room), "--from-csv", *map(str, csvs)]
    return main([*argv, "--force"] if force else argv)


def _csv(path, text):
    path.write_text(text)
    return path


def test_inlets_in_fahrenheit_are_refused_naming_the_file_line_and_rack(room, tmp_path, capsys):
    """70-99 F passes the 0-100 C check; it was fitted to 44.8 K RMSE and applied silently."""
    csv = _csv(tmp_path / "f.csv", "rack,t_inlet_c\nA,98.8\nB,95.8\nC,71.8\nD,80.1\n")
    assert _calibrate(room, csv) == 2
    err = capsys.readouterr().err
    assert f"--from-csv {csv}: every t_inlet_c is above 45 C (the lowest, line 4, rack C: " in err
    assert "71.8" in err and "Fahrenheit" in err and "C = (F - 32) / 1.8" in err
    assert not calibration.sidecar_path(room).exists()


def test_an_inlet_below_the_supply_air_is_refused(room, tmp_path, capsys):
    """A rack cannot breathe air colder than the units supply (less 1 K for the sensors)."""
    csv = _csv(tmp_path / "b.csv", "rack,t_inlet_c\nA,25\nB,10\nC,16.5\nD,30\n")
    assert _calibrate(room, csv) == 2
    err = capsys.readouterr().err
    assert (
        f"--from-csv {csv}: line 3: rack B: t_inlet_c = 10 C is 8.0 K below the supply air (18 "
        "C, hall T's units' setpoint: the file has no t_supply_c); 1 more rows are too" in err
    )
    assert "allowed: at least 17 C (the supply less 1 K" in err
    assert not calibration.sidecar_path(room).exists()
    # 17.2 C is within the 1 K: not refused for it (refused only for too few racks, below)
    _csv(csv, "rack,t_inlet_c\nA,25\nB,17.2\nC,20\nD,30\n")
    assert _calibrate(room, csv) == 2
    assert "below the supply" not in capsys.readouterr().err


def test_a_supply_column_above_the_inlets_is_refused(room, tmp_path, capsys):
    csv = _csv(
        tmp_path / "s.csv",
        "rack,t_inlet_c,t_supply_c\nA,37.1,40\nB,35.4,40\nC,39.5,40\nD,30,40\n",
    )
    assert _calibrate(room, csv) == 2
    err = capsys.readouterr().err
    assert f"--from-csv {csv}: line 2: rack A: t_inlet_c = 37.1 C is 2.9 K below the supply" in err
    assert "(40 C, its t_supply_c at line 2); 2 more rows are too" in err


def test_one_measured_rack_cannot_fit_five_parameters(room, tmp_path, capsys):
    """One row fitted five parameters to 0.00 K, said '20 racks' and moved the answer 4 K."""
    one = _csv(tmp_path / "one.csv", "rack,t_inlet_c\nA,27.1\n")
    assert _calibrate(room, one) == 2
    err = capsys.readouterr().err
    assert f"--from-csv {one}: 1 measured rack inlet of hall T over 1 run(s), for 5 fitted" in err
    assert "at least 2 per parameter, 10" in err
    assert not calibration.sidecar_path(room).exists()
    # two runs of the four racks are 8: still short; the same file twice is no second run
    csvs = measured_csvs(room, TRUTH, tmp_path)
    assert _calibrate(room, *csvs[:2]) == 2
    assert "8 measured rack inlets of hall T over 2 run(s)" in capsys.readouterr().err
    assert _calibrate(room, csvs[0], csvs[1], csvs[0]) == 2
    assert f"--from-csv {csvs[0]}: given twice" in capsys.readouterr().err
    assert not calibration.sidecar_path(room).exists()


def test_the_racks_reported_and_recorded_are_the_measured_ones(room, tmp_path, capsys):
    csvs = measured_csvs(room, TRUTH, tmp_path)
    for path in csvs:  # rack D unmeasured in every run: 9 inlets
        df = pd.read_csv(path)
        df[df["rack"] != "D"].to_csv(path, index=False)
    csvs.append(str(measured_csvs(room, TRUTH, tmp_path / "..")[1]))  # a fourth run: 13
    assert _calibrate(room, *csvs) == 0
    assert "4 run(s), 13 measured rack inlets (of 4 racks)" in capsys.readouterr().out
    entry = yaml.safe_load(calibration.sidecar_path(room).read_text())["halls"][0]
    assert entry["racks"] == 13


def _noise(tmp_path):
    """Three runs no air model follows (each rack hot in one run, at supply in another)."""
    rows = ("A,40\nB,19\nC,38\nD,19.5\n", "A,19\nB,41\nC,19\nD,37\n", "A,30\nB,19\nC,19\nD,42\n")
    return [_csv(tmp_path / f"n{i}.csv", "rack,t_inlet_c\n" + r) for i, r in enumerate(rows)]


def test_a_fit_that_leaves_a_large_rmse_is_refused_unless_forced(room, tmp_path, capsys):
    csvs = _noise(tmp_path)
    assert _calibrate(room, *csvs) == 2
    err = capsys.readouterr().err
    assert "twin calibrate: hall T: 3 run(s), 12 measured rack inlets (of 4 racks)" in err
    assert "on its own measurements, above the 2 K a calibration must reach" in err
    assert "NOT written" in err and "--force" in err
    assert not calibration.sidecar_path(room).exists()
    # forced: written, and every load keeps an accuracy caution with the fit's RMSE
    assert _calibrate(room, *csvs, force=True) == 0
    out, err = capsys.readouterr()
    assert "calibration written" in out and "--force: written with a fit RMSE of " in err
    rmse = yaml.safe_load(calibration.sidecar_path(room).read_text())["halls"][0]["rmse_after_k"]
    assert rmse > 2.0
    (note,) = calibration.notes(load(room))
    assert note.applied
    side = str(calibration.sidecar_path(room))
    (w,) = [w for w in check_file(room) if isinstance(w, ModelCaution) and w.file == side]
    assert "air calibration applied but NOT validated: its fit still leaves " in w.message
    assert f"{rmse:.2f} K RMSE" in w.message
    assert main(["solve", str(room), "--no-headroom"]) == 0
    assert "air calibration applied but NOT validated" in capsys.readouterr().err


def test_a_file_of_a_poor_or_thin_fit_keeps_a_caution_on_load(room):
    """A file written before these checks (the audit's 44.8 K Fahrenheit fit; a fit of five
    parameters on one rack) is applied with a caution, never silently."""
    layout = load(room, calibration=False)
    fields = {"air_model": "field", **{k: air_calibrate.DEFAULTS[k] for k in air_calibrate.FITTED}}
    fit = {"runs": 1, "racks": 4, "rmse_before_k": 60.7, "rmse_after_k": 44.8}
    entry = calibration.entry(layout, "T", fields, **fit)
    calibration.save(room, calibration.document(room, entry)[0])
    message = calibration.notes(load(room))[0].caution()
    assert "its fit still leaves 44.80 K RMSE" in message
    assert "it fitted 5 parameters to 4 measured inlets (at least 2 per parameter, 10" in message
    entry = calibration.entry(layout, "T", fields, **{**fit, "racks": 12, "rmse_after_k": 0.4})
    calibration.save(room, calibration.document(room, entry)[0])
    assert calibration.notes(load(room))[0].caution() is None


def test_an_empty_or_header_only_csv_is_named(room, tmp_path, capsys):
    empty = _csv(tmp_path / "empty.csv", "")
    assert _calibrate(room, empty) == 2
    err = capsys.readouterr().err
    assert f"--from-csv {empty}: the file is empty; wanted a header line rack,t_inlet_c" in err
    assert "No columns to parse" not in err
    head = _csv(tmp_path / "head.csv", "rack,t_inlet_c\n")
    assert _calibrate(room, head) == 2
    err = capsys.readouterr().err
    assert f"--from-csv {head}: a header (rack, t_inlet_c) and no rows: no rack is measured" in err
    assert "no reference inlet matches" not in err


def test_the_kernel_caution_says_it_cannot_see_the_load(room):
    """Tripling a rack's power moves no kernel inlet; its caution says so (audit 4, A4)."""
    base = solve.run(Twin.load(room)).tables["res_racks"]["t_inlet_c"]
    data = yaml.safe_load(room.read_text())
    data["halls"][0]["racks"][0]["power_kw"] = 18.0  # A: 6 -> 18 kW
    hot = room.with_name("hot.yaml")
    hot.write_text(yaml.safe_dump(data))
    moved = solve.run(Twin.load(hot)).tables["res_racks"]["t_inlet_c"]
    assert float((moved - base).abs().max()) < 1e-9  # what the caution says
    (w,) = [w for w in check_file(room) if isinstance(w, ModelCaution) and "kernel" in w.message]
    assert "cannot see where the cooling units blow and draw, nor where the load is" in w.message
    assert "raised to 30 kW moved no inlet" in w.message
