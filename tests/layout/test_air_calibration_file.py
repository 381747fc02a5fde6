"""The air calibration beside a layout (twin.layout.calibration): `twin calibrate` writes it,
every load applies it (the same numbers as its fields pasted into the layout by hand), a
hall that moved since makes it stale (not applied, a located caution), a bad field is a
located error, old files still load, and no cache serves a changed calibration stale."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from calibration_room import FIELD_LAYOUT, measured_csvs

from twin import solve
from twin.cli import main
from twin.errors import LayoutError
from twin.layout import cache, calibration, load, write
from twin.layout.plausibility import ModelCaution, check_file
from twin.model import Twin
from twin.solve import air_calibrate

FIELDS = {
    "air_model": "field",
    "air_diffusivity_m2_s": 0.08,
    "air_plume_share": 0.6,
    "jet_entrainment_scale": 1.5,
}


@pytest.fixture
def room(tmp_path):
    path = tmp_path / "room.yaml"
    path.write_text(FIELD_LAYOUT)
    return path


def _write(room, fields=FIELDS, **fit):
    """A calibration file beside `room` with `fields`, as twin calibrate writes it."""
    layout = load(room, calibration=False)
    fit = {"fitted_utc": "2026-12-01T12:00:00Z", "sources": ["a.csv"], "runs": 1, "racks": 4,
           "rmse_before_k": 1.5, "rmse_after_k": 0.2, **fit}  # fmt: skip
    doc, _ = calibration.document(room, calibration.entry(layout, "T", dict(fields), **fit))
    return calibration.save(room, doc)


def _by_hand(room, tmp_path, fields=FIELDS):
    """The layout with `fields` pasted into its hall (the old way), no calibration file."""
    data = yaml.safe_load(room.read_text())
    data["halls"][0].update(fields)
    path = tmp_path / "pasted" / "room.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(data))
    return path


def _edit(room, edit):
    data = yaml.safe_load(room.read_text())
    edit(data)
    room.write_text(yaml.safe_dump(data, sort_keys=False))


def _inlets(twin):
    return solve.run(twin).tables["res_racks"]["t_inlet_c"]


def test_calibrate_then_solve_uses_it_as_if_pasted_by_hand(room, tmp_path, capsys):
    """twin calibrate on measurements made with known parameters; twin solve then solves the
    calibrated hall: its inlets are those of the fields pasted by hand, not the uncalibrated
    ones, and it says which calibration it applied."""
    csvs = measured_csvs(room, FIELDS, tmp_path)
    assert main(["calibrate", str(room), "--from-csv", *csvs]) == 0
    assert "twin applies it to hall T whenever it loads" in capsys.readouterr().out
    entry = yaml.safe_load(calibration.sidecar_path(room).read_text())["halls"][0]
    assert entry["hall"] == "T" and entry["sources"] == csvs and entry["fitted_utc"]

    calibrated = Twin.load(room)
    pasted = Twin.from_layout(load(_by_hand(room, tmp_path, entry["fields"])))
    cols = list(entry["fields"])
    assert calibrated.halls[cols].equals(pasted.halls[cols])
    got, want = _inlets(calibrated), _inlets(pasted)
    pd.testing.assert_series_equal(got, want, rtol=1e-12, atol=0)
    uncalibrated = _inlets(Twin.from_layout(load(room, calibration=False)))
    assert float((got - uncalibrated).abs().max()) > 0.05  # the calibration moved them

    assert main(["solve", str(room), "--no-headroom"]) == 0
    err = capsys.readouterr().err
    assert f"air calibration applied from {calibration.sidecar_path(room)} (hall T: fitted " in err
    assert "on 3 runs, rack inlet RMSE" in err
    assert "air field (air_model: field) is not validated" not in err  # the caution went
    assert main(["solve", str(room), "--no-headroom", "--no-calibration"]) == 0
    err = capsys.readouterr().err
    assert "air calibration applied" not in err and "is not validated" in err


def test_info_prints_the_applied_calibration(room, capsys):
    _write(room)
    assert main(["info", str(room), "--no-headroom"]) == 0
    out = capsys.readouterr().out
    assert "air calibration applied from" in out and "RMSE 1.50 -> 0.20 K" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["n1", "--top", "3"],
        ["tenants"],
        ["economics"],
        ["ride-through", "--fail", "U"],
        ["timeline", "--hours", "2", "--design-weather"],
        ["place", "--profile", "npu-inference", "--count", "1"],  # exit 3: none fits
    ],
)
def test_every_command_that_solves_says_it_applied_the_calibration(room, capsys, argv):
    """Commands that solve the calibrated layout do so as twin solve does, and say so on
    stderr; --no-calibration runs them on the layout alone."""
    _write(room)
    cmd, *rest = argv
    ok = (0, 3) if cmd == "place" else (0,)
    assert main([cmd, str(room), *rest]) in ok
    assert "air calibration applied from" in capsys.readouterr().err
    assert main([cmd, str(room), *rest, "--no-calibration"]) in ok
    assert "air calibration applied" not in capsys.readouterr().err


def test_moving_one_rack_makes_it_stale_with_a_located_caution(room, capsys):
    side = _write(room)
    _edit(room, lambda d: d["halls"][0]["racks"][1].update(slot=5))
    layout = load(room)
    assert layout.halls[0].air_diffusivity_m2_s is None  # the hall's own: not applied
    (note,) = calibration.notes(layout)
    assert note.status == "stale" and "rack B changed" in note.caution()
    cautions = [w for w in check_file(room) if isinstance(w, ModelCaution) and w.file == str(side)]
    (w,) = cautions
    line = side.read_text().splitlines().index("- hall: T") + 1
    assert w.line == line and w.component == "T" and w.path == "halls[0]"
    # measured on the old arrangement: measure again, not re-fit the old CSV (audit 4, C3)
    assert "measure the rack inlets again in the hall as it now stands" in w.message
    assert f"`twin calibrate {room} --hall T --from-csv NEW.csv`" in w.message
    assert "it was fitted on (a.csv) are of the old arrangement" in w.message
    assert "--from-csv a.csv`" not in w.message
    assert main(["solve", str(room), "--no-headroom"]) == 0
    err = capsys.readouterr().err
    assert f"{side}:{line}: halls[0]: warning: T: air calibration NOT applied" in err
    assert "air field (air_model: field) is not validated" in err  # uncalibrated again


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (lambda h, c: h["racks"].append({**h["racks"][0], "id": "E", "slot": 4}), "rack E added"),
        (lambda h, c: c["crahs"][0].update(position_m=[0.5, 2.5]), "cooling unit U changed"),
        (lambda h, c: h.update(containment="hot-aisle"), "containment none -> hot-aisle"),
        (lambda h, c: h.update(air_model="ffd"), "air_model field -> ffd"),
        (lambda h, c: h.update(size_m=[6.0, 3.0]), "size_m [5, 3] -> [6, 3]"),
        (lambda h, c: h["racks"][2].update(airflow_m3_s=1.0), "rack C changed"),
    ],
)
def test_what_changed_is_named(room, edit, said):
    _write(room)
    _edit(room, lambda d: edit(d["halls"][0], d["cooling"]))
    (note,) = calibration.notes(load(room))
    assert note.status == "stale" and said in note.caution()


def test_a_layout_left_on_the_default_air_model_keeps_its_calibration(room):
    """A layout that names no air model (the default, auto) asked for none, so the model the
    calibration sets is no change: a file fitted when the hall said field (or when the
    default was kernel) still applies; naming another model does not (the case above)."""
    _write(room)
    _edit(room, lambda d: d["halls"][0].pop("air_model"))
    (note,) = calibration.notes(load(room))
    assert note.status == "applied", note.caution()
    assert Twin.load(room).halls["air_model"].iat[0] == "field"  # the calibration's


def test_power_setpoints_and_names_do_not_make_it_stale(room):
    """A calibration is of the air geometry: a new rack load, supply setpoint or name is not
    a reason to fit again (each run carries its own powers and supply temperature)."""
    _write(room)

    def edit(d):
        d["halls"][0]["racks"][0].update(power_kw=9.0, name="rack a")
        d["cooling"]["crahs"][0].update(t_supply_c=20.0, capacity_kw=50.0)

    _edit(room, edit)
    layout = load(room)
    assert [n.status for n in calibration.notes(layout)] == ["applied"]
    assert layout.halls[0].air_diffusivity_m2_s == 0.08


def test_calibration_wins_over_the_layouts_own_value_and_is_never_saved_into_it(room):
    _edit(room, lambda d: d["halls"][0].update(air_diffusivity_m2_s=0.05))
    _write(room)
    layout = load(room)
    assert layout.halls[0].air_diffusivity_m2_s == 0.08
    (note,) = calibration.notes(layout)
    assert "overrides the layout's own air_diffusivity_m2_s" in note.line_text()
    hall = yaml.safe_load(write.to_yaml(layout))["halls"][0]  # what save writes
    assert hall["air_diffusivity_m2_s"] == 0.05 and "air_plume_share" not in hall
    assert write.dump(layout)["halls"][0]["air_plume_share"] == 0.6  # content keys, edits


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("air_plume_share", 1.5, "less than or equal to 1"),
        ("supply_throw_scale", "fast", "must be a number"),
        ("air_plume", 0.5, "unknown key 'air_plume'; a calibration sets only: air_model"),
        ("air_eddy_viscosity_m2_s", 0.05, "air_model is field, which does not use it"),
    ],
)
def test_a_bad_field_is_an_error_with_file_line_and_field(room, key, value, said):
    side = _write(room)
    text = side.read_text().replace("air_plume_share: 0.6", f"{key}: {value}")
    side.write_text(text)
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.strip().startswith(key))
    with pytest.raises(LayoutError) as exc:
        load(room)
    assert f"{side}:{line}: halls[0].fields.{key}: " in str(exc.value) and said in str(exc.value)


def test_a_hall_that_is_gone_or_a_malformed_file_is_an_error(room, capsys):
    side = _write(room)
    text = side.read_text()
    side.write_text(text.replace("- hall: T", "- hall: X"))
    assert main(["solve", str(room), "--no-headroom"]) == 2
    err = capsys.readouterr().err
    line = text.splitlines().index("- hall: T") + 1
    assert f"{side}:{line}: halls[0].hall: no hall 'X' in {room} (halls: T)" in err
    side.write_text(text.replace("runs: 1", "runs: 0"))
    with pytest.raises(LayoutError, match=r"halls\[0\]\.runs: must be greater than or equal"):
        load(room)
    side.write_text("halls: [")
    with pytest.raises(LayoutError, match="invalid YAML"):
        load(room)
    side.write_text("- a\n")  # the calibration file's keys, not a layout's
    with pytest.raises(LayoutError, match="with keys from: calibration_version, layout, halls;"):
        load(room)
    side.write_text(text.replace("fitted_on:", "fitted_onn:"))
    with pytest.raises(LayoutError, match=r"halls\[0\]\.fitted_onn: unknown key 'fitted_onn'; "):
        load(room)
    assert load(room, calibration=False).halls[0].air_diffusivity_m2_s is None


OLD = """# twin calibrate: set these fields on the hall in the layout (halls[].<field>)
hall: T
fields:
  air_model: {model}
  air_diffusivity_m2_s: 0.08
  air_plume_share: 0.6
