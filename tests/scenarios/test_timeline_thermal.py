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
from twin.scenarios.timeline_thermal import AFTER_S
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
    v = tl.violations
    throttle, trip = v[v["kind"] == "thermal_throttle"], v[v["kind"] == "thermal_trip"]
    # the first throttle and the first trip: within one step of the ride-through's times
    first_limit = np.nanmin(rt[["t_to_allowable_s", "t_to_coolant_limit_s"]].to_numpy(float))
    first_trip = np.nanmin(rt["t_to_shutdown_s"].to_numpy(float))
    assert np.isfinite(first_trip)
    assert abs(throttle["start_s"].min() - (OUT.start_s + first_limit)) <= dt
    assert len(trip) == 1 and abs(trip["start_s"].iat[0] - (OUT.start_s + first_trip)) <= dt
    # the racks the ride-through trips (each trip taking its heat off the others' nodes)
    tripped = int(rt["t_to_shutdown_s"].notna().sum())
    assert 0 < tripped < len(rt)
    assert trip["value"].iat[0] == tripped
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


def test_the_reference_hall_throttles_when_and_where_ride_through_says(tmp_path):
    """10 s generators, the hall as written (its units placed: the FFD field, top-of-rack
    inlets up to 28.0 C in the steady solve). One question, one answer: the solve's top of
    each rack plus the ride-through's hall-air rise is each rack's inlet; the racks above
    the A1 allowable on that curve, sampled on its own (0.5 s, not the timeline's 1 s), are
    the racks the timeline throttles, for as long, with `twin ride-through`'s first
    crossings. The air crosses twice (fans waiting for the generator, then the chillers
    restarting), and the rack throttled on the first is throttled on the second too; none
    comes within the 10 K trip margin, so no token is lost to heat."""
    from twin.model.scenario import Scenario
    from twin.solve import run
    from twin.solve.consequence import SHUTDOWN_MARGIN_K, inlet_limit_c
    from twin.solve.transient import cooling_ride_through

    path = tmp_path / HALL.name
    path.write_text(HALL.read_text())  # as shipped (the CLI writes its csv beside it)
    twin = Twin.load(path)
    top = run(twin)["res_racks"]["t_inlet_max_c"]  # the steady solve: top of the rack
    rt = _ride_through(path)
    assert np.allclose(rt["t_inlet0_c"], top.reindex(rt.index), rtol=0, atol=1e-9)
    # the hall air on its own, finer grid; every rack's inlet = its top + the rise
    t_end = OUT.duration_s + 1800
    own = cooling_ride_through(twin, Scenario.fail("GRID"), t_end_s=t_end, n_points=5401)
    ts = own.timeseries
    air = ts[ts["quantity"] == "hall_air"]
    grid = np.arange(0.0, t_end, 0.05)
    rise = np.interp(grid, air["time_s"], air["t_c"] - air["t_c"].iat[0])
    limit = inlet_limit_c(twin.halls["ashrae_class"].reindex(twin.racks["hall"]))
    over = top.reindex(twin.racks.index).to_numpy()[None, :] + rise[:, None] > limit[None, :]
    hot = twin.racks.index[over.any(axis=0)]
    assert 0 < len(hot) < len(twin.racks)  # the case is not empty
    assert (top.reindex(twin.racks.index).to_numpy() + rise.max() < limit + SHUTDOWN_MARGIN_K).all()

    spec = TimelineSpec(hours=2, dt_s=5.0, workload="training", weather=False, outage=OUT)
    tl = simulate(twin, spec)
    th = tl.thermal
    assert set(th.index) == set(hot) == set(rt.index[rt["t_to_allowable_s"].notna()])
    assert np.allclose(th["throttle_from_s"], OUT.start_s + rt.loc[th.index, "t_to_allowable_s"],
                       rtol=0, atol=0.5)  # fmt: skip
    # the racks over while the fans wait for the generator are over again when the chillers
    # restart: throttled then too, not only for their first seconds
    early = rt.index[rt["t_to_allowable_s"] < 60.0]
    later = over[grid > 60.0][:, twin.racks.index.get_indexer(early)].any(axis=0)
    assert len(early) and later.all()
    assert (th.loc[early, "throttle_to_s"] > OUT.start_s + 60.0).all()
    # the most racks throttled in a 5 s step: the mean count over the step
    k = np.floor((OUT.start_s + grid) / 5.0).astype(int)
    k -= k[0]
    per_step = np.bincount(k, over.sum(axis=1)) / np.bincount(k)
    assert tl.kpis["racks_throttled_max"] == pytest.approx(per_step.max(), abs=0.05)
    # seconds over the limit, rack by rack (both windows), within a sample of the edges
    secs = pd.Series(over.sum(axis=0) * 0.05, index=twin.racks.index)
    assert np.allclose(th["throttle_s"], secs[th.index], rtol=0, atol=1.0)
    assert tl.kpis["racks_tripped_max"] == 0.0 and rt["t_to_shutdown_s"].isna().all()
    assert not tl.violations["kind"].eq("thermal_trip").any()
    assert not tl.curtailment["cause"].str.contains("thermal").any()


