"""Generated layouts get their own profiles: editing one changes neither the built-ins nor the next."""

from __future__ import annotations

import copy

import pytest

from twin.layout import generate


def test_editing_a_generated_layouts_profiles_leaves_the_builtins_and_the_next_layout() -> None:
    first = generate.ai_factory_hall()
    first["profiles"]["nvl72"]["power_kw"] = 66.0
    first["profiles"]["ups-2500"]["battery"]["energy_kwh"] = 1.0
    first["accelerators"]["gb200-nvl72"]["power_kw"] = 1.0
    assert generate.RACK_PROFILES["nvl72"]["power_kw"] == 132.0
    assert generate.EQUIPMENT_PROFILES["ups-2500"]["battery"]["energy_kwh"] == 220.0
    second = generate.ai_factory_hall()
    assert second["profiles"]["nvl72"]["power_kw"] == 132.0
    assert second["profiles"]["ups-2500"]["battery"]["energy_kwh"] == 220.0
    assert second["accelerators"]["gb200-nvl72"]["power_kw"] == 132.0


def test_builtin_profiles_are_read_only_and_copy_to_plain_dicts() -> None:
    p = generate.RACK_PROFILES["nvl72"]
    with pytest.raises(TypeError):
        p["power_kw"] = 66.0
    with pytest.raises(TypeError):
        p.update(power_kw=66.0)
    with pytest.raises(TypeError):
        generate.EQUIPMENT_PROFILES["ups-2500"]["battery"]["energy_kwh"] = 1.0
    with pytest.raises(TypeError):
        generate.RACK_PROFILES["new"] = {}  # type: ignore[index]
    for mine in (p.copy(), copy.deepcopy(p), {**p}, dict(p), p | {}):
        mine["power_kw"] = 1.0  # plain dicts, changeable
    assert p["power_kw"] == 132.0
