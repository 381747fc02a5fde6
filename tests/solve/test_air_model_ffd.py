"""`air_model: ffd`: a hall on the air field with the Fast Fluid Dynamics flow, chosen in
the layout. It validates, solves to finite inlets that differ from the potential field's,
says so in `hall_method`, keeps the solve's energy balances closed, gives one hottest inlet
through the CLI and the Python API (its calibration: tests/solve/test_air_calibrate_ffd.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from one_room import room_text

import twin.solve
from twin.cli import main
from twin.errors import LayoutError
from twin.layout import loads
from twin.model import Twin
from twin.solve import airflow
from twin.solve.airfield_build import hall_air
from twin.solve.results import BALANCE_REL_TOL, SOLVER_KINDS


def _text(model: str, **rack_a) -> str:
    return room_text(model, **rack_a)


@pytest.fixture(scope="module")
def solved():
    """model -> (twin, results) for the same room on the FFD and the potential field."""
    out = {}
    for model in ("ffd", "field"):
        t = Twin.from_layout(loads(_text(model), "room.yaml"))
        out[model] = (t, twin.solve.run(t))
    return out


def test_ffd_validates_and_a_wrong_value_names_it():
    assert loads(_text("ffd"), "room.yaml").halls[0].air_model == "ffd"
    with pytest.raises(LayoutError) as exc:
        loads(_text("fdd"), "room.yaml")
    assert "air_model" in str(exc.value) and "'ffd'" in str(exc.value)


def test_ffd_hall_gets_its_own_finite_inlets_and_says_so(solved):
    (t_ffd, r_ffd), (t_fld, r_fld) = solved["ffd"], solved["field"]
    assert airflow.air_model(t_ffd).hall_method == {"T": "ffd"}
    assert airflow.air_model(t_fld).hall_method == {"T": "field"}
    a = r_ffd["res_racks"].loc[["A", "B", "C", "D"], ["t_inlet_c", "t_inlet_max_c"]]
    b = r_fld["res_racks"].loc[["A", "B", "C", "D"], ["t_inlet_c", "t_inlet_max_c"]]
    assert np.isfinite(a.to_numpy()).all()
    assert (a["t_inlet_c"] > 18.0).all()  # recirculation only warms above the supply
    assert (a["t_inlet_max_c"] >= a["t_inlet_c"] - 1e-9).all()
    assert np.abs(a.to_numpy() - b.to_numpy()).max() > 0.1  # another flow, other inlets


def test_ffd_input_has_the_racks_exhaust_rise():
    """Each rack's buoyancy rise is its air heat over rho cp q (given airflow on rack A)."""
    t = Twin.from_layout(loads(_text("ffd", airflow_m3_s=0.9), "room.yaml"))
    k = airflow.air_model(t).k_kw_k
    air = hall_air(t, 0, np.arange(4), k)
    assert air.flow == "ffd"
    p_kw = np.array([12.0, 8.0, 16.0, 6.0])
    q = np.r_[0.9, p_kw[1:] * 140.0 / 2118.88]  # 140 CFM per kW, 2118.88 CFM per m3/s
    np.testing.assert_allclose(air.exhaust_rise_k, p_kw / (1.19 * 1.005 * q), rtol=1e-4)
    field = hall_air(Twin.from_layout(loads(_text("field"), "room.yaml")), 0, np.arange(4), k)
    assert field.flow == "potential" and field.exhaust_rise_k is None


def test_ffd_solve_keeps_the_energy_balances(solved):
    t, r = solved["ffd"]
    assert not r.violations["kind"].isin(SOLVER_KINDS).any(), r.violations
    tol = BALANCE_REL_TOL * max(abs(r.kpis["facility_kw"]), 1.0)
    for key in ("power_balance_residual_kw", "energy_balance_residual_kw"):
        assert abs(r.kpis[key]) <= tol, (key, r.kpis[key])
    racks = r["res_racks"]  # each rack: exhaust over intake by its air heat over rho cp q
    q = airflow.air_model(t).airflow_m3_s
    rise = racks["air_kw"].to_numpy() / (1.19 * 1.005 * q)
    np.testing.assert_allclose(racks["t_outlet_c"] - racks["t_inlet_c"], rise, rtol=1e-3)
    # the room's air heat leaves through its one cooling unit, none left over
    assert r["res_crahs"].loc["U", "unremoved_kw"] == 0.0
    assert r["res_crahs"].loc["U", "removed_kw"] >= racks["air_kw"].sum() - 1e-9


def test_cli_and_api_give_one_hottest_inlet(solved, tmp_path, capsys):
    path = tmp_path / "room.yaml"
    path.write_text(_text("ffd"))
    assert main(["solve", str(path), "--json", "--no-headroom"]) == 0
    cli = json.loads(capsys.readouterr().out)["t_inlet_max_c"]
    _, r = solved["ffd"]
    assert cli == pytest.approx(r.kpis["t_inlet_max_c"], abs=1e-9)
    assert cli == pytest.approx(r["res_racks"]["t_inlet_max_c"].max(), abs=1e-9)
    field = solved["field"][1].kpis["t_inlet_max_c"]
    assert abs(cli - field) > 0.1
