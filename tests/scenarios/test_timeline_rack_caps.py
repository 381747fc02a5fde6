"""Rack and row caps in a timeline: the capped racks alone draw less and lose tokens, by
exactly the catalogue's throughput curve at the cap; every other rack is untouched."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from twin.errors import ScenarioError
from twin.metrics.catalogue import catalogue, rack_catalogue
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.scenarios.workloads import fraction

SPEC = TimelineSpec(hours=24, dt_s=600, workload="inference", weather=False)
ROW, CAP = "HX-R01", 0.55


@pytest.fixture
def hybrid(hybrid_fitted):
    return hybrid_fitted  # (twin, response), fitted once in conftest


def _run(hybrid, **kw):
    twin, resp = hybrid
    return simulate(twin, replace(SPEC, **kw), response=resp)


def _by_hand(twin, racks):
    """IT kWh cut and tokens lost when `racks` are held at `CAP` under SPEC's demand."""
    f = fraction(replace(SPEC.pattern, kind="inference"), np.arange(144) * 600.0, 600.0)
    design = float(twin.racks.loc[racks, "power_kw"].sum())
    cut_kwh = float(np.maximum(f - CAP, 0.0).sum()) * design * 600.0 / 3600.0
    rc = rack_catalogue(twin).loc[racks]
    lost = 0.0
    for name, sub in rc.groupby("accelerator"):
        acc = catalogue(twin.layout)[name]
        assert acc.curve is None  # the closed form below is the catalogue's power law

        def tf(s, acc=acc):
            x = np.clip((np.clip(s, 0, 1) - acc.idle_fraction) / (1 - acc.idle_fraction), 0, 1)
            return x**acc.throughput_exponent

        lost += float(sub["tokens_s_full"].sum()) * float((tf(f) - tf(np.minimum(f, CAP))).sum())
    return cut_kwh, lost * 600.0


def test_a_row_cap_costs_exactly_its_own_racks(hybrid):
    twin, _ = hybrid
    base, capped = _run(hybrid), _run(hybrid, row_cap={ROW: CAP})
    racks = twin.racks.index[twin.racks["row"] == ROW]
    cut_kwh, lost = _by_hand(twin, racks)
    assert cut_kwh > 0 and lost > 0
    assert capped.kpis["it_mwh"] == pytest.approx(base.kpis["it_mwh"] - cut_kwh / 1000, rel=1e-9)
    assert capped.kpis["tokens_lost"] == pytest.approx(lost, rel=1e-9)
    assert capped.kpis["tokens"] == pytest.approx(base.kpis["tokens"] - lost, rel=1e-9)
    # the other tenant's racks (npu-serving; the row is gpu-cloud's) exactly as uncapped
    t0, t1 = base.tenants, capped.tenants
    for col in ("it_mwh", "tokens"):
        assert t1.at["npu-serving", col] == pytest.approx(t0.at["npu-serving", col], rel=1e-12)
    assert t1.at["gpu-cloud", "hit"] and not t1.at["npu-serving", "hit"]
    assert t1.at["gpu-cloud", "cap"] == 1.0  # the tenant itself is not capped
    assert set(capped.curtailment["cause"]) == {"cap"}


def test_rack_caps_equal_the_same_racks_as_a_row_and_win_over_it(hybrid):
    twin, _ = hybrid
    racks = list(twin.racks.index[twin.racks["row"] == ROW])
    by_rack = _run(hybrid, rack_cap=dict.fromkeys(racks, CAP))
    by_row = _run(hybrid, row_cap={ROW: CAP})
    assert by_rack.kpis["tokens_lost"] == pytest.approx(by_row.kpis["tokens_lost"], rel=1e-12)
    assert by_rack.kpis["it_mwh"] == pytest.approx(by_row.kpis["it_mwh"], rel=1e-12)
    # one rack of the row freed by its own cap of 1: 1/16 of the row's loss comes back
    freed = _run(hybrid, row_cap={ROW: CAP}, rack_cap={racks[0]: 1.0})
    _, lost_one = _by_hand(twin, racks[:1])
    assert freed.kpis["tokens_lost"] == pytest.approx(
        by_row.kpis["tokens_lost"] - lost_one, rel=1e-9
    )


def test_a_hall_cap_and_a_rack_cap_take_the_lower(hybrid):
    twin, _ = hybrid
    hall = _run(hybrid, cap={"*": 0.7})
    both = _run(hybrid, cap={"*": 0.7}, row_cap={ROW: 0.9})  # the row cap is above: no change
    assert both.kpis["it_mwh"] == pytest.approx(hall.kpis["it_mwh"], rel=1e-12)
    assert both.steps["it_kw"].max() <= 0.7 * twin.it_kw * (1 + 1e-12)


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"rack_cap": {"NOPE": 0.5}}, "rack cap for 'NOPE': no such rack"),
        ({"row_cap": {"R9": 0.5}}, "row cap for 'R9': no such row"),
        ({"row_cap": {ROW: 1.5}}, "fraction of design power"),
    ],
)
def test_bad_rack_caps(hybrid, kw, words):
    with pytest.raises(ScenarioError, match=words):
        _run(hybrid, **kw)
