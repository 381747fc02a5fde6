"""What the server lets through: upload size, the address it binds, error details."""

from __future__ import annotations

import logging
import re

import pytest

from twin.app import run
from twin.app.text import plain


def test_run_defaults_bind_localhost_limit_uploads_and_hide_error_details(monkeypatch):
    """`python -m twin.app.run` (what `make run` starts) passes the safe defaults to streamlit."""
    from streamlit.web import cli

    seen = []
    monkeypatch.setattr(cli, "main", lambda args, prog_name: seen.append(args) or 0)
    monkeypatch.setenv("TWIN_WARM_UP", "0")
    for var in ("TWIN_ADDRESS", "STREAMLIT_SERVER_ADDRESS", "STREAMLIT_SERVER_MAX_UPLOAD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    for var in ("STREAMLIT_CLIENT_SHOW_ERROR_DETAILS", "STREAMLIT_RUNNER_POST_SCRIPT_GC"):
        monkeypatch.delenv(var, raising=False)
    assert run.main(["--server.headless", "true", "--server.port", "8599"]) == 0
    args = seen[-1]
    assert args[:2] == ["run", str(run.ROOT / "streamlit_app.py")]

    def option(name):
        i = len(args) - 1 - args[::-1].index(f"--{name}")  # the last one given wins
        return args[i + 1]

    assert option("server.address") == "127.0.0.1"
    assert option("server.maxUploadSize") == "20" == str(run.MAX_UPLOAD_MB)
    assert option("client.showErrorDetails") == "none"
    assert option("runner.postScriptGC") == "false"
    assert option("server.port") == "8599"


def test_run_defaults_give_way_to_the_command_line_and_environment():
    assert "--server.address" not in run.server_defaults(["--server.address", "10.0.0.5"])
    assert "--server.address" not in run.server_defaults(["--server.address=10.0.0.5"])
    shared = run.server_defaults([], {"TWIN_ADDRESS": "0.0.0.0"})
    assert shared[shared.index("--server.address") + 1] == "0.0.0.0"
    env = {
        "STREAMLIT_SERVER_MAX_UPLOAD_SIZE": "5",
        "STREAMLIT_CLIENT_SHOW_ERROR_DETAILS": "full",
        "STREAMLIT_RUNNER_POST_SCRIPT_GC": "true",
    }
    assert run.server_defaults([], env) == ["--server.address", "127.0.0.1"]


def test_streamlit_reads_the_defaults_as_its_options():
    """The option names and values are ones this Streamlit knows and accepts."""
    from streamlit import config

    for name, value in zip(*[iter(run.server_defaults([], {}))] * 2, strict=True):
        name = name.removeprefix("--")
        old = config.get_option(name)
        try:
            kind = config._config_options[name].type
            typed = value == "true" if kind is bool else kind(value)
            config.set_option(name, typed, "test")
            assert str(config.get_option(name)).lower() == value
        finally:
            config.set_option(name, old, "test")


def test_too_big_an_upload_is_refused_before_parsing(app, monkeypatch):
    """The editor checks an upload's size itself before it parses it (a server started
    another way may let a bigger one through)."""
    import twin.layout
    from app_pages import common

    parsed = []
    real = twin.layout.loads
    monkeypatch.setattr(twin.layout, "loads", lambda *a, **k: parsed.append(a) or real(*a, **k))
    at = app("editor")
    size = common.MAX_UPLOAD_BYTES + 1
    at.file_uploader(key="ed_upload").set_value(("big.yaml", b"#" * size, "application/x-yaml"))
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        plain("big.yaml is 20.0 MB: uploads up to 20 MB are accepted.")
    ]
    assert parsed == []
    assert at.session_state["layout_name"] == "layouts/ai-factory-hall.yaml"  # unchanged
    # one byte less is parsed (and refused as a layout: it is one long comment)
    at.file_uploader(key="ed_upload").set_value(("big.yaml", b"#" * (size - 1), "text/yaml"))
    at.run()
    assert not at.exception
    assert len(parsed) == 1
    assert at.error[0].value == plain("big.yaml is not a valid layout.")


def protos(node) -> list[str]:
    """The text of every element's message in the last run."""
    out = [str(node.proto)] if getattr(node, "proto", None) is not None else []
    for child in getattr(node, "children", {}).values():
        out += protos(child)
    return out


@pytest.fixture
def app_log():
    """Records of the app's own logger (Streamlit's loggers do not propagate to the root)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Keep()
    logger = logging.getLogger("twin.app")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def test_an_unexpected_error_is_a_short_message_with_the_traceback_in_the_log(
    app, monkeypatch, app_log
):
    from twin.app import state as S

    def broken(*args, **kw):
        raise RuntimeError("cannot open /srv/secret/server/path.db")

    at = app("site")
    monkeypatch.setattr(S, "kpis", broken)
    at.switch_page("app_pages/dashboard.py").run()
    assert not at.exception  # no Streamlit exception box (it would carry the traceback)
    [err] = [e.value for e in at.error]
    assert "Something went wrong while showing the Dashboard page" in err.replace("\\", "")
    everything = " ".join(protos(at._tree))
    assert "/srv/secret" not in everything and "Traceback" not in everything
    assert len(at.sidebar.markdown) > 0  # the sidebar still shows the layout
    [record] = [r for r in app_log if r.exc_info]
    assert "Dashboard" in record.getMessage() and record.exc_info[0] is RuntimeError
    assert record.getMessage().split("reference ")[1].rstrip(")") in err


def test_a_missing_default_layout_is_named_without_its_server_path(
    layouts_tmp, monkeypatch, tmp_path
):
    """$TWIN_LAYOUT unreadable: the page names the file, not where the server looked; the
    session falls back to a reference layout."""
    from streamlit.testing.v1 import AppTest

    from twin.app import warm

    monkeypatch.setattr(warm, "DEFAULT", str(tmp_path / "secret-folder" / "missing.yaml"))
    at = AppTest.from_file(str(run.ROOT / "streamlit_app.py"), default_timeout=180).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        plain("Could not load the default layout missing.yaml: No such file or directory.")
    ]
    assert "secret-folder" not in " ".join(protos(at._tree))
    assert at.session_state["layout_name"].startswith("layouts/")


def test_an_upload_may_not_name_a_weather_file_on_the_server(app, tmp_path, layouts_dir):
    """A path in an uploaded layout names a file of the server, not of the visitor: refused;
    pvlib's bundled weather is fine."""
    text = (layouts_dir / "small-room.yaml").read_text(encoding="utf-8")
    weather = tmp_path / "w.epw"
    weather.write_text("not read", encoding="utf-8")
    hostile = re.sub(r"(?m)^  weather_file: .*$", f"  weather_file: {weather}", text)
    assert str(weather) in hostile
    at = app("editor")
    at.file_uploader(key="ed_upload").set_value(("w.yaml", hostile.encode(), "text/yaml"))
    at.run()
    assert not at.exception
    assert any("may only use pvlib" in e.value for e in at.error), [e.value for e in at.error]
    assert at.session_state["layout_name"] == "layouts/ai-factory-hall.yaml"  # unchanged
