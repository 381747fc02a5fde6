"""A row whose intakes no cooling unit supplies gets a located caution on a kernel hall: on the
blind CFD room 'north' the kernel put that row 20-27.5 K too cold (docs/validation.md). The
criterion (`twin.layout.plausibility_air.unreached_rows`) is checked against every stored CFD
room: it flags north's row A and no row where the kernel's error is small."""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest
import yaml

from bench import air_rooms as ar
from twin.layout.plausibility import ModelCaution, check, check_bytes
from twin.layout.plausibility_air import AIR_KERNEL_AWAY, AIR_KERNEL_REACHED, away_row_cautions
from twin.layout.validate import validate_data


def _north(**hall) -> dict:
    d = ar.layout("north", ar.LOADS["north"]["uniform"])
    d["halls"][0].update({"air_model": "kernel", **hall})
    return d


def _mirror(d: dict) -> dict:
    """North mirrored across the hall's mid line y = 5: the units on the south wall blowing
    north, row A (y 7.2) facing the north wall."""
    d = copy.deepcopy(d)
    depth = d["halls"][0]["size_m"][1]
    for row in d["halls"][0]["rows"]:
        row["origin_m"][1] = depth - row["origin_m"][1]
        row["facing"] = "+" if row["facing"] == "-" else "-"
    for u in d["cooling"]["crahs"]:
        u["position_m"][1] = depth - u["position_m"][1]
        u["facing"] = "+y"
    return d


def _turned(d: dict) -> dict:
    """North turned a quarter: x and y swapped, the rows along y, the units on the east wall
    blowing west, row A facing the west wall."""
    d = copy.deepcopy(d)
    hall = d["halls"][0]
    hall["size_m"] = hall["size_m"][::-1]
    for row in hall["rows"]:
        row["origin_m"] = row["origin_m"][::-1]
        row["axis"] = "y"
    for u in d["cooling"]["crahs"]:
        u["position_m"] = u["position_m"][::-1]
        u["facing"] = "-x"
    return d


def _away(d: dict) -> list[ModelCaution]:
    return away_row_cautions(validate_data(d, "north.yaml"), None, "north.yaml")


@pytest.mark.parametrize(
    "shape", [lambda d: d, _mirror, _turned], ids=["north", "mirror", "turned"]
)
def test_the_row_facing_away_from_both_units_is_cautioned(shape):
    (w,) = _away(shape(_north()))
    side = {"north": "-y (south)", "mirror": "+y (north)", "turned": "-x (west)"}
    assert w.component == "A" and w.path == "halls[0].rows[0]"
    assert w.components == ("A", *(f"A{i:02d}" for i in range(1, 11)))
    assert "U1 and U2 blow elsewhere" in w.message and AIR_KERNEL_AWAY in w.message
    assert any(s in w.message for s in side.values())


def test_no_caution_where_a_unit_supplies_the_aisle_or_the_model_sees_the_units():
    south = _north()
    south["cooling"]["crahs"][1].update(position_m=[6.0, 0.5], facing="+y")  # on the south wall
    assert _away(south) == []
    assert _away(_north(air_model="ffd")) == [] and _away(_north(air_model="field")) == []
    assert _away(_north(containment="hot-aisle")) == []
    assert _away(_north(containment="cold-aisle")) == []
    assert _away(_north(plenum_m=0.6)) == []  # the tiles in front of every rack


@pytest.mark.parametrize(
    "units, flagged",
    [
        ([(1.0, 9.5, "-y"), (11.0, 9.5, "-y")], {"B"}),  # past the row ends to the south wall
        ([(0.5, 2.8, "+x"), (0.5, 5.6, "+x")], {"A", "B"}),  # into the rows' ends
        ([(0.5, 4.2, "+x"), (11.5, 4.2, "-x")], {"A", "B"}),  # down the hot aisle
        ([(0.5, 1.2, "+x"), (0.5, 8.8, "+x")], set()),  # down both rows' aisles, as in 'pair'
    ],
    ids=["past-the-ends", "into-the-row-ends", "down-the-hot-aisle", "down-the-aisles"],
)
def test_a_jet_supplies_the_aisle_it_runs_down_or_stops_in(units, flagged):
    """North with its units moved: the ffd field had the flagged rows 5-15 K warmer than the
    kernel on average, and B past-the-ends' unflagged row A 1.4 K colder (the docstring of
    twin.layout.plausibility_air)."""
    d = _north()
    for u, (x, y, f) in zip(d["cooling"]["crahs"], units, strict=True):
        u.update(position_m=[x, y], facing=f)
    assert {w.component for w in _away(d)} == flagged


