"""The stopped-unit bench (`bench.air_stopped`) reads each model as the CFD runs the room: every
rack at its full heat. The coupled solve answers another question (racks past their limit shut
down and carry no heat), and comparing that with the CFD misread the eleventh pass once."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench import air_stopped as bench
from twin.model.scenario import Scenario
from twin.solve import run


def test_the_kernel_reads_as_its_committed_blind_prediction():
    """No rack trips on the kernel, so full heat and the committed file agree."""
    got = bench.inlets("kernel", True)
    blind = pd.read_csv(bench.OUT / "blind" / f"{bench.NAME}-kernel.csv", index_col="id")
    assert np.abs(got.loc[blind.index] - blind["t_inlet_c"]).max() < 1e-3
    assert bench.trips("kernel") == 0


def test_the_field_is_read_at_full_heat_not_after_the_solve_trips_racks():
    """The re-solved field trips racks in the coupled solve; the bench keeps their heat, so
    its inlets there are hotter than the solve's and equal the shares' rise at full heat."""
    twin = bench._twin("field")
    res = run(twin, Scenario(name=bench.UNIT, failed=frozenset([bench.UNIT])))
    racks = res.tables["res_racks"]
    tripped = racks.index[racks["thermal_state"] == "shutdown"]
    assert len(tripped) == bench.trips("field") > 0
    got = bench.inlets("field", True)
    assert (got.loc[tripped] > racks.loc[tripped, "t_inlet_c"] + 1.0).all()
    heat_kw = float(twin.racks["power_kw"].sum())
    assert float(racks["p_kw"].sum()) < heat_kw  # the solve lost the tripped racks' heat
