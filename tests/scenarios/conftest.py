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
