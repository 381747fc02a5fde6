"""Ride-through: closed forms (exponential warm-up, two-node Khankari decay, Peukert)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scenarios.layouts import NESTED, ONE_ROOM, twin_from_text

from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run, transient
from twin.solve.limit_crossing import first_crossing
from twin.solve.power import solve_power
from twin.solve.transient import (
    EQUIPMENT_CP_J_KGK,
    RACK_MASS_DEFAULT_KG,
    cooling_ride_through,
    integrate_node,
    node_temperature,
    peukert_autonomy_s,
    power_ride_through,
)
from twin.units import CP_AIR_J_KGK, RHO_AIR_KG_M3

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"


@pytest.fixture(scope="module")
def ai_hall() -> Twin:
    return Twin.load(LAYOUTS / "ai-factory-hall.yaml")


def test_single_node_matches_closed_form_exponential():
    c, p, q, ua = 5000.0, 300.0, 100.0, 4.0
    t, y = integrate_node(3600.0, c, p, q, ua_kw_k=ua, t_env_c=25.0, t0_c=22.0)
    t_inf = 25.0 + (p - q) / ua
    closed = t_inf + (22.0 - t_inf) * np.exp(-t * ua / c)
    assert np.allclose(y, closed, atol=1e-5)
    assert np.allclose(node_temperature(t, c, p, q, ua, 25.0, 22.0), closed)


def test_air_only_heating_rate_of_reference_6():
    """1 MW into 3000 m3 of air alone: 0.28 K/s [REFERENCE 6]."""
    c = RHO_AIR_KG_M3 * CP_AIR_J_KGK * 3000.0 / 1000.0
    rate = node_temperature(1.0, c, 1000.0, 0.0) - node_temperature(0.0, c, 1000.0, 0.0)
    assert rate == pytest.approx(0.28, abs=0.005)


def test_room_after_losing_its_only_crac_matches_two_node_closed_form():
    """Air + equipment with no cooling: T_a = T0 + P t/(Ca+Ce) + Ce D(t)/(Ca+Ce),
    D(t) = (P/Ca) tau (1 - exp(-t/tau)), 1/tau = G (1/Ca + 1/Ce): the heating
    rate starts at the air-only P/Ca and decays to P/(Ca+Ce) (Khankari)."""
    twin = twin_from_text(ONE_ROOM)
    base = run(twin)
    rt = cooling_ride_through(twin, Scenario.fail("C1"), t_end_s=600.0, base=base)
    node = rt.nodes.loc["air:H"]
    ca = RHO_AIR_KG_M3 * CP_AIR_J_KGK * 10.0 * 10.0 * 3.0 / 1000.0
    ce = RACK_MASS_DEFAULT_KG * EQUIPMENT_CP_J_KGK / 1000.0
    assert node["c_kj_k"] == pytest.approx(ca)
    assert rt.nodes.loc["equipment:H", "c_kj_k"] == pytest.approx(ce)
    # the failed CRAC's fan stops: its heat leaves the room's with it
    p = base["res_halls"].at["H", "q_air_kw"] - base["res_crahs"].at["C1", "fan_kw"]
    assert base["res_crahs"].at["C1", "fan_kw"] > 0
    g = ce / transient.EQUIPMENT_TAU_S
    tau = 1.0 / (g * (1.0 / ca + 1.0 / ce))
    ts = rt.timeseries
    air = ts[ts["component"] == "air:H"]
    t = air["time_s"].to_numpy()
    d = p / ca * tau * (1.0 - np.exp(-t / tau))
    closed = node["t0_c"] + p * t / (ca + ce) + ce * d / (ca + ce)
    # the closed form holds while the rack heats: once it trips its heat is off
    on = t <= rt.racks.at["K", "t_to_shutdown_s"]
    assert on.sum() > 10
    assert np.allclose(air["t_c"].to_numpy()[on], closed[on], atol=2e-3)
    # the rack reaches its A1 allowable (32 C) when its inlet rise uses up the margin
    rack = rt.racks.loc["K"]
    t_hit = rack["t_to_allowable_s"]
    margin = 32.0 - rack["t_inlet0_c"]
    rise = np.interp(t_hit, t, air["t_c"].to_numpy() - node["t0_c"])
    assert rise == pytest.approx(margin, abs=0.02)


def test_n_plus_1_room_settles_with_its_last_fan_working_harder():
    """Losing one of two CRACs: the other carries the room, its fan moving all the air at
    full speed (the steady solve's fan law: 2 x 0.79 kW at half speed become 6.33 kW), and
    the proportional control settles the room that extra heat over its gain above where it
    was (full capacity `CONTROL_DT_K` above the steady state), a few mK, no limit."""
    from twin.solve.transient_cooling import CONTROL_DT_K

    twin = twin_from_text(NESTED)
    base = run(twin)
    after = run(twin, Scenario.fail("C1"))
    rt = cooling_ride_through(twin, Scenario.fail("C1"), t_end_s=7200.0, base=base)
    assert np.isinf(rt.first_limit_s)
    node = rt.nodes.loc["air:H"]
    fans = after["res_crahs"]["fan_kw"].sum() - base["res_crahs"]["fan_kw"].sum()
    assert fans > 4.0
    assert node["equipment_after_kw"] - node["equipment0_kw"] == pytest.approx(fans, rel=1e-9)
    air = rt.timeseries[rt.timeseries["component"] == "air:H"]["t_c"].to_numpy()
    gain_kw_k = max(node["capacity0_kw"], node["q0_kw"]) / CONTROL_DT_K
    assert air[-1] - air[0] == pytest.approx(fans / gain_kw_k, rel=1e-4)  # settled


def test_peukert_autonomy_formula():
    # 60 kWh rated at 15 min (240 kW), k = 1.2, at 120 kW: 0.25 h x 2^1.2
    t = peukert_autonomy_s(120.0, 60.0, 0.25, 1.2)
    assert t == pytest.approx(0.25 * 2.0**1.2 * 3600.0)
    assert peukert_autonomy_s(240.0, 60.0, 0.25, 1.2) == pytest.approx(900.0)


def test_power_ride_through_against_the_formula_and_the_generator_gap():
    twin = twin_from_text(NESTED)
    pr = power_ride_through(twin)
    res = solve_power(twin)["res_power_nodes"]
    for uid in ("UA", "UB"):
        ups = twin.ups.loc[uid]
        load = res.at[uid, "p_out_kw"] + res.at[uid, "loss_kw"]
        h, k = ups["battery_rated_time_h"], ups["battery_peukert_k"]
        expect = h * (ups["battery_kwh"] / h / load) ** k * 3600.0
        assert pr.at[uid, "autonomy_s"] == pytest.approx(expect)
        assert pr.at[uid, "load_kw"] == pytest.approx(load)
    # UA sits behind S1's ATS to G1 (12 s start); UB only on U2: no generator, never bridged
    assert pr.at["UA", "generator"] == "G1" and pr.at["UA", "gap_s"] == 12.0
    assert bool(pr.at["UA", "bridged"])
    assert np.isinf(pr.at["UB", "gap_s"]) and not bool(pr.at["UB", "bridged"])
    # with UA failed, UB carries the racks' A share too: shorter autonomy
    pr2 = power_ride_through(twin, Scenario.fail("UA"))
    assert pr2.at["UB", "autonomy_s"] < pr.at["UB", "autonomy_s"]
    # a failed UPS is out of service and never "bridged" (its load is zero because it is out)
    assert not bool(pr2.at["UA", "in_service"]) and not bool(pr2.at["UA", "bridged"])
    assert bool(pr2.at["UB", "in_service"])


def test_utility_loss_waits_for_generator_and_chiller_restart(ai_hall):
    rt = cooling_ride_through(ai_hall, Scenario.fail("GRID"), t_end_s=600.0)
    nodes = rt.nodes
    assert (nodes.loc["H1-FWS", "restart_s"]) == pytest.approx(10.0 + 150.0)
    assert nodes.loc["air:H1", "restart_s"] == pytest.approx(10.0)
    ts = rt.timeseries
    air = ts[ts["component"] == "air:H1"].set_index("time_s")["t_c"]
    assert air.loc[:10.0].iloc[-1] > air.iloc[0]  # warms while the CRAHs wait
    assert air.iloc[-1] < air.max()  # and recovers once they run again


def test_the_state_before_keeps_the_scenarios_load(small_room):
    """At half load the room takes longer to reach its limit after losing a CRAC."""
    crahs = frozenset(small_room.crahs.index)  # all cooling lost
    full = cooling_ride_through(small_room, Scenario(failed=crahs), t_end_s=3600.0)
    half = Scenario(failed=crahs, load_scale={"*": 0.5})
    slow = cooling_ride_through(small_room, half, t_end_s=3600.0)
    assert slow.nodes.loc["air:ROOM", "p_kw"] < 0.6 * full.nodes.loc["air:ROOM", "p_kw"]
    assert slow.first_limit_s > full.first_limit_s


def test_limit_crossings_do_not_depend_on_the_sampling(layouts_dir):
    """The hybrid hall's air crosses its allowable ~9.4 s after the grid is lost; 13 samples
    150 s apart must find the same time as 3,601 samples 0.5 s apart (the solver's own steps
    are searched, not only the samples)."""
    twin = Twin.load(layouts_dir / "hybrid-inference.yaml")
    lost = Scenario(name="grid", failed=frozenset({"GRID"}))
    fine = transient.cooling_ride_through(twin, lost, t_end_s=1800.0, n_points=3601)
    coarse = transient.cooling_ride_through(twin, lost, t_end_s=1800.0, n_points=13)
    assert 5.0 < fine.first_limit_s < 20.0
    assert coarse.first_limit_s == pytest.approx(fine.first_limit_s, abs=0.2)
    a, b = fine.racks["t_to_allowable_s"], coarse.racks["t_to_allowable_s"]
    assert np.allclose(a, b, atol=0.2, equal_nan=True)


def test_first_crossing_equals_a_rack_by_rack_search():
    """The per-node vectorised search gives each rack the first time the running maximum of its
    node's rise reaches its margin, interpolated linearly, as a plain per-rack scan does."""
    rng = np.random.default_rng(7)
    times = np.sort(np.r_[0.0, rng.uniform(0, 100, 40)])
    rise = np.cumsum(rng.normal(0.1, 1.0, (4, len(times))), axis=1)
    node = rng.integers(0, 4, 300)
    margin = rng.normal(2.0, 3.0, 300)
    margin[::17] = np.nan
    mask = rng.random(300) < 0.8

    def scan(r):
        if not mask[r] or not np.isfinite(margin[r]):
            return np.inf
        env = np.maximum.accumulate(rise[node[r]])
        if margin[r] <= 0 or env[0] >= margin[r]:
            return 0.0
        for k in range(1, len(times)):
            if env[k] >= margin[r]:
                f = (margin[r] - env[k - 1]) / (env[k] - env[k - 1])
                return times[k - 1] + f * (times[k] - times[k - 1])
        return np.inf

    got = first_crossing(times, rise, node, margin, mask)
    assert np.allclose(got, [scan(r) for r in range(300)], rtol=0, atol=1e-9)


def test_ride_through_from_a_state_that_is_not_steady_is_refused_by_name(tmp_path):
    """Facility pumps piped backwards: no flow before any failure. The Python API (and so
    the Failures page) ended in 'ValueError: ... initial state y0 must be finite'."""
    from pathlib import Path

    from twin.errors import ScenarioError
    from twin.layout import load
    from twin.model import Twin
    from twin.model.scenario import Scenario
    from twin.solve.transient import cooling_ride_through

    root = Path(__file__).resolve().parents[2]
    text = (root / "layouts" / "ai-factory-hall.yaml").read_text()
    lines = [
        ln.replace("from: ret, to: sup", "from: sup, to: ret")
        if ln.lstrip().startswith("- {id: H1-FWS-P")
        else ln
        for ln in text.splitlines()
    ]
    path = tmp_path / "reversed.yaml"
    path.write_text("\n".join(lines) + "\n")
    twin = Twin.from_layout(load(path))
    with pytest.raises(ScenarioError, match=r"not a steady state \(.*no_flow: H1-FWS"):
        cooling_ride_through(twin, Scenario.fail("H1-CH1"))


def test_a_stopped_plant_leaves_the_heat_in_the_site_and_a_trip_takes_its_rack_s_off(tmp_path):
    """Utility lost, 60 s generators: until the chillers are back nothing takes heat out of
    the site, so the heat every node holds (sum of C dT over hall air, rack metal, TCS and
    water loops) is the heat put in, P t, less each tripped rack's heat from its trip on
    (closed form; the ride-through used to stop every curve at the first trip, past which
    it said nothing). The curves run to the horizon; the loops' water is REFERENCE 6's
    (2 m3 per MW of each loop's heat: 1 MW warms it by 0.12 K/s), one definition
    (`loop_water_kj_k`) for the ride-through and the timeline."""
    from twin.solve.transient import loop_water_kj_k

    path = tmp_path / "hall-gen60.yaml"
    path.write_text(
        (LAYOUTS / "ai-factory-hall.yaml").read_text().replace("start_s: 10.0", "start_s: 60.0")
    )
    twin = Twin.load(path)
    base = run(twin)
    rt = cooling_ride_through(twin, Scenario.fail("GRID"), t_end_s=600.0, base=base, n_points=1201)
    nodes = rt.nodes
    assert 1000.0 / float(loop_water_kj_k(1000.0)) == pytest.approx(0.12, abs=0.005)
    loops = nodes[nodes["kind"].isin(["tcs_coolant", "water_loop"])]
    assert np.allclose(loops["c_kj_k"], loop_water_kj_k(loops["q0_kw"]), rtol=1e-12)
    ts = rt.timeseries
    assert (ts.groupby(["component", "quantity"])["time_s"].max() == 600.0).all()
    piv = ts[ts["quantity"].isin(list(set(nodes["kind"])))].pivot(
        index="time_s", columns="component", values="t_c"
    )
    t = piv.index.to_numpy()
    held = ((piv - piv.iloc[0]) * nodes["c_kj_k"].reindex(piv.columns)).sum(axis=1).to_numpy()
    trip = rt.racks["t_to_shutdown_s"].to_numpy(float)
    assert 0 < np.isfinite(trip).sum() < len(trip)  # some racks trip, not all
    p_rack = base["res_racks"]["p_kw"].reindex(rt.racks.index).to_numpy(float)
    off = (p_rack[None, :] * np.maximum(t[:, None] - trip[None, :], 0.0)).sum(axis=1)
    racks_in = nodes["p_kw"].sum() * t - off
    plant_back = nodes.loc[nodes["kind"] == "water_loop", "restart_s"].min()
    before = (t > 0) & (t < plant_back)
    assert t[before].max() > trip[np.isfinite(trip)].max() + 60.0  # past every trip
    # the fans and pumps wait for the generator (60 s), then run as before: up to the first
    # trip the equipment puts in its heat right after the failure, then its heat before
    gen = nodes.loc["air:H1", "restart_s"]
    assert gen == pytest.approx(60.0)
    first = (t > 0) & (t <= np.nanmin(trip))
    assert t[first].max() > 30.0
    eq_in = nodes["equipment_after_kw"].sum() * np.minimum(t, gen) + nodes[
        "equipment0_kw"
    ].sum() * np.maximum(t - gen, 0.0)
    assert np.allclose(held[first], racks_in[first] + eq_in[first], rtol=1e-6)
    # past the trips the equipment's losses and fans fall with the racks: less than that
    assert (held[before] <= racks_in[before] + eq_in[before] + 1e-6 * held[before]).all()
    assert (held[before] >= racks_in[before]).all()
