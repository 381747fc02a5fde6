"""N-1/N-2 rows say which tenants a failure hits, and the kW each loses equals what failing
the same elements in a direct coupled solve removes from that tenant's racks."""

from __future__ import annotations

import pytest

from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios import tenants_hit
from twin.scenarios.sweep import n1, sweep
from twin.solve import run

PAIRS = [
    ("HX-BW-A1a", "HX-BW-B1a"),  # a GPU busway pair: gpu-cloud racks go dark
    ("HX-BW-A8b", "HX-BW-B8b"),  # an NPU busway pair: npu-serving racks
    ("HX-BW-A1a", "HX-BW-B8b"),  # one cord each: nobody loses power
    ("HX-UPS-A1", "HX-UPS-B8"),
]


@pytest.fixture(scope="module")
def hybrid(layouts_dir):
    return Twin.load(layouts_dir / "hybrid-inference.yaml")


def _by_hand(twin: Twin, ids) -> dict[str, float]:
    """Fail `ids` in a full solve; per tenant, the demand of its racks left unfed or tripped."""
    res = run(twin, Scenario(failed=frozenset(ids)))
    rr = res["res_racks"]
    lost = ~rr["fed"].astype(bool)
    kw = rr.loc[lost, "p_demand_kw"].groupby(twin.racks.loc[lost[lost].index, "tenant"]).sum()
    return {t: float(v) for t, v in kw.items() if v > 0}


@pytest.mark.parametrize("verify", [False, "all"])
def test_tenants_hit_equals_failing_by_hand(hybrid, verify):
    known = set(hybrid.component_ids())
    pairs = [p for p in PAIRS if set(p) <= known]
    assert len(pairs) >= 3
    table = sweep(hybrid, pairs, verify=verify).set_index("contingency")
    per = tenants_hit.frame(table)
    hit_any = False
    for pair in pairs:
        row = table.loc["+".join(pair)]
        hand = _by_hand(hybrid, pair)
        assert row["tenants_hit"] == ",".join(sorted(hand))
        assert row["it_lost_by_tenant"].keys() == hand.keys()
        for t, kw in hand.items():
            assert per.at["+".join(pair), t] == pytest.approx(kw, rel=1e-9)
        assert sum(row["it_lost_by_tenant"].values()) == pytest.approx(row["it_lost_kw"], rel=1e-9)
        hit_any |= bool(hand)
    assert hit_any
    assert table.loc["HX-BW-A1a+HX-BW-B1a", "tenants_hit"] == "gpu-cloud"
    assert table.loc["HX-BW-A8b+HX-BW-B8b", "tenants_hit"] == "npu-serving"


def test_single_fed_n1_names_the_tenant(layouts_dir):
    """Small room (one UPS, racks of three tenants and some with none): every N-1 row's
    tenants are those whose racks the same failure leaves dark in a direct solve."""
    twin = Twin.load(layouts_dir / "small-room.yaml")
    racks = twin.racks.copy()
    racks["tenant"] = [["acme", "globex", ""][i % 3] for i in range(len(racks))]
    from dataclasses import replace

    twin = replace(twin, racks=racks)
    table = n1(twin, kinds=["power"]).set_index("contingency")
    assert (table["it_lost_kw"] > 0).any()
    for cid, row in table.iterrows():
        hand = _by_hand(twin, cid.split("+"))
        hand = {("unassigned" if t == "" else t): kw for t, kw in hand.items()}
        assert row["tenants_hit"] == ",".join(sorted(hand)), cid
        for t, kw in hand.items():
            assert row["it_lost_by_tenant"][t] == pytest.approx(kw, rel=1e-9)
