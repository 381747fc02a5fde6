"""Sweeps: ranking, N-2, fast vs brute force (coupled run), compare, scenario outcome."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scenarios.layouts import NESTED, twin_from_text
from twin.errors import ScenarioError
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios import brute_force, compare, contingencies, n1, n2, solve_scenario, sweep
from twin.scenarios.sweep import RANK_BY, SWEEP_COLUMNS
from twin.solve import run

COUPLED_LOADING_TOL_PCT = 1.0
"""Fast power numbers keep the base cooling power on the chain; the coupled re-solve
re-balances it (fans, pumps, chillers follow the changed losses): < 1 %-point seen."""


def test_n1_ranks_every_component(small_room):
    table = n1(small_room)
    assert list(table.columns) == ["rank", *SWEEP_COLUMNS]
    assert set(table["contingency"]) == set(contingencies(small_room))
    assert table["rank"].tolist() == list(range(1, len(table) + 1))
    # most severe first: the single UPS and its switchboard lose all IT
    assert set(table["contingency"].head(2)) == {"UPS-1", "MSB"}
    assert table["it_lost_kw"].iloc[0] == pytest.approx(small_room.it_kw)
    key = table[RANK_BY].fillna(-np.inf).to_numpy()
    assert all(tuple(key[i]) >= tuple(key[i + 1]) for i in range(len(key) - 1))


def test_kinds_filter_and_errors(small_room):
    assert set(contingencies(small_room, ["ups"])) == {"UPS-1"}
    assert set(contingencies(small_room, ["cooling"])) == set(small_room.crahs.index)
    with pytest.raises(ScenarioError, match="unknown component kind"):
        contingencies(small_room, ["widgets"])
    with pytest.raises(ScenarioError, match="NOPE"):
        sweep(small_room, [("NOPE",)])


def test_fast_equals_brute_force_on_power_contingencies(ai_hall):
    sets = [(i,) for i in contingencies(ai_hall, ["power"])]
    fast, full = sweep(ai_hall, sets, verify=False), brute_force(ai_hall, sets)
    assert (fast["it_lost_kw"] == full["it_lost_kw"]).all()
    assert (fast["racks_lost"] == full["racks_lost"]).all()
    # where cooling copes, loadings agree; where a board failure leaves cooling short the
    # coupled physics is nonlinear (overloaded units), and both must flag the same racks
    copes = fast["cooling_shortfall_kw"] == 0
    assert (fast["racks_at_risk"] == full["racks_at_risk"]).all()
    assert (~copes).sum() <= 2  # the hall's two mechanical boards
    d = (fast["max_loading_pct"] - full["max_loading_pct"])[copes].abs().max()
    assert d < COUPLED_LOADING_TOL_PCT


def test_a_failure_that_leaves_nothing_loaded_names_no_worst_element(small_room):
    """Losing the small room's switchboard MSB leaves every element at 0 %: the fast screen
    and the full solve both named GEN-1, idle, as its worst loaded element."""
    sets = [("MSB",), ("PDU-1",)]
    for t in (sweep(small_room, sets, verify=False), brute_force(small_room, sets)):
        t = t.set_index("contingency")
        assert t.at["MSB", "max_loading_pct"] == pytest.approx(0.0, abs=1e-12)  # round-off
        assert t.at["MSB", "worst_element"] == ""
        assert t.at["PDU-1", "max_loading_pct"] > 0 and t.at["PDU-1", "worst_element"] == "PDU-2"


def test_fast_equals_brute_force_exactly_without_cooling_on_the_chain():
    twin = twin_from_text(NESTED)  # CRACs draw off the modelled chain
    sets = [(i,) for i in contingencies(twin, ["power"])]
    fast, full = sweep(twin, sets, verify=False), brute_force(twin, sets)
    for col in ("it_lost_kw", "racks_lost", "overloads"):
        assert (fast[col] == full[col]).all(), col
    assert np.allclose(fast["max_loading_pct"], full["max_loading_pct"], atol=1e-6, rtol=0)
    assert np.allclose(fast["min_vm_pu"], full["min_vm_pu"], atol=1e-9, rtol=0)
    assert (fast["worst_element"] == full["worst_element"]).all()


@pytest.mark.parametrize("fixture", ["small_room_kernel", "ai_hall"])
def test_fast_cooling_equals_brute_force(fixture, request):
    """Peers pick up a failed unit's duty: same racks out, same hottest inlet; the
    electric draw moves to the peers' feeds (loading within the coupled tolerance). The small
    room on the kernel: on its FFD field a unit's failure is marched again, which the screen
    leaves to the full solve; the AI hall's is not (its own march is uncertain past 0.5 K)."""
    twin = request.getfixturevalue(fixture)
    sets = [(i,) for i in contingencies(twin, ["crahs", "cdus", "chillers"])]
    fast, full = sweep(twin, sets, verify=False), brute_force(twin, sets)
    assert (fast["racks_at_risk"] == full["racks_at_risk"]).all()
    d = (fast["max_loading_pct"] - full["max_loading_pct"]).abs().max()
    assert d < COUPLED_LOADING_TOL_PCT
    air = fast["kinds"] == "crahs"
    assert np.allclose(fast.loc[air, "t_inlet_max_c"], full.loc[air, "t_inlet_max_c"], atol=1e-6)


