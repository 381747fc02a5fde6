"""The editor's edit panels: one drawn at a time, each a few fields checked as you type
(`twin.app.checks`, the message right under the field) and a button whose on_click
callback (`editor_actions`) applies the edit. No physics here.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from app_pages import editor_actions as A
from app_pages import editor_history as H
from twin.app import checks as K
from twin.app import edit as E
from twin.app import placement as AP
from twin.app.components import natural_key
from twin.app.text import plain
from twin.errors import LayoutError
from twin.model import Twin

PANELS = ["Add rack", "Change rack", "Move / remove rack", "Rows", "Edit a whole row", "Hall"]
PANEL_FIELDS = E.RACK_FIELDS + ("containment", "halls")
"""The fields whose messages a panel shows under the field (the others go on top)."""


def field_error(field: str) -> None:
    """The refused edit's messages for `field`, under the field."""
    for msg in st.session_state.get("ed_errors", {}).get(field, []):
        st.error(plain(msg))


def _rack_picker(twin: Twin, prefix: str) -> str | None:
    """A hall, then one of its racks (keys `{prefix}_hall`, `{prefix}_rack`): a campus
    lists ~100 racks per hall where one list of all 7,584 took the browser 1-1.5 s to
    draw. A rack picked elsewhere (in 3D) brings its hall along."""
    ss = st.session_state
    rk, hk = f"{prefix}_rack", f"{prefix}_hall"
    picked = ss.get(rk)
    if picked in twin.racks.index and ss.get(hk) != twin.racks.at[picked, "hall"]:
        ss[hk] = twin.racks.at[picked, "hall"]
    halls = list(dict.fromkeys(twin.racks["hall"]))  # halls with racks, in layout order
    hall = st.selectbox("Hall", halls, key=hk, on_change=lambda: ss.pop(rk, None))
    ids = list(twin.racks.index[twin.racks["hall"].to_numpy() == hall])
    if ss.get(rk) not in ids:
        ss.pop(rk, None)
    return st.selectbox("Rack", ids, key=rk)


def blank_as(text: str):
    """A picker's format_func that shows the blank choice as `text` (what blank does: no
    feed, as its neighbours, keep): Streamlit draws an empty label as its grey "Choose an
    option" placeholder, which reads as if nothing were picked."""
    return lambda v: text if v in ("", None) else str(v)


def _feeds(twin: Twin, hall: str | None, *keep: str) -> list[str]:
    """Feed choices shown for a rack in `hall`: blank, the feeds its racks use and `keep`
    (~30 on a campus, where every PDU and UPS is 2,845: six such lists took the browser
    ~2 s to draw). Any other element id can be typed in (accept_new_options) and is
    checked like every value."""
    racks = twin.racks[twin.racks["hall"].to_numpy() == hall]
    used = set(racks["feed_a"].dropna()) | set(racks["feed_b"].dropna()) | set(keep)
    return [""] + sorted((f for f in used if isinstance(f, str) and f), key=natural_key)


def _feed_pair(
    options: list[str],
    key_a: str,
    key_b: str,
    values: tuple[str, str] = ("", ""),
    blank: str = "none (no feed)",
) -> None:
    """The Feed A and Feed B pickers of a rack or a row, each with the refused edit's
    message under it; the blank choice shown as `blank`; any other element id can be
    typed in (checked like every value)."""
    for label, key, value, field in zip(
        ("Feed A", "Feed B"), (key_a, key_b), values, ("feed_a", "feed_b"), strict=True
    ):
        st.selectbox(label, options, index=options.index(value), key=key,
                     accept_new_options=True, format_func=blank_as(blank))  # fmt: skip
        field_error(field)


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
    msg = K.check_new_id(table, value, E.all_ids(H.data())) if value else None
    if msg:
        st.error(plain(msg))
    return msg is None


def _rack_path(rid: str, field: str) -> str | None:
    try:
        h, r = E._find_rack(H.data(), rid)
    except LayoutError:
        return None
    return f"halls[{h}].racks[{r}].{field}"


@dataclass(frozen=True)
class Choices:
    """What the panels' pickers list, from the layout version the page was drawn for."""

    data: dict
    halls: list[str]
    rows: list[str]
    profiles: list[str]
    loops: list[str]

    @classmethod
    def of(cls, twin: Twin, data: dict) -> Choices:
        return cls(
            data=data,
            halls=[h["id"] for h in data["halls"]],
            rows=[r["id"] for h in data["halls"] for r in h.get("rows", [])],
            profiles=[""] + AP.layout_rack_profiles(st.session_state["layout"]),
            loops=[""] + list(twin.loops.index),
        )


