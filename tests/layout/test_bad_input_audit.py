"""Bad input found by a mutation audit of the shipped layouts (each case passed `twin
validate` or ended in an internal error before): refused with the file, the line, the
path and the component id."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.errors import LayoutError, Problem
from twin.layout import loads

SMALL = (Path(__file__).resolve().parents[2] / "layouts" / "small-room.yaml").read_text()


def problems(text: str, name: str = "audit.yaml") -> list[Problem]:
    with pytest.raises(LayoutError) as exc:
        loads(text, name)
    return exc.value.problems


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def with_profile(body: str) -> str:
    return SMALL.replace("profiles:\n", f"profiles:\n  newrack:\n{body}", 1)


# ----------------------------------------------------------- unused profiles


@pytest.mark.parametrize(
    "body, key, words",
    [
        ("    power_kw: .nan\n", "power_kw", "must be a finite number"),
        ("    power_kw: abc\n", "power_kw", "must be a number without units; got 'abc'"),
        ("    power_kw: -5.0\n", "power_kw", "greater than or equal to 0"),
        ("    power_kw: 1.0e9\n", "power_kw", "less than or equal to 1000"),
        ("    powr_kw: 20.0\n", "powr_kw", "did you mean 'power_kw'?"),
        # a tower's keys (taken by towers and dry coolers): a value neither accepts
        (
            "    capacity_kw: 4000.0\n    fan_kw: -40.0\n    approach_k: 3.5\n",
            "fan_kw",
            "equal to 0; got -40.0",
        ),
        ("    capacity_kw: 4000.0\n    fn_kw: 40.0\n", "fn_kw", "did you mean 'fan_kw'?"),
        # a reference: the next rack placed from it would be refused
        (
            "    power_kw: 40.0\n    accelerator: gb20-nvl72\n",
            "accelerator",
            "unknown accelerator 'gb20-nvl72' (did you mean 'gb200-nvl72'?)",
        ),
    ],
)
def test_an_unused_profile_is_checked_at_its_line(body: str, key: str, words: str) -> None:
    """A profile no component names was not checked at all: `twin place --profile` then
    placed NaN kW racks or failed with an internal error."""
    text = with_profile(body)
    (p,) = problems(text)
    assert p.path == f"profiles.newrack.{key}" and p.line == line_of(text, f"    {key}:")
    assert words in p.message, p


def test_unused_profiles_that_fit_some_kind_load() -> None:
    """A rack profile, a CRAH profile and a tower profile nobody uses yet are fine."""
    text = with_profile(
        "    power_kw: 40.0\n    liquid_fraction: 0.0\n    accelerator: gb300-nvl72\n"
    ).replace(
        "profiles:\n",
        "profiles:\n  crah-x: {type: crah, capacity_kw: 200.0, airflow_m3_s: 12.0, fan_kw: 6.0}"
        "\n  tower-x: {capacity_kw: 4000.0, fan_kw: 40.0, approach_k: 3.5}\n",
        1,
    )
    assert "newrack" in loads(text, "ok.yaml").profiles


# ------------------------------------------------------------- long numbers


def test_a_number_too_long_to_read_is_located() -> None:
    """5001 digits: int() refuses it, which was an internal error."""
    text = SMALL.replace("power_kw: 5.0", "power_kw: 1" + "0" * 5000, 1)
    (p,) = problems(text)
    assert p.path == "halls[0].racks[0].power_kw" and p.line == line_of(text, "{id: RA01,")
    assert "5001 digits" in p.message and p.component == "RA01"


def test_a_json_number_too_long_to_read_is_located() -> None:
    (p,) = problems('{"format_version": 1,\n "x": 1' + "0" * 5000 + "}", "audit.json")
    assert p.line == 2 and "too long" in p.message


def test_a_whole_number_past_a_float_says_too_large() -> None:
    text = SMALL.replace("power_kw: 5.0", "power_kw: 1" + "0" * 400, 1)
    p = next(p for p in problems(text) if p.path == "halls[0].racks[0].power_kw")
    assert "too large for a number" in p.message and "401 digits" in p.message
    assert len(p.message) < 300  # not the 401 digits


# ------------------------------------------------------------ component ids


def test_a_problem_names_its_component() -> None:
    text = SMALL.replace(
        "{id: RA02, row: RA, slot: 1, profile: enterprise-10kw, power_kw: 6.0",
        "{id: RA02, row: RA, slot: 1, profile: enterprise-10kw, power_kw: -6.0",
    )
    text = text.replace("rating_kva: 300.0", "rating_kva: .inf")
    got = {p.path: p for p in problems(text)}
    assert got["halls[0].racks[1].power_kw"].component == "RA02"
    assert got["power.ups[0].rating_kva"].component == "UPS-1"
    line = line_of(text, "{id: RA02,")
    assert f"audit.yaml:{line}: halls[0].racks[1].power_kw: RA02: must be" in str(
        got["halls[0].racks[1].power_kw"]
    )


def test_an_item_without_an_id_is_not_given_its_halls() -> None:
    text = SMALL.replace("      - {id: RA01,", "      - ~\n      - {id: RA01,", 1)
    p = next(p for p in problems(text) if p.path == "halls[0].racks[0]")
    assert p.component is None and "ROOM" not in str(p)


def test_a_profile_value_is_named_by_the_profile_not_one_user() -> None:
    text = SMALL.replace("power_kw: 10.0", "power_kw: -10.0", 1)
    (p,) = [p for p in problems(text) if p.path]
    assert p.path == "profiles.enterprise-10kw.power_kw" and p.component is None


# --------------------------------------------------------------- overlapping rows


@pytest.mark.parametrize(
    "origin, n",
    [
        ("[2.0, 3.0]", 10),  # a copied row whose origin was left as it was
        ("[2.5, 3.2]", 10),  # half a rack along, 0.2 m across: every rack on one of RA's
        ("[5.0, 4.0]", 5),  # 1.0 m across (< 1.2 m deep): the five racks from x = 5 m on
    ],
)
def test_rows_laid_over_each_other_are_refused(origin: str, n: int) -> None:
    text = SMALL.replace("{id: RB, origin_m: [2.0, 6.0]", f"{{id: RB, origin_m: {origin}")
    (p,) = problems(text)
    assert (p.path, p.line, p.component) == (
        "halls[0].rows[1].origin_m",
        line_of(text, "{id: RB,"),
        "RB",
    )
    assert f"row 'RB' overlaps row 'RA': {n} of its racks" in p.message


def test_a_cross_row_over_a_row_is_refused() -> None:
    """A y-axis row at x = 4 m: its slots 2-4 (y 2.2-4.0 m) cross RA's band (y 2.4-3.6 m)
    where RA's slots 2-4 stand (x 3.2-5.0 m around RB's 3.4-4.6 m)."""
    text = SMALL.replace(
        "{id: RB, origin_m: [2.0, 6.0], axis: x", "{id: RB, origin_m: [4.0, 1.0], axis: y"
    )
    (p,) = problems(text)
    assert p.path == "halls[0].rows[1].origin_m"
    assert "3 of its racks" in p.message and "(rack 'RB03' on 'RA03')" in p.message


def test_rows_back_to_back_and_end_to_end_are_fine() -> None:
    """Touching footprints do not overlap: 1.2 m apart across, or end to end along."""
    back = SMALL.replace("{id: RB, origin_m: [2.0, 6.0]", "{id: RB, origin_m: [2.0, 4.2]")
    assert loads(back, "back.yaml").halls[0].rows[1].origin_m == (2.0, 4.2)
    ends = SMALL.replace("{id: RB, origin_m: [2.0, 6.0]", "{id: RB, origin_m: [8.0, 3.0]")
    ends = ends.replace("size_m: [12.0, 9.0]", "size_m: [16.0, 9.0]")
    assert loads(ends, "ends.yaml").halls[0].rows[1].origin_m == (8.0, 3.0)


def test_a_long_invalid_id_is_cut_where_it_names_the_component() -> None:
    text = SMALL.replace("{id: RA01,", "{id: " + "R" * 100_000 + ",", 1)
    p = next(p for p in problems(text) if p.path == "halls[0].racks[0].id")
    assert p.component == "R" * 40 + "... (100000 characters)" and len(str(p)) < 400


def test_an_unknown_upstream_is_never_hinted_as_the_element_itself() -> None:
    """PDU-2 with `upstream: PDU-X` was asked "did you mean 'PDU-2'?": feeding itself."""
    text = SMALL.replace("{id: PDU-2, upstream: UPS-1", "{id: PDU-2, upstream: PDU-X")
    (p,) = problems(text)
    assert p.path == "power.pdus[1].upstream" and p.component == "PDU-2"
    assert "unknown power element 'PDU-X' (did you mean 'PDU-1'?)" in p.message


def test_a_battery_profile_is_a_kind_and_a_battery_takes_its_values() -> None:
    """A site battery's keys (energy_kwh) are no rack's or UPS's: an unused such profile
    is checked as a battery. A battery naming a profile got none of its values (only
    racks, power and cooling kinds were expanded): its values were dropped in silence."""
    text = with_profile("    energy_kwh: 100.0\n    power_kw: 50.0\n")
    assert loads(text, "bess.yaml").profiles["newrack"]["energy_kwh"] == 100.0
    (p,) = problems(text.replace("energy_kwh: 100.0", "energy_kwh: -1.0"))
    assert p.path == "profiles.newrack.energy_kwh" and "greater than 0" in p.message
    used = text.replace("power_kw: 50.0", "power_kw: 50.0\n    soc_min: 0.2") + (
        "storage:\n  bess:\n    - {id: B1, feed: MSB, profile: newrack}\n"
    )
    bess = loads(used, "bess.yaml").storage.bess[0]
    assert (bess.energy_kwh, bess.power_kw, bess.soc_min) == (100.0, 50.0, 0.2)
    (p,) = [p for p in problems(used.replace("soc_min: 0.2", "soc_min: 2.0")) if p.path]
    assert p.path == "profiles.newrack.soc_min" and p.line == line_of(used, "soc_min")


def test_a_crah_standing_on_a_rack_is_refused() -> None:
    """CRAC-3 at (3.5, 3.0) m: on RA03 (x 3.2-3.8 m, y 2.4-3.6 m); accepted before."""
    text = SMALL.replace("position_m: [11.5, 4.5]", "position_m: [3.5, 3.0]")
    (p,) = problems(text)
    assert (p.path, p.component, p.line) == (
        "cooling.crahs[2].position_m",
        "CRAC-3",
        line_of(text, "{id: CRAC-3,"),
    )
    assert "1 m square footprint on rack 'RA03' of row 'RA'" in p.message
    beside = SMALL.replace("position_m: [11.5, 4.5]", "position_m: [3.5, 4.5]")  # the aisle
    assert loads(beside, "aisle.yaml").cooling.crahs[2].position_m == (3.5, 4.5)


@pytest.mark.parametrize(("y", "refused"), [(3.9, True), (4.1, False)])
def test_a_crah_whose_footprint_crosses_a_rack_is_refused(y: float, refused: bool) -> None:
    """The air field makes a unit a 1 m box: centred 0.3 m off RA03's y 3.6 m edge it stands
    0.2 m on the rack (passed before, its centre being in the aisle); 0.5 m off, it touches."""
    text = SMALL.replace("position_m: [11.5, 4.5]", f"position_m: [3.5, {y}]")
    if not refused:
        assert loads(text, "aisle.yaml").cooling.crahs[2].position_m == (3.5, y)
        return
    (p,) = problems(text)
    assert (p.path, p.component) == ("cooling.crahs[2].position_m", "CRAC-3")
    assert "footprint on rack 'RA03'" in p.message and "at least 0.5 m off the rows" in p.message


@pytest.mark.parametrize("hall_m", [2.2, 2.1])
def test_a_rack_as_tall_as_its_hall_is_refused(hall_m: float) -> None:
    """The racks are 2.2 m (enterprise-10kw); a 2.2 m (or lower) ceiling leaves the air no
    way back over them: the air field boxed the racks in to the ceiling, in silence."""
    text = SMALL.replace("height_m: 3.6", f"height_m: {hall_m}")
    (p,) = problems(text)
    assert (p.path, p.line) == ("halls[0].height_m", line_of(text, f"height_m: {hall_m}"))
    assert f"{hall_m:g} m floor to ceiling, but rack 'RA01' is 2.2 m tall" in p.message


def test_a_misspelt_profile_name_gets_a_did_you_mean() -> None:
    text = SMALL.replace(
        "profile: enterprise-10kw, power_kw: 5.0", "profile: enterprise-10k, power_kw: 5.0", 1
    )
    (p,) = problems(text)
    assert p.path == "halls[0].racks[0].profile" and p.component == "RA01"
    assert "unknown profile 'enterprise-10k' (did you mean 'enterprise-10kw'?)" in p.message
