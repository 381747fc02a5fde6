"""DX CRAC COP against outdoor dry bulb (twin.solve.dx_cop): closed form, monotone fall, the
condenser's ambient limit as a violation, and PUE following the weather on small-room."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from twin.cli import main
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.airflow import crac_cop
from twin.solve.dx_cop import (
    CONDENSER_APPROACH_K,
    MAX_AMBIENT_C,
    MIN_CONDENSING_C,
    RATED_AMBIENT_C,
    carnot_efficiency,
    dx_cop,
)

# small-room's CRAC: 18 C supply, so T_evap = 18 - 12 = 6 C; condensing = ambient + 13 K.
# crac_cop(18) = 0.0068 * 18^2 + 0.0008 * 18 + 0.458 = 2.6756 (REFERENCE 1), by hand.
COP_18_RATED = 2.6756


def test_constants_are_the_documented_ones():
    assert (RATED_AMBIENT_C, CONDENSER_APPROACH_K, MAX_AMBIENT_C) == (35.0, 13.0, 51.7)


def test_closed_form_at_two_ambients():
    assert crac_cop(18.0) == pytest.approx(COP_18_RATED, abs=1e-12)
    # at the rated ambient: the legacy curve itself
    assert dx_cop(18.0, 35.0) == pytest.approx(COP_18_RATED, rel=1e-12)
    # at 45 C: T_cond 58 C, lift 52 K against 42 K rated
    assert dx_cop(18.0, 45.0) == pytest.approx(COP_18_RATED * 42.0 / 52.0, rel=1e-12)
    # the Carnot fraction eta = COP (T_c - T_e) / T_e[K] is the one constant of the model
    eta = COP_18_RATED * 42.0 / (6.0 + 273.15)
    assert carnot_efficiency(18.0, 25.0) == pytest.approx(eta, rel=1e-12)
    assert carnot_efficiency(18.0, 45.0) == pytest.approx(eta, rel=1e-12)


def test_cop_falls_monotonically_with_ambient_and_is_floored_in_the_cold():
    t = np.linspace(-40.0, MAX_AMBIENT_C, 400)
    cop = dx_cop(20.0, t)
    assert np.all(np.isfinite(cop)) and np.all(np.diff(cop) <= 1e-12)
    warm = t > MIN_CONDENSING_C - CONDENSER_APPROACH_K
    assert np.all(np.diff(cop[warm]) < 0)  # strictly falling once condensing floats
    assert np.ptp(cop[~warm]) == 0.0  # head-pressure control: constant below the floor
    assert math.isnan(float(dx_cop(20.0, MAX_AMBIENT_C + 0.1)))  # no COP past the limit


def test_compressor_power_follows_the_law_in_the_coupled_solve(small_room):
    rated = run(small_room, Scenario(t_db_c=35.0))
    hot = run(small_room, Scenario(t_db_c=45.0))
    c35 = rated["res_crahs"]["compressor_kw"].to_numpy()
    c45 = hot["res_crahs"]["compressor_kw"].to_numpy()
    assert np.all(c35 > 0)
    np.testing.assert_allclose(c45, c35 * 52.0 / 42.0, rtol=1e-9)  # same heat, COP x 42/52
    # the design point of small-room is the rated ambient: its numbers are unchanged
    design = run(small_room)
    assert design.kpis["pue"] == pytest.approx(rated.kpis["pue"], rel=1e-12)
    # PUE rises with the compressor power; energy still balances
    assert hot.kpis["pue"] > rated.kpis["pue"] + 0.05
    d_cool = hot.kpis["cooling_kw"] - rated.kpis["cooling_kw"]
    assert d_cool == pytest.approx(float((c45 - c35).sum()), rel=1e-6)
    assert abs(hot.kpis["energy_balance_residual_kw"]) < 1e-3
    assert not len(hot.violations)
    cold = run(small_room, Scenario(t_db_c=5.0))
    assert cold.kpis["pue"] < rated.kpis["pue"]


def test_above_the_condenser_limit_is_a_violation_not_a_number(small_room):
    r = run(small_room, Scenario(t_db_c=60.0))
    v = r.violations[r.violations["kind"] == "uncooled"]
    dx = small_room.crahs.index[small_room.crahs["type"] == "crac"]
    assert sorted(v["component"]) == sorted(dx)
    assert all("60.0 °C" in m and "51.7 °C" in m for m in v["message"])
    rc = r["res_crahs"]
    assert np.all(rc["compressor_kw"] == 0.0)
    # the heat the units were given before the racks tripped (no cooling removes it: they
    # trip, test below), racks' heat and more, kept as the reason
    assert v["value"].sum() > small_room.racks["power_kw"].sum()
    assert all("before racks shut down by heat" in m for m in v["message"])
    assert r.kpis["heat_unremoved_kw"] == pytest.approx(float(rc["load_kw"].sum()))
    assert math.isnan(r.kpis["pue"])  # no steady state, no efficiency figure
    # just inside the limit the units still run
    ok = run(small_room, Scenario(t_db_c=MAX_AMBIENT_C))
    assert not (ok.violations["kind"] == "uncooled").any()


def test_cli_dry_bulb_uses_the_ambient_cop(capsys, layouts_dir, monkeypatch):
    monkeypatch.chdir(layouts_dir.parent)
    out = {}
    for t in ("35", "45"):
        assert (
            main(["solve", "layouts/small-room.yaml", "--t-db", t, "--json", "--no-headroom"]) == 0
        )
        out[t] = json.loads(capsys.readouterr().out)
    assert out["45"]["pue"] > out["35"]["pue"]


def test_a_units_own_ambient_limit(layouts_dir):
    from twin.errors import LayoutError
    from twin.layout import loads
    from twin.model import Twin

    text = (layouts_dir / "small-room.yaml").read_text()
    old = "{id: CRAC-3, hall: ROOM, profile: crac-120kw,"
    assert text.count(old) == 1
    tw = Twin.from_layout(loads(text.replace(old, old + " t_ambient_max_c: 46.0,"), "x.yaml"))
    r = run(tw, Scenario(t_db_c=48.0))
    v = r.violations[r.violations["kind"] == "uncooled"]
    assert list(v["component"]) == ["CRAC-3"] and "46.0 °C" in v["message"].iat[0]
    comp = r["res_crahs"]["compressor_kw"]
    assert comp["CRAC-3"] == 0.0 and comp["CRAC-1"] > 0 and comp["CRAC-2"] > 0
    assert r.kpis["heat_unremoved_kw"] == pytest.approx(r["res_crahs"].loc["CRAC-3", "load_kw"])
    # a chilled-water CRAH has no condenser: the field is refused, located
    hall = (layouts_dir / "ai-factory-hall.yaml").read_text()
    crah = hall.split("crahs:")[1].split("\n")[1]
    assert "type: crac" not in crah and crah.rstrip().endswith("}")
    bad = hall.replace(crah, crah.rstrip()[:-1] + ", t_ambient_max_c: 46.0}")
    with pytest.raises(LayoutError, match="t_ambient_max_c is the outdoor limit of a DX unit"):
        loads(bad, "crah.yaml")


def test_annual_pue_follows_the_weather_year(small_room):
    """Greensboro's year is mostly below the 35 C design point: the DX units' annual PUE
    lies between the coldest-air PUE (condensing at its floor) and the design PUE; before
    the COP followed the air, it equalled the design PUE exactly."""
    from twin.metrics.pue import annual

    design = run(small_room).kpis["pue"]
    floor = run(small_room, Scenario(t_db_c=-20.0)).kpis["pue"]
    a = annual(small_room).as_dict()["annual_pue"]
    assert floor < a < design - 0.05


def test_racks_trip_when_the_outdoor_air_stops_every_dx_compressor(small_room):
    """Above the condensers' limit no CRAC removes heat (their fans still run): the racks'
    heat goes nowhere, as when every CRAC has failed, and they trip the same way instead of
    running on at full power with the design-day inlets."""
    dx = small_room.crahs.index[small_room.crahs["type"] == "crac"]
    assert len(dx) == len(small_room.crahs)  # every unit of the room is DX
    hot = run(small_room, Scenario(t_db_c=55.0))
    failed = run(small_room, Scenario.fail(*dx))
    air = small_room.racks.index[small_room.racks["liquid_fraction"] < 1]
    assert len(air) == len(small_room.racks)
    for r in (hot, failed):
        assert (r["res_racks"].loc[air, "thermal_state"] == "shutdown").all()
        assert r.kpis["racks_shutdown"] == len(air)
        assert r.kpis["it_kw"] == pytest.approx(0.0, abs=1e-9)  # IT served: none
    assert hot.kpis["it_shutdown_kw"] == pytest.approx(failed.kpis["it_shutdown_kw"], rel=1e-9)
    assert hot.kpis["it_shutdown_kw"] == pytest.approx(small_room.racks["power_kw"].sum())
    trips = hot.violations[hot.violations["kind"] == "thermal_shutdown"]
    assert sorted(trips["component"]) == sorted(air)
    # the reason is the outdoor air, named on the units (kept from before the trip)
    v = hot.violations[hot.violations["kind"] == "uncooled"]
    assert set(dx) <= set(v["component"]) and all("55.0 °C" in m for m in v["message"])
