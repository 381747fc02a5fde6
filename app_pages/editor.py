"""Layout editor: start from a reference layout or an upload, edit racks, re-solve, save."""

from __future__ import annotations

import re

import streamlit as st

from app_pages import common
from twin.app import edit as E
from twin.app import state as S
from twin.errors import LayoutError
from twin.layout import loads, save
from twin.layout.write import to_yaml

st.title("Layout editor")
twin, key = common.current()
layout = st.session_state["layout"]

# ---------------------------------------------------------------- start from
with st.expander("Start from a reference layout or an upload", expanded=False):
    c1, c2 = st.columns(2)
    with c1:
        refs = common.reference_layouts()
        ref = st.selectbox("Reference layout", refs, key="ed_ref")
        if st.button("Load reference layout", key="ed_load_ref") and ref:
            try:
                common.set_layout(common.load_path(ref), ref)
                st.rerun()
            except LayoutError as exc:
                st.error(str(exc))
    with c2:
        up = st.file_uploader(
            f"Upload a layout (YAML or JSON, at most {common.MAX_UPLOAD_MB} MB)",
            type=["yaml", "yml", "json"],
            max_upload_size=common.MAX_UPLOAD_MB,
            key="ed_upload",
        )
        if up is not None:
            raw = up.getvalue()
            if len(raw) > common.MAX_UPLOAD_MB * 1_000_000:
                st.error(f"{up.name} is larger than {common.MAX_UPLOAD_MB} MB.")
            elif st.session_state.get("ed_uploaded") != (up.name, len(raw)):
                try:
                    new = loads(raw, up.name)
                except LayoutError as exc:
                    st.error(f"**{up.name} is not a valid layout.**")
                    for p in exc.problems:
                        st.error(str(p))
                except (
                    Exception
                ) as exc:  # anything unexpected in the upload: a message, not a traceback
                    st.error(f"**{up.name} could not be read:** {exc}")
                else:
                    st.session_state["ed_uploaded"] = (up.name, len(raw))
                    common.set_layout(new, up.name)
                    st.success(f"Loaded {up.name}: {len(new.halls)} halls.")
                    st.rerun()

data = E.to_data(layout)
halls = [h["id"] for h in data["halls"]]
rack_ids = list(twin.racks.index)
feeds = [""] + list(twin.pdus.index) + list(twin.ups.index)
profiles = [""] + sorted(layout.profiles)
loops = [""] + list(twin.loops.index)


def commit(new_data: dict, what: str) -> bool:
    """Validate and make the edited layout current; problems go next to the fields."""
    try:
        new = E.apply(new_data, st.session_state["layout_name"])
    except LayoutError as exc:
        st.session_state["ed_errors"] = E.field_errors(exc)
        return False
    name = st.session_state["layout_name"]
    common.set_layout(new, name if name.endswith("(edited)") else f"{name} (edited)")
    st.session_state["ed_errors"] = {}
    st.session_state["ed_message"] = what
    return True


def field_error(field: str) -> None:
    for msg in st.session_state.get("ed_errors", {}).get(field, []):
        st.error(msg)


if msg := st.session_state.pop("ed_message", None):
    st.success(msg)
if other := {
    k: v
    for k, v in st.session_state.get("ed_errors", {}).items()
    if k not in E.RACK_FIELDS + ("containment",)
}:
    for msgs in other.values():
        for m in msgs:
            st.error(m)

tab_add, tab_change, tab_move, tab_hall = st.tabs(
    ["Add rack", "Change rack", "Move / remove rack", "Hall"]
)

with tab_add:
    with st.form("ed_add"):
        hall = st.selectbox("Hall", halls, key="ed_add_hall")
        rows = [r["id"] for h in data["halls"] if h["id"] == hall for r in h.get("rows", [])]
        row = st.selectbox("Row", rows, key="ed_add_row")
        slot = st.number_input(
            "Slot (-1 = first free)", min_value=-1, value=-1, step=1, key="ed_add_slot"
        )
        field_error("slot")
        power = st.number_input(
            "Power kW (0 = as its neighbours)", value=0.0, step=1.0, key="ed_add_power"
        )
        field_error("power_kw")
        prof = st.selectbox("Profile", profiles, key="ed_add_profile")
        field_error("profile")
        fa = st.selectbox("Feed A (blank = as its neighbours)", feeds, key="ed_add_fa")
        field_error("feed_a")
        fb = st.selectbox("Feed B", feeds, key="ed_add_fb")
        field_error("feed_b")
        if st.form_submit_button("Add rack"):
            new, rid = E.add_rack(
                data,
                hall,
                row,
                None if slot < 0 else int(slot),
                power_kw=power if power != 0 else None,
                profile=prof,
                feed_a=fa,
                feed_b=fb,
            )
            if commit(new, f"Added rack {rid}."):
                st.rerun()
            else:
                st.rerun()

