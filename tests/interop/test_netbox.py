"""NetBox import: exports -> layout -> solve.

Two exports: tests/data/netbox/export.json, hand-built to NetBox's REST schema, whose
rack draws are summed by hand with the devicetype-library file next to it; and
tests/data/netbox/recorded/, the pages a real NetBox 4.4.10 returned, whose rack draws
the tests sum from its own JSON (allocated_draw where given, else maximum_draw)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from twin.cli import main
from twin.errors import LayoutError
from twin.interop.netbox import read_device_types, read_export, to_layout
from twin.layout import loads
from twin.model import Twin
from twin.solve import run

DATA = Path(__file__).resolve().parents[1] / "data" / "netbox"
EXPECTED_W = {
    "A01": 10 * (450 + 450) + 600,  # 1U templates (allocated) + switch (maximum only)
    "A02": 3 * (2700 + 2700 + 3300 + 3300),  # library YAML: allocated, else maximum
    "B01": (380 + 380) + (450 + 450),  # own power ports first, then the type's templates
    "B03": 600,  # a switch on a redundant feed only
}
UNMAPPED = {
    "device 1202": "no maximum_draw/allocated_draw",
    "device 1500": "in no rack",
    "rack 104": "no power feed",
    "rack 201": "no device with a power draw",
    "power-feed 608": "assigned to no rack",
    "power-feed 609": "DC supply",
}


@pytest.fixture(scope="module")
def imported():
    return to_layout(read_export(DATA / "export.json"), read_device_types(DATA / "device-types"))


def test_round_trip_rack_powers_equal_the_export_sums(imported):
    layout = loads(yaml.safe_dump(imported.layout), "netbox.yaml")  # validates
    twin = Twin.from_layout(layout)
    assert dict(imported.rack_w) == EXPECTED_W
    kw = twin.racks["power_kw"].to_dict()
    assert kw == {k: w / 1000.0 for k, w in EXPECTED_W.items()}
    r = run(twin)
    assert (r["res_racks"]["p_kw"] - twin.racks["power_kw"]).abs().max() < 1e-9
    assert r.kpis["it_kw"] == pytest.approx(sum(EXPECTED_W.values()) / 1000.0, rel=1e-12)
    assert not r.violations["kind"].isin(["not_converged", "non_finite", "not_balanced"]).any()
    assert abs(r.kpis["power_balance_residual_kw"]) < 1e-6


def test_rows_and_feeds_follow_locations_and_feed_types(imported):
    twin = Twin.from_layout(loads(yaml.safe_dump(imported.layout), "netbox.yaml"))
    racks = twin.racks
    assert racks.loc["A01", "row"] == racks.loc["A02", "row"] == "row-a"
    assert racks.loc["B01", "row"] == racks.loc["B03", "row"] == "row-b"
    assert list(racks.loc[["A01", "A02"], "slot"]) == [0, 1]  # name order along the row
    assert racks.loc["A01", "feed_a"] == "PP-Panel-A" and racks.loc["A01", "feed_b"] == "PP-Panel-B"
    # only a redundant feed: that panel carries the rack, with no second feed
    assert racks.loc["B03", "feed_a"] == "PP-Panel-B"
    assert not isinstance(racks.loc["B03", "feed_b"], str)
    # panel rating = NetBox's available power of its AC feeds: 400 V x 63 A x sqrt3 x 0.8
    pdus = {p["id"]: p["rating_kva"] for p in imported.layout["power"]["pdus"]}
    one = 400 * 63 * 3**0.5 * 0.8 / 1000
    assert pdus["PP-Panel-A"] == pytest.approx(4 * one, abs=5e-4)  # 3 racks + spare (not DC)
    assert pdus["PP-Panel-B"] == pytest.approx(4 * one, abs=5e-4)


def test_unmapped_objects_are_listed_by_id(imported):
    text = "\n".join(imported.unmapped)
    assert len(imported.unmapped) == len(UNMAPPED)
    for obj, why in UNMAPPED.items():
        assert any(line.startswith(obj) and why in line for line in imported.unmapped), (obj, text)
    assert any("NB-GRID" in a for a in imported.added) and any("CRAC" in a for a in imported.added)


def test_hall_filter_and_nothing_to_import(imported):
    export = read_export(DATA / "export.json")
    lib = read_device_types(DATA / "device-types")
    assert to_layout(export, lib, ["DC One"]).rack_w == imported.rack_w
    with pytest.raises(LayoutError, match="no rack could be imported"):
        to_layout(export, lib, ["dc2"])  # its one rack has no device


def test_without_the_library_the_gpu_servers_are_unmapped():
    imp = to_layout(read_export(DATA / "export.json"))
    assert "A02" not in imp.rack_w
    assert sum(line.startswith("device 110") for line in imp.unmapped) == 3
    assert any(line.startswith("rack 102") for line in imp.unmapped)


def test_a_folder_export_and_bad_input(tmp_path):
    doc = json.loads((DATA / "export.json").read_text())
    for key, value in doc.items():
        (tmp_path / f"{key}.json").write_text(json.dumps(value))
    assert read_export(tmp_path).keys() == doc.keys()
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(LayoutError, match=r"bad.json:1: not JSON"):
        read_export(tmp_path / "bad.json")
    (tmp_path / "norack.json").write_text(json.dumps({"sites": []}))
    with pytest.raises(LayoutError, match="no 'racks' list"):
        read_export(tmp_path / "norack.json")


def test_cli_writes_a_layout_that_loads_and_reports(tmp_path, capsys):
    out = tmp_path / "nb.yaml"
    argv = ["import-netbox", str(DATA / "export.json"), "-o", str(out),
            "--device-types", str(DATA / "device-types"), "--json"]  # fmt: skip
    assert main(argv) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["racks"] == 4 and rep["it_kw"] == pytest.approx(47.86, rel=1e-12)
    assert len(rep["unmapped"]) == len(UNMAPPED)
    assert Twin.load(out).racks["power_kw"].sum() == pytest.approx(47.86, rel=1e-12)
    assert main(["import-netbox", str(tmp_path / "missing.json"), "-o", str(out)]) == 2
    assert "missing.json: file not found" in capsys.readouterr().err


def test_racks_with_no_location_share_one_row_per_site():
    export = read_export(DATA / "export.json")
    for r in export["racks"]:
        if r["name"] in ("B01", "B03"):
            r["location"] = None
    imp = to_layout(export, read_device_types(DATA / "device-types"))
    twin = Twin.from_layout(loads(yaml.safe_dump(imp.layout), "netbox.yaml"))
    assert list(twin.racks.loc[["B01", "B03"], "row"]) == ["DC1-ROW", "DC1-ROW"]
    assert list(twin.racks.loc[["B01", "B03"], "slot"]) == [0, 1]
    assert imp.rack_w == EXPECTED_W


def test_a_rack_named_like_a_row_or_panel_keeps_its_netbox_id():
    export = read_export(DATA / "export.json")
    for r in export["racks"]:
        if r["name"] == "A01":
            r["name"] = "row-b"  # the id of a row
        if r["name"] == "A02":
            r["name"] = "PP-Panel-A"  # the id of a PDU
    imp = to_layout(export, read_device_types(DATA / "device-types"))
    twin = Twin.from_layout(loads(yaml.safe_dump(imp.layout), "netbox.yaml"))
    assert {"row-b-101", "PP-Panel-A-102"} <= set(twin.racks.index)
    assert imp.rack_w["row-b-101"] == EXPECTED_W["A01"]


# --- a RECORDED export: NetBox 4.4.10's REST list pages, as it returned them ---------------
RECORDED = DATA / "recorded"


def _results(endpoint: str) -> list[dict]:
    return json.loads((RECORDED / f"{endpoint}.json").read_text())["results"]


def _recorded_rack_w(ports: list[dict]) -> dict[str, float]:
    """Rack name -> summed W of its devices' power ports (allocated_draw, else maximum_draw),
    straight from the recorded JSON; racks with no fed device are left out."""
    dev_rack = {d["id"]: (d["rack"] or {}).get("name") for d in _results("devices")}
    fed = {f["rack"]["name"] for f in _results("power-feeds") if f["rack"]}
    out: dict[str, float] = {}
    for p in ports:
        rack = dev_rack[p["device"]["id"]]
        w = p["allocated_draw"] if p["allocated_draw"] is not None else p["maximum_draw"]
        if rack in fed and w:
            out[rack] = out.get(rack, 0.0) + w
    return out


@pytest.fixture(scope="module")
def recorded():
    return to_layout(read_export(RECORDED))


def test_recorded_export_imports_validates_and_solves(recorded):
    expected = _recorded_rack_w(_results("power-ports"))
    assert expected["A02"] == 3 * 6 * 1700 + 2 * 300  # DGX H100 PSUs (allocated) + switch (max)
    assert expected["A03"] == 2 * 650 + 3 * 2 * 900  # own ports' allocation over the template's
    assert recorded.rack_w == expected
    twin = Twin.from_layout(loads(yaml.safe_dump(recorded.layout), "netbox.yaml"))  # validates
    assert twin.racks["power_kw"].to_dict() == pytest.approx(
        {k: w / 1e3 for k, w in expected.items()}
    )
    r = run(twin)
    assert r["res_racks"]["p_kw"].to_dict() == pytest.approx(
        {k: w / 1e3 for k, w in expected.items()}
    )
    assert r.kpis["it_kw"] == pytest.approx(sum(expected.values()) / 1e3, rel=1e-12)
    assert not r.violations["kind"].isin(["not_converged", "non_finite", "not_balanced"]).any()
    assert abs(r.kpis["power_balance_residual_kw"]) < 1e-6
    racks = twin.racks  # rows from NetBox locations, feeds from the primary/redundant type
    assert set(racks.loc[["A01", "A02", "A03"], "row"]) == {"row-a"}
    assert racks.loc["A01", "feed_a"] == "PP-Panel-A" and racks.loc["A01", "feed_b"] == "PP-Panel-B"
    assert racks.loc["B02", "feed_a"] == "PP-Panel-B"  # a redundant feed only


def test_recorded_panels_rated_as_netbox_computes_available_power(recorded):
    # NetBox's PowerFeed.save(): |V| x A x max_utilization/100 (x 1.732 three-phase), AC only here
    kw: dict[str, float] = {}
    for f in _results("power-feeds"):
        if f["supply"]["value"] == "ac":
            w = abs(f["voltage"]) * f["amperage"] * f["max_utilization"] / 100
            w *= 1.732 if f["phase"]["value"] == "three-phase" else 1.0
            pdu = "PP-" + f["power_panel"]["name"].replace(" ", "-")
            kw[pdu] = kw.get(pdu, 0.0) + w / 1e3
    pdus = {p["id"]: p["rating_kva"] for p in recorded.layout["power"]["pdus"]}
    assert pdus == pytest.approx(kw, rel=1e-4)  # 1.732 vs sqrt(3)


def test_recorded_unmapped_objects_are_listed(recorded):
    expected = {
        "device 10 (a01-patch)": "no maximum_draw/allocated_draw",  # a patch panel
        "device 11 (a01-pdu-a)": "no maximum_draw/allocated_draw",  # rack PDUs, cabled to feeds
        "device 12 (a01-pdu-b)": "no maximum_draw/allocated_draw",
        "device 29 (b03-patch)": "no maximum_draw/allocated_draw",
        "device 31 (spare-r650)": "in no rack",
        "power-feed 12 (Spare-A)": "assigned to no rack",
        "power-feed 13 (DC-48V)": "DC supply",
        "rack 6 (B03)": "no device with a power draw",
        "rack 7 (B04)": "no power feed",
    }
    assert len(recorded.unmapped) == len(expected), recorded.unmapped
    for obj, why in expected.items():
        assert any(line.startswith(obj) and why in line for line in recorded.unmapped), obj


def test_recorded_templates_alone_give_the_device_types_draw():
    export = read_export(RECORDED)
    del export["power-ports"]  # an export without the devices' own ports: the types' templates
    imp = to_layout(export)
    expected = _recorded_rack_w(_results("power-ports"))
    expected["A03"] = 4 * 2 * 900  # the template's allocation, not a03-srv01's own 650 W
    assert imp.rack_w == expected


def test_cli_imports_the_recorded_folder(tmp_path, capsys):
    out = tmp_path / "nb.yaml"
    assert main(["import-netbox", str(RECORDED), "-o", str(out), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    it_kw = sum(_recorded_rack_w(_results("power-ports")).values()) / 1e3
    assert rep["racks"] == 5 and rep["it_kw"] == pytest.approx(it_kw, rel=1e-12)
    assert Twin.load(out).racks["power_kw"].sum() == pytest.approx(it_kw, rel=1e-12)


# --- malformed exports: located errors, never a traceback ---------------------------------
def _mutated(tmp_path, edit) -> Path:
    doc = json.loads((DATA / "export.json").read_text())
    edit(doc)
    f = tmp_path / "bad-export.json"
    f.write_text(json.dumps(doc))
    return f


def _first(doc, endpoint):
    v = doc[endpoint]
    return (v["results"] if isinstance(v, dict) else v)[0]


MALFORMED = {
    # each used to end in a KeyError / ValueError / TypeError traceback ("this is a bug")
    # or, for the amperage, to lower the panel's rating in silence
    "site without id": (lambda d: _first(d, "sites").pop("id"), "sites[0].id"),
    "panel without id": (lambda d: _first(d, "power-panels").pop("id"), "power-panels[0].id"),
    "voltage not a number": (
        lambda d: _first(d, "power-feeds").__setitem__("voltage", "abc"),
        "power-feeds[0].voltage",
    ),
    "negative amperage": (
        lambda d: _first(d, "power-feeds").__setitem__("amperage", -63),
        "power-feeds[0].amperage",
    ),
    "utilisation not a number": (
        lambda d: _first(d, "power-feeds").__setitem__("max_utilization", "x"),
        "power-feeds[0].max_utilization",
    ),
    "phase not a choice": (
        lambda d: _first(d, "power-feeds").__setitem__("phase", ["three"]),
        "power-feeds[0].phase",
    ),
    "reference a list": (lambda d: _first(d, "racks").__setitem__("site", [1, 2]), "racks[0].site"),
    "draw infinite": (
        lambda d: _first(d, "power-port-templates").__setitem__("maximum_draw", float("inf")),
        "power-port-templates[0].maximum_draw",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_export_is_a_located_error(case, tmp_path, capsys):
    edit, where = MALFORMED[case]
    f = _mutated(tmp_path, edit)
    out = tmp_path / "nb.yaml"
    argv = ["import-netbox", str(f), "-o", str(out), "--device-types", str(DATA / "device-types")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{f}: {where}" in err, err
    assert "NetBox's field" in err or "id" in err
    assert not out.exists()


def test_an_imported_layout_that_does_not_validate_names_the_export(tmp_path, capsys):
    """Draws NetBox accepts but no rack has (2 GW): the schema refuses the rack; the message
    names the export and says the output was not written (it named the output's lines)."""
    f = _mutated(
        tmp_path,
        lambda d: _first(d, "power-port-templates").__setitem__("allocated_draw", 2_000_000_000),
    )
    out = tmp_path / "nb.yaml"
    argv = ["import-netbox", str(f), "-o", str(out), "--device-types", str(DATA / "device-types")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{f} (imported; {out} not written): halls[0].racks[" in err, err
    assert f"{out}:" not in err and not out.exists()


def test_a_library_type_with_a_bad_draw_names_its_file(tmp_path):
    (tmp_path / "gpu.yaml").write_text(
        "slug: gpu-x\npower-ports:\n  - {name: PSU1, maximum_draw: lots}\n"
    )
    with pytest.raises(LayoutError, match=r"gpu\.yaml: power-ports\[0\]\.maximum_draw: 'lots'"):
        read_device_types(tmp_path)


def test_a_folder_export_names_the_endpoint_file(tmp_path, capsys):
    doc = json.loads((DATA / "export.json").read_text())
    _first(doc, "power-feeds")["voltage"] = "230V"
    for key, value in doc.items():
        (tmp_path / f"{key}.json").write_text(json.dumps(value))
    out = tmp_path / "nb.yaml"
    assert main(["import-netbox", str(tmp_path), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'power-feeds.json'}: power-feeds[0].voltage" in err, err