runs: 2
racks: 4
rmse_before_k: 0.857
rmse_after_k: 0.01
max_error_before_k: 1.163
max_error_after_k: 0.02
"""
"""A calibration file as twin calibrate wrote it before it recorded the hall's geometry."""


def test_an_old_file_is_applied_with_a_caution_unless_its_air_model_differs(room):
    side = calibration.sidecar_path(room)
    side.write_text(OLD.format(model="field"))
    layout = load(room)
    assert layout.halls[0].air_diffusivity_m2_s == 0.08
    (note,) = calibration.notes(layout)
    assert note.status == "unchecked" and "cannot be checked" in note.caution()
    assert note.line == 2 and note.path == "hall"
    side.write_text(OLD.format(model="ffd"))
    layout = load(room)
    assert layout.halls[0].air_model == "field" and layout.halls[0].air_plume_share is None
    assert (
        "air_model ffd in the calibration, field in the layout"
        in calibration.notes(layout)[0].caution()
    )
    side.write_text(OLD.format(model="field").replace("air_plume_share: 0.6", "air_plume_share: 2"))
    with pytest.raises(LayoutError, match=r"room.air-calibration.yaml:6: fields.air_plume_share"):
        load(room)


def test_calibrating_a_hall_keeps_the_other_halls_entries(room):
    side = _write(room)
    data = yaml.safe_load(side.read_text())
    other = {**data["halls"][0], "hall": "S"}
    side.write_text(yaml.safe_dump({**data, "halls": [*data["halls"], other]}))
    new = {**data["halls"][0], "rmse_after_k": 0.1}
    doc, dropped = calibration.document(room, new)
    assert [e["hall"] for e in doc["halls"]] == ["S", "T"] and not dropped
    assert doc["halls"][1]["rmse_after_k"] == 0.1
    side.write_text(OLD.format(model="field"))
    doc, dropped = calibration.document(room, new)
    assert [e["hall"] for e in doc["halls"]] == ["T"] and "replaced whole" in dropped[0]


