"""The CFD mesh study of one room and load: how far the stored meshes' inlets lie apart, and
each air model's error against each mesh (docs/validation.md, "How far the CFD can be
trusted").

    python -m bench.air_mesh row uniform

Reads the stored inlets only (`bench.air_rooms.meshes`: the reference mesh and every
docs/validation/mesh-check/ run); the models run as `bench.air_rooms table` and
`bench.air_ffd` run them (~5-20 s for the FFD).
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
import pandas as pd

from bench import air_rooms as ar
from bench.air_ffd import ffd_inlets


def mesh_shifts(inlets: pd.DataFrame) -> pd.DataFrame:
    """Per pair of meshes (finer first): mean, largest and RMS shift of the inlets, K."""
    rows = []
    for a, b in itertools.combinations(inlets.columns, 2):
        fine, coarse = sorted((a, b), key=lambda c: float(c.split()[0]))
        d = inlets[fine] - inlets[coarse]
        rows.append({"meshes": f"{fine} vs {coarse}", "mean_k": d.mean(), "largest_k": d.abs().max(),
                     "rack": d.abs().idxmax(), "rms_k": float(np.sqrt((d**2).mean()))})  # fmt: skip
    return pd.DataFrame(rows)


def model_errors(room: str, load: str, inlets: pd.DataFrame) -> pd.DataFrame:
    """RMSE and largest error of the potential field, the FFD field and the kernel against
    each mesh, K."""
    models = {
        "potential field": ar.model_inlets(ar.twin(room, load)),
        "FFD field": ffd_inlets(room, load),
        "kernel": ar.kernel_inlets(ar.twin(room, load, "kernel")),
    }
    rows = []
    for name, m in models.items():
        err = m.reindex(inlets.index).to_numpy()[:, None] - inlets.to_numpy()
        for j, mesh in enumerate(inlets.columns):
            e = err[:, j]
            rows.append({"model": name, "mesh": mesh, "rmse_k": float(np.sqrt((e**2).mean())),
                         "max_k": float(np.abs(e).max())})  # fmt: skip
    return pd.DataFrame(rows).pivot(index="model", columns="mesh", values=["rmse_k", "max_k"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("room", choices=sorted(ar.LOADS))
    ap.add_argument("load")
    args = ap.parse_args()
    inlets = pd.DataFrame(ar.meshes(args.room, args.load))
    if inlets.shape[1] < 2:
        raise SystemExit(f"{args.room} {args.load}: fewer than two meshes stored")
    print(inlets.round(2).to_string(), end="\n\n")
    print(mesh_shifts(inlets).round(2).to_string(index=False), end="\n\n")
    print(model_errors(args.room, args.load, inlets).round(2).to_string())


if __name__ == "__main__":
    main()
