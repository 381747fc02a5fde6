"""Layout editor: start from a reference layout or an upload, edit racks, re-solve, save."""

from __future__ import annotations

import functools
import re

import streamlit as st

from app_pages import common, place_panel
from twin.app import checks as K
from twin.app import edit as E
from twin.app import incremental as I
from twin.app import state as S
from twin.app.text import plain, size_mb
from twin.errors import LayoutError
from twin.layout import loads, save
from twin.layout.write import to_yaml
from twin.model import columns as C


def _data() -> dict:
    """The current layout as plain data, dumped once per layout version (the edits copy
    it, never change it)."""
    ss = st.session_state
    key = ss.get("layout_key")
    if ss.get("_ed_data", (None,))[0] != key:
        ss["_ed_data"] = (key, E.to_data(ss["layout"]))
    return ss["_ed_data"][1]


st.title("Layout editor")
twin, key = common.current()
layout = st.session_state["layout"]

# ---------------------------------------------------------------- start from
with st.expander("Start from a reference layout or an upload", expanded=False):
    c1, c2 = st.columns(2)
    with c1:
        refs = common.reference_layouts()
        ref = st.selectbox("Reference layout", refs, key="ed_ref")
        if st.button("Load reference layout", key="ed_load_ref") and ref:
            try:
                common.set_layout(common.load_path(ref), ref)
            except LayoutError as exc:
                common.show_layout_error(exc, ref)
            else:
                st.rerun()
    with c2:
        up = st.file_uploader(
            f"Upload a layout (YAML or JSON, at most {common.MAX_UPLOAD_MB} MB)",
            type=["yaml", "yml", "json"],
            max_upload_size=common.MAX_UPLOAD_MB,
            key="ed_upload",
        )
        if up is not None:
            # the server refuses bigger uploads (server.maxUploadSize, set by twin.app.run);
            # checked here too, before parsing, whatever server this page runs in
            if up.size > common.MAX_UPLOAD_BYTES:
                st.error(
                    plain(
                        f"{up.name} is {size_mb(up.size)}: uploads up to "
                        f"{common.MAX_UPLOAD_MB} MB are accepted."
                    )
                )
            elif st.session_state.get("ed_uploaded") != (up.name, up.size, up.file_id):
                new = None
                try:
                    new = loads(up.getvalue(), up.name)
                except LayoutError as exc:
                    common.show_layout_error(exc, up.name, f"{up.name} is not a valid layout.")
                except Exception:  # anything unexpected in the upload: a message, not a traceback
                    ref = common.log_exception(f"reading the upload {up.name!r}")
                    st.error(
                        plain(
                            f"{up.name} could not be read as a layout (reference {ref} in "
                            "the server's log)."
                        )
                    )
                else:
                    weather = new.site.weather_file
                    if weather and not weather.startswith("pvlib:"):
                        # a path in an upload would name a file on this server, not the visitor's
                        st.error(
                            plain(
                                f"{up.name} names the weather file {weather!r}: an uploaded "
                                "layout may only use pvlib's bundled weather ('pvlib:NAME'); "
                                "files on the server are not read for uploads."
                            )
                        )
                        new = None
                if new is not None:
                    st.session_state["ed_uploaded"] = (up.name, up.size, up.file_id)
                    common.set_layout(new, up.name)
                    st.session_state["ed_message"] = f"Loaded {up.name}: {len(new.halls)} halls."
                    st.rerun()

data = _data()
halls = [h["id"] for h in data["halls"]]
all_rows = [r["id"] for h in data["halls"] for r in h.get("rows", [])]
rack_halls = list(dict.fromkeys(twin.racks["hall"]))  # halls with racks, in layout order


def _rack_picker(prefix: str) -> str | None:
    """A hall, then one of its racks (keys `{prefix}_hall`, `{prefix}_rack`): a campus
    lists ~100 racks per hall where one list of all 7,584 took the browser 1-1.5 s to
    draw. A rack picked elsewhere (in 3D) brings its hall along."""
    ss = st.session_state
    rk, hk = f"{prefix}_rack", f"{prefix}_hall"
    picked = ss.get(rk)
    if picked in twin.racks.index and ss.get(hk) != twin.racks.at[picked, "hall"]:
        ss[hk] = twin.racks.at[picked, "hall"]
    hall = st.selectbox("Hall", rack_halls, key=hk, on_change=lambda: ss.pop(rk, None))
    ids = list(twin.racks.index[twin.racks["hall"].to_numpy() == hall])
    if ss.get(rk) not in ids:
        ss.pop(rk, None)
    return st.selectbox("Rack", ids, key=rk)


