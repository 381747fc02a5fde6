"""Annual PUE and water by weather bins; weather reading."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.metrics.pue import annual
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.weather import ambient, bins, hum_ratio_c, read_weather


@pytest.fixture(scope="module")
def greensboro() -> pd.DataFrame:
    return read_weather("pvlib:723170TYA")


def test_pvlib_tmy3_reads_with_wet_bulb(greensboro):
    w = greensboro
    assert len(w) == 8760
    assert (w["t_wb_c"] <= w["t_db_c"] + 1e-6).all()
    assert w["t_db_c"].between(-25, 45).all()
    # saturated hours: wet bulb equals dry bulb
    sat = w["rh_pct"] >= 99.9
    if sat.any():
        assert np.allclose(w.loc[sat, "t_wb_c"], w.loc[sat, "t_db_c"], atol=0.1)
    b = bins(w, 3.0)
    assert b["hours"].sum() == 8760
    assert (b["t_wb_c"] <= b["t_db_c"] + 1e-6).all()


def test_ambient_scenario_and_design(small_room):
    d = small_room.layout.site.design
    assert ambient(small_room) == (d.t_db_c, d.t_wb_c)
    assert ambient(small_room, Scenario(t_db_c=20.0, t_wb_c=12.0)) == (20.0, 12.0)
    t_db, t_wb = ambient(small_room, Scenario(t_db_c=30.0))  # the design moisture kept
    assert hum_ratio_c(t_db, t_wb) == pytest.approx(hum_ratio_c(d.t_db_c, d.t_wb_c), rel=1e-6)


def test_annual_pue_is_weighted_mean(layouts_dir, greensboro):
    tw = Twin.load(layouts_dir / "ai-factory-hall.yaml")
    a = annual(tw, weather=greensboro, bin_k=4.0)
    assert a.hours == pytest.approx(8760)
    b = a.bins
    assert b["pue"].min() <= a.pue <= b["pue"].max()
    assert a.pue == pytest.approx(
        (b["hours"] * b["facility_kw"]).sum() / (b["hours"] * b["it_kw"]).sum()
    )
    # a mild climate beats the 33 C design day
    assert a.pue < run(tw).kpis["pue"]
    assert a.as_dict()["annual_pue"] == a.pue


def test_annual_water_of_a_tower_plant(greensboro):
    import yaml

    from twin.layout import loads
    from twin.layout.generate import HallSpec, site

    tw = Twin.from_layout(
        loads(yaml.safe_dump(site("t", [HallSpec("A", [("nvl72", 2)], condenser="tower")])))
    )
    a = annual(tw, weather=greensboro, bin_k=4.0)
    assert a.water_m3 > 0
    assert a.wue_l_per_kwh == pytest.approx(a.water_m3 * 1000 / (a.it_mwh * 1000))
    hot = a.bins["t_wb_c"] > 20
    assert (a.bins.loc[hot, "water_m3_h"] >= a.bins.loc[~hot, "water_m3_h"].max() - 1e-9).any()


def test_annual_without_weather_uses_design(small_room):
    layout = small_room.layout.model_copy(deep=True)
    layout.site.weather_file = None
    tw = Twin.from_layout(layout)
    a = annual(tw)
    assert len(a.bins) == 1 and a.hours == 8760
    assert a.pue == pytest.approx(run(tw).kpis["pue"])
