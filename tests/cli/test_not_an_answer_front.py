"""A non-converged power flow (a 20 km LV feeder, audit 5 F-Q): `twin tenants` and `twin
timeline` say NOT AN ANSWER before their figures and mark each figure, as `twin solve`
does for the same layout; a converged layout says nothing of the kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.cli import main
from twin.solve.results import LAST_ITERATE, NOT_AN_ANSWER

ROOM = Path(__file__).resolve().parents[2] / "layouts" / "small-room.yaml"


def _layout(tmp_path, km: bool) -> Path:
    text = ROOM.read_text().replace("air_model: auto", "air_model: kernel")
    if "air_model" not in text:
        text = text.replace("  - id: ROOM\n", "  - id: ROOM\n    air_model: kernel\n", 1)
    if km:  # mm typed as m: 20 km of LV cable, no AC operating point
        text = text.replace("rating_kva: 250.0, cable_length_m: 20.0,",
                            "rating_kva: 250.0, cable_length_m: 20000.0,", 1)  # fmt: skip
    path = tmp_path / ("cablemm.yaml" if km else "ok.yaml")
    path.write_text(text)
    return path


def _out(capsys, argv) -> list[str]:
    capsys.readouterr()
    assert main(argv) == 0
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("km", [True, False])
def test_tenants_and_timeline_say_it_before_the_figures_as_solve_does(tmp_path, capsys, km):
    path = _layout(tmp_path, km)
    solve = _out(capsys, ["solve", str(path), "--no-headroom"])
    # the independent figure: twin solve's own verdict on the same layout
    assert any(NOT_AN_ANSWER in line for line in solve) is km
    ten = _out(capsys, ["tenants", str(path)])
    tl = _out(capsys, ["timeline", str(path), "--hours", "2", "--design-weather"])
    for out, first_figure in ((ten, "IT load served"), (tl, "peak grid import")):
        fig = next(i for i, line in enumerate(out) if first_figure in line)
        said = [i for i, line in enumerate(out) if line.strip().startswith(NOT_AN_ANSWER)]
        assert bool(said) is km
        if km:
            assert said[0] < fig  # up front, not at the bottom
            assert LAST_ITERATE in out[fig]
        else:
            assert not any(LAST_ITERATE in line for line in out)
    if km:
        assert "not_converged at PDU-1" in next(x for x in ten if NOT_AN_ANSWER in x)


@pytest.mark.parametrize("km", [True, False])
def test_info_says_it_before_the_headroom_it_sheds_from(tmp_path, capsys, km):
    """`twin info` printed "IT headroom -158.7 kW, undervoltage PDU-1" on a layout whose solve
    collapses, never saying today's state is no solution; its JSON now carries the lines."""
    import json

    path = _layout(tmp_path, km)
    out = _out(capsys, ["info", str(path)])
    said = [i for i, line in enumerate(out) if NOT_AN_ANSWER in line]
    assert bool(said) is km
    if km:
        assert said[0] < next(i for i, line in enumerate(out) if "IT headroom" in line)
    room = json.loads("\n".join(_out(capsys, ["info", str(path), "--json"])))["headroom"]
    assert bool(room["not_an_answer"]) is km


def test_n1_counts_rows_of_no_solution_as_that_alone(tmp_path, capsys):
    """`twin n1` on a collapsing room said "8 overload an element": the 8 were rows whose
    solve is no solution, their overloads the last iterate's."""
    import pandas as pd

    path = _layout(tmp_path, True)
    out = _out(capsys, ["n1", str(path), "--out", str(tmp_path / "n1.csv")])
    table = pd.read_csv(tmp_path / "n1.csv")
    bad = table["untrusted"].fillna("").str.len() > 0
    assert bad.any()  # the premise: some failures leave no solution
    sound = table[~bad]
    want = (
        f"{int((sound['overloads'] > 0).sum())} overload an element, "
        f"{int(bad.sum())} have no solution"
    )
    assert any(want in line for line in out), out[:3]
