"""Air side of each hall: rack inlet/outlet temperatures, CRAH/CRAC load, fans, ASHRAE checks.

Heat-recirculation model (Tang, Gupta, Varsamopoulos, IEEE TPDS 2008;
REFERENCE 1): inlet temperatures are linear in rack air power,
``T_in = T_sup + D P``. Written with B = [b_ji], the share of rack j's inlet
air that is rack i's exhaust (sum_i b_ji < 1), energy at each inlet gives
``(I - B) theta_in = B K^-1 P``, so ``D = (I - B)^-1 B K^-1``; this is Tang's
``(K - A^T K)^-1 - K^-1`` with ``a_ij K_i = b_ji K_j``.

K is each rack's airflow now, not at design: IT equipment airflow follows IT load
(`airflow_fraction`: design airflow x air heat now / design air heat, not below
`RACK_MIN_AIRFLOW_FRACTION`), so ``K^-1 P``, each rack's exhaust rise, keeps its design
value above that floor, and the CRAH fans follow the racks' summed airflow now. B is the
design airflows'; at other flows an intake draws each exhaust in proportion to that rack's
airflow against the hall's (the supply follows the racks' summed airflow), to first order
in the recirculated share: ``b_ji f_i / f_hall``, with ``f`` a rack's airflow over its
design and ``f_hall`` the airflow-weighted mean over the racks moving air
(`flow_weighted_heat`) [est]. So scaling every rack alike leaves every inlet as it is (exact:
the flows all scale), and one rack at twice its load doubles its air into its neighbours'
inlets at the same exhaust rise, heating them about as a rack pushing twice the heat through
its design airflow would.

B comes from the hall's air field (`twin.solve.airfield`: potential flow through the
room with racks and units as obstacles and boundary flows, heat carried on it as a
tracer; validated against OpenFOAM in docs/validation.md) for halls that set
``air_model: field`` (or ``ffd``: the field on a Fast Fluid Dynamics flow), have cooling
units and up to `twin.solve.airfield_build.FIELD_MAX_RACKS` racks; the field also gives the
shares at the top of each rack's front (``t_inlet_max_c``). `AirModel.hall_method` says
which model each hall got and why.

Each rack reports its inlet as the area mean over its front (``t_inlet_c``) and at its
top (``t_inlet_max_c``: the top layer of cells of the field, where recirculated exhaust
arrives first). The kernel and given shares have no vertical resolution: in those
halls ``t_inlet_max_c`` EQUALS ``t_inlet_c`` (no stratification is estimated). The
ASHRAE class checks (``inlet_recommended``, ``inlet_allowable``, ``over_temperature``)
and the thermal consequence (`twin.solve.consequence`) read the top against the class
maxima and the mean against the minima; RCI reads the mean (`twin.solve.air_indices`).

Otherwise B is an APPROXIMATION from geometry: b_ji ~ c exp(-d_ij / L)
with d_ij the distance from i's exhaust (rear face) to j's inlet (front face),
L = `DECAY_M`, and c set per containment so that a reference 20-rack room of
uniform racks shows the HPE dc-rl mean inlet-minus-supply (none 6.5 K,
hot-aisle 0.7 K, cold-aisle 0.9 K; REFERENCE 1); a rack's shares are scaled
down where they would sum above 0.95. Measured or CFD coefficients replace it
per hall: pass ``recirculation={hall: DataFrame}`` (rows receiving rack j,
columns source rack i, values b_ji; dense as given, stored sparse).

Memory and time are linear in racks (issue 13; `bench.air`):

- B is sparse and block-diagonal over halls. Shares below `MIN_SHARE` are
  dropped, i.e. pairs farther apart than ``L ln(c / MIN_SHARE)`` (`cutoff_m`:
  31 m without containment, 28 m with hot-aisle); pairs are found with a k-d
  tree (`scipy.spatial.cKDTree`), a bounded chunk of racks at a time, so a
  rack costs its neighbours within the cutoff (~350 in the generator's rows
  of 16, ~1,700 in a square hall at the same aisle pitch; ~12.5 bytes each),
  never the hall's size. The calibration of c uses the same shares (its
  reference room lies well within the cutoff).
- D is never formed (it is dense: 5,000 racks in one hall took 1.8 GB and
  20,000 failed with "Unable to allocate"). ``theta_in = (I - B)^-1 (B K^-1 P)``
  is solved per call (`Recirculation.rise`, memoised by the content of P):
  halls up to `DIRECT_MAX_RACKS` racks share one sparse LU of ``I - B``
  (`scipy.sparse.linalg.splu`, factorised once per Twin through `per_twin`),
  larger halls are solved by GMRES on B (converges since every row of B sums
  to at most 0.95; sparse LU fill grows faster than linear in such halls).
  `Recirculation.operator` is D as a `LinearOperator` for callers that need
  its columns. One hall of 20,000 racks without containment: ~5 s to build,
  0.35-0.45 GB, ~3-4 s per new rack-power vector (`bench.air`).
- Tolerance: equal to the dense formula within 1e-6 K on normal halls (tests:
  the reference layouts to ~1e-14 K, a random 300-rack hall and a 960-rack
  hall without containment below 1e-6 K; tests/solve/test_air_memory.py).
- Limits: a hall with more than `MAX_HALL_RACKS` racks, or with more than
  `MAX_HALL_PAIRS` rack pairs within the cutoff (racks packed far denser than
  rows and aisles allow), is refused with a `LayoutError` naming the hall and
  the limit, before anything large is allocated.

Room indices per hall (REFERENCE 1; `twin.solve.air_indices`): SHI/RHI, Herrlin's
RCI_HI/RCI_LO against the hall's ASHRAE class, RTI = (T_return - T_supply) / dT_IT in %
(< 100 % bypass, > 100 % recirculation).
CRAH/CRAC units of a hall share its heat in proportion to rated capacity; the hall
supply is their airflow-weighted mix (for the supply temperature a well-mixed plenum; where
the air goes is B's: a field hall's B is solved again without its stopped units,
`twin.solve.air_stopped`, a kernel hall's does not see units). A unit given more than it can remove now (a DX CRAC's
capacity falls with outdoor air: `solve_air`'s ``capacity_kw``) supplies warmer air.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.optimize
import scipy.sparse as sp

from twin.errors import LayoutError, Problem, ScenarioError
from twin.layout import schema
from twin.solve.air_indices import hall_indices
from twin.solve.airfield_build import field_shares, hall_model
from twin.solve.arrays import safe_div
from twin.solve.cache import per_twin
from twin.solve.rack_airflow import (
    airflow_fraction,
    design_air_kw,
    flow_weighted_heat,
    rack_k_kw_per_k,
)
from twin.solve.recirculation import (
    ROW_SHARE_MAX,
    Recirculation,
    cutoff_m,
    geometric_shares,
    pair_counts,
)
from twin.solve.results import violation
from twin.units import K_AIR_KW_PER_M3S_K, T_BOIL_WATER_C

TARGET_RISE_K = {"none": 6.5, "hot-aisle": 0.7, "cold-aisle": 0.9}
"""Mean inlet minus supply in HPE dc-rl 20-rack cases [REFERENCE 1, src]."""
MAX_HALL_RACKS = schema.MAX_HALL_RACKS
"""Racks in one hall the air model accepts (the layout refuses more at load; checked here
too for Twins whose tables were edited)."""
MAX_HALL_PAIRS = 100_000_000
"""Rack pairs within the cutoff in one hall (~12.5 bytes each, ~1.25 GB): only racks packed far
denser than rows and aisles allow reach it (rows of 16 give ~350 pairs per rack, a square hall
~1,700)."""
CRAC_EVAP_BELOW_SUPPLY_K = 12.0
"""DX coil refrigerant temperature below the supply-air setpoint, for over-capacity [est]."""
MIN_COIL_SPAN_K = 1.0
"""Floor on supply setpoint minus design water temperature, for a coil laid out too warm [est]."""
ASHRAE_C = {
    # class: (recommended min, recommended max, allowable min, allowable max) [REFERENCE 2]
    "A1": (18.0, 27.0, 15.0, 32.0),
    "A2": (18.0, 27.0, 10.0, 35.0),
    "A3": (18.0, 27.0, 5.0, 40.0),
    "A4": (18.0, 27.0, 5.0, 45.0),
    "H1": (18.0, 22.0, 5.0, 25.0),
}


def crac_cop(t_supply_c):
    """Legacy CRAC COP vs supply air temperature (HP utility data center) [REFERENCE 1, src]."""
    t = np.asarray(t_supply_c, dtype=float)
    return 0.0068 * t**2 + 0.0008 * t + 0.458


def _rack_points(racks: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    c = racks[["x_m", "y_m"]].to_numpy(float)
    f = racks[["face_x", "face_y"]].to_numpy(float)
    half = racks["depth_m"].to_numpy(float)[:, None] / 2.0
    return c + f * half, c - f * half


@functools.lru_cache(maxsize=8)
def containment_scale(containment: str) -> float:
    """c in b_ji = c w_ji, calibrated on a reference room of 2 x 10 uniform racks.

    Rows back to back across a 1.2 m aisle (0.6 x 1.2 m racks), every rack the
    same power; c is found so the mean inlet rise equals `TARGET_RISE_K`. The
    room's shares and rise are computed as a hall's are (`geometric_shares`,
    `Recirculation`); the whole room lies within the cutoff.
    """
    n = 10
    x = (np.arange(n) + 0.5) * 0.6
    racks = pd.DataFrame(
        {
            "x_m": np.r_[x, x],
            "y_m": np.r_[np.zeros(n), np.full(n, 2.4)],
            "face_x": 0.0,
            "face_y": np.r_[np.full(n, -1.0), np.ones(n)],
            "depth_m": 1.2,
        }
    )
    inlet, exhaust = _rack_points(racks)
    p = np.full(2 * n, 10.0)
    k = rack_k_kw_per_k(p)
    idx = np.arange(2 * n)
    target = TARGET_RISE_K[containment]

    def rise(c: float) -> float:
        b = geometric_shares(inlet, exhaust, c)
        return float(Recirculation([(idx, b)], k).rise(p).mean()) - target

    w = geometric_shares(inlet, exhaust, 1.0)
    c_max = ROW_SHARE_MAX / np.asarray(w.sum(axis=1)).max()
    return float(scipy.optimize.brentq(rise, 0.0, c_max, xtol=1e-12))


@dataclass
class AirModel:
    """Per-twin air-side structures (built once)."""

    rack_hall: np.ndarray  # hall code per rack
    hall_ids: pd.Index
    k_kw_k: np.ndarray  # rack design airflow heat capacity rate, kW/K
    airflow_m3_s: np.ndarray  # rack design airflow (at its design air heat; `airflow_fraction`)
    recirculation: Recirculation  # D p without D: inlet rise per kW of air heat
    crah_hall: np.ndarray
    hall_class: np.ndarray  # ASHRAE class per hall
    b_top: sp.csr_matrix | None = None  # shares at the top of each rack's front (None: = B)
    hall_method: dict | None = None  # hall id -> "field", "ffd", "kernel" or "given" (and why)

    def rise(self, p: np.ndarray) -> np.ndarray:
        """Inlet rise over supply per rack (K) for rack air heat `p` (kW): D p."""
        return self.recirculation.rise(p)

    def rise_top(self, p: np.ndarray, rise: np.ndarray | None = None) -> np.ndarray:
        """Rise at the top of each rack's front (its hottest intake layer), K."""
        theta = self.rise(p) if rise is None else rise
        if self.b_top is None:
            return theta
        return self.b_top @ (theta + p / self.k_kw_k)


