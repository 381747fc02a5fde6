"""Layout edits for the editor page, on the plain-data form of a layout (`twin.layout.dump`).

Each edit returns a new dict (the input is not changed); `apply` validates
the result with the same checks as loading a file, so a bad edit comes back
as a `LayoutError` with located problems, never a traceback.
"""

from __future__ import annotations

import copy
from typing import Any

from twin.errors import LayoutError, Problem
from twin.layout import Layout, dump, validate_data
from twin.layout.calibration_carry import beside, rechecked, same_air_values, status
from twin.layout.edit_ops import (
    add_hall,
    all_ids,
    copy_hall,
    hall_equipment,
    move_hall,
    remove_hall,
)

__all__ = ["add_hall", "copy_hall", "hall_equipment", "move_hall", "remove_hall"]  # site edits

RACK_FIELDS = (
    "power_kw",
    "profile",
    "feed_a",
    "feed_b",
    "liquid_loop",
    "liquid_fraction",
    "row",
    "slot",
)


def to_data(layout: Layout) -> dict[str, Any]:
    return dump(layout)


def apply(data: dict[str, Any], name: str = "<edited>", before: Layout | None = None) -> Layout:
    """Validate edited data into a Layout (raises LayoutError). `before`: the layout it was
    edited from, whose air calibration is judged again on the edited halls (applied while a
    hall's air geometry is the one it was fitted on; after a rack or unit moved or was added,
    not applied, with a caution in the plausibility list: `calibration_carry.rechecked`)."""
    new = validate_data(copy.deepcopy(data), name)
    return rechecked(new, before) if before is not None else new


def edited(data: dict[str, Any], name: str, before: Layout) -> tuple[Layout, dict[str, Any], str]:
    """`apply(data, name, before)` with the plain data and content key of the result: the
    data is `data` unless the edit dropped or took up again `before`'s calibration (hall air
    values then differ from the data's: the layout's dump); the key adds the calibration's
    state, so a cached caution list is never one of another calibration state."""
    from twin.app.state import data_key

    new = validate_data(copy.deepcopy(data), name)
    out = rechecked(new, before)
    marks = status(out)
    if marks and not same_air_values(out, new):
        data = dump(out)
    return out, data, data_key({"layout": data, "air_calibration": marks} if marks else data)


def carry_calibration(layout: Layout, path) -> list[tuple[bool, str]]:
    """After the editor saved `layout` to `path`: the calibration file beside it with the
    entries that still hold for the edited halls (`calibration_carry.beside`); a (carried,
    sentence) per hall for the page, the saved layout and calibration files by name."""
    from pathlib import Path

    from twin.layout.calibration import notes

    folders = {Path(path).parent, *(Path(n.file).parent for n in notes(layout))}
    out = []
    for carried, line in beside(layout, path)[1]:
        for folder in folders:
            line = line.replace(f"{folder}/", "")
        out.append((carried, line[:1].upper() + line[1:] + ("" if line.endswith(".") else ".")))
    return out


def _find_rack(data: dict, rack_id: str) -> tuple[int, int]:
    for h, hall in enumerate(data.get("halls", [])):
        for r, rack in enumerate(hall.get("racks", [])):
            if rack.get("id") == rack_id:
                return h, r
    raise LayoutError([Problem("<edit>", "racks", f"no rack with id {rack_id!r}")])


def _hall_index(data: dict, hall_id: str) -> int:
    for h, hall in enumerate(data.get("halls", [])):
        if hall.get("id") == hall_id:
            return h
    raise LayoutError([Problem("<edit>", "halls", f"no hall with id {hall_id!r}")])


def free_slot(data: dict, hall_id: str, row_id: str) -> int:
    """The first slot in a row no rack occupies."""
    hall = data["halls"][_hall_index(data, hall_id)]
    used = {r["slot"] for r in hall.get("racks", []) if r.get("row") == row_id}
    slot = 0
    while slot in used:
        slot += 1
    return slot


def new_rack_id(data: dict, row_id: str) -> str:
    ids = {r["id"] for hall in data.get("halls", []) for r in hall.get("racks", [])}
    n = 1
    while f"{row_id}-N{n:02d}" in ids:
        n += 1
    return f"{row_id}-N{n:02d}"


