"""Options that did nothing are refused (audit 5 F-N, F-G): `generate hall|hybrid` with a
campus option (--condenser tower wrote dry coolers, --tenants none), and `place --apply`
or `refresh -o` naming the input layout (it was overwritten without its comments) unless
--force; a campus with more tenants than halls says how many it wrote."""

from __future__ import annotations

import shutil

import pytest

from twin.cli import main
from twin.cli.common import UsageError, check_not_input


@pytest.mark.parametrize(
    ("what", "option"),
    [
        ("hall", ["--condenser", "tower"]),
        ("hall", ["--tenants", "5"]),
        ("hybrid", ["--condenser", "air"]),
        ("hybrid", ["--it-mw", "3"]),
    ],
)
def test_campus_options_are_refused_for_hall_and_hybrid(what, option, tmp_path, capsys):
    out = tmp_path / "x.yaml"
    assert main(["generate", what, *option, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{option[0]} is only for `generate campus`" in err and "dry coolers" in err
    assert not out.exists()


def test_hall_without_options_is_the_reference_hall(tmp_path, layouts_dir):
    out = tmp_path / "hall.yaml"
    assert main(["generate", "hall", "-o", str(out)]) == 0
    assert out.read_text() == (layouts_dir / "ai-factory-hall.yaml").read_text()


def test_more_tenants_than_halls_is_noted(tmp_path, capsys):
    out = tmp_path / "c.yaml"
    assert main(["generate", "campus", "--it-mw", "1", "--tenants", "7", "-o", str(out)]) == 0
    assert "--tenants 7 > 1 hall: 1 tenant(s) written" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["place", "refresh"])
def test_output_over_the_input_layout_is_refused(command, tmp_path, layouts_dir, capsys):
    path = tmp_path / "room.yaml"
    shutil.copy(layouts_dir / "small-room.yaml", path)
    before = path.read_text()
    args = (
        ["place", str(path), "--profile", "enterprise-10kw", "--count", "2", "--apply", "1"]
        if command == "place"
        else ["refresh", str(path), "--from", "gb200-nvl72", "--to", "vr-nvl144"]
    )
    assert main([*args, "-o", str(tmp_path / "." / "room.yaml")]) == 2
    err = capsys.readouterr().err
    assert "is the input layout" in err and "--force" in err
    assert path.read_text() == before


def test_force_lets_the_output_be_the_input(tmp_path):
    path = tmp_path / "room.yaml"
    path.write_text("x")
    with pytest.raises(UsageError, match="is the input layout"):
        check_not_input(str(path), str(path), "--output", force=False)
    check_not_input(str(path), str(path), "--output", force=True)
    check_not_input(str(tmp_path / "other.yaml"), str(path), "--output", force=False)
