"""Experiment (reverted after this commit): the air field with Darcy-Boussinesq buoyancy
(`twin.solve.airfield_buoyancy`) in place of the drift, scored on every CFD room and load.

    python -m bench.air_buoyancy_scan "{'buoyancy_m_s_k': [0.02, 0.05], 'plume_share': [0.9]}"

Prints per setting: RMSE / mean error (model - CFD), K, per room and load.
"""

import dataclasses
import itertools
import sys
import time

import numpy as np

import bench.air_rooms as ar
import twin.solve.air_calibrate as ac
import twin.solve.airfield_build as ab

SET = {}
orig = ab.hall_air
INFO = []


def patched(twin, h, idx, k):
    air = orig(twin, h, idx, k)
    if isinstance(air, str):
        return air
    r = twin.racks.iloc[idx]
    air_kw = r["power_kw"].to_numpy(float) * (1 - r["liquid_fraction"].to_numpy(float))
    rise = air_kw / np.maximum(np.asarray(k, float)[idx], 1e-12)
    return dataclasses.replace(air, rise_k=rise, drift_m_s=0.0, **SET)


ab.hall_air = patched
ac.hall_air = patched


def score():
    rows = {}
    for room, loads in ar.LOADS.items():
        for load in loads:
            ref = ar.cfd(room, load)
            m = ar.model_inlets(ar.twin(room, load)).reindex(ref.index)
            e = m - ref["t_inlet_c"]
            rows[f"{room[:2]}-{load[:3]}"] = (np.sqrt((e**2).mean()), e.mean())
    return rows


grid = eval(sys.argv[1])
keys = list(grid)
for vals in itertools.product(*grid.values()):
    SET.clear()
    SET.update(dict(zip(keys, vals, strict=True)))
    t0 = time.time()
    r = score()
    print(
        " ".join(f"{k}={v}" for k, v in SET.items()),
        f"{time.time() - t0:.1f}s |",
        " ".join(f"{k}:{a:.2f}/{b:+.1f}" for k, (a, b) in r.items()),
        f"| max {max(a for a, b in r.values()):.2f}",
        flush=True,
    )
