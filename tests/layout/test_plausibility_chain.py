"""Cross-component plausibility warnings (twin.layout.plausibility_chain), each on the slip
outside audit 5 found passing `twin validate` silently: located at the value's line, naming
the components, the numbers compared and the unit to check. None fire on the shipped or
generated layouts (tests/layout/test_plausibility.py checks those lists are empty of values;
here: of these cautions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.layout import generate, validate_data
from twin.layout.plausibility import ModelCaution, check, check_bytes, check_file
from twin.layout.plausibility_chain import OVER_RATING

SHIPPED = sorted((Path(__file__).resolve().parents[2] / "layouts").glob("*.yaml"))


def _chain(found: list) -> list[ModelCaution]:
    """The cross-component cautions (not the air model's, nor opposed jets)."""
    return [w for w in found if isinstance(w, ModelCaution) and "rack inlets" not in w.message
            and "blow at each other" not in w.message]  # fmt: skip


def _line_of(text: str, needle: str) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, hits
    return hits[0]


def _small(layouts_dir, *edits: tuple[str, str]) -> str:
    text = (layouts_dir / "small-room.yaml").read_text()
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_none_on_the_shipped_layouts(path):
    assert _chain(check_file(path)) == []


def test_none_on_the_generated_layouts():
    for doc in (generate.ai_factory_hall(), generate.hybrid_inference(), generate.campus(50)):
        assert _chain(check(validate_data(doc, "generated.yaml"))) == []


def test_design_it_far_above_a_ups_rating_and_the_grid(layouts_dir):
    """audit 5 F-H (m/over.yaml): 2 MW of racks on a 300 kVA UPS and a 1 MW grid."""
    text = _small_all_racks_at(layouts_dir, 100.0)
    found = _chain(check_bytes(text, "over.yaml"))
    ups = [w for w in found if w.component == "UPS-1"]
    assert len(ups) == 1
    (w,) = ups
    assert (w.file, w.line, w.path) == (
        "over.yaml",
        _line_of(text, "rating_kva: 300.0"),
        "power.ups[0].rating_kva",
    )
    assert "2,000 kW" in w.message and "6.7x its 300 kVA" in w.message
    grid = [w for w in found if w.path == "site.grid_mw"]
    assert len(grid) == 1 and "2,000 kW, 2.0x the 1 MW grid" in grid[0].message
    assert grid[0].line == _line_of(text, "grid_mw:")
    assert {"TX-1", "MSB", "PDU-1", "PDU-2", "GEN-1"} <= {w.component for w in found}
    assert str(w).startswith(f"over.yaml:{w.line}: power.ups[0].rating_kva: warning: UPS-1:")


def _small_all_racks_at(layouts_dir, kw: float) -> str:
    """small-room with every rack at `kw` (their own power_kw values replaced)."""
    import re

    text = (layouts_dir / "small-room.yaml").read_text()
    return re.sub(r"power_kw: \d+\.\d+", f"power_kw: {kw}", text)


def test_a_modest_overload_is_left_to_the_solve(layouts_dir):
    """Below OVER_RATING the solve's own overload violation speaks (m/over2.yaml)."""
    kw = 300.0 * (OVER_RATING - 0.1) / 20
    found = _chain(check_bytes(_small_all_racks_at(layouts_dir, kw), "mild.yaml"))
    assert not [w for w in found if w.component == "UPS-1"]


def test_a_generator_too_small_for_what_its_transfer_switch_carries(layouts_dir):
    """audit 5 F-M (m/smallgen.yaml): 50 kVA behind a 189 kW room."""
    text = _small(layouts_dir, ("{id: GEN-1, voltage_kv: 0.415, rating_kva: 500.0}",
                                "{id: GEN-1, voltage_kv: 0.415, rating_kva: 50.0}"))  # fmt: skip
    (w,) = _chain(check_bytes(text, "smallgen.yaml"))
    assert (w.line, w.path, w.component) == (
        _line_of(text, "id: GEN-1"),
        "power.generators[0].rating_kva",
        "GEN-1",
    )
    assert "MSB" in w.message and "189 kW" in w.message and "40 kW at power factor 0.8" in w.message
    assert "MSB" in w.components


def test_ratings_in_va_and_a_battery_in_wh(layouts_dir):
    """audit 5 F-R (m/pduva.yaml, m/battwh.yaml)."""
    text = _small(layouts_dir, ("rating_kva: 300.0", "rating_kva: 300000.0"))
    (w,) = _chain(check_bytes(text, "va.yaml"))
    assert (w.component, w.path, w.line) == (
        "UPS-1",
        "power.ups[0].rating_kva",
        _line_of(text, "rating_kva: 300000.0"),
    )
    assert "is it in VA?" in w.message and "600x the 500 kVA" in w.message
    text = _small(layouts_dir, ("energy_kwh: 60.0", "energy_kwh: 60000.0"))
    (w,) = _chain(check_bytes(text, "wh.yaml"))
    assert (w.component, w.path, w.line) == (
        "UPS-1",
        "power.ups[0].battery.energy_kwh",
        _line_of(text, "energy_kwh: 60000.0"),
    )
    assert "is it in Wh?" in w.message and "200.0 h" in w.message


def test_a_battery_in_mwh(layouts_dir):
    """300 kWh typed as 0.3: 3.6 s at the UPS's 300 kVA (by hand: 0.3 x 3600 / 300), less
    than any generator start; the ride-through then finds the battery empty before the
    generator, but validate said nothing. 0.9 kWh (10.8 s) is a short flywheel-like store
    and passes."""
    text = _small(layouts_dir, ("energy_kwh: 60.0", "energy_kwh: 0.3"))
    (w,) = _chain(check_bytes(text, "mwh.yaml"))
    assert (w.component, w.path, w.line) == (
        "UPS-1",
        "power.ups[0].battery.energy_kwh",
        _line_of(text, "energy_kwh: 0.3"),
    )
    assert "holds 3.6 s at rated load" in w.message and "is it in MWh?" in w.message
    fly = _small(layouts_dir, ("energy_kwh: 60.0", "energy_kwh: 0.9"))
    assert _chain(check_bytes(fly, "flywheel.yaml")) == []


def test_a_ups_on_the_standby_generator(layouts_dir):
    """audit 5 F-D (m/upsgen.yaml): UPS-1 upstream GEN-1, the generator carrying IT normally."""
    text = (layouts_dir / "small-room.yaml").read_text()
    old = "    - id: UPS-1\n      upstream: MSB\n"
    assert text.count(old) == 1
    text = text.replace(old, old.replace("MSB", "GEN-1"))
    (w,) = _chain(check_bytes(text, "upsgen.yaml"))
    assert (w.component, w.path, w.line) == (
        "UPS-1",
        "power.ups[0].upstream",
        _line_of(text, "upstream: GEN-1"),
    )
    assert "standby generator GEN-1" in w.message and "alternate" in w.message
    assert w.components == ("UPS-1", "GEN-1")


def _hall(layouts_dir, old: str, new: str) -> str:
    text = (layouts_dir / "ai-factory-hall.yaml").read_text()
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_an_accelerator_power_typed_ten_times_too_small(layouts_dir):
    """audit 5 F-W (m/acc.yaml): gb200-nvl72 power_kw 13.2 for 132 counts ten per rack."""
    text = (layouts_dir / "ai-factory-hall.yaml").read_text()
    at = text.index("accelerators:")
    text = text[:at] + text[at:].replace("power_kw: 132.0", "power_kw: 13.2", 1)
    (w,) = _chain(check_bytes(text, "acc.yaml"))
    assert w.path == "accelerators.gb200-nvl72.power_kw"
    assert w.line == _line_of(text, "power_kw: 13.2")
    assert "10x the 13.2 kW" in w.message and "rack-scale" in w.message
    assert f"line {_line_of(text, 'power_kw: 132.0')}" in w.message  # the rack profile's line
    assert len(w.components) == 96  # every gb200 rack of the hall


def test_an_energy_price_in_cents(layouts_dir):
    text = _hall(layouts_dir, "energy_price_usd_per_kwh: 0.0806", "energy_price_usd_per_kwh: 8.06")
    (w,) = _chain(check_bytes(text, "cents.yaml"))
    assert (w.path, w.line) == (
        "economics.energy_price_usd_per_kwh",
        _line_of(text, "energy_price_usd_per_kwh: 8.06"),
    )
    assert "did you mean cents? 8.06 c/kWh = 0.0806 USD/kWh" in w.message


def test_facility_water_too_warm_for_its_tcs_loops(layouts_dir):
    """audit 5 F-J (m/fwshot.yaml): 30 C facility water + 3 K approach for a 25 C TCS loop."""
    old = "{id: H1-FWS, kind: facility, t_supply_c: 20.0"
    text = _hall(layouts_dir, old, old.replace("20.0", "30.0"))
    (w,) = _chain(check_bytes(text, "fwshot.yaml"))
    assert (w.component, w.line) == ("H1-FWS", _line_of(text, "id: H1-FWS, kind: facility"))
    assert w.path == "cooling.loops[0].t_supply_c" or w.path.endswith(".t_supply_c")
    assert "33 C at best" in w.message and "25 C setpoint" in w.message


def test_a_profile_value_gets_one_caution_for_all_its_users(layouts_dir):
    """The busway-1600 profile's rating typed in VA reaches the hall's busways: one caution
    at the profile's line naming them all, not one per busway."""
    text = (layouts_dir / "ai-factory-hall.yaml").read_text()
    n = text.count("profile: busway-1600")
    assert n > 1
    text = _hall(layouts_dir, "    rating_kva: 1600.0\n", "    rating_kva: 1600000.0\n")
    (w,) = _chain(check_bytes(text, "bw-va.yaml"))
    assert (w.path, w.line) == ("profiles.busway-1600.rating_kva", _line_of(text, "1600000.0"))
    assert "is it in VA?" in w.message and f"{n - 1} more" in w.message
    assert sum(c.startswith("H1-BW-") for c in w.components) == n
