"""`twin compare-sites`: the CLI prints the numbers `twin.scenarios.sites.compare` gives."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from twin.cli import main
from twin.model import Twin
from twin.scenarios.sites import compare, load_site
from twin.scenarios.timeline import TimelineSpec

ROOT = Path(__file__).resolve().parents[2]
ROOM = str(ROOT / "layouts" / "small-room.yaml")
SITES = [str(ROOT / "layouts" / "sites" / f) for f in ("greensboro-nc.yaml", "sand-point-ak.yaml")]


def test_json_is_the_api_table(capsys):
    argv = ["compare-sites", ROOM, "--site", SITES[0], "--site", SITES[1], "--hours", "48"]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    api = compare(Twin.load(ROOM), [load_site(s) for s in SITES], TimelineSpec(hours=48.0))
    assert [r["site"] for r in out["sites"]] == ["Greensboro, NC", "Sand Point, AK"]
    for row in out["sites"]:
        for key, value in row.items():
            if key == "site":
                continue
            want = api.table.at[row["site"], key]
            assert (value is None and not want == want) or value == want, key
    assert len(out["monthly"]) == 2  # 48 h from 1 January: one month per site
    # the price differs (EIA 2023 industrial: NC 7.15, AK 18.70 c/kWh), the energy does not
    # (the small room's DX CRACs do not depend on the weather)
    a, b = out["sites"]
    assert a["grid_mwh"] == b["grid_mwh"]
    assert b["energy_cost_usd"] / a["energy_cost_usd"] == pytest.approx(0.187 / 0.0715)
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "Free-cooling hours (h)" in text and "Cost per million tokens (USD)" in text
    # the load its PUE is at, said: the mixed workload's mean, not the design's
    assert out["workload"] == "mixed"
    design_mwh = float(Twin.load(ROOM).racks["power_kw"].sum()) * 48 / 1000.0
    pct = round(a["it_mwh"] / design_mwh * 100.0)
    assert 50 < pct < 100
    assert f"mixed workload: IT at {pct} % of design on average" in text.splitlines()[0]


def test_bad_input_exits_2_before_any_solve(tmp_path, capsys):
    assert main(["compare-sites", ROOM]) == 2
    assert "at least one --site" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\ngrid_co2_kg_per_kwh: 5\n")
    assert main(["compare-sites", ROOM, "--site", str(bad)]) == 2
    assert f"{bad}:2: grid_co2_kg_per_kwh: 5 is out of range" in capsys.readouterr().err
    assert main(["compare-sites", ROOM, "--site", str(tmp_path / "none.yaml")]) == 2
    assert "none.yaml: file not found" in capsys.readouterr().err


def test_a_grid_limit_below_the_peak_is_a_violation(tmp_path):
    """The site's grid connection replaces the layout's: steps above it are grid_limit
    violations (the small room peaks at ~0.23 MW)."""
    (tmp_path / "tight.yaml").write_text(
        "name: tight\nweather_file: pvlib:723170TYA\ngrid_mw: 0.1\n"
    )
    c = compare(Twin.load(ROOM), [load_site(tmp_path / "tight.yaml")], TimelineSpec(hours=48.0))
    v = c.timelines["tight"].violations
    assert set(v["kind"]) == {"grid_limit"} and (v["limit"] == 100.0).all()
    assert c.table.at["tight", "violations"] == len(v) > 0
    assert v["duration_s"].sum() == 48 * 3600.0  # above it at every step


def test_an_empty_or_binary_site_file_is_named_a_site_file(tmp_path, capsys):
    """The file-level checks name the kind of file: a site, not a layout."""
    empty, binary = tmp_path / "empty.yaml", tmp_path / "bin.yaml"
    empty.write_text("")
    binary.write_bytes(b"\x00\x01")
    for path, says in ((empty, "file is empty; expected a site mapping"), (binary, "a site is")):
        assert main(["compare-sites", ROOM, "--site", str(path)]) == 2
        err = capsys.readouterr().err
        assert "problem in site file" in err and says in err and "a layout" not in err


def test_a_site_whose_solve_is_not_a_solution_is_said_and_its_figures_marked(tmp_path, capsys):
    """Both PDU cables 1 km at 0.5 ohm/km collapse the small room's voltage: `twin timeline`
    says NOT AN ANSWER, yet compare-sites printed its energy, cost and carbon as plain
    numbers (audit 2026-12-04). Now it says so first and marks every figure those hours
    void; the weather's figures and the violation count stay unmarked."""
    text = Path(ROOM).read_text()
    for a, b in (("cable_length_m: 20.0", "cable_length_m: 1000.0"),
                 ("cable_length_m: 25.0", "cable_length_m: 1000.0")):  # fmt: skip
        assert a in text
        text = text.replace(a, b)
    text = text.replace("cable_r_ohm_per_km: 0.153", "cable_r_ohm_per_km: 0.5")
    path = tmp_path / "collapse.yaml"
    path.write_text(text)
    argv = ["compare-sites", str(path), "--site", SITES[0], "--hours", "6"]
    assert main([*argv, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["sites"][0]["untrusted_hours"] == pytest.approx(6.0)
    assert out["not_an_answer"].startswith("NOT AN ANSWER (Greensboro, NC: 6.00 of 6.00 h)")
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any("NOT AN ANSWER (Greensboro, NC" in line for line in lines[:4])
    row = {re.split(r"\s{2,}", ln.strip())[0]: ln for ln in lines if ln.startswith("  ")}
    total = next(v for k, v in row.items() if k.startswith("Total cost"))
    assert total.rstrip().endswith(" *")
    for kept in ("Mean outdoor dry bulb", "Capex and opex", "Violations", "PUE"):  # PUE n/a
        line = next(v for k, v in row.items() if k.startswith(kept))
        assert not line.rstrip().endswith("*"), line


def test_a_solved_site_has_no_mark(capsys):
    assert main(["compare-sites", ROOM, "--site", SITES[0], "--hours", "6"]) == 0
    text = capsys.readouterr().out
    assert "NOT AN ANSWER" not in text and " *" not in text


def test_economics_says_its_solve_is_not_a_solution(tmp_path, capsys):
    """`twin economics` printed 'facility 0.50 MW' of a collapsed power flow untagged
    (audit 2026-12-04); now NOT AN ANSWER first and the last-iterate tag, as twin solve."""
    text = Path(ROOM).read_text()
    for a in ("cable_length_m: 20.0", "cable_length_m: 25.0"):
        text = text.replace(a, "cable_length_m: 1000.0")
    path = tmp_path / "collapse.yaml"
    path.write_text(text.replace("cable_r_ohm_per_km: 0.153", "cable_r_ohm_per_km: 0.5"))
    assert main(["economics", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith("  NOT AN ANSWER: not_converged at PDU-")
    power = next(ln for ln in lines if ln.startswith("  power "))
    assert power.endswith("(not converged: the last iterate)")
    assert main(["economics", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["not_an_answer"][0].startswith("NOT AN ANSWER")
    assert main(["economics", ROOM]) == 0
    assert "NOT AN ANSWER" not in capsys.readouterr().out
