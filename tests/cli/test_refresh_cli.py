"""`twin refresh` and `twin compare-distribution`: text and JSON say the same numbers as the
Python API, -o writes a layout whose solve gives them again, bad input is exit 2 with a
message, a break is exit 3 naming the first one."""

from __future__ import annotations

import json
import math
import re

import pytest
import yaml

from twin.cli import main
from twin.cli.refresh import BREAKS
from twin.model import Twin
from twin.scenarios.distribution import compare_distribution
from twin.scenarios.refresh import refresh
from twin.solve import run

HALL = "layouts/ai-factory-hall.yaml"
VR = ["refresh", HALL, "--from", "gb200-nvl72", "--to", "vr-nvl144"]


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


@pytest.fixture(scope="module")
def api(layouts_dir):
    return refresh(Twin.load(layouts_dir / "ai-factory-hall.yaml"), "gb200-nvl72", "vr-nvl144")


def test_text_json_and_api_agree(capsys, api):
    assert main(VR) == BREAKS
    cap = capsys.readouterr()
    first = api.table.loc[api.first_break]
    assert f"First break: {api.first_break} at {first['utilisation_after']:.1%}" in cap.out
    assert f"twin refresh: first break {api.first_break}" in cap.err
    assert "Refresh: 96 racks gb200-nvl72 -> vr-nvl144; IT 12,672 -> 21,792 kW" in cap.out
    assert f"{first['utilisation_after']:.1%}  {api.first_break}: {first['add']}" in cap.out
    # limits alike (same kind, same loading) read as one line naming the others
    assert "(and 2 alike: H1-TCS2, H1-TCS3)" in cap.out
    assert re.search(r"H1-UPS-\w+ failed: .*\(and 11 alike: H1-UPS-\w+, .* 8 more\)", cap.out)
    assert main([*VR, "--json"]) == BREAKS
    out = json.loads(capsys.readouterr().out)
    assert out["first_break"] == api.first_break
    assert out["tokens_gained_s"] == pytest.approx(api.tokens_gained_s)
    assert out["capex_usd"] == pytest.approx(api.capex_usd)
    assert out["racks_swapped"] == len(out["racks"]) == 96
    # one count each, the same in text and JSON (JSON said 'broken: 280', limits and
    # consequences together, where the text said 'Broken limits (146; ...)')
    kinds = api.broken["kind"].value_counts()
    assert out["broken_limits"] == kinds["limit"] and out["consequences"] == kinds["violation"]
    assert "broken" not in out
    assert f"Broken limits ({out['broken_limits']}; " in cap.out
    assert f"Consequences in the refreshed solve ({out['consequences']}): " in cap.out
    row = next(c for c in out["constraints"] if c["constraint"] == api.first_break)
    assert row["utilisation_after"] == pytest.approx(first["utilisation_after"], rel=1e-12)


def test_output_file_solves_to_the_same_first_break(tmp_path, capsys, api):
    out = tmp_path / "vr.yaml"
    assert main([*VR, "-o", str(out)]) == BREAKS
    assert f"wrote {out}" in capsys.readouterr().out
    tw = Twin.load(out)
    assert (tw.racks["accelerator"] == "vr-nvl144").all() and tw.it_kw == 96 * 227.0
    # the refreshed file refreshed again with nothing to swap: no racks of the old generation
    assert main(["refresh", str(out), "--from", "gb200-nvl72", "--to", "vr-nvl144"]) == 2
    assert "no rack of generation 'gb200-nvl72'" in capsys.readouterr().err


