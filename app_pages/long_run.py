"""A long computation run on a button click, its result kept for the inputs it ran on.

The Timeline and Sites pages run minutes of coupled solves: they run only when asked
(`result_on_click`), keep the result in `st.session_state` with the inputs' key, and
show it again on every rerun until an input changes (then they ask again).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import streamlit as st

Progress = Callable[[float, str], None]
"""progress(fraction done, text): what the computation reports as it goes."""


def result_on_click(
    label: str,
    key: str,
    store: str,
    run_key: Hashable,
    compute: Callable[[Progress], Any],
    *,
    start: str | None,
    spinner: str,
    prompt: str,
    disabled: bool = False,
) -> Any:
    """The result of `compute` for the inputs `run_key`: run when the primary button
    `label` (widget `key`) is clicked, with a progress bar (first text `start`; None: no
    bar, for a computation that does not report progress) and a spinner; kept in `st.session_state[store]` and returned on later reruns
    while `run_key` is the same. `compute` shows its own errors and returns None on one.
    Without a result for these inputs the page shows `prompt` and stops here."""
    if st.button(label, type="primary", key=key, disabled=disabled):
        st.session_state.pop(store, None)
        bar = st.progress(0.0, text=start) if start is not None else None
        try:
            with st.spinner(spinner):
                result = compute(
                    (lambda f, text: bar.progress(f, text=text)) if bar else (lambda f, text: None)
                )
        finally:
            if bar is not None:
                bar.empty()
        if result is not None:
            st.session_state[store] = (run_key, result)
    saved = st.session_state.get(store)
    if not saved or saved[0] != run_key:
        st.info(prompt)
        st.stop()
    return saved[1]
