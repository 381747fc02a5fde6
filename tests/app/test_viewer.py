"""The 3D viewer's values arriving from the browser (a pick, a request for the scene), via AppTest.

AppTest cannot click in a vtk.js canvas, so these tests hand the page what the viewer's
`streamlit:setComponentValue` would: the component's JSON value in the next run's
widget states.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
TIMEOUT_S = 180


def viewer(at: AppTest, key: str):
    """The viewer component with widget key `key` in the last run's output."""
    found = [c for c in at.get("component_instance") if c.proto.id.endswith(key)]
    assert len(found) == 1, [c.proto.id for c in at.get("component_instance")]
    return found[0]


def viewer_args(at: AppTest, key: str) -> tuple[dict, bool]:
    """(JSON arguments, whether the scene's bytes were sent) of the viewer in the last run."""
    proto = viewer(at, key).proto
    return json.loads(proto.json_args), any(a.key == "data" for a in proto.special_args)


def set_viewer_value(at: AppTest, key: str, value: dict) -> AppTest:
    """Rerun as the browser does after the viewer calls setComponentValue(value).

    The component is not one of AppTest's known widgets, so its state is added to the
    widget states AppTest would send (a private method of AppTest: `_run` takes them).
    """
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=viewer(at, key).proto.id, json_value=json.dumps(value)))
    return at._run(states)


def shown(markdown: str) -> str:
    """The text a Markdown string shows (the pages escape ids and names with `plain`)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def no_errors(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_pick_in_3d_shows_details_without_resending_the_scene(app):
    at = app()  # the Site page
    args, sent = viewer_args(at, "site_scene")
    assert sent and args["header"]["digest"] == args["digest"]  # first run: the scene

    set_viewer_value(at, "site_scene", {"id": "H1-R01-01", "n": 1})
    no_errors(at)
    assert at.session_state["site_selected"] == "H1-R01-01"
    assert any(shown(h.value) == "Details: H1-R01-01" for h in at.subheader)
    text = " ".join(shown(m.value) for m in at.markdown)
    assert "Power path, feed A" in text and "Cooling path" in text
    args2, sent2 = viewer_args(at, "site_scene")
    assert not sent2 and args2["header"] is None  # same scene: only its digest
    assert args2["digest"] == args["digest"] and args2["selected"] == "H1-R01-01"

    # a click on the same rack again (a new click count) keeps it selected
    set_viewer_value(at, "site_scene", {"id": "H1-R01-01", "n": 2})
    no_errors(at)
    assert at.session_state["site_selected"] == "H1-R01-01"


def test_viewer_without_the_scene_asks_and_gets_it(app):
    """A remounted or reloaded viewer that has only the digest asks; that rerun sends it."""
    at = app("site")  # its second run
    args, sent = viewer_args(at, "site_scene")
    assert not sent
    set_viewer_value(at, "site_scene", {"need": args["digest"], "n": "1-1"})
    no_errors(at)
    args2, sent2 = viewer_args(at, "site_scene")
    assert sent2 and args2["header"]["digest"] == args["digest"]
    at.run()  # and only once
    assert not viewer_args(at, "site_scene")[1]
    # a new colour column is a new scene: sent
    at.selectbox(key="site_colour").set_value("power_kw").run()
    args3, sent3 = viewer_args(at, "site_scene")
    assert sent3 and args3["digest"] != args["digest"]
    # back from another page the viewer is a new iframe: sent again
    at.switch_page("app_pages/dashboard.py").run()
    at.switch_page("app_pages/site.py").run()
    assert viewer_args(at, "site_scene")[1]


@pytest.fixture(scope="module")
def campus_file(tmp_path_factory):
    from twin.layout.generate import campus, to_yaml

    d = tmp_path_factory.mktemp("campus") / "layouts"
    d.mkdir()
    path = d / "campus.yaml"
    path.write_text(to_yaml(campus(1000.0)), encoding="utf-8")
    return path


def test_campus_row_pick_shows_the_row_summary(campus_file, monkeypatch):
    from twin.app import warm as common

    monkeypatch.setattr(common, "LAYOUTS", campus_file.parent)
    monkeypatch.setattr(common, "DEFAULT", str(campus_file))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    no_errors(at)
    args, sent = viewer_args(at, "site_scene")
    header = args["header"]
    assert sent and header["lod"] == "row"  # a campus is drawn one box per row
    row = next(i for i in header["ids"] if i.endswith("-R03"))

    set_viewer_value(at, "site_scene", {"id": row, "n": 1})
    no_errors(at)
    assert at.session_state["site_selected"] == row
    twin = common._twin(at.session_state["layout_key"], at.session_state["layout"])
    n = int((twin.racks["row"] == row).sum())
    assert n > 0
    assert any(shown(h.value) == f"Row {row}: {n:,} racks" for h in at.subheader)
    assert len(at.dataframe[-1].value) == n  # the row's racks, one line each
    args2, sent2 = viewer_args(at, "site_scene")
    assert not sent2 and args2["selected"] == row

    # a rack of that row picked by search is highlighted as its row's box
    rack = twin.racks.index[(twin.racks["row"] == row).to_numpy()][0]
    at.session_state["site_selected"] = rack
    at.run()
    no_errors(at)
    assert viewer_args(at, "site_scene")[0]["selected"] == row
    assert any(shown(h.value) == f"Details: {rack}" for h in at.subheader)
