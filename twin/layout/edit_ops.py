"""Site edits on a layout's plain data (`twin.layout.dump`): add, copy, move and remove halls
with the equipment each hall owns. Every function returns a new dict and leaves its input
alone; validate the result with `twin.layout.validate_data` (the editor does, in
`twin.app.edit.apply`).

What a hall owns (`hall_equipment`), so that a copy is a working hall and a removal leaves
no reference to something gone:

- its rows and racks;
- the cooling units that name it (`hall: H`: CRAHs, CDUs);
- each water loop that only the hall uses: every rack and unit that names the loop is in
  the hall, or stands on another such loop (a loop's pumps, pipes, chillers, towers, dry
  coolers, CDUs without a hall), found by a fixed point so a chiller's condenser loop and
  its towers come along; a loop another hall also uses stays shared;
- the power elements feeding what it owns (racks' `feed_a`/`feed_b`, units' `feed`/
  `feed_b`), climbing `upstream`/`alternate` while everything an element feeds is owned,
  up to and including the first transformer: the hall's MV/LV (or LV) transformers are its
  own, the bus above them is the building's; sources (utilities, generators, turbines) are
  never a hall's;
- site batteries (`storage:`) on one of its buses.

Id scheme of a copy (`copy_id`): an id that starts with the old hall's id and a separator
(`-`, `_`, `.`, `:`, `/`) takes the new hall's id in its place (`H1-UPS-A1` -> `H2-UPS-A1`,
`H1-R01-03` -> `H2-R01-03`); any other id gets the new hall's id and `-` in front
(`TX-1` -> `ROOM2-TX-1`). References between copied items follow the new ids; references
to shared items (the building's MV bus, a generator, a shared loop) stay as they are. A new
id that is already used is refused with a `LayoutError` naming it. Copied items with a
`position_m` move by the same offset as the hall.
"""

from __future__ import annotations

import copy
from typing import Any

from twin.errors import LayoutError, Problem
from twin.model.registry import COOLING_KINDS, POWER_BRANCHES, STORAGE_KINDS

SEPARATORS = "-_.:/"
"""Characters that may follow a hall's id at the start of the ids of what it owns."""

LOOP_REFS = ("loop", "facility_loop", "condenser_loop")
"""Fields of a cooling item that name a loop; `loop` is the one the item stands on."""

REF_FIELDS = (
    "row",
    "hall",
    "feed_a",
    "feed_b",
    "feed",
    "upstream",
    "alternate",
    "liquid_loop",
    *LOOP_REFS,
)
"""Fields that hold another component's id: rewritten in a copy when that one is copied."""


def _problem(path: str, message: str) -> LayoutError:
    return LayoutError([Problem("<edit>", path, message)])


def hall_index(data: dict, hall_id: str) -> int:
    for h, hall in enumerate(data.get("halls", [])):
        if hall.get("id") == hall_id:
            return h
    known = ", ".join(str(x.get("id")) for x in data.get("halls", []))
    raise _problem("halls", f"no hall with id {hall_id!r} (halls: {known})")


def all_ids(data: dict) -> set[str]:
    """Every id in the layout: halls, rows, racks, power, cooling and storage items."""
    ids: set[str] = set()
    for hall in data.get("halls", []):
        ids.add(hall.get("id"))
        ids |= {r.get("id") for r in hall.get("rows", [])}
        ids |= {r.get("id") for r in hall.get("racks", [])}
    for section in ("power", "cooling", "storage"):
        for items in (data.get(section) or {}).values():
            ids |= {x.get("id") for x in items}
    return ids


def _items(data: dict, section: str, tables) -> list[tuple[str, dict]]:
    sec = data.get(section) or {}
    return [(t, x) for t in tables for x in sec.get(t, [])]