def _feeds(hall: str | None, *keep: str) -> list[str]:
    """Feed choices shown for a rack in `hall`: blank, the feeds its racks use and `keep`
    (~30 on a campus, where every PDU and UPS is 2,845: six such lists took the browser
    ~2 s to draw). Any other element id can be typed in (accept_new_options) and is
    checked like every value."""
    racks = twin.racks[twin.racks["hall"].to_numpy() == hall]
    used = set(racks["feed_a"].dropna()) | set(racks["feed_b"].dropna()) | set(keep)
    return [""] + sorted((f for f in used if isinstance(f, str) and f), key=S._natural)


profiles = [""] + sorted(layout.profiles)
loops = [""] + list(twin.loops.index)


UNDO_DEPTH = 30


def commit(new_data: dict, what: str, fast: I.RackEdit | None = None) -> bool:
    """Validate and make the edited layout current; problems go next to the fields, each
    naming its component. The layout before the edit goes on the undo stack. `fast`: the
    same edit already validated and built by `twin.app.incremental` (same answer)."""
    if fast is not None:
        new, new_key = fast.layout, fast.key
        common.adopt(new_key, fast.twin)
    else:
        try:
            new = E.apply(new_data, st.session_state["layout_name"])
        except LayoutError as exc:
            st.session_state["ed_errors"] = E.field_errors(exc, new_data)
            return False
        new_key = S.data_key(new_data)
    ss = st.session_state
    # with its content key: undo finds its twin and solve in the caches (no re-hash, ~0.5 s)
    before = (ss["layout"], ss["layout_name"], what, ss["layout_key"])
    ss["ed_undo"] = [*ss.get("ed_undo", []), before][-UNDO_DEPTH:]
    ss["ed_redo"] = []
    name = ss["layout_name"]
    common.set_layout(
        new,
        name if name.endswith("(edited)") else f"{name} (edited)",
        key=new_key,
    )
    ss["_ed_data"] = (new_key, new_data)  # the next edit starts from it (no dump)
    ss["ed_errors"] = {}
    ss["ed_message"] = what
    return True


def _on_undo() -> None:
    ss = st.session_state
    if ss.get("ed_undo"):
        layout, name, what, *key = ss["ed_undo"].pop()
        now = (ss["layout"], ss["layout_name"], what, ss["layout_key"])
        ss["ed_redo"] = [*ss.get("ed_redo", []), now]
        common.set_layout(layout, name, key=key[0] if key else None)
        ss["ed_errors"] = {}
        ss["ed_message"] = f"Undid: {what}"


def _on_redo() -> None:
    ss = st.session_state
    if ss.get("ed_redo"):
        layout, name, what, *key = ss["ed_redo"].pop()
        now = (ss["layout"], ss["layout_name"], what, ss["layout_key"])
        ss["ed_undo"] = [*ss.get("ed_undo", []), now]
        common.set_layout(layout, name, key=key[0] if key else None)
        ss["ed_errors"] = {}
        ss["ed_message"] = f"Redid: {what}"


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
            st.session_state["ed_errors"] = E.field_errors(exc, _data())
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
    msg = K.check_new_id(table, st.session_state[key].strip(), E.all_ids(_data()))
    if msg and not st.session_state[key].strip():
        st.session_state["ed_errors"] = {"halls" if table == "halls" else "rows": [msg]}
    return msg is not None


def _rack_defaults(tw, rid) -> dict:
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
def _on_add() -> None:
    ss = st.session_state
    slot, power = int(ss["ed_add_slot"]), ss["ed_add_power"]
    if _bad("racks", "slot", "ed_add_slot", when=slot >= 0) or _bad(
        "racks", "power_kw", "ed_add_power", when=power != 0
    ):
        return
    new, rid = E.add_rack(
        _data(),
        ss["ed_add_hall"],
        ss["ed_add_row"],
        None if slot < 0 else slot,
        power_kw=power if power != 0 else None,
        profile=ss["ed_add_profile"],
        feed_a=ss["ed_add_fa"],
        feed_b=ss["ed_add_fb"],
    )
    commit(new, f"Added rack {rid}.")


