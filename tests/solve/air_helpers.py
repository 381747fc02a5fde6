"""Small air-field rooms for the air tests, built as `twin.solve.airfield.HallAir` directly."""

from __future__ import annotations

from twin.solve.air_box_room import box_room


def room(n=1, **kw):
    """n racks in a row along x, one unit at the west wall (`air_box_room.box_room`)."""
    return box_room(n, **kw)


def count_marches(monkeypatch) -> list[int]:
    """Counts the FFD marches in this process (`airfield_ffd.hall_flux` calls) from here on."""
    from twin.solve import airfield_ffd

    calls: list[int] = []
    inner = airfield_ffd.hall_flux

    def counting(*a, **kw):
        calls.append(1)
        return inner(*a, **kw)

    monkeypatch.setattr(airfield_ffd, "hall_flux", counting)
    return calls
