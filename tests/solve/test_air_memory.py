"""Air model bounded by design (issue 13): sparse shares, no dense D, equal to the dense model.

The dense reference is the former model, written here with numpy:
``B = c exp(-d / L)`` over every pair of a hall (rows capped at 0.95),
``D = (I - B)^-1 B K^-1``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from twin.errors import LayoutError, ScenarioError
from twin.solve import airflow, recirculation, run


@pytest.fixture
def small_room(small_room_open_kernel):
    """The kernel's room: small-room with its hot aisle open, on the kernel (conftest)."""
    return small_room_open_kernel


@pytest.fixture(autouse=True)
def _kernel(monkeypatch):
    """These tests are of the geometric kernel's sparse machinery (issue 13), the air model of
    halls the air field does not take (twin.solve.airfield_build): force it in every hall."""
    monkeypatch.setattr(airflow, "field_shares", lambda *args: "kernel (forced by the test)")


ROOT = Path(__file__).resolve().parents[2]
TOL_K = 1e-6
"""Stated tolerance of the sparse model against the dense one (twin.solve.airflow docstring)."""


def dense_d(racks: pd.DataFrame, containment: str) -> np.ndarray:
    """The former dense D (K/kW) of one hall's racks."""
    inlet, exhaust = airflow._rack_points(racks)
    d = np.linalg.norm(inlet[:, None, :] - exhaust[None, :, :], axis=2)
    b = airflow.containment_scale(containment) * np.exp(-d / recirculation.DECAY_M)
    b *= np.minimum(1.0, 0.95 / np.maximum(b.sum(axis=1), 1e-12))[:, None]
    air = racks["power_kw"].to_numpy(float) * (1 - racks["liquid_fraction"].to_numpy(float))
    k = airflow.rack_k_kw_per_k(air)
    return np.linalg.solve(np.eye(len(k)) - b, b / k[None, :])


def dense_rise(twin, p: np.ndarray) -> np.ndarray:
    out = np.zeros(len(twin.racks))
    hall = twin.racks["hall"].to_numpy()
    for h, containment in twin.halls["containment"].items():
        at = np.flatnonzero(hall == h)
        out[at] = dense_d(twin.racks.iloc[at], containment) @ p[at]
    return out


def air_kw(twin) -> np.ndarray:
    r = twin.racks
    return r["power_kw"].to_numpy(float) * (1 - r["liquid_fraction"].to_numpy(float))


def random_twin(seed: int = 7, n: int = 300, containment: str = "none") -> SimpleNamespace:
    """A hall of `n` racks at random places and facings (60 x 24 m), and a 40-rack hall mixed in."""
    rng = np.random.default_rng(seed)
    m = n + 40
    face = np.array([(1.0, 0.0), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)])[rng.integers(0, 4, m)]
    hall = np.where(rng.permutation(m) < n, "BIG", "SMALL")
    racks = pd.DataFrame(
        {
            "hall": hall,
            "x_m": rng.uniform(0, 60, m),
            "y_m": rng.uniform(0, 24, m),
            "face_x": face[:, 0],
            "face_y": face[:, 1],
            "depth_m": rng.uniform(1.0, 1.2, m),
            "power_kw": rng.uniform(0.0, 30.0, m),
            "liquid_fraction": rng.choice([0.0, 0.0, 0.5, 0.85], m),
        },
        index=pd.Index([f"R{i:03d}" for i in range(m)], name="id"),
    )
    halls = pd.DataFrame(
        {"containment": [containment, "hot-aisle"], "ashrae_class": ["A1", "A1"]},
        index=pd.Index(["BIG", "SMALL"], name="id"),
    )
    return SimpleNamespace(racks=racks, halls=halls, crahs=pd.DataFrame({"hall": []}))


def test_reference_layouts_equal_dense(reference_twin):
    m = airflow.build_air_model(reference_twin)
    p = air_kw(reference_twin)
    for q in (p, np.random.default_rng(3).uniform(0, 40, len(p))):
        assert np.abs(m.rise(q) - dense_rise(reference_twin, q)).max() < TOL_K