def _owned_loops(data: dict, hall_id: str, racks: list[dict]) -> set[str]:
    """Loops only hall `hall_id` uses (module docstring), with the loops it reaches."""
    cooling = [x for _, x in _items(data, "cooling", COOLING_KINDS)]
    users: dict[str, list[tuple[str, dict | None]]] = {}  # loop -> ("here"/"other"/"plant", item)
    for h in data.get("halls", []):
        where = "here" if h.get("id") == hall_id else "other"
        for r in h.get("racks", []):
            if r.get("liquid_loop"):
                users.setdefault(r["liquid_loop"], []).append((where, None))
    for x in cooling:
        hall = x.get("hall")
        where = "plant" if not hall else ("here" if hall == hall_id else "other")
        for f in LOOP_REFS:
            if x.get(f):
                users.setdefault(x[f], []).append((where, x))
    # greatest fixed point: a loop stays while every user is in the hall or on a kept loop
    keep = set(users)
    changed = True
    while changed:
        changed = False
        for loop in list(keep):
            for where, x in users[loop]:
                if where == "other" or (where == "plant" and x.get("loop") not in keep):
                    keep.discard(loop)
                    changed = True
                    break
    # of those, the ones the hall reaches: from its racks and units, then through plant on them
    start = {r["liquid_loop"] for r in racks if r.get("liquid_loop")}
    start |= {x[f] for x in cooling if x.get("hall") == hall_id for f in LOOP_REFS if x.get(f)}
    reached = set()
    todo = [loop for loop in start if loop in keep]
    while todo:
        loop = todo.pop()
        if loop in reached:
            continue
        reached.add(loop)
        for x in cooling:
            if not x.get("hall") and x.get("loop") == loop:
                todo += [x[f] for f in LOOP_REFS if x.get(f) in keep and x[f] not in reached]
    return reached


def hall_equipment(data: dict, hall_id: str) -> dict[str, list[str]]:
    """Ids of what hall `hall_id` owns outside its own entry, by table (crahs, loops,
    pdus, ...; tables with none left out). The rules are in the module docstring."""
    hall = data["halls"][hall_index(data, hall_id)]
    racks = hall.get("racks", [])
    loops = _owned_loops(data, hall_id, racks)
    owned: dict[str, list[str]] = {}
    cooling_owned: list[dict] = []
    for table, x in _items(data, "cooling", COOLING_KINDS):
        if table == "loops":
            mine = x.get("id") in loops
        else:
            mine = x.get("hall") == hall_id or (not x.get("hall") and x.get("loop") in loops)
        if mine:
            owned.setdefault(table, []).append(x["id"])
            cooling_owned.append(x)
    # power: climb from what the hall owns, stopping at transformers and sources
    branches = {x["id"]: (t, x) for t, x in _items(data, "power", POWER_BRANCHES)}
    consumers = [(r.get("feed_a"), r.get("feed_b")) for r in racks]
    consumers += [(x.get("feed"), x.get("feed_b")) for x in cooling_owned]
    cand: set[str] = set()
    todo = [f for pair in consumers for f in pair if f in branches]
    while todo:
        e = todo.pop()
        if e in cand:
            continue
        cand.add(e)
        table, x = branches[e]
        if table != "transformers":
            todo += [x[f] for f in ("upstream", "alternate") if x.get(f) in branches]
    # who names each candidate: it stays only while all of them are the hall's
    rack_ids = {r["id"] for r in racks}
    cooling_ids = {x["id"] for x in cooling_owned}
    referrers: dict[str, list[tuple[str, str]]] = {}  # element -> [(kind, id)]
    for h in data.get("halls", []):
        for r in h.get("racks", []):
            for f in ("feed_a", "feed_b"):
                if r.get(f) in cand:
                    referrers.setdefault(r[f], []).append(("rack", r["id"]))
    for _, x in _items(data, "cooling", COOLING_KINDS):
        for f in ("feed", "feed_b"):
            if x.get(f) in cand:
                referrers.setdefault(x[f], []).append(("cooling", x["id"]))
    for e, (_, x) in branches.items():
        for f in ("upstream", "alternate"):
            if x.get(f) in cand:
                referrers.setdefault(x[f], []).append(("branch", e))
    changed = True
    while changed:
        changed = False
        for e in list(cand):
            ok = all(
                (kind == "rack" and cid in rack_ids)
                or (kind == "cooling" and cid in cooling_ids)
                or (kind == "branch" and cid in cand)
                for kind, cid in referrers.get(e, [])
            )
            if not ok:
                cand.discard(e)
                changed = True
    for table, x in _items(data, "power", POWER_BRANCHES):
        if x["id"] in cand:
            owned.setdefault(table, []).append(x["id"])
    for table, x in _items(data, "storage", STORAGE_KINDS):
        if x.get("feed") in cand:
            owned.setdefault(table, []).append(x["id"])
    return owned


def copy_id(cid: str, old_hall: str, new_hall: str) -> str:
    """The id of the copy of `cid` when hall `old_hall` is copied to `new_hall` (module
    docstring): the hall's prefix swapped, or the new hall's id put in front."""
    n = len(old_hall)
    if cid.startswith(old_hall) and len(cid) > n and cid[n] in SEPARATORS:
        return new_hall + cid[n:]
    return f"{new_hall}-{cid}"


def _shifted(item: dict, dx: float, dy: float) -> None:
    pos = item.get("position_m")
    if pos:
        item["position_m"] = [float(pos[0]) + dx, float(pos[1]) + dy]


