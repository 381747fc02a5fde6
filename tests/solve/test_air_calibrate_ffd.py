"""twin calibrate on an ``air_model: ffd`` hall: the FFD flow's own parameters (eddy viscosity,
diffusivity), each run at its own airflows and exhaust rise; the layout field
``air_eddy_viscosity_m2_s`` validates, plumbs into the FFD and round-trips through the
calibration file. The small room of tests/one_room.py: ~1 s per FFD march."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import yaml
from one_room import room_text

from twin.cli import main
from twin.errors import LayoutError, ScenarioError
from twin.layout import loads
from twin.model import Twin
from twin.solve import air_calibrate as ac
from twin.solve.air_calibrate_ffd import fit_ffd
from twin.solve.airfield_build import K_AIR_KW_PER_M3S_K

pytestmark = pytest.mark.usefixtures("fresh_marches")  # they count or spy on marches

LOADS = ([12.0, 8.0, 16.0, 6.0], [6.0, 16.0, 8.0, 12.0])
TRUTH = {"air_eddy_viscosity_m2_s": 0.1}  # the default is 0.03: a factor 3.3 away


@pytest.fixture(scope="module")
def ffd():
    return Twin.from_layout(loads(room_text("ffd"), "room.yaml"))


@pytest.fixture(scope="module")
def measured(ffd):
    """The FFD's own inlets at the two loads with eddy viscosity `TRUTH`."""
    ids = ffd.racks.index
    out = []
    for p in LOADS:
        blank = ac.Run(pd.Series(p, index=ids), 18.0, pd.Series(dtype=float))
        out.append(ac.Run(blank.air_kw, 18.0, ac.predict(ffd, "T", blank, TRUTH)))
    return out


@pytest.mark.slow  # ~10 FFD marches of ~1 s
def test_fit_recovers_the_eddy_viscosity_that_made_the_inlets(ffd, measured):
    """Inlets the FFD made at nu = 0.1 m2/s: the fit on one load finds nu within 10 % and
    reproduces the other load, which it never saw; uncalibrated (nu 0.03) both are off."""
    f = ac.fit(ffd, "T", measured[:1])
    assert set(f.params) == {"air_eddy_viscosity_m2_s", "air_diffusivity_m2_s"}
    assert f.params["air_eddy_viscosity_m2_s"] == pytest.approx(0.1, rel=0.1)
    assert f.rmse_after_k < 0.05 < 0.5 < f.rmse_before_k
    held = ac.predict(ffd, "T", measured[1], f.params) - measured[1].t_inlet_c
    before = ac.predict(ffd, "T", measured[1]) - measured[1].t_inlet_c
    assert float(held.abs().max()) < 0.1 < 1.0 < float(before.abs().max())


def test_each_run_gets_its_own_exhaust_rise(ffd):
    """The FFD's buoyancy follows each run's heat and airflow (rise = air_kw / (K q)), not the
    layout's; a stale rise changes the inlets, so the recompute matters."""
    air, ids = ac.hall_input(ffd, "T")
    np.testing.assert_allclose(air.exhaust_rise_k * air.flow_m3_s * K_AIR_KW_PER_M3S_K,
                               [12.0, 8.0, 16.0, 6.0])  # fmt: skip
    power = pd.Series([2.0, 20.0, 5.0, 9.0], index=ids)
    flow = pd.Series([0.5, 0.6, np.nan, 0.3], index=ids)
    for run in (ac.Run(power, 18.0, pd.Series(dtype=float)), ac.Run(power, 18.0, power, flow)):
        got = ac.run_air(ffd, "T", air, ids, run)
        np.testing.assert_allclose(
            got.exhaust_rise_k, power.to_numpy() / (K_AIR_KW_PER_M3S_K * got.flow_m3_s)
        )
    got = ac.run_air(ffd, "T", air, ids, ac.Run(power, 18.0, power, flow))
    assert got.flow_m3_s[0] == 0.5 and got.flow_m3_s[2] == air.flow_m3_s[2]
    # at 140 CFM per kW every rack rises 12.7 K whatever its power; at a CFD case's (or a
    # fixed) airflow the rise follows the heat, and a stale rise moves the inlets
    run = ac.Run(power, 18.0, power, flow)
    fresh = ac._inlets(ac.run_air(ffd, "T", air, ids, run), ids, run)
    stale = dataclasses.replace(
        ac.run_air(ffd, "T", air, ids, run), exhaust_rise_k=air.exhaust_rise_k
    )
    stale = ac._inlets(stale, ids, run)
    assert np.abs(fresh - stale).max() > 0.01  # 0.03 K in this small room (round-off: 1e-12)
    # the potential field has no buoyancy of its own: no rise
    field = Twin.from_layout(loads(room_text("field"), "room.yaml"))
    f_air, _ = ac.hall_input(field, "T")
    assert ac.run_air(field, "T", f_air, ids, run).exhaust_rise_k is None


@pytest.mark.slow  # ~10 FFD marches of ~1 s
def test_contained_hall_fits_its_containment_leak():
    """Hot-aisle containment: the leak is one of the fitted parameters (by default), and
    inlets the FFD made at a leak of 0.3 (default 0.08) give it back."""
    t = Twin.from_layout(loads(room_text("ffd", hall={"containment": "hot-aisle"}), "r.yaml"))
    run = ac.Run(t.racks["power_kw"], 18.0, pd.Series(dtype=float))
    made = ac.Run(run.air_kw, 18.0, ac.predict(t, "T", run, {"containment_leak": 0.3}))
    f = fit_ffd(t, "T", [made], grid_nu=(0.03,), refine_nfev=0)  # the defaults' names only
    assert set(f.params) == {"air_eddy_viscosity_m2_s", "air_diffusivity_m2_s", "containment_leak"}
    f = ac.fit(t, "T", [made], ("containment_leak",))
    assert f.params["containment_leak"] == pytest.approx(0.3, abs=0.03)
    assert f.rmse_after_k < 0.15 < 1.0 < f.rmse_before_k