def test_windows_above_a_curve_are_its_intervals_over_each_margin():
    """The per-node interval search against a scan of a fine grid: a curve with two humps,
    margins under, between and over them (a rack over on both humps has two windows)."""
    from twin.scenarios.timeline_thermal import _union, _windows_above

    times = np.linspace(0.0, 100.0, 201)
    rise = 3.0 * np.exp(-(((times - 20) / 6) ** 2)) + 5.0 * np.exp(-(((times - 70) / 10) ** 2))
    margin = np.array([-1.0, 0.5, 2.0, 2.9, 4.0, 6.0])
    row, a, b = _windows_above(times, rise, margin)
    b = np.where(np.isfinite(b), b, times[-1])
    fine = np.linspace(0.0, 100.0, 200_001)
    scan = np.interp(fine, times, rise)[None, :] > margin[:, None]
    measure = scan.sum(axis=1) * (fine[1] - fine[0])
    assert np.allclose(np.bincount(row, b - a, len(margin)), measure, atol=2e-3)
    runs = (np.diff(scan.astype(int), axis=1) == 1).sum(axis=1) + scan[:, 0]
    assert np.array_equal(np.bincount(row, minlength=len(margin)), runs)
    assert list(np.bincount(row, minlength=len(margin))) == [1, 2, 2, 2, 1, 0]
    # merging: overlapping windows of one row become one, other rows untouched
    r, ua, ub = _union(np.array([0, 0, 1, 0]), np.array([0.0, 5.0, 1.0, 20.0]),
                       np.array([10.0, 12.0, 2.0, 30.0]))  # fmt: skip
    assert r.tolist() == [0, 0, 1] and ua.tolist() == [0.0, 20.0, 1.0]
    assert ub.tolist() == [12.0, 30.0, 2.0]


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
    tripped = int(np.isfinite(tl.thermal["trip_from_s"]).sum())
    assert 0 < tripped < 96  # some racks trip, not all (the cells keep only those that do)
    assert tl.kpis["racks_tripped_max"] == tripped
    t = tl.tenants
    assert t["tokens"].sum() == pytest.approx(tl.kpis["tokens"], rel=1e-12)
    assert t["tokens_lost"].sum() == pytest.approx(tl.kpis["tokens_lost"], rel=1e-12)
    assert t["it_mwh"].sum() == pytest.approx(tl.kpis["it_mwh"], rel=1e-9)
    assert t.at["t1", "hit"]


def _curves(path: Path, t_end: float) -> pd.DataFrame:
    """Temperatures over time from the `twin ride-through` CLI for the utility lost (GRID)."""
    out = path.with_suffix(f".t{t_end:g}.csv")
    assert main(["ride-through", str(path), "--fail", "GRID", "--out", str(out),
                 "--t-end", str(t_end)]) == 0  # fmt: skip
    return pd.read_csv(out)


