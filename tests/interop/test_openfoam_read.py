"""Reading an OpenFOAM room back (no OpenFOAM run): window means, the returns' heat balance
against the racks' heat, and a run whose balance is off reported as not converged with its
residuals, by `read_inlets` and by `twin cfd run`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from twin.cli import main
from twin.errors import ScenarioError
from twin.interop import openfoam_run
from twin.interop.openfoam import MANIFEST
from twin.units import CP_AIR_J_KGK

HEAT_KW = [6.0, 10.0]
MDOT_KG_S = 2.0
T_SUP_C = 18.0


def _dat(case, name: str, values) -> None:
    d = case / "postProcessing" / name / "0"
    d.mkdir(parents=True)
    rows = "".join(f"{10 * (i + 1)}\t{v:.9e}\n" for i, v in enumerate(values))
    (d / "surfaceFieldValue.dat").write_text(f"# Time\tvalue\n{rows}")


def _case(tmp_path, t_ret_c):
    """Two racks, one return whose temperature over 40 samples (iterations 10-400) is `t_ret_c`."""
    case = tmp_path / "case"
    case.mkdir()
    (case / MANIFEST).write_text(
        json.dumps(
            {
                "hall": "H",
                "rack_ids": ["R1", "R2"],
                "patches": ["r0_in", "r1_in"],
                "rack_heat_kw": HEAT_KW,
                "t_supply_c": T_SUP_C,
                "iterations": 400,
            }
        )
    )
    it = np.arange(1, 41)
    _dat(case, "r0_areaAverage", 273.15 + 20.0 + (it % 2))  # 20 / 21 C alternating
    _dat(case, "r0_max", 273.15 + 25.0 + 0 * it)
    _dat(case, "r1_areaAverage", 273.15 + np.linspace(20.0, 30.0, 40))  # still warming
    _dat(case, "r1_max", 273.15 + 31.0 + 0 * it)
    _dat(case, "u0_ret_T", 273.15 + np.asarray(t_ret_c, float))
    _dat(case, "u0_ret_phi", MDOT_KG_S + 0 * it)
    log = "".join(
        f"Time = {i}\n\nDILUPBiCGStab:  Solving for h, Initial residual = {1e-3 / i:.6g}, "
        "Final residual = 1e-06, No Iterations 1\nGAMG:  Solving for p_rgh, Initial residual = "
        f"{2e-2 / i:.6g}, Final residual = 1e-05, No Iterations 2\nGAMG:  Solving for p_rgh, "
        "Initial residual = 0.5, Final residual = 1e-05, No Iterations 2\n\n"
        for i in range(1, 401)
    )
    (case / "log.buoyantSimpleFoam").write_text(log + "End\n")
    return case


def _t_ret_for(balance_pct: float) -> float:
    """Return temperature at which the return carries the racks' heat with that imbalance."""
    q_w = 1000.0 * sum(HEAT_KW) * (1 + balance_pct / 100.0)
    return T_SUP_C + q_w / (MDOT_KG_S * CP_AIR_J_KGK)


def test_window_means_and_balance(tmp_path):
    case = _case(tmp_path, [_t_ret_for(-1.0)] * 40)
    inlets, s = openfoam_run.read_inlets(case)
    # last 25 % of 40 samples: 10 samples, iterations 310-400
    assert list(inlets["samples"]) == [10, 10] and s["window_from_iteration"] == 310
    assert inlets.loc["R1", "t_inlet_c"] == pytest.approx(20.5)
    assert inlets.loc["R1", "t_inlet_spread_k"] == pytest.approx(1.0)
    ramp = np.linspace(20.0, 30.0, 40)[-10:]
    assert inlets.loc["R2", "t_inlet_c"] == pytest.approx(ramp.mean())
    assert inlets.loc["R2", "t_inlet_spread_k"] == pytest.approx(ramp[-1] - ramp[0])
    assert s["rack_heat_kw"] == pytest.approx(16.0)
    assert s["return_heat_kw"] == pytest.approx(16.0 * 0.99)
    assert s["balance_pct"] == pytest.approx(-1.0) and s["converged"]
    assert s["iterations"] == 400
    # residuals: the first solve of each field in the last iteration
    assert s["residuals"] == pytest.approx({"h": 1e-3 / 400, "p_rgh": 2e-2 / 400})
    assert s["residual_max"] == pytest.approx(2e-2 / 400)


