"""Tenants in a timeline: a tenant cap holds only that tenant's racks, a shed order moves a
demand-response cut onto the named tenant, every result says which tenants were hit, and
the tenants add up to the site's figures."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from twin.errors import ScenarioError
from twin.scenarios.policies import DrEvent
from twin.scenarios.timeline import TimelineSpec, simulate

SPEC = TimelineSpec(hours=24, dt_s=120, workload="inference", weather=False)
DR = DrEvent(18 * 3600.0, 3 * 3600.0, 1000.0)


@pytest.fixture
def hybrid(hybrid_fitted):
    return hybrid_fitted  # (twin, response), fitted once in conftest


def _run(hybrid, **kw):
    twin, resp = hybrid
    return simulate(twin, replace(SPEC, **kw), response=resp)


def test_tenants_add_up_and_nothing_changes_without_caps(hybrid):
    twin, resp = hybrid
    with_t = _run(hybrid)
    racks = twin.racks.assign(tenant="")
    plain = simulate(replace(twin, racks=racks), SPEC, response=resp)
    assert plain.tenants is None
    assert with_t.kpis == plain.kpis  # tenants alone change no number
    t = with_t.tenants
    assert t["tokens"].sum() == pytest.approx(with_t.kpis["tokens"], rel=1e-12)
    assert t["it_mwh"].sum() == pytest.approx(with_t.kpis["it_mwh"], rel=1e-9)
    assert not t["hit"].any()


def test_a_tenant_cap_holds_only_that_tenant(hybrid):
    base = _run(hybrid).tenants
    out = _run(hybrid, tenant_cap={"npu-serving": 0.6})
    t = out.tenants
    assert t.at["npu-serving", "hit"] and not t.at["gpu-cloud", "hit"]
    # the GPU tenant runs, and serves tokens, exactly as without the cap
    for col in ("it_mwh", "tokens"):
        assert t.at["gpu-cloud", col] == pytest.approx(base.at["gpu-cloud", col], rel=1e-12)
    # the NPU racks never draw above 60 % of design: at most 0.6 x 1.6 MW x 24 h
    assert t.at["npu-serving", "it_mwh"] <= 0.6 * 1.6 * 24 * (1 + 1e-12)
    assert t.at["npu-serving", "it_cut_mwh"] == pytest.approx(
        base.at["npu-serving", "it_mwh"] - t.at["npu-serving", "it_mwh"], rel=1e-9
    )
    assert set(out.curtailment["tenants_hit"]) == {"npu-serving"}
    assert out.kpis["tokens_lost"] == pytest.approx(t["tokens_lost"].sum(), rel=1e-9)


def test_shed_order_moves_the_cut_to_the_named_tenant(hybrid):
    hall = _run(hybrid, dr=DR).tenants
    npu_first = _run(hybrid, dr=replace(DR, tenant_order=("npu-serving",)))
    t = npu_first.tenants
    assert t.at["npu-serving", "it_cut_mwh"] > hall.at["npu-serving", "it_cut_mwh"]
    assert t.at["gpu-cloud", "it_cut_mwh"] < hall.at["gpu-cloud", "it_cut_mwh"]
    # the same grid import is shed either way (within the bisection's tolerance)
    a, b = _run(hybrid, dr=DR).steps["grid_kw"], npu_first.steps["grid_kw"]
    ev = (a.index >= a.index[0] + np.timedelta64(18, "h")) & (
        a.index < a.index[0] + np.timedelta64(21, "h")
    )
    assert np.allclose(a[ev], b[ev], rtol=2e-3)
    assert set(npu_first.curtailment["tenants_hit"]) <= {"gpu-cloud,npu-serving", "npu-serving"}


def test_npu_first_with_room_cuts_only_the_npu_tenant(hybrid):
    """A shed the NPU racks alone can give above their floor (they run at 52-75 % of design
    in the event window, the floor is 50 %): the GPU racks are untouched."""
    small = replace(DR, shed_kw=30.0, tenant_order=("npu-serving",))
    t = _run(hybrid, dr=small).tenants
    base = _run(hybrid).tenants
    assert t.at["npu-serving", "hit"]
    assert t.at["gpu-cloud", "it_mwh"] == pytest.approx(base.at["gpu-cloud", "it_mwh"], rel=1e-12)


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"tenant_cap": {"nope": 0.5}}, "no tenant 'nope'"),
        ({"tenant_cap": {"gpu-cloud": 1.5}}, "fraction of design"),
        ({"dr": replace(DR, tenant_order=("gpu-cloud", "gpu-cloud"))}, "twice"),
    ],
)
def test_bad_tenant_options(hybrid, kw, words):
    with pytest.raises(ScenarioError, match=words):
        _run(hybrid, **kw)
