"""The ride-through's lumped nodes (`twin.solve.transient`): which nodes there are (a hall's
air, a hall's equipment, a TCS loop, a water loop), their heat capacities, the steady state
they start from and the rack heat they take in after the failure [REFERENCE 6]."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.units import CP_AIR_J_KGK, CP_WATER_J_KGK, RHO_AIR_KG_M3, RHO_WATER_KG_M3

COOLANT_M3_PER_MW = 2.0
"""Water volume per MW of loop heat [REFERENCE 6: the 2 m3/MW liquid-loop example, est]."""
RACK_MASS_KG = {"gb200-nvl72": 1360.0}
"""Rack mass by accelerator [est: NVL72 ~1.36 t vendor figure]; others `RACK_MASS_DEFAULT_KG`."""
RACK_MASS_DEFAULT_KG = 700.0
"""Loaded 42U air-cooled rack [est: 600-900 kg]."""
EQUIPMENT_CP_J_KGK = 500.0
"""Rack metal, mostly steel (490) with aluminium and copper [est]."""
EQUIPMENT_TAU_S = 600.0
"""Time constant of equipment-to-air coupling [est]; sets how fast Khankari's
heating rate decays from the air-only maximum toward the heat-capacity minimum [REFERENCE 6]."""


def loop_water_kj_k(q_kw):
    """Heat capacity of a liquid loop's water carrying `q_kw` of heat, kJ/K: `COOLANT_M3_PER_MW`
    of water per MW [REFERENCE 6]. The one definition of a loop's thermal mass: each TCS and
    water loop of the ride-through, and the timeline's loops lumped as one carrying the
    site's heat (`twin.solve.timeline`, where no ride-through runs)."""
    return RHO_WATER_KG_M3 * CP_WATER_J_KGK / 1000.0 * COOLANT_M3_PER_MW * np.asarray(q_kw) / 1000.0


@dataclass(frozen=True)
class NodeIndex:
    """Where each node sits in the state vector: halls' air, halls' equipment, TCS loops,
    water loops, in that order (`offsets`); and each rack's hall and TCS loop (-1: none)."""

    hall_ids: pd.Index
    tcs_ids: pd.Index
    water_ids: pd.Index
    hpos: pd.Series  # hall id -> position among the halls
    tpos: pd.Series  # TCS loop id -> position among the TCS loops
    wpos: pd.Series  # water loop id -> position among the water loops
    rack_h: np.ndarray
    rack_t: np.ndarray

    @property
    def sizes(self) -> tuple[int, int, int]:
        return len(self.hall_ids), len(self.tcs_ids), len(self.water_ids)

    @property
    def n(self) -> int:
        nh, nt, nw = self.sizes
        return 2 * nh + nt + nw

    @property
    def offsets(self) -> tuple[int, int, int, int]:
        """First node of the halls' air, equipment, TCS loops and water loops."""
        nh, nt, _ = self.sizes
        return 0, nh, 2 * nh, 2 * nh + nt

    @property
    def names(self) -> list[str]:
        halls = list(self.hall_ids)
        air, eq = ["air:" + h for h in halls], ["equipment:" + h for h in halls]
        return air + eq + list(self.tcs_ids) + list(self.water_ids)

    @property
    def kinds(self) -> list[str]:
        nh, nt, nw = self.sizes
        return ["hall_air"] * nh + ["equipment"] * nh + ["tcs_coolant"] * nt + ["water_loop"] * nw


def node_index(twin) -> NodeIndex:
    """The nodes of `twin`: each hall (air and equipment), each rack TCS loop, each
    facility or chilled-water loop."""
    racks, loops = twin.racks, twin.loops
    hall_ids = twin.halls.index
    tcs_ids = pd.Index(sorted(set(racks["liquid_loop"].dropna())))
    water_ids = (
        loops.index[loops["kind"].isin(["facility", "chilled"])] if len(loops) else pd.Index([])
    )
    hpos = pd.Series(np.arange(len(hall_ids)), index=hall_ids)
    tpos = pd.Series(np.arange(len(tcs_ids)), index=tcs_ids)
    wpos = pd.Series(np.arange(len(water_ids)), index=water_ids)
    rack_h = hpos.reindex(racks["hall"]).to_numpy()
    rack_t = tpos.reindex(racks["liquid_loop"]).fillna(-1).to_numpy(np.int64)
    return NodeIndex(hall_ids, tcs_ids, water_ids, hpos, tpos, wpos, rack_h, rack_t)


