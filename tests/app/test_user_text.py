"""Text from a layout, an upload or an error is shown as text, never as Markdown or HTML.

A site name like ``![x](http://127.0.0.1:9/x.png)`` rendered as Markdown would make every
visitor's browser fetch that URL. Each page is run (AppTest) on a layout whose free-text
fields carry such payloads; every string the page hands to Streamlit's Markdown renderer
(Markdown, captions, alerts, headings, metric, expander, tab and widget labels) is
rendered with a CommonMark parser and must come out as text: no image, link, emphasis
or HTML element from the payload, and the payload itself readable.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from twin.app.text import plain

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "streamlit_app.py")
TIMEOUT_S = 180

PAYLOAD = (
    "![x](http://127.0.0.1:9/x.png) <img src=x onerror=alert(1)> **bold** "
    "[click](javascript:alert(1)) :red[red] $x^2$"
)
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
TEXT_TYPES = {
    "markdown",
    "caption",
    "title",
    "header",
    "subheader",
    "error",
    "warning",
    "info",
    "success",
    "toast",
}


def rendered_strings(at) -> list[str]:
    """Every string of the last run that Streamlit renders as Markdown."""
    out: list[str] = []

    def walk(node) -> None:
        if getattr(node, "type", None) in TEXT_TYPES:
            out.append(node.value)
        if getattr(node, "type", None) == "metric":
            out.extend([node.label, node.value, node.delta])
        label = getattr(node, "label", None)
        if isinstance(label, str) and node.type != "metric":
            out.append(label)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return [s for s in out if s]


def assert_shown_as_text(at, expect: list[str]) -> None:
    """No string renders an element from the payload; each of `expect` is shown as text."""
    shown = rendered_strings(at)
    assert shown
    for s in shown:
        out = MARKDOWN.render(s)
        for element in ("<img", "<a ", "<strong>bold", "<script", "<b>"):
            assert element not in out, (s, out)
    texts = " ".join(html.unescape(MARKDOWN.render(s)) for s in shown)
    for text in expect:
        assert text in texts, text


@pytest.fixture
def evil_layout(layouts_tmp, monkeypatch):
    """The small room with the payload in its site name and location, a rack's and a
    CRAC's name and a profile's name; the app opens it."""
    from twin.app import warm

    data = yaml.safe_load((ROOT / "layouts" / "small-room.yaml").read_text())
    data["site"]["name"] = f"Evil site {PAYLOAD}"
    data["site"]["location"] = f"Nowhere {PAYLOAD}"
    data["halls"][0]["racks"][0]["name"] = f"rack {PAYLOAD}"
    data["cooling"]["crahs"][0]["name"] = f"crah {PAYLOAD}"
    evil_profile = f"profile {PAYLOAD}"
    data["profiles"][evil_profile] = data["profiles"].pop("enterprise-10kw")
    for rack in data["halls"][0]["racks"]:
        rack["profile"] = evil_profile
    path = layouts_tmp / "evil.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.setattr(warm, "DEFAULT", str(path))
    return path


def open_app(page: str | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", ["site", "editor", "failures", "dashboard"])
def test_layout_text_is_shown_as_text_on_every_page(evil_layout, page):
    at = open_app(page)
    assert not at.error, [e.value for e in at.error]
    # the sidebar names the site; the Site page and the Dashboard say it again
    assert_shown_as_text(at, [f"Evil site {PAYLOAD}"])
    assert f"**{plain('Evil site ' + PAYLOAD)}**" in [m.value for m in at.sidebar.markdown]


def test_details_of_a_component_are_text(evil_layout):
    at = open_app("site")
    at.text_input(key="site_search").set_value("RA01").run()
    at.selectbox(key="site_pick").set_value("RA01").run()
    assert not at.exception
    assert any("Details" in h.value for h in at.subheader)
    assert_shown_as_text(at, ["Details: RA01"])


def test_upload_name_and_error_text_are_text(evil_layout):
    """An upload's file name and the values quoted in its error messages are text."""
    at = open_app("editor")
    bad = (
        b"format_version: 1\nsite: {name: x, grid_mw: '![e](http://127.0.0.1:9/e.png) **e**'}\n"
        b"halls: []\npower: {}\n"
    )
    name = "![f](http://127.0.0.1:9/f.png) <b>f</b>.yaml"
    at.file_uploader(key="ed_upload").set_value((name, bad, "application/x-yaml")).run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors[0] == plain(f"{name} is not a valid layout.")
    assert any(plain("site.grid_mw") in e for e in errors), errors
    assert_shown_as_text(at, [f"{name} is not a valid layout.", "![e](http://127.0.0.1:9/e.png)"])
    # and a good upload under such a name: the success message and the sidebar
    good = evil_layout.read_bytes()
    at.file_uploader(key="ed_upload").set_value((name, good, "application/x-yaml")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.session_state["layout_name"] == name
    assert_shown_as_text(at, [f"Loaded {name}: 1 hall.", name, f"Evil site {PAYLOAD}"])


def test_a_reference_layout_error_names_the_file_not_the_server_path(app, layouts_tmp):
    """A broken file in the layouts folder: its messages say 'layouts/NAME', never where
    the server keeps it."""
    (layouts_tmp / "zz-broken.yaml").write_text("format_version: 1\nsite: {name: x}\n")
    at = app("editor")
    at.selectbox(key="ed_ref").set_value("layouts/zz-broken.yaml")
    at.button(key="ed_load_ref").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert errors and all(str(layouts_tmp) not in e and "/tmp" not in e for e in errors), errors
    assert any(e.startswith(plain("layouts/zz-broken.yaml:")) for e in errors), errors


# ------------------------------------------------------------------------ plain()


def rendered_text(markdown: str) -> str:
    """The text CommonMark shows for `markdown` when it is one paragraph of text only
    (no element but line breaks: anything else fails)."""
    out = MARKDOWN.render(markdown).strip()
    assert out.startswith("<p>") and out.endswith("</p>"), out
    out = out[3:-4].replace("<br />\n", "\n")
    assert "<" not in out, out
    return html.unescape(out)


@pytest.mark.parametrize(
    "text",
    [
        PAYLOAD,
        "<script>alert(1)</script>",
        "&lt;img src=x&gt; &#60; &amp;",
        "`code` ~~gone~~ _i_ __b__ ***bi***",
        "# heading",
        "1. list",
        "- item",
        "> quote",
        "| a | b |",
        "---",
        "http://127.0.0.1:9/autolink www.example.com <http://127.0.0.1:9/>",
        "[ref]: http://127.0.0.1:9/ref.png",
        "back\\slash \\*",
        ":material/home: :smile: :blue-background[x]",
    ],
)
def test_plain_renders_as_the_text_itself(text):
    assert rendered_text(plain(text)) == text


def test_plain_keeps_lines_and_drops_indentation():
    assert rendered_text(plain("first\n    second\r\n\tthird")) == "first\nsecond\nthird"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), min_size=1))
def test_plain_any_ascii_line_is_literal(text):
    text = text.strip()
    if text:
        assert rendered_text(plain(text)) == text
