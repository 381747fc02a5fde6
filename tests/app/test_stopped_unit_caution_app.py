"""The Failures page and the Dashboard say when a failed cooling unit's hall kept the air flow
of every unit running (a field that could not be solved again without it:
`twin.solve.air_stopped`), and say nothing where it was marched again or for a power failure."""

from __future__ import annotations

from test_pages import no_errors, shown


def _cautions(at) -> list[str]:
    return [shown(i.value) for i in at.info if "every cooling unit running" in shown(i.value)]


def _fail(at, unit: str) -> None:
    at.multiselect(key="fail_pick").set_value([unit])
    at.button[0].click().run()
    no_errors(at)


def test_a_failed_unit_is_cautioned_only_where_its_flow_was_kept(app, monkeypatch):
    from twin.solve import air_stopped, cache
    from twin.solve.airfield import FieldError

    at = app("failures")
    _fail(at, "H1-CRAH1")  # the AI hall's FFD flow marched again without it
    assert not _cautions(at)

    def diverged(air):
        raise FieldError("the FFD flow did not settle: overflow")

    cache.clear()  # no variant marched before the patch
    monkeypatch.setattr(air_stopped, "hall_shares", diverged)
    at = app("failures")
    _fail(at, "H1-CRAH2")
    assert _cautions(at) == [
        "Hall H1: its rack inlets come from the FFD air flow with every cooling unit running "
        "(without H1-CRAH2: the FFD flow did not settle: overflow); the stopped units change "
        "only the hall's mixed supply, not which racks draw on which air"
    ]
    said = _cautions(at)
    at.switch_page("app_pages/dashboard.py").run()  # the dashboard shows the failed state too
    no_errors(at)
    assert _cautions(at) == said
    at.switch_page("app_pages/failures.py").run()
    _fail(at, "H1-UPS-A1")
    assert not _cautions(at)