def _too_large(twin, h: int, hall: str, what: str) -> LayoutError:
    layout = getattr(twin, "layout", None)
    file = getattr(layout, "source", None) or "<layout>"
    return LayoutError([Problem(file, f"halls[{h}].racks", f"hall {hall!r}: {what}")])


def _given_shares(given: pd.DataFrame, ids: pd.Index, hall: str) -> sp.csr_matrix:
    b = given.reindex(index=ids, columns=ids).fillna(0.0).to_numpy(float)
    s = b.sum(axis=1)
    bad = np.flatnonzero((b < 0).any(axis=1) | ~(s < 1.0))
    if len(bad):
        j = bad[0]
        raise ScenarioError(
            f"recirculation for hall {hall!r}: rack {ids[j]!r}'s shares sum to {s[j]:.3f}"
            f"{' with a negative share' if (b[j] < 0).any() else ''}; each rack's shares must be "
            ">= 0 and sum below 1"
        )
    return sp.csr_matrix(b)


def build_air_model(twin, recirculation: dict[str, pd.DataFrame] | None = None) -> AirModel:
    """Geometry -> sparse B per hall and its factorisation, rack airflows and index maps.

    Raises `LayoutError` for a hall above `MAX_HALL_RACKS` racks or `MAX_HALL_PAIRS`
    pairs, before building it.
    """
    racks = twin.racks
    hall_ids = twin.halls.index
    hall_pos = pd.Series(np.arange(len(hall_ids)), index=hall_ids)
    rack_hall = racks["hall"].map(hall_pos).to_numpy(np.int64)
    air_kw = design_air_kw(racks)
    k = rack_k_kw_per_k(air_kw, racks.get("airflow_m3_s"))
    inlet, exhaust = _rack_points(racks)
    containment = twin.halls["containment"].to_numpy()
    order = np.argsort(rack_hall, kind="stable")
    bounds = np.searchsorted(rack_hall[order], np.arange(len(hall_ids) + 1))
    blocks, tops, method = [], [], {}
    for h in range(len(hall_ids)):
        idx = order[bounds[h] : bounds[h + 1]]
        if not len(idx):
            continue
        if len(idx) > MAX_HALL_RACKS:
            raise _too_large(
                twin,
                h,
                hall_ids[h],
                f"{len(idx):,} racks; the air model takes at most {MAX_HALL_RACKS:,} racks "
                "per hall (split it into halls)",
            )
        given = (recirculation or {}).get(hall_ids[h])
        field = None if given is not None else field_shares(twin, h, idx, k)
        if given is not None:
            b = _given_shares(given, racks.index[idx], hall_ids[h])
            method[hall_ids[h]] = "given"
        elif not isinstance(field, str):
            b = field.b_mean
            tops.append((idx, field.b_top))
            method[hall_ids[h]] = hall_model(twin, h)  # "field" or "ffd"
        else:
            method[hall_ids[h]] = f"kernel ({field})"
            c = containment_scale(containment[h])
            counts = pair_counts(inlet[idx], exhaust[idx], cutoff_m(c))
            pairs = int(counts.sum())
            if pairs > MAX_HALL_PAIRS:
                raise _too_large(
                    twin,
                    h,
                    hall_ids[h],
                    f"{pairs:,} rack pairs within {cutoff_m(c):.0f} m of each other "
                    f"({pairs / len(idx):,.0f} per rack); the air model takes at most "
                    f"{MAX_HALL_PAIRS:,} per hall (racks overlap or are packed far denser "
                    "than rows and aisles allow)",
                )
            b = geometric_shares(inlet[idx], exhaust[idx], c, counts=counts)
        blocks.append((idx, b))
    crahs = twin.crahs
    crah_hall = crahs["hall"].map(hall_pos).to_numpy(np.int64) if len(crahs) else np.zeros(0, int)
    n = len(racks)
    b_top = None
    if tops:
        # racks of kernel/given halls: their top equals their mean (B itself)
        rest = [(i, b) for i, b in blocks if not any(i is t for t, _ in tops)]
        b_top = _assemble(tops + rest, n)
    return AirModel(
        rack_hall=rack_hall,
        hall_ids=hall_ids,
        k_kw_k=k,
        airflow_m3_s=k / K_AIR_KW_PER_M3S_K,
        recirculation=Recirculation(blocks, k),
        crah_hall=crah_hall,
        hall_class=twin.halls["ashrae_class"].to_numpy(),
        b_top=b_top,
        hall_method=method,
    )


