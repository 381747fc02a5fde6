"""Small hand-made layouts for the power tests, built from YAML text."""

from __future__ import annotations

from twin.layout import loads
from twin.model import Twin

HEAD = """
format_version: 1
site: {name: test, grid_mw: 10.0}
halls:
  - id: H
    size_m: [20.0, 10.0]
    rows: [{id: R, origin_m: [1.0, 2.0]}]
    racks:
"""


def racks(
    n: int,
    kw: float,
    feed_a: str,
    feed_b: str | None = None,
    pf: float = 0.97,
    split_a: float = 0.5,
) -> str:
    b = f", feed_b: {feed_b}" if feed_b else ""
    return "".join(
        f"      - {{id: K{i:02d}, row: R, slot: {i}, power_kw: {kw}, power_factor: {pf}, "
        f"feed_a: {feed_a}{b}, split_a: {split_a}}}\n"
        for i in range(n)
    )


def twin_of(rack_text: str, power: str, name: str = "test.yaml") -> Twin:
    """A Twin from rack lines (see `racks`) and a `power:` section body."""
    return Twin.from_layout(loads(HEAD + rack_text + "power:\n" + power + COOLING, name))


COOLING = """
cooling:
  crahs:
    - {id: C1, hall: H, type: crac, capacity_kw: 2000.0, airflow_m3_s: 50.0, fan_kw: 10.0}
"""


TWO_N = """
  utilities: [{id: U, voltage_kv: 22.9, capacity_mva: 5.0}]
  generators: [{id: G, voltage_kv: 0.415, rating_kva: 2000.0}]
  transformers:
    - {id: TA, upstream: U, rating_kva: 1500.0, v_primary_kv: 22.9, v_secondary_kv: 0.415, cable_length_m: 50.0}
    - {id: TB, upstream: U, rating_kva: 1500.0, v_primary_kv: 22.9, v_secondary_kv: 0.415, cable_length_m: 60.0}
  switchgear:
    - {id: SA, upstream: TA, alternate: G, rating_kva: 1500.0, cable_length_m: 10.0, cable_parallel: 4}
    - {id: SB, upstream: TB, alternate: G, rating_kva: 1500.0, cable_length_m: 12.0, cable_parallel: 4}
  ups:
    - {id: UA, upstream: SA, rating_kva: 1000.0, cable_length_m: 20.0, cable_parallel: 3}
    - {id: UB, upstream: SB, rating_kva: 1000.0, cable_length_m: 25.0, cable_parallel: 3, mode: eco,
       loss_noload: 0.002, loss_prop: 0.003, loss_square: 0.004}
  pdus:
    - {id: PA, upstream: UA, rating_kva: 600.0, cable_length_m: 30.0, cable_parallel: 2}
    - {id: PB, upstream: UB, rating_kva: 600.0, cable_length_m: 35.0, cable_parallel: 2, loss_pct: 1.0}
"""


def two_n(n: int = 10, kw: float = 40.0, split_a: float = 0.5) -> Twin:
    """2N: utility -> 2 transformers -> switchgear (ATS to a generator) -> UPS (A double conversion, B eco) -> PDU."""
    return twin_of(racks(n, kw, "PA", "PB", split_a=split_a), TWO_N)
