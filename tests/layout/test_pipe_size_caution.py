"""validate warns of a pipe too narrow for its loop's design flow (audit 5: a 0.02 m main on
ai-factory-hall's facility loop validated ok, and the solve printed 4278.9 °C coolant). The
warning's velocity and pressure drop are checked against a hand calculation: continuity and
Darcy-Weisbach with fluids' Colebrook friction factor."""

from __future__ import annotations

import re

import numpy as np
import pytest
import yaml
from fluids.friction import Colebrook

from twin.layout import load
from twin.layout.plausibility import ModelCaution, check_bytes
from twin.units import CP_WATER_J_KGK, FLUIDS

MAIN = "H1-FWS-MS"


def _hall_heat_flow(layouts_dir) -> float:
    """The AI hall's design flow by hand: all its racks' heat (liquid through its CDUs, air
    through its CRAHs, every unit on H1-FWS) at the 10 K design rise; below the 9 x 2000 +
    7 x 350 kW of its units and the two pumps' 2 x 0.38 m3/s."""
    kw = sum(r.power_kw for h in load(layouts_dir / "ai-factory-hall.yaml").halls for r in h.racks)
    assert kw < 9 * 2000 + 7 * 350
    return kw / (FLUIDS["water"][0] * CP_WATER_J_KGK / 1000 * 10.0)


def _edited(layouts_dir, **fields) -> str:
    text = (layouts_dir / "ai-factory-hall.yaml").read_text()
    line = next(t for t in text.splitlines() if f"id: {MAIN}," in t)
    doc = yaml.safe_load(text)
    pipe = next(p for p in doc["cooling"]["pipes"] if p["id"] == MAIN)
    pipe.update(fields)
    new = "  - {" + ", ".join(f"{k}: {v}" for k, v in pipe.items()) + "}"
    return text.replace(line, new)


def _pipe_cautions(text: str) -> list[ModelCaution]:
    return [
        w
        for w in check_bytes(text, "h.yaml")
        if isinstance(w, ModelCaution) and w.path.startswith("cooling.pipes")
    ]


def _hand(q, length, d, rough=4.5e-5):
    rho, mu = FLUIDS["water"]
    v = q / (np.pi * d * d / 4)
    f = Colebrook(rho * v * d / mu, rough / d)
    return v, f * length / d * rho * v * v / 2 / 1000


def test_the_audit_main_is_named_at_its_line_with_hand_figures(layouts_dir):
    text = _edited(layouts_dir, diameter_m=0.02)
    (w,) = _pipe_cautions(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if f"id: {MAIN}," in t)
    assert w.line == line and w.components[0] == MAIN and MAIN in w.message
    v, dp = _hand(_hall_heat_flow(layouts_dir), 100.0, 0.02)
    shown_v = float(re.search(r"at ([\d,.]+) m/s", w.message).group(1).replace(",", ""))
    shown_dp = float(re.search(r"drop there is ([\d,]+) kPa", w.message).group(1).replace(",", ""))
    assert shown_v == pytest.approx(v, rel=1e-3)
    assert shown_dp == pytest.approx(dp, rel=0.02)  # Swamee-Jain vs Colebrook
    assert "above the 400 kPa shut-off head" in w.message


def test_a_long_narrow_pipe_below_the_velocity_bound_is_caught_by_its_head(layouts_dir):
    # 0.3 m at the hall's 0.32 m3/s runs 4.6 m/s, but 20 km of it drops more than the
    # pumps' 400 kPa
    v, dp = _hand(_hall_heat_flow(layouts_dir), 20_000.0, 0.3)
    assert v < 5.0 and dp > 400.0  # the case is what it says
    (w,) = _pipe_cautions(_edited(layouts_dir, diameter_m=0.3, length_m=20000.0))
    assert "above the 400 kPa shut-off head" in w.message


def test_shipped_pipes_pass(layouts_dir):
    for name in ("ai-factory-hall.yaml", "hybrid-inference.yaml"):
        assert _pipe_cautions((layouts_dir / name).read_text()) == []
    # the reference main at its design flow runs under the bound, by hand
    assert _hand(_hall_heat_flow(layouts_dir), 100.0, 0.402)[0] < 5.0


def test_standby_capacity_moves_no_water(layouts_dir):
    """The design flow is the racks' heat, not every unit at capacity: a one-row campus hall
    (2 CDUs of 2 MW for its 16 racks, N+1) whose generated pipes carry its heat at 2.5 m/s
    read 5.3 m/s and 621 kPa through its CDU branches (4 of the 7 warnings), its mains 5.3
    m/s; a loop with no rack heat draws nothing."""
    from twin.layout import generate, validate_data
    from twin.layout.plausibility_pipes import check_pipes, design_flows

    layout = validate_data(generate.campus(1, rows_per_hall=1), "c.yaml")
    kw = sum(r.power_kw for h in layout.halls for r in h.racks)
    (q,) = design_flows(layout).values()
    assert q == pytest.approx(kw / (FLUIDS["water"][0] * CP_WATER_J_KGK / 1000 * 10.0))
    assert check_pipes(layout, None, "c.yaml", lambda *a: a) == []
    for h in layout.halls:
        h.racks.clear()
    assert design_flows(layout) == {}
