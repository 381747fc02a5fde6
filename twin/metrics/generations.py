"""The rack generation catalogue as one table: design, weight, tokens/s and capex, with sources.

Resolves each entry of `twin.layout.generations.GENERATIONS`: its rack design
from its own ``rack`` fields or from the rack profile it names (the layout's
profile of that name first, then `twin.layout.builtin_profiles.RACK_PROFILES`), its
tokens/s, capex and lifetime from the accelerator catalogue
(`twin.metrics.catalogue.catalogue`, where a layout's ``accelerators:`` entry
replaces the built-in one). One row per generation; the same numbers feed
`twin refresh` and its Python API.
"""

from __future__ import annotations

import pandas as pd

from twin.errors import ScenarioError
from twin.layout.builtin_profiles import RACK_PROFILES
from twin.layout.generations import GENERATIONS
from twin.layout.schema import Layout
from twin.metrics.catalogue import catalogue

RACK_FIELDS = ("power_kw", "power_factor", "liquid_fraction", "height_m")
"""The rack design a refresh writes (fields of twin.layout.schema.Rack)."""

SOURCE_SEP = " | "
"""Between the figures' sources in the table's `sources` column."""

COLUMNS = [
    "label",
    "power_kw",
    "liquid_fraction",
    "power_factor",
    "weight_kg",
    "tokens_s",
    "tokens_s_per_mw",
    "capex_usd",
    "lifetime_years",
    "user_estimate",
    "profile",
    "sources",
]


def generation(name: str, layout: Layout | None = None) -> dict:
    """One generation, resolved: rack design (RACK_FIELDS + accelerator), weight, tokens, capex.

    Raises `ScenarioError` naming the known generations for an unknown name.
    """
    if name not in GENERATIONS:
        raise ScenarioError(
            f"unknown rack generation {name!r}; known: {', '.join(GENERATIONS)} "
            "(twin refresh --list shows their figures)"
        )
    g = GENERATIONS[name]
    profile = g.get("profile")
    if profile is not None:
        own = (layout.profiles if layout is not None else {}).get(profile)
        source = own if isinstance(own, dict) and "power_kw" in own else RACK_PROFILES[profile]
        design = {k: source[k] for k in RACK_FIELDS if k in source}
    else:
        design = dict(g["rack"])
    acc = catalogue(layout)[g["accelerator"]]
    units = design["power_kw"] / acc.power_kw if acc.power_kw else 1.0
    tokens = acc.throughput_tokens_s * units
    return {
        "name": name,
        "label": g["label"],
        "rack": {**design, "accelerator": g["accelerator"]},
        "profile": profile or name,
        "weight_kg": float(g["weight_kg"]),
        "tokens_s": float(tokens),
        "tokens_s_per_mw": float(tokens / (design["power_kw"] / 1000.0)),
        "capex_usd": float(acc.capex_usd * units),
        "lifetime_years": float(acc.lifetime_years),
        "user_estimate": bool(g.get("user_estimate", False) or acc.user_estimate),
        "sources": dict(g["sources"]),
    }


def generations(layout: Layout | None = None) -> pd.DataFrame:
    """The catalogue, one row per generation (index = name), sources joined in one column."""
    rows = {}
    for name in GENERATIONS:
        g = generation(name, layout)
        rows[name] = {
            **{k: g[k] for k in COLUMNS if k in g and k not in ("sources",)},
            **{k: g["rack"].get(k) for k in RACK_FIELDS},
            "sources": SOURCE_SEP.join(f"{k}: {v}" for k, v in g["sources"].items()),
        }
    return pd.DataFrame.from_dict(rows, orient="index")[COLUMNS].rename_axis("generation")
