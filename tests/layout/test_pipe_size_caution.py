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

from twin.layout.plausibility import ModelCaution, check_bytes
from twin.units import CP_WATER_J_KGK, FLUIDS

MAIN = "H1-FWS-MS"


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
    # design flow by hand: 9 CDUs x 2000 kW + 7 CRAHs x 350 kW at the 10 K design rise,
    # below the two pumps' 2 x 0.38 m3/s rated
    q = (9 * 2000 + 7 * 350) / (FLUIDS["water"][0] * CP_WATER_J_KGK / 1000 * 10.0)
    v, dp = _hand(q, 100.0, 0.02)
    shown_v = float(re.search(r"at ([\d,.]+) m/s", w.message).group(1).replace(",", ""))
    shown_dp = float(re.search(r"drop there is ([\d,]+) kPa", w.message).group(1).replace(",", ""))
    assert shown_v == pytest.approx(v, rel=1e-3)
    assert shown_dp == pytest.approx(dp, rel=0.02)  # Swamee-Jain vs Colebrook
    assert "above the 400 kPa shut-off head" in w.message


def test_a_long_narrow_pipe_below_the_velocity_bound_is_caught_by_its_head(layouts_dir):
    # 0.36 m at 0.491 m3/s runs 4.8 m/s, but 20 km of it drops more
    # than the pumps' 400 kPa
    q = (9 * 2000 + 7 * 350) / (FLUIDS["water"][0] * CP_WATER_J_KGK / 1000 * 10.0)
    v, dp = _hand(q, 20_000.0, 0.36)
    assert v < 5.0 and dp > 400.0  # the case is what it says
    (w,) = _pipe_cautions(_edited(layouts_dir, diameter_m=0.36, length_m=20000.0))
    assert "above the 400 kPa shut-off head" in w.message


def test_shipped_pipes_pass(layouts_dir):
    for name in ("ai-factory-hall.yaml", "hybrid-inference.yaml"):
        assert _pipe_cautions((layouts_dir / name).read_text()) == []
    # the reference main at its design flow runs under the bound, by hand
    q = (9 * 2000 + 7 * 350) / (FLUIDS["water"][0] * CP_WATER_J_KGK / 1000 * 10.0)
    assert _hand(q, 100.0, 0.402)[0] < 5.0
