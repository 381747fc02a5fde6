"""The air field's default buoyant drift from the hall's geometry (twin.solve.airfield_build)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from twin.layout.validate import validate_data
from twin.model import Twin
from twin.solve import air_calibrate
from twin.solve import airfield_build as ab
from twin.solve.airfield import HallAir
from twin.solve.airflow import K_AIR_KW_PER_M3S_K

RISE_K = 12.65  # 140 CFM per kW (REFERENCE 1)


def _hall(height=3.6, flow=0.5, n=16, containment="none", units=2, size=(12.0, 9.0)):
    x = np.arange(n) * 0.6 + 2.0
    return HallAir(
        size_m=(*size, height),
        x_m=x,
        y_m=np.full(n, 3.0),
        face_x=np.zeros(n),
        face_y=np.full(n, -1.0),
        width_m=np.full(n, 0.6),
        depth_m=np.full(n, 1.2),
        height_m=np.full(n, 2.2),
        flow_m3_s=np.full(n, flow),
        blanking=np.ones(n),
        ux_m=np.full(units, 0.5),
        uy_m=np.linspace(1.2, 7.8, units),
        u_flow_m3_s=np.full(units, 4.0),
        u_face=np.zeros(units),
        u_supply=("front",) * units,
        u_return=("ceiling",) * units,
        containment=containment,
    )


def test_ceiling_layer_is_a_gravity_current():
    air = _hall()
    delta = ab.ceiling_layer_m(air, RISE_K)
    q = air.flow_m3_s.sum() / 2 / air.size_m[0]  # two equal units: half the flow each
    g_red = ab.G_M_S2 * RISE_K / ab.T_REF_K
    # the layer carries q at the front speed of a gravity current of its depth
    assert q / delta == pytest.approx(ab.FRONT_FROUDE * np.sqrt(g_red * delta), rel=1e-12)
    # twice the flow through one unit: delta grows as q^(2/3)
    one = dataclasses.replace(air, ux_m=air.ux_m[:1], uy_m=air.uy_m[:1],
                              u_flow_m3_s=air.u_flow_m3_s[:1], u_face=air.u_face[:1],
                              u_supply=air.u_supply[:1], u_return=air.u_return[:1])  # fmt: skip
    assert ab.ceiling_layer_m(one, RISE_K) == pytest.approx(delta * 2 ** (2 / 3), rel=1e-12)


def test_drift_only_where_the_layer_fits_above_the_racks():
    delta = ab.ceiling_layer_m(_hall(), RISE_K)
    low = _hall(height=2.2 + 0.9 * delta)
    assert ab.buoyant_drift_m_s(low, RISE_K) == 0.0
    drifts = [ab.buoyant_drift_m_s(_hall(height=2.2 + delta + c), RISE_K) for c in (0.1, 0.5, 1)]
    assert 0 < drifts[0] < drifts[1] < drifts[2]
    assert ab.buoyant_drift_m_s(_hall(containment="hot-aisle"), RISE_K) == 0.0
    assert ab.buoyant_drift_m_s(_hall(), 0.0) == 0.0  # no heat, no buoyancy


def test_validation_rooms():
    """The OpenFOAM rooms of docs/validation.md (bench.air_rooms): 8 kW racks, 0.53 m3/s each."""
    row = _hall(height=3.0, flow=0.529, n=10, units=1, size=(10.0, 6.0))
    pair = _hall(height=3.6, flow=0.529, n=16, units=2, size=(12.0, 9.0))
    assert ab.buoyant_drift_m_s(row, RISE_K) == 0.0  # 0.8 m above the racks, ~1.4 m layer
    assert 0.1 < ab.buoyant_drift_m_s(pair, RISE_K) < 0.3  # 1.4 m above, ~1.1 m layer


ROOM = {
    "format_version": 1,
    "site": {"name": "drift room", "grid_mw": 1.0},
    "halls": [
        {
            "id": "H",
            "air_model": "field",
            "size_m": [12.0, 9.0],
            "height_m": 3.6,
            "rows": [{"id": "R", "origin_m": [3.0, 3.0], "axis": "x", "facing": "-"}],
            "racks": [
                {"id": f"R{i}", "row": "R", "slot": i, "power_kw": 8.0, "feed_a": "PDU"}
                for i in range(8)
            ],
        }
    ],
    "power": {
        "utilities": [{"id": "UTIL", "voltage_kv": 0.415, "capacity_mva": 1.0}],
        "pdus": [{"id": "PDU", "upstream": "UTIL", "rating_kva": 500.0}],
    },
    "cooling": {
        "crahs": [
            {"id": "U", "hall": "H", "type": "crac", "capacity_kw": 150.0, "airflow_m3_s": 8.0,
             "fan_kw": 3.0, "t_supply_c": 18.0, "position_m": [0.5, 1.2], "facing": "+x"}
        ]
    },
}  # fmt: skip


def test_layout_gets_the_law_unless_calibrated():
    t = Twin.from_layout(validate_data(ROOM, "drift.yaml"))
    air, _ = air_calibrate.hall_input(t, "H")
    rise = 8.0 * 8 / (K_AIR_KW_PER_M3S_K * air.flow_m3_s.sum())
    assert air.drift_m_s == pytest.approx(ab.buoyant_drift_m_s(air, rise), rel=1e-12)
    assert air.drift_m_s > 0
    doc = {**ROOM, "halls": [{**ROOM["halls"][0], "air_buoyant_drift_m_s": 0.05}]}
    t = Twin.from_layout(validate_data(doc, "drift.yaml"))
    assert air_calibrate.hall_input(t, "H")[0].drift_m_s == 0.05
