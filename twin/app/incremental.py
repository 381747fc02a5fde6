"""The editor's fast path for a rack edit: validate, build and solve only what changed.

A rack power or profile edit changes one entry of the layout and one row of the
racks table. `edit_rack` re-validates that rack (`twin.layout.rack_edit`:
schema plus the cross-checks that read racks), patches the built Twin's racks
table (`twin.model.patch`) and hands the old Twin's solver structures to the new
one (`twin.solve.carry`: the power chain, the air model's factorised
recirculation shares, the pipe networks and the plant, with only the per-rack
loads replaced). The coupled solve then runs as for any Twin (`state.solve`).

One question, one answer: the result is the layout, Twin and results that the
full path (`twin.app.edit.set_rack` + `apply`, `Twin.from_layout`, `state.solve`)
gives, to 1e-9 on every res_* table (tests/app/test_incremental_edit.py). Any
problem in the edit, and any edit that is not of this kind, returns None: the
caller runs the full path, which reports problems as it always does.

No Streamlit here; `twin.app.warm.adopt` puts the prepared Twin in the app's cache.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from twin.layout import Layout
from twin.layout.calibration_carry import rechecked, same_air_values, status
from twin.layout.rack_edit import rack_positions, revalidate_racks
from twin.model import registry
from twin.model.patch import with_racks as patch_racks
from twin.solve.cache import table_digest
from twin.solve.carry import carry


@dataclass
class RackEdit:
    """An edited layout with its plain data, content key and built Twin."""

    layout: Layout
    data: dict[str, Any]
    key: str
    twin: Any
    carried: list[str]  # solver structures taken over from the Twin before the edit


def with_racks(data: dict, where: dict[str, tuple[int, int]], edits: dict[str, dict]) -> dict:
    """`data` with fields of racks set, as `twin.app.edit.set_rack` does per rack (None or
    "" removes the key), sharing every untouched part (nothing here or in
    `twin.app.edit` changes data in place). `where`: (hall, index) of each rack."""
    out = dict(data)
    out["halls"] = list(data["halls"])
    copied: set[int] = set()
    for rid, fields in edits.items():
        h, r = where[rid]
        if h not in copied:
            out["halls"][h] = dict(data["halls"][h])
            out["halls"][h]["racks"] = list(data["halls"][h]["racks"])
            copied.add(h)
        rack = out["halls"][h]["racks"][r] = dict(out["halls"][h]["racks"][r])
        for key, value in fields.items():
            if value is None or value == "":
                rack.pop(key, None)
            else:
                rack[key] = value
    return out


def edit_key(key: str, edits: dict[str, dict]) -> str:
    """The content key of layout `key` after these rack edits: a hash of the content before
    and the edits, which decide the content after (the same content reached another way
    gets another key: a cache miss, never a wrong hit)."""
    text = json.dumps([key, sorted((r, sorted(f.items())) for r, f in edits.items())], default=str)
    return "e" + hashlib.sha1(text.encode()).hexdigest()[:15]


def _power_key(twin) -> str:
    """A content key of the power chain and loops the Twin was built from (its tables'
    digests, remembered per table object by `twin.solve.cache`)."""
    h = hashlib.blake2b(digest_size=16)
    for name in (*registry.POWER_KINDS, "power_nodes", "loops"):
        h.update(name.encode())
        h.update(table_digest(getattr(twin, name)))
    return h.hexdigest()


def edit_rack(
    layout: Layout, data: dict, key: str, twin, rack_id: str, fields: dict, file: str
) -> RackEdit | None:
    """Rack `rack_id` of `layout` (plain data `data`, content key `key`, built `twin`)
    with `fields` set (`twin.app.edit.set_rack`), validated, built and ready to solve;
    None if the full path must decide (a problem in the edit, an id change, a rack that
    is not there)."""
    return edit_racks(layout, data, key, twin, {rack_id: fields}, file)


def edit_racks(
    layout: Layout, data: dict, key: str, twin, edits: dict[str, dict], file: str
) -> RackEdit | None:
    """As `edit_rack` for several racks at once, each with its own fields (a bulk edit of
    a row or a selection: `set_racks`/`set_row` are this with the blank fields left out)."""
    if not edits or any("id" in f for f in edits.values()) or twin.layout is not layout:
        return None
    where = rack_positions(layout, list(edits))
    if len(where) != len(edits):
        return None
    new_data = with_racks(data, where, edits)
    new_layout = revalidate_racks(layout, new_data, list(edits), file, _power_key(twin))
    if new_layout is None:
        return None
    if status(layout):  # its air calibration judged on the edited racks (a profile moves air)
        judged = rechecked(new_layout, layout)
        if status(judged) != status(layout) or not same_air_values(judged, new_layout):
            return None  # dropped or taken up again: the full path decides (hall values change)
        new_layout = judged
    new_twin = patch_racks(twin, new_layout, list(edits))
    return RackEdit(
        layout=new_layout,
        data=new_data,
        key=edit_key(key, edits),
        twin=new_twin,
        carried=carry(twin, new_twin),
    )