@pytest.mark.parametrize("containment", ["none", "hot-aisle", "cold-aisle"])
@pytest.mark.parametrize("solver", ["lu", "gmres"])
def test_random_hall_equals_dense(containment, solver, monkeypatch):
    if solver == "gmres":  # the path of halls above DIRECT_MAX_RACKS
        monkeypatch.setattr(recirculation, "DIRECT_MAX_RACKS", 100)
    twin = random_twin(containment=containment)
    m = airflow.build_air_model(twin)
    rec = m.recirculation
    assert rec._lu is not None  # the 40-rack hall
    assert len(rec._large) == (1 if solver == "gmres" else 0)
    p = air_kw(twin)
    assert np.abs(m.rise(p) - dense_rise(twin, p)).max() < TOL_K


def test_shares_are_the_dense_ones_within_the_cutoff():
    """B holds every pair within the cutoff, with the dense value; the pairs left out are tiny."""
    twin = random_twin(containment="none")
    big = twin.racks[twin.racks["hall"] == "BIG"]
    at = np.flatnonzero((twin.racks["hall"] == "BIG").to_numpy())
    b = airflow.build_air_model(twin).recirculation.b_matrix()[at][:, at].toarray()
    inlet, exhaust = airflow._rack_points(big)
    d = np.linalg.norm(inlet[:, None, :] - exhaust[None, :, :], axis=2)
    dense = airflow.containment_scale("none") * np.exp(-d / recirculation.DECAY_M)
    dense *= np.minimum(1.0, 0.95 / dense.sum(axis=1))[:, None]
    kept = b > 0
    assert np.allclose(b[kept], dense[kept], rtol=1e-9, atol=0)
    assert (d[kept] <= recirculation.cutoff_m(airflow.containment_scale("none"))).all()
    assert dense[~kept].max() < 1.01 * recirculation.MIN_SHARE
    assert kept.sum() < 0.8 * kept.size  # a 60 x 24 m hall: many pairs are beyond 31 m


def test_generated_hall_without_containment_equals_dense():
    """960 racks in the generator's rows, no containment: the most recirculation, pairs dropped."""
    from twin.layout.generate import HallSpec, site
    from twin.layout.validate import validate_data
    from twin.model import Twin

    doc = site("rows", [HallSpec("H1", [("npu-inference", 60)], containment="none")])
    twin = Twin.from_layout(validate_data(doc, "rows"))
    m = airflow.build_air_model(twin)
    assert m.recirculation.nnz < 0.5 * len(twin.racks) ** 2  # sparse: far pairs dropped
    p = air_kw(twin)
    err = np.abs(m.rise(p) - dense_rise(twin, p)).max()
    assert err < TOL_K


def test_operator_gives_d_columns(small_room):
    m = airflow.build_air_model(small_room)
    d = dense_d(small_room.racks, "none")
    op = m.recirculation.operator()
    cols = [0, 7, 19]
    e = np.eye(len(small_room.racks))[:, cols]
    assert np.allclose(op @ e, d[:, cols], rtol=0, atol=1e-12)


def test_rise_memo_is_keyed_by_content(small_room):
    m = airflow.build_air_model(small_room)
    p = air_kw(small_room)
    first = m.rise(p)
    first[:] = -1.0  # callers get a copy
    again = m.rise(p)
    assert (again > 0).all()
    p[4] *= 3.0  # same array object, new content
    assert m.rise(p)[4] > again[4]


def test_measured_coefficients_are_used_sparse(small_room):
    ids = small_room.racks.index
    rng = np.random.default_rng(5)
    b = rng.uniform(0, 0.03, (len(ids), len(ids)))
    b[b < 0.015] = 0.0
    given = pd.DataFrame(b, index=ids, columns=ids)
    m = airflow.build_air_model(small_room, {"ROOM": given})
    assert m.recirculation.nnz == np.count_nonzero(b)
    p = air_kw(small_room)
    k = airflow.rack_k_kw_per_k(p)
    want = np.linalg.solve(np.eye(len(ids)) - b, b / k[None, :]) @ p
    assert np.allclose(m.rise(p), want, rtol=0, atol=1e-12)


def test_measured_coefficients_summing_to_one_are_refused(small_room):
    ids = small_room.racks.index
    given = pd.DataFrame(0.0, index=ids, columns=ids)
    given.loc["RA03", :] = 0.06  # 20 x 0.06 = 1.2 of RA03's inlet air
    with pytest.raises(ScenarioError, match=r"'ROOM'.*'RA03'.*1\.200"):
        run(small_room, recirculation={"ROOM": given})


