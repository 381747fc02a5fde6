"""twin calibrate: recovers known field parameters from synthetic measurements; bad input."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from calibration_room import LAYOUT

from twin.cli import main
from twin.model import Twin
from twin.solve import air_calibrate


@pytest.fixture
def room(tmp_path):
    path = tmp_path / "room.yaml"
    path.write_text(LAYOUT)
    return path


def _measure(twin, truth, scale, path):
    """A CSV of the model's inlets with parameters `truth`, rack powers times `scale`."""
    power = twin.racks["power_kw"] * scale
    run = air_calibrate.Run(power, 18.0, pd.Series(dtype=float))
    measured = air_calibrate.predict(twin, "T", run, truth)
    pd.DataFrame(
        {"rack": measured.index, "t_inlet_c": measured.to_numpy(), "power_kw": power.to_numpy()}
    ).to_csv(path, index=False)
    return path


def test_fit_on_several_runs_recovers_known_parameters(room, tmp_path, capsys):
    """Measurements made by the model with other parameters, at three load distributions (one
    CSV each, --from-csv repeated): the fit over both finds parameters that reproduce them."""
    twin = Twin.load(room)
    truth = {"air_diffusivity_m2_s": 0.08, "air_plume_share": 0.6, "jet_entrainment_scale": 1.5}
    a = _measure(twin, truth, 1.0, tmp_path / "a.csv")
    b = _measure(
        twin, truth, pd.Series([0.5, 1.5, 0.7, 2.0], index=twin.racks.index), tmp_path / "b.csv"
    )
    c = _measure(
        twin, truth, pd.Series([1.6, 0.6, 1.2, 0.4], index=twin.racks.index), tmp_path / "c.csv"
    )
    argv = ["calibrate", str(room), "--from-csv", str(a), "--from-csv", str(b), str(c)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "3 run(s), 12 measured rack inlets (of 4 racks)" in out and "RMSE" in out
    doc = yaml.safe_load((tmp_path / "room.air-calibration.yaml").read_text())["halls"][0]
    assert doc["hall"] == "T" and doc["runs"] == 3 and doc["racks"] == 12
    assert doc["rmse_after_k"] < 0.05 < doc["rmse_before_k"]
    assert set(air_calibrate.FITTED) <= set(doc["fields"])
    assert doc["fields"]["air_diffusivity_m2_s"] == pytest.approx(0.08, rel=0.2)
    # the written fields, set on the layout's hall, give the fitted inlets
    hall = {**yaml.safe_load(room.read_text())["halls"][0], **doc["fields"]}
    data = {**yaml.safe_load(room.read_text()), "halls": [hall]}
    calibrated = tmp_path / "calibrated.yaml"
    calibrated.write_text(yaml.safe_dump(data))
    t2 = Twin.load(calibrated)
    run = air_calibrate.Run(twin.racks["power_kw"], 18.0, pd.Series(dtype=float))
    got = air_calibrate.predict(t2, "T", run)
    want = pd.read_csv(a, index_col="rack")["t_inlet_c"]
    assert float((got - want).abs().max()) < 0.15


def test_bad_csv_is_a_located_error(room, tmp_path, capsys):
    csv = tmp_path / "bad.csv"
    csv.write_text("rack,t_inlet_c\nZZ,25\n")
    assert main(["calibrate", str(room), "--from-csv", str(csv)]) == 2
    said = capsys.readouterr().err
    assert "bad.csv: line 2: rack ZZ is not a rack of the layout (hall T's: A, B, C, D)" in said
    csv.write_text("rack,temp\nA,25\n")
    assert main(["calibrate", str(room), "--from-csv", str(csv)]) == 2
    said = capsys.readouterr().err
    assert "missing column(s) t_inlet_c (it has rack, temp; wanted: rack, t_inlet_c, " in said


def test_a_rack_of_another_hall_is_a_located_error(room, tmp_path):
    """A measured rack must be in the hall being fitted: one of another hall would fit this
    hall's parameters to air it never breathes."""
    from twin.cli.calibrate import _runs_from_csv
    from twin.cli.common import UsageError

    csv = tmp_path / "m.csv"
    csv.write_text("rack,t_inlet_c\nA,25\n")
    with pytest.raises(UsageError, match=r"m.csv: line 2: rack A is in hall T, not X \(--hall\)"):
        _runs_from_csv(str(csv), Twin.load(room), "X")