def test_an_unsettled_ffd_is_left_out_or_a_clear_error(ffd, monkeypatch):
    """An FFD march that does not settle (here: made to fail above nu 0.2) is reported and
    left out of the fit, never its answer; where the hall's own setting fails, a
    ScenarioError says so (the CLI prints it, exit 2)."""
    from twin.solve import airfield_ffd

    real = airfield_ffd.hall_flux

    def flaky(g, air, *args):
        if air.ffd_nu_m2_s > 0.2 or air.ffd_nu_m2_s == 0.0123:
            raise FloatingPointError("FFD flux is not finite")
        return real(g, air, *args)

    monkeypatch.setattr(airfield_ffd, "hall_flux", flaky)
    power = pd.Series([7.0, 9.0, 3.0, 11.0], index=ffd.racks.index)  # fluxes not cached yet
    made = ac.Run(power, 18.0, ac.predict(ffd, "T", ac.Run(power, 18.0, pd.Series(dtype=float))))
    said = []
    f = fit_ffd(ffd, "T", [made], ("air_eddy_viscosity_m2_s",), said.append, (0.03, 0.3), 0)
    assert f.params["air_eddy_viscosity_m2_s"] == pytest.approx(0.03)
    assert any("0.3: the FFD flow did not settle" in m and "left out" in m for m in said)
    other = dataclasses.replace(ac.hall_input(ffd, "T")[0], ffd_nu_m2_s=0.0123)
    monkeypatch.setattr(ac, "hall_input", lambda twin, hall: (other, ffd.racks.index))
    with pytest.raises(ScenarioError, match="has no answer to fit: the FFD flow did not"):
        fit_ffd(ffd, "T", [made], ("air_eddy_viscosity_m2_s",), None, (0.03,), 0)


def test_parameters_of_the_other_flow_are_refused(ffd, measured):
    with pytest.raises(ScenarioError, match="not a parameter of the FFD flow"):
        ac.fit(ffd, "T", measured[:1], ("air_plume_share",))
    field = Twin.from_layout(loads(room_text("field"), "room.yaml"))
    with pytest.raises(ScenarioError, match="the FFD flow's"):
        ac.fit(field, "T", measured[:1], ("air_eddy_viscosity_m2_s",))


def test_layout_field_validates_plumbs_and_is_refused_where_wrong():
    t = Twin.from_layout(loads(room_text("ffd", hall={"air_eddy_viscosity_m2_s": 0.07}), "r"))
    air, _ = ac.hall_input(t, "T")
    assert air.ffd_nu_m2_s == 0.07
    for value, why in ((0.0001, "greater than or equal to 0.001"), (5.0, "less than or equal")):
        text = room_text("ffd", hall={"air_eddy_viscosity_m2_s": value})
        with pytest.raises(LayoutError) as exc:
            loads(text, "room.yaml")
        line = next(i for i, s in enumerate(text.splitlines(), 1) if "air_eddy_viscosity" in s)
        msg = str(exc.value)
        assert f"room.yaml:{line}: halls[0].air_eddy_viscosity_m2_s" in msg and why in msg
    text = room_text("field", hall={"air_eddy_viscosity_m2_s": 0.05})
    with pytest.raises(LayoutError, match="air_model is field, which does not use it"):
        loads(text, "room.yaml")


@pytest.mark.slow  # ~10 FFD marches of ~1 s
def test_cli_writes_ffd_fields_that_reproduce_the_fit(ffd, measured, tmp_path, capsys):
    """twin calibrate on an ffd hall: progress on stderr, the parameters with their units,
    and a calibration file whose fields, set on the hall, give the fitted inlets."""
    path = tmp_path / "room.yaml"
    path.write_text(room_text("ffd"))
    csv = tmp_path / "m.csv"
    m = measured[0]
    pd.DataFrame(
        {"rack": m.t_inlet_c.index, "t_inlet_c": m.t_inlet_c.to_numpy(), "power_kw": LOADS[0]}
    ).to_csv(csv, index=False)
    assert main(["calibrate", str(path), "--from-csv", str(csv)]) == 0
    cap = capsys.readouterr()
    assert "FFD evaluation 1 (1 run(s))" in cap.err and "Traceback" not in cap.err
    assert "air_eddy_viscosity_m2_s: " in cap.out and " m2/s (eddy viscosity" in cap.out
    doc = yaml.safe_load(path.with_suffix(".air-calibration.yaml").read_text())["halls"][0]
    fields = doc["fields"]
    assert fields["air_model"] == "ffd" and doc["rmse_after_k"] < 0.05
    assert set(fields) == {"air_model", "air_eddy_viscosity_m2_s", "air_diffusivity_m2_s"}
    assert fields["air_eddy_viscosity_m2_s"] == pytest.approx(0.1, rel=0.1)
    data = yaml.safe_load(path.read_text())
    data["halls"][0].update(fields)
    calibrated = tmp_path / "calibrated.yaml"
    calibrated.write_text(yaml.safe_dump(data))
    t2 = Twin.load(calibrated)
    got = ac.predict(t2, "T", ac.Run(m.air_kw, 18.0, pd.Series(dtype=float)))
    assert float((got - m.t_inlet_c).abs().max()) < 0.1
    # the file beside the layout is applied on load: the same hall as pasted by hand
    cols = ["air_model", "air_eddy_viscosity_m2_s", "air_diffusivity_m2_s"]
    assert Twin.load(path).halls[cols].equals(t2.halls[cols])
