"""The layout's plausibility warnings on the Editor and the Dashboard: the same warnings
`twin validate` prints on stderr (file, line, component, value, typical range, source),
as sentences without column names; none for a shipped layout."""

from __future__ import annotations

import re

from test_pages import no_errors, panel, shown

from twin.cli import main
from twin.layout.plausibility import (
    AIR_FFD_CFD,
    AIR_KERNEL_CFD,
    OPPOSED_JETS,
    PlausibilityWarning,
    check_bytes,
)

CLI_LINE = re.compile(
    r"(?P<file>.+?):(?P<line>\d+): (?P<path>\S+): warning: (?P<id>\S+) (?P<field>\w+) = "
    r"(?P<value>.+?) is outside the typical (?P<range>.+?) \((?P<source>.+)\); check the "
    r"value and its unit"
)
"""A warning line of `twin validate`, read by hand (not with the module that writes it)."""
OLD = "{id: RA01, row: RA, slot: 0, profile: enterprise-10kw, power_kw: 5.0,"


def _tiny_rack_text(layouts_tmp) -> str:
    """small-room.yaml with rack RA01 at 0.01 kW (a unit slip: 10 W)."""
    text = (layouts_tmp / "small-room.yaml").read_text()
    assert text.count(OLD) == 1
    return text.replace(OLD, OLD.replace("power_kw: 5.0", "power_kw: 0.01"))


