"""Economics: hand-checked tokens per MW and cost per token; what-ifs move the right way; grid cap holds."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from twin.errors import LayoutError
from twin.layout import generate, loads, validate_data
from twin.layout.schema import BUILTIN_ACCELERATORS
from twin.metrics import whatif
from twin.metrics.catalogue import catalogue, throughput_fraction
from twin.metrics.economics import economics, rack_tokens
from twin.model import Scenario, Twin
from twin.solve import Results, run

GPU_TOK, GPU_KW = 865_000.0, 132.0
NPU_TOK, NPU_KW = 200_000.0, 25.0


def tiny_doc() -> dict:
    """One hall: a row of 16 NVL72 racks and a row of 16 NPU racks."""
    return generate.site("tiny", [generate.HallSpec("T", [("nvl72", 1), ("npu-inference", 1)])])


@pytest.fixture(scope="module")
def tiny() -> Twin:
    return Twin.from_layout(validate_data(tiny_doc(), "tiny.yaml"))


def hand_results(twin: Twin, facility_kw: float) -> Results:
    p = twin.racks["power_kw"]
    rr = pd.DataFrame({"p_kw": p, "fed": True}, index=twin.racks.index)
    return Results(tables={"res_racks": rr}, kpis={"it_kw": p.sum(), "facility_kw": facility_kw})


def test_tokens_per_mw_and_cost_per_token_match_a_hand_calculation(tiny):
    it_kw = 16 * GPU_KW + 16 * NPU_KW
    facility_kw = 1.25 * it_kw
    e = economics(tiny, hand_results(tiny, facility_kw))
    tokens = 16 * GPU_TOK + 16 * NPU_TOK
    assert e["tokens_s"] == pytest.approx(tokens)
    assert e["tokens_s_per_mw_it"] == pytest.approx(tokens / (it_kw / 1000))
    assert e["tokens_s_per_mw_facility"] == pytest.approx(tokens / (facility_kw / 1000))
    assert e["pue"] == pytest.approx(1.25)
    assert e["j_per_token_facility"] == pytest.approx(facility_kw * 1000 / tokens)
    p = tiny.layout.economics
    cost = (
        16 * 3_000_000 / 5
        + 16 * 600_000 / 5
        + p.facility_capex_usd_per_kw * it_kw / p.depreciation_years
        + p.opex_usd_per_kw_year * it_kw
        + facility_kw * 8760 * p.energy_price_usd_per_kwh
    )
    assert e["cost_usd_per_year"] == pytest.approx(cost)
    assert e["usd_per_mtok"] == pytest.approx(cost / (tokens * 3600 * 8760) * 1e6)


def test_annual_pue_prices_the_energy(tiny):
    it_kw = 16 * GPU_KW + 16 * NPU_KW
    res = hand_results(tiny, 1.25 * it_kw)
    e = economics(tiny, res, annual_pue=1.1)
    price = tiny.layout.economics.energy_price_usd_per_kwh
    assert e["energy_usd_per_year"] == pytest.approx(it_kw * 1.1 * 8760 * price)
    assert e["usd_per_mtok"] < economics(tiny, res)["usd_per_mtok"]


def test_real_solve_path_uses_the_solved_facility_power(tiny):
    res = run(tiny, Scenario())
    e = economics(tiny, res)
    assert e["facility_kw"] == pytest.approx(res.kpis["facility_kw"])
    assert e["facility_kw"] > e["it_kw"] > 0
    assert e["tokens_s_per_mw_facility"] == pytest.approx(e["tokens_s"] * 1000 / e["facility_kw"])
    assert e["tokens_s_per_mw_facility"] < e["tokens_s_per_mw_it"]


def test_unfed_or_failed_racks_make_no_tokens(tiny):
    rack = tiny.racks.index[0]
    e0 = economics(tiny, run(tiny, Scenario()))
    e1 = economics(tiny, run(tiny, Scenario.fail(rack)))
    assert e1["tokens_s"] == pytest.approx(e0["tokens_s"] - GPU_TOK)


def test_power_curve_law_and_points():
    acc = catalogue()["gb200-nvl72"]
    assert throughput_fraction(acc, 1.0) == pytest.approx(1.0)
    assert throughput_fraction(acc, acc.idle_fraction) == pytest.approx(0.0)
    s = 0.7
    want = ((s - acc.idle_fraction) / (1 - acc.idle_fraction)) ** acc.throughput_exponent
    assert throughput_fraction(acc, s) == pytest.approx(want)
    pts = acc.model_copy(update={"curve": [(0.2, 0.0), (0.6, 0.8), (1.0, 1.0)]})
    assert throughput_fraction(pts, 0.8) == pytest.approx(0.9)


def test_layout_catalogue_overrides_builtin_and_scales_with_rack_power():
    doc = tiny_doc()
    doc["accelerators"] = {
        "gb200-nvl72": {**BUILTIN_ACCELERATORS["gb200-nvl72"], "throughput_tokens_s": 1e6}
    }
    # half the rated 132 kW: half the accelerators (a new profile dict: nothing shared is changed)
    doc["profiles"]["nvl72"] = {**doc["profiles"]["nvl72"], "power_kw": 66.0}
    t = Twin.from_layout(validate_data(doc, "x.yaml"))
    r = rack_tokens(t, hand_results(t, 1.0))
    gpu = r[r["accelerator"] == "gb200-nvl72"]
    assert gpu["tokens_s"].iloc[0] == pytest.approx(0.5e6)
    assert gpu["capex_usd"].iloc[0] == pytest.approx(1.5e6)


# ------------------------------------------------------------------ what-ifs


def test_more_npu_share_moves_numbers_the_right_way(tiny):
    df = whatif.sweep_mix(tiny, [0.0, 0.5, 1.0])
    assert list(df["npu_racks"]) == [16, 24, 32]
    assert df["it_kw"].is_monotonic_decreasing and df["facility_kw"].is_monotonic_decreasing
    assert df["tokens_s"].is_monotonic_decreasing  # an NPU rack makes fewer tokens than an NVL72
    gpu_per_mw, npu_per_mw = GPU_TOK / GPU_KW, NPU_TOK / NPU_KW
    assert npu_per_mw > gpu_per_mw
    assert df["tokens_s_per_mw_it"].is_monotonic_increasing
    assert df["j_per_token_it"].is_monotonic_decreasing


def test_power_budget_keeps_it_power_and_adds_npu_tokens(tiny):
    df = whatif.sweep_mix(tiny, [0.0, 1.0], budget="power")
    assert df["it_kw"].iloc[1] == pytest.approx(df["it_kw"].iloc[0], rel=1e-9)
    assert df["tokens_s"].iloc[1] > df["tokens_s"].iloc[0]


def test_npu_share_spreads_over_halls_and_is_identity_at_zero():
    doc = generate.site(
        "two halls",
        [generate.HallSpec("A", [("nvl72", 2)]), generate.HallSpec("B", [("nvl72", 2)])],
    )
    t = Twin.from_layout(validate_data(doc, "x.yaml"))
    assert whatif.with_npu_share(t, 0.0) is t
    t2 = whatif.with_npu_share(t, 0.25)
    npu = t2.racks[t2.racks["accelerator"] == "rbln-atom-rack"]
    assert npu.groupby("hall").size().to_dict() == {"A": 8, "B": 8}
    assert npu["power_kw"].eq(25.0).all() and npu["liquid_loop"].isna().all()
    with pytest.raises(ValueError):
        whatif.with_npu_share(t, 1.5)


def test_lower_power_cap_moves_numbers_the_right_way(tiny):
    df = whatif.sweep_cap(tiny, [132.0, 110.0, 90.0, 70.0])
    assert df["tokens_s"].is_monotonic_decreasing
    assert df["it_kw"].is_monotonic_decreasing and df["facility_kw"].is_monotonic_decreasing
    # above the most efficient point (s = idle / (1 - alpha) = 0.5) capping saves energy per token
    assert df["j_per_token_it"].is_monotonic_decreasing
    assert df["usd_per_mtok"].is_monotonic_increasing  # capex is paid whatever the cap
    assert df["tokens_s"].iloc[-1] > 0


@pytest.mark.parametrize("grid_fraction", [0.5, 0.8, 0.95, 1.5])
def test_grid_cap_optimum_never_exceeds_the_grid(tiny, grid_fraction):
    full = whatif.evaluate(tiny)
    t = whatif.with_grid_mw(tiny, full["facility_kw"] * grid_fraction / 1000)
    best, curve = whatif.best_cap_under_grid(t, n_curve=6)
    grid_kw = t.layout.site.grid_mw * 1000
    assert best["feasible"] and best["facility_kw"] <= grid_kw
    assert (curve["facility_kw"] <= grid_kw).eq(curve["within_grid"]).all()
    assert not (curve["feasible"] & ~curve["within_grid"]).any()
    assert best["tokens_s"] == pytest.approx(curve.loc[curve["feasible"], "tokens_s"].max())
    if grid_fraction >= 1:
        assert best["cap_kw"] is None and best["tokens_s"] == pytest.approx(full["tokens_s"])
    else:  # binding: the optimum uses (nearly) all of the grid
        assert best["facility_kw"] >= 0.97 * grid_kw


def test_grid_too_small_for_even_idle_losses_is_reported_infeasible(tiny):
    t = whatif.with_grid_mw(tiny, 0.001)
    best, _ = whatif.best_cap_under_grid(t)
    assert not best["feasible"] and best["tokens_s"] == 0


def test_mix_optimum_under_the_grid(tiny):
    full = whatif.evaluate(tiny)
    t = whatif.with_grid_mw(tiny, full["facility_kw"] * 0.6 / 1000)
    best, table = whatif.best_mix_under_grid(t, [0.0, 0.5, 1.0])
    assert len(table) == 3 and (table["facility_kw"] <= t.layout.site.grid_mw * 1000).all()
    assert best["facility_kw"] <= t.layout.site.grid_mw * 1000
    assert best["tokens_s"] == pytest.approx(table["tokens_s"].max())


# ------------------------------------------------------------- bad catalogue

HEAD = """format_version: 1
site: {name: s, grid_mw: 1}
halls:
  - id: H
    size_m: [20, 10]
    rows: [{id: R, origin_m: [1, 2]}]
    racks:
      - {id: K1, row: R, slot: 0, power_kw: 10, feed_a: P, accelerator: ACC}
