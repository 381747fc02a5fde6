"""A kW trace column that does not look like kW is said, naming the file, column and lines
(audit 5 F-C: fractions 1.5, 0.5 typed in a hall column ran as 1.5 kW and 0.5 kW on a
189 kW hall, PUE 5.3, without a word)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from twin.model import Twin
from twin.scenarios.timeline import TimelineSpec, simulate
from twin.scenarios.timeline_trace import load_trace

ROOM = Path(__file__).resolve().parents[2] / "layouts" / "small-room.yaml"


def _design_kw() -> float:
    """The hall's design IT from the layout file itself: the sum of its racks' power_kw
    (a rack without one takes its profile's)."""
    doc = yaml.safe_load(ROOM.read_text())
    prof = doc["profiles"]
    racks = [r for hall in doc["halls"] for r in hall["racks"]]
    return sum(r.get("power_kw", prof[r["profile"]]["power_kw"]) for r in racks)


def _trace(tmp_path, rows: str, name: str = "t.csv") -> Path:
    p = tmp_path / name
    p.write_text("time_s,ROOM\n" + rows)
    return p


def test_fractions_in_a_hall_column_are_said_with_file_column_and_lines(tmp_path):
    p = _trace(tmp_path, "0,1.5\n3600,0.5\n", "frac.csv")
    tr = load_trace(str(p), ["ROOM"], np.array([189.0]))
    (w,) = tr.warnings
    assert w.startswith(f"{p}:2-3: column 'ROOM'") and "'fraction'" in w
    np.testing.assert_allclose(tr.kw[:, 0], [1.5, 0.5])  # read as given


@pytest.mark.parametrize("share, said", [(0.009, True), (0.011, False), (0.6, False)])
def test_a_mean_under_one_percent_of_design_is_said(tmp_path, share, said):
    design = 189.0
    # rows held 1000, 2000 and 2000 s (the last for the interval before it): the time-
    # weighted mean is (1000 a + 2000 b + 2000 c) / 5000; b = c = 2 a makes it 1.8 a
    a = share * design / 1.8
    p = _trace(tmp_path, f"0,{a!r}\n1000,{2 * a!r}\n3000,{2 * a!r}\n")
    tr = load_trace(str(p), ["ROOM"], np.array([design]))
    assert bool(tr.warnings) is said
    if said:
        assert f"{share:.2%} of the hall's design 189 kW" in tr.warnings[0]


def test_a_small_hall_drawing_a_kilowatt_is_not_taken_for_fractions(tmp_path):
    p = _trace(tmp_path, "0,1.0\n3600,1.2\n")
    assert not load_trace(str(p), ["ROOM"], np.array([4.0])).warnings


def test_the_timeline_says_it_before_its_figures(tmp_path):
    text = ROOM.read_text().replace("  - id: ROOM\n", "  - id: ROOM\n    air_model: kernel\n", 1)
    (tmp_path / "room.yaml").write_text(text)
    twin = Twin.load(tmp_path / "room.yaml")
    assert twin.racks["power_kw"].sum() == pytest.approx(_design_kw())
    p = _trace(tmp_path, "0,1.5\n3600,0.5\n", "frac.csv")
    tl = simulate(twin, TimelineSpec(hours=2, trace=str(p), weather=False))
    (note,) = [n for n in tl.notes if "frac.csv:2-3: column 'ROOM'" in n]
    assert f"of the hall's design {_design_kw():,.6g} kW" in note
