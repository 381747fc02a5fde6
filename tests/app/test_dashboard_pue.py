"""The dashboard shows the solve's own PUE (the number `twin solve --json` prints)."""

from __future__ import annotations

from twin.model.scenario import Scenario
from twin.solve import run


def _metric(at, label: str) -> str:
    (value,) = [m.value for m in at.metric if m.label == label]
    return value


def test_dashboard_pue_is_the_solves_pue(app):
    from twin.app import warm

    at = app("dashboard")
    assert not at.exception
    twin = warm._twin(at.session_state["layout_key"], at.session_state["layout"])
    for failed in ((), ("H1-UPS-A1",)):
        if failed:
            at.session_state["failed"] = list(failed)
            at.run()
            assert not at.exception
        pue = run(twin, Scenario.fail(*failed) if failed else Scenario()).kpis["pue"]
        assert _metric(at, "PUE") == f"{pue:,.3f}"