@_guarded
def _on_change() -> None:
    ss = st.session_state
    rid = ss["ed_ch_rack"]
    if _bad("racks", "power_kw", f"ed_ch_power_{rid}"):
        return
    # a rack picked in the form but not yet drawn has no fields: its current values
    d = _rack_defaults(common.current()[0], rid)
    fields = {
        "power_kw": ss.get(f"ed_ch_power_{rid}", d["power_kw"]),
        "profile": ss.get(f"ed_ch_prof_{rid}", d["profile"]),
        "feed_a": ss.get(f"ed_ch_fa_{rid}", d["feed_a"]),
        "feed_b": ss.get(f"ed_ch_fb_{rid}", d["feed_b"]),
        "liquid_loop": ss.get(f"ed_ch_loop_{rid}", d["liquid_loop"]),
    }
    fast = I.edit_rack(
        ss["layout"], _data(), ss["layout_key"], common.current()[0], rid, fields, ss["layout_name"]
    )
    new_data = fast.data if fast else E.set_rack(_data(), rid, **fields)
    commit(new_data, f"Changed rack {rid}.", fast)


@_guarded
def _on_move() -> None:
    ss = st.session_state
    rid, row, slot = ss["ed_mv_rack"], ss["ed_mv_row"], int(ss["ed_mv_slot"])
    if _bad("racks", "slot", "ed_mv_slot"):
        return
    commit(E.move_rack(_data(), rid, row, slot), f"Moved rack {rid} to {row} slot {slot}.")


@_guarded
def _on_remove() -> None:
    rid = st.session_state["ed_mv_rack"]
    commit(E.remove_rack(_data(), rid), f"Removed rack {rid}.")


@_guarded
def _on_hall_move() -> None:
    hall = st.session_state["ed_hall_id"]
    if _bad_xy("halls", "origin_m", "ed_hall_at"):
        return
    commit(E.move_hall(_data(), hall, _xy("ed_hall_at")), f"Moved hall {hall}.")


@_guarded
def _on_hall_remove() -> None:
    hall = st.session_state["ed_hall_id"]
    if len(_data()["halls"]) == 1:
        msg = f"hall {hall} is the layout's only hall: add or copy another before removing it"
        st.session_state["ed_errors"] = {"halls": [msg]}
        return
    n = sum(len(v) for v in E.hall_equipment(_data(), hall).values())
    commit(
        E.remove_hall(_data(), hall),
        f"Removed hall {hall} with its rows, racks and {n:,} items of its own equipment.",
    )


@_guarded
def _on_hall_new() -> None:
    ss = st.session_state
    new, src = ss["ed_newhall_id"].strip(), ss["ed_newhall_src"]
    if _bad_id("halls", "ed_newhall_id") or _bad_xy("halls", "origin_m", "ed_newhall_at"):
        return
    if not ss["ed_newhall_copy"] and _bad_xy("halls", "size_m", "ed_newhall_size"):
        return
    if ss["ed_newhall_copy"]:
        n = sum(len(v) for v in E.hall_equipment(_data(), src).values())
        done = commit(
            E.copy_hall(_data(), src, new, _xy("ed_newhall_at")),
            f"Copied hall {src} to {new} with its rows, racks and {n:,} items of equipment.",
        )
    else:
        size = _xy("ed_newhall_size")
        done = commit(E.add_hall(_data(), new, _xy("ed_newhall_at"), size), f"Added hall {new}.")
    if done:
        ss["ed_newhall_id"] = ""  # the id is taken now: the field is ready for the next one


@_guarded
def _on_hall() -> None:
    ss = st.session_state
    hall, cont = ss["ed_hall_id"], ss["ed_hall_cont"]
    commit(E.set_containment(_data(), hall, cont), f"Hall {hall}: containment {cont}.")


def _xy(prefix: str) -> tuple[float, float]:
    ss = st.session_state
    return float(ss[f"{prefix}_x"]), float(ss[f"{prefix}_y"])


@_guarded
def _on_row_add() -> None:
    ss = st.session_state
    new, rid = ss["ed_row_new"].strip(), ss["ed_row_src"]
    if _bad_id("rows", "ed_row_new") or _bad_xy("rows", "origin_m", "ed_row_at"):
        return
    if ss["ed_row_copy"]:
        done = commit(
            E.copy_row(_data(), rid, new, _xy("ed_row_at")), f"Copied row {rid} to {new}."
        )
    else:
        done = commit(
            E.add_row(_data(), ss["ed_row_hall"], new, _xy("ed_row_at"), ss["ed_row_axis"]),
            f"Added row {new}.",
        )
    if done:
        ss["ed_row_new"] = ""  # the id is taken now: the field is ready for the next one


