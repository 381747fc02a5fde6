"""How linear is the CFD reference? Exhaust-to-intake shares from one OpenFOAM run's own flow.

The air model (`twin.solve.airfield`) is linear in the racks' heat at a given flow: its
shares B come from one tracer solve per rack on a flow built from the geometry and the
rack airflows. This asks the same of the CFD itself: freeze one converged run's face
mass fluxes (``phi``) and turbulent thermal diffusivity (``alphat``), carry each rack's
exhaust as a unit tracer on them (first-order upwind, as the field; the CFD's energy
equation uses limitedLinear 0.2), and read the flux-weighted share at every rack's
intake. Then

- *self*: those shares, with that run's own heat, against that run's own inlet
  temperatures at the same iteration: what a share matrix of this flow can reproduce
  (the rest is the scheme and the run's own unsteadiness);
- *other loads*: the same shares with each other load's heat, against the stored CFD
  inlets of the room's loads whose rack airflows equal the run's (the ``-fixed-flow``
  variants of `bench.air_rooms.FIXED_FLOW`; where the airflows differ the flow is another,
  which no frozen matrix can stand for, and the load is left out).

If those miss by much more than self, the room's flow reorganises with where the heat is
(buoyancy), and no matrix built at one heat distribution can meet a held-out-load target.

    python -m bench.air_frozen /tmp/twin-cfd-B/end-uniform end   # a case of bench.air_rooms run
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from bench.air_rooms import CELL_M, FIXED_FLOW, LOADS, OUT

CP_J_KGK = 1005.0
"""The exported cases' hConst cp (twin.interop.openfoam)."""


def _after_header(path: Path) -> str:
    s = path.read_text()
    return s[s.index("}", s.index("FoamFile")) + 1 :]


def _list_start(s: str, at: int = 0) -> tuple[int, int]:
    m = re.compile(r"(\d+)\s*\(").search(s, at)
    return int(m.group(1)), m.end()


def read_labels(path: Path) -> np.ndarray:
    s = _after_header(path)
    n, i = _list_start(s)
    return np.array(s[i : s.index(")", i)].split(), np.int64)[:n]


def read_points(path: Path) -> np.ndarray:
    s = _after_header(path)
    n, i = _list_start(s)
    return np.array([t.split() for t in re.findall(r"\(([^()]*)\)", s[i:])[:n]], float)


def read_faces(path: Path) -> list[np.ndarray]:
    s = _after_header(path)
    n, i = _list_start(s)
    return [np.array(t.split(), np.int64) for t in re.findall(r"\d+\(([^()]*)\)", s[i:])[:n]]


def read_boundary(path: Path) -> dict[str, tuple[int, int]]:
    """Patch name -> (start face, faces)."""
    out = {}
    for name, body in re.findall(r"\n\s*(\w+)\s*\n\s*\{(.*?)\}", path.read_text(), re.S):
        nf, sf = re.search(r"nFaces\s+(\d+)", body), re.search(r"startFace\s+(\d+)", body)
        if nf and sf:
            out[name] = (int(sf.group(1)), int(nf.group(1)))
    return out


def _values(block: str, key: str, n: int) -> np.ndarray:
    m = re.search(key + r"\s+nonuniform\s+List<scalar>\s*(\d+)\s*\(", block)
    if m:
        return np.array(block[m.end() : block.index(")", m.end())].split(), float)
    u = re.search(key + r"\s+uniform\s+([-\d.eE+]+)", block)
    return np.full(n, float(u.group(1)) if u else 0.0)


def read_scalar_field(path: Path, patches: dict[str, tuple[int, int]]):
    """(internal values, {patch: values}) of a volScalarField or surfaceScalarField."""
    s = path.read_text()
    internal = _values(s[: s.index("boundaryField")], "internalField", 0)
    bf = s[s.index("boundaryField") :]
    out = {}
    for name, (_, nf) in patches.items():
        k = re.search(r"\n\s*" + name + r"\s*\n\s*\{", bf)
        out[name] = _values(bf[k.end() : bf.index("}", k.end())], "value", nf)
    return internal, out


