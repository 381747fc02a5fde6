"""Power caps on named racks or rows in a timeline (`TimelineSpec.rack_cap`, `row_cap`).

A cap holds each named rack at most at that fraction of its design power, at every step.
It runs in the same group machinery as tenant caps (`twin.scenarios.timeline_tenants`):
a hall's racks are split into cells by (tenant, rack cap), so capped racks form their own
cells, draw ``min(demand fraction, hall cap, tenant cap, rack cap) x design`` and lose
their own tokens at their own power fraction (`twin.metrics.catalogue`); every other
rack of the hall draws and produces exactly what it did without the cap. A rack named
by its own cap and by its row's takes the rack's.
"""

from __future__ import annotations

import pandas as pd

from twin.errors import ScenarioError


def _named(kind: str, caps: dict[str, float], known: pd.Index) -> None:
    for name, c in caps.items():
        if name not in known:
            some = ", ".join(map(str, known[:5])) + (", ..." if len(known) > 5 else "")
            raise ScenarioError(f"{kind} cap for {name!r}: no such {kind} (e.g. {some})")
        if not 0.0 <= float(c) <= 1.0:
            raise ScenarioError(f"{kind} cap {c:g} for {name!r}: a fraction of design power, 0-1")


def check(twin, rack_cap: dict[str, float], row_cap: dict[str, float]) -> None:
    """Caps name racks and rows of the layout and are fractions 0-1 (ScenarioError if not)."""
    _named("rack", rack_cap, twin.racks.index)
    _named("row", row_cap, pd.Index(sorted(set(twin.racks["row"].dropna()))))


def per_rack(twin, rack_cap: dict[str, float], row_cap: dict[str, float]) -> pd.Series:
    """Each rack's cap, fraction of design (1 where none): its own, else its row's."""
    check(twin, rack_cap, row_cap)
    racks = twin.racks
    by_row = racks["row"].map(pd.Series(row_cap, dtype=float))
    own = pd.Series(rack_cap, dtype=float).reindex(racks.index)
    return own.fillna(by_row).fillna(1.0).astype(float).rename("cap")


def any_caps(rack_cap: dict[str, float], row_cap: dict[str, float]) -> bool:
    """Whether any rack or row cap is given."""
    return bool(rack_cap) or bool(row_cap)


__all__ = ["any_caps", "check", "per_rack"]
