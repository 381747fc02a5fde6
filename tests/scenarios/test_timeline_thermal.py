"""Does anything overheat in an outage? The timeline reports racks throttled and tripped by
heat over time, at the times `twin ride-through` gives for the same outage (within a step),
and the tripped racks' tokens as lost to `thermal`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from twin.cli import main
from twin.metrics.catalogue import catalogue, rack_catalogue, throughput_fraction
from twin.model import Twin
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.scenarios.workloads import Pattern, fraction
from twin.solve.timeline_outage import Outage

HALL = Path(__file__).resolve().parents[2] / "layouts" / "ai-factory-hall.yaml"
OUT = Outage(3600.0, 900.0)


def _variant(tmp_path, gen_start_s: float) -> Path:
    """The reference hall with a slower generator (the plant stays off longer)."""
    text = HALL.read_text().replace("start_s: 10.0", f"start_s: {gen_start_s}")
    path = tmp_path / f"hall-gen{gen_start_s:g}.yaml"
    path.write_text(text)
    return path


def _ride_through(path: Path) -> pd.DataFrame:
    """Per-rack times from the `twin ride-through` CLI for the utility lost (GRID)."""
    out = path.with_suffix(".racks.csv")
    argv = ["ride-through", str(path), "--fail", "GRID", "--racks-out", str(out),
            "--t-end", str(OUT.duration_s + 1800)]  # fmt: skip
    assert main(argv) == 0
    return pd.read_csv(out, index_col="id")


@pytest.mark.parametrize("dt", [1.0, 10.0])
def test_trips_start_when_ride_through_says_and_cost_their_tokens(tmp_path, dt):
    path = _variant(tmp_path, 120.0)
    twin = Twin.load(path)
    pat = Pattern(checkpoint_s=0.0)
    spec = TimelineSpec(hours=2, dt_s=dt, workload="training", pattern=pat, weather=False,
                        outage=OUT)  # fmt: skip
    tl = simulate(twin, spec)
    rt = _ride_through(path)
    v = tl.violations.set_index("kind")
    # the first throttle and the first trip: within one step of the ride-through's times
    first_limit = np.nanmin(rt[["t_to_allowable_s", "t_to_coolant_limit_s"]].to_numpy(float))
    first_trip = np.nanmin(rt["t_to_shutdown_s"].to_numpy(float))
    assert np.isfinite(first_trip)
    assert abs(v.at["thermal_throttle", "start_s"] - (OUT.start_s + first_limit)) <= dt
    assert abs(v.at["thermal_trip", "start_s"] - (OUT.start_s + first_trip)) <= dt
    tripped = int(rt["t_to_shutdown_s"].notna().sum())
    assert v.at["thermal_trip", "value"] == tripped
    assert tl.kpis["racks_tripped_max"] == tripped
    # tokens lost to `thermal`: the tripped racks' tokens at the hall's fraction, by hand
    t0 = np.arange(round(2 * 3600 / dt)) * dt
    rc = rack_catalogue(twin)
    w = tl.thermal.dropna(subset=["trip_from_s"])
    w = w[np.isfinite(w["trip_from_s"])]
    acc = catalogue(twin.layout)["gb200-nvl72"]
    on = (
        np.maximum(
            np.minimum(t0[:, None] + dt, w["trip_to_s"].to_numpy()[None, :])
            - np.maximum(t0[:, None], w["trip_from_s"].to_numpy()[None, :]),
            0,
        )
        / dt
    )
    full = rc.loc[w.index, "tokens_s_full"].to_numpy(float)
    # throughput at each second of the swing, averaged over the step (concave in power:
    # not the throughput at the step's mean power, which 10 s steps overstated by ~0.8 %)
    fine = fraction(pat, np.arange(round(2 * 3600)) * 1.0, 1.0)
    theta = throughput_fraction(acc, fine).reshape(len(t0), -1).mean(axis=1)
    lost = float((on * full[None, :]).sum(axis=1) @ theta) * dt
    c = tl.curtailment
    th = c[c["cause"].str.contains("thermal")]
    assert len(th) == 1 and th["cause"].iat[0] == "thermal"
    assert th["tokens_lost"].sum() == pytest.approx(lost, rel=1e-9)
    # the tripped racks draw nothing: IT falls by their share while they are down
    assert tl.kpis["balance_residual_rel"] == pytest.approx(0.0, abs=1e-9)


def test_the_reference_hall_rides_through_without_overheating():
    """10 s generators: the hall air peaks under the A1 allowable (as `twin ride-through`
    shows), so nothing throttles and no token is lost to heat. On the kernel, as written: on
    the FFD field (the default since 2026-12-01) 18 racks throttle for ~20 s near 3,760 s,
    which is not yet checked against `twin ride-through` (issue 14's note)."""
    import yaml

    from twin.layout import validate_data

    doc = yaml.safe_load(HALL.read_text())
    doc["halls"][0]["air_model"] = "kernel"
    spec = TimelineSpec(hours=2, dt_s=5.0, workload="training", weather=False, outage=OUT)
    tl = simulate(Twin.from_layout(validate_data(doc, str(HALL))), spec)
    assert tl.thermal is None and tl.kpis["racks_tripped_max"] == 0.0
    assert not tl.violations["kind"].str.startswith("thermal").any()
    assert not tl.curtailment["cause"].str.contains("thermal").any()


def test_a_demand_response_event_never_leaves_the_loops_warmer_than_steady():
    """Shed 3 MW for 15 min at 1 s steps: while the load returns the plant's lag leaves the
    loops holding less heat than the steady state at that load (tau x heat in), and never
    more than the steady state of the highest load so far; no rack is flagged by heat."""
    from twin.scenarios.policies import DrEvent
    from twin.solve.timeline import COOLING_TAU_S

    flat = Pattern(swing=0.0, checkpoint_s=0.0)  # training at design, no swing
    spec = TimelineSpec(hours=1, dt_s=1.0, workload="training", pattern=flat, weather=False,
                        dr=DrEvent(900.0, 900.0, 3000.0))  # fmt: skip
    tl = simulate(Twin.load(HALL), spec)
    st = tl.steps
    held = st["loop_heat_kwh"].to_numpy() * 3600.0
    steady = COOLING_TAU_S * st["heat_in_kw"].to_numpy()
    after = slice(1800, 1900)  # the event is over: load back up
    assert steady[after].max() > steady[1700] * 1.1  # the load did come back
    assert (held[after] <= steady[after] * (1 + 1e-12)).all()
    assert (held <= np.maximum.accumulate(steady) * (1 + 1e-12)).all()
    assert not tl.violations["kind"].isin(["thermal_throttle", "thermal_trip"]).any()


@pytest.mark.parametrize("caps", [{}, {"row_cap": {"H1-R02": 0.5}}])
def test_tenants_add_up_to_the_site_with_racks_tripped_by_heat(tmp_path, caps):
    """One row a tenant's, 120 s generators: the per-tenant tokens and tokens lost add up to
    the site's, with and without a row cap (cells and halls account the trips alike)."""
    path = _variant(tmp_path, 120.0)
    path.write_text(path.read_text().replace("row: H1-R01,", "row: H1-R01, tenant: t1,"))
    spec = TimelineSpec(hours=2, dt_s=10.0, workload="training", weather=False, outage=OUT,
                        **caps)  # fmt: skip
    tl = simulate(Twin.load(path), spec)
    assert tl.kpis["racks_tripped_max"] == 96
    t = tl.tenants
    assert t["tokens"].sum() == pytest.approx(tl.kpis["tokens"], rel=1e-12)
    assert t["tokens_lost"].sum() == pytest.approx(tl.kpis["tokens_lost"], rel=1e-12)
    assert t["it_mwh"].sum() == pytest.approx(tl.kpis["it_mwh"], rel=1e-9)
    assert t.at["t1", "hit"]
