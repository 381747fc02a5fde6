"""An N-1 case whose full solve is not a solution (its power flow did not converge) says so
in the sweep table, ranks first, breaks the headroom's N-1 check and is marked by `twin n1`.

The small room with 1.5 km PDU cables: the normal state converges (0.82 pu at the PDUs,
undervoltage), but with one PDU failed the other carries the room and its voltage collapses
(`twin solve --fail PDU-1`: not_converged). The row used to read 124 % loading, no IT lost,
"Verified by a full solve: yes", ranked below the UPS, with nothing saying it was no answer.
"""

from __future__ import annotations

import pandas as pd
import pytest
from layout_edit import with_pdu_cables

from twin.cli import main
from twin.layout import loads
from twin.metrics.headroom_n1 import _n1_u
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios import n1
from twin.solve import run


@pytest.fixture(scope="module")
def long_cables(layouts_dir, tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("lv")
    return with_pdu_cables(layouts_dir / "small-room.yaml", tmp, "long-cables.yaml", 1500.0)


def test_a_case_with_no_solution_is_flagged_and_ranked_first(long_cables):
    twin = Twin.from_layout(loads(open(long_cables).read()))
    assert "not_converged" not in set(run(twin).violations["kind"])  # the base solves
    failed = run(twin, Scenario.fail("PDU-1")).violations
    assert "not_converged" in set(failed["kind"])  # the premise: this case does not
    table = n1(twin)
    bad = table[table["untrusted"] != ""]
    assert set(bad["contingency"]) == {"PDU-1", "PDU-2"}
    assert bad["untrusted"].str.contains("not_converged").all()
    assert bad["untrusted"].str.contains("residual").all()
    assert set(table["contingency"].head(2)) == {"PDU-1", "PDU-2"}  # before the lost-IT rows
    assert (table.loc[~table.index.isin(bad.index), "untrusted"] == "").all()
    u, _ = _n1_u(table)
    assert (u[bad.index] > 1.0).all()  # headroom's N-1 check: not carried


def test_twin_n1_marks_the_rows(long_cables, capsys, tmp_path):
    out = tmp_path / "n1.csv"
    assert main(["n1", long_cables, "--top", "3", "--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "warning: PDU-1: the full solve is not a solution (not_converged" in text
    assert "no solution" in text
    csv = pd.read_csv(out, keep_default_na=False)
    assert set(csv.loc[csv["untrusted"] != "", "contingency"]) == {"PDU-1", "PDU-2"}
