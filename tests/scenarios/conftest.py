"""Reference layouts built once for the scenario tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.model import Twin

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"


@pytest.fixture(scope="session")
def ai_hall() -> Twin:
    return Twin.load(LAYOUTS / "ai-factory-hall.yaml")


@pytest.fixture(scope="session")
def hybrid() -> Twin:
    return Twin.load(LAYOUTS / "hybrid-inference.yaml")


@pytest.fixture(scope="session")
def hybrid_fitted():
    """The hybrid hall with its timeline response at design weather, fitted once (its own
    Twin: modules that name this `hybrid` override the plain fixture)."""
    from twin.solve.timeline_response import fit_response

    twin = Twin.load(LAYOUTS / "hybrid-inference.yaml")
    return twin, fit_response(twin, None)
