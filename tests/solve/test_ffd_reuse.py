"""Work an FFD hall's build no longer repeats, with the same numbers: the retry at half the
step reuses the projection's factorised Laplacian (`airfield_ffd.ffd_flux`'s ``keep``), a
settled march's last window takes the answer's own tracer solve (`ffd_march.SETTLED_REUSE`),
and an FFD hall skips the potential flow its march replaces."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from solve.air_helpers import room as _room
from twin.solve import airfield as af
from twin.solve import airfield_ffd as ffd
from twin.solve import ffd_march
from twin.solve.airfield_lu import factorise

pytestmark = pytest.mark.usefixtures("fresh_marches")  # they count or spy on marches

AIR = dataclasses.replace(_room(4, size=(8.0, 4.0, 3.0), y=3.0, flow=1.25), flow="ffd")


def _clear() -> None:
    af._CACHE.clear()
    af._FFD_CACHE.clear()


def _march_args(monkeypatch):
    """The positional and keyword arguments `hall_flux` marches AIR with."""
    got = []
    inner = ffd.ffd_flux

    def spy(*a, **kw):
        got.append((a, kw))
        return inner(*a, **kw)

    monkeypatch.setattr(ffd, "ffd_flux", spy)
    monkeypatch.setattr(ffd, "TURNOVERS", 1.0)  # a short march: a fast test
    _clear()
    af._solve(AIR)
    monkeypatch.setattr(ffd, "ffd_flux", inner)
    return got[0]


def test_a_kept_projection_gives_the_same_flux_and_is_used(monkeypatch):
    a, kw = _march_args(monkeypatch)
    kw = {k: v for k, v in kw.items() if k != "keep"}
    fresh, _ = ffd.ffd_flux(*a, **kw)
    keep: dict = {}
    first, _ = ffd.ffd_flux(*a, **kw, keep=keep)
    assert "lu" in keep
    again, _ = ffd.ffd_flux(*a, **kw, keep=keep)  # the kept LU: the same flux to the bit
    assert np.array_equal(first, fresh) and np.array_equal(again, fresh)
    # a foreign factorisation in `keep` changes the flux: the kept one is what projects
    lu = keep["lu"]
    n = lu.shape[0]
    keep["lu"] = factorise(np.eye(n) * 1e3)
    other, _ = ffd.ffd_flux(*a, **kw, keep=keep)
    assert not np.allclose(other, fresh)


def test_a_settled_marchs_spread_is_the_same_with_its_last_window_reused(monkeypatch):
    monkeypatch.setattr(ffd, "GRID", "uniform")  # where this room settles (test_airfield_ffd_march)
    infos = {}
    for reuse in (False, True):
        monkeypatch.setattr(ffd_march, "SETTLED_REUSE", reuse)
        _clear()
        infos[reuse] = af._solve(AIR).info
    assert "ffd_settled_s" in infos[True]
    for key in ("ffd_march_spread_k", "ffd_window_move_k", "ffd_march_spread_rack"):
        assert infos[True][key] == infos[False][key]


def test_an_ffd_hall_does_not_factorise_the_potential_flow(monkeypatch):
    calls = []
    inner = af.factorise

    def count(a):
        calls.append(a.shape)
        return inner(a)

    monkeypatch.setattr(af, "factorise", count)
    _clear()
    af._solve(dataclasses.replace(AIR, flow="potential"))
    assert len(calls) == 1
    calls.clear()
    monkeypatch.setattr(ffd, "TURNOVERS", 1.0)
    _clear()
    s = af._solve(AIR)
    assert calls == [] and s.info["continuity_residual_m3_s"] == pytest.approx(0.0, abs=1e-9)
