"""`twin n1 --fail X` does not fail X again: it listed X among the contingencies, its row
the base state itself (IT lost 0), reading as if X's failure were harmless."""

from __future__ import annotations

import pandas as pd

from twin.cli import main


def test_components_out_throughout_are_not_contingencies(layouts_dir, tmp_path, capsys):
    path = str(layouts_dir / "small-room.yaml")
    out = tmp_path / "n1.csv"
    assert main(["n1", path, "--fail", "PDU-1", "--out", str(out), "--top", "0"]) == 0
    text = capsys.readouterr().out
    table = pd.read_csv(out, keep_default_na=False)
    assert "PDU-1" not in set(table["contingency"])
    assert len(table) == 9 and "N-1 over 9 contingencies" in text
    assert "out of service throughout (--fail), not failed again: PDU-1" in text
    # with PDU-1 out, losing PDU-2 drops every rack
    assert table.set_index("contingency").at["PDU-2", "it_lost_kw"] == 189.0
    assert main(["n1", path, "--fail", "PDU-1", "--n2", "PDU-1", "PDU-2", "UTIL", "--out",
                 str(out), "--top", "0"]) == 0  # fmt: skip
    capsys.readouterr()
    assert list(pd.read_csv(out)["contingency"]) == ["PDU-2+UTIL"]