def test_throttling_ends_where_the_ride_through_falls_back_below_each_limit(tmp_path):
    """60 s generators: the hall air passes every rack's allowable while the fans wait and a
    few racks trip. The racks that do not trip stop throttling when `twin ride-through`'s
    curves fall back below their limits, not at its horizon: the ride-through used to stop
    its curves at the first trip, and every window still open there was counted to the
    horizon (2026-12-02: 96 racks 'throttled' from 912 s to 3,600 s, 30 min past the
    utility's return, by a model that had no answer past ~59 s)."""
    path = _variant(tmp_path, 60.0)
    twin = Twin.load(path)
    flat = Pattern(swing=0.0, checkpoint_s=0.0)
    out = Outage(900.0, 900.0)
    spec = TimelineSpec(hours=1, dt_s=1.0, workload="training", pattern=flat, weather=False,
                        outage=out)  # fmt: skip
    tl = simulate(twin, spec)
    th = tl.thermal
    rt = _ride_through(path)  # per rack: margins, first crossings, trips
    cur = _curves(path, out.duration_s)  # to the utility's return, 2.5 s samples
    nodes = {
        c: g for c, g in cur[cur["quantity"].isin(["hall_air", "tcs_coolant"])].groupby("component")
    }
    tripped = rt["t_to_shutdown_s"].notna()
    assert 0 < tripped.sum() < len(rt)
    # each rack's last moment over either limit on the ride-through's curves
    last = pd.Series(-np.inf, index=rt.index)
    for node, margin in (("air:" + rt["hall"], rt["inlet_limit_c"] - rt["t_inlet0_c"]),
                         (rt["liquid_loop"], 45.0 - rt["t_coolant_supply0_c"])):  # fmt: skip
        for nd in pd.unique(node.dropna()):
            g = nodes[nd]
            t, rise = g["time_s"].to_numpy(), (g["t_c"] - g["t_c"].iat[0]).to_numpy()
            sel = (node == nd).to_numpy() & margin.notna().to_numpy()
            over = rise[None, :] > margin[sel].to_numpy()[:, None]
            k = np.where(over.any(axis=1), len(t) - 1 - np.argmax(over[:, ::-1], axis=1), -1)
            ends = np.where(k >= 0, t[np.minimum(k + 1, len(t) - 1)], -np.inf)
            last[sel] = np.maximum(last[sel].to_numpy(), ends)
    free = th.index[~tripped.reindex(th.index).to_numpy()]
    assert len(free) > 20
    assert (last[free] < 0.5 * out.duration_s).all()  # the curves fall back early
    got = th.loc[free, "throttle_to_s"] - out.start_s
    assert np.allclose(got, last[free], rtol=0, atol=2.5 + spec.dt_s)  # a CLI sample + a step
    # the violation: as many racks as the ride-through over its limits, for as long
    v = tl.violations
    thr = v[v["kind"] == "thermal_throttle"]
    assert thr["value"].max() == len(rt)
    assert (thr["start_s"] + thr["duration_s"]).max() <= out.start_s + last.max() + 2.5 + 1.0
    trip = v[v["kind"] == "thermal_trip"]
    assert trip["value"].iat[0] == tripped.sum()


def test_the_outage_s_hottest_inlet_and_warmest_loop_are_the_ride_through_s(tmp_path):
    """10 s generators (the hall as written): the timeline's hottest inlet over allowable and
    its loops' warming, per step and at their most, are `twin ride-through`'s for the same
    event (its hottest rack inlet against 32 C, its warmest TCS or water loop above steady),
    not the steady solve's inlet (-4.0 K through the outage, while 34 racks throttled on
    inlet) nor a second model of the loops' water (19.2 K against the ride-through's
    13.85 K at 160 s: the whole site's heat into one loop's 2 m3/MW)."""
    path = tmp_path / HALL.name
    path.write_text(HALL.read_text())
    flat = Pattern(swing=0.0, checkpoint_s=0.0)
    out = Outage(900.0, 900.0)
    spec = TimelineSpec(hours=1, dt_s=1.0, workload="training", pattern=flat, weather=False,
                        outage=out)  # fmt: skip
    tl = simulate(Twin.load(path), spec)
    cur = _curves(path, 300.0)  # the peaks (160-195 s), 0.83 s samples
    t = cur["time_s"].unique()
    hot = cur[cur["quantity"] == "rack_inlet_max"]
    over = np.interp(t, hot["time_s"], hot["t_c"] - 32.0)  # A1 allowable
    warm = np.full(len(t), -np.inf)
    for _, g in cur[cur["quantity"].isin(["tcs_coolant", "water_loop"])].groupby("component"):
        warm = np.maximum(warm, np.interp(t, g["time_s"], g["t_c"] - g["t_c"].iat[0]))
    assert over.max() > 1.0 and warm.max() > 13.0  # the case is not empty
    k = tl.kpis
    assert k["t_inlet_over_allowable_max_k"] == pytest.approx(over.max(), abs=0.02)
    assert k["loop_warming_max_k"] == pytest.approx(warm.max(), abs=0.02)
    lw = tl.violations[tl.violations["kind"] == "loop_warming"]
    assert lw["value"].max() == pytest.approx(k["loop_warming_max_k"])
    # per step: the step's most on the ride-through's curve
    st = tl.steps.iloc[int(out.start_s) : int(out.start_s) + 299]
    s = np.arange(len(st)) * 1.0
    fine = np.arange(0.0, 299.0, 0.05)
    for col, y in (("t_inlet_over_allowable_k", over), ("loop_warming_k", warm)):
        most = pd.Series(np.interp(fine, t, y)).groupby(np.floor(fine)).max().to_numpy()
        assert np.allclose(st[col].to_numpy(), most[: len(s)], rtol=0, atol=0.05), col
    # before the outage: the steady solve's, as before
    assert tl.steps["t_inlet_over_allowable_k"].iat[0] == pytest.approx(over[0], abs=0.05)
    assert tl.steps["loop_warming_k"].iat[0] == 0.0