def _power_and_profile(ch: Choices, power_label: str, prefix: str, whom: str, blank: str) -> None:
    """Power (0 = leave it to the edit; keys `{prefix}_power`, checked as typed) and
    profile (`{prefix}_profile`, blank shown as `blank`) of new or bulk-edited racks,
    each with its messages."""
    power = st.number_input(power_label, value=0.0, step=1.0, key=f"{prefix}_power")
    if power != 0:
        _live("racks", "power_kw", f"{prefix}_power", whom)
    field_error("power_kw")
    st.selectbox("Profile", ch.profiles, key=f"{prefix}_profile", format_func=blank_as(blank))
    field_error("profile")


def _add_rack(twin: Twin, ch: Choices) -> None:
    hall = st.selectbox("Hall", ch.halls, key="ed_add_hall")
    rows = [r["id"] for h in ch.data["halls"] if h["id"] == hall for r in h.get("rows", [])]
    row = st.selectbox("Row", rows, key="ed_add_row")
    slot = st.number_input(
        "Slot (-1 = first free)", min_value=-1, value=-1, step=1, key="ed_add_slot"
    )
    if slot >= 0:
        _live("racks", "slot", "ed_add_slot", f"new in row {row}")
    field_error("slot")
    same = "as its neighbours"
    _power_and_profile(ch, f"Power kW (0 = {same})", "ed_add", f"new in row {row}", same)
    _feed_pair(_feeds(twin, hall), "ed_add_fa", "ed_add_fb", blank=same)
    st.button("Add rack", key="ed_add_btn", on_click=A.on_add)


def _change_rack(twin: Twin, ch: Choices) -> None:
    rid = _rack_picker(twin, "ed_ch")
    d = A.rack_defaults(twin, rid)
    st.number_input("Power kW", value=d["power_kw"], step=1.0, key=f"ed_ch_power_{rid}")
    _live("racks", "power_kw", f"ed_ch_power_{rid}", rid, _rack_path(rid, "power_kw"))
    field_error("power_kw")
    profiles = ch.profiles + [d["profile"]] * (d["profile"] not in ch.profiles)  # its own
    st.selectbox("Profile", profiles, index=profiles.index(d["profile"]),
                 key=f"ed_ch_prof_{rid}", format_func=blank_as("none (its own fields)"))  # fmt: skip
    field_error("profile")
    feeds = _feeds(twin, twin.racks.at[rid, "hall"] if rid else None, d["feed_a"], d["feed_b"])
    _feed_pair(feeds, f"ed_ch_fa_{rid}", f"ed_ch_fb_{rid}", (d["feed_a"], d["feed_b"]))
    st.selectbox("Liquid loop", ch.loops, index=ch.loops.index(d["liquid_loop"]),
                 key=f"ed_ch_loop_{rid}", format_func=blank_as("none (air cooled)"))  # fmt: skip
    field_error("liquid_loop")
    st.button("Apply changes", key="ed_change_btn", on_click=A.on_change)


def _move_rack(twin: Twin, ch: Choices) -> None:
    mv = _rack_picker(twin, "ed_mv")
    st.selectbox("To row", ch.rows, key="ed_mv_row")
    st.number_input("To slot", min_value=0, value=0, step=1, key="ed_mv_slot")
    _live("racks", "slot", "ed_mv_slot", mv, _rack_path(mv, "slot"))
    field_error("slot")
    field_error("row")
    c1, c2 = st.columns(2)
    c1.button("Move rack", key="ed_move_btn", on_click=A.on_move)
    c2.button("Remove rack", key="ed_remove_btn", on_click=A.on_remove)


def _rows(twin: Twin, ch: Choices) -> None:
    st.caption(
        "Add an empty row, or copy a row with its racks (feeds, loops, profiles), to a "
        "new origin; move a row (its racks move with it); remove a row and its racks."
    )
    c1, c2 = st.columns(2)
    src = c1.selectbox("Row", ch.rows, key="ed_row_src")
    c2.text_input("New row id (add or copy)", key="ed_row_new", placeholder="e.g. H1-R09")
    with c2:
        _live_id("rows", "ed_row_new")
    c1.number_input("Origin x (m, in the hall)", value=0.0, step=0.6, key="ed_row_at_x")
    c2.number_input("Origin y (m, in the hall)", value=0.0, step=0.6, key="ed_row_at_y")
    with c1:
        _live("rows", "origin_m", "ed_row_at_x", src, index=0)
    with c2:
        _live("rows", "origin_m", "ed_row_at_y", src, index=1)
    c1.selectbox("Hall (new empty row)", ch.halls, key="ed_row_hall")
    c2.selectbox("Axis (new empty row)", ["x", "y"], key="ed_row_axis")
    st.checkbox("Copy the row's racks", value=True, key="ed_row_copy")
    field_error("rows")
    field_error("origin_m")
    b = st.columns(3)
    b[0].button("Add / copy row", key="ed_row_add_btn", on_click=A.on_row_add)
    b[1].button("Move row", key="ed_row_move_btn", on_click=A.on_row_move)
    b[2].button("Remove row", key="ed_row_remove_btn", on_click=A.on_row_remove)