def tcs_heat_kw(ix: NodeIndex, p_kw: np.ndarray, lf: np.ndarray) -> np.ndarray:
    """Heat each TCS loop takes from its racks drawing `p_kw` (liquid fraction `lf`)."""
    on = ix.rack_t >= 0
    return np.bincount(ix.rack_t[on], (p_kw * lf)[on], ix.sizes[1])


def water_heat_kw(ix: NodeIndex, base) -> np.ndarray:
    """Heat each water loop carried in the steady state `base`."""
    rl = base["res_loops"] if "res_loops" in base.tables else pd.DataFrame()
    nw = ix.sizes[2]
    return rl["q_kw"].reindex(ix.water_ids).fillna(0.0).to_numpy(float) if nw else np.zeros(0)


def heat_capacities_kj_k(twin, ix: NodeIndex, liq0: np.ndarray, q_w0: np.ndarray) -> np.ndarray:
    """C of each node, kJ/K: hall air rho cp V, rack metal sum m c, loop water by its heat."""
    H, E, T, W = ix.offsets  # noqa: N806 (block offsets)
    halls, racks = twin.halls, twin.racks
    c = np.zeros(ix.n)
    vol = (halls["width_m"] * halls["depth_m"] * halls["height_m"]).to_numpy(float)
    c[H:E] = RHO_AIR_KG_M3 * CP_AIR_J_KGK * vol / 1000.0
    mass = racks["accelerator"].map(RACK_MASS_KG).fillna(RACK_MASS_DEFAULT_KG).to_numpy(float)
    c[E:T] = np.bincount(ix.rack_h, mass * EQUIPMENT_CP_J_KGK / 1000.0, ix.sizes[0])
    c[T:W] = loop_water_kj_k(np.maximum(liq0, 1.0))
    c[W:] = loop_water_kj_k(np.maximum(q_w0, 1.0))
    return c


def steady_temperatures_c(twin, ix: NodeIndex, rh: pd.DataFrame, rr0: pd.DataFrame) -> np.ndarray:
    """Each node's temperature in the steady state: hall air (and its equipment) at the
    hall's return, a TCS loop at its racks' mean coolant, a water loop at its supply."""
    H, E, T, W = ix.offsets  # noqa: N806 (block offsets)
    _, nt, nw = ix.sizes
    loops = twin.loops
    t0 = np.zeros(ix.n)
    t_ret = rh["t_return_c"].to_numpy(float)
    t0[H:E] = np.where(np.isfinite(t_ret), t_ret, rh["t_supply_c"].to_numpy(float))
    t0[E:T] = t0[H:E]
    if nt:
        ret = rr0["t_coolant_return_c"].to_numpy(float)
        sup = rr0["t_coolant_supply_c"].to_numpy(float)
        mid = (ret + sup) / 2
        ok = ix.rack_t >= 0
        cnt = np.bincount(ix.rack_t[ok], np.isfinite(mid[ok]), nt)
        s = np.bincount(ix.rack_t[ok], np.nan_to_num(mid[ok]), nt)
        t_sup_set = loops["t_supply_c"].reindex(ix.tcs_ids).to_numpy(float)
        t0[T:W] = np.where(cnt > 0, s / np.maximum(cnt, 1), t_sup_set)
    if nw:
        t0[W:] = loops["t_supply_c"].reindex(ix.water_ids).to_numpy(float)
    return t0


def rack_heat_in_kw(ix: NodeIndex, rh, p0, p1, lf) -> tuple[np.ndarray, np.ndarray]:
    """Heat into each node from the racks after the failure (racks drawing `p1` instead of
    `p0`: those that lost power stop), and the heat each hall's air lost that way."""
    H, E, T, W = ix.offsets  # noqa: N806 (block offsets)
    p_in = np.zeros(ix.n)
    air_lost = np.bincount(ix.rack_h, p0 * (1 - lf) - p1 * (1 - lf), ix.sizes[0])
    p_in[H:E] = rh["q_air_kw"].to_numpy(float) - air_lost
    p_in[T:W] = tcs_heat_kw(ix, p1, lf)
    return p_in, air_lost
