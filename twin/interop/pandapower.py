"""Export the power chain of one solved state as a pandapower network a peer can run as-is.

`to_pandapower(twin, scenario)` exports the state `twin solve` reports: the
coupled solve (`twin.solve.run`) with every electrical load on the chain.
`pandapower.runpp(net)` at pandapower's defaults (no options, no wrapper)
solves it, and the sum of `net.res_ext_grid.p_mw` is the twin's facility
power (tests/interop/test_export_plain_runpp.py: within 0.1 %, element
loadings within 0.5 pp, on every reference layout, the 1 GW campus and
failed states). Modelling choices, each the same physics as `twin.solve.power`:

- buses: each live power element is a bus (`name` = element id); a feeder
  cable is a line from the parent's bus to a terminal bus `"<id>:in"`
  (`max_i_ka` = the element's rated current); a zero-length cable is no line,
  the element's input is its parent's bus;
- sources (utilities, generators, turbines) are ext_grids at 1.0 pu (stiff
  sources: sc_mva is for fault studies). The ext_grids are exactly the
  facility's draws: their p_mw add up to facility power;
- a transformer is a trafo with vkr = pk_pct and vk = |r + jx| (series loss
  Pk x^2), no magnetising branch in the trafo (i0 = 0: the schema has no i0, so
  pandapower's default "t" and "pi" trafo models agree), and its no-load loss P0
  as a shunt conductance (p_mw at 1.0 pu, scales with V^2 like iron loss) on
  its primary terminal;
- switchgear and eco-mode UPS bypasses are closed bus-bus switches
  (`et="b"`), which pandapower fuses: exact, no zero-impedance branch;
- a PDU is a line of resistance R losing loss_pct at rated current. The twin's
  PDU has no reactance, and a branch with x = 0 makes pandapower's DC start
  (runpp's default init) divide by zero, so every branch with x = 0 (PDUs,
  cables with `cable_x_ohm_per_km: 0`) gets X = `X_OVER_R_MIN` x R
  (1e-6): its reactive loss is 1e-6 of its real loss; against x = 0 it moved
  voltages by < 1e-9 pu and loadings by < 1e-7 pp on the reference layouts.
  A PDU with loss_pct 0 has no resistance either: a closed switch, exact;
- a double-conversion UPS is a voltage source at its output: its output bus
  is a slack `gen` at 1.0 pu (name `"ups_out:<id>"`; a gen, not an ext_grid,
  so that the ext_grids stay the facility's draws), its output island is
  solved by pandapower. Its input terminal carries a load at unity pf of the
  input power the twin solved (output + loss curve loss). runpp cannot
  couple the two (no pandapower element is a lossy voltage-regulating
  converter), so that one number per UPS comes from the twin; pandapower's own
  output flow checks it: `ups_mismatch_kw(net)` is the input load minus what
  the loss curve gives for pandapower's output (0 to solver tolerance), and
  `runpp_twin(net, fresh=True)` re-solves it from pandapower's flows alone;
- an eco-mode UPS passes V and Q through (switch); its loss is a load at its
  input terminal;
- racks are two loads (one per live cord) with the solved A/B shares
  (PEERS.md: never one bus joining both trees);
- cooling: each cooling unit's electric draw (the registry's `electric_cols`
  of its result table: fans, compressors, pumps, chillers) as the coupled solve
  found it, summed per `feed` element, is a load `"cooling:<id>"` on that
  element's bus at `EXTRA_LOAD_PF` (0.9), as `twin.solve.run` puts it on the
  chain (`extra_loads_kw`); the power chain is then solved once more with
  exactly those loads, so every exported number belongs to one consistent
  power flow (it differs from the coupled solve's last power pass by the
  coupling tolerance: the facility power by < 1e-7 relative on the reference
  layouts and the campus). Units without a feed draw off the modelled chain: their total
  is a load on a bus `"off_chain"` with its own ext_grid `"off_chain"` (at the
  first utility's voltage, no impedance), so that the ext_grids still add up
  to facility power;
- only the live forest of the solved state is exported (failed and dead
  elements left out, transfers to alternates already made), so a `--fail`
  state runs as-is too.

runpp's default `lightsim2grid="auto"` stays on pandapower's own Newton-Raphson
for this net; `lightsim2grid=True` refuses it (lightsim2grid takes one slack
unless the slack is distributed, and every source and UPS output is one).

`net["twin_element"]` maps element ids to the pandapower rows, and
`element_results(net)` reads each element's loading, voltage and losses from a
solved net the way the twin defines them; `net["twin_kpis"]` holds the twin's
totals (facility_kw, it_kw, losses_kw, extra_on_chain_kw, ...) to compare
against.
"""