def _whole_row(twin: Twin, ch: Choices) -> None:
    st.caption(
        "Set a field on every rack of a row, or on the racks picked in it; blank or 0 "
        "leaves it as it is."
    )
    brow = st.selectbox("Row", ch.rows, key="ed_bulk_row")
    st.multiselect(
        "Only these racks (none picked: every rack of the row)",
        E.row_racks(ch.data, brow) if brow else [],
        key=f"ed_bulk_racks_{brow}",
    )
    keep = "keep (as it is)"
    whom = f"every rack of row {brow}"
    _power_and_profile(ch, "Power per rack, kW (0 = keep)", "ed_bulk", whom, keep)
    hall = twin.rows.at[brow, "hall"] if brow in twin.rows.index else None
    _feed_pair(_feeds(twin, hall), "ed_bulk_fa", "ed_bulk_fb", blank=keep)
    st.selectbox("Liquid loop", ch.loops, key="ed_bulk_loop", format_func=blank_as(keep))
    field_error("liquid_loop")
    st.button("Apply to the row", key="ed_bulk_btn", on_click=A.on_row_bulk)


def _hall(twin: Twin, ch: Choices) -> None:
    data = ch.data
    with st.container(border=True):
        hall = st.selectbox("Hall", ch.halls, key="ed_hall_id")
        current_c = next(h.get("containment", "none") for h in data["halls"] if h["id"] == hall)
        options = ["none", "hot-aisle", "cold-aisle"]
        st.selectbox("Containment", options, index=options.index(current_c), key="ed_hall_cont")
        field_error("containment")
        st.button("Apply", key="ed_hall_btn", on_click=A.on_hall)
        st.caption("Move the hall (its rows and racks move with it) or remove it.")
        here = next(h.get("origin_m", [0.0, 0.0]) for h in data["halls"] if h["id"] == hall)
        c1, c2 = st.columns(2)
        c1.number_input("Corner x (m, on the site)", value=float(here[0]), key="ed_hall_at_x")
        c2.number_input("Corner y (m, on the site)", value=float(here[1]), key="ed_hall_at_y")
        for i, col in enumerate((c1, c2)):
            with col:
                _live("halls", "origin_m", f"ed_hall_at_{'xy'[i]}", hall, index=i)
        b = st.columns(2)
        b[0].button("Move hall", key="ed_hall_move_btn", on_click=A.on_hall_move)
        b[1].button("Remove hall", key="ed_hall_remove_btn", on_click=A.on_hall_remove)
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
        c1.selectbox("Hall to copy", ch.halls, key="ed_newhall_src")
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
        st.button("Add / copy hall", key="ed_newhall_btn", on_click=A.on_hall_new)
    field_error("halls")  # move, remove, add or copy a hall: below both hall panels


_DRAW = {
    "Add rack": _add_rack,
    "Change rack": _change_rack,
    "Move / remove rack": _move_rack,
    "Rows": _rows,
    "Edit a whole row": _whole_row,
}


@st.fragment
def edit_panels(twin: Twin) -> None:
    """The edit panels, the picked one drawn. A fragment: typing in a field reruns only
    these panels (the live checks), not the solve and the 3D view; an applied edit reruns
    the whole page."""
    if st.session_state.pop("_ed_full_run", False):
        st.rerun()  # an edit was applied in a callback: KPIs and 3D must show it
    # one panel drawn at a time (tabs drew all six: ~100 widgets, lists of hundreds of
    # rows and loops, that the browser laid out on every load of the campus)
    panel = st.radio("Edit", PANELS, key="ed_panel", horizontal=True, label_visibility="collapsed")
    choices = Choices.of(twin, H.data())
    if panel == "Hall":
        _hall(twin, choices)  # two boxes of its own
        return
    with st.container(border=True):
        _DRAW[panel](twin, choices)
