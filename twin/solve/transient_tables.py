"""The ride-through's result tables (`twin.solve.transient`): per rack the times to its limits,
the temperature curves (each node, each hall's hottest rack inlet, each TCS loop's hottest
rack coolant supply) with the limits they are drawn against, and per node its figures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.solve.consequence import COOLANT_LIMIT_C, SHUTDOWN_MARGIN_K
from twin.solve.limit_crossing import CROSSING_DT_S, curve_until, rack_times_to_limits
from twin.solve.transient_march import RackLimits
from twin.solve.transient_nodes import NodeIndex

THROTTLE_C = {"rbln-atom-rack": 75.0}
"""Accelerator throttle temperature [REFERENCE 6: Rebellions NPU 75 C]; compared with rack outlet
air for air-cooled racks (the device runs hotter than its exhaust, so this is optimistic)."""
LIMIT_COLUMNS = ["component", "quantity", "limit_c", "shutdown_c"]


def rack_table(
    twin, ix: NodeIndex, lim: RackLimits, rr0, dense, t0, t_end_s, n_points, trips, lost_s
):
    """Per rack: its limits and the times to them (inf: not within `t_end_s`), to its trip
    (`trips`: the events themselves) and to losing power (`lost_s`: 0, no live feed after
    the failure; a UPS battery emptying; inf, never). Crossings are
    searched on the solver's own steps and a 0.5 s-or-finer grid of its interpolant, not only
    on the samples: a short excursion (hall air over its limit for ~1 s) falls between
    samples 7.5 s apart, and a crossing between them is not linear."""
    H, E, T, W = ix.offsets  # noqa: N806 (block offsets)
    racks = twin.racks
    times = np.linspace(0.0, t_end_s, n_points)
    grid = np.linspace(0.0, t_end_s, max(n_points, int(t_end_s / CROSSING_DT_S) + 1))
    ts = np.clip(dense.ts, 0.0, t_end_s)
    fine = np.union1d(np.union1d(times, grid), ts)
    y_fine = dense(fine)
    fine_h = y_fine[H:E] - t0[H:E, None]
    fine_t = y_fine[T:W] - t0[T:W, None] if ix.sizes[1] else np.zeros((0, len(fine)))
    t_out0 = rr0.get("t_outlet_c", pd.Series(np.nan, index=racks.index)).to_numpy(float)
    throttle = racks["accelerator"].map(THROTTLE_C).to_numpy(float)
    t_allow, t_cool, t_thr, _ = rack_times_to_limits(
        fine,
        fine_h,
        fine_t,
        ix.rack_h,
        ix.rack_t,
        lim.t_in0,
        lim.lim_air,
        lim.t_sup0,
        t_out0,
        throttle,
        lim.air_rack,
        lim.liq_rack,
    )
    rk = pd.DataFrame(
        {
            "hall": racks["hall"].to_numpy(),
            "liquid_loop": racks["liquid_loop"].to_numpy(),
            "t_inlet0_c": lim.t_in0,
            "inlet_limit_c": lim.lim_air,
            "t_to_allowable_s": t_allow,
            "t_coolant_supply0_c": lim.t_sup0,
            "t_to_coolant_limit_s": t_cool,
            "throttle_c": throttle,
            "t_to_throttle_s": t_thr,
            "t_to_shutdown_s": trips.first_s,
            "t_power_lost_s": lost_s,
        },
        index=racks.index,
    )
    limits = ["t_to_allowable_s", "t_to_coolant_limit_s", "t_to_throttle_s"]
    rk["time_to_limit_s"] = rk[limits].min(axis=1)
    return rk


def node_curves(ix: NodeIndex, times, y) -> list[pd.DataFrame]:
    """Each node's temperature over time (long: time_s, component, quantity, t_c), to the
    horizon (a tripped rack's heat stops at its trip)."""
    ends = np.full(ix.n, np.inf)
    return [
        curve_until(
            pd.DataFrame({"time_s": times, "component": nm, "quantity": kd, "t_c": y[i]}), ends[i]
        )
        for i, (nm, kd) in enumerate(zip(ix.names, ix.kinds, strict=True))
    ]


def hottest_curves(ix: NodeIndex, lim: RackLimits, times, y, t0):
    """The hottest rack's temperature over time per hall (inlet, against its class) and per
    TCS loop (coolant supply, against W45), and the limit and shutdown lines they bound."""
    H, E, T, W = ix.offsets  # noqa: N806 (block offsets)
    rise_h = y[H:E] - t0[H:E, None]
    rise_t = y[T:W] - t0[T:W, None] if ix.sizes[1] else np.zeros((0, len(times)))
    end_h, end_t = np.full(ix.sizes[0], np.inf), np.full(ix.sizes[1], np.inf)
    series, limits = [], []

    def hottest(component, quantity, t0_c, rise, end_s, limit_c):
        frame = {"time_s": times, "component": component, "quantity": quantity}
        series.append(curve_until(pd.DataFrame({**frame, "t_c": t0_c + rise}), end_s))
        shutdown_c = limit_c + SHUTDOWN_MARGIN_K
        limits.append(
            dict(zip(LIMIT_COLUMNS, (component, quantity, limit_c, shutdown_c), strict=True))
        )

    t_in0, t_sup0, lim_air = lim.t_in0, lim.t_sup0, lim.lim_air
    for h, hid in enumerate(ix.hall_ids):
        sel = lim.air_rack & (ix.rack_h == h)
        if sel.any():
            hottest(
                hid, "rack_inlet_max", np.nanmax(t_in0[sel]), rise_h[h], end_h[h], lim_air[sel][0]
            )
    for j, tid in enumerate(ix.tcs_ids):
        sel = lim.liq_rack & (ix.rack_t == j) & np.isfinite(t_sup0)
        if sel.any():
            t_max = np.nanmax(t_sup0[sel])
            hottest(tid, "rack_coolant_supply_max", t_max, rise_t[j], end_t[j], COOLANT_LIMIT_C)
    return series, pd.DataFrame(limits, columns=LIMIT_COLUMNS)


def node_table(ix: NodeIndex, net, y_end) -> pd.DataFrame:
    """Per node: C, the racks' heat in after the failure, the equipment's heat (electrical
    losses, fans and pumps) before it and right after it, steady heat moved, capacity
    before/after/restarting, blocked, the temperature before and at the horizon."""
    cool = net.cooling
    loss_kw, running_kw = net.equipment.heat(np.zeros(len(net.equipment.p1_kw), bool))
    return pd.DataFrame(
        {
            "kind": ix.kinds,
            "c_kj_k": net.c,
            "p_kw": net.p_direct,
            "equipment0_kw": net.equipment.before_kw(),
            "equipment_after_kw": loss_kw + running_kw(0.0),
            "q0_kw": cool.q0,
            "capacity0_kw": cool.cap0,
            "capacity_after_kw": cool.cap1,
            "capacity_restarting_kw": cool.cap2,
            "restart_s": cool.t_back,
            "blocked": cool.blocked,
            "t0_c": cool.t0,
            "t_end_c": y_end,
        },
        index=pd.Index(ix.names, name="id"),
    )
