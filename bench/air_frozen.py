"""How linear is the CFD reference? Exhaust-to-intake shares from one OpenFOAM run's own flow.

The air model (`twin.solve.airfield`) is linear in the racks' heat at a given flow: its
shares B come from one tracer solve per rack on a flow built from the geometry and the
rack airflows. This asks the same of the CFD itself: freeze one finished run's face
mass fluxes (``phi``) and turbulent thermal diffusivity (``alphat``), carry each rack's
exhaust as a unit tracer on them (central differencing by default, nearer the CFD's
limitedLinear energy equation; ``--upwind`` for the field's first-order upwind), and
read the flux-weighted share at every rack's intake. Then

- *self*: those shares, with that run's own heat, against that run's own inlet
  temperatures at the same iteration: what a share matrix of this flow can reproduce
  (the rest is the scheme and the run's own unsteadiness);
- *other loads, same airflows* (the ``-fixed-flow`` variants of
  `bench.air_rooms.FIXED_FLOW`): the same shares with the other load's heat, against its
  stored CFD inlets: if these miss by much more than self, the flow reorganises with
  where the heat is and no matrix built at one heat distribution can carry to another;
- *other loads, other airflows* (flow following power): the run's flux plus the
  potential-flow correction of the changed rack airflows (`FrozenCase.with_airflows`,
  what the field does when airflows change), then the same: what is left is the flow's
  own response to the new airflows and heat, beyond potential flow.

Stored inlets are read on the run's own mesh (docs/validation/<room>-<load>.csv, or
mesh-check/).

    python -m bench.air_frozen /tmp/twin-cfd-B/end-uniform end   # a case of bench.air_rooms run
"""

from __future__ import annotations

