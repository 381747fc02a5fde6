"""A scenario cannot fail what no solver reads as failed (audit 6 #1): failing the AI hall's
main facility-water header H1-FWS-MS, or the loop H1-FWS itself, solved exactly as normal
(PUE 1.2635, no violation), the failed pipe still carrying 0.32 m3/s."""

from __future__ import annotations

import pytest

from twin.errors import ScenarioError
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run


@pytest.mark.parametrize(("ident", "what"), [("H1-FWS-MS", "pipe"), ("H1-FWS", "water loop")])
def test_failing_a_pipe_or_a_loop_is_refused_by_name(layouts_dir, ident, what):
    tw = Twin.load(layouts_dir / "ai-factory-hall.yaml")
    assert tw.unfailable()[ident] == what
    with pytest.raises(ScenarioError, match=rf"cannot fail {ident} \(a {what}\).*fail the pumps"):
        run(tw, Scenario.fail(ident))
    with pytest.raises(ScenarioError, match=rf"cannot fail {ident}"):
        run(tw, Scenario(maintenance=frozenset({ident})))


def test_every_kind_a_scenario_may_fail_is_read_by_a_solver():
    """The registry says which kinds fail; the unfailable ones are the water network's."""
    from twin.model import registry

    assert {k.table for k in registry.KINDS if not k.fails} == {"loops", "pipes"}
    assert all(k.fails for k in registry.KINDS if k.failable)
