"""N-1/N-2 rows name the tenants at thermal risk (`tenants_at_risk`): tenants whose racks
throttle or trip on heat, or keep power on a loop whose cooling is short, checked against a
direct coupled solve's `res_racks.thermal_state` and violations on the single-fed hall with a
tenant per TCS loop."""

from __future__ import annotations

import pytest
import yaml

from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios.sweep import brute_force, n1, sweep
from twin.solve import run

TENANT = {"H1-R01": "alpha", "H1-R02": "alpha", "H1-R03": "beta", "H1-R04": "beta"}


@pytest.fixture(scope="module")
def tenanted(single_fed_hall_path, tmp_path_factory):
    doc = yaml.safe_load(single_fed_hall_path.read_text())
    for row in doc["halls"][0]["rows"]:
        row["tenant"] = TENANT.get(row["id"], "gamma")
    path = tmp_path_factory.mktemp("tenanted") / "single-fed-tenants.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return Twin.load(path)


def _by_hand(twin: Twin, ids) -> tuple[str, str]:
    """(tenants whose racks throttle or trip on heat, those plus the tenants on a liquid
    loop a cooling violation names: its CDUs' or its own), from a direct solve."""
    res = run(twin, Scenario(failed=frozenset(ids)))
    rr = res["res_racks"].reindex(twin.racks.index)
    hot = rr["thermal_state"].isin(["throttled", "shutdown"])
    named = set(res.violations["component"])
    loops = {twin.cdus.at[c, "loop"] for c in named if c in twin.cdus.index} | named
    short = twin.racks["liquid_loop"].isin(loops) & rr["fed"].astype(bool)
    tenants = twin.racks["tenant"]
    return ",".join(sorted(set(tenants[hot]))), ",".join(sorted(set(tenants[hot | short])))


def test_tenants_at_risk_equal_a_direct_solve(tenanted):
    cdus = [c for c in tenanted.cdus.index if tenanted.cdus.at[c, "loop"] == "H1-TCS1"]
    assert len(cdus) == 3
    cases = {
        ("H1-MCC-A",): "alpha,beta,gamma",  # half the units stop: every rack trips on heat
        tuple(cdus): "alpha",  # TCS1's CDUs all out: its racks (alpha) trip, no one else
        tuple(cdus[:2]): "alpha",  # one CDU left on TCS1: its coolant runs hot, racks stay ok
        (cdus[0],): "",  # N+1: nobody
        ("H1-MTX-A",): "",
    }
    sets = list(cases)
    fast = sweep(tenanted, sets, verify=False).set_index("contingency")
    full = brute_force(tenanted, sets).set_index("contingency")
    for ids, want in cases.items():
        key = "+".join(ids)
        thermal, risk = _by_hand(tenanted, ids)
        assert full.at[key, "tenants_at_risk"] == risk == want, key
        assert fast.at[key, "tenants_at_risk"] == want, key  # the screen says the same
        assert set(filter(None, thermal.split(","))) <= set(filter(None, risk.split(",")))
    # thermal_state alone where racks trip: the tenants the solve shuts down
    assert _by_hand(tenanted, tuple(cdus))[0] == "alpha"
    assert _by_hand(tenanted, ("H1-MCC-A",))[0] == "alpha,beta,gamma"
    # tenants_hit counts IT lost only: the racks that trip lose theirs, a hot loop's do not
    assert full.at["+".join(cdus), "tenants_hit"] == "alpha"
    assert full.at["+".join(cdus[:2]), "tenants_hit"] == ""


def test_n1_table_carries_tenants_at_risk(tenanted):
    table = n1(tenanted).set_index("contingency")
    assert table.at["H1-MCC-A", "tenants_at_risk"] == "alpha,beta,gamma"
    assert (table.drop(index=["H1-MCC-A", "H1-MCC-B"])["tenants_at_risk"] == "").all()
