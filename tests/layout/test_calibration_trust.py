"""Where an air calibration must not apply in silence (twin.layout.calibration,
twin.layout.calibration_carry): fitted on another revision of the air model's code; baked
into a layout derived from a calibrated one (twin place --apply, twin refresh -o, the
editor's save); kept after an editor edit moved the hall's air."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from calibration_room import FIELD_LAYOUT, measured_csvs

from twin import solve
from twin.cli import main
from twin.layout import calibration, load, write
from twin.layout.calibration_carry import beside, rechecked
from twin.layout.plausibility import ModelCaution, check_file
from twin.model import Twin
from twin.solve import air_revision

FIELDS = {"air_model": "field", "air_diffusivity_m2_s": 0.08, "air_plume_share": 0.6}
FIT = {"fitted_utc": "2026-12-01T12:00:00Z", "sources": ["a.csv"], "runs": 1, "racks": 4,
       "rmse_before_k": 1.5, "rmse_after_k": 0.2}  # fmt: skip


@pytest.fixture
def room(tmp_path):
    path = tmp_path / "room.yaml"
    data = yaml.safe_load(FIELD_LAYOUT)
    data["profiles"] = {"small": {"power_kw": 2.0, "height_m": 2.0}}  # for twin place
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _write(room, **fit):
    layout = load(room, calibration=False)
    entry = calibration.entry(layout, "T", dict(FIELDS), **{**FIT, **fit})
    return calibration.save(room, calibration.document(room, entry)[0])


def _inlets(layout):
    return solve.run(Twin.from_layout(layout)).tables["res_racks"]["t_inlet_c"]


def _line(side, start):
    return next(
        i for i, s in enumerate(side.read_text().splitlines(), 1) if s.strip().startswith(start)
    )


# ------------------------------------------------------------------ the model's revision


def test_twin_calibrate_records_the_revision_of_the_model_it_fitted(room, tmp_path):
    csvs = measured_csvs(room, FIELDS, tmp_path)
    assert main(["calibrate", str(room), "--from-csv", *csvs]) == 0
    entry = yaml.safe_load(calibration.sidecar_path(room).read_text())["halls"][0]
    assert entry["air_model_revision"] == air_revision.AIR_MODEL_REVISION["field"]
    assert [n.status for n in calibration.notes(load(room))] == ["applied"]


def test_a_calibration_of_another_model_revision_is_refused_with_a_located_caution(
    room, monkeypatch, capsys
):
    """The air model's code changed since the fit (its revision bumped): the hall solves
    uncalibrated, as with --no-calibration, and a caution at the file's revision line names
    both revisions and the command that fits it again."""
    side = _write(room)
    fitted = air_revision.AIR_MODEL_REVISION["field"]
    assert calibration.notes(load(room))[0].status == "applied"
    monkeypatch.setitem(air_revision.AIR_MODEL_REVISION, "field", "2027-01-15 a new grid")
    layout = load(room)
    (note,) = calibration.notes(layout)
    assert note.status == "stale" and layout.halls[0].air_diffusivity_m2_s is None
    pd.testing.assert_series_equal(
        _inlets(layout), _inlets(load(room, calibration=False)), rtol=0, atol=0
    )
    line = _line(side, "air_model_revision:")
    (w,) = [w for w in check_file(room) if isinstance(w, ModelCaution) and w.file == str(side)]
    assert (w.line, w.path, w.component) == (line, "halls[0]", "T")
    assert f"fitted on revision {fitted!r} of the field air model" in w.message
    assert "this twin's is '2027-01-15 a new grid'" in w.message
    assert f"re-run `twin calibrate {room} --hall T --from-csv a.csv`" in w.message
    assert "the air model's code changed" in note.line_text()
    assert main(["solve", str(room), "--no-headroom"]) == 0
    err = capsys.readouterr().err
    assert (
        f"{side}:{line}: halls[0]: warning: T: air calibration NOT applied: it was fitted " in err
    )
    assert "air calibration applied" not in err


def test_a_file_without_a_revision_is_applied_with_a_caution_saying_so(room):
    side = _write(room)
    side.write_text(
        "".join(s for s in side.read_text().splitlines(True) if "air_model_revision" not in s)
    )
    layout = load(room)
    (note,) = calibration.notes(layout)
    assert note.status == "unchecked" and layout.halls[0].air_diffusivity_m2_s == 0.08
    now = air_revision.AIR_MODEL_REVISION["field"]
    assert "before twin recorded the revision of the air model it fitted" in note.caution()
    assert f"(this twin's is revision {now!r}) cannot be checked" in note.caution()
    assert "twin calibrate" in note.caution()


def test_a_file_with_neither_geometry_nor_revision_says_both_cannot_be_checked(room):
    side = calibration.sidecar_path(room)
    side.write_text(
        "hall: T\nfields: {air_model: field, air_diffusivity_m2_s: 0.08}\nruns: 1\n"
        "racks: 4\nrmse_before_k: 1\nrmse_after_k: 0.5\n"
    )
    (note,) = calibration.notes(load(room))
    assert note.status == "unchecked"
    assert "whether racks or units moved, or the field model's code changed" in note.caution()


def test_the_revision_check_is_by_the_fitted_model(room, monkeypatch):
    """An ffd revision bump leaves a field calibration alone."""
    _write(room)
    monkeypatch.setitem(air_revision.AIR_MODEL_REVISION, "ffd", "2099-01-01 other")
    assert calibration.notes(load(room))[0].status == "applied"


# ------------------------------------------------------------------ derived layouts


def test_place_apply_writes_the_halls_own_values_and_says_the_calibration_was_not_carried(
    room, tmp_path, capsys
):
    _write(room)
    out = tmp_path / "placed.yaml"
    argv = ["place", str(room), "--profile", "small", "--count", "1", "--verify", "1"]
    assert main([*argv, "--apply", "1", "-o", str(out)]) == 0
    hall = yaml.safe_load(out.read_text())["halls"][0]
    assert len(hall["racks"]) == 5
    assert "air_diffusivity_m2_s" not in hall and "air_plume_share" not in hall  # not baked
    assert not calibration.sidecar_path(out).exists()
    err = capsys.readouterr().err
    assert "twin place: air calibration of hall T NOT carried to " in err
    assert "the hall is not the one it was fitted on: rack R-05 added" in err
    assert f"`twin calibrate {out} --hall T --from-csv NEW.csv` with that CSV" in err
    assert "--from-csv a.csv`" not in err  # a.csv was measured before the rack was added
    assert load(out).halls[0].air_diffusivity_m2_s is None  # the new hall: uncalibrated


def test_a_derived_layout_whose_air_did_not_change_carries_the_calibration(room, tmp_path):
    """A derived layout that changed rack powers only (what a refresh of the same racks'
    airflow does): its file has the hall's own values, the calibration file is copied
    beside it, and loading it solves as the edit of the calibrated layout did (1e-12)."""
    from twin.layout import validate_data

    out = tmp_path / "derived.yaml"
    _write(room)
    before = load(room)
    data = write.dump(before)  # the calibrated values in it, as edits and refresh build
    data["halls"][0]["racks"][0]["power_kw"] = 9.0
    new = rechecked(validate_data(data, "derived"), before)
    (note,) = calibration.notes(new)
    assert note.status == "applied" and new.halls[0].air_diffusivity_m2_s == 0.08
    write.save(new, out)
    assert "air_diffusivity_m2_s" not in yaml.safe_load(out.read_text())["halls"][0]
    side, said = beside(new, out)
    assert side == calibration.sidecar_path(out) and said[0][0]
    again = load(out)
    assert [n.status for n in calibration.notes(again)] == ["applied"]
    pd.testing.assert_series_equal(_inlets(again), _inlets(new), rtol=1e-12, atol=0)


def test_a_refresh_keeps_the_calibration_of_a_hall_whose_air_it_did_not_move(tmp_path):
    """The AI hall's GB200 racks swapped for Vera Rubin (`twin refresh`'s layout: rack
    powers and liquid share, not their size or airflow): the calibration still holds, the
    refreshed file has the hall's own values and the calibration file goes beside it."""
    import shutil
    from pathlib import Path

    from twin.scenarios.refresh import swap

    path = tmp_path / "ai.yaml"
    shutil.copy(Path(__file__).resolve().parents[2] / "layouts" / "ai-factory-hall.yaml", path)
    layout = load(path, calibration=False)
    hall = layout.halls[0].id
    entry = calibration.entry(layout, hall, dict(FIELDS), **FIT)
    calibration.save(path, calibration.document(path, entry)[0])
    before = load(path)
    new, ids = swap(before, "gb200-nvl72", "vr-nvl144")
    new = rechecked(new, before)  # what twin refresh -o writes (twin.cli.common.save_derived)
    assert ids and [n.status for n in calibration.notes(new)] == ["applied"]
    assert new.halls[0].air_model == "field"
    out = tmp_path / "refreshed.yaml"
    write.save(new, out)
    written = yaml.safe_load(out.read_text())["halls"][0]
    assert "air_diffusivity_m2_s" not in written and "air_model" not in written
    side, said = beside(new, out)
    assert side is not None and said == [(True, f"air calibration of hall {hall} carried to "
                                                f"{side} (from {calibration.sidecar_path(path)})")]  # fmt: skip
    again = load(out)
    assert again.halls[0].air_diffusivity_m2_s == 0.08
    assert [n.status for n in calibration.notes(again)] == ["applied"]
