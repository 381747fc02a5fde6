"""An FFD march that will not settle is given up after half a turnover instead of marched to its end
(`twin.solve.airfield_ffd._hopeless`): the same answer where it settles, the same refusal where
it does not, only sooner."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from solve.air_helpers import room as _room
from twin.solve import airfield as af
from twin.solve import airfield_ffd as ffd

pytestmark = pytest.mark.usefixtures("fresh_marches")  # they count or spy on marches


def _history(level: float, rate: float, steps: int) -> list[float]:
    """Step changes (of a flux of rms 1) starting at `level`, falling by `rate` a step."""
    return list(level * rate ** np.arange(steps))


def test_an_oscillation_that_does_not_decay_is_hopeless():
    window = 40
    flat = list(0.21 + 0.01 * np.sin(np.arange(4 * window)))  # the 100-rack hall at 0.1 s
    assert ffd._hopeless(flat, window, 500, 1.0)
    # the same level measured against a flux 10 times stronger is settled: relative change
    assert not ffd._hopeless(flat, window, 500, 10.0)


def test_a_change_that_decays_fast_enough_to_settle_is_not_hopeless():
    window, left = 40, 500
    # 0.3 a step, falling by a factor 0.9 a window: 0.3 * 0.9 ** 12.5 = 0.08 at the end
    rate = 0.9 ** (1 / window)
    falling = _history(0.3 / rate ** (4 * window), rate, 4 * window)
    assert not ffd._hopeless(falling, window, left, 1.0)
    # falling more slowly (0.97 a window: 0.2 at the end) it is hopeless
    slow = 0.97 ** (1 / window)
    assert ffd._hopeless(_history(0.3 / slow ** (4 * window), slow, 4 * window), window, left, 1.0)
    # and a march already below the settled limit is never given up
    assert not ffd._hopeless([0.01] * (4 * window), window, left, 1.0)


def _mirror_room():
    air = _room(2, size=(4.2, 4.2, 3.0), x0=1.8, ux_m=np.array([2.1]), uy_m=np.array([0.5]),
                u_face=np.array([2.0]))  # fmt: skip
    return dataclasses.replace(air, flow="ffd", ffd_dt_s=0.5)  # a coarse step: a fast test


def test_a_march_that_settles_gives_the_same_flux_with_and_without_giving_up(monkeypatch):
    got = []
    inner = ffd.ffd_flux

    def spy(*a, **kw):
        flux, info = inner(*a, **kw)
        got.append((kw.get("give_up"), flux, info))
        return flux, info

    monkeypatch.setattr(ffd, "ffd_flux", spy)
    for give_up in (False, True):
        monkeypatch.setattr(ffd, "GIVE_UP", give_up)
        af._FFD_CACHE.clear()
        af._solve(_mirror_room())
    (off, f_off, i_off), (on, f_on, i_on) = got
    assert (off, on) == (False, True)
    assert "ffd_gave_up_s" not in i_on and i_on["ffd_steps"] == i_off["ffd_steps"]
    assert np.array_equal(f_on, f_off)


def test_a_hopeless_march_stops_after_half_a_turnover_and_is_refused(monkeypatch):
    af._FFD_CACHE.clear()
    full = af._solve(_mirror_room()).info["ffd_steps"]  # the whole march: four turnovers
    monkeypatch.setattr(ffd, "_hopeless", lambda *a: True)
    infos = []
    inner = ffd.ffd_flux

    def spy(*a, **kw):
        flux, info = inner(*a, **kw)
        infos.append(info)
        return flux, info

    monkeypatch.setattr(ffd, "ffd_flux", spy)
    af._FFD_CACHE.clear()
    air = _mirror_room()
    with pytest.raises(af.FieldError, match="did not settle"):
        af._solve(air)
    assert [i["ffd_dt_s"] for i in infos] == [0.5, 0.25]
    for info, steps in zip(infos, (full, 2 * full), strict=True):  # after half a turnover
        assert info["ffd_gave_up_s"] == pytest.approx(info["ffd_time_s"])
        assert abs(info["ffd_steps"] - steps / ffd.TURNOVERS / 2) <= 4
