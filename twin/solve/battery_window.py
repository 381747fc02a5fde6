"""The battery window of a ride-through: what the UPS batteries carry right after a failure.

The steady power solve of a failure (`solve_power`) is the state once every battery is
empty: a UPS whose input died is dead there, and so are the racks behind it. Until its
battery empties that UPS carries on (that is what it is for), so a ride-through that read
the steady state found 'no load' and 'autonomy unlimited' when the utility and the
generator were both lost, and the racks cooling down while in truth they kept heating
(losing more read better than losing less). Here:

- a UPS carries on its battery while it is in service, has a battery and was live before
  the failure; it is *on battery* when its input is dead after the failure;
- the liveness with those UPSs as sources (`twin.solve.power.liveness`) says which racks
  still have a live feed in the window; each draws what it drew before the failure;
- each UPS on battery carries the racks behind it (the nearest UPS above each live feed,
  a dual-fed rack split as the power solve splits it), scaled by its draw before the
  failure over the racks it carried then (its losses and any other load behind it);
- a rack loses power at t = 0 if no feed is live even so, when the last battery carrying
  it empties (`power_lost_s`) where no generator takes over first, and never where a feed
  stays live on a utility or generator.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from twin.model.scenario import Scenario
from twin.solve.power import liveness
from twin.solve.power_model import power_model


@dataclass(frozen=True)
class BatteryWindow:
    """Per UPS (order of `twin.ups`) and per rack (order of `twin.racks`)."""

    carrying: np.ndarray  # (u,) in service, with a battery, live before the failure
    on_battery: np.ndarray  # (u,) carrying, its input dead after the failure
    load_kw: np.ndarray  # (u,) what each UPS on battery carries in the window (else 0)
    rack_kw: np.ndarray  # (r,) each rack's draw in the window
    # (r, 2) per feed A, B: index into twin.ups of the UPS on battery carrying it, -1 a live
    # utility or generator path, -2 no live feed
    rack_ups: np.ndarray
    # (r, 2) kW each rack draws through feed A, B in the window (a dual-fed rack split as the
    # power solve splits it; 0 where the feed carries nothing)
    side_kw: np.ndarray | None = None
    # (u,) each UPS's draw per kW of rack draw behind it before the failure (its losses and
    # any other load behind it), the factor `load_kw` carries
    ratio: np.ndarray | None = None


def _parents(m, live: np.ndarray, source: np.ndarray) -> np.ndarray:
    """The element each live element draws from (upstream first, as `solve_power`)."""
    up_ok = (m.up >= 0) & live[np.maximum(m.up, 0)]
    alt_ok = (m.alt >= 0) & live[np.maximum(m.alt, 0)]
    return np.where(live & ~source, np.where(up_ok, m.up, np.where(alt_ok, m.alt, -1)), -1)


def _nearest(m, parent: np.ndarray, mark: np.ndarray) -> np.ndarray:
    """Per element, the nearest marked element at or above it on its feed path, -1 none."""
    ar = np.arange(m.n)
    anc = np.where(mark, ar, -1)
    for _ in range(m.n_levels + 1):
        up = np.where(parent >= 0, anc[np.maximum(parent, 0)], -1)
        new = np.where(mark, ar, up)
        if np.array_equal(new, anc):
            break
        anc = new
    return anc


def _side_kw(m, live: np.ndarray, p_kw: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each rack's draw on feed A and feed B with `live` elements, and whether it is fed."""
    la = (m.rack_a >= 0) & live[np.maximum(m.rack_a, 0)]
    lb = (m.rack_b >= 0) & live[np.maximum(m.rack_b, 0)]
    share_a = np.where(la & lb, m.rack_split_a, la.astype(float))
    return p_kw * share_a, np.where(lb, p_kw * (1.0 - share_a), 0.0), la | lb


def _per_ups(m, anc: np.ndarray, pa: np.ndarray, pb: np.ndarray) -> np.ndarray:
    """kW of rack draw behind each element through its nearest marked ancestor (n,)."""
    ua, ub = anc[np.maximum(m.rack_a, 0)], anc[np.maximum(m.rack_b, 0)]
    ka, kb = (m.rack_a >= 0) & (ua >= 0) & (pa > 0), (m.rack_b >= 0) & (ub >= 0) & (pb > 0)
    return np.bincount(ua[ka], pa[ka], m.n) + np.bincount(ub[kb], pb[kb], m.n)


