"""Contingency peers for `bench.n1` that solve every outage under the twin's failover rules.

Each peer case starts from the network of that contingency after failover:
`twin.interop.pandapower.to_pandapower(twin, Scenario.fail(id), results, extra)`
exports the live forest of the failed state (switchgear on its alternate,
each rack's load on its live cord(s) by the rack split rule, dead islands
left out). What the export takes from the twin is topology and loads (racks,
the base's cooling draw): the UPS input loads it carries are replaced by each
peer's own before solving, so the flows, losses and voltages are the peer's.

- pandapower: `runpp_twin(net, fresh=True)`, Newton-Raphson `runpp` repeated
  until every double-conversion UPS input equals its output through the loss
  curve (all islands in one system: pandapower takes one slack per island).
- lightsim2grid (GridModel, C++ Newton-Raphson with KLU): it takes one slack
  per connected system, and this network has ~950 islands (one behind each
  double-conversion UPS), so the islands are grouped in generations and each
  generation is one GridModel with its sources tied to a hub slack (`LsPeer`):
  two AC power flows per case on the campus, UPS side then source side.

Only the solves are timed; export, model build and reading results back are
timed apart. A case a peer does not solve (no convergence, NaN, different live
elements) is counted and left out of its ratios.
"""

from __future__ import annotations

import graphlib
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

KIND_ORDER = ("utilities", "generators", "switchgear", "transformers", "ups", "pdus")


def sample(twin, ids: list[str], n: int, seed: int = 0) -> list[str]:
    """`n` contingencies drawn at random (seeded) from `ids`, stratified by kind.

    Each kind gets its share of `n` in proportion to its count, at least
    min(count, 8), so the rare kinds (the utility, the generators) are in.
    """
    kind = twin.power_nodes["kind"].reindex(ids)
    rng = np.random.default_rng(seed)
    out: list[str] = []
    for k in [*KIND_ORDER, *sorted(set(kind) - set(KIND_ORDER))]:
        pool = kind.index[kind == k].to_numpy()
        if not len(pool):
            continue
        take = min(len(pool), max(8, round(n * len(pool) / len(ids))))
        out += list(rng.choice(pool, take, replace=False))
    return out


Z_TIE_PU = 1e-7
"""Reactance, per unit on each source's own rating, of the ties that join the voltage
sources of one generation of islands to one hub slack (lightsim2grid takes one slack per
system): a source's voltage sits within Z_TIE_PU x its loading of its 1.0 pu set point."""


