"""800 V DC distribution for a hall, against 415 V AC on the same racks: a first-order model.

What is compared (issue 17). The AC side is the twin's own solve (`twin.solve.run`)
of the hall as laid out: its racks' solved power (`res_racks.p_kw`, at the rack's
AC input, server power supplies included) and the solved losses of the UPS and
PDU/busway elements that feed them (`res_power_nodes.loss_kw` + `loss_cable_kw`),
plus the hall's share (by IT) of every other loss upstream (transformers,
switchgear). The DC side replaces, on the same racks delivering the same power
at their 54 V shelf bus:

======================  =====================================  ===========================
stage                   415 V AC (solved)                      800 V DC (this model)
======================  =====================================  ===========================
storage / conversion    UPS, double conversion (solved)        sidecar power rack per row:
                                                               rectifier AC -> 800 V DC,
                                                               storage on the DC bus
row distribution        PDU/busway (solved)                    DC busway (loss below)
in the rack             PSU AC -> 54 V, `ETA_PSU_AC`           DC/DC 800 -> 54 V, `ETA_DCDC`
upstream                transformers, switchgear (solved)      the same, scaled by the power
                                                               through them (linear)
======================  =====================================  ===========================

Closed forms (P a row's power, pf the racks' power factor, J the current density):

- current: ``I_ac = P / (sqrt(3) V_ll pf)`` per phase, ``I_dc = P / V_dc`` per pole;
- copper at the same current density: cross-section ``A = I / J`` per conductor,
  mass ``n A L rho_cu`` with ``n_ac = 3`` phase conductors, ``n_dc = 2`` poles
  (neutral and protective earth left out of both), so
  ``m_dc / m_ac = (n_dc / n_ac) sqrt(3) V_ll pf / V_dc`` (0.58 at 415 V, pf 0.97,
  800 V: 42 % less copper; NVIDIA is quoted at ~45 % less [REFERENCE 9]);
- busway loss at the same current density: ``J^2 rho`` per unit copper volume, so
  the DC busway's loss is the AC busway's solved loss x the copper mass ratio;
- energy balance: facility power into the chain = power at 54 V + every stage's
  loss, and cooling draws ``c`` kW per kW of heat, ``c = cooling_kw / (it_kw +
  losses_kw)`` of the solve (first order: the losses saved are heat not removed).

Facility power = (power into the chain) x (1 + c); PUE = facility / rack input
power; tokens per MW from the solve's tokens/s (same racks, same compute).
Stage efficiencies are estimates with their reasoning (below); the model is first
order (no partial-load curves for the DC stages, no conversion at medium voltage). A hall
drawing no IT power (its racks unfed, shut down or at 0 kW) has no DC figure but its 0 kW
of rack input: the AC chain's solved idle losses have no counterpart in a model with
none, so the DC column's losses, facility power and PUE are n/a, not a saving.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from twin.errors import ScenarioError
from twin.metrics.economics import rack_tokens
from twin.model import registry
from twin.solve import run
from twin.solve.results import SOLVER_KINDS, UNREMOVED_FLOOR_KW

ETA_PSU_AC = 0.975
"""Rack power shelf AC -> 54 V DC [REFERENCE 5: server PSU 94-97.5 %; the top of the range
for the titanium-class shelves of NVL72 racks, est]."""
ETA_RECTIFIER = 0.985
"""Sidecar rectifier AC -> 800 V DC [est: one stage of a double-conversion UPS; 96.5-97 %
for rectifier x inverter (REFERENCE 5) is ~98.5 % per stage]."""
ETA_DCDC = 0.98
"""In-rack DC/DC 800 -> 54 V [est: isolated resonant converters are quoted at ~98 %; no
primary source read]."""
V_AC_LL = 415.0
"""Line-to-line voltage of the AC distribution, V (the reference layouts' LV side)."""
V_DC = 800.0
"""DC bus voltage, V (NVIDIA 800 VDC architecture, REFERENCE 9)."""
N_AC, N_DC = 3, 2
"""Current-carrying conductors: three phases, two poles (neutral and earth not counted)."""
J_A_MM2 = 1.5
"""Busway current density, A/mm2 [est: copper busways are sized at ~1.2-2 A/mm2]."""
RHO_CU_KG_M3 = 8960.0
"""Copper density [src: CRC Handbook of Chemistry and Physics]."""

_REPLACED = registry.tables(model=("ups", "pdu"))
"""Power kinds the DC chain replaces (the sidecar and DC busway stand in for them): the
kinds solved as a UPS or a PDU/busway."""


def current_a(p_kw, *, dc: bool, v_ac: float = V_AC_LL, v_dc: float = V_DC, pf: float = 0.97):
    """Conductor current for `p_kw`: per phase (AC, three-phase) or per pole (DC)."""
    p = np.asarray(p_kw, dtype=float) * 1000.0
    return p / v_dc if dc else p / (math.sqrt(3.0) * v_ac * pf)


def copper_ratio(v_ac: float = V_AC_LL, v_dc: float = V_DC, pf: float = 0.97) -> float:
    """DC / AC copper mass at equal current density: (n_dc / n_ac) sqrt(3) V_ll pf / V_dc."""
    return (N_DC / N_AC) * math.sqrt(3.0) * v_ac * pf / v_dc


def copper_kg(
    p_kw,
    length_m,
    *,
    dc: bool,
    pf: float = 0.97,
    v_ac: float = V_AC_LL,
    v_dc: float = V_DC,
    j_a_mm2: float = J_A_MM2,
):
    """Copper of a run carrying `p_kw` over `length_m` at current density `j_a_mm2`."""
    n = N_DC if dc else N_AC
    area_m2 = current_a(p_kw, dc=dc, pf=pf, v_ac=v_ac, v_dc=v_dc) / j_a_mm2 * 1e-6
    return n * area_m2 * np.asarray(length_m, dtype=float) * RHO_CU_KG_M3


@dataclass
class Distribution:
    """The AC/DC comparison of one hall: `chains` (one column per option), `rows` (copper)."""

    hall: str
    chains: pd.DataFrame
    rows: pd.DataFrame
    assumptions: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "hall": self.hall,
            "chains": self.chains.to_dict(),
            "rows": self.rows.reset_index().to_dict(orient="records"),
            "assumptions": self.assumptions,
        }


