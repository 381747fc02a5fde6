"""A failure that stops every cooling unit of a room shuts every rack down by heat; its N-1
row read 'Worst loading of a cooling group with a unit out 0.0 %' (the state after the trips
has no heat and no running unit): 'idle and fine' beside a total loss of cooling, where the
fast screen of the same case says inf. The group carried the room's heat on no capacity:
unbounded, before the trips, as the row's shortfall and hottest inlet already read, in
`twin n1` (terminal, CSV notes), the app's Failures page and the headroom's N-1 check."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.scenarios.layouts import load_doc, twin_from_doc
from twin.app.failure_views import consequences
from twin.cli import main
from twin.metrics.headroom_n1 import BROKEN_MARK, _n1_u
from twin.model.scenario import Scenario
from twin.scenarios.sweep import at_risk, cooling_groups, n1, summarise, sweep
from twin.solve import run

NO_CAPACITY = "max_cooling_loading_pct: unbounded (a cooling group with heat and no capacity left)"


def _doc(layouts_dir, ups_on_generator: bool = True) -> dict:
    """small-room (kernel air); with UPS-1 on the standby generator, MSB then feeds only
    CRAC-1..3 (the racks keep power and lose all their cooling)."""
    doc = load_doc(layouts_dir / "small-room.yaml")
    for h in doc["halls"]:
        h["air_model"] = "kernel"
    if ups_on_generator:
        (ups,) = doc["power"]["ups"]
        ups["upstream"] = "GEN-1"
    return doc


@pytest.fixture(scope="module")
def upsgen(layouts_dir):
    return twin_from_doc(_doc(layouts_dir), "upsgen.yaml")


@pytest.fixture(scope="module")
def table(upsgen):
    return n1(upsgen).set_index("contingency")


def test_msb_row_reads_no_capacity_left_not_idle(upsgen, table):
    row = table.loc["MSB"]
    assert row["verified"]  # the full solve's figure
    assert row["racks_lost"] == len(upsgen.racks)  # every rack shut down by heat
    assert row["cooling_units_out"] == 3
    assert row["max_cooling_loading_pct"] == math.inf  # was 0.0
    assert row["worst_cooling_group"] == "crahs:ROOM"
    # the group's heat: the room's air heat before the trips, on no running capacity
    res = run(upsgen, Scenario.fail("MSB"))
    pre = res.before_trips
    assert pre is not None and not pre["res_crahs"]["running"].any()
    assert pre["res_halls"].at["ROOM", "q_air_kw"] == pytest.approx(row["cooling_shortfall_kw"])
    assert pre["res_halls"].at["ROOM", "crah_capacity_kw"] == 0.0
    # after the trips the room carries nothing: what the row read before
    assert cooling_groups(upsgen, res)[1] == 0.0


def test_fast_screen_equals_the_full_solve_for_the_case(upsgen, table):
    """The fast path's row and the full solve's row say the same (DESIGN: a fast path is
    never a second opinion): inf on crahs:ROOM, 3 units out."""
    fast = sweep(upsgen, [("MSB",)], verify=False).iloc[0]
    full = summarise(upsgen, ["MSB"], run(upsgen, Scenario.fail("MSB")))
    for col in ("max_cooling_loading_pct", "worst_cooling_group", "cooling_units_out"):
        assert fast[col] == full[col] == table.at["MSB", col], col


def test_rows_without_trips_read_their_final_state(upsgen, table):
    for cid in ("CRAC-1", "PDU-1", "UPS-1"):
        res = run(upsgen, Scenario.fail(cid))
        assert res.before_trips is None
        units_out, pct, group = cooling_groups(upsgen, res)
        assert table.at[cid, "max_cooling_loading_pct"] == pytest.approx(pct, rel=1e-12)
        assert table.at[cid, "cooling_units_out"] == units_out
    assert 0 < table.at["CRAC-1", "max_cooling_loading_pct"] < 100  # two of three carry it


def test_no_rack_powered_is_no_heat_in_both_paths(layouts_dir):
    """The shipped small room: MSB feeds UPS-1 and the CRACs, every rack loses power, no
    heat is made: 0 % (nothing to carry), in the screen and the full solve alike."""
    tw = twin_from_doc(_doc(layouts_dir, ups_on_generator=False), "small.yaml")
    fast = sweep(tw, [("MSB",)], verify=False).iloc[0]
    full = summarise(tw, ["MSB"], run(tw, Scenario.fail("MSB")))
    assert fast["max_cooling_loading_pct"] == full["max_cooling_loading_pct"] == 0.0
    assert full["it_lost_kw"] == tw.racks["power_kw"].sum()


def test_risk_rank_and_headroom_read_it_as_broken(upsgen, table):
    ranked = table.reset_index()
    assert at_risk(upsgen, ranked)[ranked.index[ranked["contingency"] == "MSB"]].all()
    assert ranked.loc[ranked["contingency"] == "MSB", "rank"].item() == 1
    u, lost = _n1_u(ranked)
    i = int(np.flatnonzero(ranked["contingency"] == "MSB")[0])
    assert u[i] == math.inf and lost[i]  # was BROKEN_MARK (0 % read as within limits)
    j = int(np.flatnonzero(ranked["contingency"] == "CRAC-1")[0])
    assert u[j] == pytest.approx(ranked.at[j, "max_cooling_loading_pct"] / 100.0)
    assert u[j] < BROKEN_MARK


def test_failures_page_says_the_same(upsgen, table):
    base = run(upsgen, Scenario())
    res = run(upsgen, Scenario.fail("MSB"))
    what = consequences(upsgen, base, res)
    assert what["max_cooling_loading_pct"] == table.at["MSB", "max_cooling_loading_pct"]
    assert what["worst_cooling_group"] == "crahs:ROOM"
    wl = what["worst_loadings"]  # each element's loading before the trips beside after
    want = res["res_power_nodes"]["loading_demand_pct"]
    assert wl.at["UPS-1", "loading_after_pct"] == 0.0
    assert wl.at["UPS-1", "loading_demand_pct"] == pytest.approx(want["UPS-1"])
    assert wl.at["UPS-1", "loading_demand_pct"] > 60.0
    crac = consequences(upsgen, base, run(upsgen, Scenario.fail("CRAC-1")))
    assert "loading_demand_pct" not in crac["worst_loadings"]  # nothing tripped
    assert crac["max_cooling_loading_pct"] == table.at["CRAC-1", "max_cooling_loading_pct"]


def test_twin_n1_prints_and_writes_it_unbounded(tmp_path, capsys, layouts_dir):
    path = tmp_path / "upsgen.yaml"
    path.write_text(yaml.safe_dump(_doc(layouts_dir)))
    out = tmp_path / "n1.csv"
    argv = ["n1", str(path), "--components", "switchgear", "crahs", "--out", str(out)]
    assert main([*argv, "--raw-columns", "--no-progress"]) == 0
    text = capsys.readouterr().out
    (line,) = [ln for ln in text.splitlines() if ln.split()[1:2] == ["MSB"]]
    cells = line.split()
    assert "unbounded" in cells
    # the cooling loading column: after the worst element, before the shortfall
    assert cells[cells.index("GEN-1") + 1] == "unbounded"
    csv = pd.read_csv(out).set_index("contingency")
    assert math.isnan(csv.at["MSB", "max_cooling_loading_pct"])  # empty: no number
    assert NO_CAPACITY in csv.at["MSB", "notes"]
    assert csv.at["MSB", "worst_cooling_group"] == "crahs:ROOM"