def test_unpowered_cooling_matches_brute_force(single_fed_hall):
    """Losing a mechanical board stops the units it feeds (half the hall's, split 2:1 in
    each N+1 group); a lost mechanical transformer transfers through the board's ATS. The
    racks the screen puts at risk are those the full solve loses to heat or keeps at risk."""
    sets = [("H1-MCC-A",), ("H1-MCC-B",), ("H1-MTX-A", "H1-MTX-B"), ("H1-MTX-A",)]
    fast, full = sweep(single_fed_hall, sets, verify=False), brute_force(single_fed_hall, sets)
    assert (fast["racks_at_risk"] == full["racks_at_risk"] + full["racks_lost"]).all()
    assert (fast["racks_at_risk"].iloc[:3] > 0).all()
    assert fast["racks_at_risk"].iloc[3] == 0 and fast["cooling_units_out"].iloc[3] == 0


def test_n2_pairs():
    twin = twin_from_text(NESTED)
    table = n2(twin, ["T1", "G1", "S2"])
    assert len(table) == 3
    lost = dict(zip(table["contingency"], table["it_lost_kw"], strict=True))
    assert lost["T1+S2"] == lost["G1+S2"] == 20.0  # K05 hangs on PB <- UB <- S2 only
    assert lost["T1+G1"] == 0.0  # S1 dead, S3 transfers to S2: everything stays fed
    assert table["contingency"].iloc[-1] == "T1+G1"
    full = brute_force(twin, [tuple(c.split("+")) for c in table["contingency"]])
    assert (table["it_lost_kw"].to_numpy() == full["it_lost_kw"].to_numpy()).all()


def test_solve_scenario_and_compare(small_room):
    out = solve_scenario(small_room, Scenario.fail("UPS-1"))
    assert out.it_lost_kw == pytest.approx(small_room.it_kw)
    assert len(out.racks_lost) == len(small_room.racks)
    assert (out.violations["kind"] == "unfed").sum() == len(small_room.racks)
    d = out.diff
    row = d[
        (d["table"] == "res_power_nodes") & (d["component"] == "UPS-1") & (d["quantity"] == "live")
    ]
    assert row["a"].item() == 1.0 and row["b"].item() == 0.0
    assert ((d["table"] == "violations") & (d["quantity"] == "unfed")).sum() == len(
        small_room.racks
    )
    s = out.summary()
    assert s["racks_lost"] == len(small_room.racks)
    assert s["violations_unfed"] == len(small_room.racks)
    with pytest.raises(ScenarioError):
        solve_scenario(small_room, Scenario.fail("NOPE"))


def test_compare_same_run_is_empty(small_room):
    a = run(small_room)
    assert compare(a, a).empty
    b = run(small_room, Scenario.fail("PDU-1"))
    c = compare(a, b)
    assert isinstance(c, pd.DataFrame) and len(c)
    pdu2 = c[(c["component"] == "PDU-2") & (c["quantity"] == "loading_pct")]
    assert pdu2["b"].item() > 2 * pdu2["a"].item() * 0.95


def test_load_scaled_base_scenario(small_room):
    """N-1 on top of a half-load state: IT lost counts the scaled demand, as the re-solve does."""
    half = Scenario(name="half", load_scale={"*": 0.5})
    sets = [("UPS-1",), ("PDU-1",)]
    fast = sweep(small_room, sets, scenario=half, verify=False)
    full = brute_force(small_room, sets, scenario=half)
    assert fast.at[0, "it_lost_kw"] == pytest.approx(small_room.it_kw / 2)
    assert np.allclose(fast["it_lost_kw"], full["it_lost_kw"])
    assert np.allclose(
        fast["max_loading_pct"], full["max_loading_pct"], atol=COUPLED_LOADING_TOL_PCT
    )


