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
from twin.solve.generator_trip import TRIP_PCT
from twin.solve.power import solve_power

__all__ = [
    "RESTART_S",
    "battery_text",
    "feed_roots",
    "peukert_autonomy_s",
    "power_ride_through",
    "restart_wait_s",
    "touched_ups",
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
    the gap is the start time of the generator that takes over its upstream (no generator:
    the gap is infinite), and `generator_loading_pct` that generator's loading then. With no
    failures in `scenario` that is the question "what if every utility were lost"; with
    failures it is what these failures do (`_failure_gaps`): a generator takes a UPS over
    only where they moved its feed onto it (a transfer switch lost its utility side), a UPS
    they leave dead even so runs on its battery with no generator behind it (its cable,
    input panel or transformer below the transfer switch failed: the switch still sees the
    utility and starts nothing), and one they leave on its source has no break (gap 0).
    A UPS is bridged when
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
                    "loading_pct",
                )
            }
        )
    rp = res["res_power_nodes"].reindex(ups.index)
    load = (rp["p_out_kw"] + rp["loss_kw"]).where(rp["live"], 0.0).to_numpy(float)
    if scenario.failed and before is None:
        before = solve_power(twin, replace(scenario, name="before", failed=frozenset()))
    if window is None and scenario.failed:  # failures may leave UPSs on their batteries
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
    gens = twin.of_model("generator")  # generators and turbines
    start = gens["start_s"] if len(gens) else pd.Series(dtype=float)
    if scenario.failed:  # what these failures do
        gen, gap = _failure_gaps(twin, before, res, start)
        outage = scenario
    else:  # what losing every utility would do
        no_grid = frozenset(twin.of_model("utility").index)
        gen = feed_roots(solve_power(twin, Scenario(failed=no_grid))["res_power_nodes"])
        gen = gen.reindex(ups.index)
        gap = gen.map(start).astype(float).fillna(np.inf).to_numpy()
        outage = replace(scenario, name="outage", failed=no_grid)
    # the generator's loading once it carries the site, cooling included: the coupled
    # solve `twin solve --fail <utilities>` prints; over 100 % it cannot take the load the
    # battery hands it (the timeline's generator_overload), so the UPS bridges to nothing
    gen_pct = np.full(len(ups), np.nan)
    if generators and gen.isin(gens.index).any():
        carried = run(twin, outage)
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
    # its loading as `twin solve` gives it for the state before the failure (the load the
    # battery takes over): past 100 % the UPS is overloaded whatever its battery holds
    normal = before if before is not None else res
    out["loading_pct"] = (
        normal["res_power_nodes"]["loading_pct"].reindex(ups.index).astype(float).to_numpy()
    )
    # a failed or dead UPS bridges nothing, whatever its (zero) load would suggest
    out["in_service"] = (rp["live"].astype(bool).to_numpy() | on_battery) & ~ups.index.isin(
        list(scenario.out_of_service)
    )
    out["on_battery"] = on_battery
    carried = ~(out["generator_loading_pct"] > TRIP_PCT)  # NaN (no generator): the gap says it
    out["bridged"] = out["in_service"] & ((out["margin_s"] >= 0) | (out["load_kw"] <= 0)) & carried
    out["empty_s"] = np.where(on_battery & ~out["bridged"], out["autonomy_s"], np.inf)
    # only where no generator takes over (gap inf): `battery_text` reads it nowhere else
    out["no_generator_why"] = [
        _no_generator_why(twin, uid, scenario.out_of_service)
        if scenario.failed and not np.isfinite(g)
        else ""
        for uid, g in zip(ups.index, out["gap_s"].to_numpy(float), strict=True)
    ]
    return out


def _no_generator_why(twin, uid: str, out_of_service) -> str:
    """Why no generator can take UPS `uid` over once its utility side is lost, from the
    failures `out_of_service` on its normal path and its transfer switch's alternate: no
    switch above it, the switch itself, an element between the switch and it, or the
    switch's generator side out of service ("" where none of these is)."""
    nodes, oos = twin.power_nodes, set(out_of_service)
    path = twin.upstream_path(uid)[1:]
    switch = next((n for n in path if isinstance(nodes.at[n, "alternate"], str)), None)
    if switch is None:
        return "no transfer switch above it moves it onto a generator"
    if switch in oos:
        return f"its transfer switch {switch} is out of service"
    below = [n for n in path[: path.index(switch)] if n in oos]
    if below:
        return f"{below[0]}, between it and its transfer switch {switch}, is out of service"
    alt = nodes.at[switch, "alternate"]
    side = [n for n in twin.upstream_path(alt) if n in oos]
    if side and side[0] in twin.of_model("generator").index:
        return f"its transfer switch {switch}'s generator {side[0]} is out of service"
    if side:
        return (
            f"{side[0]}, on the generator side of its transfer switch {switch}, is out of service"
        )
    return ""


def _failure_gaps(twin, before: Results, after: Results, start: pd.Series):
    """Per UPS after a failure: the generator that takes over its feed (None) and the
    break its battery bridges, s: that generator's start where the failure moved the UPS's
    feed onto it (its transfer switch saw the utility side die); 0 where the UPS is still
    fed from a source other than a generator it moved to (its own, or another utility path:
    no generator starts); inf where nothing feeds it after the failure (the battery carries
    its load until it empties, with no generator to take over)."""
    ids = twin.ups.index
    r0 = feed_roots(before["res_power_nodes"]).reindex(ids)
    r1 = feed_roots(after["res_power_nodes"]).reindex(ids)
    moved = r1.isin(start.index) & r1.ne(r0)
    gap = np.where(moved, r1.map(start).astype(float), np.where(r1.notna(), 0.0, np.inf))
    return r1.where(moved), gap