def _cli_warnings(capsys, path: str) -> list[dict]:
    assert main(["validate", path]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    err = [line for line in err if not _model_caution(line)]
    found = [CLI_LINE.fullmatch(line) for line in err]
    assert all(found), err
    return [m.groupdict() for m in found]


def _model_caution(text: str) -> bool:
    """An air model's caution (FFD or kernel: every layout here gets one) or the caution on
    two units that blow at each other (the AI hall's generated CRAH pairs)."""
    return AIR_FFD_CFD in text or AIR_KERNEL_CFD in text or OPPOSED_JETS in text


def _warnings(at) -> list[str]:
    """The sentences under the page's "N plausibility warnings" expander, but for the
    model cautions (`_model_caution`): the air model's, which every layout here gets once."""
    boxes = [e for e in at.expander if "plausibility warning" in e.label]
    assert len(boxes) == 1
    box = boxes[0]
    items = shown(box.markdown[0].value).splitlines()
    assert box.label == f"{len(items)} plausibility warning" + ("s" * (len(items) != 1))
    assert not box.proto.expanded  # collapsed until opened
    assert all(i.startswith("- ") for i in items)
    air = [i for i in items if AIR_FFD_CFD in i or AIR_KERNEL_CFD in i]
    assert len(air) == 1 and air[0].startswith("- Hall "), items
    assert "Rack inlets come from the" in air[0]
    return [i[2:] for i in items if not _model_caution(i)]


def _says_the_same(sentence: str, cli: dict, name: str) -> None:
    """The page's sentence carries every fact of the CLI's line, under the page's names."""
    assert sentence.startswith(f"Rack {cli['id']}: ")
    assert f" is {cli['value']}, outside the typical {cli['range']} " in sentence
    assert f"({cli['source']})" in sentence
    assert sentence.endswith(f"In {name}, line {cli['line']}.")
    assert cli["field"] not in sentence and "_" not in sentence  # "Rack power", not power_kw


def test_tiny_rack_warns_on_editor_and_dashboard_as_the_cli_does(
    app, layouts_tmp, monkeypatch, capsys
):
    (layouts_tmp / "tiny-rack.yaml").write_text(_tiny_rack_text(layouts_tmp))
    monkeypatch.chdir(layouts_tmp.parent)  # the CLI names the file as the page does
    (cli,) = _cli_warnings(capsys, "layouts/tiny-rack.yaml")
    assert (cli["file"], cli["id"], cli["value"], cli["range"]) == (
        "layouts/tiny-rack.yaml",
        "RA01",
        "0.01 kW",
        "1-700 kW",
    )
    at = app("editor")
    no_errors(at)
    assert _warnings(at) == []  # the shipped default layout
    at.selectbox(key="ed_ref").set_value("layouts/tiny-rack.yaml")
    at.button(key="ed_load_ref").click().run()
    no_errors(at)
    (sentence,) = _warnings(at)
    _says_the_same(sentence, cli, "layouts/tiny-rack.yaml")
    assert sentence.startswith("Rack RA01: Rack power (design) is 0.01 kW")
    at.switch_page("app_pages/dashboard.py").run()
    no_errors(at)
    assert _warnings(at) == [sentence]
    # an edit: the edited layout is checked again (its values; no file holds it yet)
    at.switch_page("app_pages/editor.py").run()
    panel(at, "Change rack").selectbox(key="ed_ch_rack").set_value("RA01").run()
    at.number_input(key="ed_ch_power_RA01").set_value(5.0)
    at.button(key="ed_change_btn").click().run()
    no_errors(at)
    assert _warnings(at) == []
    at.selectbox(key="ed_ch_rack").set_value("RA02").run()
    at.number_input(key="ed_ch_power_RA02").set_value(0.02)
    at.button(key="ed_change_btn").click().run()
    no_errors(at)
    (edited,) = _warnings(at)
    assert edited.startswith("Rack RA02: Rack power (design) is 0.02 kW, outside the typical ")
    assert "line" not in edited


def test_an_upload_warns_with_the_lines_of_the_bytes_sent(app, layouts_tmp):
    text = _tiny_rack_text(layouts_tmp)
    # the API's text for these bytes under the upload's name (the line `twin validate`
    # prints for a file of that name; no such file is written: the server would find it)
    (cli,) = [
        CLI_LINE.fullmatch(str(w)).groupdict()
        for w in check_bytes(text, "up.yaml")
        if isinstance(w, PlausibilityWarning)
    ]
    assert (cli["file"], cli["id"]) == ("up.yaml", "RA01")
    assert int(cli["line"]) == 1 + text[: text.index("{id: RA01,")].count("\n")  # RA01's own line
    at = app("editor")
    at.file_uploader(key="ed_upload").set_value(("up.yaml", text.encode(), "x")).run()
    no_errors(at)
    (sentence,) = _warnings(at)
    _says_the_same(sentence, cli, "up.yaml")


def test_a_shipped_layout_shows_no_warnings(app):
    at = app("dashboard")
    no_errors(at)
    assert at.session_state["layout_name"] == "layouts/ai-factory-hall.yaml"
    assert _warnings(at) == []  # but the model cautions


def test_a_value_from_a_profile_names_the_component_kind_and_the_profile(layouts_dir):
    from twin.app import plausibility as P
    from twin.layout import loads

    text = (layouts_dir / "small-room.yaml").read_text()
    assert text.count("    t_supply_c: 18.0\n") == 1
    text = text.replace("    t_supply_c: 18.0\n", "    t_supply_c: 8.0\n")
    line = 1 + text[: text.index("t_supply_c: 8.0")].count("\n")
    layout = loads(text, "cold.yaml")
    P.remember_upload(layout, "test-cold-profile", text.encode())
    got = [
        s for s in P.sentences(layout, "test-cold-profile", "cold.yaml") if not _model_caution(s)
    ]
    assert [s.split(":")[0] for s in got] == ["CRAH/CRAC CRAC-1, CRAC-2 and CRAC-3"]
    assert all(
        s.endswith(f"Set by its profile crac-120kw in cold.yaml, line {line}.")
        and " is 8 C, outside the typical 12-27 C (" in s
        for s in got
    ), got


def test_an_uncalibrated_air_field_hall_reads_as_a_sentence_with_its_line(layouts_dir):
    """The air-field caution (a ModelCaution, not a range) is a sentence too: it has no value
    or range, and the panel must not fail on it."""
    from twin.app import plausibility as P
    from twin.layout import loads
    from twin.layout.plausibility import AIR_FIELD_BLIND

    text = (layouts_dir / "small-room.yaml").read_text()
    assert text.count("  - id: ROOM\n") == 1
    text = text.replace("  - id: ROOM\n", "  - id: ROOM\n    air_model: field\n")
    line = 1 + text[: text.index("air_model: field")].count("\n")
    layout = loads(text, "field.yaml")
    P.remember_upload(layout, "test-field-caution", text.encode())
    (got,) = P.sentences(layout, "test-field-caution", "field.yaml")
    assert got.startswith("Hall ROOM: The air field") and AIR_FIELD_BLIND in got
    assert got.endswith(f"In field.yaml, line {line}.")
