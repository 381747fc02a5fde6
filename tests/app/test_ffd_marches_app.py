"""The Dashboard of a layout whose FFD flows are marched again per failed unit draws at once:
a progress bar stands where the N-1 ranking and the IT headroom go while the flows are marched
in worker processes (`twin.app.marches`), and then they show the numbers `twin` gives."""

from __future__ import annotations

import re
from concurrent import futures

import pandas as pd
import pytest
from conftest import APP, TIMEOUT_S
from streamlit.testing.v1 import AppTest
from test_pages import metric, no_errors

from app_pages import common
from twin.app import marches
from twin.metrics.headroom import headroom
from twin.model import Twin
from twin.model import columns as C

TEXT = "Air flow without each cooling unit: "


def _no_jobs() -> None:
    """Every job an earlier test left (the pool runs one at a time) cancelled if queued, ended
    if running, and forgotten: a test that counts or times this one's job starts it first in
    line, whatever ran before it in this process (pytest -n gives each worker its own order)."""
    jobs = [m.job for m in marches._JOBS.values() if m.job is not None]
    for job in jobs:
        job.cancel()
    futures.wait(jobs, timeout=TIMEOUT_S)
    marches._JOBS.clear()


@pytest.fixture
def fresh_store(empty_ffd_store):
    """No flow marched yet (`empty_ffd_store`) and no job."""
    _no_jobs()
    yield
    _no_jobs()


def _bars(at) -> list[str]:
    return [p.proto.text for p in at.get("progress") if p.proto.text.startswith(TEXT)]


def test_the_dashboard_shows_the_marches_then_the_numbers(fresh_store, layouts_tmp, monkeypatch):
    from twin.app import warm

    monkeypatch.setattr(warm, "DEFAULT", str(layouts_tmp / "small-room.yaml"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S).run()
    at.switch_page("app_pages/dashboard.py").run()
    no_errors(at)
    (job,) = [m for m in marches._JOBS.values() if m.total]
    assert job.total == 3  # the small room's three units, each failed alone
    (bar,) = _bars(at)  # one bar on the page
    assert re.match(re.escape(TEXT) + r"[0-3] of 3 marched \(FFD", bar)
    (headroom_now,) = [m for m in at.metric if m.label == "IT headroom"]
    assert headroom_now.value == "searching..."  # not searched in the page run
    waiting = [c.value for c in at.caption if c.value.endswith(common.WAITING + ".")]
    assert f"The ranking {common.WAITING}." in waiting  # (the halls' search is last: by then
    # the marches may be in)
    job.wait()
    assert job.done == 3 and not job.running
    at.run()
    no_errors(at)
    assert not _bars(at)
    twin = Twin.load(layouts_tmp / "small-room.yaml")
    assert metric(at, "IT headroom") == C.fmt_kw(headroom(twin).it_kw, "it_headroom_site_kw")
    assert any(len(df.value) for df in at.dataframe)  # the N-1 ranking


def test_the_server_warm_up_starts_the_default_layouts_marches(
    fresh_store, layouts_tmp, monkeypatch
):
    from twin.app import warm

    monkeypatch.setattr(warm, "DEFAULT", str(layouts_tmp / "small-room.yaml"))
    warm.warm_up()
    (job,) = marches._JOBS.values()
    assert job.total == 3 and job.job is not None  # started, not waited for
    job.wait()
    assert job.done == 3


def test_a_new_job_cancels_one_still_queued_and_an_undo_queues_it_again(monkeypatch):
    """An edit's predecessor not started yet is cancelled, and asked for again it is queued
    again (a job once running is left to finish: its flows are stored for whoever needs
    them)."""
    import threading
    from types import SimpleNamespace

    from twin.solve import ffd_ahead

    def flows(twin, sets):
        return [SimpleNamespace(x_m=[0.0], key=lambda i=i: bytes([i])) for i in range(len(sets))]

    marched, gate = [], threading.Event()
    monkeypatch.setattr(ffd_ahead, "pending_airs", flows)
    monkeypatch.setattr(ffd_ahead, "march_airs", lambda airs, **kw: marched.append(len(airs)))
    monkeypatch.setattr(marches, "_JOBS", marches._JOBS.__class__())

    class Stub:
        crahs = pd.DataFrame(index=["U1", "U2"])

    busy = marches._POOL.submit(gate.wait)  # the pool's one thread is taken
    try:
        first = marches.marches(Stub(), "edit-1")
        second = marches.marches(Stub(), "edit-2")
        assert first.job.cancelled() and not second.job.cancelled()
        assert marches.marches(Stub(), "edit-2") is second  # asked again: the same job
        again = marches.marches(Stub(), "edit-1")  # an undo
        assert again is not first and not again.job.cancelled() and again.total == 3
        assert second.job.cancelled()  # the newest ask wins the queue
    finally:
        gate.set()  # the pool's thread freed whatever happened (a test run would hang)
    busy.result()
    again.wait()
    assert marched == [3]  # the undo's only


def test_a_failure_solved_while_its_flow_is_marched_waits_for_it(
    fresh_store, layouts_tmp, monkeypatch
):
    """The Failures page's solve of one unit's failure, asked while the background job marches
    the layout's flows, moves that flow to the front of the job's queue and waits for it:
    nothing is marched a second time in the page's process, and the answer is the API's."""
    import time

    from solve.air_helpers import count_marches

    from twin.app import warm
    from twin.model.scenario import Scenario
    from twin.solve import run

    twin = Twin.load(layouts_tmp / "small-room.yaml")
    key = warm._key(twin.layout)
    job = marches.marches(twin, key)  # the hall's own march is in this process: before
    assert job.total == 3 and job.job is not None
    while not (job.job.running() or job.job.done()):  # a queued job is not waited for
        time.sleep(0.01)
    here = count_marches(monkeypatch)
    res = warm.results(twin, key, ["CRAC-3"])
    assert not here  # read from the store the job's worker wrote
    assert job.done >= 1
    job.wait()
    want = run(twin, Scenario.fail("CRAC-3")).tables["res_racks"]["t_inlet_c"]
    pd.testing.assert_series_equal(res.tables["res_racks"]["t_inlet_c"], want)
    assert not here
