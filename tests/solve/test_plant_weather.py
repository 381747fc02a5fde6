"""Weather: the vectorised wet bulb against psychrolib, point by point."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from twin.solve.weather import sat_vap_pres_pa, wet_bulb_c

RNG = np.random.default_rng(7)
T = RNG.uniform(-15, 45, 200)
RH = RNG.uniform(0.05, 1.0, 200)
P = RNG.uniform(85_000, 103_000, 200)


SCRIPT = """
import json, sys
sys.modules["numba"] = None  # psychrolib's plain-Python build
import psychrolib
psychrolib.SetUnitSystem(psychrolib.SI)
t, rh, p = json.load(sys.stdin)
print(json.dumps([[psychrolib.GetSatVapPres(x) for x in t],
                  [psychrolib.GetTWetBulbFromRelHum(*x) for x in zip(t, rh, p)]]))
"""


@pytest.fixture(scope="module")
def reference():
    """psychrolib's scalar functions, in a subprocess without numba (its
    numba-vectorised build recompiles per unit-system change and is slow to start)."""
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        input=json.dumps([T.tolist(), RH.tolist(), P.tolist()]),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    pws, twb = json.loads(out.stdout)
    return np.array(pws), np.array(twb)


def test_sat_vap_pres_matches_psychrolib(reference):
    assert np.allclose(sat_vap_pres_pa(T), reference[0], rtol=1e-12)


def test_wet_bulb_matches_psychrolib(reference):
    ours, ref = wet_bulb_c(T, RH, P), reference[1]
    # ASHRAE's two wet-bulb relations do not meet at 0 C: near freezing both roots are valid
    away = np.abs(ref) > 0.3
    assert np.abs(ours - ref)[away].max() < 2e-3
    assert np.abs(ours - ref).max() < 1.0
    assert (ours <= T + 1e-9).all()
    assert np.allclose(wet_bulb_c(T, 1.0, P), T, atol=2e-3)  # saturated air
