"""The ride-through's cooling units over time (`twin.solve.transient`): what each node's units
can move before the failure, right after it and once restarted, where they move it (the
sink node), the cold side of their coil, and the heat they move at a temperature
(proportional control, ``min(cap(t) x drive, Q0 + G (T - T0))``) [REFERENCE 6]."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from twin.solve.airflow import CRAC_EVAP_BELOW_SUPPLY_K
from twin.solve.dx_cop import solved_capacity_kw
from twin.solve.ride_through_power import restart_wait_s, units_running
from twin.solve.transient_nodes import NodeIndex

CONTROL_DT_K = 1.0
"""Units reach full capacity 1 K above their steady temperature (proportional band) [est]."""


@dataclass(frozen=True)
class PowerStates:
    """What feeds the cooling units before and after the failure."""

    oos_before: frozenset  # out of service before the failure
    oos_after: frozenset
    live_before: pd.Series  # per power node: live
    live_after: pd.Series
    roots_before: object  # `feed_roots` of each state
    roots_after: object


@dataclass(frozen=True)
class Units:
    """Per group (a node's cooling units, a hall's fans, a loop's pumps): the units' figure
    summed over those running before the failure (`before`), right after it (`now`), and
    restarting (`later`, at the group's `t_back_s`, its last unit's wait)."""

    before: np.ndarray
    now: np.ndarray
    later: np.ndarray
    t_back_s: np.ndarray

    def at(self, t: float, utility_back_s: float) -> np.ndarray:
        run = self.now + np.where(t >= self.t_back_s, self.later, 0.0)
        return np.maximum(run, self.before) if t >= utility_back_s else run


def units_split(twin, kind: str, ps, group: np.ndarray, n_groups: int, figure) -> Units:
    """`figure` of the units of table `kind` summed per group (-1: none), over those running
    before the failure, right after it and restarting after their generator."""
    run0 = units_running(twin, ps.oos_before, ps.live_before, kind)
    run1 = units_running(twin, ps.oos_after, ps.live_after, kind)
    wait = restart_wait_s(twin, kind, ps.roots_before, ps.roots_after)
    figure = np.asarray(figure, float)
    ok = group >= 0
    g = group[ok]

    def total(mask):
        return np.bincount(g, (figure * mask)[ok], n_groups)

    later = run1 & (wait > 0)
    t_back = np.zeros(n_groups)
    np.maximum.at(t_back, g[later[ok]], wait[ok & later])
    return Units(total(run0), total(run1 & (wait <= 0)), total(later), t_back)


def unit_capacities_kw(twin, ix: NodeIndex, base, ps: PowerStates):
    """Per node: its units' capacity before the failure, running right after it, restarting
    (waiting for their generator), and the longest restart wait (s)."""
    H, E, T, W = ix.offsets  # noqa: N806 (block offsets)
    n = ix.n
    cap0, cap1, cap2, t_back = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)

    def units(kind, node_of, cap_override=None):
        t = getattr(twin, kind)
        if not len(t):
            return
        cap = cap_override if cap_override is not None else t["capacity_kw"].to_numpy(float)
        u = units_split(twin, kind, ps, node_of(t), n, cap)
        cap0[:] += u.before
        cap1[:] += u.now
        cap2[:] += u.later
        np.maximum(t_back, u.t_back_s, out=t_back)

    units(  # DX CRACs at their capacity at the base run's outdoor air (twin.solve.dx_cop)
        "crahs",
        lambda t: H + ix.hpos.reindex(t["hall"]).to_numpy(),
        cap_override=solved_capacity_kw(twin, base).to_numpy(float) if len(twin.crahs) else None,
    )
    units("cdus", lambda t: T + ix.tpos.reindex(t["loop"]).fillna(-1 - T).to_numpy(np.int64))
    chill_cap = None
    if "res_chillers" in base.tables and len(twin.chillers):
        avail = base["res_chillers"]["capacity_avail_kw"].reindex(twin.chillers.index)
        chill_cap = avail.where(avail > 0, twin.chillers["capacity_kw"]).to_numpy(float)
    w_of = lambda t: W + ix.wpos.reindex(t["loop"]).fillna(-1 - W).to_numpy(np.int64)  # noqa: E731
    units("chillers", w_of, cap_override=chill_cap)
    for kind, res in (("dry_coolers", "res_dry_coolers"), ("cooling_towers", "res_cooling_towers")):
        t = getattr(twin, kind)
        if len(t) and res in base.tables:  # free cooling: what each unit carried in the base
            units(
                kind, w_of, cap_override=base[res]["load_kw"].reindex(t.index).fillna(0).to_numpy()
            )
    return cap0, cap1, cap2, t_back


def coil_sinks(twin, ix: NodeIndex) -> tuple[np.ndarray, np.ndarray]:
    """Per node: the node its units move heat to (-1: outdoors), and the fixed cold side of a
    hall cooled by DX coils (evaporator `CRAC_EVAP_BELOW_SUPPLY_K` under the setpoint, NaN:
    none)."""
    H, E, T, W = ix.offsets  # noqa: N806 (block offsets)
    nh = ix.sizes[0]
    sink = np.full(ix.n, -1)
    cr, cd = twin.crahs, twin.cdus
    cold_fixed = np.full(ix.n, np.nan)
    if len(cr):
        dx = (cr["type"] == "crac").to_numpy() & cr["loop"].isna().to_numpy()
        if dx.any():  # DX coils: evaporator a fixed margin below the supply setpoint
            h_dx = ix.hpos.reindex(cr.loc[dx, "hall"]).to_numpy()
            cap_dx = cr.loc[dx, "capacity_kw"].to_numpy(float)
            t_evap = cr.loc[dx, "t_supply_c"].to_numpy(float) - CRAC_EVAP_BELOW_SUPPLY_K
            w_sum = np.bincount(h_dx, cap_dx, nh)
            cold_fixed[H:E] = np.where(
                w_sum > 0, np.bincount(h_dx, cap_dx * t_evap, nh) / np.maximum(w_sum, 1e-9), np.nan
            )
        wet = cr["loop"].map(ix.wpos).to_numpy()
        hs = ix.hpos.reindex(cr["hall"]).to_numpy()
        for h, w in zip(hs, wet, strict=True):
            if w == w:  # not NaN: a chilled/facility-water CRAH
                sink[H + h] = W + int(w)
    if len(cd):
        for tl, fl in zip(cd["loop"], cd["facility_loop"], strict=True):
            if tl in ix.tpos.index and fl in ix.wpos.index:
                sink[T + ix.tpos[tl]] = W + ix.wpos[fl]
    return sink, cold_fixed


def blocked_nodes(twin, ix: NodeIndex, ps: PowerStates, sink: np.ndarray) -> np.ndarray:
    """Nodes that move no heat: a water loop whose pumps are all out, and each node whose
    units reject into such a loop."""
    W = ix.offsets[3]  # noqa: N806 (block offset)
    pumps = twin.pumps
    blocked = np.zeros(ix.n, bool)
    if len(pumps) and ix.sizes[2]:
        r1 = units_running(twin, ps.oos_after, ps.live_after, "pumps")
        per = pd.Series(r1, index=pumps.index).groupby(pumps["loop"]).any()
        for loop, anyrun in per.items():
            if loop in ix.wpos.index and not anyrun:
                blocked[W + ix.wpos[loop]] = True
    blocked_in = np.zeros(ix.n, bool)
    has_sink = sink >= 0
    blocked_in[has_sink] = blocked[sink[has_sink]]
    return blocked | blocked_in


@dataclass
class Cooling:
    """The heat each node's units move at temperatures `y` and time `t` (kW)."""

    t0: np.ndarray  # steady temperatures
    q0: np.ndarray  # steady heat moved
    cap0: np.ndarray
    cap1: np.ndarray
    cap2: np.ndarray
    t_back: np.ndarray
    sink: np.ndarray
    cold_fixed: np.ndarray
    blocked: np.ndarray
    # the utility returns then (a timeline's outage; inf: never): every unit that ran before
    # the failure runs again once `back_wait_s` (per node) has passed, as in the state before
    utility_back_s: float = np.inf
    back_wait_s: np.ndarray | float = 0.0
    has_sink: np.ndarray = field(init=False)
    has_cold: np.ndarray = field(init=False)  # a coil's cold side: a sink loop or DX
    dx_node: np.ndarray = field(init=False)  # DX units only: compressor-limited
    drive0: np.ndarray = field(init=False)  # steady difference across each coil (1: none)
    g_ctrl: np.ndarray = field(init=False)  # kW/K: full capacity CONTROL_DT_K above steady

    def __post_init__(self):
        self.has_sink = self.sink >= 0
        cold0 = np.where(self.has_sink, self.t0[np.maximum(self.sink, 0)], self.cold_fixed)
        self.has_cold = self.has_sink | np.isfinite(self.cold_fixed)
        self.dx_node = np.isfinite(self.cold_fixed) & ~self.has_sink
        drive0 = np.where(self.has_cold, self.t0 - np.nan_to_num(cold0), 1.0)
        self.drive0 = np.where(np.abs(drive0) < 1e-6, 1.0, drive0)
        self.g_ctrl = np.maximum(self.cap0, self.q0) / CONTROL_DT_K

    def flows(self, t: float, y: np.ndarray) -> np.ndarray:
        cap = self.cap1 + np.where(t >= self.t_back, self.cap2, 0.0)
        blocked = self.blocked
        if t >= self.utility_back_s:  # the units that ran before run again after their restart
            again = t >= self.utility_back_s + self.back_wait_s
            cap = np.where(again, np.maximum(cap, self.cap0), cap)
            blocked = blocked & ~again
        cold = np.where(self.has_sink, y[np.maximum(self.sink, 0)], self.cold_fixed)
        drive = np.where(self.has_cold, (y - np.nan_to_num(cold)) / self.drive0, 1.0)
        # a DX compressor cannot pump more than its capacity, however warm the room
        drive = np.where(self.dx_node, np.minimum(drive, 1.0), drive)
        q = np.minimum(
            cap * np.maximum(drive, 0.0), np.maximum(self.q0 + self.g_ctrl * (y - self.t0), 0.0)
        )
        return np.where(blocked, 0.0, q)