@_guarded
def _on_row_move() -> None:
    rid = st.session_state["ed_row_src"]
    if _bad_xy("rows", "origin_m", "ed_row_at"):
        return
    commit(E.move_row(_data(), rid, _xy("ed_row_at")), f"Moved row {rid}.")


@_guarded
def _on_row_remove() -> None:
    rid = st.session_state["ed_row_src"]
    n = len(E.row_racks(_data(), rid))
    commit(E.remove_row(_data(), rid), f"Removed row {rid} and its {n:,} racks.")


@_guarded
def _on_row_bulk() -> None:
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
    picked = [r for r in ss.get(f"ed_bulk_racks_{rid}", []) if r in E.row_racks(_data(), rid)]
    # the same edit through the incremental path (None: the full path decides)
    clean = {k: v for k, v in fields.items() if v not in (None, "")}
    fast = I.edit_racks(
        ss["layout"],
        _data(),
        ss["layout_key"],
        common.current()[0],
        {r: clean for r in picked or E.row_racks(_data(), rid)},
        ss["layout_name"],
    )
    if picked:  # a selection in the row
        edited = fast.data if fast else E.set_racks(_data(), picked, **fields)
        commit(edited, f"Changed {len(picked):,} racks of row {rid}: {', '.join(picked)}.", fast)
        return
    n = len(E.row_racks(_data(), rid))
    edited = fast.data if fast else E.set_row(_data(), rid, **fields)
    commit(edited, f"Changed the {n:,} racks of row {rid}.", fast)


def field_error(field: str) -> None:
    for msg in st.session_state.get("ed_errors", {}).get(field, []):
        st.error(plain(msg))


# messages name ids, file names and values from the layout: shown as text (`plain`)
# the last edit's message and undo/redo share one row (the forms stay high on the page)
c_msg, c_undo, c_redo = st.columns([6, 1, 1], vertical_alignment="center")
if msg := st.session_state.pop("ed_message", None):
    c_msg.success(plain(msg))
if other := {
    k: v
    for k, v in st.session_state.get("ed_errors", {}).items()
    if k not in E.RACK_FIELDS + ("containment", "halls")
}:
    for msgs in other.values():
        for m in msgs:
            st.error(plain(m))

undo, redo = st.session_state.get("ed_undo", []), st.session_state.get("ed_redo", [])
c_undo.button(
    "↶ Undo",
    key="ed_undo_btn",
    on_click=_on_undo,
    disabled=not undo,
    help=f"Undo: {undo[-1][2]}" if undo else "Nothing to undo",
)
c_redo.button(
    "↷ Redo",
    key="ed_redo_btn",
    on_click=_on_redo,
    disabled=not redo,
    help=f"Redo: {redo[-1][2]}" if redo else "Nothing to redo",
)


def _live(table: str, field: str, key: str, cid: str | None, path=None, index=None) -> bool:
    """Validate-as-you-type: the value of widget `key` against the schema's bounds for
    `field` (twin.app.checks), its message right under the field. True when allowed."""
    msg = K.check(table, field, st.session_state.get(key), cid, path, index)
    if msg:
        st.error(plain(msg))
    return msg is None


def _live_id(table: str, key: str) -> bool:
    """A new id typed in widget `key`: allowed characters, not already used."""
    value = (st.session_state.get(key) or "").strip()
    msg = K.check_new_id(table, value, E.all_ids(_data())) if value else None
    if msg:
        st.error(plain(msg))
    return msg is None


def _rack_path(rid: str, field: str) -> str | None:
    try:
        h, r = E._find_rack(_data(), rid)
    except LayoutError:
        return None
    return f"halls[{h}].racks[{r}].{field}"


PANELS = ["Add rack", "Change rack", "Move / remove rack", "Rows", "Edit a whole row", "Hall"]


