"""The ride-through's heat besides the racks' own (`twin.solve.transient`), as the power state
after the failure allows it. The steady state puts into a hall's air its PDUs' and busways'
losses (with their feeder cables) and its CRAH fans, and into a water loop its UPSs' losses,
its pumps and its CDUs' pumps (`twin.solve.coupled`). After the failure:

- the electrical losses follow the racks' draw in the hall they feed: a hall whose racks
  tripped or lost power loses nothing in its PDUs and UPSs [est: linear in the load, an upper
  bound between full and no load; a UPS's no-load loss while its racks are down is left out];
- the fans and pumps heat only while they run: off while unfed or waiting for their generator,
  on again with their power (`twin.solve.ride_through_power.restart_wait_s`), and, when the
  utility returns, as before the failure (they restart at once, `RESTART_S`). A hall's CRAH
  fans move the air its running racks need, shared by the units that run, at the steady
  state's law (`twin.solve.airflow`: speed = need / rated flow of the running units, at most
  1, power x speed^3), the need following the racks' air heat [est: per kW as before the
  failure]; a loop's pumps (and a TCS loop's CDU pumps) put in their heat before the failure
  while any of them runs [est: the ones left speed up to move the loop's water].

Without this a dark site (its generators tripped, its racks down) kept warming at the heat its
running equipment had put in (694 kW into the AI hall's facility water) with nothing fed."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from twin.solve.arrays import safe_div
from twin.solve.coupled import coupled_model
from twin.solve.plant import plant_model
from twin.solve.transient_cooling import Units, units_split
from twin.solve.transient_nodes import NodeIndex


@dataclass(frozen=True)
class Equipment:
    """The equipment heat of the state before the failure and what of it goes on after it.

    `loss_kw` (nodes x halls): electrical losses per hall whose racks they feed; `p0_hall_kw`
    and `air0_hall_kw` each hall's racks' draw and air heat before, `p1_kw`/`air1_kw` each
    rack's after the failure, `rack_h` its hall. Fans: per hall, `fan_ref_kw` and `fan_m3_s`
    (full-speed power and rated airflow of its units), `need0_m3_s` the air its racks needed.
    Pumps: per loop, its pumps' heat before (`pump_kw`, `pump_node`) and which run."""

    ix: NodeIndex
    loss_kw: np.ndarray
    p0_hall_kw: np.ndarray
    air0_hall_kw: np.ndarray
    p1_kw: np.ndarray
    air1_kw: np.ndarray
    fan_ref_kw: Units
    fan_m3_s: Units
    need0_m3_s: np.ndarray
    pump_kw: np.ndarray
    pump_node: np.ndarray
    pumps_run: Units
    utility_back_s: float = np.inf

    def _hall(self, kw: np.ndarray, off: np.ndarray, kw0: np.ndarray) -> np.ndarray:
        on = np.bincount(self.ix.rack_h, np.where(off, 0.0, kw), len(kw0))
        return np.minimum(safe_div(on, kw0), 1.0)

    def fans_kw(self, t: float, need_m3_s: np.ndarray) -> np.ndarray:
        """Per hall: its running fans' power moving `need_m3_s` at time `t`."""
        ub = self.utility_back_s
        flow = self.fan_m3_s.at(t, ub)
        speed = np.minimum(1.0, safe_div(need_m3_s, flow))
        return self.fan_ref_kw.at(t, ub) * speed**3

    def pumps_kw(self, t: float) -> np.ndarray:
        """Per node: the heat of the loops' pumps running at time `t`."""
        run = self.pumps_run.at(t, self.utility_back_s) > 0
        return np.bincount(self.pump_node[run], self.pump_kw[run], self.ix.n).astype(float)

    def heat(self, off: np.ndarray):
        """The equipment's heat per node with the racks `off` (mask) drawing nothing: the
        electrical losses (fixed while no rack changes) and a function of time adding the
        fans and pumps then."""
        loss = self.loss_kw @ self._hall(self.p1_kw, off, self.p0_hall_kw)
        need = self.need0_m3_s * self._hall(self.air1_kw, off, self.air0_hall_kw)
        H, E = self.ix.offsets[:2]  # noqa: N806 (block offsets)

        def running_kw(t: float) -> np.ndarray:
            q = self.pumps_kw(t)
            q[H:E] += self.fans_kw(t, need)
            return q

        return loss, running_kw

    def before_kw(self) -> np.ndarray:
        """Per node: the equipment heat in the steady state before the failure."""
        q = self.loss_kw.sum(axis=1) + np.bincount(self.pump_node, self.pump_kw, self.ix.n).astype(
            float
        )
        H, E = self.ix.offsets[:2]  # noqa: N806 (block offsets)
        speed = np.minimum(1.0, safe_div(self.need0_m3_s, self.fan_m3_s.before))
        q[H:E] += self.fan_ref_kw.before * speed**3
        return q


