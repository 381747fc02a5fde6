"""Sweeps on a Dask cluster: the contingency list in chunks, one task per chunk.

`dask_sweep(source, sets)` runs on `client`, on the scheduler at `scheduler`
(``tcp://host:8786``), or on a LocalCluster it starts and stops. `source` is a
layout path (each worker loads and builds the Twin once, cached per process)
or a Twin (scattered once to every worker). Each worker also builds the fast
path's base state once per Twin (`twin.solve.cache.per_twin`). Results come
back in input order, identical to the serial `sweep`/`brute_force`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios.sweep import SWEEP_COLUMNS, FastSweep, brute_force
from twin.solve.cache import per_twin

CHUNK = 256
"""Contingencies per task: large enough to amortise task overhead (~1 ms) [est]."""

_TWINS: dict[tuple[str, float], Twin] = {}


def _twin_on_worker(source) -> Twin:
    """The Twin for `source` (a path: loaded once per worker process)."""
    if isinstance(source, Twin):
        return source
    path = str(Path(source).resolve())
    key = (path, os.path.getmtime(path))
    if key not in _TWINS:
        _TWINS[key] = Twin.load(path)
    return _TWINS[key]


def _chunk(source, sets: list[tuple[str, ...]], method: str, scenario: Scenario) -> pd.DataFrame:
    """One task: evaluate a chunk of contingencies on a worker."""
    twin = _twin_on_worker(source)
    if method == "brute":
        return brute_force(twin, sets, scenario)
    fast = per_twin(twin, f"scenarios.fast:{scenario!r}", lambda t: FastSweep(t, scenario))
    return fast.evaluate(sets)


def dask_sweep(
    source,
    sets: Sequence[Sequence[str]],
    *,
    method: str = "fast",
    scenario: Scenario | None = None,
    client=None,
    scheduler: str | None = None,
    n_workers: int = 2,
    chunk: int = CHUNK,
    progress: bool = False,
) -> pd.DataFrame:
    """Evaluate `sets` on Dask with `method` ``"fast"`` or ``"brute"``; rows in input order."""
    from dask.distributed import Client, LocalCluster, as_completed

    if method not in ("fast", "brute"):
        raise ValueError("method must be 'fast' or 'brute'")
    scenario = scenario or Scenario()
    sets = [tuple(s) for s in sets]
    chunks = [sets[i : i + chunk] for i in range(0, len(sets), chunk)]
    if not chunks:
        return pd.DataFrame(columns=SWEEP_COLUMNS)
    with ExitStack() as stack:
        if client is None:
            if scheduler:
                client = stack.enter_context(Client(scheduler))
            else:
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=n_workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                    )
                )
                client = stack.enter_context(Client(cluster))
        src = source
        if isinstance(source, Twin):
            src = client.scatter(source, broadcast=True)
        else:
            src = str(Path(source).resolve())
        futures = client.map(
            _chunk,
            [src] * len(chunks),
            chunks,
            [method] * len(chunks),
            [scenario] * len(chunks),
            pure=False,
        )
        index = {f.key: i for i, f in enumerate(futures)}
        parts: list[pd.DataFrame | None] = [None] * len(chunks)
        with tqdm(total=len(sets), disable=not progress, unit="case", desc="N-1 (dask)") as bar:
            for fut in as_completed(futures):
                i = index[fut.key]
                parts[i] = fut.result()
                bar.update(len(chunks[i]))
    return pd.concat(parts, ignore_index=True)
