"""twin in the browser: `make run` starts this page (no physics here)."""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from twin.cli.info import summary
from twin.errors import LayoutError
from twin.model import Twin

st.set_page_config(page_title="twin", layout="wide")
path = os.environ.get("TWIN_LAYOUT", "layouts/small-room.yaml")
st.title("twin")
try:
    twin = Twin.load(path)
except LayoutError as exc:
    st.error(str(exc))
    st.stop()
info = summary(twin)
st.subheader(info["name"])
c1, c2, c3 = st.columns(3)
c1.metric("IT load", f"{info['it_kw'] / 1000:,.2f} MW")
c2.metric("Grid connection", f"{info['grid_mw']:,.1f} MW")
c3.metric("Racks", f"{info['counts']['racks']:,}")
st.dataframe(pd.Series(info["counts"], name="count"))
