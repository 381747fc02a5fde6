"""The server's warm-up fills the caches the first visitor's page reads."""

from __future__ import annotations

import math
from collections import Counter

import pytest


def test_warm_up_fills_the_shared_caches(app, layouts_tmp, monkeypatch) -> None:
    """After warm_up the first visitor loads, builds and solves nothing: every call hits."""
    from app_pages import common
    from twin.app import state as S
    from twin.app import warm
    from twin.model import Twin
    from twin.solve import run

    direct = run(Twin.load(warm.DEFAULT))  # a direct solve of a fresh Twin, for comparison
    calls: Counter[str] = Counter()

    def spy(name, fn):
        def counted(*args, **kw):
            calls[name] += 1
            return fn(*args, **kw)

        return counted

    monkeypatch.setattr(warm, "load", spy("load", warm.load))
    monkeypatch.setattr(Twin, "from_layout", spy("twin", Twin.from_layout))
    monkeypatch.setattr(S, "solve", spy("solve", S.solve))
    for cached in (warm._load_file, warm._twin, warm._results):
        cached.clear()  # other tests may have filled them for this very layout

    times = common.warm_up()
    assert set(times) == {"load", "twin", "solve"}
    assert calls == {"load": 1, "twin": 1, "solve": 1}  # the warm-up did the work once

    layout = common.load_path(common.DEFAULT)
    key = common._key(layout)
    twin = common._twin(key, layout)
    res = common._results(key, (), twin)
    assert calls == {"load": 1, "twin": 1, "solve": 1}  # and the visitor's calls all hit
    # the cached solve is the solve: same numbers as the direct solve
    for k in ("it_kw", "facility_kw", "pue", "t_inlet_max_c", "t_coolant_max_c"):
        assert math.isfinite(res.kpis[k]), k
        assert res.kpis[k] == pytest.approx(direct.kpis[k], rel=1e-9), k

    at = app()  # the first visitor: same layout object, same twin, no error, no new work
    assert not at.exception
    assert at.session_state["layout"] is layout
    assert at.session_state["layout_key"] == key
    assert calls == {"load": 1, "twin": 1, "solve": 1}


def test_warm_up_thread_waits_for_the_server_runtime(monkeypatch) -> None:
    """Outside a server (no runtime) the thread gives up quietly instead of warming."""
    from twin.app import run

    monkeypatch.setattr(run, "WAIT_FOR_RUNTIME_S", 0.2)
    thread = run.start_warm_up()
    thread.join(5)
    assert not thread.is_alive()
    monkeypatch.setenv("TWIN_WARM_UP", "0")
    assert run.start_warm_up() is None


def test_warm_up_builds_the_scene_the_site_page_opens_with(app, monkeypatch) -> None:
    """warm_up_key fills the 3D scene cache with the very call the Site page makes first."""
    from twin.app import warm as common

    calls = []
    real = common._scene_payload

    def spy(key, column, failed, lod, *rest):
        calls.append((key, column, failed, lod))
        return real(key, column, failed, lod, *rest)

    monkeypatch.setattr(common, "_scene_payload", spy)
    common.warm_up()
    assert common.warm_up_key() == common._key(common.load_path(common.DEFAULT))
    assert len(calls) == 1
    at = app()  # the first visitor, on the Site page
    assert not at.exception
    assert calls[1] == calls[0]
    assert calls[0][1] == at.selectbox(key="site_colour").value
    assert calls[0][3] == at.selectbox(key="site_lod").value