def equipment_heat(twin, ix: NodeIndex, base, ps, p0, p1, lf) -> Equipment:
    """The equipment heat of `base` (the steady state before the failure) per node, and which
    of it runs after the failure in the power states `ps` (`transient_cooling.PowerStates`),
    the racks drawing `p0` before and `p1` after it (liquid fraction `lf`)."""
    H, _, _, W = ix.offsets  # noqa: N806 (block offsets)
    n, nh = ix.n, ix.sizes[0]
    cm = coupled_model(twin)
    loop_ids = plant_model(twin).loop_ids
    water = pd.Series(W + ix.wpos.to_numpy(), index=ix.wpos.index)
    water_of = water.reindex(loop_ids).fillna(-1).to_numpy(np.int64)
    rp = base["res_power_nodes"]
    loss = (rp["loss_kw"] + rp["loss_cable_kw"]).astype(float)
    loss_kw = np.zeros((n, nh))
    pdu_h = cm.pdu_hall.to_numpy()
    np.add.at(loss_kw, (H + pdu_h, pdu_h), loss.reindex(cm.pdu_hall.index).to_numpy())
    ups_w = water_of[cm.ups_loop.to_numpy()]
    ups_h = cm.ups_hall.reindex(cm.ups_loop.index).to_numpy(np.int64)
    ok = ups_w >= 0
    np.add.at(loss_kw, (ups_w[ok], ups_h[ok]), loss.reindex(cm.ups_loop.index).to_numpy()[ok])

    cr = twin.crahs
    hall_of = ix.hpos.reindex(cr["hall"]).fillna(-1).to_numpy(np.int64)
    fan_ref, v_ref = cr["fan_kw"].to_numpy(float), cr["airflow_m3_s"].to_numpy(float)
    need0 = base["res_halls"]["airflow_need_m3_s"].reindex(ix.hall_ids).fillna(0.0)

    # pumps by their own loop (their heat lands in its sink loop), CDU pumps by TCS loop
    kw, node, runs = [], [], []
    for kind, res, col, own, sink in (
        ("pumps", "res_pumps", "p_kw", "loop", water_of[cm.pump_loop]),
        ("cdus", "res_cdus", "pump_kw", "loop", water_of[cm.cdu_loop]),
    ):
        t = getattr(twin, kind)
        if not len(t) or res not in base.tables:
            continue
        code, uniq = pd.factorize(t[own].fillna("").to_numpy())
        heat = base[res][col].reindex(t.index).fillna(0.0).to_numpy(float)
        m = len(uniq)
        runs.append(units_split(twin, kind, ps, code, m, np.ones(len(t))))
        kw.append(np.bincount(code, heat, m))
        first = np.full(m, -1, np.int64)
        first[code[::-1]] = sink[::-1]  # the group's sink: its first unit's
        node.append(first)
    if runs:
        pumps_run = Units(
            *(np.concatenate([getattr(u, f.name) for u in runs]) for f in fields(Units))
        )
        pump_kw, pump_node = np.concatenate(kw), np.concatenate(node)
    else:
        pumps_run = Units(*(np.zeros(0) for _ in range(4)))
        pump_kw, pump_node = np.zeros(0), np.zeros(0, np.int64)
    keep = pump_node >= 0
    pumps_run = Units(*(getattr(pumps_run, f.name)[keep] for f in fields(Units)))
    return Equipment(
        ix=ix,
        loss_kw=loss_kw,
        p0_hall_kw=np.bincount(ix.rack_h, p0, nh),
        air0_hall_kw=np.bincount(ix.rack_h, p0 * (1 - lf), nh),
        p1_kw=p1,
        air1_kw=p1 * (1 - lf),
        fan_ref_kw=units_split(twin, "crahs", ps, hall_of, nh, fan_ref),
        fan_m3_s=units_split(twin, "crahs", ps, hall_of, nh, v_ref),
        need0_m3_s=need0.to_numpy(float),
        pump_kw=pump_kw[keep],
        pump_node=pump_node[keep],
        pumps_run=pumps_run,
    )
