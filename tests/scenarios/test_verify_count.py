"""Which N-1 rows are re-solved in full depends on the table, never on the machine's speed."""

from __future__ import annotations

import importlib
import time

import numpy as np

from twin.layout import load
from twin.model import Twin
from twin.scenarios import contingencies, n1
from twin.scenarios.sweep import VERIFY_ALL_CASES, at_risk, verify_table
from twin.solve import run

sweep_mod = importlib.import_module("twin.scenarios.sweep")  # the package exports sweep()


def _hybrid() -> Twin:
    return Twin.from_layout(load("layouts/hybrid-inference.yaml"))


def test_a_hall_is_verified_in_full_however_slow_each_solve_is(monkeypatch):
    twin = _hybrid()
    assert len(contingencies(twin)) <= VERIFY_ALL_CASES
    real = sweep_mod.run

    def slow(*a, **kw):  # a machine under load: every full solve takes 60 ms more
        time.sleep(0.06)
        return real(*a, **kw)

    monkeypatch.setattr(sweep_mod, "run", slow)
    table = n1(twin)
    assert table["verified"].all()  # a 5 s time budget left screen rows here


def test_above_the_count_only_the_at_risk_rows_are_re_solved():
    twin = Twin.from_layout(load("layouts/small-room.yaml"))  # one UPS: some rows at risk
    sets = [(c,) for c in contingencies(twin)]
    screen = n1(twin, verify=False).set_index("contingency").loc[[s[0] for s in sets]]
    screen = screen.reset_index()
    # as verify_table asks it: with the base's hottest inlet, a row the screen leaves empty
    # (a unit of the FFD hall, marched again only in the full solve) is at risk
    base = float(run(twin).tables["res_racks"]["t_inlet_max_c"].max())
    risky = at_risk(twin, screen, base)
    assert 0 < risky.sum() < len(sets)  # the case needs both kinds of rows
    out = verify_table(twin, screen, sets, verify_all_max=len(sets) - 1)
    assert (out["verified"].to_numpy() == risky).all()
    again = verify_table(twin, screen, sets, verify_all_max=len(sets) - 1)
    assert out.equals(again)


def test_a_base_already_over_the_recommended_inlet_flags_only_hotter_cases():
    """The AI hall's top-of-rack inlet is over A1's recommended 27 C before anything fails: a
    failure that leaves it as hot is not re-solved for its inlet (every one of the 91 was, so
    `twin solve`'s headroom re-solved the whole N-1 at each step); one hotter by more than
    `HOTTER_K` is, and one over 27 C where the base is below it still is."""
    twin = Twin.load("layouts/ai-factory-hall.yaml")
    screen = n1(twin, verify=False).reset_index(drop=True)
    t = screen["t_inlet_max_c"].to_numpy(float)
    base = float(t.max())  # no failure here changes the hottest inlet
    assert base > sweep_mod.recommended_max_c(twin) and np.allclose(t, base, rtol=0, atol=1e-9)
    assert not at_risk(twin, screen, base).any()
    hotter = screen.assign(t_inlet_max_c=t + 2 * sweep_mod.HOTTER_K)
    assert at_risk(twin, hotter, base).all()
    assert at_risk(twin, screen, 26.0).all()  # a base under 27 C: every case over it is flagged