class FrozenCase:
    """One finished bench.air_rooms OpenFOAM case, its last iteration frozen."""

    def __init__(self, case: Path):
        case = Path(case)
        pm = case / "constant" / "polyMesh"
        self.manifest = json.loads((case / "twin-case.json").read_text())
        self.owner, self.neigh = read_labels(pm / "owner"), read_labels(pm / "neighbour")
        self.bnd = read_boundary(pm / "boundary")
        last = max((p for p in case.iterdir() if p.name.isdigit() and p.name != "0"),
                   key=lambda p: int(p.name))  # fmt: skip
        self.phi, self.phi_b = read_scalar_field(last / "phi", self.bnd)
        self.alphat, _ = read_scalar_field(last / "alphat", self.bnd)
        self.t_k, _ = read_scalar_field(last / "T", self.bnd)
        pts, faces = read_points(pm / "points"), read_faces(pm / "faces")
        self.face_c = np.array([pts[f].mean(0) for f in faces])
        sv = np.array([0.5 * np.cross(pts[f[2]] - pts[f[0]], pts[f[3]] - pts[f[1]]) for f in faces])
        self.face_area = np.linalg.norm(sv, axis=1)
        self.nr = len(self.manifest["rack_ids"])

    def cells(self, patch: str) -> np.ndarray:
        start, nf = self.bnd[patch]
        return self.owner[start : start + nf]

    def shares(self) -> np.ndarray:
        """B[j, i]: share of rack j's intake mass flow that is rack i's exhaust."""
        o, nb = self.owner[: len(self.neigh)], self.neigh
        nc = int(self.owner.max()) + 1
        cnt = np.bincount(self.owner, minlength=nc) + np.bincount(nb, minlength=nc)
        cc = np.zeros((nc, 3))
        np.add.at(cc, self.owner, self.face_c)
        np.add.at(cc, nb, self.face_c[: len(nb)])
        cc /= cnt[:, None]
        dg = 0.5 * (self.alphat[o] + self.alphat[nb]) * self.face_area[: len(nb)]
        dg /= np.linalg.norm(cc[nb] - cc[o], axis=1)
        out_p, out_n = np.maximum(self.phi, 0), np.maximum(-self.phi, 0)
        diag = np.bincount(o, out_p + dg, nc) + np.bincount(nb, out_n + dg, nc)
        rhs = np.zeros((nc, self.nr))
        for name in self.bnd:
            ph, own = self.phi_b[name], self.cells(name)
            diag += np.bincount(own, np.maximum(ph, 0), nc)  # outflow leaves with the tracer
            m = re.fullmatch(r"r(\d+)_out", name)
            if m:
                np.add.at(rhs[:, int(m.group(1))], own, np.maximum(-ph, 0))
        a = sp.csc_matrix(
            (np.r_[diag, -out_n - dg, -out_p - dg],
             (np.r_[np.arange(nc), o, nb], np.r_[np.arange(nc), nb, o])),
            shape=(nc, nc),
        )  # fmt: skip
        conc = spla.splu(a).solve(rhs)
        b = np.zeros((self.nr, self.nr))
        for r in range(self.nr):
            ph = np.maximum(self.phi_b[f"r{r}_in"], 0)
            b[r] = ph @ conc[self.cells(f"r{r}_in")] / ph.sum()
        return b

    def intake_kg_s(self) -> np.ndarray:
        return np.array([self.phi_b[f"r{r}_in"].sum() for r in range(self.nr)])

    def inlets_c(self) -> np.ndarray:
        """The run's own flux-weighted intake temperatures at the frozen iteration, C."""
        return np.array([
            np.average(self.t_k[self.cells(f"r{r}_in")], weights=self.phi_b[f"r{r}_in"])
            for r in range(self.nr)
        ]) - 273.15  # fmt: skip

    def supply_c(self) -> float:
        sup = [n for n in self.bnd if n.endswith("_sup")]
        return float(np.mean(np.concatenate([self.t_k[self.cells(n)] for n in sup]))) - 273.15


def inlets_c(b: np.ndarray, mdot: np.ndarray, heat_kw: np.ndarray, supply_c: float):
    """Rack inlets from shares: each exhaust is its intake plus heat / (mdot cp)."""
    rise = 1000.0 * heat_kw / (mdot * CP_J_KGK)
    return supply_c + np.linalg.solve(np.eye(len(b)) - b, b @ rise)


def _airflows(room: str, load: str) -> tuple:
    """What sets the racks' airflows of a load: its powers, or the base load it is held at."""
    base = load.removesuffix("-fixed-flow")
    if base != load or load == FIXED_FLOW.get(room):
        return ("held", FIXED_FLOW[room])
    return ("powers", tuple(LOADS[room].get(load, ())))


def report(case: Path, room: str) -> pd.DataFrame:
    fc = FrozenCase(case)
    b, mdot = fc.shares(), fc.intake_kg_s()
    heat = np.asarray(fc.manifest["rack_heat_kw"], float)
    ids = fc.manifest["rack_ids"]
    rows = []

    def row(label, model, ref):
        e = model - ref
        rows.append({"against": label, "rmse_k": float(np.sqrt((e**2).mean())),
                     "max_err_k": float(np.abs(e).max()), "mean_err_k": float(e.mean())})  # fmt: skip

    supply = fc.supply_c()
    own = re.sub(r"-[\d.]+m$", "", Path(case).name.removeprefix(f"{room}-"))  # run()'s name
    cell = float(fc.manifest["cell_m"][0])
    tag = "" if abs(cell - CELL_M[room]) < 1e-9 else f"-{cell:g}m"
    row("self (same iteration)", inlets_c(b, mdot, heat, supply), fc.inlets_c())
    for load, powers in LOADS[room].items():
        path = OUT / ("mesh-check" if tag else "") / f"{room}-{load}{tag}.csv"  # same mesh
        same_flow = _airflows(room, load) == _airflows(room, own)
        if not path.exists() or not same_flow:
            continue
        ref = pd.read_csv(path, index_col="id")["t_inlet_c"].reindex(ids).to_numpy(float)
        row(f"stored CFD, {load}", inlets_c(b, mdot, np.asarray(powers, float), supply), ref)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", type=Path)
    ap.add_argument("room", choices=sorted(LOADS))
    a = ap.parse_args(argv)
    print(report(a.case, a.room).round(2).to_string(index=False))


if __name__ == "__main__":
    main()
