"""2N UPS pairs in an outage: when one side's battery empties, its partner picks up the
dual-fed racks while its own battery lasts; load is dropped only when both are empty.
Closed forms for the emptying times, and the reference hall's A/B pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from twin.model import Twin
from twin.scenarios.timeline_ups import ups_bank
from twin.solve.timeline_outage import Outage, UpsBank, bridge

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"
EV = Outage(start_s=333.0, duration_s=3 * 3600.0)


def _pair(e_a, e_b, load_kw, k=1.0, h=0.25, shared=1.0):
    """Two UPSs, each carrying `load_kw` of the same dual-fed racks."""
    return UpsBank(["A", "B"], np.array([e_a, e_b]), np.array([h, h]), np.array([k, k]),
                   np.array([[load_kw, load_kw]]), np.inf, 0.0,
                   partner=np.array([1, 0]), shared=np.array([shared, shared]))  # fmt: skip


def _run(bank, dt):
    n = int(4 * 3600 / dt)
    return bridge(bank, EV, np.arange(n) * dt, dt, np.ones((n, 1)))


@pytest.mark.parametrize("dt", [1.0, 7.0, 60.0])
def test_the_larger_side_carries_both_until_the_pair_is_empty(dt):
    """Lossless batteries E_a = 30 < E_b = 50 kWh, each under L = 100 kW: A empties at
    E_a / L = 0.3 h; B then carries 2 L until (E_a + E_b) / (2 L) = 0.4 h; nothing is
    dropped before, 2 L after (until the utility returns at 3 h)."""
    e_a, e_b, load = 30.0, 50.0, 100.0
    u = _run(_pair(e_a, e_b, load), dt)
    assert u["time_to_empty_s"][0] == pytest.approx(e_a / load * 3600, rel=1e-12)
    assert u["time_to_empty_s"][1] == pytest.approx((e_a + e_b) / (2 * load) * 3600, rel=1e-12)
    assert u["discharge_kw"].sum() * dt / 3600 == pytest.approx(e_a + e_b, rel=1e-12)
    dropped = u["dropped_kw"].sum() * dt / 3600
    assert dropped == pytest.approx(2 * load * 3.0 - (e_a + e_b), rel=1e-12)
    # A's racks ride on B until the pair is empty: A's share is dropped only from 0.4 h
    assert u["dropped_kwh"][0] == pytest.approx(load * (3.0 - 0.4), rel=1e-12)
    assert u["peak_load_kw"][1] == pytest.approx(2 * load)


def test_equal_batteries_empty_together():
    u = _run(_pair(40.0, 40.0, 100.0), 1.0)
    assert u["time_to_empty_s"] == pytest.approx([0.4 * 3600, 0.4 * 3600], rel=1e-12)


@pytest.mark.parametrize("k", [1.05, 1.2])
def test_peukert_pair_closed_form(k):
    """Rated energy drawn at P (P / P_r)^(k - 1): A empties at H (P_r / L)^k; B has
    E_b - L (L / P_r)^(k - 1) t1 left, drawn at 2 L (2 L / P_r)^(k - 1)."""
    e_a, e_b, load, h = 30.0, 50.0, 100.0, 0.25

    def rate(p, e):
        return p * (p / (e / h)) ** (k - 1)

    t1 = e_a * 3600 / rate(load, e_a)
    t2 = t1 + (e_b * 3600 - rate(load, e_b) * t1) / rate(2 * load, e_b)
    u = _run(_pair(e_a, e_b, load, k=k, h=h), 1.0)
    assert u["time_to_empty_s"] == pytest.approx([t1, t2], rel=1e-12)


def test_racks_fed_from_one_side_alone_drop_when_it_empties():
    """40 % of A's load is on racks fed from A only: dropped at A's empty time; B picks up
    the other 60 %."""
    e_a, e_b, load = 30.0, 50.0, 100.0
    u = _run(_pair(e_a, e_b, load, shared=0.6), 1.0)
    t1 = e_a / load * 3600
    assert u["time_to_empty_s"][0] == pytest.approx(t1, rel=1e-12)
    left = e_b - load * t1 / 3600  # kWh, then under 1.6 L
    assert u["time_to_empty_s"][1] == pytest.approx(t1 + left / (1.6 * load) * 3600, rel=1e-12)
    k = int(EV.start_s + t1) + 2
    assert u["dropped_kw"][k] == pytest.approx(0.4 * load, rel=1e-9)


def test_the_reference_halls_a_and_b_ups_are_pairs():
    twin = Twin.load(LAYOUTS / "ai-factory-hall.yaml")
    bank = ups_bank(twin, ["H1"])
    ids = bank.ids
    for i, uid in enumerate(ids):  # H1-UPS-An with H1-UPS-Bn, every rack dual-fed
        assert ids[bank.partner[i]] == uid.replace("-A", "-X").replace("-B", "-A").replace(
            "-X", "-B"
        )
    assert np.allclose(bank.shared, 1.0)


def test_a_smaller_b_side_on_the_hall_is_carried_by_its_a_side():
    """The hall's B UPSs with half the battery, no generator: every B empties first; the A
    side carries both until the pair's energy is spent; nothing dropped before that."""
    import yaml

    from twin.layout.validate import validate_data
    from twin.scenarios.timeline import TimelineSpec, simulate

    raw = yaml.safe_load((LAYOUTS / "ai-factory-hall.yaml").read_text(encoding="utf-8"))
    full = raw["profiles"]["ups-2500"]
    full["battery"] = {**full["battery"], "energy_kwh": 110.0}
    raw["profiles"]["ups-half"] = {**full, "battery": {**full["battery"], "energy_kwh": 55.0}}
    for u in raw["power"]["ups"]:
        if "-UPS-B" in u["id"]:
            u["profile"] = "ups-half"
    for g in raw["power"]["generators"]:
        g["start_s"] = 600.0  # NFPA 110's slowest: the pairs run out before
    twin = Twin.from_layout(validate_data(raw, "hall-half-b.yaml"))
    spec = TimelineSpec(hours=1, dt_s=1.0, workload="training", weather=False,
                        outage=Outage(600.0, 1800.0), thermal=False)  # fmt: skip
    tl = simulate(twin, spec)
    u = tl.solved.ups
    a, b = u[u.index.str.contains("-A")], u[u.index.str.contains("-B")]
    assert (b["time_to_empty_s"] < a["time_to_empty_s"].min()).all()
    assert (a["time_to_empty_s"] < 600.0).all()  # before the generator: the pair runs out
    # nothing dropped until the A side is empty too; then both sides' racks until 600 s
    drop = tl.steps["load_dropped_kw"].to_numpy()
    t_pair = 600.0 + a["time_to_empty_s"].min()
    assert drop[: int(t_pair)].max() == 0.0 and drop[int(t_pair) + 1 : 1200].min() > 0
    assert a["peak_load_kw"].min() > 1.9 * b["peak_load_kw"].max()  # A carried both sides
    assert abs(tl.kpis["balance_residual_rel"]) < 1e-9
    assert abs(tl.kpis["heat_balance_residual_rel"]) < 1e-9


