"""A limit broken today with no failure binds the headroom by its own name: with the small
room's TX-1 at 50 kVA (646 %) the headroom shed TX-1's excess yet named 'N-1 (cooling):
CRAC-1 failed', a failure case that only carries the same transformer (audit 2026-12-05 #5).
First-order redundancy rows ('in failover', '(N+1)') stand for failures and do not take
the name first."""

from __future__ import annotations

from tests.scenarios.layouts import load_doc, twin_from_doc
from twin.metrics.headroom import _redundancy_row, headroom


def test_an_overloaded_transformer_binds_by_its_name(layouts_dir):
    doc = load_doc(layouts_dir / "small-room.yaml")
    doc["halls"][0]["air_model"] = "kernel"
    (tx,) = doc["power"]["transformers"]
    tx["rating_kva"] = 50.0
    h = headroom(twin_from_doc(doc))
    assert h.it_kw < 0 and h.binding == "transformer TX-1"
    assert "already broken: shed" in h.reason


def test_redundancy_rows_are_told_apart():
    assert _redundancy_row("PDU/busway PDU-1 in failover")
    assert _redundancy_row("CDU group L1 (N+1)")
    assert not _redundancy_row("transformer TX-1")
    assert not _redundancy_row("N-1 (power): PDU-1 failed")