def _assemble(blocks: list[tuple[np.ndarray, sp.csr_matrix]], n: int) -> sp.csr_matrix:
    coo = [(idx, b.tocoo()) for idx, b in blocks]
    if not coo:
        return sp.csr_matrix((n, n))
    rows = np.concatenate([idx[c.row] for idx, c in coo])
    cols = np.concatenate([idx[c.col] for idx, c in coo])
    vals = np.concatenate([c.data for _, c in coo])
    return sp.csr_matrix((vals, (rows, cols)), shape=(n, n))


def air_model(twin, recirculation: dict[str, pd.DataFrame] | None = None) -> AirModel:
    """The cached AirModel of `twin` (uncached when measured coefficients are given)."""
    if recirculation:
        return build_air_model(twin, recirculation)
    return per_twin(twin, "air", build_air_model)


@dataclass
class AirResult:
    res_racks: pd.DataFrame  # t_inlet_c, t_outlet_c, air_kw, ASHRAE flags
    res_crahs: pd.DataFrame
    res_halls: pd.DataFrame
    violations: list[dict]
    coil_kw: np.ndarray  # heat each CRAH puts into its loop (0 for CRAC)
    ambient_kw: np.ndarray  # heat each CRAC rejects outdoors (coil + compressor)
    electric_kw: np.ndarray  # fan (+ compressor) power per unit
    unremoved_kw: float  # heat of halls with no running unit


