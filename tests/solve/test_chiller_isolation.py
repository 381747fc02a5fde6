"""Audit 7 F4: a chiller that staging (or a failure) stopped has its isolation valve shut,
so its branch carries no water and the running chillers carry the loop's flow.

Before, the hydraulic solve kept the stopped chiller's pipe open: on the AI hall (5 x 3500
kW, 4 on at the design day) 1/5 of the loop water went through H1-CH5 unchilled at the
30 C return while the plant reported 20.0 C supply and the running chillers' COP at 20 C.
Now the branch is closed (every chiller branch is taken to have an isolation valve: the
layout format cannot say otherwise; docs/layout-format.md). Hand figures: each running
chiller cools its branch's water from the return to its leaving temperature,
``Q_i = F_i rho cp (T_ret - T_lvg)`` (water 995.7 kg/m3 x 4.18 kJ/kgK, `twin.units`), and the
branches mix to the supply the loop reports.
"""

from __future__ import annotations

import pytest
import yaml

from twin.layout import validate_data
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run
from twin.units import CP_WATER_J_KGK, RHO_WATER_KG_M3

RHO_CP = RHO_WATER_KG_M3 * CP_WATER_J_KGK / 1000.0  # kJ/m3K


@pytest.fixture(scope="module")
def hall(layouts_dir) -> Twin:
    path = layouts_dir / "ai-factory-hall.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["halls"][0]["air_model"] = "kernel"
    return Twin.from_layout(validate_data(doc, str(path)))


@pytest.mark.parametrize(("failed", "off"), [((), "H1-CH5"), (("H1-CH1",), "H1-CH1")])
def test_stopped_chiller_branch_carries_no_water(hall, failed, off):
    r = run(hall, Scenario.fail(*failed) if failed else None)
    assert r.kpis["coupled_converged"]
    ch, pipes = r["res_chillers"], r["res_pipes"]
    lp = r["res_loops"].loc["H1-FWS"]
    on = ch.index[ch["on"]]
    assert list(ch.index[~ch["on"]]) == [off] and len(on) == 4
    assert pipes.at[f"{off}-PIPE", "flow_m3_s"] == 0.0
    flow = pipes.loc[[f"{c}-PIPE" for c in on], "flow_m3_s"].to_numpy(float)
    assert flow.sum() == pytest.approx(lp["flow_m3_s"], rel=1e-9)
    # each running chiller takes its branch's water from the return to the supply shown
    lvg = lp["t_return_c"] - ch.loc[on, "load_kw"].to_numpy(float) / (flow * RHO_CP)
    assert lvg == pytest.approx(ch.loc[on, "t_chw_leaving_c"].to_numpy(float), abs=1e-6)
    assert lvg == pytest.approx(lp["t_supply_c"], abs=1e-6)
    # the branches mix to the supply the loop reports (an open branch would add return water)
    mixed = (flow * lvg).sum() / flow.sum()
    assert mixed == pytest.approx(lp["t_supply_c"], abs=1e-6)
    assert lp["t_supply_c"] == pytest.approx(20.0)


def test_the_running_branches_stay_under_the_velocity_guideline(hall):
    """With a fifth of the branches shut the other four carry the loop: sized on a fifth of
    the loop (0.18 m) they ran at 3.18 m/s, past the 3 m/s `twin refresh` holds pipes to, so
    a refresh that added nothing to the plant broke on them; sized on each chiller's design
    flow (0.207 m, layouts/ai-factory-hall.yaml) they run at ~2.4 m/s."""
    from twin.scenarios.refresh_limits import PIPE_VELOCITY_MAX_M_S

    r = run(hall)
    v = r["res_pipes"].loc[[f"H1-CH{i}-PIPE" for i in range(1, 6)], "velocity_m_s"].abs()
    assert v.max() <= PIPE_VELOCITY_MAX_M_S and v.max() > 2.0  # carrying, not oversized
    # each branch at most its chiller's design flow (3,500 kW at the loop's 10 K)
    q = r["res_pipes"].loc["H1-CH1-PIPE", "flow_m3_s"]
    assert q <= 3500.0 / (RHO_CP * 10.0)
