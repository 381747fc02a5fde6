"""A tiny OpenFOAM room run end to end (export, mesh, buoyantSimpleFoam, read back).

Runs in CI: `make test` installs OpenFOAM (`make openfoam`, Debian's package). Skipped,
with the reason, only where OpenFOAM is not installed. ~15-30 s on one core.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from twin.errors import ScenarioError
from twin.interop import openfoam, openfoam_run
from twin.layout.validate import validate_data
from twin.model import Twin
from twin.solve import air_calibrate
from twin.units import CP_AIR_J_KGK, RHO_AIR_KG_M3

ROOM = {
    "format_version": 1,
    "site": {"name": "tiny CFD room", "grid_mw": 1.0},
    "halls": [
        {
            "id": "T",
            "size_m": [4.0, 3.0],
            "height_m": 2.5,
            "rows": [{"id": "R", "origin_m": [1.4, 1.8], "axis": "x", "facing": "-"}],
            "racks": [
                {"id": "A", "row": "R", "slot": 0, "power_kw": 6.0, "feed_a": "PDU",
                 "height_m": 2.0},
                {"id": "B", "row": "R", "slot": 1, "power_kw": 4.0, "feed_a": "PDU",
                 "height_m": 2.0},
            ],
        }
    ],
    "power": {
        "utilities": [{"id": "UTIL", "voltage_kv": 0.415, "capacity_mva": 1.0}],
        "pdus": [{"id": "PDU", "upstream": "UTIL", "rating_kva": 100.0}],
    },
    "cooling": {
        "crahs": [
            {"id": "U", "hall": "T", "type": "crac", "capacity_kw": 30.0, "airflow_m3_s": 2.0,
             "fan_kw": 1.0, "t_supply_c": 18.0, "position_m": [0.5, 0.5], "facing": "+x"}
        ]
    },
}  # fmt: skip


def _twin() -> Twin:
    return Twin.from_layout(validate_data(ROOM, "tiny.yaml"))


def test_export_writes_a_case(tmp_path):
    case = openfoam.export_hall(_twin(), "T", tmp_path / "case", cell_m=0.25, iterations=50)
    man = json.loads((case / openfoam.MANIFEST).read_text())
    assert man["rack_ids"] == ["A", "B"] and man["cells"] == [16, 12, 10]
    t = (case / "0.orig/T").read_text()
    assert "outletMappedUniformInletHeatAddition" in t and "Q 6000" in t
    u = (case / "0.orig/U").read_text()
    rho_q = RHO_AIR_KG_M3 * man["rack_flow_m3_s"][0]
    assert f"massFlowRate {-rho_q:.6g}" in u and f"massFlowRate {rho_q:.6g}" in u


@pytest.mark.skipif(openfoam_run.available() is not None, reason=str(openfoam_run.available()))
def test_tiny_room_runs_and_reads_back(tmp_path):
    twin = _twin()
    case = openfoam.export_hall(twin, "T", tmp_path / "case", cell_m=0.25, iterations=300)
    seen = []
    openfoam_run.run_case(case, np_cores=1, progress=lambda i, n: seen.append(i))
    assert seen[-1] == 300
    inlets, summary = openfoam_run.read_inlets(case)
    assert list(inlets.index) == ["A", "B"]
    # the rack heat BC closes the energy balance: the return carries the racks' heat
    assert abs(summary["balance_pct"]) < 10.0, summary
    q = inlets.join(twin.racks["power_kw"])
    flow = np.array(json.loads((case / openfoam.MANIFEST).read_text())["rack_flow_m3_s"])
    hottest_exhaust = 18.0 + (q["power_kw"] / (RHO_AIR_KG_M3 * CP_AIR_J_KGK / 1000 * flow)).max()
    assert (inlets["t_inlet_c"] > 17.9).all() and (
        inlets["t_inlet_max_c"] < 18 + 2 * hottest_exhaust
    ).all()
    assert (inlets["t_inlet_max_c"] >= inlets["t_inlet_c"] - 1e-9).all()
    # the air field ranks the racks as the CFD does (magnitudes: docs/validation.md, where
    # this room's model error is 1.4-3.0 K at 300 iterations)
    run = air_calibrate.Run(twin.racks["power_kw"], 18.0, inlets["t_inlet_c"])
    model = air_calibrate.predict(twin, "T", run)
    assert (model["A"] > model["B"]) == (inlets.at["A", "t_inlet_c"] > inlets.at["B", "t_inlet_c"])


def test_a_run_continues_from_where_it_stopped(tmp_path):
    """`run_case(iterations=N)` past what a case reached continues it (startFrom
    latestTime): its samples and log run on from the first run's, the window reads the whole
    run; asking for no more is refused, and a new start forgets the earlier run."""
    case = openfoam.export_hall(_twin(), "T", tmp_path / "case", cell_m=0.25, iterations=40)
    openfoam_run.run_case(case, np_cores=1)
    assert openfoam_run.reached(case) == 40
    seen = []
    openfoam_run.run_case(case, np_cores=1, iterations=70, progress=lambda i, n: seen.append(i))
    assert seen[0] == 41 and seen[-1] == 70  # on from 40, not from 0
    _, summary = openfoam_run.read_inlets(case, window=1.0)
    assert summary["iterations"] == 70 and summary["window_from_iteration"] == 10  # both runs
    log = (case / "log.buoyantSimpleFoam").read_text()
    assert "\nTime = 40\n" in log and "\nTime = 41\n" in log
    with pytest.raises(ScenarioError, match="already at iteration 70"):
        openfoam_run.run_case(case, np_cores=1, iterations=70)
    openfoam_run.run_case(case, np_cores=1)  # the exported 40 again, from the start
    assert openfoam_run.reached(case) == 40
    assert openfoam_run.read_inlets(case, window=1.0)[1]["iterations"] == 40


def _contained(containment: str) -> Twin:
    room = json.loads(json.dumps(ROOM))
    room["halls"][0]["containment"] = containment
    return Twin.from_layout(validate_data(room, "tiny.yaml"))


@pytest.mark.parametrize("containment", ["hot-aisle", "cold-aisle"])
def test_export_meshes_containment(tmp_path, containment):
    """The enclosure is cut out of the block mesh (labelToCell panels) and its duct is a patch
    with the boundary conditions of an open fixed-pressure opening."""
    case = openfoam.export_hall(_contained(containment), "T", tmp_path / "c", cell_m=0.25)
    man = json.loads((case / openfoam.MANIFEST).read_text())
    assert man["containment_meshed"] and man["containment_panel_cells"] > 0
    duct = "a0_ret" if containment == "hot-aisle" else "a0_sup"
    assert list(man["ducts"]) == [duct]
    assert man["ducts"][duct] == pytest.approx(sum(man["rack_flow_m3_s"]))
    assert "labelToCell" in (case / "system/topoSetDict.cells").read_text()
    assert f"name {duct};" in (case / "system/createPatchDict").read_text()
    assert duct in (case / "0.orig/p_rgh").read_text()
    plain = openfoam.export_hall(_twin(), "T", tmp_path / "p", cell_m=0.25)
    assert not json.loads((plain / openfoam.MANIFEST).read_text())["containment_meshed"]


@pytest.mark.skipif(openfoam_run.available() is not None, reason=str(openfoam_run.available()))
@pytest.mark.parametrize("containment", ["hot-aisle", "cold-aisle"])
def test_sealed_containment_in_cfd_puts_inlets_at_the_supply(tmp_path, containment):
    """Closed form in the CFD: a sealed enclosure leaves no path from exhaust to intake, so the
    racks draw supply air (the air field's closed form, tests/solve/test_air_field.py)."""
    case = openfoam.export_hall(
        _contained(containment), "T", tmp_path / "c", cell_m=0.25, iterations=300
    )
    openfoam_run.run_case(case, np_cores=1)
    inlets, _ = openfoam_run.read_inlets(case)
    assert (inlets["t_inlet_c"] - 18.0).abs().max() < 0.1
    assert (inlets["t_inlet_max_c"] - 18.0).abs().max() < 0.1
