"""Full N-1 of the generated 1 GW campus: the fast path vs full re-solves vs peers doing the same work.

In one process: campus generation and build, the base coupled solve, the full
N-1 over every power element and cooling unit (the fast screen: wall and CPU
time, per contingency; and as `n1` runs it, the at-risk cases re-solved in
full), the power-flow part alone (`fast_power.solve_batch` over
every power element, one outage each), a sample of full coupled re-solves
(`run` with one component failed) projected to the whole list, and two peers
that solve each outage under the same failover rules (`bench.n1_peers`):
lightsim2grid (C++ Newton-Raphson) and pandapower `runpp`, on the network of
the failed state that `twin.interop.pandapower.to_pandapower` exports, on a
random (seeded) sample of power-element outages stratified by kind. Only the
peers' solves are timed (export and model build are printed apart); cases a
peer leaves unsolved (NaN) are counted and left out of its ratios; every case
both solve is checked against the twin's loadings (0.5 pp).

`python -m bench.n1 --sample 240 --seed 0` (defaults); `--sample 0` skips the peers.
Target: full N-1 <= 10 s.
"""

from __future__ import annotations

import os
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


def _peers(twin, base, flows, n_flows, w_pf, c_pf, sample_n, seed) -> dict:
    """The peers of `bench.n1_peers` on a stratified sample; ratios against the twin's power flows."""
    from bench.n1_peers import run_peers, sample

    pick = sample(twin, contingencies(twin, ["power"]), sample_n, seed)
    t0 = time.perf_counter()
    tab = run_peers(twin, base, flows, pick)
    if tab is None:
        print("  peers: pandapower or lightsim2grid not installed (pip install -e '.[bench]')")
        return {}
    by_kind = ", ".join(f"{n} {k}" for k, n in tab["kind"].value_counts().items())
    print(
        f"  peers, each outage solved under the twin's failover rules: {len(tab)} power-element "
        f"outages drawn with seed {seed} ({by_kind}); {time.perf_counter() - t0:.0f} s in all"
    )
    print(
        f"    export of each failed state (to_pandapower, not timed below): median "
        f"{tab['export_s'].median():.2f} s"
    )
    pf_case, pf_cpu = w_pf / n_flows, c_pf / n_flows
    tw = tab["twin_case_s"]
    print(
        f"    twin, per case: {pf_case * 1e6:.1f} us wall, {pf_cpu * 1e6:.1f} us CPU in the batch "
        f"(above); one case's full per-element table (BatchFlows.column) {tw.median() * 1e3:.2f} ms; "
        f"full AC solve of the failed state (solve_power, no fast path) "
        f"{tab['twin_full_s'].median() * 1e3:.1f} ms (medians)"
    )
    out = {"peer_cases": len(tab)}
    labels = {
        "ls": "lightsim2grid 0.13 GridModel (KLU), one AC power flow per island generation",
        "pp": "pandapower runpp_twin (runpp until the UPS inputs settle)",
    }
    for name, label in labels.items():
        ok = tab[f"{name}_ok"].astype(bool)
        t, cpu, d = (tab.loc[ok, f"{name}{c}"] for c in ("_s", "_cpu_s", "_d_pp"))
        print(f"    {label}")
        if not ok.any():
            print(f"      solved 0 of {len(tab)}: no ratio")
            continue
        extra = ""
        if name == "ls":
            extra = (
                f"; not timed: model build {tab['ls_build_s'].median() * 1e3:.0f} ms, "
                f"results read back {tab['ls_read_s'].median() * 1e3:.0f} ms (medians)"
            )
        else:
            n_pp = tab.loc[ok, "pp_runpp"]
            extra = f"; {n_pp.median():.0f} runpp per case ({n_pp.min()}-{n_pp.max()})"
        print(
            f"      solved {ok.sum()} of {len(tab)} (NaN or not converged: {(~ok).sum()}); "
            f"per case {t.median() * 1e3:.1f} ms median, {t.quantile(0.1) * 1e3:.1f}-"
            f"{t.quantile(0.9) * 1e3:.1f} ms p10-p90, {t.mean() * 1e3:.1f} ms mean{extra}"
        )
        print(
            f"      ratio peer / twin per case (mean over solved cases): {t.mean() / pf_case:,.0f}x "
            f"wall, {cpu.mean() / pf_cpu:,.0f}x CPU; vs the twin's full table of one case "
            f"{t.median() / tw.median():,.1f}x, vs its full AC solve "
            f"{t.median() / tab['twin_full_s'].median():,.2f}x (medians)"
        )
        print(
            f"      agreement with the twin: {int((d <= 0.5).sum())} of {ok.sum()} cases within "
            f"0.5 pp on every live element; max |d loading| {d.max():.1e} pp"
        )
        med = tab.loc[ok].groupby("kind")[f"{name}_s"].median() * 1e3
        print("      median by kind: " + ", ".join(f"{k} {v:.1f} ms" for k, v in med.items()))
        out.update(
            {
                f"{name}_case_s": t.mean(),
                f"{name}_nan": int((~ok).sum()),
                f"{name}_max_d_pp": d.max(),
            }
        )
    return out


def main(it_mw: float = 1000.0, sample_n: int = 240, seed: int = 0) -> dict:
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
    wf, cf, table = _timed(n1, twin, base=base, verify=False)
    per = wf / len(cases)
    print(f"  full N-1, fast screen       {wf:8.2f} s wall, {cf:.2f} s CPU  (target <= 10 s)")
    print(f"    per contingency           {per * 1e3:8.3f} ms")
    wv, cv, verified = _timed(n1, twin, base=base)
    n_v = int(verified["verified"].sum())
    print(
        f"  full N-1, at-risk re-solved {wv:8.2f} s wall, {cv:.2f} s CPU  "
        f"({n_v:,} of {len(verified):,} rows re-solved with twin.solve.run)"
    )
    wp, cp, _ = _timed(
        sweep, twin, [(i,) for i in contingencies(twin, ["power"])], base=base, verify=False
    )
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
    if sample_n:
        out.update(_peers(twin, base, runs[-1][2], len(one), w_pf, c_pf, sample_n, seed))
    la = os.getloadavg()
    print(
        f"  load average at the end (1/5/15 min): {la[0]:.2f} {la[1]:.2f} {la[2]:.2f} on {os.cpu_count()} cores"
    )
    return out


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(prog="python -m bench.n1", description=__doc__.split("\n")[0])
    ap.add_argument("--it-mw", type=float, default=1000.0)
    ap.add_argument("--sample", type=int, default=240, help="peer cases (0: no peers)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    main(a.it_mw, a.sample, a.seed)
