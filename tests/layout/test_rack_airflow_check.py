"""A rack's given airflow must carry its air heat: 0.0001 m3/s for a 5 kW rack (m3/h or CFM
typed as m3/s) was accepted, and the solve then shut 16 of 20 racks down by heat, blaming
their cooling (audit 2026-12-04). Refused at the rack's line, with the airflow it needs."""

from __future__ import annotations

import pytest

from twin.errors import LayoutError
from twin.layout import loads
from twin.units import K_AIR_KW_PER_M3S_K

RA01 = "{id: RA01, row: RA, slot: 0, profile: enterprise-10kw, power_kw: 5.0,"


def _room(layouts_dir, airflow: float) -> str:
    text = (layouts_dir / "small-room.yaml").read_text()
    assert RA01 in text
    return text.replace(RA01, RA01 + f" airflow_m3_s: {airflow},")


@pytest.mark.parametrize("airflow", [0.0001, 0.1])
def test_too_little_air_for_the_heat_is_located(layouts_dir, airflow):
    with pytest.raises(LayoutError) as e:
        loads(_room(layouts_dir, airflow), name="room.yaml")
    said = str(e.value)
    rise = 5.0 / (K_AIR_KW_PER_M3S_K * airflow)  # by hand: Q = rho cp V dT
    assert "room.yaml:35: halls[0].racks[0].airflow_m3_s: RA01" in said
    assert f"heats the air by {rise:,.1f} K" in said
    assert f"needs at least {5.0 / (K_AIR_KW_PER_M3S_K * 40.0):.3g} m3/s" in said


@pytest.mark.parametrize("airflow", [0.11, 0.3, 5.0])
def test_enough_air_loads(layouts_dir, airflow):
    assert loads(_room(layouts_dir, airflow)).halls[0].racks[0].airflow_m3_s == airflow
