"""Pipe networks: Darcy-Weisbach against the hand formula, mass balance, pump curves, affinity."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from twin.layout import loads
from twin.layout.generate import HallSpec, site
from twin.model import Twin
from twin.solve import hydraulics
from twin.units import RHO_WATER_KG_M3

MU = hydraulics.FLUIDS["water"][1]


def test_single_pipe_matches_hand_darcy_weisbach():
    q, length, d, rough = 0.05, 120.0, 0.15, 4.5e-5
    dp, f, re = hydraulics.pipe_dp_kpa(np.array([q]), length, d, rough, RHO_WATER_KG_M3, MU)
    v = q / (math.pi * d * d / 4)
    re_hand = RHO_WATER_KG_M3 * v * d / MU
    f_sj = 0.25 / math.log10(rough / (3.7 * d) + 5.74 / re_hand**0.9) ** 2  # Swamee-Jain
    dp_hand = f_sj * length / d * RHO_WATER_KG_M3 * v * v / 2 / 1000
    assert re[0] == pytest.approx(re_hand, rel=1e-9)
    assert dp[0] == pytest.approx(dp_hand, rel=0.02)  # Swamee-Jain is within ~1 % of Colebrook
    # laminar: f = 64/Re exactly
    ql = 1e-5
    dpl, fl, rel = hydraulics.pipe_dp_kpa(np.array([ql]), 10.0, 0.05, 0.0, RHO_WATER_KG_M3, MU)
    assert fl[0] == pytest.approx(64 / rel[0], rel=1e-5)  # Re rounded to 6 digits for reuse
    vl = ql / (math.pi * 0.05**2 / 4)
    assert dpl[0] == pytest.approx(
        32 * MU * 10.0 * vl / 0.05**2 / 1000, rel=1e-5
    )  # Hagen-Poiseuille


def _pump_pipe_twin(roughness: float = 4.5e-5) -> Twin:
    """Small room plus one closed loop: a pump and a single return pipe."""
    doc = yaml.safe_load(open("layouts/small-room.yaml").read())
    doc["cooling"]["loops"] = [{"id": "L", "kind": "chilled", "t_supply_c": 10.0}]
    doc["cooling"]["pumps"] = [
        {"id": "P", "loop": "L", "from": "a", "to": "b", "head_kpa": 200.0, "flow_m3_s": 0.02}
    ]
    doc["cooling"]["pipes"] = [
        {
            "id": "X",
            "loop": "L",
            "from": "b",
            "to": "a",
            "length_m": 200.0,
            "diameter_m": 0.1,
            "roughness_m": roughness,
        }
    ]
    return Twin.from_layout(loads(yaml.safe_dump(doc)))


def test_pump_meets_system_curve():
    tw = _pump_pipe_twin()
    r = hydraulics.solve_hydraulics(tw)
    q = r.res_pumps.at["P", "flow_m3_s"]
    k = hydraulics.pump_k(200.0, 0.02)
    assert r.res_pipes.at["X", "flow_m3_s"] == pytest.approx(q, rel=1e-12)
    assert r.res_pipes.at["X", "dp_kpa"] == pytest.approx(200.0 - k * q * q, rel=1e-8)
    assert r.res_pumps.at["P", "p_kw"] == pytest.approx(r.res_pumps.at["P", "dp_kpa"] * q / 0.87)
    assert np.abs(r.res_node["imbalance_m3_s"]).max() < 1e-12


def test_affinity_laws():
    """Fully rough pipe (f constant): Q ~ N, H ~ N^2, P ~ N^3."""
    tw = _pump_pipe_twin(roughness=0.005)
    base = hydraulics.solve_hydraulics(tw).res_pumps.loc["P"]
    slow = hydraulics.solve_hydraulics(tw, speed=np.array([0.8])).res_pumps.loc["P"]
    assert slow["flow_m3_s"] / base["flow_m3_s"] == pytest.approx(0.8, rel=3e-3)
    assert slow["dp_kpa"] / base["dp_kpa"] == pytest.approx(0.64, rel=6e-3)
    assert slow["p_kw"] / base["p_kw"] == pytest.approx(0.512, rel=1e-2)


def test_failed_pump_stops_flow():
    tw = _pump_pipe_twin()
    r = hydraulics.solve_hydraulics(tw, running=np.array([False]))
    assert r.res_pumps.at["P", "p_kw"] == 0.0
    assert r.res_pipes.at["X", "flow_m3_s"] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    "specs",
    [
        [HallSpec("A", [("nvl72", 2)])],
        [HallSpec("A", [("nvl72", 3), ("npu-inference", 2)], condenser="tower")],
    ],
)
def test_mass_balance_at_every_node(specs):
    tw = Twin.from_layout(loads(yaml.safe_dump(site("t", specs))))
    r = hydraulics.solve_hydraulics(tw)
    assert len(r.res_pipes) > 3
    scale = r.res_pipes["flow_m3_s"].abs().max()
    assert np.abs(r.res_node["imbalance_m3_s"]).max() < 1e-9 * scale
    # parallel branches between the same two nodes see the same drop
    p = r.res_node["p_kpa"]
    for pid, row in tw.pipes.iterrows():
        drop = p[f"{row['loop']}|{row['from_node']}"] - p[f"{row['loop']}|{row['to_node']}"]
        assert r.res_pipes.at[pid, "dp_kpa"] == pytest.approx(drop, abs=1e-6)


def test_pumps_on_a_loop_without_pipes_run_at_their_rated_point():
    """A loop with pumps and no pipes (hydraulics unmodelled, as validation allows) runs
    its pumps at their rated point: flow Q_r, head 0.75 H0 (the curve), power dp Q / eta.
    Their nodes were on no running link, so the Jacobian was singular: flows came out inf,
    the solve reported not_converged and every PUE was undefined."""
    doc = yaml.safe_load(open("layouts/small-room.yaml").read())
    doc["cooling"]["loops"] = [{"id": "L", "kind": "chilled", "t_supply_c": 10.0}]
    doc["cooling"]["pumps"] = [
        {"id": "P", "loop": "L", "from": "a", "to": "b", "head_kpa": 200.0, "flow_m3_s": 0.02}
    ]
    tw = Twin.from_layout(loads(yaml.safe_dump(doc)))
    r = hydraulics.solve_hydraulics(tw)
    assert r.converged and r.residual_m3_s == 0.0
    p = r.res_pumps.loc["P"]
    assert p["flow_m3_s"] == 0.02
    assert p["dp_kpa"] == pytest.approx(0.75 * 200.0, rel=1e-12)
    assert p["p_kw"] == pytest.approx(0.75 * 200.0 * 0.02 / 0.87, rel=1e-12)
    assert np.isfinite(r.res_node["p_kpa"]).all()
