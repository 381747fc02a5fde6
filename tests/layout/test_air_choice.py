"""The default air model (``auto``): the FFD field where every unit of a hall has a position,
in a layout of few such halls; the kernel otherwise; a model the layout names is kept."""

from __future__ import annotations

from types import SimpleNamespace as NS

from twin.layout.air_choice import AUTO_FFD_MAX_HALLS, chosen_air_models


def _site(n_halls: int, placed: bool = True, model: str = "auto"):
    halls = [NS(id=f"H{i}", air_model=model) for i in range(n_halls)]
    units = [NS(hall=f"H{i}", position_m=(0.5, 1.0) if placed else None) for i in range(n_halls)]
    return halls, units


def test_placed_units_get_the_ffd_field_and_unplaced_the_kernel():
    halls, units = _site(2)
    units.append(NS(hall="H1", position_m=None))  # one unit of H1 without a position
    assert chosen_air_models(halls, units) == {"H0": "ffd", "H1": "kernel"}
    halls.append(NS(id="EMPTY", air_model="auto"))  # no cooling unit at all
    assert chosen_air_models(halls, units)["EMPTY"] == "kernel"


def test_a_campus_of_many_placed_halls_stays_on_the_kernel():
    """~15 s of marching a hall: a 79-hall campus would take ~15 minutes on first load."""
    few = chosen_air_models(*_site(AUTO_FFD_MAX_HALLS))
    many = chosen_air_models(*_site(AUTO_FFD_MAX_HALLS + 1))
    assert set(few.values()) == {"ffd"} and set(many.values()) == {"kernel"}


def test_a_named_model_is_kept():
    for model in ("kernel", "field", "ffd"):
        got = chosen_air_models(*_site(AUTO_FFD_MAX_HALLS + 3, placed=False, model=model))
        assert set(got.values()) == {model}
