"""No picker on the editor shows Streamlit's "Choose an option" placeholder: every choice,
the blank one too, has a label that says what it does, and every picker has a value."""

from __future__ import annotations

from test_pages import panel

from app_pages.editor_panels import PANELS


def _pickers(at) -> list:
    return [*at.selectbox]


def test_every_editor_picker_names_its_blank_choice(app):
    at = app("editor")
    seen: dict[str, list[str]] = {}
    for name in PANELS:
        at = panel(at, name)
        assert not at.exception
        for box in _pickers(at):
            label = f"{name} / {box.label}"
            # an empty label is drawn as the grey placeholder, an index of None too
            assert box.index is not None, f"{label}: no value (placeholder shown)"
            assert box.placeholder in ("", None) or "Choose" not in box.placeholder, label
            blank = [o for o in box.options if not str(o).strip()]
            assert not blank, f"{label}: a choice with no label {box.options[:5]}"
            seen[label] = list(box.options)
    # the blank choices read as what they do, per panel
    assert "as its neighbours" in seen["Add rack / Feed A"]
    assert "as its neighbours" in seen["Add rack / Profile"]
    # rack profiles only: a cooling unit's gave raw schema errors (audit 2026-12-05 #2)
    assert set(seen["Add rack / Profile"]) == {"as its neighbours", "npu-inference", "nvl72"}
    assert "none (no feed)" in seen["Change rack / Feed B"]
    assert "none (air cooled)" in seen["Change rack / Liquid loop"]
    assert "keep (as it is)" in seen["Edit a whole row / Liquid loop"]
    assert len(seen) >= 20  # the panels' pickers were all looked at


def test_a_blank_choice_still_means_blank(app):
    """The label is only shown: picking "as its neighbours" hands the edit a blank."""
    at = panel(app("editor"), "Add rack")
    box = at.selectbox(key="ed_add_fa")
    assert box.value == "" and box.options[box.index] == "as its neighbours"