def test_unpowered_hall_does_not_uncool_its_neighbours():
    from scenarios.layouts import twin_from_doc
    from twin.layout import generate

    halls = [generate.HallSpec(h, [("nvl72", 2)], condenser="tower") for h in ("H1", "H2")]
    twin = twin_from_doc(generate.site("two halls", halls))
    both_boards = [("H1-MCC-A", "H1-MCC-B")]
    fast = sweep(twin, both_boards, verify=False)
    full = brute_force(twin, both_boards)
    h1 = twin.racks["hall"] == "H1"
    assert fast.at[0, "racks_at_risk"] == h1.sum()
    # the full solve: H1's racks trip on heat, H2's run on
    assert full.at[0, "racks_lost"] == h1.sum() and full.at[0, "racks_at_risk"] == 0
    assert full.at[0, "it_lost_kw"] == pytest.approx(twin.racks.loc[h1, "power_kw"].sum())


def test_a_pump_whose_partner_cannot_carry_the_loop_puts_its_racks_at_risk(ai_hall):
    """The reference hall's facility pumps weakened to 280 kPa: the one left at full speed
    moves 0.3162 m3/s in its pipe network where the loop's heat needs 0.3236 at its design
    rise (its rated 0.38 m3/s is not what the network lets it move; 300 kPa moved 0.3190
    until the chiller branches were sized on their chillers' design flow, 0.3236 since).
    The screen (`pump_n1`) and the full solve both put every rack on the loop at risk; the
    screen used to read the rated flow (84 %) and say none. At today's 400 kPa the one left
    carries the loop: neither puts a rack at risk, and the screen is not below the solve."""
    sets = [("H1-FWS-P1",)]
    fast, full = sweep(ai_hall, sets, verify=False), brute_force(ai_hall, sets)
    assert full.at[0, "racks_at_risk"] == fast.at[0, "racks_at_risk"] == 0
    assert full.at[0, "max_cooling_loading_pct"] <= fast.at[0, "max_cooling_loading_pct"] < 100
    weak = Twin.from_layout(ai_hall.layout)
    weak.pumps["head_kpa"] = 280.0
    fast, full = sweep(weak, sets, verify=False), brute_force(weak, sets)
    assert fast.at[0, "max_cooling_loading_pct"] > 100.0  # flagged: re-solved in full
    assert full.at[0, "max_cooling_loading_pct"] == pytest.approx(0.3236 / 0.3162 * 100, abs=0.2)
    assert full.at[0, "racks_at_risk"] == fast.at[0, "racks_at_risk"] == len(ai_hall.racks)


def test_coupled_run_flags_the_lost_loop_pump(ai_hall):
    full = brute_force(ai_hall, [("H1-FWS-P1", "H1-FWS-P2")])  # both of the N+1 pumps
    assert full.at[0, "racks_lost"] == len(ai_hall.racks)  # no water moves: all trip on heat
    assert full.at[0, "it_lost_kw"] == pytest.approx(ai_hall.it_kw)


def test_fast_equals_brute_force_on_every_small_room_contingency(small_room):
    """Lost racks stop heating: their cooling draws less and they are not 'at risk'."""
    sets = [(i,) for i in contingencies(small_room)]
    fast, full = sweep(small_room, sets, verify=False), brute_force(small_room, sets)
    for col in ("it_lost_kw", "racks_lost", "racks_at_risk"):
        assert (fast[col] == full[col]).all(), col
    d = (fast["max_loading_pct"] - full["max_loading_pct"]).abs().max()
    assert d < COUPLED_LOADING_TOL_PCT


def test_overloaded_dx_units_match_brute_force(small_room_kernel):
    """CRACs sized so that losing one leaves the other two short: a DX compressor cannot
    move more than its capacity, so the room has no steady state in both answers (on the
    kernel, where the screen answers a unit's failure itself)."""
    twin = Twin.from_layout(small_room_kernel.layout)
    twin.crahs["capacity_kw"] = 90.0  # 3 x 90 kW for ~190 kW: N+1 lost on any failure
    sets = [(i,) for i in twin.crahs.index]
    fast, full = sweep(twin, sets, verify=False), brute_force(twin, sets)
    assert (fast["racks_at_risk"] == full["racks_at_risk"]).all()
    assert np.isinf(full["t_inlet_max_c"]).all(), full["t_inlet_max_c"]
    assert np.isinf(fast["t_inlet_max_c"]).all(), fast["t_inlet_max_c"]