from __future__ import annotations

import numpy as np
import pandapower as pp
import pandas as pd

from twin.model import registry
from twin.model.registry import COOLING_UNITS, POWER_BRANCHES, POWER_SOURCES
from twin.model.scenario import Scenario
from twin.model.tables import ratings_kva
from twin.solve.arrays import feed_b_share
from twin.solve.power import EXTRA_LOAD_PF, solve_power
from twin.solve.power_model import KIND_CODE, PDU, SWG, TX, UPS, generator_kw_ratings
from twin.solve.results import SOLVER_KINDS

S_BASE_KVA = 1000.0

X_OVER_R_MIN = 1e-6
"""Reactance given to a branch that has none (a PDU's resistance, a cable with x = 0), as a
share of its resistance: pandapower's default DC start divides by every branch's x, so any
x > 0 will do, and the smaller the closer to the twin's pure R (1e-6: reactive loss 1e-6 of
the real loss; < 1e-9 pu and < 1e-7 pp from x = 0 on the reference layouts) [est]."""

try:
    import numba  # noqa: F401

    _HAS_NUMBA = True
except ImportError:  # pandapower runs without it, slower
    _HAS_NUMBA = False

MAP_COLUMNS = [
    "kind",
    "bus",
    "terminal",
    "line",
    "trafo",
    "pdu_line",
    "shunt",
    "ups_load",
    "ups_gen",
]
OFF_CHAIN = "off_chain"
"""Name of the bus, ext_grid and load of cooling drawn off the modelled chain."""


def cooling_loads_kw(twin, coupled) -> tuple[pd.Series, float]:
    """Cooling units' electric draw in a `twin.solve.run` result: kW per feed element, and kW
    drawn off the modelled chain (units without a feed).

    Each unit's draw is the sum of its kind's `electric_cols` (twin.model.registry) in its
    result table: what `twin.solve.run` puts on the chain as `extra_loads_kw`.
    """
    on, off = [], 0.0
    for table in COOLING_UNITS:
        units, kind = getattr(twin, table), registry.kind(table)
        if not len(units) or kind.res not in coupled.tables:
            continue
        res = coupled[kind.res]
        kw = res[list(kind.electric_cols)].sum(axis=1).reindex(units.index).fillna(0.0)
        feed = units["feed"] if "feed" in units else pd.Series(None, index=units.index)
        has = feed.notna().to_numpy()
        off += float(kw[~has].sum())
        if "feed_b" in units and units["feed_b"].notna().any():
            # dual-fed: split evenly between the live feeds, all on a lone survivor
            pn = coupled.tables.get("res_power_nodes")
            live = pn["live"] if pn is not None and "live" in pn else None
            fb = units["feed_b"]
            dual = fb.notna().to_numpy()
            if live is not None:
                la = feed.map(live).eq(True).to_numpy(bool)
                lb = fb.map(live).eq(True).to_numpy(bool)
            else:
                la = lb = np.ones(len(units), bool)
            share_b = feed_b_share(la, dual & lb)
            kw_b = kw * share_b
            kw = kw - kw_b
            on_b = dual & (share_b > 0)
            on.append(kw_b[on_b].groupby(fb[on_b].to_numpy()).sum())
        on.append(kw[has].groupby(feed[has].to_numpy()).sum())
    loads = pd.concat(on).groupby(level=0).sum() if on else pd.Series(dtype=float)
    return loads.astype(float), off


