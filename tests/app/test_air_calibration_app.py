"""The app loads a layout with its air calibration file (twin.layout.calibration): the
pages say it was applied, as `twin solve` does, and a stale one reads as a sentence that
names the calibration file and its line, not the layout's."""

from __future__ import annotations

import yaml
from test_pages import no_errors, shown

from twin.layout import calibration, load


def _calibrate(path, **fields):
    """A calibration file beside layout `path` for its hall ROOM (no fit: given fields)."""
    layout = load(path, calibration=False)
    fit = {"fitted_utc": "2026-12-01T12:00:00Z", "runs": 2, "racks": 20,
           "rmse_before_k": 1.5, "rmse_after_k": 0.25}  # fmt: skip
    entry = calibration.entry(layout, "ROOM", {"air_model": "field", **fields}, **fit)
    return calibration.save(path, calibration.document(path, entry)[0])


def test_the_editor_says_the_calibration_was_applied(app, layouts_tmp):
    _calibrate(layouts_tmp / "small-room.yaml", air_diffusivity_m2_s=0.05)
    at = app("editor")
    at.selectbox(key="ed_ref").set_value("layouts/small-room.yaml")
    at.button(key="ed_load_ref").click().run()
    no_errors(at)
    captions = [shown(c.value) for c in at.caption]
    want = (
        "Air calibration applied from small-room.air-calibration.yaml (hall ROOM: fitted "
        "2026-12-01 on 2 runs, rack inlet RMSE 1.50 -> 0.25 K; air_model auto -> field)"
    )
    assert want in captions, captions


def test_a_stale_calibration_names_its_own_file_and_line(layouts_tmp):
    from twin.app import plausibility as P

    path = layouts_tmp / "small-room.yaml"
    side = _calibrate(path, air_diffusivity_m2_s=0.05)
    data = yaml.safe_load(path.read_text())
    data["halls"][0]["size_m"][0] += 1.0
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    layout = load(path)
    assert P.calibration_lines(layout) == []
    line = side.read_text().splitlines().index("- hall: ROOM") + 1
    got = [s for s in P.sentences(layout, "test-stale-calibration", "small-room.yaml")
           if "calibration" in s]  # fmt: skip
    assert len(got) == 1 and got[0].startswith("Hall ROOM: Air calibration NOT applied")
    assert "size_m [" in got[0]
    assert got[0].endswith(f"In small-room.air-calibration.yaml, line {line}.")
