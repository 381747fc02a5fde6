"""The IT headroom names the element that limits, not the failure it was found in (audit
input 2, #2).

small-room.yaml with UPS-1 at 150 kVA (131.9 % today) read 'binding constraint: N-1 (power):
PDU-1 failed', with TX-1 at 250 kVA (111.7 %) 'N-1 (cooling): CRAC-1 failed': the failure
case that carries the same overloaded element a few tenths of a kW harder took the name, and
an engineer would have added cooling for a transformer overloaded in normal operation. The
number was right and stays so; the name, the stranded split's sides and the CLI's line now
name the element, with today's loading and the failure that loads it more."""

from __future__ import annotations

import pytest

from tests.layout_edit import edited_layout
from twin.cli import main
from twin.metrics.headroom import headroom
from twin.metrics.stranded import site_row
from twin.model import Twin


def _rated(kind: str, cid: str, kva: float):
    def edit(doc: dict) -> None:
        next(e for e in doc["power"][kind] if e["id"] == cid)["rating_kva"] = kva

    return edit


CASES = {
    # element rated down, its constraint, its loading today, the headroom (kW) as before
    "ups-150": (("ups", "UPS-1", 150.0), "UPS UPS-1", "131.9 %", -46.2),
    "tx-250": (("transformers", "TX-1", 250.0), "transformer TX-1", "111.7 %", -21.1),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request, layouts_dir, tmp_path_factory):
    edit, name, today, kw = CASES[request.param]
    path = edited_layout(
        layouts_dir / "small-room.yaml",
        tmp_path_factory.mktemp(request.param),
        f"{request.param}.yaml",
        _rated(*edit),
    )
    twin = Twin.load(path)
    return path, twin, headroom(twin), name, today, kw


def test_an_element_overloaded_today_binds_by_its_name(case):
    _, _, h, name, today, kw = case
    assert h.binding == name, h.reason
    assert h.reason.startswith(f"{name} ({today} today, more with "), h.reason
    assert h.binding_failure and f"more with {h.binding_failure} failed;" in h.reason
    assert "already broken: shed" in h.reason and "N-1" not in h.reason
    # the number is the one it was (the failure case's full solves bound it)
    assert h.it_kw == pytest.approx(kw, abs=0.3)
    assert h.table.at[h.binding, "margin_kw"] == h.it_kw == h.table["margin_kw"].min()
    assert h.as_dict()["binding_constraint"] == name


def test_the_stranded_split_blames_power_not_cooling(case):
    _, twin, h, name, *_ = case
    row = site_row(twin, room=h).iloc[0]
    assert row["binding_constraint"] == row["power_binding"] == name
    assert row["power_margin_kw"] == h.it_kw
    # the CRAC failure cases break by the overloaded element: power, not a cooling shortfall
    assert row["cooling_margin_kw"] > 0 and row["cooling_binding"] == "CRAH air (hall ROOM)"
    crac = [n for n in h.table.index if n.startswith("N-1 (cooling): CRAC-")]
    assert crac and set(h.table.loc[crac, "domain"]) == {"power"}


def test_twin_solve_prints_the_same_binding(case, capsys):
    path, _, h, name, *_ = case
    assert main(["solve", path]) == 0
    out = capsys.readouterr().out
    assert f"binding constraint: {h.reason}" in out and f"binding constraint: {name} (" in out


def test_a_failure_that_overloads_an_element_names_it(layouts_dir, tmp_path):
    """TX-1 at 290 kVA holds today (96 %) and a CRAC failure's faster fans take it over: the
    failure binds, and the line says what it overloads; that row counts in power."""
    edit = _rated("transformers", "TX-1", 290.0)
    path = edited_layout(layouts_dir / "small-room.yaml", tmp_path, "tx-290.yaml", edit)
    h = headroom(Twin.load(path))
    assert h.it_kw > 0 and h.binding.startswith("N-1 (cooling): CRAC-"), h.reason
    assert h.reason == f"{h.binding}, overloading transformer TX-1"
    assert h.binding_limit == "transformer TX-1" and h.binding_failure is None
    assert h.table.at[h.binding, "domain"] == "power"
