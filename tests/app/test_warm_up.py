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
