"""Rows whose intakes no cooling unit supplies, in halls on the distance kernel.

The kernel (``air_model: kernel``, `twin.solve.airflow`) shares each rack's exhaust by the
floor distance between racks and cannot see where the units stand or blow, so it puts a row
whose intakes face away from every unit at about the same inlet as the row facing them. In the
CFD that is where it fails worst: on the blind room ``north`` (docs/validation.md; two rows
back to back, both units on the north wall blowing south) row A, whose fronts face the south
wall, breathed 39-50 C where the kernel put every rack at 22-25 C: `AIR_KERNEL_AWAY` on that
row, where every other row of the ten CFD rooms is `AIR_KERNEL_REACHED` (per row, all 22
stored runs; tests/layout/test_air_away_rows.py recomputes both from the stored runs).

The criterion, `unreached_rows`: a row's intakes draw from the aisle in front of them, the
strip from its racks' fronts to the nearest parallel row across it (the near face of a row
whose span along the axis overlaps this one's; else the wall), open at both ends. Follow each
unit's jet from its supply face (the front of its 1 m footprint, facing as `_unit_facing`
takes it): blowing along the rows, it supplies the aisle its face overlaps (a unit at a row
end blowing down the aisle: every unit of the rooms row, pair, end, cross, dense and
small-room); blowing across them, it runs until it meets a row over its width, or the wall,
and supplies the aisle it stops in (against a row's fronts, or a wall beyond them). A row
with air heat whose aisle no jet of its hall supplies is cautioned: its supply comes round
or over rows. Of the 46 rows of the 22 stored runs this flags north's row A alone (both
loads: its units' jets stop against row B's fronts); tiles' rows, whose units blow at row A's
back, would be flagged too but for its raised floor.

Checked beyond the CFD with the ffd field (within 2.0-3.9 K of the CFD on north), on north
with its two units moved (uniform load, ffd minus kernel, row mean, 2026-12-03 16:35 UTC):
on the north wall beyond the row ends, blowing south, row B (its jets pass its ends and stop
at the south wall, in A's aisle) is flagged and +9.6 K, row A not and -1.4 K; on the west
wall in line with the rows, blowing into their ends, both flagged and +14.4/+14.8 K; at both
ends of the hot aisle blowing into it, both flagged and +5.1/+5.4 K. The criterion's limit:
in large open halls the kernel's own rise is large, and a flagged row need not be too cold
(the generated hall and hybrid-inference opened up, on the kernel: their end rows H1-R01
and HX-R08, which their units' jets miss, are flagged, where the ffd has them 0.8 K colder
and 1.9 K warmer than the kernel; both layouts ship with hot-aisle containment, so neither
is flagged as shipped).

Not cautioned, and why:

- halls on the field or ffd air models: they see the units (the ffd was 2.0-3.9 K RMSE on
  north; the field's failure there is its own caution's figure);
- halls where a unit supplies through the floor (a raised floor's tiles sit in front of every
  rack: the rooms floor and tiles);
- contained halls: containment keeps the racks' exhaust from the air the away-facing row
  draws. The contained small room's CFD has every inlet at the supply (the kernel 0.6 K RMSE
  off); no CFD room has a contained row facing away, but the ffd field of north with its hot
  or cold aisle contained puts row A at 20.2-20.5 C or 19.0-21.1 C where the kernel gives
  18.5-18.7 or 18.6-19.0 C (2026-12-03 16:20 UTC), within the ffd's own error [est: the ffd,
  not CFD];
- halls where no unit has a position (nothing to say where the supply goes; the kernel's
  general caution already says it cannot see the units). Units without a position in a hall
  where others have one are named in the caution: it holds only if they stand elsewhere.
"""

from __future__ import annotations

from typing import Any

from twin.errors import names
from twin.layout.air_choice import AUTO, AUTO_FFD_MAX_HALLS, chosen_air_models
from twin.layout.floor_check import UNIT_FOOTPRINT_M
from twin.layout.plausibility import ModelCaution, _unit_facing
from twin.layout.source import format_path, line_of

