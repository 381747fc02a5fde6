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


def test_a_base_that_already_loses_it_is_said_once(layouts_dir, capsys):
    """Audit F-K: with the utility and the generator out the base serves nothing; every
    row read "IT lost 189 kW" and the headline "8 lose IT load", a CRAC failure included.
    The rows keep the total (the same as `twin solve --fail` of the row's ids), the
    headline counts losses beyond the base, and the base's own loss is said once."""
    from twin.model import Twin
    from twin.model.scenario import Scenario
    from twin.scenarios.scenario import solve_scenario

    path = str(layouts_dir / "small-room.yaml")
    assert main(["n1", path, "--no-progress", "--fail", "UTIL", "GEN-1", "--top", "0"]) == 0
    text = capsys.readouterr().out
    twin = Twin.load(path)
    base = solve_scenario(twin, Scenario(failed=frozenset({"UTIL", "GEN-1"})))
    assert base.it_lost_kw == twin.racks["power_kw"].sum() == 189.0
    assert "0 lose IT load more than the base" in text
    assert "the base (--fail) already loses 189.0 kW of IT (20 racks" in text
    assert main(["n1", path, "--no-progress", "--fail", "PDU-1", "--top", "0"]) == 0
    text = capsys.readouterr().out
    assert "3 lose IT load," in text and "already loses" not in text