def test_a_default_kernel_says_why_and_names_the_units_without_a_position():
    d = _north(air_model="auto")
    d["cooling"]["crahs"].append(
        dict(d["cooling"]["crahs"][0], id="U3", position_m=None, facing=None)
    )
    (w,) = _away(d)
    assert "air_model: auto, the default, picks it as U3 has no position_m" in w.message
    assert "U3 has no position_m: this holds if it does not blow into that aisle" in w.message
    for u in d["cooling"]["crahs"]:
        u["position_m"] = None
    assert _away(d) == []  # no unit placed: nothing says where the supply goes


def test_twin_validates_caution_is_at_the_rows_line():
    text = yaml.safe_dump(_north(), sort_keys=False)
    (w,) = [w for w in check_bytes(text, "north.yaml") if "intakes" in w.message]
    lines = text.splitlines()
    start = next(i for i, t in enumerate(lines, 1) if t.strip() == "rows:")
    assert w.line == start + 1 and lines[w.line - 1].strip().startswith("- id: A")
    assert str(w).startswith(
        f"north.yaml:{w.line}: halls[0].rows[0]: warning: A: its racks' intakes (A01"
    )


def test_twin_validate_and_the_apps_warnings_show_it_at_the_same_line(tmp_path, capsys):
    """`twin validate` (and `twin solve`, `twin info`: the same check_loaded) and the app's
    warnings list (twin.app.plausibility, on the Dashboard and the Editor) both call
    plausibility.check: one caution, one line."""
    from twin.app import plausibility as P
    from twin.cli import main
    from twin.layout import loads

    text = yaml.safe_dump(_north(), sort_keys=False)
    path = tmp_path / "north.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 0
    (cli,) = [x for x in capsys.readouterr().err.splitlines() if "intakes" in x]
    line = int(cli.split(":")[1])
    assert cli.startswith(f"{path}:{line}: halls[0].rows[0]: warning: A: its racks' intakes")
    layout = loads(text, "north.yaml")
    P.remember_upload(layout, "test-away-row", text.encode())
    (app,) = [x for x in P.sentences(layout, "test-away-row", "north.yaml") if "intakes" in x]
    assert app.startswith("Row A: Its racks' intakes (A01, A02 and 8 more) face -y (south)")
    assert app.endswith(f"In north.yaml, line {line}.")


def _rmse(err) -> float:
    return float(np.sqrt((err**2).mean()))


def test_the_criterion_on_every_stored_cfd_room_flags_north_row_a_alone():
    """Per row of every stored run, the kernel's error against the CFD: the criterion flags
    north's row A (both loads) and no other, and the caution quotes both groups' errors."""
    flagged, away, reached = set(), [], []
    for room, loads in ar.LOADS.items():
        for load in loads:
            ref = ar.cfd(room, load)
            if ref is None:
                continue
            t = ar.twin(room, load, "kernel")
            rows = {w.component for w in check(t.layout) if "intakes" in w.message}
            flagged |= {(room, r) for r in rows}
            err = ar.kernel_inlets(t).reindex(ref.index) - ref["t_inlet_c"]
            for row, e in err.groupby(t.racks.loc[ref.index, "row"]):
                (away if row in rows else reached).append((_rmse(e), float(-e.min())))
    assert flagged == {("north", "A")} and len(away) == 2 and len(reached) == 44
    nums = [float(x) for x in re.findall(r"\d+\.\d+", AIR_KERNEL_AWAY + AIR_KERNEL_REACHED)]
    assert [round(min(r for r, _ in away), 1), round(max(r for r, _ in away), 1)] == nums[:2]
    assert round(max(c for _, c in away), 1) == nums[2]
    assert [round(min(r for r, _ in reached), 1), round(max(r for r, _ in reached), 1)] == nums[3:]
    assert min(r for r, _ in away) > 2.5 * max(r for r, _ in reached)
