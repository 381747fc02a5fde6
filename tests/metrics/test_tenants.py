"""Tenancy: inheritance (rack over row over hall), validation, and the per-tenant allocation
of facility power, which must conserve every site total and follow its documented rule."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
import yaml

from twin.errors import LayoutError
from twin.layout import loads
from twin.metrics.economics import economics
from twin.metrics.tenants import allocate, rack_tenants, residuals, tenant_table
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run

MINIMAL = Path(__file__).resolve().parents[1] / "layout" / "minimal.yaml"
REL = 1e-9


def _minimal(edit) -> str:
    doc = yaml.safe_load(MINIMAL.read_text())
    edit(doc)
    return yaml.safe_dump(doc, sort_keys=False)


def test_rack_overrides_row_overrides_hall():
    def edit(doc):
        hall = doc["halls"][0]
        hall["tenant"] = "acme"
        hall["rows"].append({"id": "R2", "origin_m": [1.0, 5.0], "tenant": "globex"})
        hall["racks"][1]["tenant"] = "initech"
        hall["racks"].append(
            {"id": "RK3", "row": "R2", "slot": 0, "power_kw": 5.0, "feed_a": "PDU-A"}
        )
        hall["racks"].append({"id": "RK4", "row": "R1", "slot": 2, "power_kw": 5.0})
        hall["racks"][-1]["feed_a"] = "PDU-B"

    t = Twin.from_layout(loads(_minimal(edit), "tenants.yaml"))
    assert t.racks["tenant"].to_dict() == {
        "RK1": "acme",  # from the hall
        "RK2": "initech",  # its own
        "RK3": "globex",  # from its row
        "RK4": "acme",
    }


def test_no_tenant_is_unassigned():
    t = Twin.from_layout(loads(MINIMAL.read_text(), "minimal.yaml"))
    assert (t.racks["tenant"] == "").all()
    assert set(rack_tenants(t)) == {"unassigned"}


@pytest.mark.parametrize(
    ("where", "value", "words"),
    [
        ("rack", "bad tenant!", ["halls[0].racks[0].tenant", "pattern"]),
        ("row", "", ["halls[0].rows[0].tenant", "at least 1"]),
        ("hall", "unassigned", ["halls[0].tenant", "reserved"]),
        ("rack", 42, ["halls[0].racks[0].tenant", "must be text"]),
    ],
)
def test_bad_tenant_is_a_located_error(where, value, words):
    def edit(doc):
        hall = doc["halls"][0]
        target = {"hall": hall, "row": hall["rows"][0], "rack": hall["racks"][0]}[where]
        target["tenant"] = value

    with pytest.raises(LayoutError) as err:
        loads(_minimal(edit), "tenants.yaml")
    msg = str(err.value)
    assert "tenants.yaml" in msg
    for w in words:
        assert w in msg, msg


@pytest.fixture(scope="module")
def hybrid(layouts_dir):
    return Twin.load(layouts_dir / "hybrid-inference.yaml")


def test_reference_hybrid_has_two_tenants(hybrid):
    t = hybrid.racks
    assert set(t.loc[t["accelerator"] == "gb200-nvl72", "tenant"]) == {"gpu-cloud"}
    assert set(t.loc[t["accelerator"] == "rbln-atom-rack", "tenant"]) == {"npu-serving"}


def _mixed(twin: Twin) -> Twin:
    """A copy of `twin` with three tenants cut across rows, feeds and cooling domains,
    and some racks left without one."""
    racks = twin.racks.copy()
    racks["tenant"] = [["t-a", "t-b", "t-c", ""][i % 4] for i in range(len(racks))]
    from dataclasses import replace

    return replace(twin, racks=racks)


@pytest.mark.parametrize("name", ["small-room", "ai-factory-hall", "hybrid-inference"])
@pytest.mark.parametrize("failed", [(), ("first_ups",)])
def test_tenants_sum_to_the_site(layouts_dir, name, failed):
    twin = _mixed(Twin.load(layouts_dir / f"{name}.yaml"))
    out = frozenset(twin.ups.index[:1]) if failed else frozenset()
    res = run(twin, Scenario(failed=out))
    table = tenant_table(twin, res)
    assert "unassigned" in table.index
    gaps = residuals(twin, res, table)
    assert max(gaps.values()) <= REL, gaps
    k = res.kpis
    # cooling that reaches no rack's heat is overhead, never more than the site's cooling
    assert table["cooling_kw"].sum() <= k["cooling_kw"] * (1 + REL) + 1e-9
    # site PUE is the sum of the PUE shares (both undefined when no IT runs)
    if np.isfinite(k["pue"]):
        assert table["pue_share"].sum() == pytest.approx(k["pue"], rel=REL)
    else:
        assert table["pue_share"].isna().all() and table["pue"].isna().all()
    assert (table[["it_kw", "power_loss_kw", "cooling_kw"]] >= -1e-9).all().all()


def _by_hand(twin: Twin, res) -> dict[str, float]:
    """Rule 3 of twin.metrics.tenants written out element by element (dicts, no matrices):
    each element's input kW, split over what it supplies by their share of its output,
    from the sources down. Only rack loads are tracked (a layout whose cooling is off
    the chain); returns the kW each tenant draws at the sources."""
    pn, rr = res["res_power_nodes"], res["res_racks"]
    tenant = rack_tenants(twin)
    share: dict[str, dict[str, float]] = {}  # element -> tenant -> kW of its input
    children = defaultdict(list)
    for e, up in pn["fed_from"].items():
        if up != e and isinstance(up, str):
            children[up].append(e)
    direct = defaultdict(lambda: defaultdict(float))  # element -> tenant -> direct kW
    for rack in twin.racks.index:
        for cord in "ab":
            feed = twin.racks.at[rack, f"feed_{cord}"]
            if isinstance(feed, str):
                direct[feed][tenant[rack]] += float(rr.at[rack, f"p_{cord}_kw"])

    def attribute(e: str) -> dict[str, float]:
        out = defaultdict(float, direct[e])
        for c in children[e]:
            for t, kw in attribute(c).items():
                out[t] += kw
        p_out = float(pn.at[e, "p_out_kw"])
        ratio = float(pn.at[e, "p_kw"]) / p_out if p_out > 0 else 0.0
        share[e] = {t: kw * ratio for t, kw in out.items()}
        return share[e]

    total = defaultdict(float)
    for e in pn.index[pn["fed_from"] == pn.index]:
        for t, kw in attribute(e).items():
            total[t] += kw
    return dict(total)


def test_losses_follow_the_rule_by_hand():
    """A site whose cooling draws from no power element: each tenant's IT plus power-chain
    losses at the sources equals the element-by-element proportional sharing, and the
    tenant alone on a PDU bears all of that PDU's loss."""

    def edit(doc):
        hall = doc["halls"][0]
        hall["racks"][0]["tenant"] = "solo"
        hall["racks"][0]["feed_a"] = "PDU-C"
        hall["racks"][1]["tenant"] = "big"
        doc["power"]["pdus"].append({"id": "PDU-C", "upstream": "UPS1", "rating_kva": 50.0})
        hall["racks"][0].pop("feed_b")

    twin = Twin.from_layout(loads(_minimal(edit), "by-hand.yaml"))
    res = run(twin)
    table = allocate(twin, res)
    hand = _by_hand(twin, res)
    for t in ("solo", "big"):
        assert table.at[t, "it_kw"] + table.at[t, "power_loss_kw"] == pytest.approx(
            hand[t], rel=1e-9
        )
    pn = res["res_power_nodes"]
    pdu_c = float(pn.at["PDU-C", "loss_kw"] + pn.at["PDU-C", "loss_cable_kw"])
    assert pdu_c > 0
    assert table.at["solo", "power_loss_kw"] > pdu_c  # its PDU's loss plus shares upstream


