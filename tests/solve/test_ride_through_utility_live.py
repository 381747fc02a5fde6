"""Generators start and UPS batteries bridge only when the failure takes the utility off
the load. `twin ride-through --fail CRAC-1` on the small room with a 60 kVA generator said
"generator GEN-1 would carry 574 % of its rating: it trips" and "1 of 1 UPS do not bridge
it" while the utility fed every UPS as before (a cooling unit failed, nothing on battery,
no generator started). Now such a failure says the utility stays live; a utility loss (the
utility, or its transformer on the path to the transfer switch) still reports the trip."""

from __future__ import annotations

import pytest

from twin.cli import main
from twin.layout import loads
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.power import solve_power
from twin.solve.ride_through_power import feed_roots, utility_lost
from twin.solve.transient import cooling_ride_through

SITE_KW = 271.0
"""The small room's draw on the generator once it carries the site (cooling included),
test_ride_through_generator's figure."""


@pytest.fixture(scope="module")
def room(layouts_dir, tmp_path_factory):
    text = (layouts_dir / "small-room.yaml").read_text()
    old = "{id: GEN-1, voltage_kv: 0.415, rating_kva: 500.0}"
    assert old in text
    path = tmp_path_factory.mktemp("rt") / "small-gen.yaml"
    path.write_text(text.replace(old, "{id: GEN-1, voltage_kv: 0.415, rating_kva: 60.0}"))
    return path, Twin.from_layout(loads(path.read_text()))


@pytest.mark.parametrize("failed", ["CRAC-1", "GEN-1", "UPS-1"])
def test_a_failure_that_leaves_the_utility_live_starts_no_generator(room, failed, capsys):
    path, twin = room
    base = run(twin)
    after = solve_power(twin, Scenario.fail(failed))["res_power_nodes"]
    # the independent picture: the generator feeds nothing, every live UPS keeps its source
    assert after.at["GEN-1", "p_kw"] == pytest.approx(0.0, abs=1e-9)
    fed = after["live"].astype(bool) & (after["kind"] != "generators")
    r0, r1 = feed_roots(base["res_power_nodes"]), feed_roots(after)
    assert (r0[fed] == r1[fed]).all() and (r1[fed] == "UTIL").all()
    rt = cooling_ride_through(twin, Scenario.fail(failed), base=base)
    assert rt.generators_tripped == {} and rt.utility_lost is False
    assert not rt.power["on_battery"].any()
    assert utility_lost(twin, base, run(twin, Scenario.fail(failed))) is False  # the app's table
    assert main(["ride-through", str(path), "--fail", failed]) == 0
    out = capsys.readouterr().out
    assert "utility stays live: generators do not start" in out
    for claim in ("would carry", "trips", "bridge", "generator gap", "UPS on battery"):
        assert claim not in out, (claim, out)


@pytest.mark.parametrize("failed", ["UTIL", "TX-1"])
def test_a_utility_loss_still_trips_the_small_generator(room, failed, capsys):
    path, twin = room
    base = run(twin)
    after = solve_power(twin, Scenario.fail(failed))["res_power_nodes"]
    assert feed_roots(after)["UPS-1"] == "GEN-1"  # the transfer switch moved it
    rt = cooling_ride_through(twin, Scenario.fail(failed), base=base)
    assert rt.utility_lost is True
    # by hand: the site's ~271 kW on a 60 kVA set whose engine gives 0.8 x 60 = 48 kW
    assert rt.generators_tripped["GEN-1"] == pytest.approx(100.0 * SITE_KW / 48.0, rel=0.01)
    assert utility_lost(twin, base, run(twin, Scenario.fail(failed))) is True
    assert main(["ride-through", str(path), "--fail", failed]) == 0
    out = capsys.readouterr().out
    pct = rt.generators_tripped["GEN-1"]
    assert f"generator GEN-1 would carry {pct:,.0f} % of its rating: it trips" in out
    assert "UPS on battery (input lost): UPS-1" in out
    assert "1 of 1 UPS do not bridge it" in out
    assert "utility stays live" not in out


@pytest.mark.parametrize(
    ("failed", "why"),
    [
        (("TX-1", "GEN-1"), "its transfer switch MSB's generator GEN-1 is out of service"),
        (("TX-1", "MSB"), "its transfer switch MSB is out of service"),
    ],
)
def test_a_utility_loss_with_no_generator_to_move_to_is_still_a_utility_loss(
    room, failed, why, capsys
):
    """The transformer above the transfer switch failed with the generator (or the switch
    itself): the switch's utility side is dead, nothing moves onto a generator, and every
    element below is dead. It read "utility stays live: generators do not start" and "the
    utility stays live, so its transfer switch starts none" beside a dead utility side."""
    path, twin = room
    base = run(twin)
    after = run(twin, Scenario.fail(*failed))
    nodes = after["res_power_nodes"]
    assert not nodes.loc[["TX-1", "MSB", "UPS-1"], "live"].astype(bool).any()
    assert utility_lost(twin, base, after) is True
    assert cooling_ride_through(twin, Scenario.fail(*failed), base=base).utility_lost is True
    assert main(["ride-through", str(path), "--fail", *failed]) == 0
    out = capsys.readouterr().out
    assert "utility stays live" not in out and "UPS on battery (input lost): UPS-1" in out
    assert f"no generator takes over: {why}, and the racks only it carries lose power" in out
    assert "no generator takes over; 1 of 1 UPS do not bridge it" in out  # not "generator
    assert "generator gap" not in out  # gap no generator takes over"


def test_a_failed_transfer_switch_is_named_while_the_utility_stays_live(room, capsys):
    """Failing the transfer switch MSB cuts UPS-1's input with the utility live. It read "no
    generator takes over: the utility stays live, so its transfer switch starts none", as
    though the switch could have acted; the switch is the element that failed."""
    path, twin = room
    base = run(twin)
    after = run(twin, Scenario.fail("MSB"))
    assert after["res_power_nodes"].at["UTIL", "live"]  # the utility itself is live
    assert not after["res_power_nodes"].at["UPS-1", "live"]
    assert utility_lost(twin, base, after) is False
    assert main(["ride-through", str(path), "--fail", "MSB"]) == 0
    out = capsys.readouterr().out
    assert "utility stays live: generators do not start" in out
    assert "UPS on battery (input lost, utility live): UPS-1" in out
    why = "its transfer switch MSB is out of service"
    assert f"no generator takes over: {why}, and the racks only it carries lose power" in out
    assert "so its transfer switch starts none" not in out
