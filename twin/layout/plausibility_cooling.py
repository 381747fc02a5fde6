"""Plausibility of cooling capacity against the racks' design heat (part of
`twin.layout.plausibility.check`): a group of cooling units that cannot carry its racks' heat
even with every unit running, as `twin.layout.plausibility_chain` warns of a power rating
below the design IT behind it.

Audit of 2026-12-05: the AI hall's CDUs at 200 kW (600 kW a loop for 3.6 MW of liquid heat),
its CRACs at a third of their heat and its chillers at 500 kW for 13.5 MW all validated
without a word. Two groups, numpy-free sums over the units (a few hundred at most):

- each technology loop's CDUs against the liquid share of its racks' design power;
- each hall's CRAHs and CRACs against the air share of its racks' design power.

Only a group short with every unit running is named: a group that loses its margin when one
unit fails is the failure analysis's (`twin n1`), and its answer depends on the load.
"""

from __future__ import annotations

from typing import Any

from twin.errors import names
from twin.layout.source import format_path, line_of


def rack_heat_kw(layout) -> tuple[dict[str, float], dict[str, float]]:
    """The racks' design heat by technology loop (liquid share) and by hall (air share), kW."""
    liquid: dict[str, float] = {}
    air: dict[str, float] = {}
    for hall in layout.halls:
        for r in hall.racks:
            kw = float(r.power_kw)
            if r.liquid_loop:
                liquid[r.liquid_loop] = liquid.get(r.liquid_loop, 0.0) + kw * r.liquid_fraction
            air[hall.id] = air.get(hall.id, 0.0) + kw * (1.0 - r.liquid_fraction)
    return liquid, air


def check_capacity(layout, doc: Any, file: str, caution, written_at) -> list:
    """One caution per technology loop whose CDUs, and per hall whose CRAHs/CRACs, have less
    capacity together than the racks' design heat they take; located at the first unit's
    ``capacity_kw`` (on the unit or in its profile: `written_at`)."""
    liquid, air = rack_heat_kw(layout)
    c = layout.cooling
    groups = (
        ("cdus", "loop", liquid, "technology loop", "liquid heat", "CDU"),
        ("crahs", "hall", air, "hall", "air heat", "CRAH/CRAC"),
    )
    out = []
    for table, key, heat, what, kind, unit in groups:
        members: dict[str, list[tuple[int, Any]]] = {}
        for j, u in enumerate(getattr(c, table)):
            members.setdefault(getattr(u, key), []).append((j, u))
        for gid, units in members.items():
            cap = sum(float(u.capacity_kw) for _, u in units)
            need = heat.get(gid, 0.0)
            if need <= cap:
                continue
            j, first = units[0]
            where = written_at(doc, ("cooling", table, j), "capacity_kw")
            ids = tuple(str(u.id) for _, u in units)
            out.append(
                caution(
                    file,
                    line_of(doc, where) if doc is not None else None,
                    format_path(where),
                    (first.id,),
                    f"{what} {gid}'s {unit} units {names(ids)} have {cap:,.0f} kW of capacity "
                    f"together for {need:,.0f} kW of its racks' design {kind} "
                    f"({need / cap:.1f}x): even with every unit running they cannot carry it "
                    "(the solve sheds or trips racks; check capacity_kw and its unit)",
                    ids[1:],
                )
            )
    return out
