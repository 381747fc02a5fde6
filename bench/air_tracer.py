"""The FFD field's inlets against the stored CFD rooms with the QUICK deferred-correction tracer
(`twin.solve.airfield_tracer`), per sweep count: ``python -m bench.air_tracer 0,4 [ROOM ...]``."""

import dataclasses
import sys
import time

import numpy as np
import pandas as pd

from bench import air_rooms as ar
from bench.air_ffd import _inputs
from twin.solve import air_calibrate as ac
from twin.solve import airfield, airfield_tracer

sweeps = [int(s) for s in sys.argv[1].split(",")]
rooms = sys.argv[2:] or list(ar.LOADS)
rows = []
for room in rooms:
    for load in ar.LOADS[room]:
        ref = ar.cfd(room, load)
        if ref is None:
            continue
        air, ids, run, rise = _inputs(room, load)
        cfd = ref["t_inlet_c"].reindex(ids).to_numpy(float)
        fa = dataclasses.replace(air, flow="ffd", exhaust_rise_k=rise)
        row = {"room": room, "load": load}
        for s in sweeps:
            airfield_tracer.SWEEPS = s
            airfield._CACHE.clear()
            t0 = time.process_time()
            fl = ac._inlets(fa, ids, run)
            e = fl - cfd
            row[f"rmse{s}"] = np.sqrt(np.mean(e**2))
            row[f"max{s}"] = np.abs(e).max()
            row[f"bias{s}"] = e.mean()
            row[f"cpu{s}"] = time.process_time() - t0
        rows.append(row)
        print(pd.DataFrame([row]).round(2).to_string(index=False), flush=True)
df = pd.DataFrame(rows)
print(df.round(2).to_string(index=False))