def test_unbalanced_run_is_not_converged(tmp_path):
    # warming: the return's heat rises from -30 % to -8 % over the run
    t = np.linspace(_t_ret_for(-30.0), _t_ret_for(-8.0), 40)
    case = _case(tmp_path, t)
    _, s = openfoam_run.read_inlets(case)
    assert not s["converged"] and -15.0 < s["balance_pct"] < -8.0
    # read as if stopped at iteration 200: window 160-200, its own residuals
    _, early = openfoam_run.read_inlets(case, upto=200)
    assert early["iterations"] == 200 and early["window_from_iteration"] == 160
    assert early["balance_pct"] < s["balance_pct"] - 5.0
    assert early["residuals"]["h"] == pytest.approx(1e-3 / 200)
    # a longer window (all samples) averages more of the warming
    _, whole = openfoam_run.read_inlets(case, window=1.0)
    assert whole["window_from_iteration"] == 10 and whole["balance_pct"] < s["balance_pct"]
    with pytest.raises(ScenarioError, match="window"):
        openfoam_run.read_inlets(case, window=0.0)
    with pytest.raises(ScenarioError, match="up to iteration 5"):
        openfoam_run.read_inlets(case, upto=5)


def test_cli_reports_not_converged_with_residuals(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(openfoam_run, "run_case", lambda case, **kw: case)
    bad = _case(tmp_path, [_t_ret_for(-12.0)] * 40)
    assert main(["cfd", "run", str(bad)]) == 0
    out, err = capsys.readouterr()
    assert "NOT CONVERGED" in out and "-12.0 %" in out
    assert "NOT CONVERGED" in err and "p_rgh 5.0e-05" in err and "400 iterations" in err
    assert f"twin cfd run {bad} --iterations 800" in err  # continue it, not start again
    assert main(["cfd", "run", str(bad), "--json"]) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out)["summary"]
    assert summary["converged"] is False and summary["residuals"]["h"] == pytest.approx(2.5e-6)
    assert "NOT CONVERGED" in err


def test_cli_balanced_run_is_quiet(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(openfoam_run, "run_case", lambda case, **kw: case)
    (tmp_path / "a").mkdir()
    good = _case(tmp_path / "a", [_t_ret_for(0.5)] * 40)
    assert main(["cfd", "run", str(good)]) == 0
    out, err = capsys.readouterr()
    assert "converged" in out and "NOT" not in out + err and "+0.5 %" in out


def test_calibrate_from_unconverged_cfd_warns(tmp_path, capsys):
    from twin.cli.calibrate import _runs_from_cfd

    case = tmp_path / "cfd"
    assert (
        main(["cfd", "export", "layouts/small-room.yaml", "--hall", "ROOM", "-o", str(case)]) == 0
    )
    man = json.loads((case / MANIFEST).read_text())
    mdot = 1.2 * sum(man["rack_flow_m3_s"])
    t_ret = T_SUP_C + 1000.0 * sum(man["rack_heat_kw"]) * 0.8 / (mdot * CP_AIR_J_KGK)  # -20 %
    for i in range(len(man["rack_ids"])):
        _dat(case, f"r{i}_areaAverage", [273.15 + 22.0 + 0.1 * i] * 8)
        _dat(case, f"r{i}_max", [273.15 + 25.0] * 8)
    _dat(case, "u0_ret_T", [273.15 + t_ret] * 8)
    _dat(case, "u0_ret_phi", [mdot] * 8)
    capsys.readouterr()
    runs, halls = _runs_from_cfd([str(case)])
    assert halls == {"ROOM"} and len(runs) == 1
    err = capsys.readouterr().err
    assert "NOT CONVERGED" in err and "-20.0 %" in err