AIR_KERNEL_AWAY = "21.1-22.6 K RMSE off, up to 27.5 K too cold"
"""The kernel's error on the row the criterion flags (north row A, racks A01-A10, uniform and
south-heavy loads; `python -m bench.air_rooms table` inlets grouped by row, 2026-12-03 16:20
UTC): its mean error there is -20.8 and -22.2 K."""
AIR_KERNEL_REACHED = "0.6-7.4 K RMSE"
"""The kernel's error on every other row of the 22 stored CFD runs (44 of their 46 rows):
the 7.4 K is small-room's row RB (15.4 K too cold beside the west units: the kernel's blindness
to their jets, which no geometry of rows and units tells apart); its mean error on them is
-6.2 to +5.2 K."""
SIDE = {(0, 1.0): "+x (east)", (0, -1.0): "-x (west)", (1, 1.0): "+y (north)",
        (1, -1.0): "-y (south)"}  # fmt: skip
"""A row's intake side by (axis index across the row, sign): the hall's x east, y north."""
_EPS_M = 1e-6
_DIRECTION = {"+x": (0, 1.0), "-x": (0, -1.0), "+y": (1, 1.0), "-y": (1, -1.0)}


def _feeds_floor(unit, hall) -> bool:
    return (unit.supply_opening or ("floor" if hall.plenum_m > 0 else "front")) == "floor"


def _supply_face(unit, hall, across: int) -> tuple[float, float, float, float, int]:
    """The unit's supply face (the front of its 1 m footprint, `_unit_facing`) as intervals of
    the hall coordinates `across` the rows and along them (0 x, 1 y), and where it blows:
    0 along the rows, else +1 or -1 across them."""
    axis, sign = _DIRECTION[_unit_facing(unit, hall)]
    half = UNIT_FOOTPRINT_M / 2.0
    c = unit.position_m[across] - hall.origin_m[across]
    a = unit.position_m[1 - across] - hall.origin_m[1 - across]
    if axis == across:
        return c + sign * half, c + sign * half, a - half, a + half, int(sign)
    return c - half, c + half, a + sign * half, a + sign * half, 0


def _span(row, slots: list[int]) -> tuple[float, float]:
    along = 0 if row.axis == "x" else 1
    return (
        row.origin_m[along] + min(slots) * row.rack_width_m,
        row.origin_m[along] + (max(slots) + 1) * row.rack_width_m,
    )


def _supplies(face, body: dict, span: dict, end: float) -> bool:
    """Whether a unit's jet supplies the aisle (0, `end`) of depths in front of a row: `face`
    is (t1, t2, a1, a2, d), its supply face as depths t into the aisle and along the rows,
    and its direction in t (0 along the rows); `body` every parallel row's depths (t_lo,
    t_hi), `span` its extent along. Along the rows the jet supplies the aisle its face
    overlaps; across them it runs until it meets a row over its width, or the wall, and
    supplies the aisle where it stops."""
    t1, t2, a1, a2, d = face
    if d == 0:
        return max(t1, t2) > 0.0 and min(t1, t2) < end
    hit = [
        (lo if d > 0 else hi)
        for rid, (lo, hi) in body.items()
        if a1 < span[rid][1] and a2 > span[rid][0] and (lo >= t1 if d > 0 else hi <= t1)
    ]
    stop = (min(hit) if d > 0 else max(hit)) if hit else d * float("inf")
    return -_EPS_M <= stop <= end + _EPS_M  # a row's front, to rounding


def unreached_rows(hall, units: list) -> list[tuple[int, Any, list[str], list[str]]]:
    """(row index, row, rack ids with air heat, ids of the hall's units) for every row of
    `hall` whose intake aisle no jet of `units` (the hall's, with a position) supplies
    (`_supplies`); [] for a contained hall, one with a unit supplying through the floor, or
    no unit."""
    if hall.containment != "none" or not units or any(_feeds_floor(u, hall) for u in units):
        return []
    racks: dict[str, list] = {}
    for r in hall.racks:
        racks.setdefault(r.row, []).append(r)
    spans = {
        row.id: _span(row, [r.slot for r in racks[row.id]]) for row in hall.rows if row.id in racks
    }
    out = []
    for i, row in enumerate(hall.rows):
        hot = [str(r.id) for r in racks.get(row.id, ()) if r.power_kw > 0 and r.liquid_fraction < 1]
        if not hot:
            continue
        across = 1 if row.axis == "x" else 0
        sign = 1.0 if row.facing == "+" else -1.0
        front = row.origin_m[across] + sign * row.rack_depth_m / 2.0
        lo, hi = spans[row.id]
        body = {}  # every parallel row's body, as depths into this row's aisle
        end = float("inf")  # the aisle's depth: to the nearest parallel row across it
        for other in hall.rows:
            if other.axis != row.axis or other.id not in spans:
                continue
            t = sign * (other.origin_m[across] - front)
            body[other.id] = (t - other.rack_depth_m / 2.0, t + other.rack_depth_m / 2.0)
            olo, ohi = spans[other.id]
            if other.id != row.id and t > 0 and olo < hi and ohi > lo:
                end = min(end, max(body[other.id][0], 0.0))
        faces = []
        for u in units:
            c1, c2, a1, a2, d = _supply_face(u, hall, across)
            faces.append((sign * (c1 - front), sign * (c2 - front), a1, a2, int(sign) * d))
        if not any(_supplies(f, body, spans, end) for f in faces):
            out.append((i, row, hot, [str(u.id) for u in units]))
    return out


