"""The on-disk cache of a layout's base solve gives back exactly what was solved, or nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twin.app import solve_cache as SC
from twin.app import state as S
from twin.solve.results import Results


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TWIN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("TWIN_CACHE", raising=False)
    return tmp_path / "results"


@pytest.fixture(scope="module")
def solved(layouts_dir):
    from twin.model import Twin

    return S.solve(Twin.load(layouts_dir / "ai-factory-hall.yaml"))


def test_a_stored_solve_comes_back_bit_for_bit(cache_dir, solved):
    assert SC.put("k1", solved)
    back = SC.get("k1")
    assert back is not None and back is not solved
    assert SC._equal(back, solved)
    for name, t in solved.tables.items():
        pd.testing.assert_frame_equal(back.tables[name], t, check_exact=True)
    pd.testing.assert_frame_equal(back.violations, solved.violations, check_exact=True)
    assert back.kpis.keys() == solved.kpis.keys()
    a = np.array(list(back.kpis.values()))
    b = np.array(list(solved.kpis.values()))
    assert np.array_equal(a, b, equal_nan=True)


def test_another_key_or_another_code_misses(cache_dir, solved, monkeypatch):
    SC.put("k1", solved)
    assert SC.get("k2") is None
    monkeypatch.setattr(SC, "_fingerprint", lambda: b"other solver code")
    assert SC.get("k1") is None


def test_a_corrupt_entry_is_ignored_and_removed(cache_dir, solved):
    SC.put("k1", solved)
    (entry,) = cache_dir.glob("*.results")
    raw = bytearray(entry.read_bytes())
    raw[-10] ^= 0xFF
    entry.write_bytes(bytes(raw))
    assert SC.get("k1") is None
    assert not entry.exists()


def test_what_does_not_round_trip_is_not_stored(cache_dir):
    odd = Results(tables={"res_x": pd.DataFrame({"when": pd.to_datetime(["2026-01-01"])})})
    assert not SC.put("k1", odd)
    assert SC.get("k1") is None


def test_off_with_the_layout_cache(cache_dir, solved, monkeypatch):
    monkeypatch.setenv("TWIN_CACHE", "0")
    assert not SC.put("k1", solved)
    assert SC.get("k1") is None
