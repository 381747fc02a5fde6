"""`twin place`: text and JSON output, --apply writing a layout that solves clean, bad input
(exit 2) and nothing fits (exit 3, naming what stops it)."""

from __future__ import annotations

import json

import pytest

from twin.cli import main
from twin.cli.place import NOTHING_FITS
from twin.model import Twin
from twin.solve import run

SMALL = "layouts/small-room.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


def test_text_and_json_agree(capsys):
    args = ["place", SMALL, "--profile", "enterprise-10kw", "--count", "3", "--no-stranded"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Placing 3 x enterprise-10kw (10 kW each, 30 kW IT)" in text
    assert "1. hall ROOM, row: RA:10-12  [feasible]" in text  # RA and RB tie; RA first
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kw_added"] == 30.0 and out["count"] == 3
    top = out["candidates"][0]
    assert top["rank"] == 1 and top["feasible"] and top["verified"]
    assert f"{top['binding_utilisation']:.1%}" in text


def test_apply_writes_a_layout_that_solves_clean(tmp_path, capsys):
    out = tmp_path / "placed.yaml"
    args = ["place", SMALL, "--profile", "enterprise-10kw", "--count", "3", "--no-stranded"]
    assert main([*args, "--apply", "1", "-o", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    twin = Twin.load(out)
    assert {"RA-11", "RA-12", "RA-13"} <= set(twin.racks.index)
    r = run(twin)
    assert r.violations.empty and (r["res_racks"]["thermal_state"] == "ok").all()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--profile", "gpu", "--count", "2"], "unknown rack profile 'gpu'; allowed: "),
        (["--profile", "nvl72", "--count", "0"], "--count must be at least 1; got 0"),
        (["--profile", "nvl72", "--count", "2", "--apply", "1"], "--apply needs -o"),
        (["--profile", "nvl72", "--count", "2", "-o", "x.yaml"], "-o/--output needs --apply"),
        (
            ["--profile", "nvl72", "--count", "2", "--apply", "1", "-o", "x.txt"],
            "use a .yaml or .yml file name",
        ),
    ],
)
def test_bad_input_exit_2(capsys, extra, message):
    assert main(["place", SMALL, *extra]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_nothing_fits_exit_3(capsys):
    # NVL72 racks need a TCS loop the air-cooled room does not have
    assert main(["place", SMALL, "--profile", "nvl72", "--count", "2"]) == NOTHING_FITS
    err = capsys.readouterr().err
    assert "no hall has room for 2 racks of 'nvl72'" in err and "no TCS loop" in err
    # 13 racks: 12 free slots and no room for a new row
    assert main(["place", SMALL, "--profile", "enterprise-10kw", "--count", "13"]) == NOTHING_FITS
    assert "12 free slot(s)" in capsys.readouterr().err


def test_apply_unverified_is_refused(capsys, tmp_path):
    args = ["place", SMALL, "--profile", "enterprise-10kw", "--count", "3", "--verify", "1"]
    assert main([*args, "--apply", "2", "-o", str(tmp_path / "x.yaml"), "--no-stranded"]) == 2
    assert "not verified" in capsys.readouterr().err


def test_the_default_stranded_after_is_the_search_and_the_estimate_says_so(capsys):
    """On a hall-sized site the default "stranded after" is the search's, the numbers
    `twin info --stranded` gives for the placed layout (audit 6 #13: the default estimate
    read 156 kW where the search finds 83 kW); the estimate, asked for, is labelled and
    --json says how the numbers were found (finding 5 of /work/audit3)."""
    args = ["place", SMALL, "--profile", "enterprise-10kw", "--count", "3", "--verify", "1"]
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stranded"] == "search"
    assert main([*args, "--stranded-estimate"]) == 0
    text = capsys.readouterr().out
    assert "stranded after (estimate along this placement" in text
    assert "--stranded-search" in text
    assert main([*args, "--stranded-estimate", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stranded"] == "estimate"
