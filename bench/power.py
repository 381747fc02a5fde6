"""Power chain benchmark on the generated ~1 GW campus: twin's solve vs pandapower runpp.

Times, in one process: campus generation, validate + build, the first solve
(builds the cached PowerModel), warm solves (median of 5, normal and with a
UPS failed), the pandapower export, and pandapower's warm `runpp` on the
exported network (plain, and with lightsim2grid when importable). Prints the
ratios and how far the two solutions are apart.
"""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np

from twin.layout.generate import campus
from twin.layout.validate import validate_data
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve.power import solve_power


def _timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t, out


def _median(fn, n: int = 5) -> float:
    return statistics.median(_timed(fn)[0] for _ in range(n))


def single_island(net):
    """A copy of the export that lightsim2grid can take (one slack): every
    double-conversion UPS bypassed (its island fused into its input bus, its input
    load cut to its loss), closed bus-bus switches fused, idle sources and the buses
    they leave unsupplied dropped, continuous bus index. Same size, not the twin's
    physics: for timing peers only."""
    import copy

    import numpy as np
    import pandapower as pp
    import pandapower.topology as top

    one = copy.deepcopy(net)
    em = one["twin_element"]
    dc = em[em["ups_gen"] >= 0]
    one.gen = one.gen.iloc[0:0]  # the UPS output slacks: fused into their input buses below
    one.ext_grid = one.ext_grid[one.ext_grid["name"].isin(em.index[em["kind"] == "utilities"])]
    one.load.loc[dc["ups_load"].to_numpy(), "p_mw"] = 0.01 * dc["rating_kva"].to_numpy() / 1000
    for b, t in zip(dc["bus"].to_numpy(), dc["terminal"].to_numpy(), strict=True):
        pp.toolbox.fuse_buses(one, int(b), int(t))
    sw = one.switch[(one.switch.et == "b") & one.switch.closed]
    for b, e in zip(sw.bus.to_numpy(), sw.element.to_numpy(), strict=True):
        if b != e and b in one.bus.index and e in one.bus.index:
            pp.toolbox.fuse_buses(one, int(b), int(e))
    pp.toolbox.drop_buses(one, top.unsupplied_buses(one))
    pp.toolbox.create_continuous_bus_index(one)
    one.line.loc[one.line.x_ohm_per_km <= 0, "x_ohm_per_km"] = 1e-6
    with np.errstate(all="ignore"):
        pp.runpp(one, lightsim2grid=False, init="flat")
    return one


def main(it_mw: float = 1000.0) -> dict:
    warnings.filterwarnings("ignore")
    t_gen, doc = _timed(campus, it_mw=it_mw)
    t_build, twin = _timed(lambda: Twin.from_layout(validate_data(doc, "campus")))
    n_nodes, n_racks = len(twin.power_nodes), len(twin.racks)
    print(f"campus {it_mw:,.0f} MW: {n_racks:,} racks, {n_nodes:,} power elements")
    print(f"  generate                    {t_gen:8.3f} s")
    print(f"  validate + build Twin       {t_build:8.3f} s")
    t_first, res = _timed(solve_power, twin)
    print(f"  twin solve, first           {t_first:8.4f} s  (builds the cached PowerModel)")
    t_warm = _median(lambda: solve_power(twin))
    ups = twin.ups.index[0]
    fail = Scenario.fail(ups)
    t_fail = _median(lambda: solve_power(twin, fail))
    print(f"  twin solve, warm (median 5) {t_warm:8.4f} s  ({res.kpis['power_sweeps']:.0f} sweeps)")
    print(f"  twin solve, {ups} failed {t_fail:8.4f} s")
    out = {"twin_first_s": t_first, "twin_warm_s": t_warm, "twin_fail_s": t_fail}
    try:
        import pandapower as pp

        from twin.interop.pandapower import (
            _HAS_NUMBA,
            element_results,
            runpp_twin,
            to_pandapower,
            totals_kw,
        )
    except ImportError:
        print("  pandapower not installed: no peer timing")
        return out
    t_exp, net = _timed(to_pandapower, twin, Scenario(), res)
    print(
        f"  export to pandapower        {t_exp:8.3f} s  ({len(net.bus):,} buses, "
        f"{len(net.line) + len(net.trafo):,} branches, {len(net.ext_grid):,} ext_grids)"
    )
    kw = {"lightsim2grid": False, "init": "flat", "numba": _HAS_NUMBA}
    t_cold, _ = _timed(pp.runpp, net, **kw)
    t_pp = _median(lambda: pp.runpp(net, **kw), 3)
    print(
        f"  pandapower runpp, first     {t_cold:8.3f} s  (numba {'on' if _HAS_NUMBA else 'not installed'})"
    )
    print(
        f"  pandapower runpp, warm      {t_pp:8.3f} s  -> {t_pp / t_warm:6.1f} x the twin's warm solve"
    )
    out["pp_warm_s"] = t_pp
    try:
        import lightsim2grid  # noqa: F401

        one = single_island(net)
        ls = {**kw, "lightsim2grid": True}
        pp.runpp(one, **ls)
        t_ls = _median(lambda: pp.runpp(one, **ls), 3)
        t_one = _median(lambda: pp.runpp(one, **kw), 3)
        print(
            f"  single-island variant (UPS bypassed, lightsim2grid takes one slack): "
            f"runpp {t_one:.3f} s, + lightsim2grid {t_ls:.3f} s -> {t_ls / t_warm:.1f} x"
        )
        out["pp_ls_warm_s"] = t_ls
    except ImportError:
        print("  lightsim2grid not installed: skipped")
    t_loop, n = _timed(runpp_twin, net, fresh=True, **kw)
    print(f"  runpp_twin (UPS loss fixpoint, {n} runpp) {t_loop:6.3f} s")
    el = element_results(net)
    tw = res["res_power_nodes"].loc[el.index]
    tot = totals_kw(net)
    d_load = float(np.abs(el["loading_pct"] - tw["loading_pct"]).max())
    d_vm = float(np.abs(el["vm_pu"] - tw["vm_pu"]).max())
    d_loss = abs(tot["losses_kw"] / res.kpis["losses_kw"] - 1)
    print(
        f"  twin vs pandapower: max |d loading| {d_load:.2e} pp, max |d vm| {d_vm:.2e} pu, "
        f"losses {d_loss:.2e} relative"
    )
    out.update(d_loading_pp=d_load, d_vm_pu=d_vm, d_loss_rel=d_loss)
    return out


if __name__ == "__main__":
    main()
