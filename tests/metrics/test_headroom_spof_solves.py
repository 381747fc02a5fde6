"""The headroom's N-1 check solves a design single point of failure in full once, at today's
load, where it is found and left out: past it, that failure's rows are dropped, so a full
solve of it at every probe changed no figure (small-room.yaml's UPS-1 and MSB: 10 of a
search's 48 full solves)."""

from __future__ import annotations

import importlib

import pandas as pd

from twin.metrics.headroom import headroom

hr = importlib.import_module("twin.metrics.headroom")  # the package exports the function
coupled = importlib.import_module("twin.solve.coupled")


def _search(twin, monkeypatch, solve_dropped: bool):
    """The headroom, and each failure's full solves in it (`twin.solve.run` spied on)."""
    solved: dict[str, int] = {}
    real_run, real_n1 = coupled.run, hr.n1_utilisation

    def spy(tw, scenario=None, **kw):
        for c in scenario.failed:
            solved[c] = solved.get(c, 0) + 1
        return real_run(tw, scenario, **kw)

    def every(*a, dropped=frozenset(), **kw):  # as before: every case at risk solved in full
        return real_n1(*a, **kw)

    with monkeypatch.context() as m:
        m.setattr(coupled, "run", spy)
        if solve_dropped:
            m.setattr(hr, "n1_utilisation", every)
        return headroom(twin), solved


def test_a_single_point_of_failure_is_solved_in_full_once(small_room_kernel, monkeypatch):
    h, solved = _search(small_room_kernel, monkeypatch, solve_dropped=False)
    spof = {"UPS-1", "MSB"}  # the only UPS, and the board feeding every CRAC
    assert not any(n.endswith((": UPS-1 failed", ": MSB failed")) for n in h.table.index)
    assert {c: solved.get(c) for c in spof} == dict.fromkeys(spof, 1)
    assert max(solved.values()) > 1  # the other failures are solved at every probe

    # the same answer, to the bit, as with them solved at every probe
    old, solved_old = _search(small_room_kernel, monkeypatch, solve_dropped=True)
    assert all(solved_old[c] > 1 for c in spof)  # solved again at every probe's N-1 check
    assert (h.it_kw, h.binding) == (old.it_kw, old.binding)
    pd.testing.assert_frame_equal(h.table, old.table, check_exact=True)
    assert {c: n for c, n in solved_old.items() if c not in spof} == {
        c: n for c, n in solved.items() if c not in spof
    }
