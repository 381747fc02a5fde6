"""The editor's edit actions: the panels' on_click callbacks (add, change, move and remove
racks; add, copy, move, remove and bulk-edit rows; add, copy, move and remove halls).

Each reads its panel's widgets from `st.session_state`, refuses a value the live checks
refuse (`twin.app.checks`: its message is under the field), edits the layout's plain data
(`twin.app.edit`, or `twin.app.incremental` for rack fields: the same answer, faster)
and commits it (`editor_history.commit`, so Undo takes it back). No physics here.
"""

from __future__ import annotations

import functools

import streamlit as st

from app_pages import common
from app_pages import editor_history as H
from twin.app import checks as K
from twin.app import edit as E
from twin.app import incremental as I
from twin.errors import LayoutError

# The panels apply their edit in an on_click callback: it runs before the script,
# so one run of the page shows the edited layout (an edit inside the panel body
# needed a second full run, st.rerun(), to refresh the widgets drawn above it).
# A value the live checks refuse (`_bad`) is not applied: its message is under the field.


def _guarded(fn):
    """A form callback whose edit problems (e.g. a rack gone meanwhile) become messages."""

    @functools.wraps(fn)
    def run() -> None:
        try:
            fn()
        except LayoutError as exc:
            st.session_state["ed_errors"] = E.field_errors(exc, H.data())
        finally:  # clicked in the panels' fragment: the whole page shows the result
            st.session_state["_ed_full_run"] = True

    return run


def _bad(table: str, field: str, key: str, index: int | None = None, when=True) -> bool:
    """True when widget `key` holds a value the schema refuses (its live check shows why)."""
    ss = st.session_state
    return bool(when) and key in ss and K.check(table, field, ss[key], index=index) is not None


def _bad_xy(table: str, field: str, prefix: str) -> bool:
    return _bad(table, field, f"{prefix}_x", 0) or _bad(table, field, f"{prefix}_y", 1)


def _bad_id(table: str, key: str) -> bool:
    """A new id that is missing, malformed or used: the message goes with the edit's errors."""
    msg = K.check_new_id(table, st.session_state[key].strip(), E.all_ids(H.data()))
    if msg and not st.session_state[key].strip():
        st.session_state["ed_errors"] = {"halls" if table == "halls" else "rows": [msg]}
    return msg is not None


def _xy(prefix: str) -> tuple[float, float]:
    ss = st.session_state
    return float(ss[f"{prefix}_x"]), float(ss[f"{prefix}_y"])


def _commit_new(id_key: str, new_data: dict, what: str) -> None:
    """Commit an added or copied hall or row; once done its id is taken, so the id field
    (widget `id_key`) is emptied, ready for the next one."""
    if H.commit(new_data, what):
        st.session_state[id_key] = ""


def rack_defaults(tw, rid) -> dict:
    """What the "Change rack" fields show for rack `rid` before the user types."""
    r = tw.racks.loc[rid] if rid in tw.racks.index else None
    if r is None:
        return {"power_kw": 0.0, "profile": "", "feed_a": "", "feed_b": "", "liquid_loop": ""}
    lay = st.session_state["layout"]
    feeds_ok = set(tw.pdus.index) | set(tw.ups.index)

    def pick(value, allowed) -> str:
        return value if value in allowed else ""

    return {
        "power_kw": float(r["power_kw"]),
        "profile": pick(r["profile"], set(lay.profiles)),
        "feed_a": pick(r["feed_a"], feeds_ok),
        "feed_b": pick(r["feed_b"], feeds_ok),
        "liquid_loop": pick(r["liquid_loop"], set(tw.loops.index)),
    }


@_guarded
def on_add() -> None:
    ss = st.session_state
    slot, power = int(ss["ed_add_slot"]), ss["ed_add_power"]
    if _bad("racks", "slot", "ed_add_slot", when=slot >= 0) or _bad(
        "racks", "power_kw", "ed_add_power", when=power != 0
    ):
        return
    new, rid = E.add_rack(
        H.data(),
        ss["ed_add_hall"],
        ss["ed_add_row"],
        None if slot < 0 else slot,
        power_kw=power if power != 0 else None,
        profile=ss["ed_add_profile"],
        feed_a=ss["ed_add_fa"],
        feed_b=ss["ed_add_fb"],
    )
    H.commit(new, f"Added rack {rid}.")


@_guarded
def on_change() -> None:
    ss = st.session_state
    rid = ss["ed_ch_rack"]
    if _bad("racks", "power_kw", f"ed_ch_power_{rid}"):
        return
    # a rack picked in the form but not yet drawn has no fields: its current values
    d = rack_defaults(common.current()[0], rid)
    fields = {
        "power_kw": ss.get(f"ed_ch_power_{rid}", d["power_kw"]),
        "profile": ss.get(f"ed_ch_prof_{rid}", d["profile"]),
        "feed_a": ss.get(f"ed_ch_fa_{rid}", d["feed_a"]),
        "feed_b": ss.get(f"ed_ch_fb_{rid}", d["feed_b"]),
        "liquid_loop": ss.get(f"ed_ch_loop_{rid}", d["liquid_loop"]),
    }
    fast = I.edit_rack(
        ss["layout"],
        H.data(),
        ss["layout_key"],
        common.current()[0],
        rid,
        fields,
        ss["layout_name"],
    )
    new_data = fast.data if fast else E.set_rack(H.data(), rid, **fields)
    H.commit(new_data, f"Changed rack {rid}.", fast)


