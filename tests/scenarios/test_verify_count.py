"""Which N-1 rows are re-solved in full depends on the table, never on the machine's speed."""

from __future__ import annotations

import importlib
import time

from twin.layout import load
from twin.model import Twin
from twin.scenarios import contingencies, n1
from twin.scenarios.sweep import VERIFY_ALL_CASES, at_risk, verify_table

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
    risky = at_risk(twin, screen)
    assert 0 < risky.sum() < len(sets)  # the case needs both kinds of rows
    out = verify_table(twin, screen, sets, verify_all_max=len(sets) - 1)
    assert (out["verified"].to_numpy() == risky).all()
    again = verify_table(twin, screen, sets, verify_all_max=len(sets) - 1)
    assert out.equals(again)
