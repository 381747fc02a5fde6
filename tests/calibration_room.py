"""A four-rack room with one DX unit, for the air calibration's tests (`twin calibrate`
from the CLI, and the calibration file beside a layout)."""

LAYOUT = """
format_version: 1
site: {name: calibration room, grid_mw: 1.0}
halls:
  - id: T
    size_m: [5.0, 3.0]
    height_m: 2.5
    air_model: kernel
    rows: [{id: R, origin_m: [1.4, 1.8], axis: x, facing: "-"}]
    racks:
      - {id: A, row: R, slot: 0, power_kw: 6.0, feed_a: PDU, height_m: 2.0}
      - {id: B, row: R, slot: 1, power_kw: 4.0, feed_a: PDU, height_m: 2.0}
      - {id: C, row: R, slot: 2, power_kw: 8.0, feed_a: PDU, height_m: 2.0}
      - {id: D, row: R, slot: 3, power_kw: 3.0, feed_a: PDU, height_m: 2.0}
power:
  utilities: [{id: UTIL, voltage_kv: 0.415, capacity_mva: 1.0}]
  pdus: [{id: PDU, upstream: UTIL, rating_kva: 100.0}]
cooling:
  crahs:
    - {id: U, hall: T, type: crac, capacity_kw: 40.0, airflow_m3_s: 3.0, fan_kw: 1.0,
       t_supply_c: 18.0, position_m: [0.5, 0.5], facing: "+x"}
"""
"""The room on the kernel, written (the default, auto, would put it on the FFD field: its unit
has a position); `twin calibrate` fits a kernel hall as the potential field."""

FIELD_LAYOUT = LAYOUT.replace("    air_model: kernel\n", "    air_model: field\n", 1)
"""The same room on the air field."""


def measured_csv(room, fields: dict, path, scale=None):
    """Rack inlets of the layout at `room` solved with the air `fields` set (known parameters,
    as if measured), written to the CSV `path` that `twin calibrate --from-csv` reads; with
    `scale` (one factor per rack A-D) at the rack powers times it, written as power_kw."""
    import pandas as pd

    from twin.model import Twin
    from twin.solve import air_calibrate

    twin = Twin.load(room)
    truth = {k: v for k, v in fields.items() if k != "air_model"}
    power = twin.racks["power_kw"] * (1.0 if scale is None else pd.Series(scale, twin.racks.index))
    run = air_calibrate.Run(power, 18.0, pd.Series(dtype=float))
    measured = air_calibrate.predict(twin, "T", run, truth)
    table = {"rack": measured.index, "t_inlet_c": measured.to_numpy()}
    if scale is not None:
        table["power_kw"] = power.to_numpy()
    pd.DataFrame(table).to_csv(path)
    return path


SCALES = (None, [0.5, 1.5, 0.7, 2.0], [1.6, 0.6, 1.2, 0.4])
"""Three load distributions of the four racks: 12 measured inlets, enough for `twin
calibrate`'s five or six parameters (at least two inlets each)."""


def measured_csvs(room, fields: dict, folder) -> list[str]:
    """`measured_csv` at each of `SCALES`, as m0.csv, m1.csv, m2.csv in `folder`: the paths."""
    return [
        str(measured_csv(room, fields, folder / f"m{i}.csv", scale))
        for i, scale in enumerate(SCALES)
    ]
