"""The site's steady response to IT load and weather, fitted once to the coupled solve.

A timeline needs power-chain losses and cooling power at thousands to millions
of steps; the coupled solve (`twin.solve.run`) takes 0.1-0.2 s on a 1 GW campus,
so a year at 1 h would cost ~20 min. Instead `fit_response` runs it on a small
grid, IT load fraction x (every rack at x of its design power, `LOAD_GRID`)
times outdoor dry bulb (`T_POINTS` quantiles of the weather year, or the design
point only), and `evaluate` interpolates:

- along x linearly, on a 0.1 grid with 0.05 added, split below 0.2 wherever the
  solve at an interval's midpoint is off the line by more than `REFINE_TOL` of
  facility power (`_loads`: there fixed losses, minimum fan and pump speeds and
  chillers passing their 0.1 minimum part load into cycling bend the curve most;
  without 0.05 the reference hall was 0.62 % off at 0.05, and once its chiller
  branches shut when staged off, 4.1 % at 0.03): losses are l0 + l1 x + l2 x^2 in
  each UPS and I^2 R in transformers, PDUs and cables (REFERENCE 5), cooling has
  kinks where chillers stage and pumps reach their minimum speed, so a smooth fit
  does no better. Off the grid, facility power at the design point against
  `twin.solve.run` at loads 0.01-0.99 in steps of 0.02 (`bench.timeline_fit`,
  2026-12-04): worst 0.42 % on the reference hall (0.77), 0.28 % on a generated
  50 MW campus (0.77), 0.31 % on hybrid-inference (0.95), 0.02 % on small-room;
  at the grid points it is the solve's own number;
- along dry bulb linearly (free cooling and economiser switching are not smooth),
  on quantiles of the year split where the plant bends (`fit_response`); wet bulb
  at each dry-bulb point is the year's median wet-bulb depression near it;
- along wet bulb linearly, with a weather year: at each dry-bulb point the solve is
  also run saturated (wet bulb = dry bulb, `Response.wet`) at loads 0, 0.5 and 1 (the
  change interpolated in load between them), and a step's own wet bulb
  interpolates between the median-depression point and saturation (extrapolating
  down to twice the median depression, no further), so a cooling tower's approach and
  a water-cooled chiller's condenser see each hour's wet bulb [tests/solve/
  test_timeline.py: against run() at random hours with their own wet bulb].

The plant's tower make-up water (m3/h), the heat its economisers (free cooling)
reject and the heat its chillers take are fitted on the same grid, for annual
WUE and free-cooling hours (`twin.scenarios.sites`).

The grid is fitted with every rack at one fraction; halls at different loads
are evaluated hall by hall (`evaluate_groups`: each hall's design share of the
site's response at its own fraction), which keeps each hall's own nonlinearity
and misestimates only shared elements (within 0.2 % on a 2-hall campus, same test).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from twin.model.scenario import Scenario
from twin.solve.cache import per_twin, pinned

LOAD_GRID = (0.0, 0.05, *np.round(np.linspace(0.1, 1.0, 10), 2).tolist())
"""IT load fractions at which the coupled solve is always run (0.1 apart, and 0.05)."""
LOAD_REFINE_BELOW = 0.2
"""Load intervals up to this fraction are split where the curve bends (`_loads`)."""
LOAD_MIN_STEP = 0.005
"""Load points added by the split are never closer than this."""
T_POINTS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0)
"""Quantiles of the weather year's dry bulb at which it is run (with a weather file)."""
NEAR_K = 1.5
"""Hours within this of a dry-bulb point set its wet-bulb depression, K."""
NO_AIR_K = -100.0
"""Inlet margin recorded where no rack has an inlet temperature at all (no racks; with racks
but none running the margin is the supply air's, `_inlet_over_k`)."""
REFINE_TOL = 3e-3
"""A dry-bulb interval is split while its midpoint is off by more than this of facility power."""
REFINE_MIN_K = 1.0
"""Dry-bulb points are never closer than this, K."""
WET_LOADS = (0.0, 0.5, 1.0)
"""Load fractions at which each dry-bulb point is also solved saturated (the wet-bulb axis)."""


WEIGHTED = (
    "losses_kw", "cooling_kw", "unremoved_kw", "it_lost_kw", "water_m3_h", "free_cooling_kw",
    "chiller_heat_kw",
)  # fmt: skip
"""Response terms that add over halls (`evaluate_groups` sums each hall's design share)."""
WORST = ("inlet_over_k", "loading_pct")
"""Response terms of the worst place (`evaluate_groups` takes the worst hall's): the hottest
inlet over its allowable, the most loaded element (a UPS the timeline carried at 132 % of its
rating said nothing where twin solve named it, audit of 2026-12-05)."""