def _hall_losses(twin, res, racks: pd.DataFrame) -> tuple[float, float, float]:
    """(UPS loss, PDU/busway loss, hall share of the other losses) in kW, from the solve."""
    rp = res["res_power_nodes"]
    loss = rp["loss_kw"].fillna(0.0) + rp["loss_cable_kw"].fillna(0.0)
    feeds = set(racks["feed_a"].dropna()) | set(racks["feed_b"].dropna())
    pdus = [f for f in feeds if f in twin.pdus.index]
    ups = {twin.pdus.at[p, "upstream"] for p in pdus} & set(twin.ups.index)
    direct = [f for f in feeds if f in twin.ups.index]
    ups |= set(direct)
    it_site = float(res["res_racks"]["p_kw"].sum())
    it_hall = float(res["res_racks"]["p_kw"].reindex(racks.index).sum())
    share = it_hall / it_site if it_site > 0 else 0.0
    others = float(loss[~rp["kind"].isin(_REPLACED)].sum()) * share
    return float(loss.reindex(sorted(ups)).sum()), float(loss.reindex(pdus).sum()), others


def _ratio(a: float, b: float) -> float:
    """a / b, NaN (undefined) when b is 0 or either is NaN."""
    return a / b if b > 0 else math.nan


def compare_distribution(
    twin,
    hall: str,
    results=None,
    *,
    eta_psu_ac: float = ETA_PSU_AC,
    eta_rectifier: float = ETA_RECTIFIER,
    eta_dcdc: float = ETA_DCDC,
    v_dc: float = V_DC,
    j_a_mm2: float = J_A_MM2,
) -> Distribution:
    """415 V AC (solved) against 800 V DC (first order) for the racks of `hall`."""
    racks = twin.racks[twin.racks["hall"] == hall]
    if racks.empty:
        halls = ", ".join(sorted(set(twin.racks["hall"])))
        raise ScenarioError(f"hall {hall!r} has no racks; halls with racks: {halls}")
    for name, eta in (("PSU", eta_psu_ac), ("rectifier", eta_rectifier), ("DC/DC", eta_dcdc)):
        if not 0.5 < eta <= 1.0:
            raise ScenarioError(f"{name} efficiency must be in (0.5, 1]; got {eta:g}")
    res = results if results is not None else run(twin)
    k = res.kpis
    heat_kw = float(k["it_kw"]) + float(k["losses_kw"])
    c = float(k["cooling_kw"]) / heat_kw if heat_kw > 0 else 0.0
    # heat left unremoved: the cooling draw is understated, so facility power, PUE and tokens
    # per facility MW are undefined (n/a), as the solve's own PUE is, not flattered
    short = float(k.get("heat_unremoved_kw", 0.0)) > UNREMOVED_FLOOR_KW
    short |= bool(set(res.violations["kind"]) & set(SOLVER_KINDS))  # no solution: no PUE either
    p_rack = res["res_racks"]["p_kw"].reindex(racks.index).fillna(0.0)
    it_ac = float(p_rack.sum())
    ups_loss, bw_loss_ac, up_loss_ac = _hall_losses(twin, res, racks)
    pf = float(np.average(racks["power_factor"], weights=np.maximum(racks["power_kw"], 1e-9)))
    ratio = copper_ratio(V_AC_LL, v_dc, pf)

    p54 = it_ac * eta_psu_ac
    ac = {
        "rack_input_kw": it_ac,
        "p54_kw": p54,
        "loss_rack_conversion_kw": it_ac - p54,
        "loss_distribution_kw": bw_loss_ac,
        "loss_conversion_kw": ups_loss,
        "loss_upstream_kw": up_loss_ac,
    }
    it_dc = p54 / eta_dcdc
    # same current density: loss ~ copper volume ~ current, and the DC busway carries it_dc
    bw_loss_dc = bw_loss_ac * ratio * (it_dc / it_ac if it_ac > 0 else 1.0)
    into_rect = (it_dc + bw_loss_dc) / eta_rectifier
    into_ups = it_ac + bw_loss_ac + ups_loss
    dc = {
        "rack_input_kw": it_dc,
        "p54_kw": p54,
        "loss_rack_conversion_kw": it_dc - p54,
        "loss_distribution_kw": bw_loss_dc,
        "loss_conversion_kw": into_rect - it_dc - bw_loss_dc,
        # transformers and switchgear carry less power: their losses scale with it (linear)
        "loss_upstream_kw": up_loss_ac * (into_rect / into_ups if into_ups > 0 else 1.0),
    }
    if not it_ac > 0:
        # no IT in the hall (unfed, tripped or at 0 kW): the AC chain's idle losses are solved,
        # the DC stages' first-order efficiencies have no idle loss, so a DC figure would be
        # 0 against the UPS's no-load loss: undefined, not a saving
        dc = {k: (v if k in ("rack_input_kw", "p54_kw") else math.nan) for k, v in dc.items()}
    tokens = float(rack_tokens(twin, res)["tokens_s"].reindex(racks.index).sum())
    for d in (ac, dc):
        losses = sum(v for kk, v in d.items() if kk.startswith("loss_"))
        d["chain_input_kw"] = d["p54_kw"] + losses
        d["chain_efficiency"] = _ratio(d["p54_kw"], d["chain_input_kw"])
        d["cooling_kw"] = math.nan if short else c * d["chain_input_kw"]
        d["facility_kw"] = d["chain_input_kw"] + d["cooling_kw"]
        d["pue"] = _ratio(d["facility_kw"], d["rack_input_kw"])  # no IT in the hall: n/a
        d["tokens_s"] = tokens
        d["tokens_s_per_mw_facility"] = _ratio(tokens, d["facility_kw"] / 1000.0)
    chains = pd.DataFrame({"ac_415v": ac, "dc_800v": dc})
    chains["dc_minus_ac"] = chains["dc_800v"] - chains["ac_415v"]

    # per row and feed (a 2N hall has an A and a B run of each): the racks' input power
    by_row = p_rack.groupby(racks["row"]).sum()
    dc_row = by_row * eta_psu_ac / eta_dcdc
    length = racks.groupby("row")["width_m"].sum().reindex(by_row.index)
    i_ac, i_dc = current_a(by_row, dc=False, pf=pf), current_a(dc_row, dc=True, v_dc=v_dc)
    rows = pd.DataFrame(
        {
            "p_ac_kw": by_row,
            "p_dc_kw": dc_row,
            "length_m": length,
            "i_ac_a": i_ac,
            "i_dc_a": i_dc,
            "copper_ac_mm2": i_ac / j_a_mm2,
            "copper_dc_mm2": i_dc / j_a_mm2,
            "copper_ac_kg": copper_kg(by_row, length, dc=False, pf=pf, j_a_mm2=j_a_mm2),
            "copper_dc_kg": copper_kg(dc_row, length, dc=True, v_dc=v_dc, j_a_mm2=j_a_mm2),
            "sidecar_kw": (dc_row + bw_loss_dc * dc_row / max(it_dc, 1e-12)) / eta_rectifier,
        }
    ).rename_axis("row")
    return Distribution(
        hall,
        chains,
        rows,
        {
            "eta_psu_ac": eta_psu_ac,
            "eta_rectifier": eta_rectifier,
            "eta_dcdc": eta_dcdc,
            "v_ac_ll": V_AC_LL,
            "v_dc": v_dc,
            "power_factor": pf,
            "j_a_mm2": j_a_mm2,
            "copper_ratio": ratio,
            "cooling_kw_per_kw_heat": c,
            "sidecars": len(rows),
            "model": "first order (twin.scenarios.distribution)",
            # cooling that falls short understates c; an untrusted solve, everything
            "heat_unremoved_kw": float(k.get("heat_unremoved_kw", 0.0)),
            "untrusted": sorted(set(res.violations["kind"]) & set(SOLVER_KINDS)),
        },
    )