def solve_air(
    twin,
    model: AirModel,
    rack_air_kw: np.ndarray,
    hall_extra_kw: np.ndarray,
    crah_running: np.ndarray,
    t_coil_c: np.ndarray,
    coil_water_frac: np.ndarray | None = None,
    capacity_kw: np.ndarray | None = None,
) -> AirResult:
    """Rack temperatures and CRAH/CRAC duty for given air heat (rack air share, hall losses).

    `t_coil_c`: chilled/facility water supply per unit now (NaN for DX CRAC);
    the loop's setpoint is the design water temperature.
    Each rack's airflow follows its air heat now (`airflow_fraction`; B stays the design
    airflows'). Fans follow the racks' airflow (cube law, capped at rated
    airflow); if the running units cannot move that much air, the missing share is hot
    return air drawn into the inlets. A unit whose share exceeds its capacity raises
    its supply temperature, and so does a unit fed warmer water than its
    loop's setpoint: with the coil effectiveness fixed at the design point,
    ``T_sup = max(T_set, T_w + (T_set - T_w,design) Q / Q_cap)``.
    `coil_water_frac` (per unit, None: 1): share of the water a coil draws that its
    loop's pumps can deliver; a water-starved coil's capacity scales with its water
    flow (water-side limited, the water rise grows as 1 / fraction) [est].
    `capacity_kw` (per unit, None: the rated ``capacity_kw``): what each unit can remove
    now, Q_cap above; `twin.solve.coupled` passes a DX CRAC's capacity at the outdoor
    air (`twin.solve.dx_cop.derated_capacity_kw`), so a DX unit's supply air rises,
    ``T_set + CRAC_EVAP_BELOW_SUPPLY_K (Q / Q_cap - 1)``, exactly when
    `twin.solve.coupled_checks.dx_at_capacity` finds it over that capacity. The hall's heat
    is still shared by rated capacity: a unit's share is its share of the hall's air,
    which the outdoor air does not change (``crah_capacity_kw`` is against `capacity_kw`;
    ``capacity_avail_kw`` and ``loading_pct`` against what the coil removes now, Q_cap
    times `coil_water_frac`, the capacity the over-capacity check reads).
    """
    nh = len(model.hall_ids)
    crahs = twin.crahs
    hall_of = model.crah_hall
    run = crah_running.astype(bool)
    v_ref = crahs["airflow_m3_s"].to_numpy(float) if len(crahs) else np.zeros(0)
    cap = crahs["capacity_kw"].to_numpy(float) if len(crahs) else np.zeros(0)
    cap_now = cap if capacity_kw is None else np.asarray(capacity_kw, float)
    if coil_water_frac is not None:
        cap_coil = cap_now * np.clip(np.asarray(coil_water_frac, float), 0.0, 1.0)
    else:
        cap_coil = cap_now
    t_set = crahs["t_supply_c"].to_numpy(float) if len(crahs) else np.zeros(0)
    fan_ref = crahs["fan_kw"].to_numpy(float) if len(crahs) else np.zeros(0)
    is_crac = (crahs["type"] == "crac").to_numpy() if len(crahs) else np.zeros(0, bool)

    # rack airflow follows its air heat (`airflow_fraction`); a rack without air heat moves none
    frac = airflow_fraction(rack_air_kw, design_air_kw(twin.racks))
    k_now = model.k_kw_k * frac
    v_need = np.bincount(model.rack_hall, model.airflow_m3_s * frac * (rack_air_kw > 0), nh)
    v_run = np.bincount(hall_of, v_ref * run, nh)
    cap_run = np.bincount(hall_of, cap * run, nh)
    speed = np.where(run, np.minimum(1.0, safe_div(v_need, v_run)[hall_of]), 0.0)
    fan_kw = fan_ref * speed**3
    q_rack_h = np.bincount(model.rack_hall, rack_air_kw, nh)
    q_hall = q_rack_h + hall_extra_kw + np.bincount(hall_of, fan_kw, nh)
    cooled = cap_run > 0
    unremoved = float(q_hall[~cooled].sum())
    q_unit = np.where(run, q_hall[hall_of] * safe_div(cap, cap_run[hall_of]), 0.0)
    # coil at fixed effectiveness: T_sup,min = T_w + (T_set - T_w,design) Q / Q_cap
    if len(crahs):
        loop_set = twin.loops["t_supply_c"] if len(twin.loops) else pd.Series(dtype=float)
        t_w_design = crahs["loop"].map(loop_set).to_numpy(float)
    else:
        t_w_design = np.zeros(0)
    t_evap = t_set - CRAC_EVAP_BELOW_SUPPLY_K
    t_w = np.where(is_crac, t_evap, t_coil_c)
    span = np.maximum(t_set - np.where(is_crac, t_evap, t_w_design), MIN_COIL_SPAN_K)
    t_sup_u = np.maximum(t_set, t_w + span * safe_div(q_unit, cap_coil))
    w = np.where(run, np.maximum(speed * v_ref, 1e-9), 0.0)
    t_sup_h = np.where(
        cooled, safe_div(np.bincount(hall_of, w * t_sup_u, nh), np.bincount(hall_of, w, nh)), np.nan
    )
    v_sup = np.minimum(v_need, v_run)
    t_ret_h = t_sup_h + safe_div(q_hall, K_AIR_KW_PER_M3S_K * v_sup)
    r_short = np.where(v_need > 0, 1.0 - np.minimum(1.0, safe_div(v_run, v_need)), 0.0)

    # D p at the racks' airflows now, each exhaust weighted by its flow against the hall's
    p_mixed = flow_weighted_heat(rack_air_kw, frac, model.airflow_m3_s, model.rack_hall, nh)
    rise = model.rise(p_mixed)
    h = model.rack_hall
    t_in = t_sup_h[h] + (1.0 - r_short[h]) * rise + r_short[h] * (t_ret_h[h] - t_sup_h[h])
    rise_top = np.maximum(model.rise_top(p_mixed, rise), rise)
    t_in_top = t_sup_h[h] + (1.0 - r_short[h]) * rise_top + r_short[h] * (t_ret_h[h] - t_sup_h[h])
    t_out = t_in + rack_air_kw / k_now

    cls = model.hall_class[h]
    hall_lim = np.array([ASHRAE_C[c] for c in model.hall_class]).reshape(nh, 4)
    lim = hall_lim[h]
    # class checks: the top of the rack (hottest intake) against the maxima, the area mean
    # against the minima (the field gives no bottom-of-rack share; the bottom is colder)
    rec_ok = (t_in >= lim[:, 0]) & (t_in_top <= lim[:, 1])
    allow_ok = (t_in >= lim[:, 2]) & (t_in_top <= lim[:, 3])
    racks = twin.racks
    res_racks = pd.DataFrame(
        {
            "air_kw": rack_air_kw,
            "t_inlet_c": t_in,
            "t_inlet_max_c": t_in_top,
            "t_outlet_c": t_out,
            "ashrae_class": cls,
            "inlet_recommended": rec_ok,
            "inlet_allowable": allow_ok,
        },
        index=racks.index,
    )
    hot = rack_air_kw > 0
    n_h = np.bincount(h, hot, nh)
    t_in_max = np.full(nh, np.nan)
    if len(h):
        np.fmax.at(t_in_max, h, np.where(hot, t_in_top, np.nan))
    idx = hall_indices(h, nh, t_in, t_out, t_sup_h, t_ret_h, hall_lim, hot, k_now)
    res_halls = pd.DataFrame(
        {
            "q_air_kw": q_hall,
            "crah_capacity_kw": np.bincount(hall_of, cap_now * run, nh),
            "airflow_need_m3_s": v_need,
            "airflow_supply_m3_s": v_sup,
            "t_supply_c": t_sup_h,
            "t_return_c": t_ret_h,
            "t_inlet_max_c": t_in_max,
            "t_inlet_mean_c": safe_div(np.bincount(h, t_in * hot, nh), n_h),
            **idx,
            # the model each hall's inlets came from ("kernel (why)" where the field fell back)
            "air_model": [(model.hall_method or {}).get(i, "kernel") for i in model.hall_ids],
        },
        index=model.hall_ids,
    )
    res_halls.index.name = "id"

    comp = np.where(is_crac & run, safe_div(q_unit, crac_cop(t_sup_u)), 0.0)
    res_crahs = pd.DataFrame(
        {
            "running": run,
            "load_kw": q_unit,
            # what the unit can remove now (its water may be short: `coil_water_frac`)
            "capacity_avail_kw": np.where(run, cap_coil, 0.0),
            "loading_pct": 100.0 * safe_div(q_unit, cap_coil),
            "airflow_m3_s": speed * v_ref,
            "fan_kw": fan_kw,
            "compressor_kw": comp,
            "t_supply_c": np.where(run, t_sup_u, np.nan),
        },
        index=crahs.index,
    )
    water = np.ones(len(crahs)) if coil_water_frac is None else np.asarray(coil_water_frac, float)
    viol = _violations(twin, res_racks, res_crahs, res_halls, cap_coil, cooled, q_hall, lim, water)
    return AirResult(
        res_racks=res_racks,
        res_crahs=res_crahs,
        res_halls=res_halls,
        violations=viol,
        coil_kw=np.where(is_crac, 0.0, q_unit),
        ambient_kw=np.where(is_crac, q_unit + comp, 0.0),
        electric_kw=fan_kw + comp,
        unremoved_kw=unremoved,
    )