import argparse
import json
import re
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from bench.air_rooms import CELL_M, FIXED_FLOW, LOADS, OUT
from twin.solve.ffd_march import tang_inlets

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

    @cached_property
    def centres(self) -> np.ndarray:
        """Cell centres (the mean of their face centres: exact for the boxes of the mesh)."""
        nb = self.neigh
        nc = int(self.owner.max()) + 1
        cnt = np.bincount(self.owner, minlength=nc) + np.bincount(nb, minlength=nc)
        cc = np.zeros((nc, 3))
        np.add.at(cc, self.owner, self.face_c)
        np.add.at(cc, nb, self.face_c[: len(nb)])
        return cc / cnt[:, None]

    @cached_property
    def _graph(self):
        """(owner, neighbour, area / centre distance) of the internal faces, and cells."""
        o, nb, cc = self.owner[: len(self.neigh)], self.neigh, self.centres
        cond = self.face_area[: len(nb)] / np.linalg.norm(cc[nb] - cc[o], axis=1)
        return o, nb, cond, len(cc)

    def with_airflows(self, factor: np.ndarray):
        """Face fluxes with rack r's airflow times ``factor[r]``: the run's own flux plus the
        potential flow of the change (``L p = -ds``, ``dF = (A / d) dp``: the correction the
        field itself would make), so continuity holds to round-off. Returns (internal, patches)."""
        o, nb, cond, nc = self._graph
        phi_b = dict(self.phi_b)
        ds = np.zeros(nc)  # added outflow to the boundary, per cell
        for r in range(self.nr):
            for name in (f"r{r}_in", f"r{r}_out"):
                d = (factor[r] - 1.0) * self.phi_b[name]
                phi_b[name] = self.phi_b[name] + d
                np.add.at(ds, self.cells(name), d)
        if not np.any(ds):
            return self.phi, phi_b
        lap = sp.csc_matrix(
            (
                np.r_[
                    np.bincount(o, cond, nc) + np.bincount(nb, cond, nc) + (np.arange(nc) == 0),
                    -cond,
                    -cond,
                ],
                (np.r_[np.arange(nc), o, nb], np.r_[np.arange(nc), nb, o]),
            ),
            shape=(nc, nc),
        )  # fmt: skip  (pinned at cell 0: exact, the changes sum to zero)
        p = spla.splu(lap).solve(-ds)
        return self.phi + cond * (p[o] - p[nb]), phi_b

    def shares(self, phi=None, phi_b=None, central: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(B, intake kg/s): B[j, i] the share of rack j's intake mass flow that is rack i's
        exhaust, on the run's flux or (`phi`, `phi_b`). `central`: face values by central
        differencing (closer to the CFD's limitedLinear; not bounded), else first-order upwind
        (the air field's scheme)."""
        phi = self.phi if phi is None else phi
        phi_b = self.phi_b if phi_b is None else phi_b
        o, nb, cond, nc = self._graph
        dg = 0.5 * (self.alphat[o] + self.alphat[nb]) * cond
        # face value: the upwind cell's, plus g / 2 of the difference to the downwind one
        g = 1.0 if central else 0.0
        w_o = np.where(phi > 0, 1.0 - g / 2, g / 2)  # owner's weight in the face value
        diag = np.bincount(o, phi * w_o + dg, nc) - np.bincount(nb, phi * (1.0 - w_o) - dg, nc)
        rhs = np.zeros((nc, self.nr))
        for name in self.bnd:
            ph, own = phi_b[name], self.cells(name)
            diag += np.bincount(own, np.maximum(ph, 0), nc)  # outflow leaves with the tracer
            m = re.fullmatch(r"r(\d+)_out", name)
            if m:
                np.add.at(rhs[:, int(m.group(1))], own, np.maximum(-ph, 0))
        a = sp.csc_matrix(
            (np.r_[diag, phi * (1.0 - w_o) - dg, -phi * w_o - dg],
             (np.r_[np.arange(nc), o, nb], np.r_[np.arange(nc), nb, o])),
            shape=(nc, nc),
        )  # fmt: skip
        conc = spla.splu(a).solve(rhs)
        b = np.zeros((self.nr, self.nr))
        mdot = np.zeros(self.nr)
        for r in range(self.nr):
            ph = np.maximum(phi_b[f"r{r}_in"], 0)
            mdot[r] = ph.sum()
            b[r] = ph @ conc[self.cells(f"r{r}_in")] / mdot[r]
        return b, mdot

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
    return supply_c + tang_inlets(b, 1000.0 * heat_kw / (mdot * CP_J_KGK))


def _airflow_kw(room: str, load: str) -> np.ndarray:
    """The power each rack's airflow follows in a load (140 CFM/kW of it): its own, or the
    base load's for a fixed-flow variant."""
    if load.endswith("-fixed-flow") or load == FIXED_FLOW.get(room):
        return np.asarray(LOADS[room][FIXED_FLOW[room]], float)
    return np.asarray(LOADS[room][load], float)


def report(case: Path, room: str, central: bool = True) -> pd.DataFrame:
    """The frozen run against itself and the room's other stored loads (module docstring)."""
    fc = FrozenCase(case)
    heat = np.asarray(fc.manifest["rack_heat_kw"], float)
    ids = fc.manifest["rack_ids"]
    supply = fc.supply_c()
    own = re.sub(r"-[\d.]+m$", "", Path(case).name.removeprefix(f"{room}-"))  # run()'s name
    cell = float(fc.manifest["cell_m"][0])
    tag = "" if abs(cell - CELL_M[room]) < 1e-9 else f"-{cell:g}m"
    rows = []

    def row(label, airflows, model, ref):
        e = model - ref
        rows.append({"against": label, "airflows": airflows, "rmse_k": float(np.sqrt((e**2).mean())),
                     "max_err_k": float(np.abs(e).max()), "mean_err_k": float(e.mean())})  # fmt: skip

    b, mdot = fc.shares(central=central)
    row("self (same iteration)", "same", inlets_c(b, mdot, heat, supply), fc.inlets_c())
    for load, powers in LOADS[room].items():
        path = OUT / ("mesh-check" if tag else "") / f"{room}-{load}{tag}.csv"  # same mesh
        if not path.exists():
            continue
        ref = pd.read_csv(path, index_col="id")["t_inlet_c"].reindex(ids).to_numpy(float)
        factor = _airflow_kw(room, load) / _airflow_kw(room, own)
        same = bool(np.allclose(factor, 1.0))
        bl, ml = (b, mdot) if same else fc.shares(*fc.with_airflows(factor), central=central)
        label = "same" if same else "changed (potential-flow correction)"
        row(f"stored CFD, {load}", label, inlets_c(bl, ml, np.asarray(powers, float), supply), ref)
    return pd.DataFrame(rows)


def aisle_ends(case: Path, x_ends: tuple[float, float], y_span: tuple[float, float],
               z_bands=((0.0, 1.1), (1.1, 2.2), (2.2, 99.0))) -> pd.DataFrame:  # fmt: skip
    """Air crossing the open ends of an aisle along x, by height band: mass flow into the
    aisle (kg/s) at its upwind mean temperature, and out of it; and through its roof plane
    at the rack tops (the second band's top). `x_ends`: the aisle's west and east ends
    (mesh planes); `y_span`: its width."""
    fc = FrozenCase(case)
    o, nb, _, _ = fc._graph
    fcn = fc.face_c[: len(nb)]
    t_c = fc.t_k - 273.15
    rows = []
    for x_end, inward in ((x_ends[0], 1.0), (x_ends[1], -1.0)):
        on = np.abs(fcn[:, 0] - x_end) < 1e-6
        on &= (fcn[:, 1] > y_span[0]) & (fcn[:, 1] < y_span[1])
        west_to_east = np.sign(fc.centres[nb[on], 0] - fc.centres[o[on], 0])  # owner -> nb
        into = fc.phi[on] * west_to_east * inward
        upwind = np.where(fc.phi[on] > 0, t_c[o[on]], t_c[nb[on]])
        z = fcn[on, 2]
        for lo, hi in z_bands:
            m = (z >= lo) & (z < hi)
            f, t = into[m], upwind[m]
            rows.append({"end_x_m": x_end, "z_m": f"{lo:g}-{min(hi, 99):g}",
                         "in_kg_s": float(f[f > 0].sum()), "out_kg_s": float(-f[f < 0].sum()),
                         "t_in_c": float(np.average(t[f > 0], weights=f[f > 0])) if (f > 0).any()
                         else float("nan")})  # fmt: skip
    # the aisle's roof plane at the rack tops (the lowest band's top twice: 2.2 m)
    z_top = z_bands[1][1]
    on = np.abs(fcn[:, 2] - z_top) < 1e-6
    on &= (fcn[:, 0] > x_ends[0]) & (fcn[:, 0] < x_ends[1])
    on &= (fcn[:, 1] > y_span[0]) & (fcn[:, 1] < y_span[1])
    up = fc.phi[on] * np.sign(fc.centres[nb[on], 2] - fc.centres[o[on], 2])
    rows.append({"end_x_m": float("nan"), "z_m": f"roof {z_top:g}", "in_kg_s": float(-up[up < 0].sum()),
                 "out_kg_s": float(up[up > 0].sum()), "t_in_c": float("nan")})  # fmt: skip
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", type=Path)
    ap.add_argument("room", choices=sorted(LOADS))
    ap.add_argument("--upwind", action="store_true", help="first-order upwind (the field's)")
    ap.add_argument("--aisle-ends", nargs=4, type=float, metavar=("X0", "X1", "Y0", "Y1"),
                    help="instead: air through an aisle's open ends (x planes, y span)")  # fmt: skip
    a = ap.parse_args(argv)
    if a.aisle_ends:
        x0, x1, y0, y1 = a.aisle_ends
        print(aisle_ends(a.case, (x0, x1), (y0, y1)).round(3).to_string(index=False))
        return
    print(report(a.case, a.room, central=not a.upwind).round(2).to_string(index=False))


if __name__ == "__main__":
    main()
