"""`twin info` prints kinds by their labels (twin.model.registry via twin.model.columns);
`--raw-columns` the table names `--components` and --json use."""

from __future__ import annotations

import pytest

from twin.cli import main

SMALL = "layouts/small-room.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


def test_info_labels_and_raw(capsys):
    assert main(["info", SMALL, "--no-headroom"]) == 0
    out = capsys.readouterr().out
    assert "UPS: 1, PDU/busway: 2, CRAH/CRAC: 3" in out
    lines = {ln.split("  ")[1].strip(): ln for ln in out.splitlines() if " x " in ln}
    assert lines["Utility connection"].endswith("1 x 1,500-1,500 kVA (sum 1,500)")
    assert any(
        ln.strip().startswith("CRAH/CRAC") and "360 kW total" in ln for ln in out.splitlines()
    )
    assert "crahs" not in out and "utilities" not in out
    assert main(["info", SMALL, "--no-headroom", "--raw-columns"]) == 0
    raw = capsys.readouterr().out
    assert "ups 1, pdus 2, crahs 3" in raw and "  utilities " in raw
