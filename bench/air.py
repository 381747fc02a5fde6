"""Air-side recirculation model: build and solve time and peak memory, one hall of 1k/5k/20k racks.

Each case runs in a fresh subprocess (its own peak RSS) on a Twin built from
the campus generator's hall (`twin.layout.generate.site`, air-cooled
`npu-inference` racks, its power and cooling), in two shapes:

- narrow: the generator's rows of 16 racks, longer rows once the hall would
  be deeper than the schema's 1,000 m (20,000 racks: rows of 55, 33 x 1,000 m);
- square: the same racks in rows as long as the hall is deep, the densest
  neighbourhoods (most rack pairs within the recirculation cutoff).

Timed: `build_air_model` (the recirculation shares and their factorisation)
and `solve_air` twice, once for a new rack power vector and once for the same
one again. Peak memory is the resident set's high-water mark during those
calls minus the resident set before them (the Twin and the imports), read
from /proc/self/status after resetting the mark through /proc/self/clear_refs
(Linux); where that is not possible the figure includes the Twin build.

The child runs under an address-space limit (`LIMIT_GB`), so a model that
needs more memory fails with a MemoryError instead of pushing the machine
into swap.

    python -m bench.air              # every size, both shapes
    python -m bench.air 5000 square  # one case
    python -m bench.air field 100    # the air field's build time for a 100-rack hall
"""

from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

SIZES = (1_000, 5_000, 20_000)
SHAPES = ("narrow", "square")
LIMIT_GB = 10.0
CONTAINMENT = "none"  # the most recirculation: the model's hardest case
MAX_ROWS = 360  # 180 row pairs at 5.4 m: a hall within the schema's 1,000 m


