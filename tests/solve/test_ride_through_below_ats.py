"""A UPS put on its battery by a failure while the utility stays live.

The small room split in two: UPS-1 (racks RA*) behind a panel PNL-1 below the transfer
switch MSB, UPS-2 (racks RB*) on MSB, each with 30 kWh (120 kW for 0.25 h, Peukert 1.2).

- PNL-1 fails: MSB still sees the utility, so GEN-1 never starts. `twin ride-through`
  said "generator GEN-1 would carry 168 % of its rating: it trips" (a 100 kVA set: the
  whole site's figure of a utility outage) and "2 of 2 UPS do not bridge it", UPS-2 (on
  the utility) included; with a 500 kVA set the UPS table gave UPS-2 GEN-1 after 10 s at
  33.5 %. Now: the utility stays live, no generator, UPS-1 carries its 99.2 kW for
  900 (120 / 99.2)^1.2 = 1,131 s and its racks lose power then; UPS-2 keeps its source.
- UPS-1 with its own transfer switch ATS-1 (PNL-1 above it, GEN-1 its alternate, 150 kVA):
  PNL-1 fails above that switch, so GEN-1 starts and takes UPS-1 alone: 82.7 % as
  `twin solve --fail PNL-1` says. The ride-through said 226 % (the whole site on GEN-1 in
  a utility outage): it trips, UPS-1 empties at 1,131 s and its 10 racks lose power.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from twin.cli import main
from twin.layout import loads
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.ride_through_power import battery_text, utility_lost
from twin.solve.transient import cooling_ride_through


def _layout(layouts_dir, gen_kva: float, own_ats: bool = False) -> str:
    doc = yaml.safe_load((layouts_dir / "small-room.yaml").read_text())
    for h in doc["halls"]:
        h["air_model"] = "kernel"  # air is not the point
    for r in doc["halls"][0]["racks"]:  # single-fed: RA* behind UPS-1, RB* behind UPS-2
        r["feed_a"] = "PDU-1" if r["id"].startswith("RA") else "PDU-2"
        r.pop("feed_b")
    p = doc["power"]
    p["generators"][0]["rating_kva"] = gen_kva
    p["switchgear"].append({"id": "PNL-1", "upstream": "MSB", "rating_kva": 300.0})
    if own_ats:
        p["switchgear"].append(
            {"id": "ATS-1", "upstream": "PNL-1", "alternate": "GEN-1", "rating_kva": 300.0}
        )
    p["ups"] = [
        {"id": f"UPS-{i}", "upstream": up, "rating_kva": 150.0, "cable_length_m": 10.0,
         "battery": {"chemistry": "vrla", "energy_kwh": 30.0, "rated_time_h": 0.25}}
        for i, up in ((1, "ATS-1" if own_ats else "PNL-1"), (2, "MSB"))
    ]  # fmt: skip
    for i, pdu in enumerate(p["pdus"], 1):  # PDU-1 on UPS-1, PDU-2 on UPS-2
        pdu.update(upstream=f"UPS-{i}", rating_kva=150.0)
    return yaml.safe_dump(doc)


def _peukert_s(load_kw: float) -> float:
    """30 kWh rated over 0.25 h (120 kW), k 1.2, by hand."""
    return 900.0 * (120.0 / load_kw) ** 1.2


@pytest.fixture(scope="module")
def panel(layouts_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("below-ats") / "panel.yaml"
    path.write_text(_layout(layouts_dir, 100.0))
    return path, Twin.from_layout(loads(path.read_text()))


def test_a_ups_cut_below_its_transfer_switch_runs_on_its_battery_with_no_generator(panel):
    _, twin = panel
    base = run(twin)
    rt = cooling_ride_through(twin, Scenario.fail("PNL-1"), base=base)
    assert rt.utility_lost is False and rt.generators_tripped == {}
    assert (
        utility_lost(twin, base, run(twin, Scenario.fail("PNL-1"))) is False
    )  # the coupled solve too
    u1, u2 = rt.power.loc["UPS-1"], rt.power.loc["UPS-2"]
    assert u1["on_battery"] and u1["generator"] is None and u1["gap_s"] == np.inf
    assert not u1["bridged"]
    assert u1["load_kw"] == pytest.approx(99.2, abs=0.05)
    assert u1["autonomy_s"] == pytest.approx(_peukert_s(u1["load_kw"]), rel=1e-9)
    assert u1["empty_s"] == pytest.approx(u1["autonomy_s"], rel=1e-9)  # no rack trips by heat
    # UPS-2 keeps the utility: no generator, no break to bridge
    assert not u2["on_battery"] and u2["generator"] is None and u2["gap_s"] == 0.0
    assert u2["bridged"] and u2["empty_s"] == np.inf
    lost = rt.racks["t_power_lost_s"]
    ra = lost.index.str.startswith("RA")
    np.testing.assert_allclose(lost[ra], u1["empty_s"], rtol=1e-9)
    assert np.isinf(lost[~ra]).all()
    text = battery_text(rt.power, "UPS-1", rt.utility_lost)
    assert text.startswith("UPS-1: its 30.0 kWh battery carries 99.2 kW for 1,131 s (18.8 min)")
    assert "no generator takes over: PNL-1, between it and its transfer switch MSB, is out" in text


def test_the_cli_says_the_battery_carries_it_and_no_generator_starts(panel, capsys):
    path, twin = panel
    assert main(["ride-through", str(path), "--fail", "PNL-1"]) == 0
    out = capsys.readouterr().out
    assert "utility stays live: generators do not start" in out
    assert "UPS on battery (input lost, utility live): UPS-1" in out
    rt = cooling_ride_through(twin, Scenario.fail("PNL-1"))
    assert f"    {battery_text(rt.power, 'UPS-1', False)}" in out.splitlines()
    assert "power lost when UPS batteries empty: 10 of 20 racks, first at 1,131 s" in out
    for claim in ("would carry", "trips", "generator gap", "UPS-2", "bridge it"):
        assert claim not in out, (claim, out)


def test_a_failure_above_the_ups_own_transfer_switch_starts_its_generator_for_it_alone(
    layouts_dir,
):
    twin = Twin.from_layout(loads(_layout(layouts_dir, 150.0, own_ats=True)))
    base = run(twin)
    rt = cooling_ride_through(twin, Scenario.fail("PNL-1"), base=base)
    solved = run(twin, Scenario.fail("PNL-1"))["res_power_nodes"].at["GEN-1", "loading_pct"]
    # GEN-1 carries UPS-1's ~99 kW + its feeders' losses against 0.8 x 150 = 120 kW
    assert solved == pytest.approx(82.7, abs=0.1)
    assert rt.utility_lost is True and rt.generators_tripped == {}
    u1 = rt.power.loc["UPS-1"]
    assert u1["generator"] == "GEN-1" and u1["gap_s"] == 10.0
    assert u1["generator_loading_pct"] == pytest.approx(solved, rel=1e-9)
    assert u1["bridged"] and not u1["on_battery"] and u1["empty_s"] == np.inf
    assert rt.power.at["UPS-2", "generator"] is None  # MSB keeps the utility
    assert np.isinf(rt.racks["t_power_lost_s"]).all()
    assert battery_text(rt.power, "UPS-1", True).endswith(
        "; generator GEN-1 takes over after 10 s: it bridges the gap"
    )
