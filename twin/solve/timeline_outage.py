"""A utility outage over time: UPS batteries bridge to the generators, or run out.

The utility is lost from `start_s` for `duration_s`. Every UPS battery carries its
UPS's load (output plus its own losses) from the start until the site's generators
accept load (`gen_start_s`, the layout's `start_s` of its slowest generator [REFERENCE
5: NFPA 110 Type 10, <= 10 s]) or the utility returns, whichever is first; with no
generator it must last the whole outage. Load not behind a UPS (the cooling plant's
motor control centres, transformers upstream of the UPSs) is lost for that gap; the
chillers then take `restart_s` more to restart [REFERENCE 6: 2-3 min].

Battery discharge follows Peukert [REFERENCE 5]: at power P a battery rated E kWh at
H hours (rated power P_r = E / H) drains its rated energy at ``P (P / P_r)^(k - 1)``,
so at constant P it lasts ``H (P_r / P)^k`` (`twin.solve.transient.peukert_autonomy_s`);
with k = 1 a battery of E kWh under P kW empties at E / P h. Within a step the load is
constant and the time the battery empties is exact. When a battery is empty its
UPS's load is dropped until a source returns. After the bridge the batteries recharge
at `energy / RECHARGE_H` kW of stored energy per battery with charger efficiency
`CHARGER_EFFICIENCY` [est], drawn from the generator or the grid.

Everything is array work over (steps x distinct batteries): cumulative sums and clips,
no loop; only the steps from the outage to the end of the recharge are computed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twin.errors import ScenarioError

RECHARGE_H = 5.0
"""Hours to recharge a UPS battery from empty [est: UPS chargers restore Li-ion in ~2-6 h,
VRLA to 90 % in ~8-10 h]."""
CHARGER_EFFICIENCY = 0.95
"""UPS rectifier/charger efficiency while recharging [est: double-conversion rectifiers
~95-97 %, REFERENCE 5]."""


@dataclass(frozen=True)
class Outage:
    """The utility is lost from `start_s` for `duration_s` (seconds from the run's start)."""

    start_s: float
    duration_s: float

    def check(self, horizon_s: float) -> None:
        if not (self.duration_s > 0 and self.start_s >= 0):
            raise ScenarioError("a utility outage needs a duration > 0 s and a start >= 0 h")
        if self.start_s >= horizon_s:
            raise ScenarioError(
                f"the outage starts at {self.start_s / 3600:g} h, after the horizon "
                f"({horizon_s / 3600:g} h)"
            )


@dataclass(frozen=True)
class UpsBank:
    """The site's UPS batteries and how their load follows each group's (hall's) load."""

    ids: list[str]
    energy_kwh: np.ndarray  # (u,) rated usable energy
    rated_time_h: np.ndarray  # (u,) Peukert H
    peukert_k: np.ndarray  # (u,)
    load_kw: np.ndarray  # (G, u) each UPS's design draw (output + losses) due to each group
    gen_start_s: float  # site generators accept load after this; inf: no generator
    restart_s: float  # chillers restart this long after power returns
    gen_kw: float = np.inf  # what the generators can carry together (rating x power factor)
    plant_kw: float = np.inf  # the most heat the plant removes once back (its backlog rate)


def overlap(t0: np.ndarray, dt: float, a, b) -> np.ndarray:
    """Seconds of each step [t0, t0 + dt) inside [a, b) (a, b broadcast against t0)."""
    return np.maximum(np.minimum(t0 + dt, b) - np.maximum(t0, a), 0.0)


def bridge(bank: UpsBank, ev: Outage, t0: np.ndarray, dt: float, group_frac: np.ndarray):
    """The site's UPS batteries over time under `ev`. `group_frac` (n, G): each group's
    draw on its power chain as a fraction of its design.

    Only the steps from the outage's start to the end of the longest recharge are
    computed (before, every battery is full and idle; after, full again), and UPSs with
    the same battery and the same share of each group's load once (a campus of identical
    halls has one column per hall, not one per UPS). Returns site totals per step (n,):
    discharge_kw (mean delivered), dropped_kw (mean load not served: battery empty),
    drain_kw (rated energy drawn, Peukert), charge_kw (charger draw), gain_kw (energy
    into the batteries), and gap / gen / plant_off (fractions of each step), soc_kwh
    (n + 1,) of all batteries, served_g (n, G) each group's served share of its bridged
    time; per UPS (u,): time_to_empty_s (from the outage start, inf: never),
    soc_min_kwh, dropped_kwh, peak_load_kw (during the outage and recharge); and
    dropped_runs: (UPS indices, their dropped kW per step (n,)) for each column that
    dropped load."""
    t0 = np.asarray(t0, float)
    frac = np.asarray(group_frac, float)
    n = len(t0)
    end = ev.start_s + ev.duration_s
    bridge_end = min(ev.start_s + bank.gen_start_s, end)
    out = {
        "gap": overlap(t0, dt, ev.start_s, bridge_end) / dt,
        "gen": overlap(t0, dt, ev.start_s + bank.gen_start_s, end) / dt,
        "plant_off": overlap(t0, dt, ev.start_s, bridge_end + bank.restart_s) / dt,
    }
    for k in ("discharge_kw", "dropped_kw", "drain_kw", "charge_kw", "gain_kw"):
        out[k] = np.zeros(n)
    out["served_g"] = np.ones(frac.shape)
    e_all = float(bank.energy_kwh.sum())
    out["soc_kwh"] = np.full(n + 1, e_all)
    keys = np.column_stack([bank.energy_kwh, bank.rated_time_h, bank.peukert_k, bank.load_kw.T])
    uniq, inv, count = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    inv = inv.reshape(-1)
    k0 = int(np.searchsorted(t0 + dt, ev.start_s, side="right"))
    k1 = int(np.searchsorted(t0, end + RECHARGE_H * 3600.0 + 2.0 * dt, side="right"))
    k1 = min(max(k1, k0), n)
    col = _columns(uniq, ev, bridge_end, t0[k0:k1], dt, frac[k0:k1])
    w = count[None, :]
    for k in ("discharge_kw", "dropped_kw", "drain_kw", "charge_kw", "gain_kw"):
        out[k][k0:k1] = (col[k] * w).sum(axis=1)
    soc_w = (col["soc_kwh"] * w).sum(axis=1)
    out["soc_kwh"][k0 : k1 + 1] = soc_w
    out["soc_kwh"][k1 + 1 :] = soc_w[-1]
    # each group's served share: its UPSs' served fraction weighted by their share of it
    share = uniq[:, 3:].T * w  # (G, unique) design kW of each group on each column
    tot = share.sum(axis=1, keepdims=True)
    share = np.divide(share, tot, out=np.zeros_like(share), where=tot > 0)
    out["served_g"][k0:k1] = col["served"] @ share.T + (tot.T == 0)
    out["time_to_empty_s"] = col["time_to_empty_s"][inv]
    out["soc_min_kwh"] = col["soc_low_kwh"][inv]  # the trough, even inside a long step
    out["dropped_kwh"] = (col["dropped_kw"].sum(axis=0) * dt / 3600.0)[inv]
    out["peak_load_kw"] = col["load_kw"].max(axis=0, initial=0.0)[inv]
    runs = []
    for c in np.flatnonzero((col["dropped_kw"] > 0).any(axis=0)):  # only columns that dropped
        full = np.zeros(n)
        full[k0:k1] = col["dropped_kw"][:, c]
        runs.append((np.flatnonzero(inv == c), full))
    out["dropped_runs"] = runs
    return out


def _columns(uniq, ev, bridge_end, t0, dt, frac):
    """Per distinct battery column (rows of `uniq`: energy, H, k, design kW per group) over
    the window's steps `t0`: Peukert discharge, emptying, recharge (see `bridge`)."""
    energy, rated_h, k = uniq[:, 0], uniq[:, 1], uniq[:, 2]
    load = frac @ uniq[:, 3:].T  # (m, c) what each column's UPS carries
    ov = overlap(t0, dt, ev.start_s, bridge_end)[:, None]  # (m, 1) seconds bridged
    e_kj = energy[None, :] * 3600.0
    p_rated = energy / rated_h
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(load > 0, load / p_rated[None, :], 0.0)
        rate = load * rel ** (k[None, :] - 1.0)  # kW of rated energy drawn
    used = np.cumsum(rate * ov, axis=0)  # kJ drawn if every bridged second were served
    before = used - rate * ov
    with np.errstate(divide="ignore", invalid="ignore"):
        served_s = np.where(rate > 0, np.clip((e_kj - before) / rate, 0.0, ov), ov)
    served_s = np.broadcast_to(served_s, load.shape)
    drain_kj = rate * served_s
    soc = np.vstack([e_kj, e_kj - np.cumsum(drain_kj, axis=0)]) / 3600.0  # kWh
    empty = served_s < ov - 1e-9 * dt
    first = np.where(empty.any(axis=0), np.argmax(empty, axis=0), -1)
    cols = np.arange(load.shape[1])
    i = np.maximum(first, 0)
    t_empty = (
        np.maximum(t0[i], ev.start_s) + served_s[i, cols] - ev.start_s
        if len(t0)
        else np.full(len(cols), np.inf)
    )
    t_empty = np.where(first >= 0, t_empty, np.inf)
    # recharge from the end of the bridge (a source is live again), monotone up to full
    deficit = e_kj[0] - soc[-1] * 3600.0
    live = overlap(t0, dt, bridge_end, np.inf)[:, None]
    rate_c = energy[None, :] / RECHARGE_H  # kW into the battery
    gained = np.minimum(np.cumsum(rate_c * live, axis=0), deficit[None, :])
    gain_kj = np.diff(np.vstack([np.zeros((1, load.shape[1])), gained]), axis=0)
    soc = soc + np.vstack([np.zeros((1, load.shape[1])), gained]) / 3600.0
    return {
        "load_kw": load,
        "discharge_kw": load * served_s / dt,
        "dropped_kw": load * (ov - served_s) / dt,
        "served": np.divide(served_s, ov, out=np.ones_like(served_s), where=ov > 0),
        "drain_kw": drain_kj / dt,
        "gain_kw": gain_kj / dt,
        "charge_kw": gain_kj / dt / CHARGER_EFFICIENCY,
        "soc_kwh": soc,
        "time_to_empty_s": t_empty,
        "soc_low_kwh": (e_kj[0] - drain_kj.sum(axis=0)) / 3600.0,  # at the bridge's end
    }
