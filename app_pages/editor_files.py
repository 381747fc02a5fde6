"""The editor's file parts: start from a reference layout or an upload (checked for size,
validity and server paths before it becomes current), and save the edited layout as a
new file in layouts/ or download it. No physics here.
"""

from __future__ import annotations

import functools
import re

import streamlit as st

from app_pages import common
from twin import layout as TL  # looked up at call time (tests patch twin.layout.loads)
from twin.app import edit as E
from twin.app import plausibility as P
from twin.app.text import plain, size_mb
from twin.errors import LayoutError, count
from twin.layout.write import to_yaml


def start_from() -> None:
    """The "Start from a reference layout or an upload" expander."""
    with st.expander("Start from a reference layout or an upload", expanded=False):
        c1, c2 = st.columns(2)
        with c1:
            refs = common.reference_layouts()
            ref = st.selectbox("Reference layout", refs, key="ed_ref")
            if st.button("Load reference layout", key="ed_load_ref") and ref:
                try:
                    common.set_layout(common.load_path(ref), ref)
                except LayoutError as exc:
                    common.show_layout_error(exc, ref)
                else:
                    st.rerun()
        with c2:
            up = st.file_uploader(
                f"Upload a layout (YAML or JSON, at most {common.MAX_UPLOAD_MB} MB)",
                type=["yaml", "yml", "json"],
                max_upload_size=common.MAX_UPLOAD_MB,
                key="ed_upload",
            )
            if up is not None:
                # the server refuses bigger uploads (server.maxUploadSize, set by twin.app.run);
                # checked here too, before parsing, whatever server this page runs in
                if up.size > common.MAX_UPLOAD_BYTES:
                    st.error(
                        plain(
                            f"{up.name} is {size_mb(up.size)}: uploads up to "
                            f"{common.MAX_UPLOAD_MB} MB are accepted."
                        )
                    )
                elif st.session_state.get("ed_uploaded") != (up.name, up.size, up.file_id):
                    new = None
                    try:
                        new = TL.loads(up.getvalue(), up.name)
                    except LayoutError as exc:
                        common.show_layout_error(exc, up.name, f"{up.name} is not a valid layout.")
                    except (
                        Exception
                    ):  # anything unexpected in the upload: a message, not a traceback
                        ref = common.log_exception(f"reading the upload {up.name!r}")
                        st.error(
                            plain(
                                f"{up.name} could not be read as a layout (reference {ref} in "
                                "the server's log)."
                            )
                        )
                    else:
                        weather = new.site.weather_file
                        if weather and not weather.startswith("pvlib:"):
                            # a path in an upload would name a file on this server, not the visitor's
                            st.error(
                                plain(
                                    f"{up.name} names the weather file {weather!r}: an uploaded "
                                    "layout may only use pvlib's bundled weather ('pvlib:NAME'); "
                                    "files on the server are not read for uploads."
                                )
                            )
                            new = None
                    if new is not None:
                        st.session_state["ed_uploaded"] = (up.name, up.size, up.file_id)
                        common.set_layout(new, up.name)
                        # its warnings with the lines of the bytes sent (they are not kept)
                        P.remember_upload(new, st.session_state["layout_key"], up.getvalue())
                        st.session_state["ed_message"] = (
                            f"Loaded {up.name}: {count(len(new.halls), 'hall')}."
                        )
                        st.rerun()


def save_section() -> None:
    """Save as a new file in layouts/ (never overwrites) or download the YAML."""
    st.subheader("Save")
    layout = st.session_state["layout"]
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", layout.site.name.lower()).strip("-") or "layout"
    c1, c2 = st.columns([3, 1])
    fname = c1.text_input("File name in layouts/", value=f"{base}-edited.yaml", key="ed_fname")
    # the YAML is written only when the button is clicked (dumping it took most of a rerun)
    c2.download_button(
        "Download YAML",
        functools.partial(to_yaml, layout),
        file_name=fname or "layout.yaml",
        mime="application/x-yaml",
        on_click="ignore",
    )
    if st.button("Save as new file", key="ed_save"):
        if not re.fullmatch(r"[A-Za-z0-9_.-]+\.ya?ml", fname or ""):
            st.error("File name: letters, digits, '.', '_' and '-' only, ending in .yaml")
        elif (common.LAYOUTS / fname).exists():
            st.error(plain(f"{fname} already exists: choose a new name (saving never overwrites)."))
        else:
            try:
                path = TL.save(layout, common.LAYOUTS / fname)
            except OSError as exc:  # the folder is not writable, the disk is full...
                common.log_exception(f"saving {fname}")
                st.error(plain(f"Could not save {fname}: {exc.strerror or 'write failed'}."))
            else:
                # the hall's own air values were saved; its calibration goes beside the new
                # file where it still holds, a caution says why not where it does not
                said = E.carry_calibration(layout, path)
                common.set_layout(common.load_path(str(path)), common._name(path))
                st.success(plain(f"Saved {common._name(path)}."))
                for carried, line in said:
                    (st.caption if carried else st.warning)(plain(line))