def test_rows_and_a_refresh_that_fits(capsys):
    args = ["refresh", HALL, "--from", "gb200-nvl72", "--to", "gb300-nvl72", "--rows", "H1-R01"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Refresh: 16 racks gb200-nvl72 -> gb300-nvl72" in text
    assert "Nothing breaks; most loaded: " in text


def test_violations_without_a_broken_limit_are_exit_3(tmp_path, capsys, layouts_dir):
    """Class H1 (allowable 25 C) puts racks over temperature already: no limit breaks, but
    the refreshed solve is not clean, and the exit code says so."""
    from twin.layout import save

    tw = Twin.load(layouts_dir / "ai-factory-hall.yaml")
    halls = [h.model_copy(update={"ashrae_class": "H1"}) for h in tw.layout.halls]
    path = save(tw.layout.model_copy(update={"halls": halls}), tmp_path / "h1.yaml")
    args = ["refresh", str(path), "--from", "gb200-nvl72", "--to", "gb300-nvl72"]
    assert main([*args, "--rows", "H1-R01"]) == BREAKS
    cap = capsys.readouterr()
    # the grid with a CRAH lost (its peers' fans speed up) is tighter than in normal operation
    assert "No limit breaks; most loaded: N-1 grid connection: H1-CRAH1 failed" in cap.out
    assert "over_temperature" in cap.out and "violation(s)" in cap.err


def test_dc800_section_matches_the_api(capsys, api):
    assert main([*VR, "--dc800", "--json"]) == BREAKS
    out = json.loads(capsys.readouterr().out)
    d = out["distribution"][0]
    want = compare_distribution(Twin.from_layout(api.layout), "H1", api.results)
    assert d["hall"] == "H1"
    for col in ("ac_415v", "dc_800v"):
        got, exp = d["chains"][col]["facility_kw"], want.chains.at["facility_kw", col]
        # the refreshed hall removes its heat on a warmed loop (audit 7's F1): both chains'
        # facility power is defined (were heat left, NaN and JSON null, as the solve's PUE)
        assert got is not None and got == pytest.approx(exp) and math.isfinite(exp)
    assert main([*VR, "--dc800"]) == BREAKS
    text = capsys.readouterr().out
    assert "Hall H1: 415 V AC (solved) vs 800 V DC" in text
    assert f"{want.chains.at['facility_kw', 'dc_800v']:,.0f}" in text


def test_list_prints_the_catalogue_with_sources(capsys):
    assert main(["refresh", "--list"]) == 0
    text = capsys.readouterr().out
    assert "vr-nvl144" in text and "227 kW" in text and "REFERENCE 3" in text
    assert "rbln-atom-rack" in text and "USER ESTIMATE" in text
    assert main(["refresh", "--list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["generation"] for r in rows} >= {"gb200-nvl72", "rubin-ultra-nvl576"}


def test_compare_distribution_text_and_json(capsys):
    assert main(["compare-distribution", HALL, "--hall", "H1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    ac = out["chains"]["ac_415v"]
    # one hall: the AC chain is the hall's solve, IT + losses + cooling (no number typed in)
    k = run(Twin.load(HALL)).kpis
    assert ac["facility_kw"] == pytest.approx(k["facility_kw"], rel=1e-9)
    assert ac["rack_input_kw"] == pytest.approx(k["it_kw"], rel=1e-12)
    assert main(["compare-distribution", HALL, "--hall", "H1"]) == 0
    text = capsys.readouterr().out
    assert f"{ac['facility_kw']:,.0f}" in text and "ratio 0.581" in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([*VR[:4], "--to", "vr-nvl72"], "unknown rack generation 'vr-nvl72'; known: "),
        ([*VR, "--rows", "H1-R1"], "unknown row 'H1-R1' (did you mean 'H1-R01'?)"),
        ([*VR, "--rows", " , "], "--rows: give one or more ids"),
        (["refresh", HALL, "--from", "gb200-nvl72"], "give --from GEN and --to GEN"),
        (["refresh", "--from", "gb200-nvl72", "--to", "vr-nvl144"], "the layout PATH is missing"),
        ([*VR, "-o", "x.txt"], "use a .yaml or .yml file name"),
        (["compare-distribution", HALL, "--hall", "H7"], "hall 'H7' has no racks"),
    ],
)
def test_bad_input_is_exit_2(capsys, args, message):
    assert main(args) == 2
    assert message in capsys.readouterr().err


def test_bad_number_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["compare-distribution", HALL, "--hall", "H1", "--eta-dcdc", "1.5"])
    assert exc.value.code == 2
    assert "1.5 is not in (0.5, 1]" in capsys.readouterr().err


def test_failover_solved_or_first_order_is_said(tmp_path, capsys, monkeypatch, small_room):
    """Text and JSON say how failover was judged; a refresh the first-order rule passes and
    a failure solved in full breaks is exit 3 naming that failure (the small room's NPU
    racks filled to 25 kW: losing a CRAC leaves heat, tests/scenarios/test_refresh.py)."""
    import twin.scenarios.refresh as R
    from twin.layout import dump

    data = dump(small_room.layout)
    for rack in data["halls"][0]["racks"]:
        if rack["id"] in ("RA04", "RA05", "RA08"):  # 10, 10, 12 kW: part-filled NPU racks
            rack["accelerator"] = "rbln-atom-rack"
    path = tmp_path / "npu.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    args = ["refresh", str(path), "--from", "rbln-atom-rack", "--to", "rbln-atom-rack"]
    assert main([*args, "--json"]) == BREAKS
    out = json.loads(capsys.readouterr().out)
    assert out["failover"] == "N-1 solved" and out["n1_left_out"] == ["MSB", "UPS-1"]
    assert out["first_break"].startswith("N-1 (cooling): CRAC-")
    assert main(args) == BREAKS
    cap = capsys.readouterr()
    solved = (
        "Failover: every single failure the swapped racks feel solved in full, before and "
        f"after ({out['n1_cases']} cases"
    )
    assert solved in cap.out
    assert "left out 2 that lose IT before the refresh" in cap.out
    assert f"first break {out['first_break']}" in cap.err
    # above the cap: first-order, and it says so (the first-order rule passes this refresh)
    monkeypatch.setattr(R, "N1_CHECK_MAX_CASES", 3)
    assert main(args) == 0
    text = capsys.readouterr().out
    first = f"Failover: first-order only ({out['n1_cases']} single failures, more than the 3 "
    assert first + "solved in full)" in text
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["failover"] == "first-order"
