"""`twin solve`: summary, --json, --out, and bad --fail ids."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from twin.cli import main

SMALL = "layouts/small-room.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


@pytest.fixture
def undersized(tmp_path, layouts_dir) -> str:
    """The small room with 150 kVA PDUs: one PDU cannot carry the room when its partner fails."""
    text = (layouts_dir / "small-room.yaml").read_text()
    text = text.replace(
        "rating_kva: 250.0, cable_length_m: 2", "rating_kva: 150.0, cable_length_m: 2"
    )
    assert text.count("rating_kva: 150.0") == 2
    path = tmp_path / "undersized-room.yaml"
    path.write_text(text)
    return str(path)


def test_summary_lists_losses_worst_loadings_and_violations(capsys, undersized):
    assert main(["solve", undersized, "--fail", "PDU-1"]) == 0
    out = capsys.readouterr().out
    for text in ("IT load", "total input", "loss_ups_kw", "worst loadings", "PDU-2", "overload"):
        assert text in out


def test_json_has_kpis_and_violation_objects(capsys, undersized):
    assert main(["solve", undersized, "--json", "--fail", "PDU-1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["it_kw"] == pytest.approx(189.0)
    # the chain's sources supply IT + losses + extra loads (cooling the coupled solve puts on it)
    sources = data["utility_kw"] + data["generator_kw"]
    assert sources == pytest.approx(data["it_kw"] + data["losses_kw"] + data["extra_kw"])
    assert data["facility_kw"] >= sources - 1e-9
    (v,) = [v for v in data["violations"] if v["kind"] == "overload"]
    assert v["component"] == "PDU-2"
    assert v["value"] > v["limit"] == 100.0
    assert all({"component", "kind", "value", "limit"} <= set(v) for v in data["violations"])


def test_out_writes_every_table(tmp_path, capsys):
    assert main(["solve", SMALL, "--out", str(tmp_path)]) == 0
    for name in ("res_bus", "res_power_nodes", "res_racks"):
        table = pd.read_csv(tmp_path / f"{name}.csv", index_col=0)
        assert len(table)
    assert pd.read_csv(tmp_path / "res_power_nodes.csv", index_col=0).at["UTIL", "p_kw"] > 189.0
    assert (tmp_path / "violations.csv").exists()


def test_reference_small_room_carries_a_failed_pdu(capsys):
    assert main(["solve", SMALL, "--json", "--fail", "PDU-1"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert not [v for v in data["violations"] if v["kind"] == "overload"]


def test_unknown_fail_id_exits_2(capsys):
    assert main(["solve", SMALL, "--fail", "PDU-9"]) == 2
    err = capsys.readouterr().err
    assert "PDU-9" in err and "unknown" in err
