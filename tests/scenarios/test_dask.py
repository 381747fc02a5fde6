"""Sweeps on a Dask LocalCluster give the same table as the serial run."""

from __future__ import annotations

import pandas as pd
import pytest

from scenarios.conftest import LAYOUTS
from twin.scenarios import brute_force, contingencies, sweep
from twin.scenarios.dask_sweep import dask_sweep

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def test_fast_sweep_on_dask_equals_serial(client, small_room):
    sets = [(i,) for i in contingencies(small_room)]
    on_dask = dask_sweep(small_room, sets, client=client, chunk=3)
    pd.testing.assert_frame_equal(on_dask, sweep(small_room, sets, verify=False))


def test_brute_force_on_dask_from_a_path_equals_serial(client, small_room):
    sets = [(i,) for i in contingencies(small_room)]
    on_dask = dask_sweep(LAYOUTS / "small-room.yaml", sets, method="brute", client=client, chunk=4)
    serial = brute_force(small_room, sets)
    pd.testing.assert_frame_equal(on_dask, serial, check_exact=False, rtol=1e-6, atol=1e-6)


def test_bad_method(client, small_room):
    with pytest.raises(ValueError):
        dask_sweep(small_room, [("UPS-1",)], method="magic", client=client)
