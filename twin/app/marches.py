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
are those `twin n1` and `twin solve` give. No physics here.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections import OrderedDict
from dataclasses import dataclass

from twin.model import Twin

_POOL = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ffd-marches")


@dataclass
class Marches:
    """Flows to march (`total`), how many are in (`done`), and the job (None: nothing to do)."""

    total: int = 0
    done: int = 0
    job: concurrent.futures.Future | None = None

    def one_done(self) -> None:
        """`march_airs`'s ``on_flow``, which it calls one at a time."""
        self.done += 1

    @property
    def running(self) -> bool:
        return self.job is not None and not self.job.done()

    def wait(self) -> None:
        """Until every flow is in (a march that failed is left to the solve, which says why)."""
        if self.job is not None:
            concurrent.futures.wait([self.job])


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
        out = Marches(total=len(airs))
        if airs:
            for other in _JOBS.values():
                if other.job is not None:
                    other.job.cancel()  # only one not started yet is cancelled
            out.job = _POOL.submit(march_airs, airs, here=False, on_flow=out.one_done)
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
