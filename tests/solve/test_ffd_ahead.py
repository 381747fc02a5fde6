"""Marching an N-1's FFD flows ahead on every core (`twin.solve.ffd_ahead`): each flow once,
a worker process takes its share, and the N-1 reads exactly what marching them one by one in
the solve gives."""

from __future__ import annotations

import pytest

from solve.air_helpers import count_marches
from twin.scenarios.sweep import n1
from twin.solve import airfield as af
from twin.solve import cache, ffd_ahead


@pytest.fixture
def store(empty_ffd_store):
    return empty_ffd_store


def test_a_worker_marches_its_share_and_the_n1_reads_the_same(store, small_room, monkeypatch):
    units = [(u,) for u in small_room.crahs.index]
    monkeypatch.setattr(ffd_ahead, "WORKERS_MAX", 2)
    monkeypatch.setattr(ffd_ahead, "FLOWS_PER_WORKER_MIN", 1)  # three flows: a worker too
    assert len(ffd_ahead.pending_airs(small_room, units)) == 3  # (the hall's own flow marched)
    here = count_marches(monkeypatch)
    assert ffd_ahead.march_ahead(small_room, units) == 3
    assert 1 <= len(here) <= 2  # the worker process marched the rest
    assert ffd_ahead.pending_airs(small_room, units) == []
    assert len(list(store.glob("*.ffd"))) == 2 * (1 + 3)  # a flux and shares each
    assert ffd_ahead.march_ahead(small_room, units) == 0  # nothing left to march
    ahead = n1(small_room).set_index("contingency")
    marched = len(here)
    # the same N-1 with every flow marched in this process, one by one, in the solve
    monkeypatch.setenv("TWIN_FFD_STORE", "0")
    monkeypatch.setattr(ffd_ahead, "WORKERS_MAX", 1)
    for c in (af._CACHE, af._FFD_CACHE):
        c.clear()
    cache.clear()
    alone = n1(small_room).set_index("contingency")
    assert len(here) > marched  # marched again here
    cols = ["t_inlet_max_c", "max_cooling_loading_pct", "it_at_risk_kw"]
    assert ahead.loc[alone.index, cols].equals(alone[cols])


def test_nothing_to_march_where_no_ffd_hall_loses_a_unit(store, small_room):
    assert ffd_ahead.pending_airs(small_room, [("UPS-1",), ("PDU-1",)]) == []
    assert ffd_ahead.march_ahead(small_room, []) == 0


def test_workers_alone_march_every_flow_and_count_each(store, small_room, monkeypatch):
    """`here=False` (the app's server): only worker processes march, each flow is counted
    once as it comes in, and nothing is left for the solves."""
    sets = ffd_ahead.unit_failure_sets(small_room)
    assert sets[0] == () and sorted(sets[1:]) == [(u,) for u in sorted(small_room.crahs.index)]
    assert len(ffd_ahead.pending_airs(small_room, sets)) == 3  # (the hall's own flow marched)
    here = count_marches(monkeypatch)
    came = []
    assert ffd_ahead.march_ahead(small_room, sets, here=False, on_flow=lambda: came.append(1)) == 3
    assert here == [] and len(came) == 3  # all in worker processes
    assert ffd_ahead.pending_airs(small_room, sets) == []


def test_a_worker_that_cannot_start_leaves_its_flows_to_this_process(
    store, small_room, monkeypatch
):
    monkeypatch.setattr(ffd_ahead.subprocess, "Popen", _no_process)
    assert len(ffd_ahead.pending_airs(small_room, [("CRAC-1",)])) == 1  # the hall's own marched
    here = count_marches(monkeypatch)
    with pytest.warns(UserWarning, match="did not start: no processes here") as said:
        assert ffd_ahead.march_ahead(
            small_room, ffd_ahead.unit_failure_sets(small_room), here=False
        )
    assert len(said) == ffd_ahead.WORKER_STARTS  # tried again before marching here
    assert len(here) == 3 and ffd_ahead.pending_airs(small_room, [("CRAC-1",)]) == []


def test_a_worker_that_dies_is_started_again_and_says_why(store, small_room, monkeypatch):
    """A worker lost on a flow (killed, out of memory) is replaced; its flow goes to the new
    one, not to this process (the app's server), and the warning carries its last words."""
    real, started = ffd_ahead.subprocess.Popen, []

    def first_dies(cmd, **kw):
        if not started:  # the first worker exits on its first flow, with a message
            cmd = [cmd[0], "-c", "import sys; sys.stderr.write('killed by test'); sys.exit(9)"]
        started.append(cmd)
        return real(cmd, **kw)

    monkeypatch.setattr(ffd_ahead.subprocess, "Popen", first_dies)
    ffd_ahead.pending_airs(small_room, [("CRAC-1",)])  # the hall's own marched here
    here = count_marches(monkeypatch)
    with pytest.warns(UserWarning, match=r"stopped \(exit 9, answered b''\): killed by test"):
        assert ffd_ahead.march_ahead(
            small_room, ffd_ahead.unit_failure_sets(small_room), here=False
        )
    assert len(started) == 2 and here == []  # the second worker marched all three
    assert ffd_ahead.pending_airs(small_room, ffd_ahead.unit_failure_sets(small_room)) == []


def _no_process(*args, **kwargs):
    raise OSError("no processes here")


def test_failed_units_are_in_every_set(small_room):
    u = small_room.crahs.index
    assert ffd_ahead.unit_failure_sets(small_room, [u[1]]) == [(u[1],), (u[1], u[0]), (u[1], u[2])]


def test_the_flows_a_page_waits_for_go_first():
    """`Todo`: largest hall first, and `first` moves the flows asked for to the front, in
    their order, the rest after them in theirs."""
    from types import SimpleNamespace

    from twin.solve.ffd_ahead import Todo

    def air(name, racks):
        return SimpleNamespace(x_m=[0.0] * racks, key=lambda: name.encode(), name=name)

    todo = Todo([air("a", 2), air("b", 5), air("c", 3), air("d", 1)])
    todo.first({b"d", b"a"})
    todo.put_back(air("e", 9))  # taken by a worker that stopped: next again
    order = []
    while (a := todo.next()) is not None:
        order.append(a.name)
    assert order == ["e", "a", "d", "b", "c"]


def test_a_worker_answers_on_a_channel_nothing_else_writes_to():
    """What a march prints to stdout, from Python or from compiled code writing to fd 1,
    goes to stderr: on stdout it would be read as the worker's answer, and the flow marched
    again in this process."""
    import pickle
    import subprocess
    import sys

    noisy = (
        "import os, twin.solve.ffd_ahead as f\n"
        "f._march = lambda air: print('from python') or os.write(1, b'from C\\n')\n"
        "f.main()\n"
    )
    data = pickle.dumps({"air": 1})
    one = len(data).to_bytes(8, "big") + data
    done = subprocess.run(
        [sys.executable, "-c", noisy], input=one * 2, capture_output=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout == b"ok\nok\n"
    assert b"from python" in done.stderr and b"from C" in done.stderr