def test_tenant_cost_and_tokens_add_up(hybrid):
    res = run(hybrid)
    table = tenant_table(hybrid, res)
    assert list(table.index) == ["gpu-cloud", "npu-serving"]
    e = economics(hybrid, res)
    assert table["tokens_s"].sum() == pytest.approx(e["tokens_s"], rel=REL)
    assert table["energy_usd_per_year"].sum() == pytest.approx(e["energy_usd_per_year"], rel=REL)
    # GPU racks are liquid-cooled (85 %), NPU racks air-cooled: different PUEs
    assert table.at["gpu-cloud", "pue"] != pytest.approx(table.at["npu-serving", "pue"], abs=1e-3)
    assert np.isfinite(table["usd_per_mtok"]).all()


def test_overhead_with_no_it_follows_design(hybrid):
    """Both mechanical boards out: every rack trips on heat, no IT runs; what the site still
    draws is overhead, shared by the design IT each tenant holds, and still adds up."""
    res = run(hybrid, Scenario(failed=frozenset({"HX-MCC-A", "HX-MCC-B"})))
    table = tenant_table(hybrid, res)
    assert table["it_kw"].sum() == 0.0
    assert table["facility_kw"].sum() == pytest.approx(res.kpis["facility_kw"], rel=REL)
    ratio = table.at["gpu-cloud", "overhead_kw"] / table.at["npu-serving", "overhead_kw"]
    assert ratio == pytest.approx(8448.0 / 1600.0, rel=1e-12)
    assert table["pue"].isna().all()


def test_a_layout_without_racks_puts_its_idle_losses_in_overhead(layouts_dir):
    """No racks, so no tenant: the facility's idle losses (no-load losses of its
    transformer and UPS) used to go nowhere, the tenants' sums 100 % short of the site's."""
    doc = yaml.safe_load((layouts_dir / "small-room.yaml").read_text())
    doc["halls"][0]["racks"] = []
    doc["halls"][0]["air_model"] = "kernel"
    twin = Twin.from_layout(loads(yaml.safe_dump(doc)))
    res = run(twin)
    assert res.kpis["facility_kw"] > 0  # idle losses
    table = tenant_table(twin, res)
    assert list(table.index) == ["unassigned"] and table.at["unassigned", "racks"] == 0
    assert table.at["unassigned", "overhead_kw"] == pytest.approx(res.kpis["facility_kw"])
    assert max(residuals(twin, res, table).values()) < REL