class LsPeer:
    """The exported net of one state as lightsim2grid GridModels, solved source by source.

    The export has one voltage source per island: the utility, each live
    generator, each double-conversion UPS output (~950 islands). lightsim2grid
    solves one connected system with one slack, so the islands are grouped in
    generations (every UPS output island before the island holding that UPS's
    input load), and each generation is one GridModel whose sources are tied to
    a hub slack at 1.0 pu by a near-zero reactance. Solving: per generation, set
    the UPS input loads from the UPS outputs solved before (loss curve, unity pf
    at the input), one AC power flow (Newton-Raphson, KLU). On this campus: two
    power flows per case, UPS side then source side.
    """

    def __init__(self, net, solver: str = "KLUSingleSlack") -> None:
        from lightsim2grid.lightsim2grid_cpp import GridModel, PandaPowerConverter, SolverType

        t0 = time.perf_counter()
        self.net = net
        nb = len(net.bus)
        pos = pd.Series(np.arange(nb), index=net.bus.index)
        # closed bus-bus switches (switchgear) fuse their buses: lightsim2grid ignores switches
        rep = np.arange(nb)
        sw = net.switch[(net.switch.et == "b") & net.switch.closed]
        if len(sw):
            a, b = pos[sw.bus].to_numpy(), pos[sw.element].to_numpy()
            _, lab = connected_components(
                sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(nb, nb)), directed=False
            )
            first = np.full(lab.max() + 1, nb)
            np.minimum.at(first, lab, np.arange(nb))
            rep = first[lab]
        self.rep = rep
        ln, tr, ld, sh = net.line, net.trafo, net.load, net.shunt
        lf, lt = rep[pos[ln.from_bus].to_numpy()], rep[pos[ln.to_bus].to_numpy()]
        th, tl = rep[pos[tr.hv_bus].to_numpy()], rep[pos[tr.lv_bus].to_numpy()]
        ld_bus, sh_bus = rep[pos[ld.bus].to_numpy()], rep[pos[sh.bus].to_numpy()]
        _, isl = connected_components(
            sp.coo_matrix(
                (np.ones(len(lf) + len(th)), (np.r_[lf, th], np.r_[lt, tl])), shape=(nb, nb)
            ),
            directed=False,
        )
        vn = net.bus.vn_kv.to_numpy(float)

        # voltage sources: the sources' ext_grids, and each double-conversion UPS output
        # (a slack gen in the export; an ext_grid in older exports)
        eg_t = net.ext_grid[net.ext_grid.in_service]
        gen_t = net.gen[net.gen.slack & net.gen.in_service] if len(net.gen) else net.gen
        self.n_eg = n_eg = len(eg_t)
        self.slack_rows = (eg_t.index, gen_t.index)
        self.src_bus = rep[pos[np.r_[eg_t.bus.to_numpy(), gen_t.bus.to_numpy()]].to_numpy()]
        self.src_vm = np.r_[eg_t.vm_pu.to_numpy(float), gen_t.vm_pu.to_numpy(float)]
        n_src = len(self.src_bus)
        names = pd.Index(np.r_[eg_t.name.to_numpy(object), gen_t.name.to_numpy(object)])
        rating = net["twin_element"]["rating_kva"].reindex(names.str.replace("ups_out:", ""))
        self.src_rating_pu = rating.fillna(net.sn_mva * 1000).to_numpy(float) / 1000 / net.sn_mva

        em = net["twin_element"]
        dc = em["ups_dc"].astype(bool)
        if ((em["ups_load"] >= 0) & ~dc).any():
            raise NotImplementedError("eco-mode UPS: its loss load depends on its own island")
        ups = em[(em["ups_load"] >= 0) & dc]
        if "ups_gen" in em:
            gen_pos = pd.Series(n_eg + np.arange(len(gen_t)), index=gen_t.index)
            self.ups_src = gen_pos[ups["ups_gen"].to_numpy()].to_numpy()
        else:
            eg_pos = pd.Series(np.arange(n_eg), index=eg_t.index)
            self.ups_src = eg_pos[ups["ups_grid"].to_numpy()].to_numpy()
        self.ups_load = pd.Series(np.arange(len(ld)), index=ld.index)[
            ups["ups_load"].to_numpy()
        ].to_numpy()
        self.ups_rating = ups["rating_kva"].to_numpy(float) / 1000.0
        self.ups_curve = ups[["loss_noload", "loss_prop", "loss_square"]].to_numpy(float)

        # islands with a source, in generations: a UPS output island before its input's island
        src_isl = isl[self.src_bus]
        busy = np.zeros(isl.max() + 1, bool)
        busy[isl[np.r_[lf, th, ld_bus, sh_bus]]] = True  # idle sources feed nothing: no solve
        deps = {int(k): set() for k in np.unique(src_isl[busy[src_isl]])}
        for s_i, l_i in zip(self.ups_src, self.ups_load, strict=True):
            if busy[isl[self.src_bus[s_i]]]:
                deps[int(isl[ld_bus[l_i]])].add(int(isl[self.src_bus[s_i]]))
        ts = graphlib.TopologicalSorter(deps)
        ts.prepare()
        gens = []
        while ts.is_active():
            ready = ts.get_ready()
            gens.append(np.array(ready, dtype=np.int64))
            ts.done(*ready)

        conv = PandaPowerConverter()
        conv.set_sn_mva(net.sn_mva)
        conv.set_f_hz(net.f_hz)
        r_l, x_l, h_or, h_ex = conv.get_line_param(
            (ln.r_ohm_per_km * ln.length_km).to_numpy(float),
            (ln.x_ohm_per_km * ln.length_km).to_numpy(float),
            (ln.g_us_per_km * ln.length_km).to_numpy(float),
            (ln.c_nf_per_km * ln.length_km).to_numpy(float),
            vn[lf],
            vn[lt],
        )
        zt = np.zeros(len(tr))
        r_t, x_t, b_t = conv.get_trafo_param_pp2(
            zt, zt, zt, [True] * len(tr), vn[th], vn[tl],
            tr.vk_percent.to_numpy(float), tr.vkr_percent.to_numpy(float),
            tr.sn_mva.to_numpy(float), tr.pfe_kw.to_numpy(float), tr.i0_percent.to_numpy(float),
        )  # fmt: skip
        p_ld, q_ld = ld.p_mw.to_numpy(float), ld.q_mvar.to_numpy(float)
        p_sh, q_sh = sh.p_mw.to_numpy(float), sh.q_mvar.to_numpy(float)
        kind = getattr(SolverType, solver)
        ups_pos = np.full(len(ld), -1)
        ups_pos[self.ups_load] = np.arange(len(self.ups_load))
        src_ups = np.full(n_src, -1)
        src_ups[self.ups_src] = np.arange(len(self.ups_src))

        self.models, self.parts = [], []
        for g in gens:
            in_g = np.isin(isl, g)
            buses = np.flatnonzero(in_g & (rep == np.arange(nb)))
            n = len(buses)
            loc = np.full(nb, -1, np.int64)
            loc[buses] = np.arange(n)
            li = np.flatnonzero(in_g[lf])
            ti = np.flatnonzero(in_g[th])
            di = np.flatnonzero(in_g[ld_bus])
            si = np.flatnonzero(in_g[sh_bus])
            src = np.flatnonzero(in_g[self.src_bus])
            # one source: the slack at its bus; several: each tied to a hub slack at 1.0 pu
            hub = len(src) > 1
            n_tie = len(src) if hub else 0
            m = GridModel()
            m.set_sn_mva(net.sn_mva)
            m.init_bus(n + hub, 1, np.r_[vn[buses], [1.0] * hub], len(li) + n_tie, len(ti))
            i32 = lambda a: np.asarray(a, np.int32)  # noqa: E731
            z0 = np.zeros(n_tie)
            x_tie = Z_TIE_PU / self.src_rating_pu[src] if hub else z0
            m.init_powerlines_full(
                np.r_[r_l[li], z0], np.r_[x_l[li], x_tie],
                np.r_[h_or[li], z0].astype(complex), np.r_[h_ex[li], z0].astype(complex),
                i32(np.r_[loc[lf[li]], np.full(n_tie, n)]),
                i32(np.r_[loc[lt[li]], loc[self.src_bus[src]][:n_tie]]),
            )  # fmt: skip
            if len(ti):
                z = np.zeros(len(ti))
                m.init_trafo_pandapower(
                    r_t[ti], x_t[ti], b_t[ti], z, z, z, [True] * len(ti),
                    i32(loc[th[ti]]), i32(loc[tl[ti]]), True,
                )  # fmt: skip
            m.init_loads(p_ld[di], q_ld[di], i32(loc[ld_bus[di]]))
            if len(si):
                m.init_shunt(p_sh[si], q_sh[si], i32(loc[sh_bus[si]]))
            slack_bus = n if hub else loc[self.src_bus[src[0]]]
            slack_vm = 1.0 if hub else self.src_vm[src[0]]
            m.init_generators(
                np.zeros(1),
                np.full(1, slack_vm),
                np.full(1, -1e9),
                np.full(1, 1e9),
                i32([slack_bus]),
            )
            m.add_gen_slackbus(0, 1.0)
            if kind in m.available_solvers():
                m.change_solver(kind)
            u_in = ups_pos[di] >= 0
            u_out = src_ups[src] >= 0
            self.models.append(m)
            self.parts.append(
                {"bus": buses, "line": li, "trafo": ti, "load": di, "shunt": si, "src": src,
                 "ups_in": (np.flatnonzero(u_in), ups_pos[di][u_in]),
                 "ups_out": (len(li) + np.flatnonzero(u_out), src_ups[src][u_out]), "hub": hub,
                 "V0": np.ones(n + hub, complex)}
            )  # fmt: skip
        self.s_out = np.zeros(len(self.ups_src), complex)
        self.V: list = []
        self.build_s = time.perf_counter() - t0

    def solve(self, max_iter: int = 20, tol: float = 1e-8) -> bool:
        """One AC power flow per generation, UPS inputs from their solved outputs. True if all converged."""
        ok, self.V = True, []
        for m, p in zip(self.models, self.parts, strict=True):
            li, rows = p["ups_in"]
            if len(li):
                s = self.s_out[rows]
                x = np.abs(s) / self.ups_rating[rows]  # the output bus is held at 1.0 pu
                c = self.ups_curve[rows]
                p_in = self.ups_rating[rows] * (c[:, 0] + c[:, 1] * x + c[:, 2] * x * x) + s.real
                for i, v in zip(li.tolist(), p_in.tolist(), strict=True):
                    m.change_p_load(i, v)
                    m.change_q_load(i, 0.0)
            V = m.ac_pf(p["V0"], max_iter, tol)
            if not len(V) or not np.isfinite(V).all():
                ok = False
                self.V.append(None)
                continue
            self.V.append(V)
            ti, rows = p["ups_out"]
            if len(ti):
                if p["hub"]:
                    p2, q2, _, _ = m.get_line_res2()
                    self.s_out[rows] = -(p2[ti] + 1j * q2[ti])  # what each tie delivers
                else:
                    pg, qg, _ = m.get_gen_res()
                    self.s_out[rows] = pg[0] + 1j * qg[0]
        return ok

    def write_results(self) -> None:
        """lightsim2grid's solution into the net's res_* tables (pandapower's columns and units),
        so `twin.interop.pandapower.element_results` reads it as it reads pandapower's."""
        net = self.net
        nb = len(net.bus)
        vm = np.full(nb, np.nan)
        line = np.zeros((len(net.line), 5))  # p_from, q_from, losses, i_from, i_to
        trafo = np.zeros((len(net.trafo), 5))  # p_hv, q_hv, losses, i_hv, i_lv
        load = np.zeros((len(net.load), 2))
        shunt = np.zeros((len(net.shunt), 2))
        src = np.zeros((len(self.src_bus), 2))
        for m, p, V in zip(self.models, self.parts, self.V, strict=True):
            if V is None:
                continue
            vm[p["bus"]] = np.abs(V[: len(p["bus"])])
            p1, q1, _, a1 = m.get_line_res1()
            p2, q2, _, a2 = m.get_line_res2()
            n_l = len(p["line"])
            line[p["line"]] = np.c_[p1[:n_l], q1[:n_l], p1[:n_l] + p2[:n_l], a1[:n_l], a2[:n_l]]
            if p["hub"]:
                src[p["src"]] = -np.c_[p2[n_l:], q2[n_l:]]
            else:
                pg, qg, _ = m.get_gen_res()
                src[p["src"]] = np.c_[pg, qg]
            if len(p["trafo"]):
                p1, q1, _, a1 = m.get_trafo_res1()
                p2, _, _, a2 = m.get_trafo_res2()
                trafo[p["trafo"]] = np.c_[p1, q1, p1 + p2, a1, a2]
            pl, ql, _ = m.get_loads_res()
            load[p["load"]] = np.c_[pl, ql]
            if len(p["shunt"]):
                ps, qs, _ = m.get_shunts_res()
                shunt[p["shunt"]] = np.c_[ps, qs]
        vm = vm[self.rep]  # fused buses share their representative's voltage
        idle = np.isnan(vm[self.src_bus])  # sources feeding nothing sit at their set point
        vm[self.src_bus[idle]] = self.src_vm[idle]
        net.res_bus = pd.DataFrame({"vm_pu": vm}, index=net.bus.index)
        ln, tr = net.line, net.trafo
        net.res_line = pd.DataFrame(
            {"p_from_mw": line[:, 0], "q_from_mvar": line[:, 1], "pl_mw": line[:, 2],
             "loading_percent": np.maximum(line[:, 3], line[:, 4]) / ln.max_i_ka.to_numpy(float) * 100},
            index=ln.index,
        )  # fmt: skip
        i_rated = np.maximum(
            trafo[:, 3] * tr.vn_hv_kv.to_numpy(float), trafo[:, 4] * tr.vn_lv_kv.to_numpy(float)
        )
        net.res_trafo = pd.DataFrame(
            {"p_hv_mw": trafo[:, 0], "q_hv_mvar": trafo[:, 1], "pl_mw": trafo[:, 2],
             "loading_percent": i_rated * np.sqrt(3) / tr.sn_mva.to_numpy(float) * 100},
            index=tr.index,
        )  # fmt: skip
        p_load = net.load.p_mw.to_numpy(float).copy()
        p_load[self.ups_load] = load[self.ups_load, 0]  # the UPS input loads as this peer set them
        net.load["p_mw"] = p_load
        net.res_load = pd.DataFrame(
            {"p_mw": load[:, 0], "q_mvar": load[:, 1]}, index=net.load.index
        )
        net.res_shunt = pd.DataFrame(
            {"p_mw": shunt[:, 0], "q_mvar": shunt[:, 1]}, index=net.shunt.index
        )
        n_eg = self.n_eg
        net.res_ext_grid = pd.DataFrame(
            {"p_mw": src[:n_eg, 0], "q_mvar": src[:n_eg, 1]}, index=self.slack_rows[0]
        )
        net.res_gen = pd.DataFrame(
            {"p_mw": src[n_eg:, 0], "q_mvar": src[n_eg:, 1], "vm_pu": self.src_vm[n_eg:]},
            index=self.slack_rows[1],
        )


