"""Weather: the vectorised wet bulb against psychrolib, point by point."""

from __future__ import annotations

import numpy as np
import psychrolib
import pytest

from twin.solve.weather import sat_vap_pres_pa, wet_bulb_c


def test_sat_vap_pres_matches_psychrolib():
    psychrolib.SetUnitSystem(psychrolib.SI)
    for t in (-20.0, -0.5, 0.01, 0.5, 20.0, 45.0):
        assert sat_vap_pres_pa(t) == pytest.approx(psychrolib.GetSatVapPres(t), rel=1e-12)


def test_wet_bulb_matches_psychrolib():
    psychrolib.SetUnitSystem(psychrolib.SI)
    rng = np.random.default_rng(7)
    t = rng.uniform(-15, 45, 80)
    rh = rng.uniform(0.05, 1.0, 80)
    p = rng.uniform(85_000, 103_000, 80)
    ours = wet_bulb_c(t, rh, p)
    ref = np.array([psychrolib.GetTWetBulbFromRelHum(*x) for x in zip(t, rh, p, strict=True)])
    # ASHRAE's two wet-bulb relations do not meet at 0 C: near freezing both roots are valid
    away = np.abs(ref) > 0.3
    assert np.abs(ours - ref)[away].max() < 2e-3
    assert np.abs(ours - ref).max() < 1.0
    assert (ours <= t + 1e-9).all()
    assert np.allclose(wet_bulb_c(t, 1.0, p), t, atol=2e-3)  # saturated air
