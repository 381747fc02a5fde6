"""Shared fixtures: the reference layouts, built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.model import Twin

ROOT = Path(__file__).resolve().parents[1]
LAYOUTS = ROOT / "layouts"
REFERENCE_LAYOUTS = sorted(p.name for p in LAYOUTS.glob("*.yaml"))


@pytest.fixture(scope="session", autouse=True)
def _layout_cache_in_tmp(tmp_path_factory) -> None:
    """Tests (and the CLI and app they start) cache big layouts in a tmp dir, not ~/.cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("TWIN_CACHE_DIR", str(tmp_path_factory.mktemp("twin-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def layouts_dir() -> Path:
    return LAYOUTS


@pytest.fixture(scope="session", params=REFERENCE_LAYOUTS)
def reference_twin(request) -> Twin:
    return Twin.load(LAYOUTS / request.param)


@pytest.fixture(scope="session")
def small_room() -> Twin:
    return Twin.load(LAYOUTS / "small-room.yaml")