def to_pandapower(
    twin,
    scenario: Scenario | None = None,
    results=None,
    extra_loads_kw: pd.Series | None = None,
    *,
    cooling: bool = True,
):
    """A pandapower net of the live power chain in `scenario`, loaded as solved.

    By default the state `twin solve` reports: the coupled solve (`twin.solve.run`),
    cooling draw included, that plain `pandapower.runpp(net)` solves. With `results`
    (a `solve_power` result) that power state is exported, with `extra_loads_kw` the
    extra loads it carried; without `results` but with `extra_loads_kw`, or with
    `cooling=False`, the power chain alone (`solve_power`) is solved and exported.
    """
    scenario = scenario or Scenario()
    off_chain_kw, kpis, prefix = 0.0, {}, "extra"
    if results is None:
        if cooling and extra_loads_kw is None:
            from twin.solve import run

            coupled = run(twin, scenario)
            extra_loads_kw, off_chain_kw = cooling_loads_kw(twin, coupled)
            prefix = "cooling"
            kpis["twin_solve_facility_kw"] = float(coupled.kpis["facility_kw"])
            trust = coupled.violations["kind"].isin(SOLVER_KINDS)
            kpis["twin_solve_trusted"] = float(not trust.any())
            # heat the plant does not remove: its cooling loads are a plant at its limit
            kpis["twin_heat_unremoved_kw"] = float(coupled.kpis.get("heat_unremoved_kw", 0.0))
        results = solve_power(twin, scenario, extra_loads_kw=extra_loads_kw)
    m = _Params(twin)
    res = results["res_power_nodes"]
    live_s = twin.live_power_nodes(scenario.out_of_service)
    live = live_s.to_numpy()
    nodes = twin.power_nodes
    up_live = nodes["upstream"].map(live_s.to_dict()).eq(True)
    feeder = nodes["upstream"].where(up_live, nodes["alternate"])
    parent = np.where(m.is_source | ~live, -1, m.pos.reindex(feeder).fillna(-1).to_numpy(np.int64))
    ids = m.ids.to_numpy()

    net = pp.create_empty_network(name=f"{twin.name}: {scenario.name}", sn_mva=S_BASE_KVA / 1000)
    bus = np.full(m.n, -1, dtype=np.int64)
    bus[live] = pp.create_buses(net, int(live.sum()), vn_kv=m.v_kv[live], name=ids[live])
    emap = pd.DataFrame(-1, index=m.ids, columns=MAP_COLUMNS[1:])
    emap.insert(0, "kind", res["kind"])
    emap["bus"] = bus

    roots = np.flatnonzero(live & m.is_source)
    _ext_grids(net, bus[roots], list(ids[roots]))

    br = np.flatnonzero(live & ~m.is_source)
    has_cable = np.abs(m.zc_ohm[br]) > 0
    term = bus[parent[br]].copy()
    cab = br[has_cable]
    if len(cab):
        tb = pp.create_buses(
            net, len(cab), vn_kv=m.v_kv[parent[cab]], name=[f"{i}:in" for i in ids[cab]]
        )
        zc = m.zc_ohm[cab]
        i_r = m.rating_kva[cab] / (np.sqrt(3) * m.v_kv[parent[cab]]) / 1000.0
        lines = pp.create_lines_from_parameters(
            net, bus[parent[cab]], tb, length_km=1.0, r_ohm_per_km=zc.real,
            x_ohm_per_km=np.where(zc.imag > 0, zc.imag, X_OVER_R_MIN * zc.real),
            c_nf_per_km=0.0, max_i_ka=i_r, name=[f"cable:{i}" for i in ids[cab]],
        )  # fmt: skip
        term[has_cable] = tb
        emap.loc[ids[cab], "line"] = lines
    emap.loc[ids[br], "terminal"] = term
    tpos = pd.Series(term, index=br)

    tx = br[m.kind[br] == TX]
    if len(tx):
        zpu = m.z_el[tx] * m.rating_kva[tx] / S_BASE_KVA
        zpu = zpu.real + 1j * np.where(zpu.imag > 0, zpu.imag, X_OVER_R_MIN * zpu.real)
        t = twin.transformers.loc[ids[tx]]
        trafos = pp.create_transformers_from_parameters(
            net, tpos[tx].to_numpy(), bus[tx], sn_mva=m.rating_kva[tx] / 1000.0,
            vn_hv_kv=t["v_primary_kv"].to_numpy(), vn_lv_kv=t["v_secondary_kv"].to_numpy(),
            vkr_percent=zpu.real * 100.0, vk_percent=np.abs(zpu) * 100.0, pfe_kw=0.0,
            i0_percent=0.0, name=ids[tx],
        )  # fmt: skip
        emap.loc[ids[tx], "trafo"] = trafos
        p0 = m.g0[tx] * S_BASE_KVA / 1000.0
        shunts = pp.create_shunts(
            net, tpos[tx].to_numpy(), q_mvar=0.0, p_mw=p0, name=[f"p0:{i}" for i in ids[tx]]
        )
        emap.loc[ids[tx], "shunt"] = shunts

    is_pdu = m.kind[br] == PDU
    r_pdu = m.z_el[br].real * m.v_kv[br] ** 2 / (S_BASE_KVA / 1000.0)
    pdu = br[is_pdu & (r_pdu > 0)]
    if len(pdu):
        r_ohm = r_pdu[is_pdu & (r_pdu > 0)]
        lines = pp.create_lines_from_parameters(
            net, tpos[pdu].to_numpy(), bus[pdu], length_km=1.0, r_ohm_per_km=r_ohm,
            x_ohm_per_km=X_OVER_R_MIN * r_ohm, c_nf_per_km=0.0,
            max_i_ka=m.rating_kva[pdu] / (np.sqrt(3) * m.v_kv[pdu]) / 1000.0,
            name=[f"pdu:{i}" for i in ids[pdu]],
        )  # fmt: skip
        emap.loc[ids[pdu], "pdu_line"] = lines

    is_ups = m.kind[br] == UPS
    dc = br[is_ups & m.ups_dc[br]]
    lossless_pdu = is_pdu & ~(r_pdu > 0)
    through = br[(m.kind[br] == SWG) | (is_ups & ~m.ups_dc[br]) | lossless_pdu]
    if len(through):
        pp.create_switches(net, tpos[through].to_numpy(), bus[through], et="b", closed=True)
    ups = br[is_ups]
    if len(ups):
        p_in = (
            res["loss_kw"].to_numpy()[ups]
            + np.where(m.ups_dc[ups], res["p_out_kw"].to_numpy()[ups], 0)
        ) / 1000
        loads = pp.create_loads(
            net, tpos[ups].to_numpy(), p_mw=p_in, q_mvar=0.0, name=[f"ups:{i}" for i in ids[ups]]
        )
        emap.loc[ids[ups], "ups_load"] = loads
    if len(dc):  # slack gens: p_mw is the twin's output, runpp solves its own
        emap.loc[ids[dc], "ups_gen"] = pp.create_gens(
            net, bus[dc], p_mw=res["p_out_kw"].to_numpy()[dc] / 1000, vm_pu=1.0, slack=True,
            sn_mva=m.rating_kva[dc] / 1000, name=[f"ups_out:{i}" for i in ids[dc]],
        )  # fmt: skip

    _rack_loads(net, twin, m, results["res_racks"], bus)
    tan_extra = np.sqrt(1 - EXTRA_LOAD_PF**2) / EXTRA_LOAD_PF
    extra_on = 0.0
    if extra_loads_kw is not None and len(extra_loads_kw):
        ex = extra_loads_kw.groupby(level=0).sum()
        ex = ex[live[m.pos[ex.index].to_numpy()] & (ex.to_numpy() != 0)]
        extra_on = float(ex.sum())
        pp.create_loads(net, bus[m.pos[ex.index].to_numpy()], p_mw=ex.to_numpy() / 1000,
                        q_mvar=ex.to_numpy() * tan_extra / 1000,
                        name=[f"{prefix}:{i}" for i in ex.index])  # fmt: skip
    if off_chain_kw > 0:
        utilities = twin.power_nodes.index[twin.power_nodes["kind"] == "utilities"]
        v = m.v_kv[m.pos[utilities[0]]] if len(utilities) else float(m.v_kv[m.is_source][0])
        b = pp.create_bus(net, vn_kv=v, name=OFF_CHAIN)
        pp.create_ext_grid(net, b, vm_pu=1.0, name=OFF_CHAIN)
        pp.create_load(net, b, p_mw=off_chain_kw / 1000, q_mvar=off_chain_kw * tan_extra / 1000,
                       name=f"cooling:{OFF_CHAIN}")  # fmt: skip
    ups_par = twin.ups.reindex(m.ids[m.kind == UPS])
    emap["rating_kva"] = m.rating_kva
    emap["rating_kw"] = m.rating_kw
    emap["v_kv"] = m.v_kv
    for c in ("loss_noload", "loss_prop", "loss_square"):
        emap[c] = ups_par[c].reindex(m.ids).fillna(0.0).to_numpy() if len(ups_par) else 0.0
    emap["ups_dc"] = m.ups_dc
    net["twin_element"] = emap
    k = results.kpis
    kpis = {
        "facility_kw": float(k["facility_kw"]) + off_chain_kw,
        **kpis,
        "it_kw": float(k["it_kw"]),
        "losses_kw": float(k["losses_kw"]),
        "extra_on_chain_kw": extra_on,
        "cooling_off_chain_kw": off_chain_kw,
        "power_converged": float(k.get("power_converged", 1.0)),
    }
    net["twin_kpis"] = pd.DataFrame({"value": kpis}).rename_axis("kpi")
    return net


