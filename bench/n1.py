"""Full N-1 of the generated 1 GW campus: the fast path vs full re-solves vs pandapower.

In one process: campus generation and build, the base coupled solve, the full
N-1 over every power element and cooling unit (fast path: wall and CPU time,
per contingency), the power-flow part alone (`fast_power.solve_batch` over
every power element: the like-for-like peer of a power-flow contingency
analysis), a sample of full coupled re-solves (`run` with one component
failed) projected to the whole list, and pandapower's cost of one
contingency on the exported network (`twin.interop.pandapower`: one element
out of service, warm `runpp`) and of its lightsim2grid contingency analysis,
with the ratios. Targets: full N-1 <= 10 s, >= 50x lightsim2grid per case.
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
from twin.scenarios.fast_power import solve_batch
from twin.scenarios.sweep import FastSweep, brute_force, contingencies, n1, sweep
from twin.solve import run


def _timed(fn, *args, **kw):
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args, **kw)
    return time.perf_counter() - w, time.process_time() - c, out


def _pandapower_case_s(twin, base, n: int = 3) -> float | None:
    """Median warm runpp time with one PDU feeder out of service (None without pandapower)."""
    try:
        import pandapower as pp

        from twin.interop.pandapower import _HAS_NUMBA, to_pandapower
    except ImportError:
        return None
    net = to_pandapower(twin, results=base)
    em = net["twin_element"]
    lines = em.loc[em["pdu_line"] >= 0, "pdu_line"].to_numpy()[: n + 1]
    kw = {"init": "flat", "numba": _HAS_NUMBA, "lightsim2grid": False}
    pp.runpp(net, **kw)  # first call compiles (numba); time the warm ones
    times = []
    for li in lines[1:]:
        net.line.loc[li, "in_service"] = False
        t = time.perf_counter()
        pp.runpp(net, **kw)
        times.append(time.perf_counter() - t)
        net.line.loc[li, "in_service"] = True
    return statistics.median(times)


def _ls2g_case_s(twin, base) -> tuple[float, int] | None:
    """Per-case cost of pandapower's lightsim2grid contingency analysis on the same network.

    lightsim2grid takes one slack: `bench.power.single_island` (same size, not the
    twin's physics). Only lightsim2grid's own
    compute + flows are timed: pandapower's post-processing fails on this network
    because every branch outage of a radial tree islands a subtree and lightsim2grid
    returns NaN for it (the twin answers those cases exactly).
    """
    try:
        import pandapower as pp
        import pandapower.contingency.contingency as cc
        from pandapower.contingency import run_contingency_ls2g

        from bench.power import single_island
        from twin.interop.pandapower import to_pandapower
    except ImportError:
        return None
    if not getattr(cc, "lightsim2grid_installed", False):
        return None
    net = single_island(to_pandapower(twin, results=base))
    net.line["max_loading_percent"] = net.trafo["max_loading_percent"] = 100.0
    net.bus["min_vm_pu"], net.bus["max_vm_pu"] = 0.9, 1.1
    with np.errstate(all="ignore"):
        pp.runpp(net, lightsim2grid=True, init="flat")
    spent = {}

    class Timed(cc.ContingencyAnalysisCPP):
        def compute(self, *a):
            t = time.perf_counter()
            r = super().compute(*a)
            spent["compute"] = time.perf_counter() - t
            return r

        def compute_flows(self):
            t = time.perf_counter()
            r = super().compute_flows()
            spent["flows"] = time.perf_counter() - t
            return r

    cases = {
        "line": {"index": net.line.index.to_numpy()},
        "trafo": {"index": net.trafo.index.to_numpy()},
    }
    n = len(net.line) + len(net.trafo)
    original, cc.ContingencyAnalysisCPP = cc.ContingencyAnalysisCPP, Timed
    try:
        with np.errstate(all="ignore"):
            run_contingency_ls2g(net, cases)
    except (ValueError, KeyError):
        pass  # post-processing of the all-NaN (islanded) results; the timing is taken
    finally:
        cc.ContingencyAnalysisCPP = original
    if "compute" not in spent:
        return None
    return (spent["compute"] + spent.get("flows", 0.0)) / n, n


def main(it_mw: float = 1000.0) -> dict:
    warnings.filterwarnings("ignore")
    w, _, doc = _timed(campus, it_mw=it_mw)
    wb, _, twin = _timed(lambda: Twin.from_layout(validate_data(doc, "campus")))
    cases = contingencies(twin)
    n_pow = len(contingencies(twin, ["power"]))
    print(
        f"campus {it_mw:,.0f} MW: {len(twin.racks):,} racks, {n_pow:,} power elements, "
        f"{len(cases) - n_pow:,} cooling units -> {len(cases):,} contingencies"
    )
    print(f"  generate + build            {w + wb:8.2f} s")
    wr, _, base = _timed(run, twin)
    wr2, _, base = _timed(run, twin)
    print(f"  base coupled solve          {wr:8.2f} s first, {wr2:.3f} s warm")
    wf, cf, table = _timed(n1, twin, base=base)
    per = wf / len(cases)
    print(f"  full N-1 (fast)             {wf:8.2f} s wall, {cf:.2f} s CPU  (target <= 10 s)")
    print(f"    per contingency           {per * 1e3:8.3f} ms")
    wp, cp, _ = _timed(sweep, twin, [(i,) for i in contingencies(twin, ["power"])], base=base)
    print(f"    power elements only       {wp:8.2f} s wall, {cp:.2f} s CPU (with cooling coupling)")
    pb = FastSweep(twin, base=base).pb
    one = [np.array([i]) for i in range(pb.m.n)]
    runs = [_timed(solve_batch, pb, one) for _ in range(5)]
    w_pf = statistics.median(r[0] for r in runs)
    c_pf = statistics.median(r[1] for r in runs)
    pf_case = w_pf / len(one)
    print(
        f"    power flows alone         {w_pf:8.3f} s wall, {c_pf:.3f} s CPU for {len(one):,} "
        f"outages: {pf_case * 1e6:.1f} us per case (median of 5)"
    )
    worst = table.iloc[0]
    print(
        f"    most severe: {worst['contingency']} ({worst['kinds']}): "
        f"IT lost {worst['it_lost_kw']:,.0f} kW, at risk {worst['it_at_risk_kw']:,.0f} kW"
    )
    sample = [c for c in cases if "UPS" in c][:2] + [c for c in cases if "CDU" in c][:1]
    full = statistics.median(_timed(run, twin, Scenario.fail(c))[0] for c in sample)
    pick = [(c,) for c in ("GRID", cases[n_pow // 2], *sample) if c in set(cases)]
    fast_rows = table.set_index("contingency").loc[["+".join(p) for p in pick]]
    full_rows = brute_force(twin, pick).set_index("contingency")
    d_load = (fast_rows["max_loading_pct"] - full_rows["max_loading_pct"]).abs().max()
    same = (fast_rows["it_lost_kw"] == full_rows["it_lost_kw"]).all()
    print(
        f"  fast vs coupled re-solve on {len(pick)} cases: IT lost equal: {same}, "
        f"max |loading diff| {d_load:.3f} %-points"
    )
    print(
        f"  full coupled re-solve       {full:8.3f} s per case -> {full * len(cases):,.0f} s "
        f"for all ({full / per:,.0f}x the fast path per case)"
    )
    out = {
        "n1_s": wf,
        "n1_cpu_s": cf,
        "per_case_s": per,
        "power_case_s": pf_case,
        "resolve_case_s": full,
    }
    pp_case = _pandapower_case_s(twin, base)
    if pp_case is None:
        print("  pandapower not installed: no peer timing")
    else:
        print(
            f"  pandapower runpp per case   {pp_case:8.3f} s -> {pp_case * len(cases):,.0f} s "
            f"for all; ratio pandapower / twin fast per case = {pp_case / per:,.0f}x"
        )
        out["pandapower_case_s"] = pp_case
    ls = _ls2g_case_s(twin, base)
    if ls is None:
        print("  pandapower contingency analysis with lightsim2grid: not available here")
    else:
        ls_case, n_ls = ls
        print(
            f"  pandapower + lightsim2grid contingency analysis: {ls_case * 1e3:.3f} ms per case "
            f"({n_ls:,} branch outages, results NaN where an outage islands a subtree)\n"
            f"    ratio / twin power flows per case = {ls_case / pf_case:,.1f}x (target >= 50x); "
            f"/ twin full coupled N-1 per case = {ls_case / per:,.1f}x"
        )
        out["ls2g_case_s"] = ls_case
    return out


if __name__ == "__main__":
    main()
