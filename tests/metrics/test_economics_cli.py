"""`twin economics`: numbers, optimum under the grid, plot-ready outputs, bad arguments."""

from __future__ import annotations

import json

import pandas as pd

from twin.cli import main


def test_economics_json(layouts_dir, capsys):
    assert main(["economics", str(layouts_dir / "hybrid-inference.yaml"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    e = out["economics"]
    assert e["tokens_s"] > 0 and e["tokens_s_per_mw_facility"] < e["tokens_s_per_mw_it"]
    assert out["user_estimates"] == ["rbln-atom-rack"]


def test_economics_optimise_stays_under_the_grid(layouts_dir, capsys, tmp_path):
    csv, png = tmp_path / "c.csv", tmp_path / "c.png"
    args = ["economics", str(layouts_dir / "ai-factory-hall.yaml"), "--grid-mw", "10"]
    assert main([*args, "--optimise", "--points", "4", "--csv", str(csv), "--plot", str(png)]) == 0
    text = capsys.readouterr().out
    assert "optimum" in text and "rack cap" in text
    curve = pd.read_csv(csv)
    assert {"cap_kw", "tokens_s", "facility_kw", "within_grid"} <= set(curve.columns)
    assert png.stat().st_size > 1000
    assert main([*args, "--optimise", "mix", "--points", "3", "--json"]) == 0
    best = json.loads(capsys.readouterr().out)["optimum"]
    assert best["facility_kw"] <= 10_000 and best["tokens_s"] > 0


def test_economics_bad_arguments_exit_2(layouts_dir, capsys):
    path = str(layouts_dir / "hybrid-inference.yaml")
    for bad in (
        ["--npu-share", "1.5"],
        ["--power-cap-kw", "-1"],
        ["--grid-mw", "0"],
        ["--npu", "tpu-v9"],
        ["--npu-share", "0.5", "--npu", "gb200-nvl72", "--gpu", "rbln-atom-rack"],
    ):
        assert main(["economics", path, *bad]) == 2
        assert "twin economics:" in capsys.readouterr().err


def test_economics_prices_energy_over_a_weather_year(layouts_dir, capsys):
    path = str(layouts_dir / "ai-factory-hall.yaml")
    assert main(["economics", path, "--json", "--weather", "pvlib:723170TYA"]) == 0
    e = json.loads(capsys.readouterr().out)["economics"]
    assert 1.0 < e["annual_pue"] < e["pue"]  # a mild year beats the 33 C design day


def _value(text: str, label: str) -> float:
    """The first number after `label` on its line of `text`."""
    line = next(s for s in text.splitlines() if s.strip().startswith(label))
    return float(line.strip()[len(label) :].split()[0])


def test_weather_shows_the_annual_pue_of_twin_solve_without_accelerators(layouts_dir, capsys):
    """small-room has no accelerator racks: `--weather layout` still shows the annual PUE,
    the one `twin solve --annual` gives (it was printed with the token figures only)."""
    path = str(layouts_dir / "small-room.yaml")
    assert main(["economics", path, "--weather", "layout"]) == 0
    econ = capsys.readouterr().out
    assert "no rack runs an accelerator" in econ
    assert main(["solve", path, "--annual", "--no-headroom"]) == 0
    solved = capsys.readouterr().out
    pue = _value(solved, "Annual PUE")
    assert 1.0 < pue < _value(solved, "PUE")
    assert _value(econ, "annual PUE") == pue
    assert main(["economics", path, "--weather", "layout", "--json"]) == 0
    e = json.loads(capsys.readouterr().out)["economics"]
    assert round(e["annual_pue"], 3) == pue


def test_throttled_racks_are_said_to_count_at_full_throughput(layouts_dir, capsys, tmp_path):
    """Facility water at 30 C throttles most of the AI hall's racks; their tokens still count
    at full rate (throttled throughput is not estimated), which the output now says, with
    the count and kW the solve gives, instead of a cost per token that looked better."""
    import yaml

    from twin.model import Twin
    from twin.solve import run

    doc = yaml.safe_load((layouts_dir / "ai-factory-hall.yaml").read_text())
    for hall in doc["halls"]:
        hall["air_model"] = "kernel"
    next(lp for lp in doc["cooling"]["loops"] if lp["kind"] == "facility")["t_supply_c"] = 30.0
    path = tmp_path / "warm.yaml"
    path.write_text(yaml.safe_dump(doc))
    k = run(Twin.load(path)).kpis
    assert k["racks_throttled"] > 0
    assert main(["economics", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["racks_throttled"] == k["racks_throttled"]
    assert out["it_throttled_kw"] == k["it_throttled_kw"]
    assert main(["economics", str(path)]) == 0
    text = capsys.readouterr().out
    assert f"CAUTION         {int(k['racks_throttled'])} racks" in text
    assert "tokens are an upper bound" in text


def test_a_what_if_that_trips_every_rack_says_so_and_lists_its_violations(layouts_dir, capsys):
    """Audit F-AD: half the AI hall's slots as 132 kW air-cooled NPU racks trips the whole
    hall by heat; the output said 'the accelerator racks draw no power' and '103 (see
    twin solve)', which cannot run this what-if. It now says why and lists them."""
    from twin.metrics import whatif
    from twin.model import Twin
    from twin.solve import run

    path = layouts_dir / "ai-factory-hall.yaml"
    args = ["economics", str(path), "--npu-share", "0.5", "--budget", "power"]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    res = run(whatif.with_npu_share(Twin.load(path), 0.5, budget="power"))
    assert out["racks_shutdown"] == res.kpis["racks_shutdown"] == 96
    rows = out["violation_rows"]
    assert len(rows) == out["violations"] == len(res.violations)
    assert rows[0]["kind"] == "over_capacity" and rows[-1]["kind"] == "thermal_shutdown"
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "96 racks (12.67 MW of IT) shut down by heat" in text
    assert "draw no power" not in text and "see `twin solve`" not in text
    assert "Thermal shutdown" in text and "more (--json lists them all)" in text