@dataclass(frozen=True)
class Response:
    """Losses, cooling power and unremoved heat (kW) on the (dry bulb, load fraction) grid."""

    design_it_kw: float
    x: np.ndarray  # load fractions
    t_db_c: np.ndarray  # dry-bulb points
    t_wb_c: np.ndarray  # wet bulb used at each dry-bulb point
    losses_kw: np.ndarray  # (n_t, n_x)
    cooling_kw: np.ndarray  # (n_t, n_x)
    unremoved_kw: np.ndarray  # (n_t, n_x)
    inlet_over_k: np.ndarray  # (n_t, n_x) worst rack inlet minus its ASHRAE allowable max
    it_lost_kw: np.ndarray  # (n_t, n_x) IT asked for but not served (racks unfed or tripped)
    trusted: np.ndarray  # (n_t, n_x) bool: no not_converged/non_finite/not_balanced violation
    wet: Response | None = None  # the same grid solved saturated (t_wb = t_db); weather only
    water_m3_h: np.ndarray | None = None  # (n_t, n_x) tower make-up water (plant), m3/h
    free_cooling_kw: np.ndarray | None = None  # (n_t, n_x) heat the economisers reject
    chiller_heat_kw: np.ndarray | None = None  # (n_t, n_x) heat the chillers take off loops
    loading_pct: np.ndarray | None = None  # (n_t, n_x) worst element's loading, % of rating
    overloaded: tuple[str, ...] = ()  # elements past their rating at some grid point


def _wet_bulb(t: float, t_db: np.ndarray, t_wb: np.ndarray) -> float:
    """Wet bulb at dry bulb `t`: minus the median depression of the weather hours near it."""
    near = np.abs(t_db - t) <= NEAR_K
    dep = np.median((t_db - t_wb)[near]) if near.any() else np.median(t_db - t_wb)
    return float(t - max(float(dep), 0.0))


