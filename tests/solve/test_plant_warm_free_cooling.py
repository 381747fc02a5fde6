"""Audit 7 F1: chillers short of the load warm the loop, and the free cooling follows the
loop's actual (warmer) return.

The AI hall on its 33 C design day with the chillers cut from 3500 to 1000 kW: the loop
warms to the search's bound (20 + 15 = 35 C) and returns at ~43 C, above the 41 C the dry
coolers deliver (33 C + 8 K approach). Before the fix the dry coolers' share was computed
once from the return at the setpoint (~28 C, below 41 C: nothing) and never revisited, so
they took 0 kW and every kW the chillers could not carry read as unremoved. Hand figures:
each part is the loop's water times its temperature drop, ``F rho cp dT`` (water
995.7 kg/m3 x 4.18 kJ/kgK = 4,162 kJ/m3K, `twin.units`), and the chillers' part is their
DOE-2 capacity at the supply they leave.
"""

from __future__ import annotations

import pytest
import yaml

from twin.layout import validate_data
from twin.model import Twin
from twin.solve import plant, run
from twin.units import CP_WATER_J_KGK, RHO_WATER_KG_M3

RHO_CP = RHO_WATER_KG_M3 * CP_WATER_J_KGK / 1000.0  # kJ/m3K


def _hall(layouts_dir, chiller_kw: float) -> Twin:
    path = layouts_dir / "ai-factory-hall.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["halls"][0]["air_model"] = "kernel"
    doc["profiles"]["chiller-3500"]["capacity_kw"] = chiller_kw
    return Twin.from_layout(validate_data(doc, str(path)))


@pytest.mark.parametrize("chiller_kw", [1000.0, 2200.0])
def test_dry_coolers_take_the_warm_return(layouts_dir, chiller_kw):
    tw = _hall(layouts_dir, chiller_kw)
    r = run(tw)
    lp = r["res_loops"].loc["H1-FWS"]
    q, f = lp["q_kw"], lp["flow_m3_s"]
    t_sup, t_ret, t_fc = lp["t_supply_c"], lp["t_return_c"], lp["t_free_cooling_c"]
    assert t_fc == pytest.approx(33.0 + 8.0)
    assert t_ret - t_sup == pytest.approx(q / (f * RHO_CP), rel=1e-9)
    assert t_ret > t_fc  # the loop returns warmer than the dry coolers deliver
    # dry coolers: the return precooled to 41 C
    fc = f * RHO_CP * (t_ret - t_fc)
    assert lp["free_cooling_kw"] == pytest.approx(fc, rel=1e-9)
    assert r["res_dry_coolers"]["load_kw"].sum() == pytest.approx(fc, rel=1e-9)
    assert (r["res_dry_coolers"]["load_kw"] > 0).all()
    # chillers: flat out at the supply they leave (DOE-2 CAPFT at the warmer water)
    ch = r["res_chillers"]
    on = ch[ch["on"]]
    assert len(on) == 5
    x, y = plant.curve_inputs(t_sup, on["t_cond_entering_c"].to_numpy(float))
    cap = chiller_kw * plant.biquadratic(plant.CAPFT, x, y)
    assert lp["chiller_kw"] == pytest.approx(cap.sum(), rel=1e-9)
    # heat balance: in = free cooling + chillers + unremoved
    assert lp["free_cooling_kw"] + lp["chiller_kw"] + lp["unremoved_kw"] == pytest.approx(
        q, rel=1e-9
    )
    if chiller_kw == 1000.0:  # short even at the bound: only what is left there is unremoved
        assert t_sup == pytest.approx(20.0 + plant.MAX_SUPPLY_RISE_K)
        assert lp["unremoved_kw"] == pytest.approx(q - fc - cap.sum(), rel=1e-9)
        assert lp["unremoved_kw"] < q - cap.sum() - 2000.0  # before: 7.19 MW, dry coolers 0
        assert r.kpis["heat_unremoved_kw"] == pytest.approx(lp["unremoved_kw"], rel=1e-9)
    else:  # a warm steady state inside the bound: the lowest supply where both carry it
        assert 20.0 < t_sup < 20.0 + plant.MAX_SUPPLY_RISE_K
        assert lp["unremoved_kw"] == pytest.approx(0.0, abs=1e-6)
        assert fc + cap.sum() == pytest.approx(q, rel=1e-6)
        assert r.kpis["heat_unremoved_kw"] == pytest.approx(0.0, abs=1e-6)
