"""A utility outage over time: UPS batteries bridge to the generators, or run out.

The utility is lost from `start_s` for `duration_s`. Every UPS battery carries its
UPS's load (output plus its own losses) from the start until its own generator (the one
that takes its bus, `ups_gen_start_s`, as `twin ride-through` finds it; the layout's
`start_s` [REFERENCE 5: NFPA 110 Type 10, <= 10 s]) accepts load or the utility
returns, whichever is first; a 2N pair until the first of its two generators. Load not
behind a UPS, and the plant, wait for the slowest generator (`gen_start_s`); each
generator carries its share of the UPS load behind generators (`gen_share`) and is
checked against its own rating x power factor; with no
generator it must last the whole outage. In a 2N pair (two UPSs feeding the same racks,
A and B sides) the side whose battery empties first hands its dual-fed racks to its
partner, which carries both while its own battery lasts (`twin.solve.timeline_pairs`,
exact emptying times); load is dropped only when both sides are empty (racks fed from
the empty side alone drop with it). Load not behind a UPS (the cooling plant's
motor control centres, transformers upstream of the UPSs) is lost for that gap; the
chillers then take `restart_s` more to restart [REFERENCE 6: 2-3 min].

Battery discharge follows Peukert [REFERENCE 5]: at power P a battery rated E kWh at
H hours (rated power P_r = E / H) drains its rated energy at ``P (P / P_r)^(k - 1)``,
so at constant P it lasts ``H (P_r / P)^k`` (`twin.solve.ride_through_power.peukert_autonomy_s`);
with k = 1 a battery of E kWh under P kW empties at E / P h. Within a step the load is
constant and the time the battery empties is exact. When a battery is empty its
UPS's load is dropped until a source returns. After the bridge the batteries recharge
at `energy / RECHARGE_H` kW of stored energy per battery with charger efficiency
`CHARGER_EFFICIENCY` [est], drawn from the generator or the grid.

Everything is array work over the steps of each distinct battery or pair (cumulative sums
and their exact inverse); only the steps from the outage to the end of the recharge are
computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from twin.errors import ScenarioError
from twin.solve.timeline_pairs import pair

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

    def past_horizon(self, horizon_s: float) -> list[str]:
        """A note when the outage runs on past the horizon: the run sees only its start (no
        utility return, no recharge, batteries possibly emptying after the end)."""
        end = self.start_s + self.duration_s
        if end <= horizon_s * (1 + 1e-12):
            return []
        seen_h = (horizon_s - self.start_s) / 3600.0
        return [
            f"the outage runs {self.start_s / 3600:g}-{end / 3600:g} h, past the horizon "
            f"({horizon_s / 3600:g} h): only its first {seen_h:g} h is simulated (the utility's "
            "return, the recharge and any battery emptying after the horizon are not); lengthen "
            "the horizon to see them"
        ]


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
    partner: np.ndarray | None = None  # (u,) the 2N partner's index, -1 none (None: no pairs)
    ups_gen_start_s: np.ndarray | None = None  # (u,) its own generator's start (None: site's)
    gen_ids: tuple[str, ...] = ()  # the generators behind UPSs, each checked on its own
    gen_cap_kw: np.ndarray | None = None  # (g,) rating x power factor
    gen_share: np.ndarray | None = None  # (g,) share of the generators' load each carries
    ups_gen: np.ndarray | None = None  # (u,) index into gen_ids of its own generator, -1 none
    shared: np.ndarray | None = None  # (u,) share of its load its partner can pick up
    # generators that trip at takeover (`twin.solve.generator_trip`), not in the bank:
    # id -> (its start, s; its loading with the utilities lost, %)
    tripped: dict[str, tuple[float, float]] = field(default_factory=dict)


def overlap(t0: np.ndarray, dt: float, a, b) -> np.ndarray:
    """Seconds of each step [t0, t0 + dt) inside [a, b) (a, b broadcast against t0)."""
    return np.maximum(np.minimum(t0 + dt, b) - np.maximum(t0, a), 0.0)


def bridge(bank: UpsBank, ev: Outage, t0: np.ndarray, dt: float, group_frac: np.ndarray):
    """The site's UPS batteries over time under `ev`. `group_frac` (n, G): each group's
    draw on its power chain as a fraction of its design.

    Only the steps from the outage's start to the end of the longest recharge are
    computed (before, every battery is full and idle; after, full again), and UPSs with
    the same battery and the same share of each group's load once, a 2N pair as one unit
    (a campus of identical halls has one unit per hall, not one per UPS). Returns site totals per step (n,):
    discharge_kw (mean delivered), dropped_kw (mean load not served: battery empty),
    drain_kw (energy out of the batteries: delivered, or the Peukert drain where larger),
    charge_kw (charger draw), gain_kw (energy into the batteries), and gap / gen /
    plant_off (fractions of each step), soc_kwh (n + 1,) of all batteries in rated energy
    (Peukert: when they empty), soc_energy_kwh (n + 1,) the energy they hold over full
    (taken and put back; the energy balance's), served_g (n, G) each group's served share of its bridged
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
    k0 = int(np.searchsorted(t0 + dt, ev.start_s, side="right"))
    k1 = int(np.searchsorted(t0, end + RECHARGE_H * 3600.0 + 2.0 * dt, side="right"))
    k1 = min(max(k1, k0), n)
    units = _units(bank)
    col = _window(units, bank, ev, bridge_end, t0[k0:k1], dt, frac[k0:k1])
    for k in ("discharge_kw", "dropped_kw", "drain_kw", "charge_kw", "gain_kw", "gen_early_kw"):
        out.setdefault(k, np.zeros(n))[k0:k1] = col[k]
    out["soc_kwh"][k0 : k1 + 1] = col["soc_kwh"]
    out["soc_kwh"][k1 + 1 :] = col["soc_kwh"][-1]
    out["soc_energy_kwh"] = np.full(n + 1, e_all)
    out["soc_energy_kwh"][k0 : k1 + 1] = col["soc_energy_kwh"]
    out["soc_energy_kwh"][k1 + 1 :] = col["soc_energy_kwh"][-1]
    out["served_g"][k0:k1] = col["served_g"]
    # each generator: kW it carries before the slowest starts, and the share of each step
    # it runs (its first UPS's start to the outage's end)
    out["gen_early_g_kw"] = np.zeros((n, len(bank.gen_ids)))
    out["gen_early_g_kw"][k0:k1] = col["gen_early_g_kw"]
    out["gen_on_g"] = np.zeros((n, len(bank.gen_ids)))
    if bank.gen_ids and bank.ups_gen is not None and bank.ups_gen_start_s is not None:
        for j in range(len(bank.gen_ids)):  # generators, not UPSs
            mine = np.asarray(bank.ups_gen) == j
            first = float(np.min(np.asarray(bank.ups_gen_start_s)[mine], initial=np.inf))
            out["gen_on_g"][:, j] = overlap(t0, dt, ev.start_s + first, end) / dt
    for k in ("time_to_empty_s", "soc_min_kwh", "dropped_kwh", "peak_load_kw"):
        out[k] = col[k]
    out["dropped_runs"] = [(m, _full(d, n, k0, k1)) for m, d in col["dropped_runs"]]
    return out


def _full(part: np.ndarray, n: int, k0: int, k1: int) -> np.ndarray:
    full = np.zeros(n)
    full[k0:k1] = part
    return full


def _units(bank: UpsBank):
    """The bank as units: each 2N pair once (side a: the lower index) and each UPS without
    a partner alone; the distinct units (same batteries, shares and loads) and how many
    of each. Returns (keys (d, 8 + 2G), inverse (units,), count (d,), side a UPS index
    (units,), side b UPS index (units,), -1 for none)."""
    u = len(bank.ids)
    idx = np.arange(u)
    partner = np.full(u, -1) if bank.partner is None else np.asarray(bank.partner, np.int64)
    shared = np.zeros(u) if bank.shared is None else np.asarray(bank.shared, float)
    a = idx[(partner < 0) | (idx < partner)]
    b = partner[a]
    has_b = b >= 0
    bb = np.where(has_b, b, 0)

    def side(x, mask, empty=0.0):
        return np.where(mask, x[bb], empty) if x.ndim == 1 else np.where(mask[:, None], x[bb], 0)

    e, h, k, load = bank.energy_kwh, bank.rated_time_h, bank.peukert_k, bank.load_kw.T
    own = bank.ups_gen_start_s
    start = np.full(u, bank.gen_start_s) if own is None else np.asarray(own, float)
    # a pair's batteries bridge until the first of its generators: then its dual-fed racks
    # run from that side [REFERENCE 5: on loss of one feed the other carries 100 %]
    first = np.minimum(start[a], side(start, has_b, np.inf))
    g = np.full(u, -1.0) if bank.ups_gen is None else np.asarray(bank.ups_gen, float)
    g_first = np.where(start[a] <= side(start, has_b, np.inf), g[a], side(g, has_b, -1.0))
    keys = np.column_stack([
        e[a], h[a], k[a], shared[a], side(e, has_b), side(h, has_b, 1.0), side(k, has_b, 1.0),
        side(shared, has_b), first, g_first, load[a], side(load, has_b),
    ])  # fmt: skip
    uniq, inv, count = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    return uniq, inv.reshape(-1), count, a, b


def _window(units, bank: UpsBank, ev: Outage, bridge_end, t0, dt, frac) -> dict:
    """Every distinct unit over the window's steps `t0` (`twin.solve.timeline_pairs`), then
    the recharge; site totals (m,) weighted by each unit's count, and per UPS results."""
    uniq, inv, count, ua, ub = units
    m, ng = len(t0), frac.shape[1] if frac.ndim == 2 else 0
    tot = {k: np.zeros(m) for k in ("discharge_kw", "dropped_kw", "drain_kw", "charge_kw",
                                    "gain_kw", "gen_early_kw")}  # fmt: skip
    end = ev.start_s + ev.duration_s
    early_g = np.zeros((m, len(bank.gen_ids)))
    soc = np.zeros(m + 1)
    soc_e = np.zeros(m + 1)
    served_w = np.zeros((m, ng))
    weight_g = np.zeros(ng)
    u = len(bank.ids)
    per = {k: np.zeros(u) for k in ("time_to_empty_s", "soc_min_kwh", "dropped_kwh",
                                    "peak_load_kw")}  # fmt: skip
    runs = []
    for j, row in enumerate(uniq):  # distinct pairs or batteries, not UPSs or racks
        la, lb = row[10 : 10 + ng], row[10 + ng :]
        loads = (frac @ la, frac @ lb)
        # its own generator: batteries bridge until it starts; it carries the unit until
        # the site's slowest generator ends the site's gap
        own_end = min(ev.start_s + row[8], end)
        ov = overlap(t0, dt, ev.start_s, own_end)
        live = overlap(t0, dt, bridge_end, np.inf)  # recharge once the site is on a source
        early = overlap(t0, dt, own_end, bridge_end) / dt
        batt = ((row[0], row[1], row[2]), (row[4], row[5], row[6]))
        r = pair(batt, loads, (row[3], row[7]), ov)
        w = count[j]
        mine = inv == j
        for side, ids in ((0, ua[mine]), (1, ub[mine])):
            ids = ids[ids >= 0]
            e_kj = batt[side][0] * 3600.0
            if e_kj <= 0:
                continue
            drain = r["drain_kj"][side]
            delivered = r["delivered_kj"][side]
            # energy out of the battery: what it delivered, and above its rated power the
            # Peukert excess (lost as heat); below it Peukert's drain is less than delivered
            # (the rating counts less than the battery holds), never energy from nothing
            taken = np.maximum(drain, delivered)
            deficit, deficit_e = float(drain.sum()), float(taken.sum())
            gained = np.minimum(np.cumsum(e_kj / 3600.0 / RECHARGE_H * live), deficit)
            # the charger puts back the energy taken, at the pace that restores the rating
            gained_e = gained * (deficit_e / deficit) if deficit > 0 else gained
            gain = np.diff(np.r_[0.0, gained_e])
            tot["discharge_kw"] += w * delivered / dt
            tot["dropped_kw"] += w * r["dropped_kj"][side] / dt
            tot["drain_kw"] += w * taken / dt
            tot["gain_kw"] += w * gain / dt
            tot["charge_kw"] += w * gain / dt / CHARGER_EFFICIENCY
            soc += w * (e_kj - np.r_[0.0, np.cumsum(drain)] + np.r_[0.0, gained]) / 3600.0
            soc_e += w * (e_kj - np.r_[0.0, np.cumsum(taken)] + np.r_[0.0, gained_e]) / 3600.0
            per["time_to_empty_s"][ids] = r["time_to_empty_s"][side]
            per["soc_min_kwh"][ids] = (e_kj - deficit) / 3600.0  # the trough, even in a step
            per["dropped_kwh"][ids] = r["dropped_kj"][side].sum() / 3600.0
            per["peak_load_kw"][ids] = r["peak_kw"][side]
            if (r["dropped_kj"][side] > 0).any():
                runs.append((ids, r["dropped_kj"][side] / dt))
        tot["gen_early_kw"] += w * early * (loads[0] + loads[1])
        if row[9] >= 0:  # what its own generator carries before the slowest starts
            early_g[:, int(row[9])] += w * early * (loads[0] + loads[1])
        design_g = w * (la + lb)  # each group's served share, weighted by its load here
        served_w += r["served"][:, None] * design_g[None, :]
        weight_g += design_g
    served_g = np.divide(served_w, weight_g[None, :], out=np.ones_like(served_w),
                         where=weight_g[None, :] > 0)  # fmt: skip
    return {**tot, "soc_kwh": soc, "soc_energy_kwh": soc_e, "served_g": served_g, **per, "dropped_runs": runs,
            "gen_early_g_kw": early_g}  # fmt: skip
