"""Run an exported OpenFOAM case (`twin.interop.openfoam`) and read its rack inlets back.

`run_case` meshes the case (blockMesh, topoSet, subsetMesh, createPatch), runs
buoyantSimpleFoam (on `np` cores with ``mpirun`` after ``decomposePar`` when
asked and available) and reports progress from the solver log. `read_inlets`
reads the function-object samples: buoyant room flows do not settle to machine
residuals with SIMPLE (inlets wander by 0.1-0.9 K between iterations;
../shared/CFD.md), so each rack's inlet is the mean over the last `WINDOW` of
the samples, with its spread (max - min over that window).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from twin.errors import ScenarioError
from twin.interop.openfoam import MANIFEST
from twin.units import CP_AIR_J_KGK

FOAM_ETC = Path("/usr/share/openfoam/etc")
WINDOW = 0.25
"""Share of the samples (the last ones) averaged into a rack's inlet temperature [CFD.md]."""
BALANCE_PCT = 5.0
"""A run whose returns carry the racks' heat within this many % (over the window) counts as
converged [CFD.md: within 5 % after ~600 iterations, 1 % over the window when settled]. The
residuals cannot serve: in the `row` validation room p_rgh's initial residual sits at 0.017-0.027
both at 800 iterations (balance -12 to -14 %) and at 2,000 (within 1.5 %; docs/validation.md)."""
_MESH = [
    ["blockMesh"],
    ["topoSet", "-dict", "system/topoSetDict.cells"],
    ["subsetMesh", "fluid", "-patch", "walls", "-overwrite"],
    ["topoSet", "-dict", "system/topoSetDict.faces"],
    ["createPatch", "-overwrite"],
]


def available() -> str | None:
    """None when OpenFOAM can run here, else why not."""
    if shutil.which("buoyantSimpleFoam") is None:
        return "OpenFOAM is not installed (apt-get install openfoam, or make openfoam)"
    if not (FOAM_ETC / "controlDict").exists():
        return f"OpenFOAM's etc directory {FOAM_ETC} is missing"
    return None


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("WM_PROJECT_DIR", str(FOAM_ETC.parent))
    env.setdefault("WM_PROJECT", "OpenFOAM")
    env.setdefault("WM_PROJECT_VERSION", "v1912")
    env.setdefault("FOAM_ETC", str(FOAM_ETC))
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
    env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    return env


def _manifest(case: Path) -> dict:
    path = case / MANIFEST
    if not path.exists():
        raise ScenarioError(f"{case}: no {MANIFEST}; export the case with `twin cfd export`")
    return json.loads(path.read_text())


def _run(cmd: list[str], case: Path, log: str) -> None:
    with open(case / log, "w") as fh:
        rc = subprocess.run(
            cmd, cwd=case, env=_env(), stdout=fh, stderr=subprocess.STDOUT
        ).returncode
    if rc != 0:
        tail = (case / log).read_text().strip().splitlines()[-5:]
        raise ScenarioError(f"{case}: {' '.join(cmd)} failed (exit {rc}): " + " | ".join(tail))


def reached(case: str | Path) -> int:
    """The last iteration `case` has written (its latest time folder, in the case or, after
    a parallel run, in processor0); 0 before any run."""
    case = Path(case)
    return max((int(p.name) for root in (case, case / "processor0") for p in _times(root)),
               default=0)  # fmt: skip


def _times(root: Path) -> list[Path]:
    """The time folders (``0``, ``40``, ...) a case or processor folder holds."""
    return [p for p in root.iterdir() if p.is_dir() and p.name.isdigit()] if root.is_dir() else []


def _parallel(n: int) -> list[str]:
    return ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(n),
            "buoyantSimpleFoam", "-parallel"]  # fmt: skip


def _control(case: Path, start: str, end: int) -> None:
    """Set where the solver starts (``startTime``: from 0; ``latestTime``: continue) and
    ends, writing its fields there (the state a later run continues from)."""
    path = case / "system/controlDict"
    text = re.sub(r"(?m)^startFrom \w+;", f"startFrom {start};", path.read_text())
    text = re.sub(r"(?m)^writeInterval \d+;", f"writeInterval {end};", text)
    path.write_text(re.sub(r"(?m)^endTime \d+;", f"endTime {end};", text))


