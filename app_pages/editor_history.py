"""The editor's edit history: the layout as plain data, commit (validate, make current, push
the layout before onto the undo stack), undo and redo, and the row that shows the last
edit's message with the Undo and Redo buttons.

State lives in `st.session_state`: `ed_undo` / `ed_redo` hold (layout, name, what,
content key) of the layouts before / after; `ed_message` the last edit's message,
`ed_errors` the messages of a refused edit by field. No physics here.
"""

from __future__ import annotations

import streamlit as st

from app_pages import common
from twin.app import edit as E
from twin.app import incremental as I
from twin.app.text import plain
from twin.errors import LayoutError

UNDO_DEPTH = 30
"""Edits kept for undo (each holds a layout: a campus layout is a few MB)."""


def data() -> dict:
    """The current layout as plain data, dumped once per layout version (the edits copy
    it, never change it)."""
    ss = st.session_state
    key = ss.get("layout_key")
    if ss.get("_ed_data", (None,))[0] != key:
        ss["_ed_data"] = (key, E.to_data(ss["layout"]))
    return ss["_ed_data"][1]


def commit(new_data: dict, what: str, fast: I.RackEdit | None = None) -> bool:
    """Validate and make the edited layout current; problems go next to the fields, each
    naming its component. The layout before the edit goes on the undo stack. `fast`: the
    same edit already validated and built by `twin.app.incremental` (same answer)."""
    if fast is not None:
        new, new_key = fast.layout, fast.key
        common.adopt(new_key, fast.twin)
    else:
        try:  # the calibration of the layout before is judged again on the edited halls
            new, new_data, new_key = E.edited(
                new_data, st.session_state["layout_name"], st.session_state["layout"]
            )
        except LayoutError as exc:
            st.session_state["ed_errors"] = E.field_errors(exc, new_data)
            return False
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


def _step(source: str, target: str, verb: str) -> None:
    """Undo (source `ed_undo`) or redo (`ed_redo`): the layout on top of `source` becomes
    current, the current one goes onto `target`."""
    ss = st.session_state
    if ss.get(source):
        layout, name, what, *key = ss[source].pop()
        now = (ss["layout"], ss["layout_name"], what, ss["layout_key"])
        ss[target] = [*ss.get(target, []), now]
        common.set_layout(layout, name, key=key[0] if key else None)
        ss["ed_errors"] = {}
        ss["ed_message"] = f"{verb}: {what}"


def on_undo() -> None:
    _step("ed_undo", "ed_redo", "Undid")


def on_redo() -> None:
    _step("ed_redo", "ed_undo", "Redid")


def show_bar(panel_fields: tuple[str, ...]) -> None:
    """The last edit's message and Undo / Redo on one row (the forms stay high on the
    page), then the refused edit's messages that no panel shows under a field (fields
    not in `panel_fields`). Messages name ids, file names and values from the layout:
    shown as text (`plain`)."""
    ss = st.session_state
    c_msg, c_undo, c_redo = st.columns([6, 1, 1], vertical_alignment="center")
    if msg := ss.pop("ed_message", None):
        c_msg.success(plain(msg))
    for field, msgs in ss.get("ed_errors", {}).items():
        if field not in panel_fields:
            for m in msgs:
                st.error(plain(m))
    for col, label, verb, stack, on_click in (
        (c_undo, "↶ Undo", "Undo", "ed_undo", on_undo),
        (c_redo, "↷ Redo", "Redo", "ed_redo", on_redo),
    ):
        done = ss.get(stack, [])
        col.button(
            label,
            key=f"{stack}_btn",
            on_click=on_click,
            disabled=not done,
            help=f"{verb}: {done[-1][2]}" if done else f"Nothing to {verb.lower()}",
        )
