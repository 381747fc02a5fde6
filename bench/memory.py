"""Peak memory and stage times on the generated 1 GW campus (target: peak <= 1.5 GB).

Each stage set runs in a fresh subprocess so its peak resident set size
(VmHWM from /proc/self/status, else `getrusage(RUSAGE_SELF).ru_maxrss`: the OS high-water mark that
includes numpy/pandas buffers tracemalloc cannot see) belongs to it alone:

1. generate: build the campus document and write it as YAML;
2. load + build + solve: parse and validate the file, build the Twin, run the
   coupled solve (`twin.solve.run`) cold and warm, then the economics on it.

The peak of (2) is the figure held against the 1.5 GB target; the baseline is
the RSS after imports, so the table shows what the data itself costs.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_MB = 1536.0
IT_MW = 1000.0


def _rss_mb() -> float:
    """Peak RSS of this process so far, MB.

    Linux's VmHWM belongs to this process image; ru_maxrss is carried over from
    the parent across fork/exec, so after other benches it reports their peak.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _now_rss_mb() -> float:
    """Current RSS, MB (from /proc; falls back to the peak)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return _rss_mb()


def _child_generate(path: str, it_mw: float) -> dict:
    from twin.layout.generate import campus, to_yaml

    base = _rss_mb()
    t = time.perf_counter()
    doc = campus(it_mw)
    t_gen = time.perf_counter() - t
    t = time.perf_counter()
    Path(path).write_text(to_yaml(doc), encoding="utf-8")
    t_write = time.perf_counter() - t
    return {
        "generate_s": t_gen,
        "write_yaml_s": t_write,
        "yaml_mb": Path(path).stat().st_size / 2**20,
        "baseline_mb": base,
        "peak_mb": _rss_mb(),
    }


def _child_solve(path: str) -> dict:
    from twin.layout import load
    from twin.metrics.economics import economics
    from twin.model import Scenario, Twin
    from twin.solve import run

    out = {"baseline_mb": _rss_mb()}
    t = time.perf_counter()
    layout = load(path)
    out["load_s"] = time.perf_counter() - t
    out["after_load_mb"] = _now_rss_mb()
    t = time.perf_counter()
    twin = Twin.from_layout(layout)
    out["build_s"] = time.perf_counter() - t
    out["after_build_mb"] = _now_rss_mb()
    out["racks"] = len(twin.racks)
    out["it_mw"] = twin.it_kw / 1000
    t = time.perf_counter()
    res = run(twin, Scenario())
    out["solve_cold_s"] = time.perf_counter() - t
    warm = []
    for _ in range(3):
        t = time.perf_counter()
        res = run(twin, Scenario())
        warm.append(time.perf_counter() - t)
    out["solve_warm_s"] = statistics.median(warm)
    t = time.perf_counter()
    e = economics(twin, res)
    out["economics_s"] = time.perf_counter() - t
    out["facility_mw"] = e["facility_kw"] / 1000
    out["tokens_s"] = e["tokens_s"]
    out["tokens_s_per_mw_facility"] = e["tokens_s_per_mw_facility"]
    out["usd_per_mtok"] = e["usd_per_mtok"]
    out["peak_mb"] = _rss_mb()
    # after the peak is taken: the most tokens with the grid cut to 90 % of the facility draw
    from twin.metrics.whatif import best_cap_under_grid, with_grid_mw

    tight = with_grid_mw(twin, 0.9 * e["facility_kw"] / 1000)
    t = time.perf_counter()
    best, curve = best_cap_under_grid(tight)
    out["optimise_s"] = time.perf_counter() - t
    out["optimise_solves"] = len(curve)
    out["optimise_cap_kw"] = best["cap_kw"]
    out["optimise_tokens_s"] = best["tokens_s"]
    out["optimise_facility_mw"] = best["facility_kw"] / 1000
    out["optimise_grid_mw"] = tight.layout.site.grid_mw
    return out


def _spawn(stage: str, *args: str) -> dict:
    cmd = [sys.executable, "-m", "bench.memory", "--child", stage, *args]
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=root, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench.memory {stage} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(it_mw: float = IT_MW) -> dict:
    """Run both stages in subprocesses, print the table and return the numbers."""
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "campus.yaml")
        gen = _spawn("generate", path, str(it_mw))
        sol = _spawn("solve", path)
    ok = sol["peak_mb"] <= TARGET_MB
    rows = [
        (
            "campus",
            f"{sol['racks']:,} racks, {sol['it_mw']:,.0f} MW IT, YAML {gen['yaml_mb']:.1f} MB",
        ),
        ("generate", f"{gen['generate_s']:.2f} s (+ write YAML {gen['write_yaml_s']:.2f} s)"),
        ("load (parse + validate)", f"{sol['load_s']:.2f} s"),
        ("build Twin", f"{sol['build_s']:.2f} s"),
        ("coupled solve", f"{sol['solve_cold_s']:.3f} s cold, {sol['solve_warm_s']:.3f} s warm"),
        ("economics", f"{sol['economics_s'] * 1000:.0f} ms"),
        ("baseline RSS (imports)", f"{sol['baseline_mb']:.0f} MB"),
        ("RSS after load / build", f"{sol['after_load_mb']:.0f} / {sol['after_build_mb']:.0f} MB"),
        (
            "peak RSS load+build+solve",
            f"{sol['peak_mb']:.0f} MB (target <= {TARGET_MB:.0f} MB: {'OK' if ok else 'OVER'})",
        ),
        ("peak RSS generate", f"{gen['peak_mb']:.0f} MB"),
        (
            "grid optimum (grid 90 %)",
            f"{sol['optimise_s']:.1f} s, {sol['optimise_solves']} solves: cap "
            f"{sol['optimise_cap_kw'] or 0:.1f} kW, {sol['optimise_tokens_s'] / 1e9:.2f} G tokens/s at "
            f"{sol['optimise_facility_mw']:,.1f} MW <= {sol['optimise_grid_mw']:,.1f} MW",
        ),
        (
            "site",
            f"facility {sol['facility_mw']:,.0f} MW, {sol['tokens_s'] / 1e9:,.2f} G tokens/s, "
            f"{sol['tokens_s_per_mw_facility'] / 1e6:.2f} M tokens/s per facility MW, "
            f"{sol['usd_per_mtok']:.4f} USD/M tokens",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{width}}  {v}", flush=True)
    return {"generate": gen, "solve": sol, "within_target": ok}


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        stage = sys.argv[2]
        if stage == "generate":
            result = _child_generate(sys.argv[3], float(sys.argv[4]))
        else:
            result = _child_solve(sys.argv[3])
        print(json.dumps(result))
    else:
        main(float(sys.argv[1]) if len(sys.argv) > 1 else IT_MW)
