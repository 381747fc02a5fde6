"""Display fixes of audit 3, finding 10: the Refresh page's utilisation in % (was 0.970 with
no unit while the CLI said 97.5 %), the solve summary's headline loadings saying what they
are (utility connection apart; the failover one first-order), the app's N-1 table saying
"n/a" where no rack runs (an empty cell before), and violation messages in °C (were "C")."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from twin.app import state as S
from twin.cli import main
from twin.model import Twin
from twin.model import columns as C
from twin.model.scenario import Scenario
from twin.solve import run


def test_utilisation_shows_in_percent_everywhere():
    for col in ("utilisation_before", "utilisation_after"):
        assert C.header(col).endswith("(%)")
        assert C.fmt(0.975, col) == "97.5%"
    df = pd.DataFrame(
        {"utilisation_after": [0.975, np.nan]}, index=pd.Index(["grid", "x"], name="constraint")
    )
    shown = C.display(df, "constraint")
    assert shown["Utilisation after (%)"].iloc[0] == pytest.approx(97.5)
    assert C.text_table(df, "constraint")["Utilisation after (%)"].tolist() == ["97.5", "n/a"]
    assert C.formats(df, "constraint") == {"Utilisation after (%)": "%,.1f"}
    # a column with no scale is as it was
    assert C.fmt(97.5, "loading_pct") == "97.5%"


def test_solve_headline_loadings_say_what_they_are(capsys, layouts_dir, monkeypatch):
    monkeypatch.chdir(layouts_dir.parent)
    assert main(["solve", "layouts/small-room.yaml", "--no-headroom"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^\s+Worst loading of equipment \(utility connection apart\)\s", out, re.M)
    assert re.search(r"^\s+Worst loading after failover \(first-order estimate; twin n1", out, re.M)
    # the tables' column of the same name keeps its meaning and label
    assert C.label("max_loading_pct") == "Worst loading"


def test_n1_table_says_n_a_where_no_rack_runs():
    table = pd.DataFrame(
        {"contingency": ["MSB", "CRAC-1", "CRAC-2"], "t_inlet_max_c": [np.nan, 24.64, math.inf]}
    )
    got = S.n1_on_screen(table)
    assert got["t_inlet_max_c"].tolist() == ["n/a", "24.6", "∞"]
    assert np.isnan(table["t_inlet_max_c"].iloc[0])  # the ranking keeps its numbers
    shown = C.display(got, None)
    assert shown[C.header("t_inlet_max_c")].tolist() == ["n/a", "24.6", "∞"]


def test_violation_messages_write_degrees_c(small_room):
    res = run(small_room, Scenario.fail("CRAC-1", "CRAC-2"))
    msgs = res.violations["message"]
    assert len(msgs) and not msgs.str.contains(r"\d C\b", regex=True).any(), list(msgs)
    assert msgs.str.contains("°C").any(), list(msgs)


@pytest.fixture(scope="module")
def small_room(layouts_dir) -> Twin:
    return Twin.load(layouts_dir / "small-room.yaml")
