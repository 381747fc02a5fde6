"""The fast N-1/N-2 power path equals a full AC re-solve of every contingency.

Tolerance (stated): 1e-6 kW on every element's p_kw, 1e-6 percentage points on
loading, 1e-9 pu on voltage; measured differences are ~1e-8 kW (the fast path
runs the same stage equations as the sweep on the changed entries only).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from scenarios.conftest import LAYOUTS
from scenarios.layouts import NESTED, twin_from_text
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios.fast_power import power_base, solve_batch
from twin.solve.power import solve_power

TOL_KW, TOL_PCT, TOL_PU = 1e-6, 1e-6, 1e-9


def _check(twin, sets):
    base = solve_power(twin)
    b = power_base(twin, base)
    flows = solve_batch(b, [b.m.pos[list(s)].to_numpy() for s in sets])
    worst = 0.0
    for k, s in enumerate(sets):
        ref = solve_power(twin, Scenario.fail(*s))
        rp, got = ref["res_power_nodes"], flows.column(k)
        assert (got["live"] == rp["live"]).all(), s
        dp = np.abs(got["p_kw"] - rp["p_kw"]).max()
        dl = np.abs(got["loading_pct"] - rp["loading_pct"]).max()
        dv = np.abs(got["vm_pu"].fillna(0) - ref["res_bus"]["vm_pu"].fillna(0)).max()
        # the cable ends too (a UPS's input behind its 1.0 pu output), and the lowest of all
        dv_in = np.abs(got["vm_in_pu"].fillna(0) - rp["vm_in_pu"].fillna(0)).max()
        dv_min = abs(flows.stats["min_vm_pu"][k] - ref.kpis["min_vm_pu"])
        assert dp < TOL_KW and dl < TOL_PCT and max(dv, dv_in, dv_min) < TOL_PU, (
            s, dp, dl, dv, dv_in, dv_min
        )  # fmt: skip
        fed = ref["res_racks"]["fed"].to_numpy()
        assert (flows.rack_fed(k) == fed).all(), s
        worst = max(worst, dp)
    return worst


@pytest.mark.parametrize("name", ["small-room", "ai-factory-hall", "hybrid-inference"])
def test_fast_n1_equals_full_resolve_on_reference_layouts(name):
    twin = Twin.load(LAYOUTS / f"{name}.yaml")
    _check(twin, [(i,) for i in twin.power_nodes.index])


def test_fast_n1_and_n2_equal_full_resolve_with_nested_transfers():
    """Two utilities, a generator ATS, a bus-tie ATS below it, eco UPS, single cords."""
    twin = twin_from_text(NESTED)
    ids = list(twin.power_nodes.index)
    _check(twin, [(i,) for i in ids] + list(combinations(ids, 2)))


def test_fast_path_on_top_of_a_maintenance_state():
    twin = twin_from_text(NESTED)
    base_sc = Scenario(maintenance=frozenset({"G1"}))
    base = solve_power(twin, base_sc)
    b = power_base(twin, base)
    sets = [("T1",), ("S2",), ("U2",)]
    flows = solve_batch(b, [b.m.pos[list(s)].to_numpy() for s in sets])
    for k, s in enumerate(sets):
        ref = solve_power(twin, Scenario(failed=frozenset(s), maintenance=frozenset({"G1"})))
        got = flows.column(k)
        assert (got["live"] == ref["res_power_nodes"]["live"]).all()
        assert np.abs(got["p_kw"] - ref["res_power_nodes"]["p_kw"]).max() < TOL_KW


def test_fast_n1_equals_full_resolve_on_a_generated_campus_sample():
    """Two buildings of the generated campus: a random sample of every element kind."""
    from twin.layout.generate import campus
    from twin.layout.validate import validate_data

    twin = Twin.from_layout(validate_data(campus(it_mw=60.0), "campus"))
    rng = np.random.default_rng(7)
    ids = twin.power_nodes.index.to_series()
    by_kind = ids.groupby(ids.map(twin.kind_of))
    sample = [
        i for _, g in by_kind for i in rng.choice(g.to_numpy(), min(4, len(g)), replace=False)
    ]
    assert _check(twin, [(i,) for i in sample]) < TOL_KW


def test_batches_from_many_threads_at_once():
    """App sessions run N-1 in threads: concurrent batches must neither crash nor mix."""
    from concurrent.futures import ThreadPoolExecutor

    twin = Twin.load(LAYOUTS / "ai-factory-hall.yaml")
    b = power_base(twin, solve_power(twin))
    sets = [np.array([i]) for i in range(b.m.n)]
    one = solve_batch(b, sets).stats["max_loading_pct"]
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(lambda _: solve_batch(b, sets).stats["max_loading_pct"], range(8)))
    for got in runs:
        assert np.array_equal(got, one)


def test_a_generator_over_its_kw_rating_is_the_worst_loading_and_an_overload():
    """NESTED with G1 shrunk to 150 kVA (120 kW at pf 0.8): losing U1 puts S1's load on G1,
    over its engine's kW and under its alternator's kVA. The kernel's per-contingency
    statistics (worst loading, worst element, overloads) equal the full solve's, and G1's
    loading is its kW one by hand (an audit found the N-1 row at 43.7 %, 0 overloads)."""
    twin = twin_from_text(
        NESTED.replace("rating_kva: 600.0, start_s", "rating_kva: 150.0, start_s")
    )
    sets = [("U1",), ("T1",), ("U1", "S2"), ("U2",), ("G1",)]
    b = power_base(twin, solve_power(twin))
    flows = solve_batch(b, [b.m.pos[list(s)].to_numpy() for s in sets])
    hit = 0
    for k, s in enumerate(sets):
        ref = solve_power(twin, Scenario.fail(*s))
        rp = ref["res_power_nodes"]
        g = rp.loc["G1"]
        kw_pct = g["p_kw"] / (150.0 * 0.8) * 100.0
        kva_pct = np.hypot(g["p_kw"], g["q_kvar"]) / 150.0 * 100.0
        assert g["loading_pct"] == pytest.approx(max(kw_pct, kva_pct), rel=1e-12, abs=1e-12)
        got = flows.column(k)
        assert abs(got.at["G1", "loading_pct"] - g["loading_pct"]) < TOL_PCT, s
        assert flows.stats["max_loading_pct"][k] == pytest.approx(
            ref.kpis["max_loading_pct"], abs=TOL_PCT
        ), s
        assert (
            b.m.ids[flows.stats["worst"][k]]
            == rp["loading_pct"][rp["kind"] != "utilities"].idxmax()
        )
        assert flows.stats["overloads"][k] == (rp["loading_pct"] > 100.0).sum(), s
        if kw_pct > 100.0:
            hit += 1
            assert b.m.ids[flows.stats["worst"][k]] == "G1"
            units = ref.violations.set_index("component").loc[["G1"], "unit"]
            assert "kW" in list(units)  # the full solve says so too
            assert (kva_pct < 100.0) == ("%" not in list(units))
    assert hit == 3  # U1, T1 (125 kW: 104 % of 120 kW, 83 % of 150 kVA), U1+S2 (227 kW)


def test_fast_n1_reports_the_ups_input_behind_a_long_feeder():
    """NESTED with its double-conversion UPS 700 m from its board: the lowest voltage of a
    contingency is often that UPS's input (its output holds 1.0 pu), in the base and after
    transfers. The kernel's
    min_vm_pu equals the full solve's, which counts those cable ends (it did not: an audit
    found a UPS input at 0.92 pu reported nowhere)."""
    twin = twin_from_text(_long_ups_feeders(NESTED))
    ids = list(twin.power_nodes.index)
    sets = [(i,) for i in ids] + list(combinations(ids, 2))
    _check(twin, sets)
    b = power_base(twin, solve_power(twin))
    flows = solve_batch(b, [b.m.pos[list(s)].to_numpy() for s in sets])
    at_ups = 0
    for k, s in enumerate(sets):
        ref = solve_power(twin, Scenario.fail(*s))
        vm_in = ref["res_power_nodes"]["vm_in_pu"]
        ups = vm_in[ref["res_power_nodes"]["kind"] == "ups"]
        assert abs(flows.stats["min_vm_pu"][k] - ref.kpis["min_vm_pu"]) < TOL_PU, s
        if len(ups.dropna()) and ups.min() == ref.kpis["min_vm_pu"]:
            at_ups += 1
            assert ups.min() < ref["res_bus"]["vm_pu"].min()  # hidden from the buses
    assert at_ups > len(sets) // 2


def _long_ups_feeders(text: str) -> str:
    """NESTED with its double-conversion UPS (UA) 700 m from its board."""
    ua = "{id: UA, upstream: S3, rating_kva: 400.0, cable_length_m: 20.0,"
    assert text.count(ua) == 1
    return text.replace(ua, ua.replace("20.0", "700.0"))
