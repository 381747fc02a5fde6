"""The FFD flows a page's N-1 will ask for, marched in the background before it asks.

An ffd hall's flow is marched again without each failed cooling unit (`twin.solve.
air_stopped`), seconds to a quarter of a minute a unit; the Dashboard's N-1 ranking and
every IT headroom's N-1 check fail each unit once. Solved in the page, the hybrid layout's
first Dashboard waited for its ten with nothing but a spinner (58 s on a quiet machine, 2-4
min beside a CI run). `marches` starts those marches in worker processes (`twin.solve.
ffd_ahead.march_airs` with ``here=False``: one per core, none in the server's own
interpreter) once per layout content and failure set, and counts them as they come in. The
pages draw at once with one progress bar and "searching" where the N-1's answers go; the N-1
and headroom searches wait for the marches and then read them from the store, so the numbers
are those `twin n1` and `twin solve` give. A page that solves one failure while the job runs
(the Failures page) has its flows moved to the front of the job's queue and waits for them
(`wait_for_flows`): the hybrid layout's HX-CRAH10, the job's last, answered in 12.4 s with
no march in the server's process, against 15.3 s marching it there beside the job's two
workers (10.3 CPU s; `python -m bench.failure_wait`, 2026-12-02 13:59 UTC, load ~1). No
physics here.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from twin.model import Twin
from twin.solve.ffd_ahead import Todo

_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ffd-marches")


@dataclass
class Marches:
    """Flows to march (`total`), how many are in (`done`), and the job (None: nothing to do);
    `todo` the job's queue and `keys` its flows' `HallAir.key`s (`wait_for`)."""

    total: int = 0
    done: int = 0
    job: concurrent.futures.Future | None = None
    todo: Todo | None = None
    keys: frozenset[bytes] = frozenset()
    _flow: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def one_done(self) -> None:
        """`march_airs`'s ``on_flow``, which it calls one at a time."""
        with self._flow:
            self.done += 1
            self._flow.notify_all()

    def _ended(self, _job) -> None:
        """The job's done-callback: wakes `wait_for` (a job cancelled or failed marches no
        more flows)."""
        with self._flow:
            self._flow.notify_all()

    @property
    def running(self) -> bool:
        return self.job is not None and not self.job.done()

    def wait(self) -> None:
        """Until every flow is in (a march that failed is left to the solve, which says why)."""
        if self.job is not None:
            concurrent.futures.wait([self.job])

    def wait_for(self, airs) -> None:
        """Until those of `airs` this job marches are in, moved to the front of its queue
        first: a page that solves one failure waits for its own flows, not the whole job,
        and does not march them a second time beside the job's worker."""
        from twin.solve.airfield import ffd_flux_known

        mine = [a for a in airs if a.key() in self.keys]
        if not mine or not self.running:
            return
        self.todo.first({a.key() for a in mine})
        with self._flow:
            self._flow.wait_for(lambda: not self.running or all(map(ffd_flux_known, mine)))


_JOBS: OrderedDict[tuple[str, tuple[str, ...]], Marches] = OrderedDict()
_JOBS_MAX = 16
_LOCK = threading.Lock()


def marches(twin: Twin, key: str, failed=()) -> Marches:
    """The background marches of `twin`'s (content `key`) FFD flows without each cooling unit,
    with `failed` out; started on first ask, shared by every session. One job runs at a time:
    a new one cancels those still queued (an edit's predecessors), and a cancelled one asked
    for again (an undo) is queued again."""
    from twin.solve.ffd_ahead import march_airs, pending_airs, unit_failure_sets

    at = (key, tuple(sorted(failed)))
    with _LOCK:
        if (known := _live(at)) is not None:
            return known
    airs = pending_airs(twin, unit_failure_sets(twin, failed))  # unlocked: it may march
    with _LOCK:
        if (known := _live(at)) is not None:  # another thread got there first
            return known
        out = Marches(total=len(airs), todo=Todo(airs), keys=frozenset(a.key() for a in airs))
        if airs:
            for other in _JOBS.values():
                if other.job is not None:
                    other.job.cancel()  # only one not started yet is cancelled
            out.job = _POOL.submit(
                march_airs, airs, here=False, on_flow=out.one_done, todo=out.todo
            )
            out.job.add_done_callback(out._ended)
        _JOBS[at] = out
        while len(_JOBS) > _JOBS_MAX:
            _JOBS.popitem(last=False)
        return out


def _live(at: tuple[str, tuple[str, ...]]) -> Marches | None:
    """The job kept for `at`, unless it was cancelled (under `_LOCK`)."""
    known = _JOBS.get(at)
    if known is None or (known.job is not None and known.job.cancelled()):
        return None
    _JOBS.move_to_end(at)
    return known


def wait_for_flows(twin: Twin, key: str, failed) -> None:
    """Before a solve of `twin` (content `key`) with `failed` out: the flows it needs that a
    job of this layout is marching in the background, waited for (`Marches.wait_for`)
    instead of marched again in this process. A job still queued is not waited for (the
    one running ahead of it may be long): the solve marches what it needs itself."""
    from twin.solve.ffd_ahead import pending_airs

    with _LOCK:
        jobs = [m for (k, _), m in _JOBS.items() if k == key and m.job and m.job.running()]
    if not jobs or not failed:
        return
    airs = pending_airs(twin, [tuple(sorted(failed))])
    for job in jobs:
        job.wait_for(airs)