def add_rack(
    data: dict, hall_id: str, row_id: str, slot: int | None = None, **fields
) -> tuple[dict, str]:
    """A copy of `data` with one more rack; returns (data, new rack id)."""
    out = copy.deepcopy(data)
    hall = out["halls"][_hall_index(out, hall_id)]
    rack = {"id": fields.pop("id", None) or new_rack_id(out, row_id), "row": row_id}
    # inherit feeds, loop and profile from a neighbour in the same row unless given
    neighbour = next((r for r in hall.get("racks", []) if r.get("row") == row_id), None)
    if neighbour:
        for key in ("profile", "feed_a", "feed_b", "liquid_loop", "liquid_fraction", "power_kw"):
            if key in neighbour and fields.get(key) in (None, ""):
                rack[key] = neighbour[key]
    rack["slot"] = free_slot(out, hall_id, row_id) if slot is None else int(slot)
    rack.update({k: v for k, v in fields.items() if v not in (None, "")})
    hall.setdefault("racks", []).append(rack)
    return out, rack["id"]


def remove_rack(data: dict, rack_id: str) -> dict:
    out = copy.deepcopy(data)
    h, r = _find_rack(out, rack_id)
    del out["halls"][h]["racks"][r]
    return out


def set_rack(data: dict, rack_id: str, **fields) -> dict:
    """Change fields of one rack; a value of None or "" removes the key (back to default/profile)."""
    out = copy.deepcopy(data)
    h, r = _find_rack(out, rack_id)
    rack = out["halls"][h]["racks"][r]
    for key, value in fields.items():
        if value is None or value == "":
            rack.pop(key, None)
        else:
            rack[key] = value
    return out


def move_rack(data: dict, rack_id: str, row_id: str, slot: int) -> dict:
    """Move a rack to another row/slot (another hall too, if the row is there)."""
    out = copy.deepcopy(data)
    h, r = _find_rack(out, rack_id)
    target = h
    for i, hall in enumerate(out["halls"]):
        if any(row.get("id") == row_id for row in hall.get("rows", [])):
            target = i
            break
    rack = out["halls"][h]["racks"].pop(r)
    rack["row"], rack["slot"] = row_id, int(slot)
    out["halls"][target].setdefault("racks", []).append(rack)
    return out


def set_containment(data: dict, hall_id: str, containment: str) -> dict:
    out = copy.deepcopy(data)
    out["halls"][_hall_index(out, hall_id)]["containment"] = containment
    return out


def field_errors(err: LayoutError, data: dict | None = None) -> dict[str, list[str]]:
    """Problems grouped by the field they concern (the last part of their path); with the
    edited `data`, each message names its component first ('rack H1-R01-03: ... (at
    halls[0].racks[2].power_kw)')."""
    named = component_errors(err, data) if data is not None else None
    out: dict[str, list[str]] = {}
    for i, p in enumerate(err.problems):
        last = p.path.rsplit(".", 1)[-1] if p.path else ""
        last = last.split("[", 1)[0]
        if named is not None:
            text = named[i]
        else:
            text = f"{p.path}: {p.message}" if p.path else p.message
        out.setdefault(last or "layout", []).append(text)
    return out


# ------------------------------------------------------------------ rows


def _find_row(data: dict, row_id: str) -> tuple[int, int]:
    for h, hall in enumerate(data.get("halls", [])):
        for r, row in enumerate(hall.get("rows", [])):
            if row.get("id") == row_id:
                return h, r
    raise LayoutError([Problem("<edit>", "rows", f"no row with id {row_id!r}")])


def row_racks(data: dict, row_id: str) -> list[str]:
    """Ids of the racks in row `row_id`."""
    h, _ = _find_row(data, row_id)
    return [r["id"] for r in data["halls"][h].get("racks", []) if r.get("row") == row_id]


def add_row(
    data: dict,
    hall_id: str,
    row_id: str,
    origin_m: tuple[float, float],
    axis: str = "x",
    facing: str = "+",
) -> dict:
    """A copy of `data` with one more (empty) row in hall `hall_id`."""
    out = copy.deepcopy(data)
    if row_id in all_ids(out):
        raise LayoutError([Problem("<edit>", "rows", f"id {row_id!r} is already used")])
    hall = out["halls"][_hall_index(out, hall_id)]
    row = {"id": row_id, "origin_m": [float(origin_m[0]), float(origin_m[1])], "axis": axis}
    row["facing"] = facing
    hall.setdefault("rows", []).append(row)
    return out