def _ext_grids(net, buses, names) -> np.ndarray:
    """Many 1.0 pu ext_grids at once (pandapower has no vectorised create for them)."""
    if not len(buses):
        return np.zeros(0, dtype=np.int64)
    first = pp.create_ext_grid(net, int(buses[0]), vm_pu=1.0, name=names[0])
    rest = len(buses) - 1
    if rest:
        rows = pd.concat([net.ext_grid.loc[[first]]] * rest)
        rows.index = pd.RangeIndex(first + 1, first + 1 + rest)
        rows["bus"] = np.asarray(buses[1:], dtype=net.ext_grid["bus"].dtype)
        rows["name"] = names[1:]
        net.ext_grid = pd.concat([net.ext_grid, rows])
    return np.arange(first, first + 1 + rest)


class _Params:
    """Export parameters straight from the Twin's tables (not the solver's arrays),
    so a slip in either conversion shows up in the comparison."""

    def __init__(self, twin) -> None:
        nodes = twin.power_nodes
        self.ids = nodes.index
        self.n = len(nodes)
        self.pos = pd.Series(np.arange(self.n), index=nodes.index)
        self.is_source = nodes["kind"].isin(POWER_SOURCES).to_numpy()
        code = nodes["kind"].map(KIND_CODE).to_numpy(np.int64)
        self.kind = np.where(self.is_source, -1, code)
        self.v_kv = nodes["v_kv"].to_numpy(float)
        self.rating_kva = ratings_kva(twin).to_numpy(float)
        kw = generator_kw_ratings(twin)  # the engine's kW rating, as the twin's solve reads it
        self.rating_kw = kw.reindex(self.ids).fillna(np.inf).to_numpy(float)
        self.zc_ohm = np.zeros(self.n, complex)
        self.z_el = np.zeros(self.n, complex)
        self.g0 = np.zeros(self.n)
        self.ups_dc = np.zeros(self.n, bool)
        for name in POWER_BRANCHES:
            t = getattr(twin, name)
            if not len(t):
                continue
            i = self.pos[t.index].to_numpy()
            z = (
                (t["cable_r_ohm_per_km"] + 1j * t["cable_x_ohm_per_km"])
                * t["cable_length_m"]
                / 1000
            )
            self.zc_ohm[i] = (z / t["cable_parallel"]).to_numpy()
        t = twin.transformers
        if len(t):
            i = self.pos[t.index].to_numpy()
            x = t["z_pct"] / 100 * t["x_r"] / np.sqrt(1 + t["x_r"] ** 2)
            self.z_el[i] = ((t["pk_pct"] / 100 + 1j * x) * S_BASE_KVA / t["rating_kva"]).to_numpy()
            self.g0[i] = (t["p0_pct"] / 100 * t["rating_kva"] / S_BASE_KVA).to_numpy()
        t = twin.pdus
        if len(t):
            i = self.pos[t.index].to_numpy()
            self.z_el[i] = (t["loss_pct"] / 100 * S_BASE_KVA / t["rating_kva"]).to_numpy()
        t = twin.ups
        if len(t):
            self.ups_dc[self.pos[t.index].to_numpy()] = (
                t["mode"] == "double-conversion"
            ).to_numpy()
        r = twin.racks
        self.rack_a = r["feed_a"].map(self.pos).fillna(-1).to_numpy(np.int64)
        self.rack_b = r["feed_b"].map(self.pos).fillna(-1).to_numpy(np.int64)


