"""A cap holds at every instant: each step is the mean of the capped power, so the same
cap gives the same energy at 1 h and at 1 s steps (hourly runs capped the step's mean:
a 0.8 cap on a training hall swinging 1.0/0.7 kept 0.8 instead of 0.75, +8.8 % IT)."""

from __future__ import annotations

import numpy as np
import pytest

from twin.model import Twin
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.scenarios.timeline_capmean import capped_fraction, swing_mean_capped
from twin.scenarios.workloads import Pattern
from twin.solve.timeline_response import fit_response

HALL = "layouts/ai-factory-hall.yaml"
HYBRID = "layouts/hybrid-inference.yaml"


@pytest.fixture(autouse=True)
def _repo_root(monkeypatch, layouts_dir):
    monkeypatch.chdir(layouts_dir.parent)


@pytest.mark.parametrize("shape", ["square", "sine"])
@pytest.mark.parametrize("cap", [0.5, 0.75, 0.8, 0.85, 0.95, 1.0])
def test_swing_mean_capped_against_a_fine_sum(shape, cap):
    p = Pattern(shape=shape)
    t = (np.arange(200_000) + 0.5) / 200_000 * p.period_s  # midpoints over one period
    hi, lo = 1.0, 1.0 - p.swing
    if shape == "square":
        x = np.where(t < p.period_s / 2, hi, lo)
    else:
        x = (hi + lo) / 2 + p.swing / 2 * np.sin(2 * np.pi * t / p.period_s)
    assert swing_mean_capped(p, cap) == pytest.approx(np.minimum(x, cap).mean(), abs=1e-9)


def test_capped_fraction_at_1_h_equals_the_1_s_steps_averaged():
    """Square swing with checkpoint dips: 1 s steps resolve every instant (whole half
    periods, whole dip seconds), so their hourly averages are the exact capped means."""
    p = Pattern(kind="training")
    fine = capped_fraction(p, np.arange(2 * 3600.0), 1.0, 0.8).reshape(2, 3600).mean(axis=1)
    coarse = capped_fraction(p, np.array([0.0, 3600.0]), 3600.0, 0.8)
    assert coarse == pytest.approx(fine, rel=1e-12)
    # and it is not the cap of the mean (0.8 of the hour outside the dip)
    assert coarse[0] < 0.78


def test_a_capped_hall_draws_the_same_energy_at_any_step():
    twin = Twin.load(HALL)
    resp = fit_response(twin, None)
    it = {}
    for dt in (3600.0, 60.0, 1.0):
        spec = TimelineSpec(hours=2, dt_s=dt, workload="training", cap={"*": 0.8}, weather=False)
        it[dt] = simulate(twin, spec, response=resp).kpis["it_mwh"]
    assert it[3600.0] == pytest.approx(it[1.0], rel=1e-9)
    assert it[60.0] == pytest.approx(it[1.0], rel=1e-9)


def test_a_tenant_cap_draws_the_same_energy_at_any_step():
    twin = Twin.load(HYBRID)
    resp = fit_response(twin, None)
    mwh = {}
    for dt in (3600.0, 1.0):
        spec = TimelineSpec(hours=2, dt_s=dt, workload="training",
                            tenant_cap={"gpu-cloud": 0.8}, weather=False)  # fmt: skip
        t = simulate(twin, spec, response=resp).tenants
        mwh[dt] = t["it_mwh"]
    assert mwh[3600.0].to_numpy() == pytest.approx(mwh[1.0].to_numpy(), rel=1e-9)


def test_a_capped_trace_is_capped_at_every_row(tmp_path):
    f = tmp_path / "t.csv"
    rows = [f"{i * 5},{1.0 if i % 2 == 0 else 0.7}" for i in range(2 * 720)]
    f.write_text("time_s,fraction\n" + "\n".join(rows) + "\n")
    twin = Twin.load("layouts/small-room.yaml")
    design = float(twin.racks["power_kw"].sum())
    resp = fit_response(twin, None)
    spec = TimelineSpec(hours=2, trace=str(f), cap={"*": 0.8}, weather=False)
    tl = simulate(twin, spec, response=resp)
    assert tl.steps["it_kw"].to_numpy() == pytest.approx(0.75 * design, rel=1e-12)


@pytest.mark.parametrize("cap", [{}, {"*": 0.8}])
def test_tokens_the_same_at_every_step(cap):
    """Throughput is concave in power (~ power^0.5 above idle), so tokens at a step's mean
    power overstate a swinging step: the AI hall's training day made 0.8 % more tokens at
    60 s steps and 1.7 % more at 1 h than at 1 s (6.2651e12 and 6.3184e12 against
    6.2156e12). Each step's tokens are now the mean over its swing (square: top and bottom
    half the time each, dips apart): 2 h of training, capped or not, at 1 s, 10 s, 60 s
    and 1 h steps alike to 1e-6."""
    twin = Twin.load(HALL)
    resp = fit_response(twin)
    runs = {}
    for dt in (1.0, 10.0, 60.0, 3600.0):
        spec = TimelineSpec(hours=2, dt_s=dt, workload="training", weather=False, cap=cap)
        k = simulate(twin, spec, response=resp).kpis
        runs[dt] = (k["tokens"], k["tokens_lost"])
    for dt in (10.0, 60.0, 3600.0):
        assert runs[dt][0] == pytest.approx(runs[1.0][0], rel=1e-6), dt
        assert runs[dt][1] == pytest.approx(runs[1.0][1], rel=1e-6, abs=1.0), dt


def test_step_tokens_closed_form_square_and_sine():
    """One step of a whole number of periods out of dips: the mean of sqrt over the square
    swing is (1 + sqrt(0.7)) / 2, over the sine its fine sum; a cut to 0.6 of the step's
    mean scales the swing."""
    from twin.scenarios.timeline_capmean import step_tokens, swing_levels

    t0 = np.array([1200.0])  # away from the hour's checkpoint dip
    for shape in ("square", "sine"):
        p = Pattern(kind="training", shape=shape)
        lv, w = swing_levels(p, t0, 60.0)
        tok = step_tokens(np.sqrt, np.array([[0.85]]), [(lv, w)])[0, 0]
        ph = (np.arange(100_000) + 0.5) / 100_000
        x = (
            np.where(ph < 0.5, 1.0, 0.7)
            if shape == "square"
            else 0.85 + 0.15 * np.sin(2 * np.pi * ph)
        )
        assert tok == pytest.approx(np.sqrt(x).mean(), rel=1e-6 if shape == "sine" else 1e-12)
        cut = step_tokens(np.sqrt, np.array([[0.6 * 0.85]]), [(lv, w)])[0, 0]
        assert cut == pytest.approx(np.sqrt(0.6 * x).mean(), rel=1e-6)
