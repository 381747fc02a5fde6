"""A UPS past its rating is overloaded on its battery too: the ride-through used to say its
battery "bridges the gap" for a UPS that `twin solve` flags at 131.9 % of its rating (the
small room with UPS-1 at 150 kVA; audit 2026-12-05, D3). It now gives the solve's loading,
names the UPS overloaded in the CLI and in the sentence the Failures page shows, and says
what it does not model (how long an inverter carries an overload)."""

import subprocess
import sys
from pathlib import Path

import pytest

from twin.model import Scenario, Twin
from twin.solve import run
from twin.solve.ride_through_power import battery_text
from twin.solve.transient import cooling_ride_through

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"


@pytest.fixture(scope="module")
def small_ups(tmp_path_factory):
    text = (LAYOUTS / "small-room.yaml").read_text()
    old = "      rating_kva: 300.0\n"
    assert text.count(old) == 1  # UPS-1's rating
    path = tmp_path_factory.mktemp("ups") / "small-ups150.yaml"
    path.write_text(text.replace(old, "      rating_kva: 150.0\n"))
    return path


def test_the_ride_through_gives_the_solves_ups_loading(small_ups):
    twin = Twin.load(small_ups)
    solved = run(twin)["res_power_nodes"].at["UPS-1", "loading_pct"]
    assert solved == pytest.approx(131.9, abs=0.05)
    rt = cooling_ride_through(twin, Scenario.fail("UTIL"), t_end_s=600.0)
    assert rt.power.at["UPS-1", "loading_pct"] == pytest.approx(solved, rel=1e-12)
    text = battery_text(rt.power, "UPS-1", rt.utility_lost)
    assert "at 131.9 % of its rating: overloaded" in text
    assert "not modelled" in text


def test_the_cli_names_the_overloaded_ups_and_not_a_sound_one(small_ups):
    def ride(path):
        out = subprocess.run(
            [sys.executable, "-m", "twin", "ride-through", str(path), "--fail", "UTIL"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    over = ride(small_ups)
    assert "UPS over its rating (twin solve's overload): UPS-1" in over
    assert "overloaded" in over
    sound = ride(LAYOUTS / "small-room.yaml")
    assert "over its rating" not in sound and "overloaded" not in sound
