"""The editor judges the loaded layout's air calibration again after every edit
(twin.app.edit.edited, twin.app.incremental): a rack moved or added makes it stale (not
applied, a caution in the plausibility list), a power edit keeps it; a save writes the
hall's own values and carries the calibration only where it still holds."""

from __future__ import annotations

import pandas as pd
from test_pages import no_errors, panel, shown

from twin.app import edit as E
from twin.app import incremental as I
from twin.app import plausibility as P
from twin.app import state as S
from twin.layout import calibration, load
from twin.model import Twin


def _calibrate(path, **fields):
    layout = load(path, calibration=False)
    fit = {"fitted_utc": "2026-12-01T12:00:00Z", "runs": 2, "racks": 20, "sources": ["a.csv"],
           "rmse_before_k": 1.5, "rmse_after_k": 0.25}  # fmt: skip
    entry = calibration.entry(layout, "ROOM", {"air_model": "field", **fields}, **fit)
    return calibration.save(path, calibration.document(path, entry)[0])


def _stale_sentences(layout, key):
    return [s for s in P.sentences(layout, key, "edited") if "calibration" in s]


def test_moving_a_rack_in_the_editor_drops_the_calibration_with_a_caution(layouts_tmp):
    path = layouts_tmp / "small-room.yaml"
    _calibrate(path, air_diffusivity_m2_s=0.05)
    before = load(path)
    assert before.halls[0].air_diffusivity_m2_s == 0.05
    rack = before.halls[0].racks[0]
    data = E.to_data(before)
    moved = E.move_rack(data, rack.id, rack.row, E.free_slot(data, "ROOM", rack.row))
    new, new_data, key = E.edited(moved, "small-room.yaml (edited)", before)
    (note,) = calibration.notes(new)
    assert note.status == "stale" and f"rack {rack.id} changed" in note.caution()
    own = load(path, calibration=False).halls[0]
    assert new.halls[0].air_diffusivity_m2_s is None and new.halls[0].air_model == own.air_model
    assert new_data["halls"][0].get("air_model") is None  # the next edit starts uncalibrated
    assert key != S.data_key(moved)  # not the key of the calibrated values it was edited from
    (said,) = _stale_sentences(new, key)
    assert said.startswith("Hall ROOM: Air calibration NOT applied: the hall is not the one")
    assert P.calibration_lines(new) == []
    # the solve is the uncalibrated hall's, as if the moved layout were loaded without it
    plain = E.apply(E.move_rack(E.to_data(load(path, calibration=False)), rack.id, rack.row,
                                E.free_slot(data, "ROOM", rack.row)))  # fmt: skip
    got = S.solve(Twin.from_layout(new)).tables["res_racks"]["t_inlet_c"]
    want = S.solve(Twin.from_layout(plain)).tables["res_racks"]["t_inlet_c"]
    pd.testing.assert_series_equal(got, want, rtol=0, atol=0)


def test_a_power_edit_keeps_the_calibration_and_its_numbers(layouts_tmp):
    path = layouts_tmp / "small-room.yaml"
    _calibrate(path, air_diffusivity_m2_s=0.05)
    before = load(path)
    rid = before.halls[0].racks[0].id
    data = E.to_data(before)
    new, new_data, _ = E.edited(E.set_rack(data, rid, power_kw=3.0), "edited", before)
    assert [n.status for n in calibration.notes(new)] == ["applied"]
    assert new.halls[0].air_diffusivity_m2_s == 0.05
    assert new_data == E.set_rack(data, rid, power_kw=3.0)  # its values: the data's
    assert _stale_sentences(new, "k-power") == []
    # the incremental path agrees: the calibration kept, the same hall values
    twin = Twin.from_layout(before)
    fast = I.edit_rack(before, data, "k0", twin, rid, {"power_kw": 3.0}, "edited")
    assert fast is not None and [n.status for n in calibration.notes(fast.layout)] == ["applied"]
    assert fast.layout.halls[0].air_diffusivity_m2_s == 0.05


def test_an_incremental_edit_that_moves_air_goes_to_the_full_path(layouts_tmp):
    """A profile whose racks are taller changes the hall's air geometry: the fast path
    does not keep the calibration, the full path drops it with its caution."""
    path = layouts_tmp / "small-room.yaml"
    _calibrate(path, air_diffusivity_m2_s=0.05)
    before = load(path)
    rack = before.halls[0].racks[0]
    data = E.to_data(before)
    data = {**data, "profiles": dict(data.get("profiles") or {})}
    tall = {"power_kw": rack.power_kw, "height_m": rack.height_m + 0.2}
    data["profiles"]["tall"] = tall
    before2, _, _ = E.edited(data, "edited", before)  # the profile added (no rack uses it)
    assert [n.status for n in calibration.notes(before2)] == ["applied"]
    data2 = E.to_data(before2)
    fast = I.edit_rack(before2, data2, "k1", Twin.from_layout(before2), rack.id,
                       {"profile": "tall"}, "edited")  # fmt: skip
    assert fast is None
    new, _, _ = E.edited(E.set_rack(data2, rack.id, profile="tall"), "edited", before2)
    assert [n.status for n in calibration.notes(new)] == ["stale"]


def test_the_editor_page_drops_the_calibration_after_a_move_and_says_so(app, layouts_tmp):
    """AppTest: load the calibrated small room in the editor, move a rack: the 'applied'
    caption goes, the plausibility list says why; saving says it was not carried."""
    _calibrate(layouts_tmp / "small-room.yaml", air_diffusivity_m2_s=0.05)
    at = app("editor")
    at.selectbox(key="ed_ref").set_value("layouts/small-room.yaml")
    at.button(key="ed_load_ref").click().run()
    no_errors(at)
    assert any("Air calibration applied" in shown(c.value) for c in at.caption)
    layout = at.session_state["layout"]
    rack = layout.halls[0].racks[0]
    data = E.to_data(layout)
    at = panel(at, "Move / remove rack")
    at.selectbox(key="ed_mv_rack").set_value(rack.id)
    at.selectbox(key="ed_mv_row").set_value(rack.row)
    at.number_input(key="ed_mv_slot").set_value(E.free_slot(data, "ROOM", rack.row))
    at.button(key="ed_move_btn").click().run()
    no_errors(at)
    assert not any("Air calibration applied" in shown(c.value) for c in at.caption)
    text = " ".join(shown(m.value) for m in at.markdown)
    assert "Air calibration NOT applied: the hall is not the one it was fitted on" in text
    at.text_input(key="ed_fname").set_value("moved-room.yaml")
    at.button(key="ed_save").click().run()
    no_errors(at)
    saved = layouts_tmp / "moved-room.yaml"
    assert "air_diffusivity_m2_s" not in saved.read_text()
    assert not calibration.sidecar_path(saved).exists()
    warned = [shown(w.value) for w in at.warning]
    assert any(w.startswith("Air calibration of hall ROOM NOT carried to moved-room.air-calibration")
               and "twin calibrate moved-room.yaml --hall ROOM" in w for w in warned), warned  # fmt: skip
