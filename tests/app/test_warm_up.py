"""The server's warm-up fills the caches the first visitor's page reads."""

from __future__ import annotations


def test_warm_up_fills_the_shared_caches(app, layouts_tmp, monkeypatch) -> None:
    from app_pages import common

    times = common.warm_up()
    assert set(times) == {"load", "twin", "solve"}
    layout = common.load_path(common.DEFAULT)
    key = common._key(layout)
    twin = common._twin(key, layout)
    assert common._results(key, (), twin) is common._results(key, (), twin)

    at = app()  # the first visitor: same layout object, same twin, no error
    assert not at.exception
    assert at.session_state["layout"] is layout
    assert at.session_state["layout_key"] == key


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
    from app_pages import common

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