def copy_row(data: dict, row_id: str, new_id: str, origin_m: tuple[float, float]) -> dict:
    """A copy of `data` where row `row_id` and its racks are copied to a new row `new_id` at
    `origin_m` (same hall, axis, facing, rack size, feeds, loops, profiles). Rack ids
    starting with the row's id keep their suffix ('R01-03' -> 'R09-03')."""
    out = copy.deepcopy(data)
    h, r = _find_row(out, row_id)
    used = all_ids(out)
    if new_id in used:
        raise LayoutError([Problem("<edit>", "rows", f"id {new_id!r} is already used")])
    hall = out["halls"][h]
    row = copy.deepcopy(hall["rows"][r])
    row["id"], row["origin_m"] = new_id, [float(origin_m[0]), float(origin_m[1])]
    hall["rows"].append(row)
    for n, rack in enumerate([x for x in hall.get("racks", []) if x.get("row") == row_id], 1):
        new = copy.deepcopy(rack)
        rid = rack["id"]
        new["id"] = new_id + rid[len(row_id) :] if rid.startswith(row_id) else f"{new_id}-{n:02d}"
        if new["id"] in used:
            raise LayoutError([Problem("<edit>", "racks", f"id {new['id']!r} is already used")])
        used.add(new["id"])
        new["row"] = new_id
        hall["racks"].append(new)
    return out


def move_row(data: dict, row_id: str, origin_m: tuple[float, float]) -> dict:
    """A copy of `data` with row `row_id` (and so its racks) at a new origin in its hall."""
    out = copy.deepcopy(data)
    h, r = _find_row(out, row_id)
    out["halls"][h]["rows"][r]["origin_m"] = [float(origin_m[0]), float(origin_m[1])]
    return out


def remove_row(data: dict, row_id: str) -> dict:
    """A copy of `data` without row `row_id` and its racks."""
    out = copy.deepcopy(data)
    h, r = _find_row(out, row_id)
    hall = out["halls"][h]
    del hall["rows"][r]
    hall["racks"] = [x for x in hall.get("racks", []) if x.get("row") != row_id]
    return out


def set_racks(data: dict, rack_ids, **fields) -> dict:
    """Bulk edit of a selection: set `fields` on each rack in `rack_ids` (a value of None or
    "" leaves that field as it is on each rack); an unknown id is refused, by name."""
    out = copy.deepcopy(data)
    ids = set(rack_ids)
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    found = set()
    for hall in out.get("halls", []):
        for rack in hall.get("racks", []):
            if rack.get("id") in ids:
                rack.update(fields)
                found.add(rack["id"])
    if missing := sorted(ids - found):
        raise LayoutError([Problem("<edit>", "racks", f"no rack with id {', '.join(missing)}")])
    return out


def set_row(data: dict, row_id: str, **fields) -> dict:
    """Bulk edit: set `fields` on every rack of row `row_id` (a value of None or "" leaves
    that field as it is on each rack)."""
    out = copy.deepcopy(data)
    h, _ = _find_row(out, row_id)
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    for rack in out["halls"][h].get("racks", []):
        if rack.get("row") == row_id:
            rack.update(fields)
    return out


def component_errors(err: LayoutError, data: dict) -> list[str]:
    """Problems as messages that name the component first ('rack H1-R01-03: power_kw ...'),
    the path in the file after it, so a person finds the rack and a tool the field."""
    import re

    out = []
    for p in err.problems:
        who = ""
        m = re.match(r"halls\[(\d+)\](?:\.(racks|rows)\[(\d+)\])?", p.path or "")
        try:
            if m:
                hall = data["halls"][int(m.group(1))]
                if m.group(2):
                    item = hall[m.group(2)][int(m.group(3))]
                    who = f"{'rack' if m.group(2) == 'racks' else 'row'} {item.get('id')}: "
                else:
                    who = f"hall {hall.get('id')}: "
        except (IndexError, KeyError, TypeError, ValueError):
            who = ""
        field = (p.path or "").rsplit(".", 1)[-1] if m and m.end() < len(p.path) else ""
        if who and field:
            who = f"{who[:-2]}, {field}: "
        where = f" (at {p.path})" if p.path else ""
        out.append(f"{who}{p.message}{where}")
    return out