def test_hall_above_the_rack_limit_is_a_layout_error(small_room, monkeypatch):
    monkeypatch.setattr(airflow, "MAX_HALL_RACKS", 10)
    with pytest.raises(LayoutError) as err:
        airflow.build_air_model(small_room)
    (problem,) = err.value.problems
    assert problem.path == "halls[0].racks"
    assert problem.file.endswith("small-room.yaml")
    assert "'ROOM'" in problem.message and "20 racks" in problem.message
    assert "at most 10 racks per hall" in problem.message


def test_racks_packed_too_densely_are_a_layout_error(small_room, monkeypatch):
    monkeypatch.setattr(airflow, "MAX_HALL_PAIRS", 100)
    with pytest.raises(LayoutError, match=r"'ROOM': 400 rack pairs within 31 m.*at most 100"):
        airflow.build_air_model(small_room)


_BIG_HALL = """
import json, sys, time
from bench.air import hall_layout
from twin.layout.validate import validate_data
from twin.model import Twin
from twin.solve import airflow, run

def hwm():
    with open("/proc/self/status") as fh:
        return next(int(x.split()[1]) / 1024 for x in fh if x.startswith("VmHWM"))

def rss():
    with open("/proc/self/status") as fh:
        return next(int(x.split()[1]) / 1024 for x in fh if x.startswith("VmRSS"))

n, per_row = int(sys.argv[1]), int(sys.argv[2])
twin = Twin.from_layout(validate_data(hall_layout(n, per_row, "none"), "big"))
with open("/proc/self/clear_refs", "w") as fh:
    fh.write("5")  # reset the high-water mark: measure the air model alone
base = rss()
t = time.perf_counter()
m = airflow.air_model(twin)
p = twin.racks["power_kw"].to_numpy(float)
rise = m.rise(p)
air_s = time.perf_counter() - t
air_mb = hwm() - base
t = time.perf_counter()
res = run(twin)
print(json.dumps({
    "racks": len(twin.racks), "air_s": air_s, "air_mb": air_mb, "run_s": time.perf_counter() - t,
    "peak_mb": hwm(), "rise_mean": float(rise.mean()),
    "t_inlet_max_c": float(res.kpis["t_inlet_max_c"]),
    "racks_shutdown": float(res.kpis["racks_shutdown"]),
    "trusted": not res.violations["kind"].isin(["not_converged", "non_finite", "not_balanced"]).any(),
}))
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
def test_20000_rack_hall_solves_in_bounded_memory():
    """One hall of 20,000 racks in rows of 55: air model and coupled run (the dense model failed)."""
    done = subprocess.run(
        [sys.executable, "-c", _BIG_HALL, "20000", "55"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["racks"] == 20_000
    assert out["air_mb"] < 600, out  # measured ~340 MB (24 M rack pairs)
    assert out["peak_mb"] < 1024, out  # whole process, coupled solve too (measured ~640 MB)
    assert 10.0 < out["rise_mean"] < 30.0 and out["trusted"]
    # racks past allowable + 10 K trip (twin.solve.consequence); any still running has an inlet
    assert np.isfinite(out["t_inlet_max_c"]) or out["racks_shutdown"] == out["racks"], out


_LOAD_AND_SOLVE = """
import json, sys, time
from twin.layout import load
from twin.model import Twin
from twin.solve import run

t = time.perf_counter()
twin = Twin.from_layout(load(sys.argv[1]))
t_load = time.perf_counter() - t
t = time.perf_counter()
res = run(twin)
with open("/proc/self/status") as fh:
    peak = next(int(x.split()[1]) / 1024 for x in fh if x.startswith("VmHWM"))
print(json.dumps({
    "racks": len(twin.racks), "load_s": t_load, "solve_s": time.perf_counter() - t,
    "peak_mb": peak, "pue": float(res.kpis["pue"]),
}))
"""


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_5_gw_campus_loads_and_solves_in_bounded_memory(tmp_path):
    """`twin generate campus --it-mw 5000` (395 halls, ~38,000 racks): load + solve under 1.5 GB."""
    path = tmp_path / "c5.yaml"
    twin_cli = Path(sys.executable).parent / "twin"
    gen = subprocess.run(
        [str(twin_cli), "generate", "campus", "--it-mw", "5000", "-o", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=600,
    )
    assert gen.returncode == 0, gen.stderr[-3000:]
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_AND_SOLVE, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["racks"] > 37_000
    assert out["peak_mb"] < 1536, out  # measured ~650 MB
    assert 1.0 < out["pue"] < 2.0
