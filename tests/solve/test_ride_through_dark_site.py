"""A site left without power keeps no equipment heating: its fans, pumps, PDUs and UPSs put
heat into the rooms and water only while they are fed and carry load. The AI hall with both
of its generators too small for it (5 MVA each, 199 %: they trip) on losing the grid: every
rack shuts down by heat on its UPS battery, and from then on nothing in the site is fed, so the
heat it holds (sum of C T over every node) must stay where it is. It used to keep rising by the
equipment's steady heat, 694 kW into the facility water and 100 kW into the hall air (audit
2026-12-05, D2): +5.6 K of water in the half hour after the last trip."""

from pathlib import Path

import numpy as np
import pytest

from twin.model import Scenario, Twin
from twin.solve import run
from twin.solve.transient import cooling_ride_through

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"


@pytest.fixture(scope="module")
def dark(tmp_path_factory):
    path = tmp_path_factory.mktemp("dark") / "hall-gen5.yaml"
    text = (LAYOUTS / "ai-factory-hall.yaml").read_text()
    assert text.count("rating_kva: 20000.0, start_s: 10.0") == 2
    path.write_text(
        text.replace("rating_kva: 20000.0, start_s: 10.0", "rating_kva: 5000.0, start_s: 10.0")
    )
    twin = Twin.load(path)
    base = run(twin)
    rt = cooling_ride_through(twin, Scenario.fail("GRID"), t_end_s=1800.0, base=base, n_points=721)
    return twin, base, rt


def test_nothing_heats_a_site_with_no_power(dark):
    twin, base, rt = dark
    assert len(rt.generators_tripped) == 2
    trip = rt.racks["t_to_shutdown_s"].to_numpy(float)
    assert np.isfinite(trip).all()  # every rack shuts down
    last = trip.max()
    assert last < 900.0
    nodes = rt.nodes
    ts = rt.timeseries
    piv = ts[ts["quantity"].isin(list(set(nodes["kind"])))].pivot(
        index="time_s", columns="component", values="t_c"
    )
    held = (piv * nodes["c_kj_k"].reindex(piv.columns)).sum(axis=1)
    after = held[held.index >= last + 1.0]
    assert len(after) > 100
    # kJ: 1 kW over the 15 min would be 900 kJ; the equipment's 794 kW was 0.7 GJ
    assert after.max() - after.min() < 1.0
    fws = piv["H1-FWS"]
    assert fws.iloc[-1] - fws[fws.index >= last + 1.0].iloc[0] == pytest.approx(0.0, abs=1e-4)


def test_the_equipment_heat_before_is_the_steady_solves(dark):
    """The split of each node's heat into the racks' and the equipment's is the steady
    solve's: hall air = racks' air heat + CRAH fans + PDU/busway losses (with cables);
    facility water = UPS losses (with cables) + loop pumps + CDU pumps."""
    twin, base, rt = dark
    nodes = rt.nodes
    rp = base["res_power_nodes"]
    loss = rp["loss_kw"] + rp["loss_cable_kw"]
    pdus = loss.reindex(twin.pdus.index).sum()
    ups = loss.reindex(twin.ups.index).sum()
    fans = base["res_crahs"]["fan_kw"].sum()
    pumps = base["res_pumps"]["p_kw"].sum() + base["res_cdus"]["pump_kw"].sum()
    assert nodes.loc["air:H1", "equipment0_kw"] == pytest.approx(fans + pdus, rel=1e-9)
    assert nodes.loc["H1-FWS", "equipment0_kw"] == pytest.approx(ups + pumps, rel=1e-9)
    assert nodes.loc["H1-FWS", "equipment0_kw"] == pytest.approx(694.2, abs=0.1)
    # the loop's steady heat is the racks' liquid heat through the CDUs, the hall air's
    # through the CRAHs and the equipment's: no heat of its own is left (p_kw)
    assert nodes.loc["H1-FWS", "p_kw"] == 0.0
    rack_air = (base["res_racks"]["p_kw"] * (1 - twin.racks["liquid_fraction"])).sum()
    assert nodes.loc["air:H1", "p_kw"] == pytest.approx(rack_air, rel=1e-9)
    # right after the failure the generators have tripped: no fan or pump runs; the UPSs
    # (on battery) and PDUs still carry their racks
    assert nodes.loc["H1-FWS", "equipment_after_kw"] == pytest.approx(ups, rel=1e-9)
    assert nodes.loc["air:H1", "equipment_after_kw"] == pytest.approx(pdus, rel=1e-9)
