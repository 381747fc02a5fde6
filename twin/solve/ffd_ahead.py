"""March, side by side on the machine's cores, the FFD flows a batch of failure solves will ask
for, before they ask.

An N-1 (`twin.scenarios.sweep.verify_table`: `twin n1`, the IT headroom's check, placement)
solves each cooling unit's failure in full, and an ffd hall's flow is marched again without
the stopped units (`twin.solve.air_stopped`): seconds a unit, one after another. `march_ahead`
collects the flows those solves will need that are not marched yet (in memory or in the
store on disk, `twin.solve.ffd_store`) and marches them on every core: this process takes one
at a time, and one worker process per further core (``python -m twin.solve.ffd_ahead``, not
multiprocessing: under Streamlit ``spawn`` would run the app script again in the child)
marches the others into the store, from where the solves read them. Nothing is handed back
but the store's entries, whose key holds the code and the march constants: a worker that
marched under other settings than this process (a test that set ``GRID``) writes an entry
this process never reads, and its solve marches again itself. With the store off, or one
core, this process marches them alone, in order (the same work as the solves would do; the
bar shows it).

The app's server marches only in worker processes (`march_airs` with ``here=False``,
`twin.app.marches`), so that its own interpreter stays free for the pages.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

WORKERS_MAX = None
"""Processes marching at once (this one included); None: one per core (`os.cpu_count`)."""
FLOWS_PER_WORKER_MIN = 2
"""A worker process is started for every this many flows pending, no more: starting one
(Python, numpy, scipy, the march's numba kernels from their cache) costs ~3-4 CPU s, about
one march of the small room (2026-12-02 05:28 UTC, load ~2.6: its three flows took 24.1 CPU
s with a worker against 20.2 without)."""


def pending_airs(twin, failed_sets: Iterable[Sequence[str]]) -> list:
    """The `HallAir` of every ffd hall's flow without the units each set of `failed_sets`
    stops, that no earlier march has given (in memory or in the store); each once."""
    from twin.solve import airfield
    from twin.solve.air_stopped import RESOLVED_MODELS, _stopped_by_hall, stopped_air
    from twin.solve.airfield_build import hall_model
    from twin.solve.airflow import air_model

    if "ffd" not in RESOLVED_MODELS or not len(twin.crahs):
        return []
    model = air_model(twin)
    ffd = [hall_model(twin, h) == "ffd" for h in range(len(model.hall_ids))]
    if not any(ffd):
        return []
    crahs = twin.crahs.index
    out = {}
    for ids in failed_sets:
        for h, off in _stopped_by_hall(twin, model, ~crahs.isin(list(ids))).items():
            air = stopped_air(twin, model, h, off)[1] if ffd[h] else ""
            if not isinstance(air, str) and not airfield.ffd_flux_known(air):
                out.setdefault(air.key(), air)
    return list(out.values())


def unit_failure_sets(twin, failed: Iterable[str] = ()) -> list[tuple[str, ...]]:
    """The failure sets whose FFD flows an N-1 of `twin` with `failed` out asks for by name:
    `failed` with each cooling unit not in it (and `failed` alone). A unit stopped because
    its feed or water failed is marched by the solve that finds it so."""
    failed = tuple(sorted(failed))
    return [failed] + [(*failed, u) for u in twin.crahs.index if u not in failed]


def march_ahead(
    twin,
    failed_sets: Iterable[Sequence[str]],
    progress: bool = False,
    here: bool = True,
    on_flow: Callable[[], None] | None = None,
) -> int:
    """March the flows `pending_airs` finds, on every core; how many (`march_airs`)."""
    return march_airs(pending_airs(twin, failed_sets), progress, here, on_flow)


class Todo:
    """The flows still to march, taken one at a time from the front (largest first); `first`
    moves the ones a page is waiting for to the front."""

    def __init__(self, airs: Sequence = ()):
        self._q = deque(sorted(airs, key=lambda a: -len(a.x_m)))
        self._lock = threading.Lock()

    def put_back(self, air) -> None:
        """`air` taken but not marched: next again (a page may be waiting for it)."""
        with self._lock:
            self._q.appendleft(air)

    def next(self):
        """The next flow to march, or None."""
        with self._lock:
            return self._q.popleft() if self._q else None

    def first(self, keys: set[bytes]) -> None:
        """The flows whose `HallAir.key` is in `keys` next, before the others."""
        with self._lock:
            hit = [a for a in self._q if a.key() in keys]
            if hit:
                self._q = deque(hit + [a for a in self._q if a.key() not in keys])


def march_airs(
    airs: Sequence,
    progress: bool = False,
    here: bool = True,
    on_flow: Callable[[], None] | None = None,
    todo: Todo | None = None,
) -> int:
    """March `airs` (`HallAir`s) into the caches on every core; how many. `here`: this
    process marches too (False: only worker processes, one per core, so that a server's
    own threads keep the interpreter; this process takes over what they leave, and all of
    it where the store is off). `on_flow()` is called once a flow is marched, one call at a
    time (from any thread). `todo`: the caller's `Todo` of `airs`, to reorder while they
    march. Best effort: a march that fails here is left to the solve that needs it (which
    says why)."""
    from tqdm.auto import tqdm

    from twin.solve import ffd_store

    if not airs:
        return 0
    cores = WORKERS_MAX or os.cpu_count() or 1
    helpers = max(0, min(cores, len(airs) // FLOWS_PER_WORKER_MIN) - here)
    helpers = max(helpers, not here) if ffd_store.enabled() else 0  # the store carries them
    todo = Todo(airs) if todo is None else todo
    lock = threading.Lock()
    with tqdm(
        total=len(airs), disable=not progress, unit="flow", desc="FFD air flow per failure"
    ) as bar:

        def one_done() -> None:
            with lock:
                bar.update(1)
                if on_flow is not None:
                    on_flow()

        threads = [threading.Thread(target=_helper, args=(todo, one_done)) for _ in range(helpers)]
        for t in threads:
            t.start()
        if here:
            with one_numba_thread(bool(threads)):  # the cores are the workers' and this one's
                _here(todo, one_done)
        for t in threads:
            t.join()
        _here(todo, one_done)  # what a worker that could not start or died left
    return len(airs)


def _march(air) -> None:
    """March `air` into the caches; a march that fails is left to the solve that needs it
    (which says why; the failure is stored too)."""
    from twin.solve.airfield import FieldError, hall_shares

    with contextlib.suppress(FieldError):
        hall_shares(air)


@contextlib.contextmanager
def one_numba_thread(on: bool):
    """This thread's numba parallel loops on one thread while `on` (workers march beside it:
    `airfield_ffd_kernel.PARALLEL`'s loops would only add their overhead)."""
    if not on:
        yield
        return
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _here(todo: Todo, one_done: Callable[[], None]) -> None:
    """March in this process until nothing is left."""
    while (air := todo.next()) is not None:
        _march(air)
        one_done()


def _helper(todo: Todo, one_done: Callable[[], None]) -> None:
    """Feed worker processes one flow at a time until nothing is left; a worker that cannot
    start or dies is started again (`WORKER_STARTS`) and said so (a warning with the end of
    its stderr); past that, what it had is left for this process to march."""
    for _ in range(WORKER_STARTS):
        if _feed_worker(todo, one_done):
            return


WORKER_STARTS = 2
"""Worker processes started, one after another, per helper thread: a worker lost once (killed,
out of memory, a library's failure on one flow) does not move its flows into this process,
which for the app is the server's."""


def _feed_worker(todo: Todo, one_done: Callable[[], None]) -> bool:
    """Feed one worker process until nothing is left (True) or it fails (False: its flow is
    back in `todo`)."""
    import tempfile
    import warnings

    import twin

    here = str(Path(twin.__file__).resolve().parents[1])  # the worker runs this very code
    path = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "twin.solve.ffd_ahead"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                env={**os.environ, "PYTHONPATH": path, "NUMBA_NUM_THREADS": "1"},  # one a core
            )
        except OSError as e:
            warnings.warn(f"twin: an FFD worker process did not start: {e}", stacklevel=2)
            return False
        try:
            while (air := todo.next()) is not None:
                data = pickle.dumps(air)
                try:
                    proc.stdin.write(len(data).to_bytes(8, "big") + data)
                    proc.stdin.flush()
                    answer = proc.stdout.readline()
                except OSError as e:
                    answer = repr(e).encode()
                if answer != b"ok\n":
                    todo.put_back(air)
                    break
                one_done()
            else:
                return True
        finally:
            if proc.stdin:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
            proc.wait()
        err.seek(0)
        tail = err.read().decode(errors="replace").strip().splitlines()[-3:]
        warnings.warn(
            f"twin: an FFD worker process stopped (exit {proc.returncode}, answered "
            f"{answer[:80]!r}): " + (" | ".join(tail) or "no message"),
            stacklevel=2,
        )
        return False


def main() -> None:
    """The worker: read pickled `HallAir`s on stdin (8-byte big-endian length, then the
    pickle), march each into the store, answer ``ok`` per flow."""
    inp = sys.stdin.buffer
    out = os.fdopen(os.dup(1), "wb")  # the answers' own channel
    os.dup2(2, 1)  # anything printed to stdout, by Python or a compiled library, to stderr
    sys.stdout = sys.stderr
    while len(head := inp.read(8)) == 8:
        _march(pickle.loads(inp.read(int.from_bytes(head, "big"))))
        out.write(b"ok\n")
        out.flush()


if __name__ == "__main__":
    main()
