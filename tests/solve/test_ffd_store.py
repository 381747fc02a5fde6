"""The FFD flux store on disk: a second process reads what the first marched, bit for bit, and
never a flux of other content, other code or a damaged entry."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from solve.air_helpers import count_marches, room
from twin.solve import airfield as af
from twin.solve import airfield_ffd, ffd_store


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("TWIN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("TWIN_FFD_STORE", "1")
    af._CACHE.clear()
    af._FFD_CACHE.clear()
    yield tmp_path / "ffd"
    af._CACHE.clear()
    af._FFD_CACHE.clear()


def test_a_stored_flux_is_read_back_bit_for_bit_instead_of_marching(store, monkeypatch):
    air = dataclasses.replace(room(3, size=(6.0, 4.0, 3.0), y=3.0), flow="ffd")
    calls = count_marches(monkeypatch)
    first = af._solve(air)
    assert calls == [1] and len(list(store.glob("*.ffd"))) == 1
    af._FFD_CACHE.clear()  # as a new process: memory empty, disk kept
    again = af._solve(air)
    assert calls == [1]  # read, not marched
    assert np.array_equal(first.b_mean.toarray(), again.b_mean.toarray())
    assert again.info["ffd_steps"] == first.info["ffd_steps"]
    # other content (a rack moved 0.3 m) is marched, not read
    moved = dataclasses.replace(air, x_m=air.x_m + 0.3)
    af._solve(moved)
    assert calls == [1, 1] and len(list(store.glob("*.ffd"))) == 2


def test_a_damaged_or_foreign_entry_is_ignored_and_removed(store, monkeypatch):
    air = dataclasses.replace(room(2, size=(5.0, 4.0, 3.0), y=3.0), flow="ffd")
    calls = count_marches(monkeypatch)
    af._solve(air)
    (entry,) = store.glob("*.ffd")
    blob = bytearray(entry.read_bytes())
    blob[-5] ^= 0xFF  # one flipped byte: the checksum no longer matches
    entry.write_bytes(bytes(blob))
    af._FFD_CACHE.clear()
    af._solve(air)
    assert calls == [1, 1]  # marched again, and stored again, intact
    (entry,) = store.glob("*.ffd")
    key = dataclasses.replace(air, diffusivity_m2_s=0.0).key()
    assert ffd_store.get(key) is not None


def test_other_code_never_reads_an_entry(store, monkeypatch):
    air = dataclasses.replace(room(2, size=(5.0, 4.0, 3.0), y=3.0), flow="ffd")
    calls = count_marches(monkeypatch)
    af._solve(air)
    af._FFD_CACHE.clear()
    monkeypatch.setattr(ffd_store, "_fingerprint", lambda: b"an edited march")
    af._solve(air)
    assert calls == [1, 1]


def test_turned_off_it_writes_nothing(store, monkeypatch):
    monkeypatch.setenv("TWIN_FFD_STORE", "0")
    af._solve(dataclasses.replace(room(2, size=(5.0, 4.0, 3.0), y=3.0), flow="ffd"))
    assert not store.exists() or not list(store.glob("*.ffd"))


def test_a_march_constant_set_otherwise_never_reads_an_entry(store, monkeypatch):
    air = dataclasses.replace(room(2, size=(5.0, 4.0, 3.0), y=3.0), flow="ffd")
    calls = count_marches(monkeypatch)
    af._solve(air)
    af._FFD_CACHE.clear()
    turnovers = airfield_ffd.TURNOVERS
    monkeypatch.setattr(airfield_ffd, "TURNOVERS", turnovers / 2)
    af._solve(air)  # another march length: another flux, marched
    assert calls == [1, 1] and len(list(store.glob("*.ffd"))) == 2
    af._FFD_CACHE.clear()
    monkeypatch.setattr(airfield_ffd, "TURNOVERS", turnovers)
    af._solve(air)  # the first setting again: read
    assert calls == [1, 1]


def test_a_march_that_failed_is_kept_and_not_tried_again(store, monkeypatch):
    """A march that does not settle fails the same way from memory and from disk, without
    marching again."""
    air = dataclasses.replace(room(2, size=(5.0, 4.0, 3.0), y=3.0), flow="ffd")
    calls = []

    def unsettled(*a, **kw):
        calls.append(1)
        raise FloatingPointError("its flux still changes by 7% a step")

    monkeypatch.setattr(airfield_ffd, "hall_flux", unsettled)
    for _ in range(2):
        with pytest.raises(af.FieldError, match="did not settle: its flux still changes"):
            af.hall_shares(air)
        af._CACHE.clear()
    af._FFD_CACHE.clear()  # as a new process: memory empty, disk kept
    with pytest.raises(af.FieldError, match="did not settle: its flux still changes"):
        af.hall_shares(air)
    assert calls == [1] and len(list(store.glob("*.ffd"))) == 1
    assert af.ffd_flux_known(air)


def test_a_halls_shares_are_read_back_without_a_tracer_solve(store, monkeypatch):
    """A second run reads an ffd hall's shares, bit for bit, without marching or solving its
    tracer again (~1.4 CPU s a hall on the hybrid layout); another diffusivity reads the flux
    and solves its own tracer."""
    air = dataclasses.replace(room(3, size=(6.0, 4.0, 3.0), y=3.0), flow="ffd")
    first = af.hall_shares(air)
    assert len(list(store.glob("*.ffd"))) == 2  # its flux and its shares
    af._CACHE.clear()
    af._FFD_CACHE.clear()  # as a new process
    marches = count_marches(monkeypatch)
    solves: list[int] = []
    real = af._solve  # the field's whole solve: flux (marched or read), then its tracer
    monkeypatch.setattr(af, "_solve", lambda *a, **kw: solves.append(1) or real(*a, **kw))
    again = af.hall_shares(air)
    assert marches == [] and solves == []
    for name in ("b_mean", "b_top"):
        a, b = getattr(first, name), getattr(again, name)
        assert a.shape == b.shape and (a != b).nnz == 0
    assert np.array_equal(first.return_share, again.return_share)
    assert (first.cell_m, first.cells) == (again.cell_m, again.cells)
    assert first.info.keys() == again.info.keys()
    assert all(np.array_equal(first.info[k], again.info[k]) for k in first.info)
    af.hall_shares(dataclasses.replace(air, diffusivity_m2_s=2.0 * air.diffusivity_m2_s))
    assert marches == [] and solves  # the flux read, the tracer solved


def test_an_info_tuple_that_looks_like_a_tag_reads_back_as_itself(store):
    """Every container is tagged, so a plain tuple in an info is never taken for an array."""
    info = {"looks_like_an_array": ("a", "<f8", b"\0" * 8), "pair": (1, "x"), "empty": ()}
    info["nested"] = [("l", [1]), {"d": ("d", {})}]
    ffd_store.put(b"tuple-info", np.arange(3.0), info)
    flux, back = ffd_store.get(b"tuple-info")
    assert back == info and type(back["pair"]) is tuple
    assert np.array_equal(flux, np.arange(3.0))
