"""The editor's validate-as-you-type checks read the layout schema's own bounds: on each side
of every bound they agree with validating the component (and the whole layout)."""

from __future__ import annotations

import copy

import pytest
from pydantic import ValidationError

from twin.app import checks as K
from twin.app import edit as E
from twin.errors import LayoutError
from twin.layout import dump, load, schema, validate_data


def schema_ok(model, **fields) -> bool:
    try:
        model.model_validate(fields)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("power", [-0.1, 0.0, 999.9, 1000.0, 1000.1, 5000.0])
def test_rack_power_as_the_layout_check_says(power):
    data = dump(load("layouts/small-room.yaml"))
    rid = data["halls"][0]["racks"][2]["id"]
    edited = E.set_rack(data, rid, power_kw=power)
    try:
        validate_data(copy.deepcopy(edited), "x")
        whole = True
    except LayoutError:
        whole = False
    msg = K.check("racks", "power_kw", power, rid, "halls[0].racks[2].power_kw")
    assert (msg is None) == whole, (power, msg)
    if msg:
        assert msg.startswith(f"rack {rid}, power_kw: ") and msg.endswith(
            "is not allowed: 0 to 1,000 kW (at halls[0].racks[2].power_kw)"
        )


@pytest.mark.parametrize(
    "table,model,field,index,values,base",
    [
        ("racks", schema.Rack, "slot", None, [-1, 0, 10_000, 10_001], {"id": "R", "row": "A"}),
        ("rows", schema.Row, "rack_width_m", None, [0.2, 0.2001, 3.0, 3.01], {"origin_m": (0, 0)}),
        ("halls", schema.Hall, "size_m", 0, [0.99, 1.0, 1000.0, 1000.5], {}),
        ("rows", schema.Row, "origin_m", 1, [-50_001.0, -50_000.0, 50_000.0, 50_000.1], {}),
    ],
)
def test_bounds_are_the_schemas(table, model, field, index, values, base):
    for v in values:
        if index is None:
            fields = {"id": "X", **base, field: v}
            if table == "racks":
                fields["power_kw"] = 1.0
        else:
            pair = [1.0, 1.0]
            pair[index] = v
            fields = {"id": "X", **base, field: pair}
            if table == "rows":
                fields = {"id": "X", "origin_m": pair}
        assert (K.check(table, field, v, "X", index=index) is None) == schema_ok(model, **fields), v


def test_allowed_in_words():
    assert K.allowed("racks", "power_kw") == "0 to 1,000 kW"
    assert K.allowed("rows", "rack_width_m") == "more than 0.2 and at most 3 m"
    assert K.allowed("halls", "size_m", 0) == "1 to 1,000 m"
    assert K.allowed("rows", "id") == "1-80 characters: letters, digits and _ . : / -"


def test_new_ids():
    assert K.check_new_id("rows", "H1-R09", {"H1-R01"}) is None
    assert "already used" in K.check_new_id("rows", "H1-R01", {"H1-R01"})
    assert "'H1 R9' is not allowed" in K.check_new_id("rows", "H1 R9", set())
    assert K.check_new_id("halls", "", set()).startswith("new hall id: type one")
