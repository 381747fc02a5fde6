"""Text from a layout, an upload or an error message, put on screen as text only.

Streamlit renders the strings given to ``st.markdown``, ``st.write``, ``st.caption``,
the alerts (``st.error`` ...), the headings and the labels of metrics, expanders, tabs
and widgets as GitHub-flavoured Markdown, plus its own additions (``:red[...]``
colours, ``$...$`` LaTeX). A site name like ``![x](http://host/a.png)`` would make
every visitor's browser fetch that URL; ``**...**`` or a link could dress up an error
message. So every string that comes from a layout (site name, location, component
names, profile and accelerator names, ids), from an upload (its file name) or from an
exception goes through `plain` before it is put into one of those strings.

`plain` backslash-escapes every ASCII punctuation character: CommonMark lets a
backslash escape any of them, and an escaped character is a literal character, so no
Markdown syntax, raw HTML, entity, autolink, Streamlit directive or LaTeX can start in
the text, whatever it contains. Letters, digits and spaces are left alone, so the text
reads as it was written. Line breaks become Markdown hard breaks, and each line's
leading white space is dropped (four spaces would start a code block, which shows the
backslashes).

Selectbox and multiselect options (and their ``format_func``) are shown as plain text by
Streamlit: they take the raw string, not `plain`'s.
"""

from __future__ import annotations

import re

_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
"""Every ASCII punctuation character: !"#$%&'()*+,-./ :;<=>?@ [\\]^_` {|}~"""
_LINE_BREAK = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def plain(value: object) -> str:
    """`value` as Markdown that renders as exactly its text (see the module docstring)."""
    lines = _LINE_BREAK.split(str(value))
    return "  \n".join(_PUNCT.sub(r"\\\1", line.lstrip()) for line in lines)


def size_mb(n_bytes: int) -> str:
    """A byte count in MB as Streamlit counts them for uploads (MiB, 1 MB = 1024 x 1024 bytes)."""
    return f"{n_bytes / 2**20:,.1f} MB"
