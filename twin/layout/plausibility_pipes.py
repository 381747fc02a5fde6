"""Plausibility of pipe sizes (part of `twin.layout.plausibility.check`): a pipe too narrow
for its loop's design flow, by velocity and by Darcy-Weisbach pressure drop against the head
of the loop's pumps (audit 5: a 0.02 m main on a 13.5 MW facility loop validated ok and the
solve printed 4278.9 °C coolant).

A static estimate, numpy only (validate stays fast), not the hydraulic solve:

- a loop's design flow carries the racks' heat its units take at its design rise
  (``heat / (rho cp dt_design)``; a technology loop's liquid heat through its CDUs, a hall's
  air heat through its CRAH coils, each shared by capacity), at most its units' capacity and
  what its pumps are rated to move together; facility and chilled loops with pumps and pipes
  only. Not the units' capacity alone: an N+1 design's standby capacity moves no more water
  (variable-speed pumps hold the design rise), and on it twin's own one-row campus hall, whose
  pipes carry its heat at 2.5 m/s, read 5.3 m/s and 621 kPa through its CDU branches (2
  CDUs of 2 MW for 1.5 MW of liquid heat; 2026-12-05). A branch's flow with a sibling unit
  failed is the solve's to check (`twin n1`), not this estimate's;
- pipes between the same two nodes share that flow as parallel pipes at one pressure drop
  with one friction factor, ``q ~ D^2.5 / sqrt(L)``; any other pipe carries it all (an upper
  bound on a pipe in series with branches);
- friction from Swamee & Jain (1976), within ~1 % of Colebrook for 1e-6 < e/D < 1e-2 and
  5e3 < Re < 1e8; 64/Re below Re 2300.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from twin.errors import names
from twin.layout.plausibility_cooling import rack_heat_kw
from twin.layout.source import format_path, line_of
from twin.units import CP_WATER_J_KGK, FLUIDS

MAX_VELOCITY_M_S = 5.0
"""Water velocity above which a pipe is implausibly narrow for its flow [src: ASHRAE
Handbook - Fundamentals, ch. 22 Pipe Sizing, 'Flow Rate Limitations': erosion limits of
about 3 m/s (10 fps) for pipes in service most of the year, 3.7 m/s (12 fps) at 1,500 h/yr;
5 m/s is past both, with margin for a design flow estimated from unit capacities]."""


def friction_factor(re: np.ndarray, rel_rough: np.ndarray) -> np.ndarray:
    """Darcy friction factor: 64/Re (laminar, Re < 2300), Swamee-Jain otherwise."""
    re = np.maximum(np.asarray(re, float), 1e-9)
    turb = 0.25 / np.log10(rel_rough / 3.7 + 5.74 / re**0.9) ** 2
    return np.where(re < 2300.0, 64.0 / re, turb)


def pipe_dp_kpa(q_m3_s, length_m, diameter_m, roughness_m, rho, mu) -> np.ndarray:
    """Darcy-Weisbach drop ``f (L/D) rho v^2 / 2`` in kPa at flow `q_m3_s`."""
    d = np.asarray(diameter_m, float)
    v = np.asarray(q_m3_s, float) / (np.pi * d * d / 4.0)
    f = friction_factor(rho * v * d / mu, np.asarray(roughness_m, float) / d)
    return f * np.asarray(length_m, float) / d * rho * v * v / 2.0 / 1000.0


def _shared(heat_kw: dict, units: list, key, into) -> dict[str, float]:
    """`heat_kw` by group (`key(unit)` the unit's group) shared over each group's `units` by
    capacity, summed by `into(unit)`, the loop that takes it, kW."""
    cap: dict = {}
    for u in units:
        cap[key(u)] = cap.get(key(u), 0.0) + float(u.capacity_kw)
    out: dict[str, float] = {}
    for u in units:
        share = heat_kw.get(key(u), 0.0) * float(u.capacity_kw) / cap[key(u)]
        out[into(u)] = out.get(into(u), 0.0) + share
    return out


def loop_heat_kw(layout) -> dict[str, float]:
    """The racks' heat each facility/chilled loop takes at design, kW: every technology loop's
    liquid heat through its CDUs, every hall's air heat through its water-cooled CRAHs, each
    shared over the units by capacity."""
    c = layout.cooling
    liquid, air = rack_heat_kw(layout)
    out = _shared(liquid, list(c.cdus), lambda u: u.loop, lambda u: u.facility_loop)
    coils = [u for u in c.crahs if u.loop]
    for lid, kw in _shared(air, coils, lambda u: u.hall, lambda u: u.loop).items():
        out[lid] = out.get(lid, 0.0) + kw
    return out


def design_flows(layout) -> dict[str, float]:
    """Design flow per facility/chilled loop with pumps, m3/s (see the module docstring)."""
    c = layout.cooling
    loops = {lp.id: lp for lp in c.loops if lp.kind in ("facility", "chilled")}
    cap: dict[str, float] = {}
    for u in c.cdus:
        cap[u.facility_loop] = cap.get(u.facility_loop, 0.0) + float(u.capacity_kw)
    for u in c.crahs:
        if u.loop:
            cap[u.loop] = cap.get(u.loop, 0.0) + float(u.capacity_kw)
    rated: dict[str, float] = {}
    for p in c.pumps:
        rated[p.loop] = rated.get(p.loop, 0.0) + float(p.flow_m3_s)
    heat = loop_heat_kw(layout)
    out = {}
    for lid, lp in loops.items():
        kw = min(heat.get(lid, 0.0), cap.get(lid, 0.0))
        if lid not in rated or kw <= 0.0:
            continue
        rho = FLUIDS[lp.fluid][0]
        out[lid] = min(kw / (rho * CP_WATER_J_KGK / 1000.0 * lp.dt_design_k), rated[lid])
    return out


def check_pipes(layout, doc: Any, file: str, caution) -> list:
    """One caution per pipe whose share of its loop's design flow runs faster than
    `MAX_VELOCITY_M_S` or drops more pressure than its pumps' shut-off head."""
    c = layout.cooling
    flows = design_flows(layout)
    if not flows or not c.pipes:
        return []
    idx = [j for j, p in enumerate(c.pipes) if p.loop in flows]
    if not idx:
        return []
    pipes = [c.pipes[j] for j in idx]
    d = np.array([p.diameter_m for p in pipes], float)
    length = np.array([p.length_m for p in pipes], float)
    rough = np.array([p.roughness_m for p in pipes], float)
    # parallel pipes (same loop, same two nodes) share the flow at one pressure drop
    key = [(p.loop, frozenset((p.from_node, p.to_node))) for p in pipes]
    weight = d**2.5 / np.sqrt(length)
    total: dict = {}
    for k, w in zip(key, weight, strict=True):
        total[k] = total.get(k, 0.0) + w
    q = np.array([flows[p.loop] * w / total[k] for p, k, w in zip(pipes, key, weight, strict=True)])
    loop_of = {lp.id: lp for lp in c.loops}
    rho = np.array([FLUIDS[loop_of[p.loop].fluid][0] for p in pipes])
    mu = np.array([FLUIDS[loop_of[p.loop].fluid][1] for p in pipes])
    v = q / (np.pi * d * d / 4.0)
    dp = pipe_dp_kpa(q, length, d, rough, rho, mu)
    pumps: dict[str, list] = {}
    for p in c.pumps:
        pumps.setdefault(p.loop, []).append(p)
    head = np.array([max(float(p.head_kpa) for p in pumps[x.loop]) for x in pipes])
    out = []
    for i in np.flatnonzero((v > MAX_VELOCITY_M_S) | (dp > head)):
        p, j = pipes[i], idx[i]
        share = "" if abs(q[i] - flows[p.loop]) < 1e-12 else " (its share as a parallel pipe)"
        ids = tuple(str(u.id) for u in pumps[p.loop])
        head_note = (
            f"above the {head[i]:,.0f} kPa shut-off head of its pumps {names(ids)}: they "
            "cannot push the design flow through it"
            if dp[i] > head[i]
            else f"within the {head[i]:,.0f} kPa shut-off head of its pumps {names(ids)}"
        )
        at = ("cooling", "pipes", j, "diameter_m")
        out.append(
            caution(
                file,
                line_of(doc, at) if doc is not None else None,
                format_path(at),
                (p.id,),
                f"pipe {p.id} ({p.diameter_m:g} m diameter) would carry {q[i]:.3g} m3/s of "
                f"loop {p.loop}'s design {flows[p.loop]:.3g} m3/s{share} (the racks' heat "
                f"its units take at {loop_of[p.loop].dt_design_k:g} K, at most their capacity "
                f"and its pumps' rated flow) at {v[i]:,.1f} m/s (chilled water pipes stay under "
                f"{MAX_VELOCITY_M_S:g} m/s, ASHRAE Fundamentals ch. 22); its Darcy-Weisbach "
                f"drop there is {dp[i]:,.0f} kPa, {head_note} (check the diameter and its "
                "unit)",
                ids,
            )
        )
    return out