def test_the_layout_cache_never_serves_a_changed_calibration_stale(room, monkeypatch, tmp_path):
    """The cache holds the layout as written (its key: the file's bytes and the code); the
    calibration is applied after it on every load, so a new calibration file is read."""
    monkeypatch.setenv("TWIN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TWIN_CACHE", "1")
    monkeypatch.setattr(cache, "MIN_BYTES", 0)
    side = _write(room)
    assert load(room).halls[0].air_diffusivity_m2_s == 0.08
    assert cache.get(room.read_bytes(), str(room)) is not None  # the next load is a hit
    side.write_text(
        side.read_text().replace("air_diffusivity_m2_s: 0.08", "air_diffusivity_m2_s: 0.2")
    )
    assert load(room).halls[0].air_diffusivity_m2_s == 0.2
    _edit(room, lambda d: d["halls"][0]["racks"][1].update(slot=5))  # new bytes, new entry
    assert load(room).halls[0].air_diffusivity_m2_s is None
    side.unlink()
    assert load(room).halls[0].air_diffusivity_m2_s is None


def test_the_apps_file_cache_is_keyed_by_the_calibration_too(room):
    from twin.app import state as S
    from twin.app import warm

    before = warm._version(room)
    _write(room)
    assert warm._version(room) != before
    assert warm.load_path(str(room)).halls[0].air_diffusivity_m2_s == 0.08
    # the content key every app cache uses tells the calibrated layout from the one as written
    assert S.layout_key(load(room)) != S.layout_key(load(room, calibration=False))


def test_a_calibration_may_set_every_parameter_the_fit_has():
    assert set(air_calibrate.PARAMS) <= set(calibration.FITTED_FIELDS)
