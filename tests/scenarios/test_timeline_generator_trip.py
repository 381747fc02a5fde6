"""A generator smaller than its load in a timeline outage (audit 7 F2): small-room with GEN-1
cut to 100 kVA (80 kW at pf 0.8) behind ~271 kW. `twin ride-through --fail UTIL` says it
trips (339 %) and UPS-1 runs on its battery; the timeline had the 80 kW generator deliver
290 kW for minutes (generator_mwh 0.0648), the battery recharged from it, the plant
removing more heat than entered while racks overheated, and 51 kWh of IT gone with
it_lost_kw 0. One rule now (`twin.solve.generator_trip`): it trips at takeover and stays
off, the battery discharges, racks lost are counted as IT lost."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from twin.cli import main
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve.ride_through_power import peukert_autonomy_s, power_ride_through

ROOM = Path(__file__).resolve().parents[2] / "layouts" / "small-room.yaml"
GEN = "    - {id: GEN-1, voltage_kv: 0.415, rating_kva: 500.0}\n"
START_H, OUT_S, DT = 0.5, 1800.0, 60.0


def _room(tmp_path, gen_kva: float, battery_kwh: float = 60.0, kernel: bool = True) -> Path:
    text = ROOM.read_text()
    assert GEN in text and "energy_kwh: 60.0" in text and "    ashrae_class: A1\n" in text
    text = text.replace(GEN, GEN.replace("500.0", f"{gen_kva!r}"))
    text = text.replace("energy_kwh: 60.0", f"energy_kwh: {battery_kwh!r}")
    if kernel:  # not about the air: the fast model
        text = text.replace(
            "    ashrae_class: A1\n", "    ashrae_class: A1\n    air_model: kernel\n"
        )
    path = tmp_path / f"gen{gen_kva:g}-{battery_kwh:g}{'-k' * kernel}.yaml"
    path.write_text(text)
    return path


def _timeline(tmp_path, capsys, path: Path):
    """The audit's command: 2 h at 60 s steps, a flat 189 kW trace, 30 min outage at 0.5 h."""
    trace = tmp_path / "flat.csv"
    trace.write_text("time_s,ROOM\n0,189\n3600,189\n7200,189\n")
    out = tmp_path / f"{path.stem}.parquet"
    argv = ["timeline", str(path), "--hours", "2", "--step-s", f"{DT:g}", "--design-weather",
            "--trace", str(trace), "--outage-start-h", f"{START_H:g}", "--outage-s",
            f"{OUT_S:g}", "--parquet", str(out), "--json"]  # fmt: skip
    capsys.readouterr()
    assert main(argv) == 0
    return pd.read_parquet(out), json.loads(capsys.readouterr().out)


def _outage(steps: pd.DataFrame) -> slice:
    k0 = int(START_H * 3600 / DT)
    return slice(k0, k0 + int(OUT_S / DT))


def test_an_undersized_generator_trips_and_the_battery_carries_the_outage(tmp_path, capsys):
    path = _room(tmp_path, 100.0)
    twin = Twin.load(path)
    ride = power_ride_through(twin, Scenario.fail("UTIL"))
    pct = float(ride.at["UPS-1", "generator_loading_pct"])
    # by hand: the site's ~271 kW against the engine's 100 kVA x 0.8 = 80 kW
    assert pct == pytest.approx(339.0, abs=1.0) and pct / 100.0 * 80.0 > 270.0
    steps, rep = _timeline(tmp_path, capsys, path)
    kp, v = rep["kpis"], pd.DataFrame(rep["violations"])
    out = _outage(steps)
    # the generator trips when it takes over and stays off: it delivers nothing
    assert steps["generator_kw"].abs().max() < 1e-9 and kp["generator_mwh"] == 0.0
    trip = v[v["kind"] == "generator_trip"]
    assert list(trip["component"]) == ["GEN-1"]
    assert trip["value"].iat[0] == pytest.approx(pct, rel=1e-9)
    assert trip["start_s"].iat[0] == START_H * 3600 and trip["duration_s"].iat[0] == OUT_S
    assert "generator_overload" not in set(v["kind"])
    # the battery discharges: the first steps at UPS-1's full draw take dt / autonomy of
    # its rated charge each (Peukert: H (P_r / P)^k = 0.25 h x (240 / 197)^1.2 = 19.0 min,
    # twin ride-through's figure; 60 kWh / 197 kW = 18.3 min at k = 1)
    draw = float(steps["ups_discharge_kw"].iloc[out.start])
    auto = float(peukert_autonomy_s(np.array([draw]), 60.0, 0.25, 1.2)[0])
    assert auto / 60 == pytest.approx(19.0, abs=0.1)
    soc = steps["ups_soc_frac"].to_numpy()
    assert soc[out.start] == pytest.approx(1.0 - DT / auto, rel=1e-6)
    assert soc[out.start + 1] == pytest.approx(1.0 - 2 * DT / auto, rel=1e-6)
    assert kp["ups_soc_min_frac"] < 0.5 and np.all(np.diff(soc[out]) < 0)
    assert steps["ups_charge_kw"].iloc[out].max() == 0.0  # nothing recharges it in the outage
    # the plant has no source in the outage: it removes nothing and draws nothing, while the
    # heat in piles up in the loops (removed <= heat in + what the stored heat gives back)
    assert steps["heat_removed_kw"].iloc[out].max() == 0.0
    assert steps["cooling_kw"].iloc[out].max() == 0.0
    q_in, q_out = steps["heat_in_kw"].to_numpy(), steps["heat_removed_kw"].to_numpy()
    held = np.r_[steps["loop_heat_kwh"].iat[0], steps["loop_heat_kwh"].to_numpy()]
    given = -np.diff(held) * 3600.0 / DT  # kW the stored heat gives back in each step
    assert np.all(q_out <= q_in + given + 1e-6 * q_in.max())
    assert abs(kp["heat_balance_residual_rel"]) < 1e-6 and abs(kp["balance_residual_rel"]) < 1e-6
    # IT the racks shut down by heat is IT lost, step by step and in the violations: what
    # runs and what is lost add up to the 189 kW asked for
    it, lost = steps["it_kw"].to_numpy(), steps["it_lost_kw"].to_numpy()
    assert np.allclose((it + lost)[out], 189.0)
    assert lost[out].max() > 150.0 and np.allclose(lost, steps["it_tripped_kw"].to_numpy())
    assert (v["kind"] == "it_lost").any()
    lost_mwh = (189.0 * 2.0 - kp["it_mwh"] * 1000.0) / 1000.0  # by hand: 189 kW x 2 h - IT run
    assert lost.sum() * DT / 3.6e6 == pytest.approx(lost_mwh, rel=1e-9)


