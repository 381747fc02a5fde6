"""The page scripts as Streamlit runs them: with "magic", a bare string after the module
docstring (e.g. a constant's docstring) is written on the page, above its title."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(ROOT.glob("app_pages/*.py"))
SCRIPTS = [ROOT / "streamlit_app.py"] + [
    p for p in PAGES if f'"app_pages/{p.name}"' in (ROOT / "streamlit_app.py").read_text()
]


def test_every_page_in_the_navigation_is_checked():
    assert len(SCRIPTS) >= 8  # the app and its seven pages


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_no_bare_string_on_a_page(path):
    tree = ast.parse(path.read_text())
    bare = [
        (node.lineno, node.value.value[:40])
        for node in tree.body[1:]
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]
    assert not bare, f"{path.name}: Streamlit would show these strings: {bare}"


DEPRECATED = ("use_container_width",)
"""Streamlit arguments deprecated in the locked release (1.67 logs "use_container_width will be
removed after 2025-12-31" on every chart that passes it): `width="stretch"` replaces it."""


@pytest.mark.parametrize(
    "path",
    [*SCRIPTS, *sorted((ROOT / "twin" / "app").glob("*.py"))],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_deprecated_streamlit_argument(path):
    tree = ast.parse(path.read_text())
    used = [
        (node.lineno, kw.arg)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg in DEPRECATED
    ]
    assert not used, f"{path.name}: deprecated Streamlit arguments {used}"