@st.fragment
def _edit_panels() -> None:
    """The edit panels, the picked one drawn. A fragment: typing in a field reruns only
    these panels (the live checks), not the solve and the 3D view; an applied edit reruns
    the whole page."""
    if st.session_state.pop("_ed_full_run", False):
        st.rerun()  # an edit was applied in a callback: KPIs and 3D must show it
    # one panel drawn at a time (tabs drew all six: ~100 widgets, lists of hundreds of
    # rows and loops, that the browser laid out on every load of the campus)
    panel = st.radio("Edit", PANELS, key="ed_panel", horizontal=True, label_visibility="collapsed")

    if panel == "Add rack":
        with st.container(border=True):
            hall = st.selectbox("Hall", halls, key="ed_add_hall")
            rows = [r["id"] for h in data["halls"] if h["id"] == hall for r in h.get("rows", [])]
            row = st.selectbox("Row", rows, key="ed_add_row")
            slot = st.number_input(
                "Slot (-1 = first free)", min_value=-1, value=-1, step=1, key="ed_add_slot"
            )
            if slot >= 0:
                _live("racks", "slot", "ed_add_slot", f"new in row {row}")
            field_error("slot")
            power = st.number_input(
                "Power kW (0 = as its neighbours)", value=0.0, step=1.0, key="ed_add_power"
            )
            if power != 0:
                _live("racks", "power_kw", "ed_add_power", f"new in row {row}")
            field_error("power_kw")
            st.selectbox("Profile", profiles, key="ed_add_profile")
            field_error("profile")
            add_feeds = _feeds(hall)
            st.selectbox(
                "Feed A (blank = as its neighbours)",
                add_feeds,
                key="ed_add_fa",
                accept_new_options=True,
            )
            field_error("feed_a")
            st.selectbox("Feed B", add_feeds, key="ed_add_fb", accept_new_options=True)
            field_error("feed_b")
            st.button("Add rack", key="ed_add_btn", on_click=_on_add)

    if panel == "Change rack":
        with st.container(border=True):
            rid = _rack_picker("ed_ch")
            d = _rack_defaults(twin, rid)
            st.number_input("Power kW", value=d["power_kw"], step=1.0, key=f"ed_ch_power_{rid}")
            _live("racks", "power_kw", f"ed_ch_power_{rid}", rid, _rack_path(rid, "power_kw"))
            field_error("power_kw")
            st.selectbox(
                "Profile", profiles, index=profiles.index(d["profile"]), key=f"ed_ch_prof_{rid}"
            )
            field_error("profile")
            ch = _feeds(twin.racks.at[rid, "hall"] if rid else None, d["feed_a"], d["feed_b"])
            st.selectbox(
                "Feed A",
                ch,
                index=ch.index(d["feed_a"]),
                key=f"ed_ch_fa_{rid}",
                accept_new_options=True,
            )
            field_error("feed_a")
            st.selectbox(
                "Feed B",
                ch,
                index=ch.index(d["feed_b"]),
                key=f"ed_ch_fb_{rid}",
                accept_new_options=True,
            )
            field_error("feed_b")
            st.selectbox(
                "Liquid loop", loops, index=loops.index(d["liquid_loop"]), key=f"ed_ch_loop_{rid}"
            )
            field_error("liquid_loop")
            st.button("Apply changes", key="ed_change_btn", on_click=_on_change)

    if panel == "Move / remove rack":
        with st.container(border=True):
            mv = _rack_picker("ed_mv")
            st.selectbox("To row", all_rows, key="ed_mv_row")
            st.number_input("To slot", min_value=0, value=0, step=1, key="ed_mv_slot")
            _live("racks", "slot", "ed_mv_slot", mv, _rack_path(mv, "slot"))
            field_error("slot")
            field_error("row")
            c1, c2 = st.columns(2)
            c1.button("Move rack", key="ed_move_btn", on_click=_on_move)
            c2.button("Remove rack", key="ed_remove_btn", on_click=_on_remove)

    if panel == "Rows":
        with st.container(border=True):
            st.caption(
                "Add an empty row, or copy a row with its racks (feeds, loops, profiles), to a "
                "new origin; move a row (its racks move with it); remove a row and its racks."
            )
            c1, c2 = st.columns(2)
            src = c1.selectbox("Row", all_rows, key="ed_row_src")
            c2.text_input("New row id (add or copy)", key="ed_row_new", placeholder="e.g. H1-R09")
            with c2:
                _live_id("rows", "ed_row_new")
            c1.number_input("Origin x (m, in the hall)", value=0.0, step=0.6, key="ed_row_at_x")
            c2.number_input("Origin y (m, in the hall)", value=0.0, step=0.6, key="ed_row_at_y")
            with c1:
                _live("rows", "origin_m", "ed_row_at_x", src, index=0)
            with c2:
                _live("rows", "origin_m", "ed_row_at_y", src, index=1)
            c1.selectbox("Hall (new empty row)", halls, key="ed_row_hall")
            c2.selectbox("Axis (new empty row)", ["x", "y"], key="ed_row_axis")
            st.checkbox("Copy the row's racks", value=True, key="ed_row_copy")
            field_error("rows")
            field_error("origin_m")
            b = st.columns(3)
            b[0].button("Add / copy row", key="ed_row_add_btn", on_click=_on_row_add)
            b[1].button("Move row", key="ed_row_move_btn", on_click=_on_row_move)
            b[2].button("Remove row", key="ed_row_remove_btn", on_click=_on_row_remove)

    if panel == "Edit a whole row":
        with st.container(border=True):
            st.caption(
                "Set a field on every rack of a row, or on the racks picked in it; blank or 0 "
                "leaves it as it is."
            )
            brow = st.selectbox("Row", all_rows, key="ed_bulk_row")
            st.multiselect(
                "Only these racks (none picked: every rack of the row)",
                E.row_racks(data, brow) if brow else [],
                key=f"ed_bulk_racks_{brow}",
            )
            power = st.number_input(
                "Power per rack, kW (0 = keep)", value=0.0, step=1.0, key="ed_bulk_power"
            )
            if power != 0:
                _live("racks", "power_kw", "ed_bulk_power", f"every rack of row {brow}")
            st.selectbox("Profile", profiles, key="ed_bulk_profile")
            bulk_feeds = _feeds(twin.rows.at[brow, "hall"] if brow in twin.rows.index else None)
            st.selectbox("Feed A", bulk_feeds, key="ed_bulk_fa", accept_new_options=True)
            st.selectbox("Feed B", bulk_feeds, key="ed_bulk_fb", accept_new_options=True)
            st.selectbox("Liquid loop", loops, key="ed_bulk_loop")
            st.button("Apply to the row", key="ed_bulk_btn", on_click=_on_row_bulk)

    if panel == "Hall":
        with st.container(border=True):
            hall = st.selectbox("Hall", halls, key="ed_hall_id")
            current_c = next(h.get("containment", "none") for h in data["halls"] if h["id"] == hall)
            options = ["none", "hot-aisle", "cold-aisle"]
            st.selectbox("Containment", options, index=options.index(current_c), key="ed_hall_cont")
            field_error("containment")
            st.button("Apply", key="ed_hall_btn", on_click=_on_hall)
            st.caption("Move the hall (its rows and racks move with it) or remove it.")
            here = next(h.get("origin_m", [0.0, 0.0]) for h in data["halls"] if h["id"] == hall)
            c1, c2 = st.columns(2)
            c1.number_input("Corner x (m, on the site)", value=float(here[0]), key="ed_hall_at_x")
            c2.number_input("Corner y (m, on the site)", value=float(here[1]), key="ed_hall_at_y")
            for i, col in enumerate((c1, c2)):
                with col:
                    _live("halls", "origin_m", f"ed_hall_at_{'xy'[i]}", hall, index=i)
            b = st.columns(2)
            b[0].button("Move hall", key="ed_hall_move_btn", on_click=_on_hall_move)
            b[1].button("Remove hall", key="ed_hall_remove_btn", on_click=_on_hall_remove)
        with st.container(border=True):
            st.caption(
                "Copy a hall with everything it alone uses (rows, racks, CRAHs, CDUs, loops, "
                "pumps, pipes, chillers, its UPS, PDUs and transformers; ids H1-... become "
                "NEW-...), or add an empty hall. Equipment shared with other halls (the "
                "building's MV bus, the grid) stays shared."
            )
            right = max(
                (h.get("origin_m", [0.0])[0] + h["size_m"][0] for h in data["halls"]), default=0
            )
            c1, c2 = st.columns(2)
            c1.selectbox("Hall to copy", halls, key="ed_newhall_src")
            c2.text_input("New hall id", key="ed_newhall_id", placeholder="e.g. H2")
            with c2:
                _live_id("halls", "ed_newhall_id")
            c1.number_input("Corner x (m, on the site)", value=right + 6.0, key="ed_newhall_at_x")
            c2.number_input("Corner y (m, on the site)", value=0.0, key="ed_newhall_at_y")
            c1.number_input("Width (m, empty hall)", value=20.0, key="ed_newhall_size_x")
            c2.number_input("Depth (m, empty hall)", value=30.0, key="ed_newhall_size_y")
            for i, col in enumerate((c1, c2)):
                with col:
                    new = "the new hall"
                    _live("halls", "origin_m", f"ed_newhall_at_{'xy'[i]}", new, index=i)
                    _live("halls", "size_m", f"ed_newhall_size_{'xy'[i]}", new, index=i)
            st.checkbox("Copy the hall and its equipment", value=True, key="ed_newhall_copy")
            st.button("Add / copy hall", key="ed_newhall_btn", on_click=_on_hall_new)
        field_error("halls")  # move, remove, add or copy a hall: below both hall panels


