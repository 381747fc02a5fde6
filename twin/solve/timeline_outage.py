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

Everything is array work over (steps x UPSs): cumulative sums and clips, no loop.
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


def overlap(t0: np.ndarray, dt: float, a, b) -> np.ndarray:
    """Seconds of each step [t0, t0 + dt) inside [a, b) (a, b broadcast against t0)."""
    return np.maximum(np.minimum(t0 + dt, b) - np.maximum(t0, a), 0.0)


def bridge(bank: UpsBank, ev: Outage, t0: np.ndarray, dt: float, group_frac: np.ndarray):
    """Each UPS battery over time under `ev`. `group_frac` (n, G): each group's draw on its
    power chain as a fraction of its design.

    Returns a dict of (n, u) arrays: load_kw (what each UPS carries), discharge_kw (mean
    delivered over the step), dropped_kw (mean load not served: battery empty), served
    (fraction of the bridged time served), drain_kw (rated energy drawn, Peukert),
    charge_kw (mean draw of the charger), gain_kw (mean energy into the battery), and
    soc_kwh (n + 1, u), time_to_empty_s (u,) from the outage start (inf: never) and the
    site fractions gap/gen of each step (n,)."""
    t0 = np.asarray(t0, float)
    end = ev.start_s + ev.duration_s
    bridge_end = min(ev.start_s + bank.gen_start_s, end)
    load = np.asarray(group_frac, float) @ bank.load_kw  # (n, u)
    ov = overlap(t0, dt, ev.start_s, bridge_end)[:, None]  # (n, 1) seconds bridged
    e_kj = bank.energy_kwh[None, :] * 3600.0
    p_rated = bank.energy_kwh / bank.rated_time_h
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(load > 0, load / p_rated[None, :], 0.0)
        rate = load * rel ** (bank.peukert_k[None, :] - 1.0)  # kW of rated energy drawn
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
    k = np.maximum(first, 0)
    t_empty = np.maximum(t0[k], ev.start_s) + served_s[k, cols] - ev.start_s
    t_empty = np.where(first >= 0, t_empty, np.inf)
    # recharge from the end of the bridge (a source is live again), monotone up to full
    deficit = e_kj[0] - soc[-1] * 3600.0
    live = overlap(t0, dt, bridge_end, np.inf)[:, None]
    rate_c = bank.energy_kwh[None, :] / RECHARGE_H  # kW into the battery
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
        "gap": ov[:, 0] / dt,
        "gen": overlap(t0, dt, ev.start_s + bank.gen_start_s, end) / dt,
        "plant_off": overlap(t0, dt, ev.start_s, bridge_end + bank.restart_s) / dt,
    }
