"""Racks' throttle and trip windows summed over a timeline's steps all at once
(`timeline_windows.window_sums`) give what summing them window by window gives, and a
timeline where every rack trips gives the same tables either way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from twin.model import Twin
from twin.scenarios import timeline_thermal
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.scenarios.timeline_windows import window_sums
from twin.solve.timeline_outage import Outage, overlap

HALL = Path(__file__).resolve().parents[2] / "layouts" / "ai-factory-hall.yaml"


def _by_hand(t0, dt, a, b, col, ncol, weights):
    """Window by window, step by step: the plain definition."""
    outs = [np.zeros((len(t0), ncol)) for _ in weights]
    for i in range(len(a)):
        if np.isfinite(a[i]) and b[i] > a[i]:
            f = overlap(t0, dt, a[i], b[i]) / dt
            for w, out in zip(weights, outs, strict=True):
                out[:, col[i]] += w[i] * f
    return outs


@pytest.mark.parametrize("dt", [1.0, 0.1, 7.0, 3600.0])
def test_windows_sum_as_one_by_one(dt):
    rng = np.random.default_rng(7)
    for _ in range(40):
        n, m, ncol = int(rng.integers(1, 50)), int(rng.integers(0, 80)), int(rng.integers(1, 4))
        t0 = np.arange(n) * dt + 3 * dt
        a = rng.uniform(t0[0] - 3 * dt, t0[-1] + 3 * dt, m)
        b = a + rng.exponential(6 * dt, m)
        on_step = rng.random(m) < 0.3  # starts and ends on step boundaries
        a[on_step] = np.round(a[on_step] / dt) * dt
        b[rng.random(m) < 0.2] = np.inf  # until the horizon
        a[rng.random(m) < 0.1] = np.inf  # never
        same = rng.random(m) < 0.05
        b[same] = a[same]  # empty window
        col = rng.integers(0, ncol, m)
        w = [np.ones(m), rng.uniform(0.0, 130.0, m)]
        got, want = window_sums(t0, dt, a, b, col, ncol, w), _by_hand(t0, dt, a, b, col, ncol, w)
        for g, h in zip(got, want, strict=True):
            np.testing.assert_allclose(g, h, rtol=1e-12, atol=1e-9 * max(1.0, np.abs(h).max()))
            assert ((g != 0) == (h != 0)).all()  # a step no window touches is exactly 0


def test_a_window_inside_one_step_and_across_the_horizon():
    t0, dt = np.arange(4) * 10.0, 10.0
    (got,) = window_sums(t0, dt, [12.0, 25.0, -5.0], [17.0, np.inf, 5.0], [0, 0, 0], 1, [[1, 2, 3]])
    # 0.5 of step 1; 0.5 of step 2 then steps 3 (x 2); 0.5 of step 0 (x 3)
    np.testing.assert_allclose(got[:, 0], [1.5, 0.5, 1.0, 2.0])


@pytest.fixture(scope="module")
def all_trip(tmp_path_factory) -> Twin:
    """The reference hall with 120 s generators: the plant stays off, racks trip (28 of 96:
    each trip takes its rack's heat off the hall, and the rest stay under their trip)."""
    path = tmp_path_factory.mktemp("trip") / "hall-gen120.yaml"
    path.write_text(HALL.read_text().replace("start_s: 10.0", "start_s: 120.0"))
    return Twin.load(path)


def _tables(tl) -> dict:
    return {"steps": tl.steps, "violations": tl.violations, "groups": tl.groups,
            "curtailment": tl.curtailment, "thermal": tl.thermal}  # fmt: skip


@pytest.mark.parametrize("dt", [1.0, 10.0])
def test_every_rack_trips_same_tables_as_rack_by_rack(all_trip, monkeypatch, dt):
    spec = TimelineSpec(hours=2, dt_s=dt, workload="training", weather=False,
                        outage=Outage(3600.0, 900.0))  # fmt: skip
    fast = simulate(all_trip, spec)
    assert 0 < fast.kpis["racks_tripped_max"] < len(all_trip.racks)  # tripped and not
    monkeypatch.setattr(timeline_thermal, "window_sums", _by_hand)
    slow = simulate(all_trip, spec)
    for name, t in _tables(fast).items():
        s = _tables(slow)[name]
        assert list(t.columns) == list(s.columns) and t.index.equals(s.index), name
        for c in t.columns:
            if pd.api.types.is_numeric_dtype(t[c]) and not pd.api.types.is_bool_dtype(t[c]):
                x, y = t[c].to_numpy(float), s[c].to_numpy(float)
                finite = np.abs(y[np.isfinite(y)])  # an inf column made atol inf: no check
                scale = max(finite.max(initial=0.0), 1.0)
                np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12 * scale, err_msg=c)
            else:
                assert t[c].equals(s[c]), (name, c)
    for k, v in slow.kpis.items():
        assert fast.kpis[k] == pytest.approx(v, rel=1e-12, abs=1e-9, nan_ok=True), k
    # the books close: IT the tripped racks did not draw is not drawn, heat likewise
    assert fast.kpis["balance_residual_rel"] == pytest.approx(0.0, abs=1e-9)
    assert fast.kpis["heat_balance_residual_rel"] == pytest.approx(0.0, abs=1e-9)
