"""twin in the browser: `make run` starts it on $TWIN_LAYOUT. Thin: no physics here."""

from __future__ import annotations

import streamlit as st

from app_pages import common

st.set_page_config(page_title="twin", page_icon="🏭", layout="wide")

pages = [
    st.Page(
        "app_pages/site.py",
        title="Site (3D)",
        icon=":material/view_in_ar:",
        default=True,
        url_path="site",
    ),
    st.Page(
        "app_pages/editor.py", title="Layout editor", icon=":material/edit:", url_path="editor"
    ),
    st.Page("app_pages/failures.py", title="Failures", icon=":material/bolt:", url_path="failures"),
    st.Page(
        "app_pages/dashboard.py",
        title="Dashboard",
        icon=":material/dashboard:",
        url_path="dashboard",
    ),
    st.Page(
        "app_pages/timeline.py", title="Timeline", icon=":material/show_chart:", url_path="timeline"
    ),
    st.Page(
        "app_pages/sites.py", title="Sites side by side", icon=":material/public:", url_path="sites"
    ),
    st.Page(
        "app_pages/refresh.py",
        title="Hardware refresh",
        icon=":material/autorenew:",
        url_path="refresh",
    ),
]
page = st.navigation(pages)
# an unexpected error shows a short message; its traceback goes to the server's log
with common.guard("the sidebar"):
    common.sidebar()
with common.guard(f"the {page.title} page"):
    page.run()