def _origin(hall: dict) -> tuple[float, float]:
    o = hall.get("origin_m") or (0.0, 0.0)
    return float(o[0]), float(o[1])


def copy_hall(
    data: dict, hall_id: str, new_id: str, origin_m: tuple[float, float], name: str | None = None
) -> dict:
    """A copy of `data` with hall `hall_id` copied, with everything it owns, as hall `new_id`
    with its corner at `origin_m` (ids by `copy_id`; shared equipment stays shared)."""
    out = copy.deepcopy(data)
    src = out["halls"][hall_index(out, hall_id)]
    owned = hall_equipment(out, hall_id)
    old_ids = [r["id"] for r in src.get("rows", [])] + [r["id"] for r in src.get("racks", [])]
    old_ids += [cid for ids in owned.values() for cid in ids]
    mapping = {hall_id: new_id} | {cid: copy_id(cid, hall_id, new_id) for cid in old_ids}
    used = all_ids(out)
    taken = sorted(v for v in mapping.values() if v in used)
    if taken:
        more = f" and {len(taken) - 5:,} more" if len(taken) > 5 else ""
        raise _problem(
            "halls",
            f"copying hall {hall_id} as {new_id}: id {', '.join(taken[:5])}{more} "
            "already used; choose another new hall id",
        )
    (x0, y0), (x1, y1) = _origin(src), (float(origin_m[0]), float(origin_m[1]))

    def renamed(item: dict) -> dict:
        new = copy.deepcopy(item)
        new["id"] = mapping[item["id"]]
        for f in REF_FIELDS:
            if isinstance(new.get(f), str) and new[f] in mapping:
                new[f] = mapping[new[f]]
        _shifted(new, x1 - x0, y1 - y0)
        return new

    hall = copy.deepcopy(src)
    hall["id"], hall["origin_m"] = new_id, [x1, y1]
    old_name = src.get("name")
    if name:
        hall["name"] = name
    elif old_name:
        hall["name"] = (
            old_name.replace(hall_id, new_id) if hall_id in old_name else f"{old_name} (copy)"
        )
    hall["rows"] = [renamed(r) for r in src.get("rows", [])]
    hall["racks"] = [renamed(r) for r in src.get("racks", [])]
    out["halls"].append(hall)
    for section in ("power", "cooling", "storage"):
        for table, ids in owned.items():
            items = (out.get(section) or {}).get(table)
            if items is None:
                continue
            mine = set(ids)
            items.extend([renamed(x) for x in items if x.get("id") in mine])
    return out


def remove_hall(data: dict, hall_id: str) -> dict:
    """A copy of `data` without hall `hall_id` and everything it owns; what stays names
    nothing that went (the ownership rules guarantee it)."""
    out = copy.deepcopy(data)
    owned = hall_equipment(out, hall_id)
    del out["halls"][hall_index(out, hall_id)]
    for section in ("power", "cooling", "storage"):
        sec = out.get(section) or {}
        for table, ids in owned.items():
            if table in sec:
                gone = set(ids)
                sec[table] = [x for x in sec[table] if x.get("id") not in gone]
    return out


def move_hall(data: dict, hall_id: str, origin_m: tuple[float, float]) -> dict:
    """A copy of `data` with hall `hall_id` at a new corner: its rows and racks (placed
    relative to it) and the owned equipment with a site position move with it."""
    out = copy.deepcopy(data)
    hall = out["halls"][hall_index(out, hall_id)]
    (x0, y0), (x1, y1) = _origin(hall), (float(origin_m[0]), float(origin_m[1]))
    hall["origin_m"] = [x1, y1]
    owned = {cid for ids in hall_equipment(out, hall_id).values() for cid in ids}
    for section in ("power", "cooling", "storage"):
        for items in (out.get(section) or {}).values():
            for x in items:
                if x.get("id") in owned:
                    _shifted(x, x1 - x0, y1 - y0)
    return out


def add_hall(
    data: dict,
    hall_id: str,
    origin_m: tuple[float, float],
    size_m: tuple[float, float],
    **fields: Any,
) -> dict:
    """A copy of `data` with one more, empty hall (add rows and racks to it, or copy rows in)."""
    out = copy.deepcopy(data)
    if hall_id in all_ids(out):
        raise _problem("halls", f"id {hall_id!r} is already used")
    hall = {
        "id": hall_id,
        "origin_m": [float(origin_m[0]), float(origin_m[1])],
        "size_m": [float(size_m[0]), float(size_m[1])],
        "rows": [],
        "racks": [],
    }
    hall.update({k: v for k, v in fields.items() if v not in (None, "")})
    out["halls"].append(hall)
    return out