def _rack_loads(net, twin, m, res_racks, bus) -> None:
    """One load per live cord carrying its solved share."""
    for cord, feed in (("a", m.rack_a), ("b", m.rack_b)):
        p = res_racks[f"p_{cord}_kw"].to_numpy()
        on = (feed >= 0) & res_racks[f"live_{cord}"].to_numpy() & (p > 0)
        if on.any():
            pp.create_loads(
                net, bus[feed[on]], p_mw=p[on] / 1000.0,
                q_mvar=res_racks[f"q_{cord}_kvar"].to_numpy()[on] / 1000.0,
                name=[f"rack:{r}:{cord.upper()}" for r in res_racks.index[on]],
            )  # fmt: skip


def bus_outflow_mva(net) -> pd.Series:
    """Complex power (MVA) leaving each bus downstream: line from-ends, trafo HV sides, loads, shunts.

    The export always orients branches away from the source, so this is the
    power an element's bus passes on.
    """
    s = np.zeros(len(net.bus), complex)
    pos = pd.Series(np.arange(len(net.bus)), index=net.bus.index)

    def add(buses, p, q):
        b = pos[np.asarray(buses)].to_numpy()
        np.add.at(
            s, b, np.nan_to_num(np.asarray(p, float)) + 1j * np.nan_to_num(np.asarray(q, float))
        )

    add(net.line.from_bus, net.res_line.p_from_mw, net.res_line.q_from_mvar)
    add(net.trafo.hv_bus, net.res_trafo.p_hv_mw, net.res_trafo.q_hv_mvar)
    add(net.load.bus, net.res_load.p_mw, net.res_load.q_mvar)
    add(net.shunt.bus, net.res_shunt.p_mw, net.res_shunt.q_mvar)
    return pd.Series(s, index=net.bus.index)