st.session_state.pop("_ed_full_run", None)  # this run is a full one already
_edit_panels()

# ------------------------------------------------------------ re-solved view
twin, key = common.current()
with st.expander(
    "Place racks: where N more racks of a profile fit",
    expanded=bool(st.session_state.get(place_panel.RESULT)),
):
    place_panel.panel(twin, _data, commit)
res = common.results(twin, key, ())
k = S.kpis(twin, res)
c = st.columns(5)
common.metric(c[0], "racks", k["racks"])
common.metric(c[1], "it_mw", k["it_mw"])
common.metric(c[2], "facility_mw", k["facility_mw"])
common.metric(c[3], "violations", k["violations"])
headroom_slot = c[4].empty()  # filled at the end of the run: the 3D view does not wait
if len(res.violations):
    common.table(res.violations[["component", "kind", "message"]], height=200)
column = st.selectbox(
    "Colour racks by",
    S.colour_columns(S.rack_table(twin, res)),
    key="ed_colour",
    format_func=C.header,
)


def _on_pick(cid: str) -> None:
    """A rack clicked in 3D becomes the rack to change, move or remove."""
    st.session_state["ed_picked"] = cid
    if cid in common.current()[0].racks.index:
        st.session_state["ed_ch_rack"] = cid
        st.session_state["ed_mv_rack"] = cid
        if st.session_state.get("ed_panel") not in ("Change rack", "Move / remove rack"):
            st.session_state["ed_panel"] = "Change rack"
        st.session_state["ed_message"] = f"Picked rack {cid}: edit it under Change rack or Move."


