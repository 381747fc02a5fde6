"""`PowerModel`: the power chain of one Twin as flat arrays, built once and reused.

Every power element is one node, in the Twin's topological `power_nodes`
order. A node owns the branch that feeds it: the cable from its upstream
(or alternate) element, then the element itself (transformer impedance,
PDU resistance, UPS). Scenarios only change which parent each node takes
and the loads, so everything here is computed once per Twin and cached
(keyed on the Twin's content, `twin.solve.cache`; the Twin itself is never modified).

Per-unit base: S_BASE_KVA on every node, each node's nominal voltage.
Modelling choices (see docs in `twin.solve.power`):
- Transformer: R from the load loss (r = pk_pct/100, so I^2R = Pk x^2),
  X from z_pct and x_r; no-load loss P0 as a shunt conductance at the
  primary terminal (P0 at 1.0 pu, scales with V^2, as iron loss does);
  no magnetising reactive power (the schema has no i0).
- PDU/RPP: a series resistance that loses loss_pct of rating at rated current.
- UPS: losses S_r (l0 + l1 x + l2 x^2), x = output current / rated current
  (REFERENCE 5). Double conversion: output is a voltage source at 1.0 pu,
  input draws P_out + loss at unity power factor [est: IGBT rectifier
  front ends run at pf ~0.99]. Eco mode: bypass, V and Q pass through.
- Generator/turbine: two ratings, the alternator's kVA and the engine's kW
  (rating_kva x rated power_factor); its loading is against the one that binds
  (`source_loading_pct`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from twin.model import registry
from twin.model.tables import ratings_kva
from twin.solve.cache import per_twin

S_BASE_KVA = 1000.0
"""Per-unit power base (1 MVA) for every node."""

MODELS = ("utility", "generator", "transformer", "switchgear", "ups", "pdu")  # models, not kinds
"""The power physics, by `Kind.model` in twin.model.registry; `kind` codes index this."""
SRC_UTIL, SRC_GEN, TX, SWG, UPS, PDU = range(6)
KIND_CODE = {t: MODELS.index(registry.kind(t).model) for t in registry.POWER_KINDS}
"""Power table name -> model code (a turbine solves as a generator)."""


@dataclass
class PowerModel:
    """Arrays over power elements (index i = row of twin.power_nodes) and racks."""

    ids: pd.Index
    kind: np.ndarray  # int model codes, MODELS order
    table: np.ndarray  # each element's kind (table name), e.g. 'ups'
    up: np.ndarray  # index of upstream, -1 none
    alt: np.ndarray  # index of alternate, -1 none
    is_source: np.ndarray
    v_kv: np.ndarray  # nominal voltage of the node's bus
    v_in_base_kv: np.ndarray  # base voltage the element expects at its input
    rating_kva: np.ndarray
    p_max_kw: np.ndarray  # real-power rating: generator/turbine engine, inf for the rest
    i_rated_pu: np.ndarray  # rated current, pu on S_BASE at nominal voltage
    zc_ohm: np.ndarray  # complex cable impedance (per phase, all parallel runs)
    z_el: np.ndarray  # complex series impedance of the element, pu on own bus
    g0: np.ndarray  # transformer no-load shunt conductance, pu at the primary
    ups_l: np.ndarray  # (n, 3) l0, l1, l2 (zero for non-UPS)
    ups_dc: np.ndarray  # double-conversion UPS (voltage source output)
    n_levels: int  # longest source-to-leaf chain over upstream+alternate edges
    rack_ids: pd.Index
    rack_a: np.ndarray  # node index of feed A, -1 none
    rack_b: np.ndarray
    rack_p_kw: np.ndarray
    rack_tan_phi: np.ndarray
    rack_split_a: np.ndarray
    pos: pd.Series  # element id -> node index
    rack_pos: pd.Series  # rack id -> rack index

    @property
    def n(self) -> int:
        return len(self.ids)


def power_model(twin) -> PowerModel:
    """The cached PowerModel of `twin` (built on first use, keyed by the Twin's content).

    Any edit of a table (reassigned or in place) gives a new model: see `twin.solve.cache`.
    """
    return per_twin(twin, "power_model", build_power_model)


def _col(table: pd.DataFrame, ids: pd.Index, name: str, default: float = 0.0) -> np.ndarray:
    """Column `name` of `table` aligned on `ids` (default where absent)."""
    if name not in table.columns or not len(table):
        return np.full(len(ids), default, dtype=float)
    return table[name].reindex(ids).fillna(default).to_numpy(dtype=float)


def build_power_model(twin) -> PowerModel:
    """Flatten the Twin's power tables into arrays (one pass, vectorised)."""
    nodes = twin.power_nodes
    ids = nodes.index
    n = len(ids)
    pos = pd.Series(np.arange(n), index=ids)
    kind = nodes["kind"].map(KIND_CODE).to_numpy(dtype=np.int64)
    up = nodes["upstream"].map(pos).fillna(-1).to_numpy(dtype=np.int64)
    alt = nodes["alternate"].map(pos).fillna(-1).to_numpy(dtype=np.int64)
    is_source = (kind == SRC_UTIL) | (kind == SRC_GEN)
    v_kv = nodes["v_kv"].to_numpy(dtype=float)
    rating = ratings_kva(twin).to_numpy(dtype=float)
    p_max = generator_kw_ratings(twin).reindex(ids).fillna(np.inf)

    branches = pd.concat(
        [getattr(twin, k) for k in registry.POWER_BRANCHES if len(getattr(twin, k))]
    )
    length_km = _col(branches, ids, "cable_length_m") / 1000.0
    par = _col(branches, ids, "cable_parallel", 1.0)
    zc_ohm = (
        (_col(branches, ids, "cable_r_ohm_per_km") + 1j * _col(branches, ids, "cable_x_ohm_per_km"))
        * length_km
        / par
    )

    tx = twin.transformers
    v_pri = _col(tx, ids, "v_primary_kv", np.nan)
    v_in_base = np.where(kind == TX, v_pri, v_kv)
    r_tx = _col(tx, ids, "pk_pct") / 100.0
    z_tx = _col(tx, ids, "z_pct") / 100.0
    x_r = _col(tx, ids, "x_r", 1.0)
    x_tx = z_tx * x_r / np.sqrt(1.0 + x_r**2)
    z_el = np.where(kind == TX, (r_tx + 1j * x_tx) * S_BASE_KVA / rating, 0.0 + 0j)
    g0 = np.where(kind == TX, _col(tx, ids, "p0_pct") / 100.0 * rating / S_BASE_KVA, 0.0)
    r_pdu = _col(twin.pdus, ids, "loss_pct") / 100.0 * S_BASE_KVA / rating
    z_el = np.where(kind == PDU, r_pdu + 0j, z_el)

    ups = twin.ups
    ups_l = np.column_stack(
        [_col(ups, ids, c) for c in ("loss_noload", "loss_prop", "loss_square")]
    )
    mode = ups["mode"].reindex(ids) if len(ups) else pd.Series(None, index=ids)
    ups_dc = (kind == UPS) & (mode == "double-conversion").to_numpy()

    racks = twin.racks
    rack_pos = pd.Series(np.arange(len(racks)), index=racks.index)
    pf = racks["power_factor"].to_numpy(dtype=float)
    return PowerModel(
        ids=ids,
        kind=kind,
        table=nodes["kind"].to_numpy(dtype=object),
        up=up,
        alt=alt,
        is_source=is_source,
        v_kv=v_kv,
        v_in_base_kv=v_in_base,
        rating_kva=rating,
        p_max_kw=p_max.to_numpy(dtype=float),
        i_rated_pu=rating / S_BASE_KVA,
        zc_ohm=zc_ohm,
        z_el=z_el,
        g0=g0,
        ups_l=ups_l,
        ups_dc=ups_dc,
        n_levels=_levels(up, alt),
        rack_ids=racks.index,
        rack_a=racks["feed_a"].map(pos).fillna(-1).to_numpy(dtype=np.int64),
        rack_b=racks["feed_b"].map(pos).fillna(-1).to_numpy(dtype=np.int64),
        rack_p_kw=racks["power_kw"].to_numpy(dtype=float),
        rack_tan_phi=np.sqrt(1.0 - pf**2) / pf,
        rack_split_a=racks["split_a"].to_numpy(dtype=float),
        pos=pos,
        rack_pos=rack_pos,
    )


def generator_kw_ratings(twin) -> pd.Series:
    """kW rating of every generator and turbine (engine): rating_kva x rated power_factor."""
    gens = twin.of_model("generator")
    if not len(gens):
        return pd.Series(dtype=float)
    return (gens["rating_kva"] * gens["power_factor"]).astype(float)


def _levels(up: np.ndarray, alt: np.ndarray) -> int:
    """Longest chain from a source, counting upstream and alternate edges."""
    level = np.zeros(len(up), dtype=np.int64)
    for _ in range(len(up) + 1):
        new = np.maximum(np.where(up >= 0, level[up] + 1, 0), np.where(alt >= 0, level[alt] + 1, 0))
        if np.array_equal(new, level):
            break
        level = new
    return int(level.max(initial=0)) + 1


def source_loading_pct(m: PowerModel, s_out_kva: np.ndarray) -> np.ndarray:
    """Loading (%) of each source delivering `s_out_kva` (complex kVA, one per element):
    apparent power against its kVA rating, and for a generator or turbine also real power
    against its kW rating (`p_max_kw`), whichever is higher. A genset at 0.8 rated pf that
    carries IT at pf 0.95 reaches its engine's kW before its alternator's kVA."""
    return np.maximum(np.abs(s_out_kva) / m.rating_kva, s_out_kva.real / m.p_max_kw) * 100.0
