"""One convention for a unit's available capacity: a CRAH/CRAC that does not run has none
(``res_crahs.capacity_avail_kw`` 0, as ``res_chillers.capacity_avail_kw`` of a failed
chiller), so the column sums to the hall's ``res_halls.crah_capacity_kw``. Before, a failed
CRAH showed its 350 kW nameplate: the hall's units summed to 2,450 kW against 2,100 kW.
`solved_capacity_kw`, which the capacity checks read, still gives a stopped unit the capacity
it would have at the run's outdoor air (N-1 groups, restarts, installed capacity)."""

from __future__ import annotations

import numpy as np
import pytest

from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run
from twin.solve.dx_cop import capacity_factor, solved_capacity_kw


@pytest.fixture(scope="module")
def ai_hall(layouts_dir) -> Twin:
    return Twin.load(layouts_dir / "ai-factory-hall.yaml")


def test_a_failed_crah_has_no_capacity_available(ai_hall):
    r = run(ai_hall, Scenario.fail("H1-CRAH1"))
    rc, rh = r["res_crahs"], r["res_halls"]
    assert not rc.at["H1-CRAH1", "running"]
    assert rc.at["H1-CRAH1", "capacity_avail_kw"] == 0.0
    by_hall = rc["capacity_avail_kw"].groupby(ai_hall.crahs["hall"]).sum()
    np.testing.assert_allclose(by_hall.reindex(rh.index), rh["crah_capacity_kw"], rtol=1e-12)
    # as a failed chiller
    ch = run(ai_hall, Scenario.fail("H1-CH1"))["res_chillers"]
    assert ch.at["H1-CH1", "capacity_avail_kw"] == 0.0
    # what the capacity checks read is still the unit's own
    cap = solved_capacity_kw(ai_hall, r)
    assert cap["H1-CRAH1"] == pytest.approx(float(ai_hall.crahs.at["H1-CRAH1", "capacity_kw"]))
    np.testing.assert_allclose(cap, solved_capacity_kw(ai_hall, run(ai_hall)), rtol=1e-12)


def test_a_failed_dx_unit_keeps_its_derated_capacity_for_the_checks(small_room):
    r = run(small_room, Scenario(name="hot", failed=frozenset({"CRAC-3"}), t_db_c=40.0))
    rc = r["res_crahs"]
    assert rc.at["CRAC-3", "capacity_avail_kw"] == 0.0
    f = float(capacity_factor(40.0))
    assert f < 1.0
    rated = small_room.crahs["capacity_kw"].astype(float)
    np.testing.assert_allclose(solved_capacity_kw(small_room, r), rated * f, rtol=1e-12)
    # a tables dict has no outdoor air: a stopped unit falls back to its rating
    assert solved_capacity_kw(small_room, r.tables)["CRAC-3"] == rated["CRAC-3"]