common.show_scene(
    twin,
    key,
    res,
    column,
    (),
    height=480,
    selected=st.session_state.get("ed_picked"),
    widget="ed_scene",
    on_pick=_on_pick,
    ghosts=place_panel.ghosts(twin),
)

# ------------------------------------------------- headroom (after the 3D view)
with headroom_slot.container():
    if len(twin.racks) <= 3000 or st.session_state.get("ed_headroom_on"):
        with st.spinner("IT headroom..."):
            common.show_headroom(st, twin, key)
    elif st.button("IT headroom", key="ed_headroom"):
        st.session_state["ed_headroom_on"] = True
        st.rerun()

# ---------------------------------------------------------------- save
st.subheader("Save")
layout = st.session_state["layout"]
base = re.sub(r"[^A-Za-z0-9_.-]+", "-", layout.site.name.lower()).strip("-") or "layout"
c1, c2 = st.columns([3, 1])
fname = c1.text_input("File name in layouts/", value=f"{base}-edited.yaml", key="ed_fname")
# the YAML is written only when the button is clicked (dumping it took most of a rerun)
c2.download_button(
    "Download YAML",
    functools.partial(to_yaml, layout),
    file_name=fname or "layout.yaml",
    mime="application/x-yaml",
    on_click="ignore",
)
if st.button("Save as new file", key="ed_save"):
    if not re.fullmatch(r"[A-Za-z0-9_.-]+\.ya?ml", fname or ""):
        st.error("File name: letters, digits, '.', '_' and '-' only, ending in .yaml")
    elif (common.LAYOUTS / fname).exists():
        st.error(plain(f"{fname} already exists: choose a new name (saving never overwrites)."))
    else:
        try:
            path = save(layout, common.LAYOUTS / fname)
        except OSError as exc:  # the folder is not writable, the disk is full...
            common.log_exception(f"saving {fname}")
            st.error(plain(f"Could not save {fname}: {exc.strerror or 'write failed'}."))
        else:
            common.set_layout(common.load_path(str(path)), common._name(path))
            st.success(plain(f"Saved {common._name(path)}."))