def weather_points(t_db: np.ndarray, t_wb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starting dry-bulb grid points (quantiles of the year) and the wet bulb at each."""
    q = np.unique(np.round(np.quantile(t_db, T_POINTS), 2))
    return q, np.asarray([_wet_bulb(t, t_db, t_wb) for t in q])


def fit_response(
    twin, weather: tuple[np.ndarray, np.ndarray] | None = None, progress=None
) -> Response:
    """Run the coupled solve on the grid (cached per Twin content and weather year).

    `weather`: the year's hourly (dry bulb, wet bulb); None = the design point only.
    `progress(fraction, text)`, if given, is called after each dry-bulb point's solves.
    With a year, dry-bulb points are added between two neighbours wherever the
    solve at their midpoint (loads 0.5 and 1) differs from the interpolation by
    more than `REFINE_TOL` of facility power, down to `REFINE_MIN_K` apart.
    """
    if weather is None:
        d = twin.layout.site.design
        key = f"timeline_response:design:{d.t_db_c}/{d.t_wb_c}"
    else:
        db, wb = (np.ascontiguousarray(a, float) for a in weather)
        key = "timeline_response:" + hashlib.sha1(db.tobytes() + wb.tobytes()).hexdigest()
    with pinned(twin):
        return per_twin(twin, key, lambda tw: _fit(tw, weather, progress))


def _row(twin, tdb: float, twb: float, loads=LOAD_GRID, seen: dict | None = None):
    """Losses, cooling, unremoved (kW), trust and the worst element's loading (%) at every
    load fraction of `loads`, one weather; the elements past their rating go into `seen`."""
    from twin.solve import run
    from twin.solve.power import ranked_loading
    from twin.solve.results import SOLVER_KINDS

    out = np.zeros((10, len(loads)))
    design = float(twin.racks["power_kw"].sum())
    for j, xj in enumerate(loads):
        sc = Scenario(
            name=f"timeline x={xj:g} t={tdb:g}",
            load_scale={"*": float(xj)},
            t_db_c=float(tdb),
            t_wb_c=float(min(twb, tdb)),
        )
        r = run(twin, sc)
        kp = r.kpis
        # facility = IT + losses + cooling: losses as the rest, so the fit closes exactly
        out[0, j] = kp["facility_kw"] - kp["it_kw"] - kp["cooling_kw"]
        out[1, j] = kp["cooling_kw"]
        out[2, j] = kp.get("heat_unremoved_kw", 0.0)
        out[3, j] = not r.violations["kind"].isin(SOLVER_KINDS).any()
        out[4, j] = _inlet_over_k(r["res_racks"])
        lost = xj * design - kp["it_kw"]
        out[5, j] = lost if lost > 1e-9 * design else 0.0  # rounding of the per-rack scales
        out[6, j] = kp.get("water_m3_h", 0.0)
        loops = r.tables.get("res_loops")
        if loops is not None and len(loops):
            out[7, j] = float(loops["free_cooling_kw"].sum())
            out[8, j] = float(loops["chiller_kw"].sum())
        out[9, j] = kp.get("max_loading_pct", 0.0)
        if seen is not None and out[9, j] > 100.0:
            nodes = r["res_power_nodes"]
            over = nodes[ranked_loading(twin.power_nodes["kind"].reindex(nodes.index))]
            seen.update(dict.fromkeys(over.index[over["loading_pct"] > 100.0].astype(str)))
    return out


def _loads(twin, t: float, w: float, seen: dict) -> tuple[tuple[float, ...], np.ndarray]:
    """The site's load grid and its row at dry bulb `t`: `LOAD_GRID`, each interval below
    `LOAD_REFINE_BELOW` split at its midpoint while the solve there is off the straight line
    between its ends by more than `REFINE_TOL` of facility power, down to `LOAD_MIN_STEP`."""
    design = float(twin.racks["power_kw"].sum())
    cols = dict(zip(LOAD_GRID, _row(twin, t, w, seen=seen).T, strict=True))

    def facility(x: float, c: np.ndarray) -> float:
        return x * design - c[5] + c[0] + c[1]  # IT served + losses + cooling

    ends = zip(LOAD_GRID[:-1], LOAD_GRID[1:], strict=True)
    todo = [(a, b) for a, b in ends if b <= LOAD_REFINE_BELOW]
    while todo:
        a, b = todo.pop()
        if b - a < 2 * LOAD_MIN_STEP:
            continue
        m = round(0.5 * (a + b), 4)
        col = _row(twin, t, w, (m,), seen)[:, 0]
        real, guess = facility(m, col), 0.5 * (facility(a, cols[a]) + facility(b, cols[b]))
        if abs(real - guess) > REFINE_TOL * abs(real):
            cols[m] = col
            todo += [(a, m), (m, b)]
    loads = tuple(sorted(cols))
    return loads, np.stack([cols[x] for x in loads], axis=1)


def _saturated(twin, t: float, base: np.ndarray, loads=LOAD_GRID) -> np.ndarray:
    """The row of dry bulb `t` solved saturated (wet bulb = dry bulb) at `WET_LOADS` only; the
    change from `base` (the row at the point's own wet bulb) is interpolated linearly in load
    onto `LOAD_GRID` [est: the plant's wet-bulb sensitivity is near linear in load; tested
    against run() at 0.8 load in tests/solve/test_timeline_outage.py]. Trusted only where the
    base is and every saturated solve was."""
    idx = [loads.index(x) for x in WET_LOADS]
    wet = _row(twin, t, t, WET_LOADS)
    delta = wet - base[:, idx]
    out = base + np.stack([np.interp(loads, WET_LOADS, d) for d in delta])
    out[3] = base[3] * float(wet[3].all())
    return out


def _inlet_over_k(res_racks) -> float:
    """Worst rack inlet above its hall's ASHRAE allowable maximum, K (negative: margin left).

    With no air-cooled rack running the inlets are the supply air, and so is the margin:
    a placeholder there (-100 K) was interpolated as a temperature, giving rack inlets of
    -31 C at 2 % load. `NO_AIR_K` only where no rack has an inlet at all."""
    from twin.solve.airflow import ASHRAE_C

    top = "t_inlet_max_c" if "t_inlet_max_c" in res_racks else "t_inlet_c"  # top of the rack
    t = res_racks[top].to_numpy(float)
    lim = res_racks["ashrae_class"].map(lambda c: ASHRAE_C[c][3]).to_numpy(float)
    running = np.isfinite(t) & (res_racks["air_kw"].to_numpy(float) > 0)
    over = (t - lim)[running if running.any() else np.isfinite(t)]
    return float(over.max()) if len(over) else NO_AIR_K


def _facility(twin, x: float, tdb: float, twb: float) -> float:
    from twin.solve import run

    sc = Scenario(name="timeline check", load_scale={"*": x}, t_db_c=tdb, t_wb_c=min(twb, tdb))
    return float(run(twin, sc).kpis["facility_kw"])


def _fit(twin, weather, progress=None) -> Response:
    d = twin.layout.site.design
    if weather is None:
        pts = {float(d.t_db_c): float(d.t_wb_c)}
    else:
        db, wb = weather
        q, qw = weather_points(db, wb)
        pts = dict(zip(q.tolist(), qw.tolist(), strict=True))
    done = [0]
    # the load grid is split where the warmest point bends (its chillers carry the most)
    hot = max(pts)
    seen: dict[str, None] = {}
    loads, first = _loads(twin, hot, pts[hot], seen)

    def row(t: float, w: float) -> np.ndarray:
        out = first if t == hot else _row(twin, t, w, loads, seen)
        done[0] += 1
        if progress is not None:  # the refinement may add points: never report 100 % early
            progress(
                min(done[0] / (len(pts) + 1), 0.95), f"coupled solves: {done[0]} weather points"
            )
        return out

    rows = {t: row(t, w) for t, w in list(pts.items())}
    design = float(twin.racks["power_kw"].sum())
    todo = sorted(rows)
    while weather is not None and len(todo) > 1:
        nxt = []
        for a, b in zip(todo[:-1], todo[1:], strict=True):
            if b - a < 2 * REFINE_MIN_K:
                continue
            m = round(0.5 * (a + b), 3)
            wm = _wet_bulb(m, *weather)
            ok = True
            for j in (loads.index(0.5), len(loads) - 1):
                x = loads[j]
                guess = x * design + 0.5 * (
                    rows[a][0, j] + rows[b][0, j] + rows[a][1, j] + rows[b][1, j]
                )
                real = _facility(twin, x, m, wm)
                ok &= abs(real - guess) <= REFINE_TOL * abs(real)
            if not ok:
                pts[m] = wm
                rows[m] = row(m, wm)
                nxt += [a, m, b]
        todo = sorted(set(nxt))
    t = np.array(sorted(rows))
    wet = None
    if weather is not None:  # each dry-bulb point again, saturated: the wet-bulb axis
        sat = {k: _saturated(twin, k, rows[k], loads) if pts[k] < k else rows[k] for k in t}
        wet = _response(design, loads, t, t.copy(), sat)
    return _response(design, loads, t, np.array([pts[k] for k in t]), rows, wet, tuple(seen))


def _response(design, loads, t, t_wb, rows, wet=None, overloaded=()) -> Response:
    stack = np.stack([rows[k] for k in t])  # (n_t, 10, n_x)
    return Response(
        design,
        np.asarray(loads, float),
        t,
        t_wb,
        stack[:, 0],
        stack[:, 1],
        stack[:, 2],
        stack[:, 4],
        stack[:, 5],
        stack[:, 3].astype(bool),
        wet=wet,
        water_m3_h=stack[:, 6],
        free_cooling_kw=stack[:, 7],
        chiller_heat_kw=stack[:, 8],
        loading_pct=stack[:, 9],
        overloaded=overloaded,
    )


def _corners(grid: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower grid index and weight of the upper neighbour for each value (clamped to the grid)."""
    if len(grid) == 1:
        return np.zeros(v.shape, np.int64), np.zeros(v.shape)
    vc = np.clip(v, grid[0], grid[-1])
    hi = np.clip(np.searchsorted(grid, vc, side="right"), 1, len(grid) - 1)
    lo = hi - 1
    return lo, (vc - grid[lo]) / (grid[hi] - grid[lo])


WET_MAX_BELOW = 1.0
"""A step's wet bulb below its point's median-depression wet bulb extrapolates at most this
many times the distance from that point to saturation (no further: no solve there)."""


def evaluate(
    resp: Response, it_kw: np.ndarray, t_db_c: np.ndarray, t_wb_c: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Losses, cooling, unremoved heat (kW) and inlet margin (K) of the whole site with every
    rack at the fraction `it_kw / design` (any shape; `t_db_c` broadcasts against it).

    Bilinear on the (dry bulb, load) grid: linear in load, then in dry bulb. Load fractions
    outside [0, 1] and dry bulbs outside the grid are clamped to it; callers check the load
    range first (a trace above design power is an error). With `t_wb_c` and a fit over a
    weather year, then linear in wet bulb between the point's own and saturation.
    """
    base = _evaluate(resp, it_kw, t_db_c)
    if t_wb_c is None or resp.wet is None:
        return base
    it = np.asarray(it_kw, float)
    t = np.broadcast_to(np.asarray(t_db_c, float), it.shape)
    tw = np.broadcast_to(np.asarray(t_wb_c, float), it.shape)
    wb0 = np.interp(t, resp.t_db_c, resp.t_wb_c)
    span = np.interp(t, resp.t_db_c, resp.wet.t_wb_c) - wb0
    w = np.divide(np.minimum(tw, t) - wb0, span, out=np.zeros(it.shape), where=span > 1e-9)
    w = np.clip(w, -WET_MAX_BELOW, 1.0)
    sat = _evaluate(resp.wet, it, t)
    out = {k: v + w * (sat[k] - v) for k, v in base.items() if k != "untrusted"}
    out["unremoved_kw"] = np.maximum(out["unremoved_kw"], 0.0)
    out["untrusted"] = base["untrusted"] | (sat["untrusted"] & (w != 0))
    return out


def _evaluate(resp: Response, it_kw: np.ndarray, t_db_c: np.ndarray) -> dict[str, np.ndarray]:
    it = np.asarray(it_kw, float)
    x = it / resp.design_it_kw if resp.design_it_kw > 0 else np.zeros_like(it)
    t = np.broadcast_to(np.asarray(t_db_c, float), it.shape)
    j, wx = _corners(resp.x, x)
    nt, nx = len(resp.t_db_c), len(resp.x)
    names = [n for n in (*WEIGHTED, *WORST) if getattr(resp, n) is not None]
    # every table at once, gathered by flat index (one gather per corner, not per table)
    stack = np.stack([getattr(resp, n) for n in names], axis=-1).reshape(nt * nx, len(names))
    w1 = wx[..., None]
    if nt == 1:  # one weather point (the design point): linear in load only
        i = i1 = np.zeros(it.shape, np.int64)
        wt = np.zeros(it.shape)
        k = j
        val = stack[k] * (1.0 - w1) + stack[k + 1] * w1
    else:
        i, wt = _corners(resp.t_db_c, t)
        i1 = np.minimum(i + 1, nt - 1)
        k, k1 = i * nx + j, i1 * nx + j
        lo = stack[k] * (1.0 - w1) + stack[k + 1] * w1
        hi = stack[k1] * (1.0 - w1) + stack[k1 + 1] * w1
        val = lo * (1.0 - wt[..., None]) + hi * wt[..., None]
    out = {n: val[..., c] for c, n in enumerate(names)}
    out["unremoved_kw"] = np.maximum(out["unremoved_kw"], 0.0)
    # a step leaning on a grid point whose solve was not trustworthy (weight > 0) says so
    bad = ~resp.trusted
    if not bad.any():
        out["untrusted"] = np.zeros(it.shape, bool)
        return out
    w_lo, w_hi = 1.0 - wt, wt
    out["untrusted"] = (
        (bad[i, j] & (w_lo * (1.0 - wx) > 0))
        | (bad[i, j + 1] & (w_lo * wx > 0))
        | (bad[i1, j] & (w_hi * (1.0 - wx) > 0))
        | (bad[i1, j + 1] & (w_hi * wx > 0))
    )
    return out


def evaluate_groups(
    resp: Response,
    it_kw: np.ndarray,
    design_kw: np.ndarray,
    t_db_c: np.ndarray,
    t_wb_c: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The site's terms (n,) with each group (hall) at its own load: (n, G) kW of IT.

    Each group contributes its design share of the site's response at its own fraction,
    ``sum_g D_g / D x R(it_g / D_g)``: with every group at one fraction this is R exactly;
    with groups apart it keeps each hall's own nonlinearity (its UPS, PDUs, CDUs, CRAH fans)
    and misestimates only what halls share (upstream transformers, the plant) [measured in
    tests/solve/test_timeline.py on a 5-hall campus]. The inlet margin is the worst group's.
    """
    it = np.atleast_2d(np.asarray(it_kw, float))
    d = np.asarray(design_kw, float)
    total = float(d.sum())
    if total <= 0 or it.shape[1] == 1:
        return evaluate(resp, it.sum(axis=1), t_db_c, t_wb_c)
    share = d / total
    scaled = np.divide(it, share[None, :], out=np.zeros_like(it), where=share[None, :] > 0)
    t = np.broadcast_to(np.asarray(t_db_c, float).reshape(-1, 1), it.shape)
    tw = (
        None
        if t_wb_c is None
        else np.broadcast_to(np.asarray(t_wb_c, float).reshape(-1, 1), it.shape)
    )
    r = evaluate(resp, scaled, t, tw)
    skip = (*WORST, "untrusted")
    out = {k: (v * share[None, :]).sum(axis=1) for k, v in r.items() if k not in skip}
    out["untrusted"] = (r["untrusted"] & (share[None, :] > 0)).any(axis=1)
    for k in WORST:
        if k in r:
            out[k] = np.where(share[None, :] > 0, r[k], -np.inf).max(axis=1)
    return out