power:
  utilities: [{id: U, voltage_kv: 22.9, capacity_mva: 5}]
  transformers: [{id: T, upstream: U, rating_kva: 1000, v_primary_kv: 22.9, v_secondary_kv: 0.415}]
  pdus: [{id: P, upstream: T, rating_kva: 500}]
cooling:
  crahs: [{id: C, hall: H, type: crac, capacity_kw: 50, airflow_m3_s: 3, fan_kw: 2}]
"""

GOOD = "{model: m, throughput_tokens_s: 1000, source: 'test'}"


@pytest.mark.parametrize(
    ("entry", "where", "words"),
    [
        ("{model: m, throughput_tokens_s: 1000}", "accelerators.x", "source"),
        ("{model: m, throughput_tokens_s: -5, source: s}", "throughput_tokens_s", "greater"),
        (
            "{model: m, throughput_tokens_s: 5, source: s, idle_fraction: 1}",
            "idle_fraction",
            "less",
        ),
        ("{model: m, throughput_tokens_s: 5, source: s, tokens: 3}", "tokens", "unknown key"),
        (
            "{model: m, throughput_tokens_s: 5, source: s, curve: [[0.5, 1], [1, 0.5]]}",
            "x",
            "curve",
        ),
        ("{model: m, throughput_tokens_s: 5, source: s, capex_usd: .nan}", "capex_usd", "finite"),
    ],
)
def test_bad_catalogue_entry_is_a_located_layout_error(entry, where, words):
    text = HEAD.replace("ACC", "x") + f"accelerators:\n  x: {entry}\n"
    with pytest.raises(LayoutError) as exc:
        loads(text, "bad.yaml")
    p = exc.value.problems[0]
    assert where in p.path and words in p.message.lower()
    assert p.line == text.count("\n")


def test_rack_with_an_unknown_accelerator_is_a_located_layout_error():
    text = HEAD.replace("ACC", "gb200-nvl27") + f"accelerators:\n  x: {GOOD}\n"
    with pytest.raises(LayoutError) as exc:
        loads(text, "bad.yaml")
    (p,) = exc.value.problems
    assert p.path == "halls[0].racks[0].accelerator" and p.line == 8
    assert "gb200-nvl72" in p.message  # the suggestion


def test_a_good_user_entry_validates_and_is_used():
    layout = loads(HEAD.replace("ACC", "x") + f"accelerators:\n  x: {GOOD}\n", "ok.yaml")
    t = Twin.from_layout(layout)
    e = economics(t, run(t, Scenario()))
    assert e["tokens_s"] == pytest.approx(1000) and not math.isnan(e["tokens_s_per_mw_it"])


def test_strict_optimum_refuses_points_that_overheat_racks(tiny):
    """Power budget: NPU racks at GPU power, all to air, overload the CRAHs; strict mode refuses that."""
    t = whatif.with_grid_mw(tiny, 100.0)  # the grid does not bind
    loose, table = whatif.best_mix_under_grid(t, [0.0, 1.0], budget="power", strict=False)
    strict, _ = whatif.best_mix_under_grid(t, [0.0, 1.0], budget="power")
    assert table["blocking_violations"].iloc[1] > 0
    assert loose["npu_share"] == 1.0 and strict["npu_share"] == 0.0
    assert strict["blocking_violations"] == 0 and strict["tokens_s"] < loose["tokens_s"]
