"""How far an FFD hall's rack inlets depend on how long its march ran
(`twin.solve.ffd_march.march_spread`): small where the march settled, and a bound on what a
much longer march moves them (the brute force), within three times of it, where the march
settled or was stopped short; the caution reaches `twin solve`, located at the hall's
air_model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import yaml
from one_room import ROOM

from solve.air_helpers import room as _room
from twin.cli import main
from twin.layout import load
from twin.layout.source import line_of, parse_bytes, read_bytes
from twin.model import Twin
from twin.solve import airfield as af
from twin.solve import airfield_ffd as ffd
from twin.solve import ffd_march
from twin.solve.airfield_build import ffd_march_cautions, ffd_march_spreads

pytestmark = pytest.mark.usefixtures("fresh_marches")  # they count or spy on marches

AIR = dataclasses.replace(_room(4, size=(8.0, 4.0, 3.0), y=3.0, flow=1.25), flow="ffd")
N = len(AIR.x_m)


def _inlets(shares) -> np.ndarray:
    """Tang's inlets at the design rise on the field's shares: what the solve reads."""
    b = shares.b_mean.toarray()
    return np.linalg.solve(np.eye(N) - b, b @ np.full(N, ffd.DESIGN_RISE_K))


def _march(monkeypatch, turnovers: float, settle: float = ffd.SETTLE_AVG_REL):
    # on the uniform grid, where this room settles at 56 s (on the rack-aligned grid it
    # marches its full 70 s, spread 0.06 K: no early stop to test)
    monkeypatch.setattr(ffd, "GRID", "uniform")
    monkeypatch.setattr(ffd, "TURNOVERS", turnovers)
    monkeypatch.setattr(ffd, "SETTLE_AVG_REL", settle)
    af._CACHE.clear()
    af._FFD_CACHE.clear()
    s = af._solve(AIR)
    return _inlets(s), s.info


@pytest.fixture(scope="module")
def long_march():
    """The room's inlets after 16 turnovers (~220 s) with no early stop: where it heads."""
    with pytest.MonkeyPatch.context() as mp:
        th, info = _march(mp, 16.0, 0.0)
    assert info["ffd_window_move_k"] < 1e-3  # it has arrived
    return th


def test_a_settled_march_has_a_small_spread_that_bounds_a_long_march(monkeypatch, long_march):
    th, info = _march(monkeypatch, ffd.TURNOVERS)
    assert "ffd_settled_s" in info and not info["ffd_march_spread_lower"]
    assert info["ffd_march_spread_k"] < 0.2 * ffd_march.MARCH_SPREAD_CAUTION_K
    # the brute force: 16 turnovers move the inlets by less than reported (0.005 against 0.05 K)
    assert np.abs(long_march - th).max() <= info["ffd_march_spread_k"]


@pytest.mark.parametrize("turnovers", [2.0, 3.0])
def test_a_shortened_march_reports_a_bound_on_how_far_the_inlets_still_move(
    monkeypatch, long_march, turnovers
):
    th, info = _march(monkeypatch, turnovers)  # not settled: the answer is the second half
    assert "ffd_settled_s" not in info
    moved = np.abs(long_march - th).max()
    # 2 turnovers: reported 1.78 K, the long march moves them 0.71 K (the estimate before
    # 2026-12-01 20:00 UTC said 0.58 K: under); 3 turnovers: 0.32 against 0.22 K
    assert moved <= info["ffd_march_spread_k"] <= 3.0 * moved
    # the last window's move alone says less than the answer still moves
    assert info["ffd_window_move_k"] < 0.5 * moved


def test_march_spread_bounds_a_geometric_drift():
    # inlets of 2 racks drifting to (10, 4) K: windows at 1/2 ... 31/32 of the way (rho 1/2)
    target = np.array([10.0, 4.0])

    def shares(theta):  # one-rack-each shares giving inlets theta at rise 10: b = th / (th + 10)
        return np.diag(theta / (theta + 10.0))

    wins = [shares(target * f) for f in (0.5, 0.75, 0.875, 0.9375, 0.96875)]
    got = ffd_march.march_spread(wins, shares(target * 0.5), 10.0, 0.95)
    # from the answer's 5 K to the last window's 9.6875, then twice the tail's 0.3125 K: at
    # least the 5 K to the 10 K it heads to
    assert got["ffd_march_spread_k"] == pytest.approx(4.6875 + ffd_march.TAIL_SAFETY * 0.3125)
    assert got["ffd_march_spread_k"] >= 5.0
    assert got["ffd_march_spread_rack"] == 0 and not got["ffd_march_spread_lower"]
    assert got["ffd_window_move_k"] == pytest.approx(0.3125)
    assert ffd_march.tail_ratio([2.5, 1.25, 0.625, 0.3125]) == pytest.approx(0.5)
    # moves that grow (0.5, 0.5, 1, 1 K): no tail to fit, the most moves, a lower bound
    wins = [shares(target * f) for f in (0.5, 0.55, 0.6, 0.7, 0.8)]
    got = ffd_march.march_spread(wins, shares(target * 0.8), 10.0, 0.95)
    assert got["ffd_march_spread_lower"]
    assert got["ffd_march_spread_k"] == pytest.approx(ffd_march.TAIL_MOVES_MAX * 1.0)


def _room_file(tmp_path, kw: float):
    doc = yaml.safe_load(yaml.safe_dump(ROOM))
    doc["halls"][0]["racks"][0]["power_kw"] = kw  # a content no other test built
    path = tmp_path / "room.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_twin_solve_prints_the_caution_at_the_halls_air_model(monkeypatch, tmp_path, capsys):
    path = _room_file(tmp_path, 12.375)
    assert main(["solve", str(path), "--json", "--no-headroom"]) == 0
    assert "FFD march" not in capsys.readouterr().err  # settled: no caution
    t = Twin.from_layout(load(path))
    (spread,) = ffd_march_spreads(t).values()
    assert spread["spread_k"] < ffd_march.MARCH_SPREAD_CAUTION_K
    # the same hall against a threshold below its spread: the caution, where air_model is
    monkeypatch.setattr(ffd_march, "MARCH_SPREAD_CAUTION_K", 0.5 * spread["spread_k"])
    assert main(["solve", str(path), "--json", "--no-headroom"]) == 0
    err = capsys.readouterr().err
    (caution,) = ffd_march_cautions(t)
    line = line_of(parse_bytes(read_bytes(path), str(path)), ("halls", 0, "air_model"))
    assert str(caution) in err
    assert str(caution).startswith(f"{path}:{line}: halls[0].air_model: warning: T: its rack ")
    assert f"{spread['spread_k']:.1f} K (rack {spread['rack']})" in caution.message
    assert "uncertain by" in caution.message
