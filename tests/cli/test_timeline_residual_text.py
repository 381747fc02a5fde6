"""`twin timeline`'s text prints the energy-balance residual in kWh and a share of the
energy supplied (`twin.solve.residual_text`, the Timeline page's text), not as 1.2e-09;
`--json` keeps the numbers."""

from __future__ import annotations

import json

import pytest

from twin.cli import main
from twin.solve.residual_text import residual_text

ARGV = ["timeline", "layouts/ai-factory-hall.yaml", "--hours", "6", "--step-s", "1",
        "--bess-mwh", "4", "--bess-mw", "3", "--dr-mw", "1", "--dr-start-h", "2",
        "--dr-hours", "1"]  # fmt: skip


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


def test_text_prints_the_json_residual_as_words(capsys):
    assert main([*ARGV, "--json"]) == 0
    k = json.loads(capsys.readouterr().out)["kpis"]
    mwh, rel = k["balance_residual_mwh"], k["balance_residual_rel"]
    assert isinstance(mwh, float) and isinstance(rel, float)  # --json: numbers, not text
    assert main(ARGV) == 0
    (line,) = [x for x in capsys.readouterr().out.splitlines() if "energy balance residual" in x]
    text = line.split("energy balance residual", 1)[1].strip()
    assert text == residual_text(mwh, rel)
    assert text.endswith(" of the energy supplied)") and "e-" not in text and "e+" not in text
    assert text.startswith("0 kWh") == (mwh == 0)  # a nonzero residual never reads as zero