def run_case(
    case: str | Path,
    *,
    np_cores: int = 1,
    progress: Callable[[int, int], None] | None = None,
    iterations: int | None = None,
) -> Path:
    """Mesh (once) and solve `case`; `progress(iteration, total)` after each iteration.

    `iterations` above what the case has reached (`reached`) continues it from there to
    that iteration, keeping its samples and log (a run that did not converge needs more
    iterations, not a new start: ../shared/CFD.md, docs/validation.md's 0.1 m run); None
    runs the exported number of iterations from the start. A continued parallel run keeps
    its own decomposition."""
    case = Path(case)
    why = available()
    if why:
        raise ScenarioError(why)
    man = _manifest(case)
    done = reached(case)
    more = iterations is not None and done > 0
    if more and iterations <= done:
        raise ScenarioError(
            f"{case}: already at iteration {done:,}; give more to continue it (e.g. "
            f"--iterations {2 * done})"
        )
    if not more and (
        not (case / "constant/polyMesh/boundary").exists() or not (case / "0").exists()
    ):
        for i, cmd in enumerate(_MESH):
            _run(cmd, case, f"log.mesh{i}.{cmd[0]}")
        shutil.rmtree(case / "0", ignore_errors=True)
        shutil.copytree(case / "0.orig", case / "0")
    total = int(iterations or man["iterations"])
    _control(case, "latestTime" if more else "startTime", total)
    if not more:  # a new start: no earlier run's samples, times or decomposition left
        stale = [p for p in _times(case) if p.name != "0"]
        for p in [case / "postProcessing", *stale, *case.glob("processor*")]:
            shutil.rmtree(p, ignore_errors=True)
    procs = sorted(case.glob("processor*"))
    cmd = ["buoyantSimpleFoam"]
    if more and procs:  # continue on the decomposition it ran on
        cmd = _parallel(len(procs))
    elif np_cores > 1 and shutil.which("mpirun"):
        (case / "system/decomposeParDict").write_text(
            (case / "system/decomposeParDict")
            .read_text()
            .replace("numberOfSubdomains 2", f"numberOfSubdomains {np_cores}")
            .replace("n (2 1 1)", f"n ({np_cores} 1 1)")
        )
        # no processor folders here: a new start cleared them, a continuation has none
        latest = ["-latestTime"] if more else []
        _run(["decomposePar", "-force", *latest], case, "log.decomposePar")
        cmd = _parallel(np_cores)
    step = re.compile(r"^Time = (\d+)")
    with open(case / "log.buoyantSimpleFoam", "a" if more else "w") as log:
        proc = subprocess.Popen(
            cmd, cwd=case, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            m = step.match(line)
            if m and progress:
                progress(int(m.group(1)), total)
        rc = proc.wait()
    if rc != 0:
        tail = (case / "log.buoyantSimpleFoam").read_text().strip().splitlines()[-5:]
        raise ScenarioError(f"{case}: buoyantSimpleFoam failed (exit {rc}): " + " | ".join(tail))
    return case


def _series(case: Path, name: str) -> np.ndarray:
    """(iteration, value) rows of one function object's samples."""
    files = sorted((case / "postProcessing" / name).glob("*/surfaceFieldValue.dat"))
    if not files:
        raise ScenarioError(f"{case}: no samples of {name}; has the case run (twin cfd run)?")
    rows = []
    for f in files:
        for line in f.read_text().splitlines():
            if line and not line.startswith("#"):
                parts = line.split()
                rows.append((float(parts[0]), float(parts[1])))
    return np.array(sorted(set(rows)))


def _window(series: np.ndarray, window: float = WINDOW) -> tuple[float, float, int]:
    n = len(series)
    tail = series[max(0, n - max(1, int(round(window * n)))) :, 1]
    return float(tail.mean()), float(tail.max() - tail.min()), len(tail)


_RESIDUAL = re.compile(r"Solving for (\w+), Initial residual = ([-+0-9.eE]+)")


def residuals(case: str | Path, upto: int | None = None) -> dict[str, float]:
    """Initial residual of each solved field at the last iteration (<= `upto`) of the
    solver log; empty when there is no log."""
    path = Path(case) / "log.buoyantSimpleFoam"
    if not path.exists():
        return {}
    out: dict[str, float] = {}
    it = 0
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("Time = "):
            it = int(float(line.split()[2]))
            if upto is not None and it > upto:
                break
            out = {}
        elif m := _RESIDUAL.search(line):
            out.setdefault(m.group(1), float(m.group(2)))  # the first solve of an iteration
    return out


def read_inlets(
    case: str | Path, *, upto: int | None = None, window: float = WINDOW
) -> tuple[pd.DataFrame, dict]:
    """Per rack: t_inlet_c (window mean of the area mean), t_inlet_spread_k, t_inlet_max_c;
    and a summary: iterations, heat balance of the returns against the racks' heat, the
    solver's last initial residuals, and `converged` (balance within BALANCE_PCT).

    `upto` reads the run as if it had stopped at that iteration and `window` is the share of
    the samples averaged (both to measure iteration error on one long run)."""
    if not 0.0 < window <= 1.0:
        raise ScenarioError(f"window {window}: a share of the samples in (0, 1]")
    case = Path(case)
    man = _manifest(case)

    def series(name: str) -> np.ndarray:
        s = _series(case, name)
        if upto is not None:
            s = s[s[:, 0] <= upto]
            if not len(s):
                raise ScenarioError(f"{case}: no samples of {name} up to iteration {upto}")
        return s

    rows = []
    last = 0.0
    first = np.inf
    for rid, patch in zip(man["rack_ids"], man["patches"], strict=True):
        name = patch.removesuffix("_in")
        mean = series(f"{name}_areaAverage")
        top = series(f"{name}_max")
        m, spread, k = _window(mean, window)
        t, _, _ = _window(top, window)
        last = max(last, mean[-1, 0])
        first = min(first, mean[-k, 0])
        rows.append(
            {
                "id": rid,
                "t_inlet_c": m - 273.15,
                "t_inlet_spread_k": spread,
                "t_inlet_max_c": t - 273.15,
                "samples": k,
            }
        )
    out = pd.DataFrame(rows).set_index("id")
    # heat carried out by the returns vs the racks' heat (mass flux phi in kg/s)
    removed = 0.0
    units = sorted({p.name.split("_")[0] for p in (case / "postProcessing").glob("*_ret_T")})
    for u in units:
        t_ret = _window(series(f"{u}_ret_T"), window)[0]
        mdot = _window(series(f"{u}_ret_phi"), window)[0]
        removed += abs(mdot) * CP_AIR_J_KGK * (t_ret - 273.15 - man["t_supply_c"]) / 1000.0
    heat = float(np.sum(man["rack_heat_kw"]))
    balance = 100.0 * (removed - heat) / heat if heat else float("nan")
    res = residuals(case, upto)
    summary = {
        "iterations": int(last),
        "window_from_iteration": int(first),
        "rack_heat_kw": heat,
        "return_heat_kw": removed,
        "balance_pct": balance,
        "converged": bool(abs(balance) <= BALANCE_PCT),
        "residuals": res,
        "residual_max": max(res.values()) if res else float("nan"),
        "hall": man["hall"],
    }
    return out, summary