def test_a_battery_that_empties_drops_its_racks_as_it_lost(tmp_path, capsys):
    """10 kWh behind the same tripped generator: at 197 kW it lasts 0.25 h x (40 / 197)^1.2
    = 133 s (Peukert; 10 / 197 h = 183 s at k = 1), then the racks on UPS-1 drop until the
    utility returns: load_dropped, it_dropped and it_lost say so."""
    path = _room(tmp_path, 100.0, battery_kwh=10.0)
    steps, rep = _timeline(tmp_path, capsys, path)
    kp, v = rep["kpis"], pd.DataFrame(rep["violations"])
    out = _outage(steps)
    draw = float(steps["ups_discharge_kw"].iloc[out.start])
    auto = float(peukert_autonomy_s(np.array([draw]), 10.0, 0.25, 1.2)[0])
    assert auto == pytest.approx(133.0, abs=2.0)
    assert kp["ups_time_to_empty_min_s"] == pytest.approx(auto, rel=1e-6)
    assert kp["ups_soc_min_frac"] == pytest.approx(0.0, abs=1e-9)
    drop = steps["it_dropped_kw"].to_numpy()
    assert drop[out.start + 3 : out.stop].min() > 0.0  # empty from 133 s to the return
    assert np.allclose(steps["it_lost_kw"], drop + steps["it_tripped_kw"].to_numpy())
    assert kp["load_dropped_mwh"] > 0.0
    assert set(v.loc[v["kind"] == "load_dropped", "component"]) == {"UPS-1"}
    assert (v["kind"] == "it_lost").any() and steps["generator_kw"].abs().max() < 1e-9


def test_a_generator_that_carries_the_site_is_unchanged(tmp_path, capsys):
    """500 kVA (400 kW) carries the 273.9 kW site: generator_mwh 0.137 = 0.2739 MW x 0.5 h
    (less the 10 s start, plus the battery's recharge), no trip, nothing lost."""
    steps, rep = _timeline(tmp_path, capsys, _room(tmp_path, 500.0))
    kp, v = rep["kpis"], pd.DataFrame(rep["violations"])
    assert kp["generator_mwh"] == pytest.approx(0.2739 * 0.5, rel=0.01)
    assert v.empty or not ({"generator_trip", "generator_overload", "it_lost"} & set(v["kind"]))
    assert steps["it_lost_kw"].max() == 0.0 and kp["ups_soc_min_frac"] > 0.98


def test_racks_that_trip_again_when_the_utility_returns_stay_off(tmp_path, capsys):
    """The audit's room as shipped (its own air model: the kernel has the hottest inlet 9.8 K
    over at the return, short of the 10 K trip, and every rack restarts): the plant restarts
    with the utility in twin ride-through too, and the racks it restarts into a room still
    past their shutdown trip again; the timeline keeps them off to the ride-through's end.
    Before, it counted all 189 kW running from the return with inlets 12.8 K over."""
    path = _room(tmp_path, 100.0, kernel=False)
    twin = Twin.load(path)
    steps, rep = _timeline(tmp_path, capsys, path)
    out = _outage(steps)
    it, lost = steps["it_kw"].to_numpy(), steps["it_lost_kw"].to_numpy()
    # after the utility returns: the racks twin ride-through trips again then (restarted into
    # a room past their shutdown) stay off to its end, 1,800 s on; at the flat 189 kW (every
    # rack at its design power) their IT lost is their layout kW. No rack runs that the
    # ride-through has off (the timeline had all 189 kW back with inlets 12.8 K over)
    th = pd.DataFrame(rep["thermal"]).set_index("id")
    again = th.index[np.isfinite(th["trip_after_return_s"].astype(float))]
    back = START_H * 3600 + OUT_S
    assert len(again) and (th.loc[again, "trip_to_s"] == back + 1800.0).all()
    kw = float(twin.racks["power_kw"].reindex(again).sum())
    k1, k2 = out.stop, out.stop + int(1800 / DT)
    assert np.allclose(lost[k1:k2], kw) and np.allclose(lost[k2:], 0.0)
    assert np.allclose(it[k1:k2], 189.0 - kw)
    v = pd.DataFrame(rep["violations"])
    msg = v.loc[v["kind"] == "thermal_trip", "message"].iat[0]
    assert f"{len(again)} trip again when the utility returns" in msg
    # and the plant, back with the utility, takes the room below the allowable within a step
    assert steps["t_inlet_over_allowable_k"].iloc[k1 + 1 : k2].max() < 0.0
