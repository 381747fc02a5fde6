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


def apply(data: dict[str, Any], name: str = "<edited>") -> Layout:
    """Validate edited data into a Layout (raises LayoutError)."""
    return validate_data(copy.deepcopy(data), name)


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


def field_errors(err: LayoutError) -> dict[str, list[str]]:
    """Problems grouped by the field they concern (the last part of their path)."""
    out: dict[str, list[str]] = {}
    for p in err.problems:
        last = p.path.rsplit(".", 1)[-1] if p.path else ""
        last = last.split("[", 1)[0]
        out.setdefault(last or "layout", []).append(
            f"{p.path}: {p.message}" if p.path else p.message
        )
    return out
