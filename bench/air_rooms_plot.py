"""The validation figure: every CFD room's rack inlets against the three air models
(docs/img/air-validation.png; `python -m bench.air_rooms plot`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bench.air_rooms import BLIND, LOADS, OUT, kernel_inlets, meshes, model_inlets, twin


def plot(path: Path = OUT.parent / "img" / "air-validation.png") -> Path:
    """Models against CFD per rack, every room and load: the reference mesh's inlets, the band
    between all meshes run, and the three air models uncalibrated: the potential field, the
    FFD field (the default where every unit has a position) and the kernel (~5-8 min: the FFD
    flow of every run)."""
    import matplotlib

    from bench.air_ffd import ffd_inlets

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(r, ld) for r, loads in LOADS.items() for ld in loads if meshes(r, ld)]
    cols = 3
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    for ax, (room, load) in zip(axes.flat, panels, strict=False):
        runs = meshes(room, load)
        ids = list(next(iter(runs.values())).index)
        x = np.arange(len(ids))
        all_runs = pd.DataFrame(runs).reindex(ids)
        ax.fill_between(x, all_runs.min(axis=1), all_runs.max(axis=1), color="0.85",
                        label="CFD, band of meshes run")  # fmt: skip
        ref_label, ref = next(iter(runs.items()))
        ax.plot(x, ref.reindex(ids), "o", color="0.2", ms=3.5, label=f"CFD, {ref_label} mesh")
        models = {
            "potential field": (model_inlets(twin(room, load)), "-", "tab:red"),
            "FFD field (default)": (ffd_inlets(room, load), "-", "tab:blue"),
            "kernel": (kernel_inlets(twin(room, load, "kernel")), "--", "0.45"),
        }
        rows_of = np.array([i[0] for i in ids])
        for name, (inlets, style, color) in models.items():
            m = inlets.reindex(ids)
            for k, row in enumerate(dict.fromkeys(rows_of)):  # one line per row of racks
                on = rows_of == row
                ax.plot(x[on], m[on], style, color=color, lw=1.4,
                        label=name if k == 0 else None)  # fmt: skip
        predicted = (OUT / "blind" / f"{room}-{load}-model.csv").exists()
        blind = " (blind)" if room in BLIND and predicted else ""
        ax.set_title(f"{room}, {load}{blind}", fontsize=10)
        ax.set_xticks(x[:: max(1, len(x) // 8)], [ids[i] for i in x[:: max(1, len(x) // 8)]],
                      fontsize=7)  # fmt: skip
        ax.set_ylabel("rack inlet, °C", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.flat[len(panels) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