def _hwm_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return _hwm_mb()


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def hall_layout(n: int, per_row: int = 16, containment: str = CONTAINMENT) -> dict:
    """A one-hall layout document: `n` air-cooled racks in rows of `per_row`, pairs back to back.

    The generator's hall (power, CRAHs, rows facing across 1.2 m hot and 1.8 m
    cold aisles), re-flowed into rows of `per_row` racks when that is not 16.
    """
    from twin.layout import generate as g

    n_rows = math.ceil(n / g.RACKS_PER_ROW)
    doc = g.site(
        f"one hall of {n} racks",
        [g.HallSpec("H1", [("npu-inference", n_rows)], containment=containment)],
    )
    hall = doc["halls"][0]
    hall["racks"] = hall["racks"][:n]
    if n > 20_000:  # keep the site within the schema's 2 GVA per element: lighter racks
        for rack in hall["racks"]:
            rack["power_kw"] = round(25.0 * 20_000 / n, 3)
        for items in doc["power"].values():
            for item in items:
                if item.get("rating_kva", 0) > 2e6:
                    item["rating_kva"] = 2e6
    if per_row != g.RACKS_PER_ROW:
        rows = math.ceil(n / per_row)
        hall["rows"] = [
            {
                "id": f"H1-S{i + 1:04d}",
                "origin_m": [
                    g.HALL_MARGIN_M,
                    round(g.HALL_MARGIN_M + (i // 2) * g.ROW_PAIR_PITCH_M + 0.6 + (i % 2) * 2.4, 3),
                ],
                "axis": "x",
                "facing": "+" if i % 2 else "-",
            }
            for i in range(rows)
        ]
        for k, rack in enumerate(hall["racks"]):
            rack["row"] = f"H1-S{k // per_row + 1:04d}"
            rack["slot"] = k % per_row
        hall["size_m"] = [
            round(2 * g.HALL_MARGIN_M + per_row * 0.6, 3),
            round(2 * g.HALL_MARGIN_M + math.ceil(rows / 2) * g.ROW_PAIR_PITCH_M, 3),
        ]
        # the generator placed the units on its own floor: spread them along the re-flowed
        # one, each in the side margin nearer its old place (off the rows, which a unit may
        # not stand on: twin.layout.floor_check)
        w0, d0 = (max(c["position_m"][k] for c in doc["cooling"]["crahs"]) for k in (0, 1))
        width = hall["size_m"][0]
        for c in doc["cooling"]["crahs"]:
            x, y = c["position_m"]
            west = x < (w0 + 2.0) / 2
            c["position_m"] = [
                g.HALL_MARGIN_M / 2 if west else round(width - g.HALL_MARGIN_M / 2, 3),
                round(y * hall["size_m"][1] / (d0 + 2.0), 3),
            ]
    return doc


def per_row_of(n: int, shape: str) -> int:
    """Racks per row: a narrow hall's (16, or enough to stay within 1,000 m) or a square one's."""
    if shape == "narrow":
        return max(16, math.ceil(n / MAX_ROWS))
    return max(16, round(math.sqrt(n * 0.6 * 2.7) / 0.6))


def _child(n: int, shape: str) -> dict:
    import numpy as np

    from twin.layout.validate import validate_data
    from twin.model import Twin
    from twin.solve import airflow

    t = time.perf_counter()
    twin = Twin.from_layout(validate_data(hall_layout(n, per_row_of(n, shape)), "bench"))
    out = {"racks": len(twin.racks), "twin_s": time.perf_counter() - t}
    air = twin.racks["power_kw"].to_numpy(float) * (1 - twin.racks["liquid_fraction"].to_numpy())
    n_units = len(twin.crahs)
    running, t_coil = np.ones(n_units, bool), np.full(n_units, 14.0)
    extra = np.zeros(len(twin.halls))
    out["reset_hwm"] = _reset_hwm()
    base = _rss_mb()
    try:
        t = time.perf_counter()
        model = airflow.build_air_model(twin)
        out["build_s"] = time.perf_counter() - t
        t = time.perf_counter()
        res = airflow.solve_air(twin, model, air, extra, running, t_coil)
        out["solve_s"] = time.perf_counter() - t
        t = time.perf_counter()
        airflow.solve_air(twin, model, air * 1.01, extra, running, t_coil)
        out["solve_new_p_s"] = time.perf_counter() - t
        t = time.perf_counter()
        airflow.solve_air(twin, model, air * 1.01, extra, running, t_coil)
        out["solve_same_p_s"] = time.perf_counter() - t
        rise = res.res_racks["t_inlet_c"] - res.res_halls["t_supply_c"].iloc[0]
        out["rise_mean_k"] = float(rise.mean())
    except MemoryError as exc:
        out["error"] = f"MemoryError: {exc}"
    out["peak_mb"] = _hwm_mb()
    out["air_peak_mb"] = out["peak_mb"] - base
    return out


def run_case(n: int, shape: str, limit_gb: float = LIMIT_GB) -> dict:
    """One case in a fresh subprocess (address space limited to `limit_gb`)."""
    root = Path(__file__).resolve().parents[1]
    cmd = [sys.executable, "-m", "bench.air", "--child", str(n), shape, str(limit_gb)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=root, check=False)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["(no output)"]
        return {"racks": n, "error": tail[0]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(sizes=SIZES, shapes=SHAPES) -> dict:
    out = {}
    print(
        f"  one hall, containment '{CONTAINMENT}', air-cooled racks; peak = RSS high-water mark of "
        "build + solves over the RSS before them"
    )
    print(
        f"  {'racks':>7} {'shape':<7} {'build s':>8} {'solve s':>8} {'new p s':>8} "
        f"{'same p s':>8} {'air peak':>9} {'proc peak':>9}  rise K"
    )
    for shape in shapes:
        for n in sizes:
            r = out[(n, shape)] = run_case(n, shape)
            if "build_s" not in r or "error" in r:
                print(f"  {n:>7,} {shape:<7} failed: {r.get('error', '?')[:100]}", flush=True)
                continue
            print(
                f"  {r['racks']:>7,} {shape:<7} {r['build_s']:>8.2f} {r['solve_s']:>8.3f} "
                f"{r['solve_new_p_s']:>8.3f} {r['solve_same_p_s']:>8.3f} "
                f"{r['air_peak_mb']:>6.0f} MB {r['peak_mb']:>6.0f} MB  {r['rise_mean_k']:.2f}"
                + ("" if r["reset_hwm"] else "  (peak includes the Twin build)"),
                flush=True,
            )
    return out


def field(sizes=(100, 300)) -> dict:
    """The air field (twin.solve.airfield) of one generated hall: time to build its shares
    (both sparse LUs and the superposition solve of every rack's exhaust) from an empty cache,
    against the geometric kernel's build of the same hall (twin.solve.recirculation, the model
    it replaces). The first field of a process also loads the numba kernel of its
    superposition solve: timed apart on a one-rack room, before the halls."""
    import numpy as np

    from twin.layout.validate import validate_data
    from twin.model import Twin
    from twin.solve import airfield, airfield_build, airflow, recirculation
    from twin.solve.airfield_build import field_shares

    airfield_build.FIELD_MAX_RACKS = max(sizes)  # time the field even where twin uses the kernel
    out = {}
    # once per process: the field's numba kernel (twin.solve.airfield_lu) loads on first use
    t = time.perf_counter()
    airfield._solve(_tiny_hall())
    out["first_use_s"] = time.perf_counter() - t
    print(f"  first field of the process (loads its numba kernel): {out['first_use_s']:.2f} s")
    print(f"  {'racks':>6} {'cells':>7} {'field s':>8} {'kernel s':>9}")
    for n in sizes:
        doc = hall_layout(n)
        doc["halls"][0]["air_model"] = "field"
        twin = Twin.from_layout(validate_data(doc, "bench"))
        r = twin.racks
        air = r["power_kw"].to_numpy(float) * (1 - r["liquid_fraction"].to_numpy(float))
        k = airflow.rack_k_kw_per_k(air, r.get("airflow_m3_s"))
        idx = np.arange(len(r))
        airfield._CACHE.clear()
        t = time.perf_counter()
        shares = field_shares(twin, 0, idx, k)
        t_field = time.perf_counter() - t
        inlet, exhaust = airflow._rack_points(r)
        t = time.perf_counter()
        recirculation.geometric_shares(inlet, exhaust, airflow.containment_scale(CONTAINMENT))
        t_kernel = time.perf_counter() - t
        cells = getattr(shares, "cells", 0)
        out[n] = {"field_s": t_field, "kernel_s": t_kernel, "cells": cells}
        print(f"  {len(r):>6} {cells:>7,} {t_field:>8.2f} {t_kernel:>9.3f}", flush=True)
    return out


def _tiny_hall():
    """One rack and one unit in a 3 x 3 x 3 m room (warms the field's code paths)."""
    import numpy as np

    from twin.solve.airfield import HallAir

    one = np.ones(1)
    return HallAir(
        size_m=(3.0, 3.0, 3.0),
        x_m=one * 1.5,
        y_m=one * 1.5,
        face_x=one * 0.0,
        face_y=-one,
        width_m=one * 0.6,
        depth_m=one * 1.2,
        height_m=one * 2.0,
        flow_m3_s=one * 0.5,
        blanking=one,
        ux_m=one * 0.5,
        uy_m=one * 0.5,
        u_flow_m3_s=one,
        u_face=one * 0.0,
        u_supply=("front",),
        u_return=("ceiling",),
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["field"]:
        field(tuple(int(a) for a in sys.argv[2:]) or (100, 300))
    elif len(sys.argv) > 1 and sys.argv[1] == "--child":
        n, shape, limit = int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
        cap = int(limit * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        print(json.dumps(_child(n, shape)))
    else:
        args = sys.argv[1:]
        sizes = tuple(int(a) for a in args if a.isdigit()) or SIZES
        shapes = tuple(a for a in args if a in SHAPES) or SHAPES
        main(sizes, shapes)