with tab_change:
    with st.form("ed_change"):
        rid = st.selectbox("Rack", rack_ids, key="ed_ch_rack")
        r = twin.racks.loc[rid] if rid in twin.racks.index else None
        power = st.number_input(
            "Power kW",
            value=float(r["power_kw"]) if r is not None else 0.0,
            step=1.0,
            key=f"ed_ch_power_{rid}",
        )
        field_error("power_kw")
        prof = st.selectbox(
            "Profile",
            profiles,
            index=profiles.index(r["profile"]) if r is not None and r["profile"] in profiles else 0,
            key=f"ed_ch_prof_{rid}",
        )
        field_error("profile")
        fa = st.selectbox(
            "Feed A",
            feeds,
            index=feeds.index(r["feed_a"]) if r is not None and r["feed_a"] in feeds else 0,
            key=f"ed_ch_fa_{rid}",
        )
        field_error("feed_a")
        fb = st.selectbox(
            "Feed B",
            feeds,
            index=feeds.index(r["feed_b"]) if r is not None and r["feed_b"] in feeds else 0,
            key=f"ed_ch_fb_{rid}",
        )
        field_error("feed_b")
        lp = st.selectbox(
            "Liquid loop",
            loops,
            index=loops.index(r["liquid_loop"])
            if r is not None and r["liquid_loop"] in loops
            else 0,
            key=f"ed_ch_loop_{rid}",
        )
        field_error("liquid_loop")
        if st.form_submit_button("Apply changes"):
            new = E.set_rack(
                data, rid, power_kw=power, profile=prof, feed_a=fa, feed_b=fb, liquid_loop=lp
            )
            commit(new, f"Changed rack {rid}.")
            st.rerun()

with tab_move:
    with st.form("ed_move"):
        rid = st.selectbox("Rack", rack_ids, key="ed_mv_rack")
        all_rows = [r["id"] for h in data["halls"] for r in h.get("rows", [])]
        row = st.selectbox("To row", all_rows, key="ed_mv_row")
        slot = st.number_input("To slot", min_value=0, value=0, step=1, key="ed_mv_slot")
        field_error("slot")
        field_error("row")
        c1, c2 = st.columns(2)
        move = c1.form_submit_button("Move rack")
        remove = c2.form_submit_button("Remove rack")
        if move:
            commit(
                E.move_rack(data, rid, row, int(slot)), f"Moved rack {rid} to {row} slot {slot}."
            )
            st.rerun()
        if remove:
            commit(E.remove_rack(data, rid), f"Removed rack {rid}.")
            st.rerun()

with tab_hall:
    with st.form("ed_hall"):
        hall = st.selectbox("Hall", halls, key="ed_hall_id")
        current_c = next(h.get("containment", "none") for h in data["halls"] if h["id"] == hall)
        options = ["none", "hot-aisle", "cold-aisle"]
        cont = st.selectbox(
            "Containment", options, index=options.index(current_c), key="ed_hall_cont"
        )
        field_error("containment")
        if st.form_submit_button("Apply"):
            commit(E.set_containment(data, hall, cont), f"Hall {hall}: containment {cont}.")
            st.rerun()

# ------------------------------------------------------------ re-solved view
twin, key = common.current()
res = common.results(twin, key, ())
k = S.kpis(twin, res)
c1, c2, c3, c4 = st.columns(4)
c1.metric("Racks", f"{k['racks']:,}")
c2.metric("IT load", common.fmt(k["it_mw"], "MW"))
c3.metric("Facility power", common.fmt(k["facility_mw"], "MW"))
c4.metric("Violations", k["violations"])
if len(res.violations):
    st.dataframe(res.violations, height=200)
column = st.selectbox("Colour racks by", S.colour_columns(S.rack_table(twin, res)), key="ed_colour")
common.show_scene(twin, key, res, column, (), height=480)

# ---------------------------------------------------------------- save
st.subheader("Save")
layout = st.session_state["layout"]
base = re.sub(r"[^A-Za-z0-9_.-]+", "-", layout.site.name.lower()).strip("-") or "layout"
c1, c2 = st.columns([3, 1])
fname = c1.text_input("File name in layouts/", value=f"{base}-edited.yaml", key="ed_fname")
text = to_yaml(layout)
c2.download_button(
    "Download YAML", text, file_name=fname or "layout.yaml", mime="application/x-yaml"
)
if st.button("Save as new file", key="ed_save"):
    if not re.fullmatch(r"[A-Za-z0-9_.-]+\.ya?ml", fname or ""):
        st.error("File name: letters, digits, '.', '_' and '-' only, ending in .yaml")
    elif (common.LAYOUTS / fname).exists():
        st.error(f"{fname} already exists: choose a new name (saving never overwrites).")
    else:
        path = save(layout, common.LAYOUTS / fname)
        common.set_layout(common.load_path(str(path)), common._name(path))
        st.success(f"Saved {common._name(path)}.")
