"""The accelerator catalogue of a layout: built-in entries plus the layout's own, per rack.

Built-in entries are data in `twin.layout.schema.BUILTIN_ACCELERATORS` (layer 1,
so validation can check rack accelerator names); a layout's ``accelerators:``
entries replace them by name. Figures and their sources:

- gb200-nvl72: Llama-2-70B, ~865,000 tokens/s per NVL72 (unverified MLPerf
  Inference v4.1 submission, Microsoft Azure ND GB200 v6) [REFERENCE 7] at
  132 kW [REFERENCE 3] = 6.55 M tokens/s per MW of IT. Capex ~3 M USD per
  rack is a secondary-source estimate.
- rbln-atom-rack: a USER ESTIMATE (no public rack throughput, REFERENCE 7);
  idle fraction from the ATOM+ card reading 6.1 W idle / 43.9 W busy.

Throughput under a power cap (rack power fraction s = P / P_design):
``((s - idle) / (1 - idle)) ** alpha``, alpha = 0.5 by default [est]. Why:
dynamic power ~ f^3 under DVFS, so compute-bound throughput ~ P_dyn^(1/3);
memory-bound decode loses less: an H100 capped 700 -> 600 W (-14 %) loses
5-8 % of inference throughput [src, secondary: factryze.ai glossary "Power
capping"], alpha ~0.35-0.55 at GPU level; rack power adds CPUs, switches and
fans that do not scale, hence 0.5 at rack level. Give `curve` points to replace it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twin.layout.schema import BUILTIN_ACCELERATORS, Accelerator, Layout

COLUMNS = [
    "model",
    "throughput_tokens_s",
    "power_kw",
    "idle_fraction",
    "throughput_exponent",
    "capex_usd",
    "lifetime_years",
    "user_estimate",
    "source",
]


def catalogue(layout: Layout | None = None) -> dict[str, Accelerator]:
    """Accelerators by name: the built-in entries overridden by the layout's."""
    out = {k: Accelerator.model_validate(v) for k, v in BUILTIN_ACCELERATORS.items()}
    if layout is not None:
        out.update(layout.accelerators)
    return out


def catalogue_frame(layout: Layout | None = None) -> pd.DataFrame:
    """The catalogue as a table, one row per accelerator name."""
    rows = {k: a.model_dump() for k, a in catalogue(layout).items()}
    return pd.DataFrame.from_dict(rows, orient="index")[COLUMNS].rename_axis("accelerator")


def throughput_fraction(acc: Accelerator, s: np.ndarray | float) -> np.ndarray:
    """Share of full throughput at rack power fraction `s` (0 at or below idle, 1 at s >= 1)."""
    s = np.clip(np.asarray(s, dtype=float), 0.0, 1.0)
    if acc.curve is not None:
        xs, ys = zip(*acc.curve, strict=True)
        return np.interp(s, xs, ys, left=0.0)
    x = np.clip((s - acc.idle_fraction) / (1.0 - acc.idle_fraction), 0.0, 1.0)
    return x**acc.throughput_exponent


def rack_catalogue(twin) -> pd.DataFrame:
    """Per rack: full-power tokens/s, capex and lifetime from its accelerator.

    An entry with `power_kw` scales throughput and capex by the rack's design
    power over it (a denser or sparser rack of the same accelerators). Racks
    with no accelerator, or one not in the catalogue, make no tokens and cost
    nothing here (their floor and power still count in facility figures).
    """
    cat = catalogue(twin.layout)
    racks = twin.racks
    acc = racks["accelerator"].fillna("").astype(str)
    known = acc.isin(list(cat))
    frame = catalogue_frame(twin.layout)
    get = frame.reindex(acc.where(known, None).to_numpy())
    rated = get["power_kw"].astype(float).to_numpy()
    design = racks["power_kw"].to_numpy(dtype=float)
    units = np.where(np.isnan(rated), 1.0, design / np.where(np.isnan(rated), 1.0, rated))
    units = np.where(known.to_numpy(), units, 0.0)
    return pd.DataFrame(
        {
            "accelerator": acc.where(known, "").to_numpy(),
            "design_kw": design,
            "units": units,
            "tokens_s_full": np.nan_to_num(get["throughput_tokens_s"].astype(float).to_numpy())
            * units,
            "capex_usd": np.nan_to_num(get["capex_usd"].astype(float).to_numpy()) * units,
            "lifetime_years": get["lifetime_years"].astype(float).to_numpy(),
        },
        index=racks.index,
    )


def rack_throughput_fraction(twin, power_fraction: pd.Series) -> np.ndarray:
    """Throughput share per rack at the given rack power fractions (index = rack ids)."""
    cat = catalogue(twin.layout)
    acc = twin.racks["accelerator"].fillna("").astype(str)
    s = power_fraction.reindex(twin.racks.index).fillna(0.0).to_numpy(dtype=float)
    out = np.zeros(len(s))
    for name, idx in acc.groupby(acc).indices.items():
        if name in cat:
            out[idx] = throughput_fraction(cat[name], s[idx])
    return out
