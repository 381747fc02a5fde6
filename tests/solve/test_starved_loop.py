"""A facility loop whose pumps cannot push its water through an undersized pipe is 'starved'
(audit 5): a 0.02 m main on ai-factory-hall's 13.5 MW facility loop printed 'coolant supply
4278.9 °C' for every rack and 'supply air rises to 973.48 °C' for every CRAH. The delivered
flow is checked against a hand solve of the pump curve against Darcy-Weisbach (Colebrook),
and no temperature above boiling is given as an answer."""

from __future__ import annotations

import re

import numpy as np
import pytest
from fluids.friction import Colebrook
from scipy.optimize import brentq

from tests.layout_edit import edited_layout
from twin.model import Twin
from twin.solve import run
from twin.solve.hydraulics import FLUIDS, RATED_HEAD_FRACTION
from twin.units import T_BOIL_WATER_C

MAIN = "H1-FWS-MS"


@pytest.fixture(scope="module")
def starved(layouts_dir, tmp_path_factory):
    def edit(doc: dict) -> None:
        for hall in doc["halls"]:
            hall["air_model"] = "kernel"
        for p in doc["cooling"]["pipes"]:
            if p["id"] == MAIN:
                p["diameter_m"] = 0.02

    path = edited_layout(
        layouts_dir / "ai-factory-hall.yaml", tmp_path_factory.mktemp("s"), "tiny.yaml", edit
    )
    tw = Twin.load(path)
    return tw, run(tw)


def _dp_kpa(q, length, d, rough=4.5e-5):
    """Darcy-Weisbach with Colebrook's friction factor (fluids.friction.Colebrook)."""
    rho, mu = FLUIDS["water"]
    v = q / (np.pi * d * d / 4)
    re = rho * v * d / mu
    return Colebrook(float(re), float(rough / d)) * length / d * rho * v * v / 2 / 1000


def test_starved_loop_flow_matches_the_hand_solve(starved):
    tw, res = starved
    v = res.violations
    rows = v[v["kind"] == "starved"]
    assert list(rows["component"]) == ["H1-FWS"]
    pumps = tw.pumps[tw.pumps["loop"] == "H1-FWS"]
    h0 = float(pumps["head_kpa"].max())
    q_r = float(pumps["flow_m3_s"].iat[0])
    k = (1 - RATED_HEAD_FRACTION) * h0 / q_r**2  # per pump, two in parallel
    pipes = tw.pipes

    def series_dp(q):
        """The main, the return main and the 5 chiller branches; the 16 unit branches add
        well under 0.4 kPa at this flow (bounded below), out of 400."""
        ms, mr = pipes.loc[MAIN], pipes.loc["H1-FWS-MR"]
        ch = pipes.loc["H1-CH1-PIPE"]
        return (
            _dp_kpa(q, ms.length_m, ms.diameter_m)
            + _dp_kpa(q, mr.length_m, mr.diameter_m)
            + _dp_kpa(q / 5, ch.length_m, ch.diameter_m)
        )

    q_hand = brentq(lambda q: h0 - k * (q / 2) ** 2 - series_dp(q), 1e-6, 0.76)
    cdu = pipes.loc["H1-TCS1-CDU1-PIPE"]
    # one unit branch carrying it all bounds the 16 in parallel: under 0.1 % of the head
    assert _dp_kpa(q_hand, cdu.length_m, cdu.diameter_m) < 1e-3 * h0
    delivered = float(rows["value"].iat[0])
    assert delivered == pytest.approx(q_hand, rel=1e-3)
    assert delivered < 0.01 * 2 * q_r  # far below the pumps' rated flow
    msg = rows["message"].iat[0]
    ms = pipes.loc[MAIN]
    dp_main = _dp_kpa(q_hand, ms.length_m, ms.diameter_m)
    assert f"pipe {MAIN} (0.02 m diameter) takes {dp_main:.0f} kPa of their {h0:.0f} kPa" in msg
    assert "H1-FWS-P1" in msg and "H1-FWS-P2" in msg and "no steady state" in msg
    # the residual: heat beyond what the flow carries below boiling, from the loop's own q
    q_kw = float(re.search(r"its (\d+) kW needs", msg).group(1))
    rho_cp = 995.7 * 4180.0 / 1000.0
    t_sup = float(res["res_loops"].at["H1-FWS", "t_supply_c"])
    carried = delivered * rho_cp * (T_BOIL_WATER_C - t_sup)
    assert f"carries {carried:.0f} kW" in msg
    # the rest is unremoved, not carried by water past boiling: no steady state, no PUE
    beyond = float(re.search(r"(\d+) kW more stays unremoved", msg).group(1))
    assert beyond == pytest.approx(q_kw - carried, abs=1.0)
    assert res.kpis["heat_unremoved_kw"] >= beyond - 1.0
    assert np.isnan(res.kpis["pue"])
    assert res["res_loops"].at["H1-FWS", "t_return_c"] <= T_BOIL_WATER_C + 1e-6
    assert float(rows["limit"].iat[0]) == pytest.approx(q_kw / (rho_cp * 10.0), rel=2e-3)


def test_no_temperature_above_boiling_is_printed(starved):
    _, res = starved
    for msg in res.violations["message"]:
        for t in re.findall(r"(-?\d[\d,]*\.?\d*) °C", msg):
            assert float(t.replace(",", "")) <= T_BOIL_WATER_C, msg
    trips = res.violations[res.violations["kind"] == "thermal_shutdown"]
    assert len(trips) == len(res["res_racks"])
    assert trips["message"].str.contains("no steady state within the physical range").all()
