"""Carry a Twin's cached solver structures over to an edit of some of its racks.

A rack power or profile edit changes a few rows of `twin.racks` and nothing else.
Most of what a solve builds per Twin (`twin.solve.cache.per_twin`) does not read
the changed columns, or reads them only as a per-rack vector next to structure
that does not change: the power model's topology (only the rack loads change),
the air model's recirculation shares and their sparse LU (geometry; only the
racks' airflow heat capacity rates change), the coupled model's index maps, the
pipe networks and the plant. `carry(old, new)` derives the edited Twin's
structures from the old Twin's where that holds, by the same formulas the
builders use, and stores them under the new Twin's content key; everything else
is built as usual on first use (the liquid model, a few ms). Every number a solve
then gives equals a solve of the same Twin built from scratch (tests/app/
test_incremental_edit.py: 1e-9 on every res_* table after random edits).

Nothing is carried unless the edit is of that kind: the same racks in the same
order, every other table the same object, the same site block, and per structure
the changed columns among those it may take (else it is left to be rebuilt). The
iteration's start (`twin.solve.coupled._seed`, the normal state from a cold start)
is never carried: it depends on the loads, so the coupled model is carried with no
seeds and the edited Twin gets its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd

from twin.solve.cache import peek, pinned, put

_RACK_GEOMETRY = frozenset(
    {"hall", "row", "slot", "x_m", "y_m", "face_x", "face_y", "width_m", "depth_m"}
)


def changed_rack_columns(old, new) -> frozenset[str] | None:
    """Columns of `racks` that differ between two Twins that differ in their racks'
    values only (None if anything else differs: tables, rack ids or order, columns,
    dtypes, the site block)."""
    if old.layout.site != new.layout.site:
        return None
    for name, value in vars(old).items():
        if name in ("racks", "layout", "power_graph", "cooling_graph"):
            continue
        if isinstance(value, pd.DataFrame) and getattr(new, name) is not value:
            return None
    a, b = old.racks, new.racks
    if not (a.index.equals(b.index) and list(a.columns) == list(b.columns)):
        return None
    if not a.dtypes.equals(b.dtypes):
        return None
    return frozenset(c for c in a.columns if not a[c].equals(b[c]))  # NaN/None equal


def _power_model(pm, new, changed):
    if changed & {"feed_a", "feed_b"}:
        return None
    racks = new.racks
    pf = racks["power_factor"].to_numpy(dtype=float)  # as build_power_model
    return dataclasses.replace(
        pm,
        rack_p_kw=racks["power_kw"].to_numpy(dtype=float),
        rack_tan_phi=np.sqrt(1.0 - pf**2) / pf,
        rack_split_a=racks["split_a"].to_numpy(dtype=float),
    )


def _air(am, new, changed):
    from twin.solve.airfield_build import FIELD_MODELS
    from twin.solve.airflow import K_AIR_KW_PER_M3S_K, rack_k_kw_per_k

    if changed & (_RACK_GEOMETRY | {"height_m", "blanking"}) or am.b_top is not None:
        return None
    if "air_model" in new.halls and new.halls["air_model"].isin(FIELD_MODELS).any():
        return None  # a field hall's shares depend on the racks' airflows (ffd: and air heat)
    racks = new.racks
    air_kw = racks["power_kw"].to_numpy(float) * (1.0 - racks["liquid_fraction"].to_numpy(float))
    k = rack_k_kw_per_k(air_kw, racks.get("airflow_m3_s"))  # as build_air_model
    return dataclasses.replace(
        am,
        k_kw_k=k,
        airflow_m3_s=k / K_AIR_KW_PER_M3S_K,
        recirculation=am.recirculation.with_k(k),
    )


def _coupled(cm, new, changed):
    if changed & {"feed_a", "feed_b", "hall"}:
        return None
    return dataclasses.replace(cm, seeds={})  # the start of the iteration is the new Twin's


def _same(value, new, changed):
    return value  # reads no rack column


CARRIERS: dict[str, Callable] = {
    "power_model": _power_model,
    "air": _air,
    "coupled": _coupled,
    "hydraulics": _same,
    "plant": _same,
}
"""Structure name (as `per_twin` caches it) -> (old structure, new Twin, changed rack
columns) -> the new Twin's structure, or None to leave it to its builder."""


def register(name: str, patch: Callable) -> None:
    """Carry structure `name` (cached with `per_twin` by a module above this layer, e.g.
    the 3D view's equipment placement) with `patch(old value, new Twin, changed columns)`."""
    CARRIERS.setdefault(name, patch)


def carry(old, new) -> list[str]:
    """Store in the cache the structures of `new` derived from `old`'s (see the module
    docstring); returns the names carried (none if the Twins differ in more than rack
    values, or `old`'s structures are no longer cached)."""
    changed = changed_rack_columns(old, new)
    if changed is None:
        return []
    with pinned(old):  # one fingerprint per Twin, not one per structure
        found = {name: peek(old, name) for name in CARRIERS}
    done = []
    with pinned(new):
        for name, value in found.items():
            value = None if value is None else CARRIERS[name](value, new, changed)
            if value is not None:
                put(new, name, value)
                done.append(name)
    return done