def test_a_rack_still_over_where_the_ride_through_ends_is_said_to_be(tmp_path, monkeypatch):
    """The ride-through stops `AFTER_S` past the utility's return; a rack still over its limit
    there is counted to that horizon, and the throttle violation says their end is not known
    (never a horizon passed off as the physics' answer). Here the horizon is moved to 10 s
    after a 30 s outage, while the fans still wait for their 60 s generators."""
    from twin.scenarios import timeline_thermal

    monkeypatch.setattr(timeline_thermal, "AFTER_S", 10.0)
    out = Outage(600.0, 30.0)
    spec = TimelineSpec(hours=1, dt_s=1.0, workload="training", weather=False, outage=out)
    tl = simulate(Twin.load(_variant(tmp_path, 60.0)), spec)
    th = tl.thermal
    still = th.index[th["throttle_open"]]
    assert len(still)
    assert np.allclose(th.loc[still, "throttle_to_s"], out.start_s + 40.0)
    v = tl.violations
    msg = v.loc[v["kind"] == "thermal_throttle", "message"].iat[0]
    assert f"{len(still)} still over when the ride-through ends" in msg


def test_racks_that_trip_after_the_utility_returns_stay_off(tmp_path):
    """60 s generators, the utility back after 45 s: the racks tripped at ~39-45 s restart
    with the utility into hall air still past their shutdown margin, and the ride-through
    trips them again at once (its plant restarts with the utility too since audit 7 F2);
    others trip for the first time after 45 s. The timeline keeps them off as the
    ride-through does, to its end (`AFTER_S` past the return), and counts their IT lost:
    until audit 7 F2 it counted them running and only the message said so."""
    out = Outage(600.0, 45.0)
    spec = TimelineSpec(hours=1, dt_s=1.0, workload="training", weather=False, outage=out)
    tl = simulate(Twin.load(_variant(tmp_path, 60.0)), spec)
    th = tl.thermal
    late = th.index[np.isfinite(th["trip_after_return_s"])]
    back = out.start_s + out.duration_s
    assert len(late)
    assert (th.loc[late, "trip_after_return_s"] >= back).all()
    assert (th.loc[late, "trip_from_s"] < back).any()  # again
    end = back + AFTER_S
    assert np.allclose(th.loc[late, "trip_to_s"], end)
    on = th.index[np.isfinite(th["trip_from_s"]) & ~np.isfinite(th["trip_after_return_s"])]
    assert np.allclose(th.loc[on, "trip_to_s"], back)
    # their IT is lost from the return to the ride-through's end: step by step, the racks
    # kept off at the hall's power fraction (by hand from the layout's rack kW)
    k = int(back) + 5
    kw = Twin.load(_variant(tmp_path, 60.0)).racks["power_kw"]
    st = tl.steps
    frac = (st["it_kw"].iat[k] + st["it_lost_kw"].iat[k]) / float(kw.sum())
    assert st["it_tripped_kw"].iat[k] == pytest.approx(frac * float(kw[late].sum()), rel=1e-6)
    assert st["it_lost_kw"].iat[k] == pytest.approx(st["it_tripped_kw"].iat[k], rel=1e-9)
    assert st["it_tripped_kw"].iat[int(end) + 1] == 0.0
    v = tl.violations
    msg = v.loc[v["kind"] == "thermal_trip", "message"].iat[0]
    assert f"{len(late)} trip again when the utility returns in twin ride-through" in msg