def battery_window(twin, scenario: Scenario, before, after) -> BatteryWindow:
    """The window after `scenario`'s failures: `before` is the power solve without them
    (`solve_power` or the coupled solve), `after` the power solve with them."""
    m = power_model(twin)
    ups = twin.ups
    oos = scenario.out_of_service
    failed = m.ids.isin(list(oos)) if oos else np.zeros(m.n, bool)
    live0 = before["res_power_nodes"]["live"].reindex(m.ids).fillna(False).to_numpy(bool)
    live1 = after["res_power_nodes"]["live"].reindex(m.ids).fillna(False).to_numpy(bool)
    is_ups = m.table == "ups"
    batt = np.zeros(m.n)
    if len(ups):
        batt[m.pos.reindex(ups.index).to_numpy()] = ups["battery_kwh"].to_numpy(float)
    carrying = is_ups & (batt > 0) & live0 & ~failed
    live_w = liveness(replace(m, is_source=m.is_source | carrying), failed)
    p0 = before["res_racks"]["p_kw"].reindex(m.rack_ids).fillna(0.0).to_numpy(float)
    failed_rack = m.rack_ids.isin(list(oos)) if oos else np.zeros(len(p0), bool)

    # the racks behind each UPS before the failure, and what it drew for them
    src0 = is_ups & live0
    anc0 = _nearest(m, _parents(m, live0, m.is_source), src0)
    pa0, pb0, _ = _side_kw(m, live0, p0)
    under0 = _per_ups(m, anc0, pa0, pb0)
    rp0 = before["res_power_nodes"].reindex(m.ids)
    draw0 = (rp0["p_out_kw"] + rp0["loss_kw"]).fillna(0.0).to_numpy(float)
    ratio = np.where(under0 > 0, draw0 / np.maximum(under0, 1e-12), 0.0)

    # the window: batteries as sources; a rack keeps its draw on any live feed
    on_batt = carrying & ~live1
    anc = _nearest(m, _parents(m, live_w, m.is_source | carrying), on_batt)
    pa, pb, fed = _side_kw(m, live_w, p0)
    rack_kw = np.where(fed & ~failed_rack, p0, 0.0)
    pa, pb = np.where(fed & ~failed_rack, pa, 0.0), np.where(fed & ~failed_rack, pb, 0.0)
    load = _per_ups(m, anc, pa, pb) * ratio

    u_node = m.pos.reindex(ups.index).to_numpy() if len(ups) else np.zeros(0, np.int64)
    u_index = np.full(m.n, -1)
    u_index[u_node] = np.arange(len(u_node))

    def side(feed: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Per rack: the UPS on battery carrying this feed, -1 another live source, -2 none."""
        a = anc[np.maximum(feed, 0)]
        return np.where((feed >= 0) & (p > 0), np.where(a >= 0, u_index[np.maximum(a, 0)], -1), -2)

    return BatteryWindow(
        carrying=carrying[u_node],
        on_battery=on_batt[u_node],
        load_kw=np.where(on_batt, load, 0.0)[u_node],
        rack_kw=rack_kw,
        rack_ups=np.stack([side(m.rack_a, pa), side(m.rack_b, pb)], axis=1),
        side_kw=np.stack([pa, pb], axis=1),
        ratio=np.where(on_batt, ratio, 0.0)[u_node],
    )


def power_lost_s(window: BatteryWindow, empty_s: np.ndarray) -> np.ndarray:
    """When each rack loses power (s): 0 with no live feed in the window, the time its last
    feed's battery empties (`empty_s` per UPS, inf where a generator takes over first) where
    every live feed is on a battery, inf where a feed stays on a utility or generator."""
    e = np.asarray(empty_s, float)

    def until(s: np.ndarray) -> np.ndarray:
        return np.where(
            s >= 0, e[np.maximum(s, 0)] if len(e) else np.inf, np.where(s == -1, np.inf, 0.0)
        )

    lost = np.maximum(until(window.rack_ups[:, 0]), until(window.rack_ups[:, 1]))
    return np.where(window.rack_kw > 0, lost, 0.0)
