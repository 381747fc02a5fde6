"""Uploaded text in a real browser: shown as text, fetching nothing; oversized uploads refused
by the server itself."""

from __future__ import annotations

import re
import uuid

import pytest
import yaml
from test_app_browser import no_exception, open_page, wait_idle

from twin.app.run import MAX_UPLOAD_MB
from twin.app.serve import ROOT

pytestmark = pytest.mark.browser

PAYLOAD = (
    "![x](http://127.0.0.1:9/x.png) <img src=x onerror=alert(1)> **bold** "
    "[click](javascript:alert(1))"
)
# a file name cannot hold '/': its image would load from the app's own address
UPLOAD_NAME = "evil ![f](f-md.png) <img src=f-html.png>.yaml"
EVIL_PROFILE = f"profile {PAYLOAD}"
BAD_URLS = re.compile(r"//127\.0\.0\.1:9/|/x$|/f-md\.png$|/f-html\.png$")


def evil_layout() -> bytes:
    data = yaml.safe_load((ROOT / "layouts" / "small-room.yaml").read_text())
    data["site"]["name"] = f"Evil site {PAYLOAD}"
    data["halls"][0]["racks"][0]["name"] = f"rack {PAYLOAD}"
    data["cooling"]["crahs"][0]["name"] = f"crah {PAYLOAD}"
    data["profiles"][EVIL_PROFILE] = data["profiles"].pop("enterprise-10kw")
    for rack in data["halls"][0]["racks"]:
        rack["profile"] = EVIL_PROFILE
    return yaml.safe_dump(data, sort_keys=False).encode()


def upload(page, name: str, data: bytes) -> None:
    page.get_by_text("Start from a reference layout or an upload").click()
    page.locator('input[type="file"]').set_input_files(
        files=[{"name": name, "mimeType": "application/x-yaml", "buffer": data}]
    )


def assert_nothing_rendered_from_the_payload(page, requests, dialogs) -> None:
    wait_idle(page)
    for frame in page.frames:
        for src in frame.locator("img").evaluate_all("els => els.map(e => e.src)"):
            assert not BAD_URLS.search(src), src
    assert page.locator('a[href^="javascript"]').count() == 0
    assert page.locator("strong").filter(has_text=re.compile(r"^\s*bold\s*$")).count() == 0
    assert [u for u in requests if BAD_URLS.search(u)] == []
    assert dialogs == []
    no_exception(page)


def test_uploaded_names_are_text_and_fetch_nothing(page, app_url):
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_page(page, app_url, "editor", "Layout editor")
    upload(page, UPLOAD_NAME, evil_layout())
    page.get_by_text(f"Loaded {UPLOAD_NAME}: 1 hall.").wait_for()
    assert_nothing_rendered_from_the_payload(page, requests, dialogs)
    sidebar = page.locator('[data-testid="stSidebar"]')  # the names, as they were written
    sidebar.get_by_text(f"Evil site {PAYLOAD}", exact=True).wait_for()
    sidebar.get_by_text(UPLOAD_NAME, exact=True).wait_for()
    # selectbox options are plain text: the profile picker lists the profile's name
    main = page.locator('[data-testid="stMain"]')
    main.locator('[data-testid="stSelectbox"]:visible').filter(has_text="Profile").first.click()
    page.get_by_role("option", name=EVIL_PROFILE, exact=True).wait_for()
    assert_nothing_rendered_from_the_payload(page, requests, dialogs)
    page.keyboard.press("Escape")

    for link, title in [("Site (3D)", "Site (3D)"), ("Dashboard", "Dashboard")]:
        page.get_by_role("link", name=link).click()  # same session: the uploaded layout
        page.get_by_role("heading", name=title).first.wait_for()
        page.get_by_text(f"Evil site {PAYLOAD}").first.wait_for()
        assert_nothing_rendered_from_the_payload(page, requests, dialogs)


def test_error_text_from_an_upload_is_text(page, app_url):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    open_page(page, app_url, "editor", "Layout editor")
    bad = (
        b"format_version: 1\nsite: {name: x, grid_mw: '![e](http://127.0.0.1:9/x.png) **bold**'}\n"
    )
    upload(page, UPLOAD_NAME, bad + b"halls: []\npower: {}\n")
    page.get_by_text(f"{UPLOAD_NAME} is not a valid layout.").wait_for()
    page.get_by_text("got '![e](http://127.0.0.1:9/x.png) **bold**'").first.wait_for()
    assert_nothing_rendered_from_the_payload(page, requests, [])


def test_the_server_refuses_an_upload_over_the_limit(page, app_url):
    """The limit is the server's (server.maxUploadSize from twin.app.run), not only the
    browser's: the upload request the page makes, replayed with a body over the limit,
    gets 413 from the server."""
    puts = []
    page.on("request", lambda r: puts.append(r) if r.method == "PUT" else None)
    open_page(page, app_url, "editor", "Layout editor")
    upload(page, "small.yaml", (ROOT / "layouts" / "small-room.yaml").read_bytes())
    page.get_by_text("Loaded small.yaml").wait_for()
    [put] = [r for r in puts if "/_stcore/upload_file/" in r.url]
    session_url = put.url.rsplit("/", 1)[0]
    token = put.all_headers().get("x-xsrftoken", "")

    def replay(n_bytes: int) -> int:
        return page.evaluate(
            """async ([url, token, n]) => {
                const form = new FormData();
                form.append("file", new Blob([new Uint8Array(n)]), "replayed.yaml");
                const r = await fetch(url, {method: "PUT", body: form,
                    headers: token ? {"X-Xsrftoken": token} : {}, credentials: "include"});
                return r.status;
            }""",
            [f"{session_url}/{uuid.uuid4()}", token, n_bytes],
        )

    assert replay(1000) in (200, 204)  # the replay itself is accepted...
    assert replay(MAX_UPLOAD_MB * 2**20 + 1) == 413  # ...and one byte over the limit is not
    assert replay(150 * 10**6) == 413
