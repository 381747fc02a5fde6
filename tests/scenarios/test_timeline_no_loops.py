"""An outage in an air-cooled room with no liquid loops (small-room without its generator,
audit 5 F-I): the timeline reports no loop water warming (there is none: it reported
145.6 K of 'loop_warming'), and its racks overheated are `twin ride-through`'s."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from twin.cli import main
from twin.model import Twin
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.scenarios.timeline_thermal import has_liquid_loops
from twin.scenarios.workloads import Pattern
from twin.solve.timeline_outage import Outage

ROOM = Path(__file__).resolve().parents[2] / "layouts" / "small-room.yaml"
HALL = Path(__file__).resolve().parents[2] / "layouts" / "ai-factory-hall.yaml"


def _no_generator(tmp_path, battery_kwh: float = 60.0) -> Path:
    text = ROOM.read_text()
    text = text.replace("    - {id: GEN-1, voltage_kv: 0.415, rating_kva: 500.0}\n", "")
    text = text.replace("  generators:\n", "").replace("alternate: GEN-1, ", "")
    assert "GEN-1" not in text and "energy_kwh: 60.0" in text
    text = text.replace("energy_kwh: 60.0", f"energy_kwh: {battery_kwh!r}")
    path = tmp_path / "nogen.yaml"
    path.write_text(text)
    return path


def test_air_cooled_outage_reports_no_loop_water_and_the_ride_throughs_trips(tmp_path, capsys):
    path = _no_generator(tmp_path)
    twin = Twin.load(path)
    assert not has_liquid_loops(twin) and has_liquid_loops(Twin.load(HALL))
    out = Outage(2 * 3600.0, 3600.0)
    tl = simulate(twin, TimelineSpec(hours=4, dt_s=10.0, workload="inference", weather=False,
                                     outage=out))  # fmt: skip
    v = tl.violations
    assert "loop_warming" not in set(v["kind"])
    assert tl.steps["loop_warming_k"].eq(0.0).all() and tl.kpis["loop_warming_max_k"] == 0.0
    # the racks: the same throttles and trips as twin ride-through over the same outage
    csv = tmp_path / "racks.csv"
    argv = ["ride-through", str(path), "--fail", "UTIL", "--racks-out", str(csv),
            "--t-end", str(out.duration_s + 1800)]  # fmt: skip
    assert main(argv) == 0
    rt = pd.read_csv(csv, index_col="id")
    trips = rt["t_to_shutdown_s"].to_numpy(float)
    n_trip = int((trips < out.duration_s).sum())  # before the utility returns
    assert 0 < n_trip <= len(rt)
    assert tl.kpis["racks_tripped_max"] == n_trip
    assert tl.kpis["racks_throttled_max"] == int(np.isfinite(rt["t_to_allowable_s"]).sum())
    first = v[v["kind"] == "thermal_trip"]["start_s"].min()
    assert abs(first - (out.start_s + np.nanmin(trips))) <= 10.0
    # the batteries: both drain them less as racks shut down by heat (they draw nothing);
    # every rack does before the battery empties (the ride-through emptied it at 1,141 s at
    # the racks' draw before the outage until 2026-12-03, and a note said the two disagreed)
    assert n_trip == len(rt) and rt["t_power_lost_s"].isna().all()  # empty: never
    assert not np.isfinite(tl.solved.ups["time_to_empty_s"].min())
    assert not [n for n in tl.notes if "twin ride-through has the UPS batteries empty" in n]
    # the CLI says there are no loops instead of a loop temperature
    capsys.readouterr()
    assert main(["timeline", str(path), "--hours", "4", "--outage-start-h", "2",
                 "--outage-s", "3600", "--design-weather"]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "no liquid loops" in text and "loops up to" not in text
    assert "loop_warming" not in text
    assert "twin ride-through has the UPS batteries empty" not in text


def test_ride_through_and_timeline_empty_the_battery_at_one_time(tmp_path):
    """A 30 kWh battery (496 s at the room's 197 kW) empties while racks shut down by heat:
    `twin ride-through` and the timeline's outage at the same (design) draw empty it within
    one 10 s step of each other (574.45 s and 574.46 s), and say nothing more. At the
    inference workload's lower draw the timeline's lasts longer, which a note says."""
    path = _no_generator(tmp_path, battery_kwh=30.0)
    twin = Twin.load(path)
    csv = tmp_path / "racks.csv"
    assert main(["ride-through", str(path), "--fail", "UTIL", "--racks-out", str(csv),
                 "--t-end", "5400"]) == 0  # fmt: skip
    rt = pd.read_csv(csv, index_col="id")
    lost = float(np.nanmin(rt["t_power_lost_s"].to_numpy(float)))
    assert (rt["t_to_shutdown_s"] < lost).sum() >= 8  # the drain fell on the way
    out = Outage(2 * 3600.0, 3600.0)
    design = Pattern(kind="inference", mid=1.0, amp=0.0)  # flat at design: the same draw
    spec = TimelineSpec(hours=4, dt_s=10.0, workload="inference", pattern=design,
                        weather=False, outage=out)  # fmt: skip
    tl = simulate(twin, spec)
    assert abs(float(tl.solved.ups["time_to_empty_s"].min()) - lost) <= spec.dt_s
    assert not [n for n in tl.notes if "twin ride-through" in n]
    low = simulate(twin, TimelineSpec(hours=4, dt_s=10.0, workload="inference",
                                      weather=False, outage=out))  # fmt: skip
    assert float(low.solved.ups["time_to_empty_s"].min()) > lost + 10.0
    (note,) = [n for n in low.notes if "twin ride-through has the UPS batteries empty" in n]
    assert f"at {lost:,.0f} s into the outage" in note and "workload's draw" in note
    assert "lower bound" in note


def test_no_battery_note_where_a_generator_takes_over(tmp_path):
    text = ROOM.read_text().replace("  - id: ROOM\n", "  - id: ROOM\n    air_model: kernel\n", 1)
    path = tmp_path / "room.yaml"
    path.write_text(text)
    spec = TimelineSpec(hours=4, dt_s=60.0, workload="inference", weather=False,
                        outage=Outage(2 * 3600.0, 3600.0))  # fmt: skip
    assert not [n for n in simulate(Twin.load(path), spec).notes if "ride-through" in n]


def test_cooling_at_the_utilitys_return_after_the_load_was_dropped(tmp_path):
    """A 10 kWh battery empties 133 s into a 600 s outage and the room's load is dropped; at
    the utility's return the DX CRACs (no chiller restart) remove the backlog at their
    installed capacity, drawing in proportion to the heat removed: at most the draw before the
    outage times capacity over the heat then, by hand (~134 kW). The plant's draw was scaled
    over what a running plant would remove of the heat left, ~0 while the load was dropped:
    13,969 kW of cooling, a 14.17 MW grid peak and a grid_limit violation on a 0.27 MW room."""
    twin = Twin.load(_no_generator(tmp_path, battery_kwh=10.0))
    flat = Pattern(kind="inference", mid=1.0, amp=0.0)
    spec = TimelineSpec(hours=2, dt_s=1.0, workload="inference", pattern=flat, weather=False,
                        outage=Outage(1800.0, 600.0))  # fmt: skip
    tl = simulate(twin, spec)
    s = tl.steps
    before = s.iloc[1790]
    assert s["it_kw"].iloc[2390] == 0.0  # the load was dropped when the battery emptied
    plant_kw = float(twin.crahs["capacity_kw"].sum())
    bound = before["cooling_kw"] * plant_kw / before["heat_removed_kw"]
    assert s["heat_removed_kw"].iloc[2400:2600].max() > 0.95 * plant_kw  # catching up
    assert s["cooling_kw"].iloc[2400:].max() <= 1.001 * bound
    grid = float(s["it_kw"].max() + s["losses_kw"].max() + bound + s["ups_charge_kw"].max())
    assert tl.kpis["peak_grid_mw"] * 1000.0 <= grid
    assert "grid_limit" not in set(tl.violations["kind"])
