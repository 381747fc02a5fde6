"""The editor's hall controls through AppTest: copy a hall with its equipment, undo, redo,
remove it; add an empty hall; a used id comes back as a message."""

from __future__ import annotations

from test_pages import metric, no_errors, panel, shown


def racks(at) -> int:
    return int(metric(at, "Racks").replace(",", ""))


def test_copy_hall_undo_redo_remove(app):
    at = panel(app("editor"), "Hall")
    n0, it0 = racks(at), metric(at, "IT load")
    at.selectbox(key="ed_newhall_src").set_value("H1")
    at.text_input(key="ed_newhall_id").set_value("H2")
    at.button(key="ed_newhall_btn").click().run()
    no_errors(at)
    assert any("Copied hall H1 to H2" in shown(s.value) for s in at.success)
    lay = at.session_state["layout"]
    assert [h.id for h in lay.halls] == ["H1", "H2"] and racks(at) == 2 * n0
    assert len(lay.power.ups) == 24 and "H2-UPS-A1" in {u.id for u in lay.power.ups}
    it1 = metric(at, "IT load")
    assert it1 != it0
    at.button(key="ed_undo_btn").click().run()
    no_errors(at)
    assert racks(at) == n0 and metric(at, "IT load") == it0
    assert len(at.session_state["layout"].power.ups) == 12
    at.button(key="ed_redo_btn").click().run()
    assert racks(at) == 2 * n0 and metric(at, "IT load") == it1
    # remove the copy: the hall and its 12 UPS, 24 busways, CRAHs... go with it
    at.selectbox(key="ed_hall_id").set_value("H2")
    at.button(key="ed_hall_remove_btn").click().run()
    no_errors(at)
    assert racks(at) == n0 and len(at.session_state["layout"].power.ups) == 12
    assert any("Removed hall H2" in shown(s.value) for s in at.success)


def test_add_empty_hall_and_used_id(app):
    at = panel(app("editor"), "Hall")
    lay0 = at.session_state["layout"]
    # typed, not applied: the field says at once that the id is taken
    at.text_input(key="ed_newhall_id").set_value("H1-UPS-A1").run()
    errs = [shown(e.value) for e in at.error]
    assert errs == ["new hall id: 'H1-UPS-A1' is already used; ids are unique across the layout"]
    at.button(key="ed_newhall_btn").click().run()  # applying it changes nothing, says it once
    assert not at.exception and [shown(e.value) for e in at.error] == errs
    assert at.session_state["layout"] is lay0
    at.text_input(key="ed_newhall_id").set_value("H 2").run()
    assert any("'H 2' is not allowed: 1-80 characters" in shown(e.value) for e in at.error)
    at.text_input(key="ed_newhall_id").set_value("H9")
    at.checkbox(key="ed_newhall_copy").uncheck()
    at.button(key="ed_newhall_btn").click().run()
    no_errors(at)
    lay = at.session_state["layout"]
    assert lay.halls[-1].id == "H9" and lay.halls[-1].racks == []


def test_bulk_edit_of_a_selection_in_a_row(app):
    at = panel(app("editor"), "Edit a whole row")
    at.selectbox(key="ed_bulk_row").set_value("H1-R02").run()
    at.multiselect(key="ed_bulk_racks_H1-R02").set_value(["H1-R02-03", "H1-R02-05"])
    at.number_input(key="ed_bulk_power").set_value(60.0)
    at.button(key="ed_bulk_btn").click().run()
    no_errors(at)
    power = {r.id: r.power_kw for h in at.session_state["layout"].halls for r in h.racks}
    assert power["H1-R02-03"] == power["H1-R02-05"] == 60.0
    assert power["H1-R02-04"] != 60.0 and power["H1-R01-03"] != 60.0  # only the picked ones
    assert any("Changed 2 racks of row H1-R02" in shown(s.value) for s in at.success)
    # a negative power is refused under the field, not applied (nor ignored in silence)
    at.number_input(key="ed_bulk_power").set_value(-5.0).run()
    assert any(
        "power_kw: -5.0 kW is not allowed: 0 to 1,000 kW" in shown(e.value) for e in at.error
    )


def test_removing_the_only_hall_is_a_message(app):
    at = panel(app("editor"), "Hall")
    at.button(key="ed_hall_remove_btn").click().run()
    assert not at.exception
    assert [shown(e.value) for e in at.error] == [
        "hall H1 is the layout's only hall: add or copy another before removing it"
    ]
    assert [h.id for h in at.session_state["layout"].halls] == ["H1"]
