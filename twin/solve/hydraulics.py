"""Pipe networks of the cooling loops: flows, pressures and pump power by Newton on a sparse system.

Every loop's pipes and pumps form one network (nodes named per loop). Unknowns
are link flows Q (m3/s) and node pressures H (kPa); equations (EPANET/WNTR
style, REFERENCE 3):

- each link from a to b: ``H_a - H_b = h(Q)``, a pipe's Darcy-Weisbach drop
  ``f (L/D) rho v|v| / 2`` with f from `fluids.friction.friction_factor`
  (laminar 64/Re, Clamond's Colebrook solution in turbulence), a pump's gain
  ``-(s^2 H0 - k Q|Q|)``;
- mass balance at every node (closed loops, no demands);
- the pump suction node of each connected network fixed at 0 kPa (expansion tank).

Newton on the sparse saddle-point Jacobian, f updated each iteration.
Pump curve: rated flow is taken at 75 % of shut-off head, i.e. run-out at
twice rated flow (``k = 0.25 H0 / Q_r^2``) [est]. Pump power = dp Q / eta.
A loop with pumps but no pipes runs its pumps at their rated point.

Direction: pipes are declared the way the circuit runs (supply to units to
return), pumps push from `from` to `to`. A pump whose discharge reaches its
suction through pipes in their declared direction works with the circuit
(`direction` +1 in `res_pumps`); one whose suction reaches its discharge that
way is reversed (-1): it drives the water backwards through the units (0: the
pipes cannot tell, e.g. a loop with no pipes). The coupled solve counts a
loop's flow as the pumps' flow signed by direction: a reversed pump fighting
a good one cancels it, and a circuit driven backwards moves no heat.

Convergence: `HydraulicResult.converged` says whether Newton's last step
fell below `TOL_M3_S` with finite flows; `residual_m3_s` is that last step
(or the largest mass imbalance at a node, if larger).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph
import scipy.sparse.linalg as spla
from fluids.friction import friction_factor

from twin.solve.cache import per_twin
from twin.units import FLUIDS

RATED_HEAD_FRACTION = 0.75
"""Head at rated flow as a fraction of shut-off head [est: run-out at 2 Q_r]."""
TOL_M3_S = 1e-10


def pump_k(head_kpa, flow_m3_s):
    """Curve coefficient k in H = H0 - k Q^2 (kPa / (m3/s)^2)."""
    return (1.0 - RATED_HEAD_FRACTION) * np.asarray(head_kpa) / np.asarray(flow_m3_s) ** 2


def pipe_dp_kpa(flow_m3_s, length_m, diameter_m, roughness_m, rho, mu):
    """Darcy-Weisbach drop (kPa, signed with flow) and friction factor, vectorised over pipes.

    f comes from `fluids.friction.friction_factor`, evaluated once per distinct
    (Re, roughness) pair (rounded to 6 significant digits).
    """
    q = np.asarray(flow_m3_s, float)
    area = np.pi * np.asarray(diameter_m) ** 2 / 4.0
    v = q / area
    re = np.maximum(rho * np.abs(v) * diameter_m / mu, 1e-3)
    ed = np.asarray(roughness_m) / diameter_m
    key = _round(re) + 1j * _round(ed)  # one sortable key per (Re, eD) pair
    uniq, inv = np.unique(key, return_inverse=True)
    f = np.array([friction_factor(Re=float(k.real), eD=float(k.imag)) for k in uniq])[inv.ravel()]
    dp = f * length_m / diameter_m * rho * v * np.abs(v) / 2.0 / 1000.0
    return dp, f, re


def _round(x):
    x = np.asarray(x, float)
    mag = 10.0 ** np.floor(np.log10(np.maximum(np.abs(x), 1e-300)))
    return np.round(x / mag, 5) * mag


@dataclass
class HydraulicModel:
    node_ids: pd.Index  # "loop|node"
    a: sp.csr_matrix  # links x nodes incidence: +1 from, -1 to
    n_pipes: int
    length_m: np.ndarray
    diameter_m: np.ndarray
    roughness_m: np.ndarray
    rho: np.ndarray  # per pipe
    mu: np.ndarray
    pump_h0: np.ndarray
    pump_k: np.ndarray
    pump_rated: np.ndarray
    pump_eta: np.ndarray
    pump_networked: np.ndarray  # pump's loop has pipes
    ref_nodes: np.ndarray  # one node per connected network
    pump_rho: np.ndarray
    pump_direction: np.ndarray  # +1 with the pipes' circuit, -1 reversed, 0 cannot tell
    warm: dict  # Newton's start ("seed", see `_seed`) and the last result ("last")


def build_hydraulic_model(twin) -> HydraulicModel:
    pipes, pumps, loops = twin.pipes, twin.pumps, twin.loops
    names = []
    for t in (pipes, pumps):
        if len(t):
            names.append(t["loop"] + "|" + t["from_node"])
            names.append(t["loop"] + "|" + t["to_node"])
    node_ids = pd.Index(pd.unique(pd.concat(names))) if names else pd.Index([], dtype=object)
    pos = pd.Series(np.arange(len(node_ids)), index=node_ids)
    frm, to = [], []
    for t in (pipes, pumps):
        if len(t):
            frm.append((t["loop"] + "|" + t["from_node"]).map(pos).to_numpy())
            to.append((t["loop"] + "|" + t["to_node"]).map(pos).to_numpy())
    frm = np.concatenate(frm) if frm else np.zeros(0, int)
    to = np.concatenate(to) if to else np.zeros(0, int)
    m, n = len(frm), len(node_ids)
    a = sp.csr_matrix(
        (np.r_[np.ones(m), -np.ones(m)], (np.r_[np.arange(m), np.arange(m)], np.r_[frm, to])),
        shape=(m, n),
    )
    fluid = loops["fluid"] if len(loops) else pd.Series(dtype=object)
    prop = {k: v for k, v in FLUIDS.items()}

    def props(t):
        f = t["loop"].map(fluid).fillna("water") if len(t) else pd.Series(dtype=object)
        return (
            np.array([prop[x][0] for x in f], float),
            np.array([prop[x][1] for x in f], float),
        )

    rho, mu = props(pipes)
    pump_rho, _ = props(pumps)
    piped_loops = set(pipes["loop"]) if len(pipes) else set()
    networked = pumps["loop"].isin(piped_loops).to_numpy() if len(pumps) else np.zeros(0, bool)
    # reference node per connected network: a pump suction if there is one
    ncomp, label = csgraph.connected_components(a.T @ a, directed=False) if n else (0, np.zeros(0))
    ref = np.full(ncomp, -1)
    if len(pumps):
        suction = frm[len(pipes) :]
        ref[label[suction[::-1]]] = suction[::-1]
    for c in np.flatnonzero(ref < 0):
        ref[c] = np.flatnonzero(label == c)[0]
    h0 = pumps["head_kpa"].to_numpy(float) if len(pumps) else np.zeros(0)
    qr = pumps["flow_m3_s"].to_numpy(float) if len(pumps) else np.zeros(0)
    npi = len(pipes)
    direction = _pump_direction(frm[:npi], to[:npi], frm[npi:], to[npi:], n)
    return HydraulicModel(
        node_ids=node_ids,
        a=a,
        n_pipes=len(pipes),
        length_m=pipes["length_m"].to_numpy(float) if len(pipes) else np.zeros(0),
        diameter_m=pipes["diameter_m"].to_numpy(float) if len(pipes) else np.zeros(0),
        roughness_m=pipes["roughness_m"].to_numpy(float) if len(pipes) else np.zeros(0),
        rho=rho,
        mu=mu,
        pump_h0=h0,
        pump_k=pump_k(h0, qr) if len(pumps) else np.zeros(0),
        pump_rated=qr,
        pump_eta=pumps["efficiency"].to_numpy(float) if len(pumps) else np.zeros(0),
        pump_networked=networked,
        ref_nodes=ref,
        pump_rho=pump_rho,
        pump_direction=direction,
        warm={},
    )


def _pump_direction(p_from, p_to, u_from, u_to, n) -> np.ndarray:
    """+1 where a pump's discharge reaches its suction along the pipes' declared direction
    (it drives the circuit), -1 where its suction reaches its discharge that way (reversed),
    0 where neither (no pipes at the pump, or pipes declared both ways)."""
    out = np.zeros(len(u_from), np.int64)
    if not len(u_from) or not len(p_from):
        return out
    g = sp.csr_matrix((np.ones(len(p_from)), (p_from, p_to)), shape=(n, n))
    ends = np.unique(np.r_[u_from, u_to])
    reach = np.isfinite(
        csgraph.shortest_path(g, directed=True, unweighted=True, indices=ends)
    )  # rows: ends, columns: every node
    row = pd.Series(np.arange(len(ends)), index=ends)
    fwd = reach[row[u_to].to_numpy(), u_from]  # discharge -> suction through the pipes
    back = reach[row[u_from].to_numpy(), u_to]
    out[fwd] = 1
    out[back & ~fwd] = -1
    return out


def hydraulic_model(twin) -> HydraulicModel:
    return per_twin(twin, "hydraulics", build_hydraulic_model)


@dataclass
class HydraulicResult:
    res_pipes: pd.DataFrame
    res_pumps: pd.DataFrame
    res_node: pd.DataFrame
    iterations: int
    converged: bool = True  # Newton's last step < TOL_M3_S, flows finite
    residual_m3_s: float = 0.0  # last Newton step or largest node imbalance, m3/s


def solve_hydraulics(
    twin,
    running: np.ndarray | None = None,
    speed: np.ndarray | None = None,
    max_iter: int = 50,
    closed_pipes: np.ndarray | None = None,
) -> HydraulicResult:
    """Flows, pressures and pump power of every pipe network; `running`/`speed` per pump.

    `closed_pipes` (per pipe, None: all open): pipes whose valve is shut, carrying no flow
    (the branch of a chiller that staging stopped, `twin.solve.plant.closed_branches`).
    """
    m = hydraulic_model(twin)
    npump = len(m.pump_h0)
    running = np.ones(npump, bool) if running is None else np.asarray(running, bool)
    s = np.ones(npump) if speed is None else np.asarray(speed, float)
    closed = np.zeros(m.n_pipes, bool) if closed_pipes is None else np.asarray(closed_pipes, bool)
    key = (running.tobytes(), s.tobytes(), max_iter, closed.tobytes())
    last = m.warm.get("last")  # (key, result) swapped in one step: safe across threads
    if last is not None and last[0] == key:
        return last[1]
    result = _solve(twin, m, running, s, max_iter, _seed(twin, m), closed)[0]
    m.warm["last"] = (key, result)
    return result


def _seed(twin, m: HydraulicModel) -> tuple[np.ndarray, np.ndarray]:
    """Newton's start for every solve: all pumps at full speed, solved from a cold start.

    Depends on the network only (cached with the model), never on the previous
    solve, so a result does not depend on what was solved before.
    """
    seed = m.warm.get("seed")
    if seed is None:
        npump = len(m.pump_h0)
        _, q, h = _solve(twin, m, np.ones(npump, bool), np.ones(npump), 50, None)
        seed = m.warm["seed"] = (q, h)
    return seed


def _solve(twin, m: HydraulicModel, running, s, max_iter, start, closed=None) -> tuple:
    """Newton from `start` (flows, pressures; None: cold); (result, flows, pressures).
    `closed`: pipes with their valve shut (no flow), None: all open."""
    npump = len(m.pump_h0)
    npi, nn = m.n_pipes, len(m.node_ids)
    nl = npi + npump
    q, h = (np.full(nl, 1e-3), np.zeros(nn)) if start is None else start
    open_ = np.ones(npi, bool) if closed is None else ~np.asarray(closed, bool)
    on = np.r_[open_, running & m.pump_networked]
    q = np.where(on, q, 0.0)
    ref = m.ref_nodes
    not_ref = np.ones(nn, bool)
    not_ref[ref] = False
    at = m.a.T.tocsr()
    # A node on no running link (the two ends of a pump on a loop without pipes, which
    # runs at its rated point) has no equation fixing its pressure: pin it at 0 kPa, or
    # the Jacobian is singular and every flow comes out inf.
    on_any = np.asarray(abs(sp.diags(on.astype(float)) @ m.a).sum(axis=0)).ravel() > 0
    not_ref &= on_any
    iterations = 0
    last_step, converged = 0.0, nl == 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (reported)
        dp, f, re = pipe_dp_kpa(q[:npi], m.length_m, m.diameter_m, m.roughness_m, m.rho, m.mu)
        # d(dp)/dQ with f frozen: 2 dp / Q, floored for the laminar/zero-flow limit
        dpipe = np.maximum(2.0 * np.abs(dp) / np.maximum(np.abs(q[:npi]), 1e-12), 1e-6)
        qp = q[npi:]
        hpump = -(s**2 * m.pump_h0 - m.pump_k * qp * np.abs(qp))
        dpump = np.maximum(2.0 * m.pump_k * np.abs(qp), 1e-6)
        hl = np.r_[dp, hpump]
        dh = np.r_[dpipe, dpump]
        r_link = np.where(on, m.a @ h - hl, -q)
        r_node = np.where(not_ref, -(at @ q), -h)
        dh_eff = np.where(on, dh, 1.0)
        a_on = sp.diags(on.astype(float)) @ m.a
        jac = sp.bmat(
            [
                [sp.diags(np.where(on, -dh_eff, -1.0)), a_on],
                [-sp.diags(not_ref.astype(float)) @ at, -sp.diags((~not_ref).astype(float))],
            ],
            format="csc",
        )
        step = spla.spsolve(jac, -np.r_[r_link, r_node])
        q, h = q + step[:nl], h + step[nl:]
        last_step = float(np.max(np.abs(step[:nl]), initial=0.0))
        if not np.isfinite(last_step):
            break
        if last_step < TOL_M3_S:
            converged = True
            break
    dp, f, re = pipe_dp_kpa(q[:npi], m.length_m, m.diameter_m, m.roughness_m, m.rho, m.mu)

    pipes, pumps = twin.pipes, twin.pumps
    area = np.pi * m.diameter_m**2 / 4.0
    res_pipes = pd.DataFrame(
        {
            "flow_m3_s": q[:npi],
            "velocity_m_s": q[:npi] / area if npi else np.zeros(0),
            "re": re,
            "friction_factor": f,
            "dp_kpa": dp,
        },
        index=pipes.index,
    )
    qp = q[npi:]
    rated = ~m.pump_networked & running
    qp = np.where(rated, m.pump_rated * s, np.where(running, qp, 0.0))
    head = np.where(running, s**2 * m.pump_h0 - m.pump_k * qp * np.abs(qp), 0.0)
    eta = np.where(m.pump_eta > 0, m.pump_eta, 1.0)
    res_pumps = pd.DataFrame(
        {
            "running": running,
            "speed": np.where(running, s, 0.0),
            "flow_m3_s": qp,
            "dp_kpa": head,
            "p_kw": np.maximum(head * qp, 0.0) / eta,
            "networked": m.pump_networked,
        },
        index=pumps.index,
    )
    res_pumps["direction"] = m.pump_direction
    imbalance = at @ q if nn else np.zeros(0)
    res_node = pd.DataFrame({"p_kpa": h, "imbalance_m3_s": imbalance}, index=m.node_ids)
    residual = max(last_step, float(np.max(np.abs(imbalance), initial=0.0)))
    finite = bool(np.isfinite(q).all() and np.isfinite(h).all())
    result = HydraulicResult(
        res_pipes,
        res_pumps,
        res_node,
        iterations,
        converged=converged and finite,
        residual_m3_s=residual if np.isfinite(residual) else float("inf"),
    )
    return result, q, h


def at_speed(
    result: HydraulicResult, pump_speed: np.ndarray, pipe_speed: np.ndarray
) -> HydraulicResult:
    """The full-speed solution with pumps on variable-speed drives, by the affinity laws.

    Flow ~ N, head ~ N^2, power ~ N^3 [REFERENCE 3]; pipes scale with the speed
    of their loop's pumps. Exact for a system curve through the origin with
    constant f; Re and f are reported at full speed.
    """
    s = np.asarray(pump_speed, float)
    sp_ = np.asarray(pipe_speed, float)
    pump = result.res_pumps.copy()
    pump["speed"] = np.where(pump["running"], s, 0.0)
    pump["flow_m3_s"] *= s
    pump["dp_kpa"] *= s**2
    pump["p_kw"] *= s**3
    pipe = result.res_pipes.copy()
    pipe["flow_m3_s"] *= sp_
    pipe["velocity_m_s"] *= sp_
    pipe["dp_kpa"] *= sp_**2
    return HydraulicResult(
        pipe, pump, result.res_node, result.iterations, result.converged, result.residual_m3_s
    )
