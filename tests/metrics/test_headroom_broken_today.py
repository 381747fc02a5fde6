"""A site already past a limit has a negative IT headroom: the IT to shed (audit 7 F3).

It read 0.0 kW, the figure of a site exactly at its limit, beside "Violations: 0", while
`twin info --stranded` let the power margin go negative and clamped the cooling one. Each
answer here is checked against full solves of the binding failure a little either side of
the shed, and the CLI's views against the API's."""

from __future__ import annotations

import json

import pytest

from tests.layout_edit import edited_layout
from twin.cli import main
from twin.metrics.headroom import headroom
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.scenarios.sweep import brute_force
from twin.solve import run


def _rack(doc: dict, rack_id: str) -> dict:
    return next(r for h in doc["halls"] for r in h["racks"] if r["id"] == rack_id)


@pytest.fixture(scope="module")
def over(layouts_dir, tmp_path_factory) -> str:
    """small-room with RA07 at 75 kW: 249 kW of IT on 3 x 120 kW CRACs, past N+1 (any CRAC
    lost leaves ~22 kW unremoved)."""
    return edited_layout(
        layouts_dir / "small-room.yaml",
        tmp_path_factory.mktemp("over"),
        "over.yaml",
        lambda doc: _rack(doc, "RA07").update(power_kw=75.0),
    )


def _scale(h, frac: float) -> Scenario:
    """The scope's racks at today's IT plus `frac` x the headroom (a shed when negative)."""
    return Scenario(load_scale={"*": (h.it_now_kw + frac * h.it_kw) / h.it_now_kw})


def test_past_n1_cooling_the_headroom_is_the_it_to_shed(over):
    twin = Twin.load(over)
    h = headroom(twin)
    # hand: 249 kW IT + ~12 kW fans and losses on 2 x 120 kW left: ~20 kW of IT too much
    assert -25.0 < h.it_kw < -15.0 and h.binding.startswith("N-1 (cooling): CRAC-")
    assert "already broken: shed" in h.reason and not h.unrestorable
    failed = h.binding.split(": ")[1].removesuffix(" failed")
    for frac, short in ((1.01, False), (0.99, True)):
        r = brute_force(twin, [(failed,)], _scale(h, frac)).iloc[0]
        assert (r["cooling_shortfall_kw"] > 1e-6) == short, (frac, r.to_dict())
    assert run(twin).violations.empty  # the normal state itself breaks nothing


def test_cli_solve_and_stranded_say_the_same_negative_headroom(capsys, over):
    h = headroom(Twin.load(over))
    assert main(["solve", over, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["headroom"]
    assert got["it_headroom_kw"] == pytest.approx(h.it_kw, abs=0.05)
    assert got["binding_constraint"] == h.binding and got["unrestorable"] is False
    assert main(["info", over, "--stranded", "--json", "--no-headroom"]) == 0
    site = json.loads(capsys.readouterr().out)["stranded"]["site"]
    assert site["it_headroom_kw"] == pytest.approx(h.it_kw, abs=0.05)
    assert site["cooling_margin_kw"] == pytest.approx(h.it_kw, abs=0.05)  # not clamped at 0
    assert main(["solve", over]) == 0
    text = capsys.readouterr().out
    assert f"{h.it_kw:.1f}" in text and "already broken: shed" in text


def test_a_pdu_that_cannot_carry_its_partner(layouts_dir, tmp_path):
    """PDU-1/2 at 120 kVA each carry ~99 kVA; either alone would carry ~199 kVA: ~79 kVA x
    0.96 = ~76 kW of IT too much (hand)."""

    def small_pdus(doc: dict) -> None:
        for pdu in doc["power"]["pdus"]:
            pdu["rating_kva"] = 120.0

    twin = Twin.load(edited_layout(layouts_dir / "small-room.yaml", tmp_path, "p.yaml", small_pdus))
    h = headroom(twin)
    assert -80.0 < h.it_kw < -70.0 and h.binding.startswith("N-1 (power): PDU-")
    failed = h.binding.split(": ")[1].removesuffix(" failed")
    for frac, over_100 in ((1.01, False), (0.99, True)):
        r = brute_force(twin, [(failed,)], _scale(h, frac)).iloc[0]
        assert (r["max_loading_pct"] > 100.0) == over_100, (frac, r.to_dict())


def test_shedding_the_whole_scope_may_not_restore_it(layouts_dir, tmp_path):
    """hybrid-inference on a 10 MW contract (it draws ~13 MW): one row's 2.1 MW shed does
    not bring the campus under it, so the row's headroom is all its IT, named unrestorable."""

    def small_grid(doc: dict) -> None:
        doc["site"]["grid_mw"] = 10.0

    path = edited_layout(layouts_dir / "hybrid-inference.yaml", tmp_path, "g.yaml", small_grid)
    twin = Twin.load(path)
    row = twin.racks["row"].iloc[0]
    h = headroom(twin, scope=row, n1_check=False)
    it_row = float(twin.racks.loc[twin.racks["row"] == row, "power_kw"].sum())
    assert h.unrestorable and h.it_kw == pytest.approx(-it_row)
    assert h.binding == "grid connection" and "all of the scope's IT shed" in h.reason
    # one answer: the binding row's margin is the headroom, and the table's least
    assert h.table.at[h.binding, "margin_kw"] == h.it_kw == h.table["margin_kw"].min()
    off = {r: 0.0 for r in twin.racks.index[twin.racks["row"] == row]}
    kinds = set(run(twin, Scenario(load_scale=off)).violations["kind"])
    assert "grid_limit" in kinds  # the full solve with the row off: still over the contract


def test_a_limit_with_no_capacity_left_has_a_margin_not_nan():
    """A constraint broken at any load (its utilisation infinite: small-room with two of
    three CRACs failed leaves the hall's air one unit short of any) has no margin past the
    feasible end. It read NaN, from inf / inf, with a RuntimeWarning in `twin solve`."""
    import math
    import warnings

    from twin.metrics.headroom_search import margin_table

    ua = {"CRAH air": math.inf, "UPS": 0.5}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        table = margin_table(ua, None, ua, 0.0, None, "UPS", 100.0)
    assert table.loc["CRAH air", "margin_kw"] == 0.0
    assert not table["margin_kw"].isna().any()