def _why_kernel(hall, all_units: list, n_placed_halls: int) -> str:
    """Where the hall's kernel comes from: named, or auto's choice and why."""
    if getattr(hall, "air_model", AUTO) != AUTO:
        return "air_model: kernel"
    unplaced = [str(u.id) for u in all_units if u.position_m is None]
    if unplaced:
        verb = "has" if len(unplaced) == 1 else "have"
        return f"air_model: auto, the default, picks it as {names(unplaced)} {verb} no position_m"
    return (
        f"air_model: auto, the default, picks it as the layout has {n_placed_halls:,} halls "
        f"whose units all have positions, more than the {AUTO_FFD_MAX_HALLS} it puts on ffd"
    )


def away_row_cautions(layout, doc: Any, file: str) -> list[ModelCaution]:
    """One caution per row of a kernel hall that `unreached_rows` finds, located at the row's
    entry (its line where the parsed `doc` is known) and naming its racks."""
    models = chosen_air_models(layout.halls, layout.cooling.crahs)
    by_hall: dict[str, list] = {}
    for u in layout.cooling.crahs:
        by_hall.setdefault(u.hall, []).append(u)
    placed_halls = sum(
        1
        for h in layout.halls
        if by_hall.get(h.id) and all(u.position_m is not None for u in by_hall[h.id])
    )
    out = []
    for h, hall in enumerate(layout.halls):
        if models[hall.id] != "kernel":
            continue
        mine = by_hall.get(hall.id, [])
        placed = [u for u in mine if u.position_m is not None]
        for i, row, hot, unit_ids in unreached_rows(hall, placed):
            across = 1 if row.axis == "x" else 0
            side = SIDE[(across, 1.0 if row.facing == "+" else -1.0)]
            unplaced = [str(u.id) for u in mine if u.position_m is None]
            but = ""
            if unplaced:
                one = len(unplaced) == 1
                but = (
                    f" ({names(unplaced)} {'has' if one else 'have'} no position_m: this holds "
                    f"if {'it does not blow' if one else 'none of them blows'} into that aisle)"
                )
            message = (
                f"its racks' intakes ({names(hot)}) face {side}, into an aisle no "
                f"cooling unit's jet supplies: {names(unit_ids)} "
                f"{'blows' if len(unit_ids) == 1 else 'blow'} elsewhere (at a row's back or "
                f"end, down another aisle or past the rows){but}, so their air reaches these "
                "racks only round the rows or over them. The distance "
                f"kernel ({_why_kernel(hall, mine, placed_halls)}) cannot see where the units "
                "are or blow: in the CFD of such a room (docs/validation.md, 'north': both units "
                "on the wall behind one of two rows) that row breathed 39-50 C where the kernel "
                f"put every rack at 22-25 C, {AIR_KERNEL_AWAY} (on rows a unit supplies, "
                f"{AIR_KERNEL_REACHED}); read these racks' inlets as possibly far too low, or set "
                "air_model: ffd (2.0-3.9 K RMSE on that room), or put a unit in that aisle"
            )
            where = ("halls", h, "rows", i)
            out.append(
                ModelCaution(
                    file=file,
                    line=line_of(doc, where) if doc is not None else None,
                    path=format_path(where),
                    component=str(row.id),
                    message=message,
                    components=(str(row.id), *hot),
                )
            )
    return out
