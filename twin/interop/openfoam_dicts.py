"""OpenFOAM dictionary files of a twin case that do not depend on its geometry's boundary values.

The FoamFile header and writer, the blockMesh box, the physics in `constant/`
(gravity, perfect-gas air with the twin's cp, k-epsilon), `system/` (the
controlDict with the function objects sampling each rack front every
`SAMPLE_EVERY` iterations, schemes, solvers, decomposition) and the `Allrun`
script. Split out of `twin.interop.openfoam` (the case writer, which
re-exports `SAMPLE_EVERY`); the settings are the ones that worked on this
machine (../shared/CFD.md).
"""

from __future__ import annotations

from pathlib import Path

from twin.units import CP_AIR_J_KGK

__all__ = [
    "ALLRUN",
    "SAMPLE_EVERY",
    "block_mesh_dict",
    "foam_file",
    "foam_vec",
    "write_constant",
    "write_system",
]

SAMPLE_EVERY = 10
"""Iterations between samples of the rack-front temperatures."""

HEADER = """FoamFile
{{
    version 2.0;
    format ascii;
    class {cls};
    object {obj};
}}
"""


def foam_file(path: Path, cls: str, obj: str, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER.format(cls=cls, obj=obj) + body)


def foam_vec(p) -> str:
    return "(" + " ".join(f"{float(c):.6g}" for c in p) + ")"


def block_mesh_dict(w, d, h, nx, ny, nz) -> str:
    return f"""convertToMeters 1;
vertices ((0 0 0) ({w} 0 0) ({w} {d} 0) (0 {d} 0) (0 0 {h}) ({w} 0 {h}) ({w} {d} {h}) (0 {d} {h}));
blocks (hex (0 1 2 3 4 5 6 7) ({nx} {ny} {nz}) simpleGrading (1 1 1));
boundary
(
    walls
    {{
        type wall;
        faces ((0 3 2 1) (4 5 6 7) (0 1 5 4) (1 2 6 5) (2 3 7 6) (3 0 4 7));
    }}
);
"""


def write_constant(out: Path) -> None:
    foam_file(out / "constant/g", "uniformDimensionedVectorField", "g",
          "dimensions [0 1 -2 0 0 0 0];\nvalue (0 0 -9.81);\n")  # fmt: skip
    foam_file(
        out / "constant/thermophysicalProperties",
        "dictionary",
        "thermophysicalProperties",
        f"""thermoType
{{
    type heRhoThermo;
    mixture pureMixture;
    transport const;
    thermo hConst;
    equationOfState perfectGas;
    specie specie;
    energy sensibleEnthalpy;
}}
mixture
{{
    specie {{ molWeight 28.96; }}
    thermodynamics {{ Cp {CP_AIR_J_KGK}; Hf 0; }}
    transport {{ mu 1.831e-05; Pr 0.705; }}
}}
""",
    )
    foam_file(out / "constant/turbulenceProperties", "dictionary", "turbulenceProperties",
          "simulationType RAS;\nRAS { RASModel kEpsilon; turbulence on; printCoeffs off; }\n")  # fmt: skip


def write_system(out: Path, names: list[str], ret_names: list[str], iterations: int) -> None:
    fos = []
    for nm in names:
        for op in ("areaAverage", "max"):
            fos.append(
                f"    {nm}_{op}\n    {{\n        type surfaceFieldValue;\n"
                "        libs (fieldFunctionObjects);\n        writeControl timeStep;\n"
                f"        writeInterval {SAMPLE_EVERY};\n        log false;\n        writeFields false;\n"
                f"        regionType patch;\n        name {nm}_in;\n        operation {op};\n"
                "        fields (T);\n    }\n"
            )
    for ret in ret_names:
        fos.append(
            f"    {ret}_T\n    {{\n        type surfaceFieldValue;\n"
            "        libs (fieldFunctionObjects);\n        writeControl timeStep;\n"
            f"        writeInterval {SAMPLE_EVERY};\n        log false;\n        writeFields false;\n"
            f"        regionType patch;\n        name {ret};\n        operation weightedAverage;\n"
            "        weightField phi;\n        fields (T);\n    }\n"
        )
        fos.append(
            f"    {ret}_phi\n    {{\n        type surfaceFieldValue;\n"
            "        libs (fieldFunctionObjects);\n        writeControl timeStep;\n"
            f"        writeInterval {SAMPLE_EVERY};\n        log false;\n        writeFields false;\n"
            f"        regionType patch;\n        name {ret};\n        operation sum;\n"
            "        fields (phi);\n    }\n"
        )
    foam_file(
        out / "system/controlDict",
        "dictionary",
        "controlDict",
        f"""application buoyantSimpleFoam;
startFrom startTime;
startTime 0;
stopAt endTime;
endTime {iterations};
deltaT 1;
writeControl timeStep;
writeInterval {iterations};
purgeWrite 1;
writeFormat ascii;
writePrecision 6;
writeCompression off;
timeFormat general;
timePrecision 6;
runTimeModifiable false;
functions
{{
{"".join(fos)}}}
""",
    )
    foam_file(
        out / "system/fvSchemes",
        "dictionary",
        "fvSchemes",
        """ddtSchemes { default steadyState; }
gradSchemes { default Gauss linear; }
divSchemes
{
    default none;
    div(phi,U) bounded Gauss limitedLinear 0.2;
    div(phi,K) bounded Gauss limitedLinear 0.2;
    div(phi,h) bounded Gauss limitedLinear 0.2;
    div(phi,k) bounded Gauss upwind;
    div(phi,epsilon) bounded Gauss upwind;
    div(((rho*nuEff)*dev2(T(grad(U))))) Gauss linear;
}
laplacianSchemes { default Gauss linear corrected; }
interpolationSchemes { default linear; }
snGradSchemes { default corrected; }
wallDist { method meshWave; }
""",
    )
    foam_file(
        out / "system/fvSolution",
        "dictionary",
        "fvSolution",
        """solvers
{
    p_rgh { solver GAMG; tolerance 1e-7; relTol 0.01; smoother DICGaussSeidel; }
    "(U|h|k|epsilon)" { solver PBiCGStab; preconditioner DILU; tolerance 1e-8; relTol 0.1; }
}
SIMPLE
{
    momentumPredictor no;
    nNonOrthogonalCorrectors 0;
}
relaxationFactors
{
    fields { rho 1.0; p_rgh 0.7; }
    equations { U 0.3; h 0.3; "(k|epsilon)" 0.7; }
}
""",
    )
    foam_file(out / "system/decomposeParDict", "dictionary", "decomposeParDict",
          "numberOfSubdomains 2;\nmethod simple;\ncoeffs { n (2 1 1); }\n"
          "simpleCoeffs { n (2 1 1); delta 0.001; }\n")  # fmt: skip


ALLRUN = """#!/bin/bash
# Mesh and run this case (twin cfd run does the same and reads the result back).
cd "${0%/*}" || exit 1
. /usr/share/openfoam/etc/bashrc >/dev/null 2>&1
blockMesh > log.blockMesh 2>&1 || exit 1
topoSet -dict system/topoSetDict.cells > log.topoSet.cells 2>&1 || exit 1
subsetMesh fluid -patch walls -overwrite > log.subsetMesh 2>&1 || exit 1
topoSet -dict system/topoSetDict.faces > log.topoSet.faces 2>&1 || exit 1
createPatch -overwrite > log.createPatch 2>&1 || exit 1
rm -rf 0 && cp -r 0.orig 0
buoyantSimpleFoam > log.buoyantSimpleFoam 2>&1
"""