def _hall(**subs) -> Twin:
    import yaml

    from twin.layout.validate import validate_data

    text = (LAYOUTS / "ai-factory-hall.yaml").read_text(encoding="utf-8")
    for old, new in subs.items():
        assert old in text
        text = text.replace(old, new)
    return Twin.from_layout(validate_data(yaml.safe_load(text), "hall-gens.yaml"))


def test_each_generator_has_its_own_start_and_capacity():
    """GEN-A 5 MVA (4 MW at pf 0.8) starting at 10 s, GEN-B 20 MVA starting at 60 s: the bank
    knows each UPS's own start; GEN-A would carry 199 % of its rating (the A side's half of
    the hall, twin ride-through's figure): it trips (`twin.solve.generator_trip`), so its
    UPSs get no generator and the pairs bridge until GEN-B starts at 60 s; the batteries'
    trough is the 60 s one, deeper than the reference hall's 10 s one. (Before audit 7 F2
    GEN-A was a generator_overload delivering 13.3 MW against its 4 MW.)"""
    from twin.scenarios.timeline import TimelineSpec, simulate

    a_line = "{id: B01-GEN-A, voltage_kv: 22.9, rating_kva: 20000.0, start_s: 10.0}"
    b_line = "{id: B01-GEN-B, voltage_kv: 22.9, rating_kva: 20000.0, start_s: 10.0}"
    twin = _hall(**{a_line: a_line.replace("20000.0", "5000.0"),
                    b_line: b_line.replace("start_s: 10.0", "start_s: 60.0")})  # fmt: skip
    bank = ups_bank(twin, ["H1"])
    starts = dict(zip(bank.ids, bank.ups_gen_start_s, strict=True))
    assert set(bank.tripped) == {"B01-GEN-A"} and bank.tripped["B01-GEN-A"][1] > 100.0
    assert starts["H1-UPS-A1"] == np.inf and starts["H1-UPS-B1"] == 60.0
    assert bank.gen_ids == ("B01-GEN-B",) and bank.gen_cap_kw == pytest.approx([16000.0])
    spec = TimelineSpec(hours=1, dt_s=1.0, workload="training", weather=False,
                        outage=Outage(600.0, 600.0), thermal=False)  # fmt: skip
    tl = simulate(twin, spec)
    v = tl.violations
    trip = v[v["kind"] == "generator_trip"]
    assert list(trip["component"]) == ["B01-GEN-A"]
    assert trip["start_s"].iat[0] == 610.0 and trip["duration_s"].iat[0] == 590.0
    assert trip["value"].iat[0] == pytest.approx(bank.tripped["B01-GEN-A"][1])
    assert "B01-GEN-A" not in set(v.loc[v["kind"] != "generator_trip", "component"])
    assert tl.steps["grid_kw"].iloc[600:1200].abs().max() < 1e-6  # the utility is out
    # nothing from a generator until GEN-B starts at 60 s; it carries the hall from then
    assert tl.steps["generator_kw"].iloc[600:660].abs().max() < 1e-9
    assert tl.steps["generator_kw"].iloc[661:1199].gt(0).all()
    same = simulate(Twin.load(LAYOUTS / "ai-factory-hall.yaml"), spec)
    assert tl.kpis["ups_soc_min_frac"] < same.kpis["ups_soc_min_frac"]
    assert abs(tl.kpis["balance_residual_rel"]) < 1e-9
    assert abs(tl.kpis["heat_balance_residual_rel"]) < 1e-9