def _ups_input_mw(net, u: pd.DataFrame) -> np.ndarray:
    """Input power (MW) of UPS rows `u` from pandapower's solved output flow and the loss curve."""
    out = bus_outflow_mva(net)
    s_out = out[u["bus"].to_numpy()].to_numpy()
    vm = net.res_bus.vm_pu[u["bus"].to_numpy()].to_numpy()
    rating_mva = u["rating_kva"].to_numpy() / 1000.0
    x = np.abs(s_out) / vm / rating_mva
    loss = rating_mva * (u["loss_noload"] + u["loss_prop"] * x + u["loss_square"] * x**2).to_numpy()
    return loss + np.where(u["ups_dc"].to_numpy(bool), s_out.real, 0.0)


def ups_mismatch_kw(net) -> pd.Series:
    """Per UPS: its input load minus what its loss curve gives for pandapower's solved output (kW).

    The export sets each UPS input load from the twin's solve; after `runpp` this is
    pandapower's own check of that number (0 to solver tolerance when the two agree).
    """
    em = net["twin_element"]
    u = em[em["ups_load"] >= 0]
    if not len(u):
        return pd.Series(dtype=float)
    p_in = net.load.loc[u["ups_load"].to_numpy(), "p_mw"].to_numpy()
    return pd.Series((p_in - _ups_input_mw(net, u)) * 1000.0, index=u.index)


def _ups_update(net) -> float:
    """Set each UPS input load from pandapower's own output flow; return the largest change (MW)."""
    em = net["twin_element"]
    u = em[em["ups_load"] >= 0]
    if not len(u):
        return 0.0
    p_new = _ups_input_mw(net, u)
    li = u["ups_load"].to_numpy()
    change = float(np.abs(net.load.loc[li, "p_mw"].to_numpy() - p_new).max())
    net.load.loc[li, "p_mw"] = p_new
    return change


def runpp_twin(net, tol_mw: float = 1e-7, max_iter: int = 20, fresh: bool = False, **kw) -> int:
    """`pp.runpp`, repeated until each UPS input load matches its output through the loss curve.

    Not needed to solve an export (plain `pp.runpp(net)` does); this is the
    independent check: `fresh` first zeroes the UPS input loads the export carried
    over from the twin, so the result owes nothing to the twin's solution but the
    rack and cooling loads. Returns the number of runpp calls. Keyword arguments go
    to runpp.
    """
    if fresh:
        em = net["twin_element"]
        net.load.loc[em.loc[em["ups_load"] >= 0, "ups_load"].to_numpy(), "p_mw"] = 0.0
    kw.setdefault("tolerance_mva", 1e-8)
    for k in range(1, max_iter + 1):
        pp.runpp(net, **kw)
        if _ups_update(net) < tol_mw:
            return k
    return max_iter


