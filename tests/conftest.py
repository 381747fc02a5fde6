"""Shared fixtures: the reference layouts, built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from twin.model import Twin

ROOT = Path(__file__).resolve().parents[1]
LAYOUTS = ROOT / "layouts"
REFERENCE_LAYOUTS = sorted(p.name for p in LAYOUTS.glob("*.yaml"))


@pytest.fixture(scope="session", autouse=True)
def _layout_cache_in_tmp(tmp_path_factory) -> None:
    """Tests (and the CLI and app they start) cache big layouts and FFD fluxes in one tmp dir
    for the session, not ~/.cache: a hall's flow is marched once per session, not once per
    process (the store's key holds the march constants' values, so a test that sets one
    marches its own; tests that count or spy on marches turn the store off, `fresh_marches`)."""
    mp = pytest.MonkeyPatch()
    if os.environ.get("PYTEST_XDIST_WORKER"):  # `make test` runs pytest -n 2: the workers
        # share one store (its writes are atomic), so no flow is marched once per worker
        shared = tmp_path_factory.getbasetemp().parent / "twin-cache"
        shared.mkdir(mode=0o700, exist_ok=True)
        mp.setenv("TWIN_CACHE_DIR", str(shared))
    else:
        mp.setenv("TWIN_CACHE_DIR", str(tmp_path_factory.mktemp("twin-cache")))
    yield
    mp.undo()


@pytest.fixture
def fresh_marches(monkeypatch) -> None:
    """FFD fluxes not read from the session's store: every march this test asks for runs."""
    monkeypatch.setenv("TWIN_FFD_STORE", "0")


@pytest.fixture
def empty_ffd_store(tmp_path, monkeypatch):
    """No FFD flow marched yet: an empty store on disk (this test's own; yielded) and none in
    memory, before and after."""
    from twin.solve import airfield as af
    from twin.solve import cache

    monkeypatch.setenv("TWIN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("TWIN_FFD_STORE", "1")
    for c in (af._CACHE, af._FFD_CACHE):
        c.clear()
    cache.clear()
    yield tmp_path / "ffd"
    for c in (af._CACHE, af._FFD_CACHE):
        c.clear()
    cache.clear()


@pytest.fixture(scope="session")
def layouts_dir() -> Path:
    return LAYOUTS


@pytest.fixture(scope="session", params=REFERENCE_LAYOUTS)
def reference_twin(request) -> Twin:
    return Twin.load(LAYOUTS / request.param)


@pytest.fixture(scope="session")
def small_room() -> Twin:
    return Twin.load(LAYOUTS / "small-room.yaml")


@pytest.fixture(scope="session")
def small_room_open_kernel() -> Twin:
    """small-room as shipped until 2026-12-01: its hot aisle open, on the kernel (the default
    air model then). The kernel's own tests (its shares, their memory, HPE's rise) are about
    that room; the shipped room is contained and on the FFD field now."""
    import yaml

    from twin.layout import validate_data

    path = LAYOUTS / "small-room.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["halls"][0].update(containment="none", air_model="kernel")
    return Twin.from_layout(validate_data(doc, str(path)))


@pytest.fixture(scope="session")
def small_room_kernel() -> Twin:
    """The shipped small room on the kernel, where the N-1 screen answers a unit's failure
    itself; on the FFD field (shipped) a unit's failure is marched again, which only the full
    solve does, so the screen leaves it to that (`twin.solve.air_stopped`). For the tests of
    the screen's cooling model against the full solve."""
    import yaml

    from twin.layout import validate_data

    path = LAYOUTS / "small-room.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["halls"][0]["air_model"] = "kernel"
    return Twin.from_layout(validate_data(doc, str(path)))


@pytest.fixture(scope="session")
def single_fed_hall_path(tmp_path_factory) -> Path:
    """The AI factory hall with each cooling unit on one mechanical board (the reference
    layout before issue 12 made them dual-fed): a mechanical board is then a single point
    of failure whose loss trips racks on heat. On the kernel: the FFD field (the default) puts
    the hall's hottest top-of-rack inlet at 27.9 C, above A1's recommended 27 C, so the N-1
    screen would put every case at risk, and the tests of its verified/screened rows need
    both kinds."""
    import yaml

    from twin.layout import generate

    doc = generate.site(
        "AI factory hall, single-fed mechanical",
        [generate.HallSpec("H1", [("nvl72", 6)])],
        location="Seoul, KR (design day)",
        design=(33.0, 27.0),
    )
    doc["halls"][0]["air_model"] = "kernel"
    path = tmp_path_factory.mktemp("single-fed") / "single-fed-hall.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture(scope="session")
def single_fed_hall(single_fed_hall_path) -> Twin:
    return Twin.load(single_fed_hall_path)


@pytest.fixture(scope="session")
def report_n1_html() -> tuple[str, list[str]]:
    """The HTML report as the dashboard builds it, with the AI hall's real N-1 ranking (its
    top 10 rows), and those rows' failure ids."""
    from twin.app import report
    from twin.app import state as S

    twin = Twin.load(Path(__file__).resolve().parents[1] / "layouts" / "ai-factory-hall.yaml")
    cols = ["contingency", "kinds", "it_lost_kw", "racks_lost", "max_loading_pct", "worst_element"]
    top = S.n1_ranking(twin)[cols].head(10)
    html = report.report_html("t", S.kpis(twin, S.solve(twin)), {"N-1: top risks": top})
    return html, list(top["contingency"])
