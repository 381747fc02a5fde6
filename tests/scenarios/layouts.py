"""Hand-made layouts for the scenario tests (YAML text -> Twin)."""

from __future__ import annotations

import yaml

from twin.layout import loads, validate_data
from twin.model import Twin

NESTED = """
format_version: 1
site: {name: nested transfers, grid_mw: 10.0}
halls:
  - id: H
    size_m: [20.0, 10.0]
    height_m: 4.0
    rows: [{id: R, origin_m: [1.0, 2.0]}]
    racks:
      - {id: K00, row: R, slot: 0, power_kw: 40.0, feed_a: PA, feed_b: PB, split_a: 0.3}
      - {id: K01, row: R, slot: 1, power_kw: 60.0, feed_a: PA, feed_b: PB, split_a: 0.5}
      - {id: K02, row: R, slot: 2, power_kw: 80.0, power_factor: 0.9, feed_a: PA, feed_b: PB}
      - {id: K03, row: R, slot: 3, power_kw: 30.0, feed_a: PC}
      - {id: K04, row: R, slot: 4, power_kw: 50.0, feed_a: PA, feed_b: PC, split_a: 0.7}
      - {id: K05, row: R, slot: 5, power_kw: 20.0, feed_a: PB}
power:
  utilities:
    - {id: U1, voltage_kv: 22.9, capacity_mva: 5.0}
    - {id: U2, voltage_kv: 22.9, capacity_mva: 5.0}
  generators:
    - {id: G1, voltage_kv: 0.415, rating_kva: 600.0, start_s: 12.0}
  transformers:
    - {id: T1, upstream: U1, rating_kva: 800.0, v_primary_kv: 22.9, v_secondary_kv: 0.415, cable_length_m: 40.0}
    - {id: T2, upstream: U2, rating_kva: 800.0, v_primary_kv: 22.9, v_secondary_kv: 0.415, cable_length_m: 50.0}
    - {id: T3, upstream: U1, alternate: U2, rating_kva: 300.0, v_primary_kv: 22.9, v_secondary_kv: 0.415}
  switchgear:
    - {id: S1, upstream: T1, alternate: G1, rating_kva: 800.0, cable_length_m: 10.0, cable_parallel: 4}
    - {id: S2, upstream: T2, rating_kva: 800.0, cable_length_m: 12.0, cable_parallel: 4}
    - {id: S3, upstream: S1, alternate: S2, rating_kva: 600.0, cable_length_m: 15.0, cable_parallel: 2}
  ups:
    - {id: UA, upstream: S3, rating_kva: 400.0, cable_length_m: 20.0, battery: {energy_kwh: 50.0}}
    - {id: UB, upstream: S2, rating_kva: 400.0, cable_length_m: 25.0, mode: eco,
       battery: {chemistry: vrla, energy_kwh: 80.0, rated_time_h: 0.25}}
  pdus:
    - {id: PA, upstream: UA, rating_kva: 300.0, cable_length_m: 30.0, cable_r_ohm_per_km: 0.153}
    - {id: PB, upstream: UB, rating_kva: 300.0, cable_length_m: 35.0, cable_r_ohm_per_km: 0.153}
    - {id: PC, upstream: T3, rating_kva: 150.0, cable_length_m: 20.0, cable_r_ohm_per_km: 0.3}
cooling:
  crahs:
    - {id: C1, hall: H, type: crac, capacity_kw: 300.0, airflow_m3_s: 20.0, fan_kw: 8.0}
    - {id: C2, hall: H, type: crac, capacity_kw: 300.0, airflow_m3_s: 20.0, fan_kw: 8.0}
"""

ONE_ROOM = """
format_version: 1
site: {name: one rack room, grid_mw: 1.0}
halls:
  - id: H
    size_m: [10.0, 10.0]
    height_m: 3.0
    rows: [{id: R, origin_m: [2.0, 5.0]}]
    racks:
      - {id: K, row: R, slot: 0, power_kw: 30.0, feed_a: P}
power:
  utilities: [{id: U, voltage_kv: 0.415, capacity_mva: 1.0}]
  pdus: [{id: P, upstream: U, rating_kva: 100.0}]
cooling:
  crahs:
    - {id: C1, hall: H, type: crac, capacity_kw: 40.0, airflow_m3_s: 3.0, fan_kw: 1.0}
"""


def twin_from_text(text: str, name: str = "test.yaml") -> Twin:
    return Twin.from_layout(loads(text, name))


def twin_from_doc(doc: dict, name: str = "test.yaml") -> Twin:
    """A Twin from a layout document (plain data), e.g. an edited reference layout."""
    return Twin.from_layout(validate_data(doc, name))


def load_doc(path) -> dict:
    with open(path) as f:
        return yaml.safe_load(f)