def air_model_fallbacks(twin, res_halls: pd.DataFrame | None) -> list[str]:
    """One sentence per hall that asked for the air field (``air_model: field`` or ``ffd``)
    and got the kernel, with why (too many racks, a rack front boxed in, an FFD flow that
    did not settle): its inlets are the kernel's, which its caution does not say."""
    if res_halls is None or "air_model" not in twin.halls or "air_model" not in res_halls:
        return []
    asked = twin.halls["air_model"].reindex(res_halls.index)
    out = []
    for hall, used in res_halls["air_model"].items():
        if asked[hall] != "kernel" and not str(used).startswith(asked[hall]):
            why = str(used).removeprefix("kernel").strip(" ()")
            out.append(
                f"hall {hall} asks for air_model {asked[hall]} but its rack inlets come from "
                f"the kernel: {why}"
            )
    return out


def _violations(
    twin, res_racks, res_crahs, res_halls, cap, cooled, q_hall, lim, water
) -> list[dict]:
    out = []
    t = res_racks["t_inlet_c"].to_numpy()
    top = res_racks["t_inlet_max_c"].to_numpy()
    hi = np.flatnonzero(top > lim[:, 3])
    lo = np.flatnonzero(t < lim[:, 2])
    ids = res_racks.index
    cls = res_racks["ashrae_class"].to_numpy()
    for i in hi:
        out.append(
            violation(
                ids[i],
                "over_temperature",
                top[i],
                lim[i, 3],
                "C",
                f"inlet {top[i]:.1f} °C (top of rack) above the {cls[i]} allowable "
                f"{lim[i, 3]:.0f} °C",
            )
        )
    for i in lo:
        out.append(
            violation(
                ids[i],
                "under_temperature",
                t[i],
                lim[i, 2],
                "C",
                f"inlet {t[i]:.1f} °C below the {cls[i]} allowable {lim[i, 2]:.0f} °C",
            )
        )
    load = res_crahs["load_kw"].to_numpy()
    for i in np.flatnonzero(load > cap * (1 + 1e-9)):
        out.append(
            violation(
                res_crahs.index[i],
                "over_capacity",
                load[i],
                cap[i],
                "kW",
                f"coil load {load[i]:.1f} kW over its {cap[i]:.1f} kW capacity"
                + (
                    f" ({100 * water[i]:.0f} % of the water it draws reaches it)"
                    if water[i] < 1.0
                    else ""
                )
                + _supply_rise(res_crahs["t_supply_c"].iat[i], twin.crahs["t_supply_c"].iat[i]),
            )
        )
    for h in np.flatnonzero(~cooled & (q_hall > 0)):
        out.append(
            violation(
                res_halls.index[h],
                "uncooled",
                q_hall[h],
                0.0,
                "kW",
                f"{q_hall[h]:.0f} kW of air-side heat and no CRAH/CRAC running",
            )
        )
    return out


def _supply_rise(t_c: float, set_c: float) -> str:
    """'; supply air rises to ...', or past `T_BOIL_WATER_C` no number: a coil whose air is
    that hot has water that would boil, no steady state (audit 5: 973.48 °C)."""
    if t_c > T_BOIL_WATER_C:
        return (
            f"; supply air has no steady state within the physical range (above "
            f"{T_BOIL_WATER_C:.0f} °C, setpoint {set_c:.1f} °C: the water it draws would boil)"
        )
    return f"; supply air rises to {t_c:.2f} °C (setpoint {set_c:.1f} °C)"
