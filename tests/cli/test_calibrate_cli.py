"""twin calibrate: recovers known field parameters from synthetic measurements; bad input."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from twin.cli import main
from twin.model import Twin
from twin.solve import air_calibrate

LAYOUT = """
format_version: 1
site: {name: calibration room, grid_mw: 1.0}
halls:
  - id: T
    size_m: [5.0, 3.0]
    height_m: 2.5
    rows: [{id: R, origin_m: [1.4, 1.8], axis: x, facing: "-"}]
    racks:
      - {id: A, row: R, slot: 0, power_kw: 6.0, feed_a: PDU, height_m: 2.0}
      - {id: B, row: R, slot: 1, power_kw: 4.0, feed_a: PDU, height_m: 2.0}
      - {id: C, row: R, slot: 2, power_kw: 8.0, feed_a: PDU, height_m: 2.0}
      - {id: D, row: R, slot: 3, power_kw: 3.0, feed_a: PDU, height_m: 2.0}
power:
  utilities: [{id: UTIL, voltage_kv: 0.415, capacity_mva: 1.0}]
  pdus: [{id: PDU, upstream: UTIL, rating_kva: 100.0}]
cooling:
  crahs:
    - {id: U, hall: T, type: crac, capacity_kw: 40.0, airflow_m3_s: 3.0, fan_kw: 1.0,
       t_supply_c: 18.0, position_m: [0.5, 0.5], facing: "+x"}
"""


@pytest.fixture
def room(tmp_path):
    path = tmp_path / "room.yaml"
    path.write_text(LAYOUT)
    return path


def test_fit_recovers_known_parameters(room, tmp_path, capsys):
    """Measurements made by the model with other parameters: the fit finds them again."""
    twin = Twin.load(room)
    truth = {"air_diffusivity_m2_s": 0.08, "supply_throw_scale": 0.5}
    power = twin.racks["power_kw"]
    run = air_calibrate.Run(power, 18.0, pd.Series(dtype=float))
    measured = air_calibrate.predict(twin, "T", run, truth)
    csv = tmp_path / "measured.csv"
    pd.DataFrame({"rack": measured.index, "t_inlet_c": measured.to_numpy()}).to_csv(
        csv, index=False
    )
    assert main(["calibrate", str(room), "--from-csv", str(csv)]) == 0
    out = capsys.readouterr().out
    assert "RMSE" in out
    doc = yaml.safe_load((tmp_path / "room.air-calibration.yaml").read_text())
    assert doc["hall"] == "T" and doc["rmse_after_k"] < 0.05 < doc["rmse_before_k"]
    # in a room this small a throw of 0.25 or 0.5 both reach the far wall (same field)
    assert doc["fields"]["supply_throw_scale"] in (0.25, 0.5)
    assert doc["fields"]["air_diffusivity_m2_s"] == pytest.approx(0.08, rel=0.05)


def test_bad_csv_is_a_located_error(room, tmp_path, capsys):
    csv = tmp_path / "bad.csv"
    csv.write_text("rack,t_inlet_c\nZZ,25\n")
    assert main(["calibrate", str(room), "--from-csv", str(csv)]) == 2
    assert "unknown rack id(s) ZZ" in capsys.readouterr().err
    csv.write_text("rack,temp\nA,25\n")
    assert main(["calibrate", str(room), "--from-csv", str(csv)]) == 2
    assert "missing column(s) t_inlet_c" in capsys.readouterr().err