def element_results(net) -> pd.DataFrame:
    """pandapower's solution per twin element: vm_pu, vm_in_pu, p_out_kw, q_out_kvar,
    loading_pct, loss_kw, loss_cable_kw.

    vm_in_pu: the voltage at the element's input terminal (its `"<id>:in"` bus at the end of
    its feeder cable, the parent's bus without a cable; NaN for sources), the twin's
    `res_power_nodes.vm_in_pu`.

    Loading: pandapower's own trafo and PDU-line loading; for other elements
    the current leaving the bus against rated current, for sources the ext_grid
    apparent power against rating, or for a generator its real power against its kW
    rating where that is higher (the twin's definition, `power_model.source_loading_pct`).
    """
    em = net["twin_element"]
    em = em[em["bus"] >= 0]
    out = bus_outflow_mva(net)
    b = em["bus"].to_numpy()
    s = out[b].to_numpy()
    vm = net.res_bus.vm_pu[b].to_numpy()
    loading = np.abs(s) / vm / (em["rating_kva"].to_numpy() / 1000.0) * 100.0
    df = pd.DataFrame(
        {
            "vm_pu": vm,
            "vm_in_pu": _pick(net.res_bus.vm_pu, em["terminal"], np.nan),
            "p_out_kw": s.real * 1000,
            "q_out_kvar": s.imag * 1000,
            "loading_pct": loading,
        },
        index=em.index,
    )
    names = net.ext_grid["name"]
    is_src = names.isin(em.index[em["kind"].isin(POWER_SOURCES)]).to_numpy()
    if is_src.any():
        eg = net.res_ext_grid[is_src]
        rating = em.loc[names[is_src], "rating_kva"].to_numpy() / 1000.0
        rating_mw = em.loc[names[is_src], "rating_kw"].to_numpy() / 1000.0
        df.loc[names[is_src], "loading_pct"] = 100.0 * np.maximum(
            np.hypot(eg.p_mw, eg.q_mvar).to_numpy() / rating, eg.p_mw.to_numpy() / rating_mw
        )
    tr = em[em["trafo"] >= 0]
    df.loc[tr.index, "loading_pct"] = net.res_trafo.loading_percent[tr["trafo"]].to_numpy()
    pl = em[em["pdu_line"] >= 0]
    df.loc[pl.index, "loading_pct"] = net.res_line.loading_percent[pl["pdu_line"]].to_numpy()
    loss = np.zeros(len(em))
    loss += _pick(net.res_trafo.pl_mw, em["trafo"]) + _pick(net.res_shunt.p_mw, em["shunt"])
    loss += _pick(net.res_line.pl_mw, em["pdu_line"])
    ups_in = _pick(net.load.p_mw, em["ups_load"])
    loss += np.where(
        em["ups_dc"].to_numpy(bool),
        ups_in - np.where(em["ups_load"] >= 0, df["p_out_kw"] / 1000, 0),
        ups_in,
    )
    df["loss_kw"] = loss * 1000
    df["loss_cable_kw"] = _pick(net.res_line.pl_mw, em["line"]) * 1000
    return df


def _pick(values: pd.Series, rows: pd.Series, fill: float = 0.0) -> np.ndarray:
    """values[rows] where rows >= 0, else `fill`."""
    r = rows.to_numpy()
    out = np.full(len(r), fill)
    ok = r >= 0
    out[ok] = values.loc[r[ok]].to_numpy()
    return out


def totals_kw(net) -> dict[str, float]:
    """facility_kw (every ext_grid: the sources and any off-chain draw) and losses_kw from a solved export."""
    el = element_results(net)
    return {
        "facility_kw": float(net.res_ext_grid.p_mw.sum() * 1000),
        "losses_kw": float(el["loss_kw"].sum() + el["loss_cable_kw"].sum()),
    }
