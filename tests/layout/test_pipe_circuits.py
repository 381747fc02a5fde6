"""A pumped loop's pipes form closed circuits (twin.layout.crosscheck_cooling): a pipe to a
node nothing else touches (audit 5 F-J, m/openpipe.yaml: the solve then found no flow and
blamed the pumps) and pipes cut off from every pump are located errors; the shipped and
generated layouts have none."""

from __future__ import annotations

import pytest

from twin.errors import LayoutError
from twin.layout import generate, loads, validate_data


def _hall(layouts_dir, old: str, new: str) -> str:
    text = (layouts_dir / "ai-factory-hall.yaml").read_text()
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _line_of(text: str, needle: str) -> int:
    hits = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    assert len(hits) == 1, hits
    return hits[0]


def test_a_pipe_to_a_dead_end_is_a_located_error(layouts_dir):
    old = "{id: H1-FWS-MR, loop: H1-FWS, from: hr, to: rp,"
    text = _hall(layouts_dir, old, old.replace("to: rp", "to: xx"))
    with pytest.raises(LayoutError) as info:
        loads(text, "openpipe.yaml")
    (p,) = info.value.problems
    assert (p.file, p.line, p.path) == (
        "openpipe.yaml",
        _line_of(text, "id: H1-FWS-MR,"),
        "cooling.pipes[1].to",
    )
    assert "node 'xx' is a dead end" in p.message and "'H1-FWS'" in p.message


def test_pipes_cut_off_from_the_pumps_are_a_located_error(layouts_dir):
    """A ring of two pipes on nodes the pumps never reach: each node has two ends (no dead
    end), yet no water can flow in them."""
    old = (
        "  - {id: H1-FWS-MR, loop: H1-FWS, from: hr, to: rp, length_m: 100.0, diameter_m: 0.402}\n"
    )
    ring = (
        "  - {id: RING-1, loop: H1-FWS, from: q1, to: q2, length_m: 10.0, diameter_m: 0.1}\n"
        "  - {id: RING-2, loop: H1-FWS, from: q2, to: q1, length_m: 10.0, diameter_m: 0.1}\n"
    )
    text = _hall(layouts_dir, old, old + ring)
    with pytest.raises(LayoutError) as info:
        loads(text, "ring.yaml")
    (p,) = info.value.problems
    assert p.line == _line_of(text, "id: RING-1,")
    assert "RING-1 and RING-2" in p.message and "none of its pumps" in p.message


def test_shipped_and_generated_loops_are_closed(layouts_dir):
    for name in ("ai-factory-hall.yaml", "hybrid-inference.yaml", "small-room.yaml"):
        loads((layouts_dir / name).read_text(), name)
    for doc in (generate.ai_factory_hall(), generate.hybrid_inference(), generate.campus(50)):
        validate_data(doc, "generated.yaml")
