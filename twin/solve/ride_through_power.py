"""The power side of a ride-through: UPS battery autonomy, which units run, restart waits.

Split out of `twin.solve.transient` (which re-exports these names) so the
thermal integration there reads on its own; everything here reads only the
power solve (`solve_power`), no temperatures.

- Each UPS's battery autonomy at its present load by Peukert,
  ``t = H (C / (I H))^k`` [REFERENCE 5] with C/H the rated discharge power,
  set against the start time of the generator behind its transfer switch.
- Which cooling units still run after a failure (in service and fed), and
  how long those whose feed moved from a utility onto a generator wait for
  it to start and for themselves to restart (`RESTART_S`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from twin.model.scenario import Scenario
from twin.solve import Results, run
from twin.solve.battery_window import BatteryWindow, battery_window
from twin.solve.power import solve_power

__all__ = [
    "RESTART_S",
    "feed_roots",
    "peukert_autonomy_s",
    "power_ride_through",
    "restart_wait_s",
    "units_running",
    "utility_lost",
]

RESTART_S = {"chillers": 150.0}
"""Restart after power returns: chillers 2-3 min [REFERENCE 6]; fans and pumps 0 [est]."""


def peukert_autonomy_s(load_kw, energy_kwh, rated_time_h, k):
    """Battery runtime at constant `load_kw`: ``H (C / (I H))^k`` with I H -> P H [REFERENCE 5]."""
    load = np.asarray(load_kw, float)
    rated_kw = np.asarray(energy_kwh, float) / np.asarray(rated_time_h, float)
    with np.errstate(divide="ignore"):
        t_h = rated_time_h * (rated_kw / load) ** k
    return np.where(load > 0, t_h * 3600.0, np.inf)


def power_ride_through(
    twin,
    scenario: Scenario | None = None,
    base: Results | None = None,
    generators: bool = True,
    before: Results | None = None,
    window: BatteryWindow | None = None,
):
    """Per UPS: load, battery autonomy (Peukert), generator start gap, bridged or not.

    The load is the UPS's present draw (output plus its losses) in `scenario`; a UPS the
    failures put on its battery (its input dead, `twin.solve.battery_window`) carries what
    it carried before them for the racks still behind it (`before`: the solve without the
    failures, solved here if not given; or the `window` itself), as `on_battery`; `empty_s` is when its battery
    empties with no generator taking over first (inf otherwise) at that constant load
    (`twin.solve.transient.cooling_ride_through` replaces it with the drain that falls as
    racks shut down by heat, `twin.solve.battery_drain`);
    the gap is the start time of the generator that takes over its upstream
    when every utility is lost (no generator: the gap is infinite), and
    `generator_loading_pct` that generator's loading then. A UPS is bridged when
    its battery outlasts the gap and the generator can carry what it takes over
    (at most 100 %; `generators` False skips that coupled solve and leaves it NaN, for a
    caller that reads only the loads).
    """
    scenario = scenario or Scenario()
    res = base if base is not None else solve_power(twin, scenario)
    ups = twin.ups
    if not len(ups):
        return pd.DataFrame(
            {
                c: pd.Series(dtype=float)
                for c in (
                    "load_kw",
                    "battery_kwh",
                    "peukert_k",
                    "autonomy_s",
                    "generator",
                    "gap_s",
                    "generator_loading_pct",
                    "margin_s",
                    "in_service",
                    "on_battery",
                    "bridged",
                    "empty_s",
                )
            }
        )
    rp = res["res_power_nodes"].reindex(ups.index)
    load = (rp["p_out_kw"] + rp["loss_kw"]).where(rp["live"], 0.0).to_numpy(float)
    if window is None and scenario.failed:  # failures may leave UPSs on their batteries
        if before is None:
            before = solve_power(twin, replace(scenario, name="before", failed=frozenset()))
        window = battery_window(twin, scenario, before, res)
    on_battery = window.on_battery if window is not None else np.zeros(len(ups), bool)
    if window is not None:
        load = np.where(on_battery, window.load_kw, load)
    auto = peukert_autonomy_s(
        load,
        ups["battery_kwh"].to_numpy(float),
        ups["battery_rated_time_h"].to_numpy(float),
        ups["battery_peukert_k"].to_numpy(float),
    )
    auto = np.where(ups["battery_kwh"].to_numpy(float) > 0, auto, 0.0)
    no_grid = Scenario(failed=scenario.failed | frozenset(twin.of_model("utility").index))
    outage = solve_power(twin, no_grid)["res_power_nodes"]
    root = feed_roots(outage)
    gen = root.reindex(ups.index)
    gens = twin.of_model("generator")  # generators and turbines
    start = gens["start_s"] if len(gens) else pd.Series(dtype=float)
    gap = gen.map(start).astype(float).fillna(np.inf).to_numpy()
    # the generator's loading once it carries the site, cooling included: the coupled
    # solve `twin solve --fail <utilities>` prints; over 100 % it cannot take the load the
    # battery hands it (the timeline's generator_overload), so the UPS bridges to nothing
    gen_pct = np.full(len(ups), np.nan)
    if generators and gen.isin(gens.index).any():
        carried = run(twin, replace(scenario, name="outage", failed=no_grid.failed))
        gen_pct = gen.map(carried["res_power_nodes"]["loading_pct"]).astype(float).to_numpy()
    out = pd.DataFrame(
        {
            "load_kw": load,
            "battery_kwh": ups["battery_kwh"].to_numpy(float),
            "peukert_k": ups["battery_peukert_k"].to_numpy(float),
            "autonomy_s": auto,
            "generator": gen.where(gen.isin(gens.index), None).to_numpy(object),
            "gap_s": gap,
            "generator_loading_pct": gen_pct,
        },
        index=ups.index,
    )
    out["margin_s"] = out["autonomy_s"] - out["gap_s"]
    # a failed or dead UPS bridges nothing, whatever its (zero) load would suggest
    out["in_service"] = (rp["live"].astype(bool).to_numpy() | on_battery) & ~ups.index.isin(
        list(scenario.out_of_service)
    )
    out["on_battery"] = on_battery
    carried = ~(out["generator_loading_pct"] > 100.0)  # NaN (no generator): the gap says it
    out["bridged"] = out["in_service"] & ((out["margin_s"] >= 0) | (out["load_kw"] <= 0)) & carried
    out["empty_s"] = np.where(on_battery & ~out["bridged"], out["autonomy_s"], np.inf)
    return out


def feed_roots(res_power_nodes: pd.DataFrame) -> pd.Series:
    """The source each live element is fed from, following `fed_from` to the root."""
    ff = res_power_nodes["fed_from"]
    cur = ff.copy()
    for _ in range(len(ff)):
        nxt = cur.map(ff)
        done = (nxt == cur) | nxt.isna()
        if done.all():
            break
        cur = cur.where(done, nxt)
    return cur.where(res_power_nodes["live"])


def utility_lost(base: Results, after: Results) -> bool:
    """Whether a failure takes a utility (or another source) off the load: a UPS live before
    loses its input (it runs on its battery), or something live after is fed from another
    source than before (a transfer switch moved it onto a generator). Only then do
    generators start and UPS batteries bridge to them; a failure that leaves every feed on
    its source (a cooling unit, a standby generator, a UPS itself) starts no generator."""
    a, b = base.tables.get("res_power_nodes"), after.tables.get("res_power_nodes")
    if a is None or b is None or "live" not in a or "fed_from" not in a:
        return False
    a = a[~a.index.duplicated()]
    b = b[~b.index.duplicated()].reindex(a.index)
    live0 = a["live"].astype(bool)
    live1 = b["live"].astype(object).eq(True)
    parent = a["fed_from"].astype(object)
    # a UPS whose input (its feed before) is dead after runs on its battery
    ups = (a["kind"] == "ups") & live0 & parent.notna()
    if (ups & ~parent.map(live1).eq(True)).any():
        return True
    r0, r1 = feed_roots(a), feed_roots(b.assign(live=live1))
    return bool((live0 & live1 & (r0 != r1)).any())


def units_running(twin, oos: frozenset, live: pd.Series, kind: str) -> np.ndarray:
    """Per unit of table `kind`: in service and fed (either feed, if dual-fed)."""
    t = getattr(twin, kind)
    if not len(t):
        return np.zeros(0, bool)
    ok = ~t.index.isin(list(oos))
    feed = t["feed"] if "feed" in t else pd.Series(None, index=t.index)
    fed = feed.isna().to_numpy() | feed.map(live).eq(True).to_numpy(bool)
    if "feed_b" in t:  # dual-fed: runs while either feed is live
        fed = fed | t["feed_b"].map(live).eq(True).to_numpy(bool)
    return ok & fed


def restart_wait_s(twin, kind: str, root0: pd.Series, root1: pd.Series) -> np.ndarray:
    """Restart delay (s) of units whose feed moved from a utility onto a generator (0 if none)."""
    t = getattr(twin, kind)
    if not len(t) or "feed" not in t:
        return np.zeros(len(t))
    gens = twin.of_model("generator")
    r0, r1 = t["feed"].map(root0), t["feed"].map(root1)
    moved = r1.isin(gens.index) & ~r0.isin(gens.index)
    start = r1.map(gens["start_s"] if len(gens) else {}).fillna(0.0).to_numpy(float)
    if "feed_b" in t and t["feed_b"].notna().any():
        # dual-fed: waits only if neither feed stays live on the source it had, and
        # then for the first generator to pick one of them up
        b0, b1 = t["feed_b"].map(root0), t["feed_b"].map(root1)
        moved_b = b1.isin(gens.index) & ~b0.isin(gens.index)
        start_b = b1.map(gens["start_s"] if len(gens) else {}).fillna(0.0).to_numpy(float)
        dual = t["feed_b"].notna().to_numpy(bool)
        # a feed still live on the source it had carries the unit without a wait
        a_ok = (~moved & r1.notna()).to_numpy(bool)
        b_ok = (~moved_b & b1.notna()).to_numpy(bool)
        wait_a = np.where(moved.to_numpy(bool), start, np.inf)
        wait_b = np.where(moved_b.to_numpy(bool), start_b, np.inf)
        first = np.minimum(wait_a, wait_b)  # the first generator to pick it up
        waits = dual & ~a_ok & ~b_ok & np.isfinite(first)
        moved = pd.Series(np.where(dual, waits, moved.to_numpy(bool)), index=t.index)
        start = np.where(waits, first, start)
    return np.where(moved.to_numpy(bool), start + RESTART_S.get(kind, 0.0), 0.0)
