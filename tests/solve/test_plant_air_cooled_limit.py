"""Air-cooled chillers stop above their condenser's outdoor limit, as DX CRACs do (audit 7 F5).

They ran on at 55-60 C outdoor air with COP 4.2-4.4 (the DOE-2 curves read 63-68 C condenser
air, far past their fit) while the DX units of the same weather stopped at 51.7 C."""

from __future__ import annotations

import pytest

from twin.errors import LayoutError
from twin.layout import loads
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.dx_cop import MAX_AMBIENT_C

CH5 = "{id: H1-CH5, profile: chiller-3500, loop: H1-FWS,"


@pytest.fixture(scope="module")
def hall_text(layouts_dir) -> str:
    text = (layouts_dir / "ai-factory-hall.yaml").read_text()
    assert text.count(CH5) == 1
    return text


def test_every_air_cooled_chiller_stops_past_the_dx_limit(hall_text):
    twin = Twin.from_layout(loads(hall_text, "ai-factory-hall.yaml"))
    below = run(twin, Scenario(t_db_c=MAX_AMBIENT_C - 0.1))
    assert below["res_chillers"]["running"].all() and below["res_chillers"]["on"].any()
    above = run(twin, Scenario(t_db_c=MAX_AMBIENT_C + 0.1))
    ch = above["res_chillers"]
    assert not ch["running"].any() and (ch["p_kw"] == 0).all() and (ch["load_kw"] == 0).all()
    v = above.violations.set_index("component")
    for cid in ch.index:
        row = v.loc[[cid]]
        row = row[row["kind"] == "over_temperature"].iloc[0]
        assert row["limit"] == MAX_AMBIENT_C and "51.7 °C limit: stopped" in row["message"]
    # the heat did not vanish: with no chiller the racks' heat shuts them down, said so
    assert (above.violations["kind"] == "thermal_shutdown").any()


def test_a_chillers_own_limit(hall_text):
    text = hall_text.replace(CH5, CH5 + " t_ambient_max_c: 46.0,")
    twin = Twin.from_layout(loads(text, "ai-factory-hall.yaml"))
    r = run(twin, Scenario(t_db_c=47.0))
    ch = r["res_chillers"]
    assert not ch.loc["H1-CH5", "running"] and ch.loc["H1-CH5", "p_kw"] == 0.0
    assert ch.drop("H1-CH5")["running"].all()
    v = r.violations[r.violations["component"] == "H1-CH5"]
    assert list(v["kind"]) == ["over_temperature"] and "46.0 °C limit" in v["message"].iat[0]
    assert run(twin, Scenario(t_db_c=45.0))["res_chillers"]["running"].all()


def test_a_water_cooled_chiller_has_no_such_limit(hall_text):
    bad = hall_text.replace(CH5, CH5 + " condenser_loop: H1-FWS, t_ambient_max_c: 46.0,")
    with pytest.raises(LayoutError, match="outdoor limit of an air-cooled condenser"):
        loads(bad, "water.yaml")