def touched_ups(power: pd.DataFrame, utility_lost: bool, out_of_service=()) -> pd.DataFrame:
    """The rows of `power_ride_through`'s frame a failure touches, as `twin ride-through` and
    the app's Failures page list them: with a utility lost (`utility_lost`), each UPS in
    service on its battery, moved onto a generator or not bridged; with the utility live, no
    generator starts and only the UPSs on their battery (their input cut) are touched."""
    if not len(power):
        return power
    batt = power["on_battery"].astype(bool)
    if utility_lost:
        batt = batt | power["generator"].notna() | ~power["bridged"].astype(bool)
    return power[batt & ~power.index.isin(list(out_of_service))]


def battery_text(power: pd.DataFrame, uid: str, utility_lost: bool = True) -> str:
    """One UPS of `power_ride_through`'s frame in words, its minutes from its kWh and load:
    "UPS-1: its 30.0 kWh battery carries 99.2 kW for 1,131 s (18.8 min) (Peukert k 1.2);
    no generator takes over: the utility stays live, so its transfer switch starts none,
    and the racks only it carries lose power when the battery runs out". The minutes are
    `autonomy_s` (at the draw before the failure); `utility_lost`: the failure's
    `utility_lost`. The sentence `twin ride-through` prints and the app's Failures page
    shows."""
    r = power.loc[uid]
    kwh, load, k = float(r["battery_kwh"]), float(r["load_kw"]), float(r["peukert_k"])
    auto, gap = float(r["autonomy_s"]), float(r["gap_s"])
    if not kwh > 0:
        return f"{uid}: no battery"
    if not load > 0:
        return f"{uid}: its {kwh:,.1f} kWh battery carries no load"
    text = (
        f"{uid}: its {kwh:,.1f} kWh battery carries {load:,.1f} kW for {auto:,.0f} s "
        f"({auto / 60:.1f} min) (Peukert k {k:g})"
    )
    over = float(r.get("loading_pct", np.nan))
    if over > 100.0:  # the overload `twin solve` flags: the battery does not make it go away
        text += (
            f", at {over:,.1f} % of its rating: overloaded (twin solve's overload; how long "
            "its inverter carries that on battery is not modelled)"
        )
    gen, pct = r.get("generator"), float(r.get("generator_loading_pct", np.nan))
    if isinstance(gen, str) and np.isfinite(gap):
        if pct > TRIP_PCT:
            return text + (
                f"; its generator {gen} would carry {pct:,.0f} % of its rating: it cannot take "
                "the load, and the racks only it carries lose power when the battery runs out"
            )
        then = "it bridges the gap" if auto >= gap else "the battery runs out first"
        return text + f"; generator {gen} takes over after {gap:,.0f} s: {then}"
    if np.isfinite(gap):
        return text + "; it stays on its source: no break to bridge"
    # the failed element that keeps a generator off names the reason, utility live or not (a
    # failed transfer switch cuts its UPSs while the utility stays live)
    why = ": the utility stays live, so its transfer switch starts none," * (not utility_lost)
    if r.get("no_generator_why"):
        why = f": {r['no_generator_why']},"
    return text + (
        f"; no generator takes over{why} and the racks only it carries lose power when the "
        "battery runs out"
    )


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


def utility_lost(twin, base: Results, after: Results) -> bool:
    """Whether a failure takes a utility (or another source) off the load, so that
    generators start and UPS batteries bridge to them: a source that fed load before is
    dead after (a utility failed), something live after is fed from another source than
    before (a transfer switch saw its utility side die, the failed element above it, and
    moved it onto a generator), or a transfer switch saw its utility side die, whether or
    not a generator was there to move to (`--fail TX-1 GEN-1` on the small room read "the
    utility stays live"). A failure that leaves every feed on its source starts no
    generator: a cooling unit, a standby generator, a UPS itself, or
    the cable, panel or transformer feeding a UPS below its transfer switch. That UPS runs
    on its battery with the utility still live (`power_ride_through`'s `on_battery`, gap
    inf): the switch sees utility voltage, so its battery carries its load until it
    empties. The one rule for `twin ride-through` and the app's Failures page
    (`RideThrough.utility_lost`)."""
    a, b = base.tables.get("res_power_nodes"), after.tables.get("res_power_nodes")
    if a is None or b is None or "live" not in a or "fed_from" not in a:
        return False
    a = a[~a.index.duplicated()]
    b = b[~b.index.duplicated()].reindex(a.index)
    live0 = a["live"].astype(bool)
    live1 = b["live"].astype(object).eq(True)
    r0, r1 = feed_roots(a), feed_roots(b.assign(live=live1))
    # a source that fed something besides itself before and is dead after
    fed = r0[live0 & (r0 != r0.index)].dropna().unique()
    if (~live1.reindex(fed).fillna(False).astype(bool)).any():
        return True
    if bool((live0 & live1 & (r0 != r1)).any()):
        return True
    return _switch_lost_its_utility(twin, live0, live1)


def _switch_lost_its_utility(twin, live0: pd.Series, live1: pd.Series) -> bool:
    """A transfer switch (a node with an ``alternate``) whose utility side was live before
    and is dead after: it starts its generator, whether or not one is there to take the
    load (a switch failed itself starts nothing, but its utility side is lost all the
    same)."""
    nodes = twin.power_nodes  # every power node has an alternate column (None: no switch)
    ats = nodes[nodes["alternate"].notna() & nodes["upstream"].notna()]

    def on(live: pd.Series, ids) -> np.ndarray:
        return live.reindex(ids).fillna(False).astype(bool).to_numpy()

    up = ats["upstream"].to_numpy()
    return bool((on(live0, ats.index) & on(live0, up) & ~on(live1, up)).any())


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
