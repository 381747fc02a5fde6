"""`twin solve` shows the cooling KPIs, takes ambient conditions and adds annual figures."""

from __future__ import annotations

import json
import math

from twin.cli import main


def test_solve_json_has_cooling_kpis_and_weather(layouts_dir, capsys):
    path = str(layouts_dir / "ai-factory-hall.yaml")
    assert main(["solve", path, "--json", "--t-db", "10", "--t-wb", "6"]) == 0
    cool = json.loads(capsys.readouterr().out)
    assert main(["solve", path, "--json"]) == 0
    design = json.loads(capsys.readouterr().out)
    for k in ("pue", "wue_l_per_kwh", "t_inlet_max_c", "t_coolant_max_c", "cooling_kw"):
        assert isinstance(design[k], int | float) and math.isfinite(design[k]), (k, design[k])
    assert cool["t_db_c"] == 10.0 and cool["t_wb_c"] == 6.0
    assert cool["pue"] < design["pue"]


def test_solve_annual_and_out(layouts_dir, capsys, tmp_path):
    path = str(layouts_dir / "small-room.yaml")
    assert main(["solve", path, "--annual", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "Annual PUE" in text
    for t in ("res_racks", "res_crahs", "res_halls", "res_cdus", "res_pipes", "res_chillers"):
        assert (tmp_path / f"{t}.csv").exists()
    head = (tmp_path / "res_racks.csv").read_text().splitlines()[0]
    assert "t_inlet_c" in head and "t_outlet_c" in head


def test_bad_temperature_exits_2(layouts_dir, capsys):
    import pytest

    with pytest.raises(SystemExit) as exc:
        main(["solve", str(layouts_dir / "small-room.yaml"), "--t-db", "hot"])
    assert exc.value.code == 2


def test_solve_annual_without_a_weather_year_is_refused(layouts_dir, capsys, tmp_path):
    """No site.weather_file: `--annual` printed "Over the weather year: Annual PUE 1.449",
    the design point's PUE for all 8,760 hours, as if it were a year's; `twin economics
    --weather layout` refuses the same layout. Now both refuse, naming what to add."""
    text = (layouts_dir / "small-room.yaml").read_text()
    assert "weather_file: pvlib:723170TYA" in text
    path = tmp_path / "no-weather.yaml"
    path.write_text(text.replace("weather_file: pvlib:723170TYA", ""))
    assert main(["solve", str(path), "--annual", "--no-headroom"]) == 2
    err = capsys.readouterr()
    assert "Annual PUE" not in err.out
    assert "--annual: the layout has no site.weather_file" in err.err
    assert main(["economics", str(path), "--weather", "layout"]) == 2
    assert "has no site.weather_file" in capsys.readouterr().err
