"""`twin solve --strict` (issue 13): exit 3 on any violation, output first; --json always
valid JSON, with null (never NaN) where a solver has no number and the violation saying why."""

from __future__ import annotations

import json

import numpy as np
import pytest

from twin.cli import main
from twin.cli.solve import STRICT_EXIT
from twin.solve import coupled

SMALL = "layouts/small-room.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


@pytest.fixture
def long_cable(tmp_path, layouts_dir) -> str:
    """PDU-1 fed over 10 km of cable: the power flow has no solution."""
    text = (layouts_dir / "small-room.yaml").read_text()
    assert text.count("cable_length_m: 20.0") == 1
    path = tmp_path / "long-cable.yaml"
    path.write_text(text.replace("cable_length_m: 20.0", "cable_length_m: 10000"))
    return str(path)


def strict_json(text: str) -> dict:
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in --json"))


def test_strict_exits_3_on_a_power_flow_that_did_not_converge(capsys, long_cable):
    assert main(["solve", long_cable]) == 0  # without --strict: reported, exit 0
    out = capsys.readouterr().out
    assert "not_converged" in out and "PDU-1" in out
    assert "PUE" in out and "n/a" in out
    assert main(["solve", long_cable, "--strict"]) == STRICT_EXIT == 3
    captured = capsys.readouterr()
    assert "Violations: 1" in captured.out  # the summary is printed first
    assert "--strict" in captured.err and "not_converged 1" in captured.err


def test_strict_json_is_valid_and_says_why_pue_is_null(capsys, long_cable):
    assert main(["solve", long_cable, "--json", "--strict"]) == STRICT_EXIT
    data = strict_json(capsys.readouterr().out)
    assert data["pue"] is None and data["power_converged"] == 0
    (row,) = data["violations"]
    assert row["kind"] == "not_converged" and row["component"] == "PDU-1"
    assert isinstance(row["value"], float) and row["value"] > row["limit"]


def test_strict_passes_a_clean_solve_and_fails_any_violation(capsys):
    assert main(["solve", SMALL, "--strict"]) == 0
    capsys.readouterr()
    assert main(["solve", SMALL, "--strict", "--json"]) == 0
    captured = capsys.readouterr()
    assert strict_json(captured.out)["violations"] == []
    assert captured.err.count("warning:") == 1 and "picks ffd" in captured.err
    # a plain limit violation (three CRACs, two failed: the survivor is over capacity)
    assert main(["solve", SMALL, "--fail", "CRAC-2", "CRAC-3", "--strict"]) == STRICT_EXIT
    assert "over_capacity" in capsys.readouterr().err


def test_json_is_valid_when_a_solver_produces_nan(capsys, monkeypatch):
    real = coupled.solve_liquid

    def broken(*a, **kw):
        res = real(*a, **kw)
        res.res_cdus["pump_kw"] = np.nan  # in the table only: a number that must exist
        return res

    monkeypatch.setattr(coupled, "solve_liquid", broken)
    assert main(["solve", "layouts/hybrid-inference.yaml", "--json", "--strict"]) == STRICT_EXIT
    data = strict_json(capsys.readouterr().out)
    kinds = {v["kind"] for v in data["violations"]}
    assert "non_finite" in kinds and data["pue"] is None
    assert any("res_cdus.pump_kw" in v["message"] for v in data["violations"])


def test_help_documents_strict(capsys):
    with pytest.raises(SystemExit):
        main(["solve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--strict" in text and f"exit {STRICT_EXIT}" in text