def _cpu_wall(fn, *a, **kw):
    w, c = time.perf_counter(), time.process_time()
    out = fn(*a, **kw)
    return time.perf_counter() - w, time.process_time() - c, out


def run_peers(twin, base, flows, cases: list[str], tol_pp: float = 0.5) -> pd.DataFrame | None:
    """Both peers on each contingency in `cases`, checked against the twin's fast path.

    `flows`: the twin's `fast_power.solve_batch` over every power element, one
    outage each (contingency k = element k), built on the coupled base `base`;
    the peers get the same loads (racks, and the base's cooling draw held on
    the chain as the fast path holds it). One row per case: times (s), wall and
    CPU, of the twin's full AC solve of the failed state (`solve_power`, the
    non-fast path), the export, the lightsim2grid build, solve and read-back,
    pandapower's solve and its runpp count, the twin's full per-element table
    of that case from the fast path (`BatchFlows.column`), and each peer's largest loading difference from the
    twin (pp) over the elements both report; NaN where a peer did not solve.
    None without pandapower or lightsim2grid.
    """
    try:
        import lightsim2grid  # noqa: F401
        import pandapower as pp

        from twin.interop.pandapower import (
            _HAS_NUMBA,
            cooling_loads_kw,
            element_results,
            runpp_twin,
            to_pandapower,
        )
    except ImportError:
        return None
    from twin.model.scenario import Scenario
    from twin.solve.power import solve_power

    extra, _ = cooling_loads_kw(twin, base)
    pos = flows.base.m.pos
    kw = {"lightsim2grid": False, "numba": _HAS_NUMBA}
    rows = []
    for i, c in enumerate([cases[0], *cases]):  # the first, twice: a warm-up, not recorded
        sc = Scenario.fail(c)
        row = {"contingency": c, "kind": twin.power_nodes.at[c, "kind"]}
        row["twin_full_s"], _, res = _cpu_wall(solve_power, twin, sc, extra_loads_kw=extra)
        row["export_s"], _, net = _cpu_wall(to_pandapower, twin, sc, res, extra)
        w, _, col = _cpu_wall(flows.column, int(pos[c]))
        row["twin_case_s"] = w
        col = col[col["live"]]
        # lightsim2grid
        w, _, ls = _cpu_wall(LsPeer, net)
        row["ls_build_s"] = w
        try:
            row["ls_s"], row["ls_cpu_s"], ok = _cpu_wall(ls.solve)
        except RuntimeError:  # lightsim2grid's divergence errors
            row["ls_s"] = row["ls_cpu_s"] = np.nan
            ok = False
        if ok:
            row["ls_read_s"], _, _ = _cpu_wall(ls.write_results)
        d = _diff(element_results(net), col) if ok else np.nan
        row["ls_ok"], row["ls_d_pp"] = bool(ok and np.isfinite(d)), d
        # pandapower
        try:
            with np.errstate(all="ignore"):
                w, cpu, k = _cpu_wall(runpp_twin, net, fresh=True, **kw)
            d = _diff(element_results(net), col)
            ok = bool(net.converged) and np.isfinite(d)
        except pp.powerflow.LoadflowNotConverged:
            w = cpu = d = np.nan
            k, ok = 0, False
        row.update(pp_s=w, pp_cpu_s=cpu, pp_runpp=k, pp_ok=ok, pp_d_pp=d)
        if i:
            rows.append(row)
    out = pd.DataFrame(rows).set_index("contingency")
    out["ls_agree"] = out["ls_d_pp"] <= tol_pp
    out["pp_agree"] = out["pp_d_pp"] <= tol_pp
    return out


def _diff(peer: pd.DataFrame, twin_col: pd.DataFrame) -> float:
    """Largest |loading difference| (pp) over the live elements; NaN if the peer left any NaN or
    the two disagree on which elements are live."""
    if not peer.index.sort_values().equals(twin_col.index.sort_values()):
        return np.nan
    d = (peer["loading_pct"] - twin_col["loading_pct"].reindex(peer.index)).abs()
    return float(d.max()) if d.notna().all() else np.nan