@_guarded
def on_move() -> None:
    ss = st.session_state
    rid, row, slot = ss["ed_mv_rack"], ss["ed_mv_row"], int(ss["ed_mv_slot"])
    if _bad("racks", "slot", "ed_mv_slot"):
        return
    H.commit(E.move_rack(H.data(), rid, row, slot), f"Moved rack {rid} to {row} slot {slot}.")


@_guarded
def on_remove() -> None:
    rid = st.session_state["ed_mv_rack"]
    H.commit(E.remove_rack(H.data(), rid), f"Removed rack {rid}.")


@_guarded
def on_hall_move() -> None:
    hall = st.session_state["ed_hall_id"]
    if _bad_xy("halls", "origin_m", "ed_hall_at"):
        return
    H.commit(E.move_hall(H.data(), hall, _xy("ed_hall_at")), f"Moved hall {hall}.")


@_guarded
def on_hall_remove() -> None:
    hall = st.session_state["ed_hall_id"]
    if len(H.data()["halls"]) == 1:
        msg = f"hall {hall} is the layout's only hall: add or copy another before removing it"
        st.session_state["ed_errors"] = {"halls": [msg]}
        return
    n = sum(len(v) for v in E.hall_equipment(H.data(), hall).values())
    H.commit(
        E.remove_hall(H.data(), hall),
        f"Removed hall {hall} with its rows, racks and {n:,} items of its own equipment.",
    )


@_guarded
def on_hall_new() -> None:
    ss = st.session_state
    new, src = ss["ed_newhall_id"].strip(), ss["ed_newhall_src"]
    if _bad_id("halls", "ed_newhall_id") or _bad_xy("halls", "origin_m", "ed_newhall_at"):
        return
    if not ss["ed_newhall_copy"] and _bad_xy("halls", "size_m", "ed_newhall_size"):
        return
    at = _xy("ed_newhall_at")
    if ss["ed_newhall_copy"]:
        n = sum(len(v) for v in E.hall_equipment(H.data(), src).values())
        what = f"Copied hall {src} to {new} with its rows, racks and {n:,} items of equipment."
        _commit_new("ed_newhall_id", E.copy_hall(H.data(), src, new, at), what)
    else:
        size = _xy("ed_newhall_size")
        _commit_new("ed_newhall_id", E.add_hall(H.data(), new, at, size), f"Added hall {new}.")


@_guarded
def on_hall() -> None:
    ss = st.session_state
    hall, cont = ss["ed_hall_id"], ss["ed_hall_cont"]
    H.commit(E.set_containment(H.data(), hall, cont), f"Hall {hall}: containment {cont}.")


@_guarded
def on_row_add() -> None:
    ss = st.session_state
    new, rid = ss["ed_row_new"].strip(), ss["ed_row_src"]
    if _bad_id("rows", "ed_row_new") or _bad_xy("rows", "origin_m", "ed_row_at"):
        return
    at = _xy("ed_row_at")
    if ss["ed_row_copy"]:
        _commit_new("ed_row_new", E.copy_row(H.data(), rid, new, at), f"Copied row {rid} to {new}.")
    else:
        added = E.add_row(H.data(), ss["ed_row_hall"], new, at, ss["ed_row_axis"])
        _commit_new("ed_row_new", added, f"Added row {new}.")


@_guarded
def on_row_move() -> None:
    rid = st.session_state["ed_row_src"]
    if _bad_xy("rows", "origin_m", "ed_row_at"):
        return
    H.commit(E.move_row(H.data(), rid, _xy("ed_row_at")), f"Moved row {rid}.")


@_guarded
def on_row_remove() -> None:
    rid = st.session_state["ed_row_src"]
    n = len(E.row_racks(H.data(), rid))
    H.commit(E.remove_row(H.data(), rid), f"Removed row {rid} and its {n:,} racks.")


@_guarded
def on_row_bulk() -> None:
    ss = st.session_state
    rid, power = ss["ed_bulk_row"], ss["ed_bulk_power"]
    if _bad("racks", "power_kw", "ed_bulk_power", when=power != 0):
        return
    fields = {
        "power_kw": power if power != 0 else None,
        "profile": ss["ed_bulk_profile"],
        "feed_a": ss["ed_bulk_fa"],
        "feed_b": ss["ed_bulk_fb"],
        "liquid_loop": ss["ed_bulk_loop"],
    }
    picked = [r for r in ss.get(f"ed_bulk_racks_{rid}", []) if r in E.row_racks(H.data(), rid)]
    # the same edit through the incremental path (None: the full path decides)
    clean = {k: v for k, v in fields.items() if v not in (None, "")}
    fast = I.edit_racks(
        ss["layout"],
        H.data(),
        ss["layout_key"],
        common.current()[0],
        {r: clean for r in picked or E.row_racks(H.data(), rid)},
        ss["layout_name"],
    )
    if picked:  # a selection in the row
        edited = fast.data if fast else E.set_racks(H.data(), picked, **fields)
        H.commit(edited, f"Changed {len(picked):,} racks of row {rid}: {', '.join(picked)}.", fast)
        return
    n = len(E.row_racks(H.data(), rid))
    edited = fast.data if fast else E.set_row(H.data(), rid, **fields)
    H.commit(edited, f"Changed the {n:,} racks of row {rid}.", fast)
