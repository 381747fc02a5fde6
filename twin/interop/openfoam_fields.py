"""The initial and boundary fields of a twin case (`0.orig/`: U, T, p_rgh, p, k, epsilon, nut, alphat).

Rack fronts suck their design airflow out and backs blow it in again, heated
by exactly the rack's heat (`outletMappedUniformInletHeatAddition`); unit
supplies blow their share at the supply temperature; returns and ducts sit at
fixed pressure. Split out of `twin.interop.openfoam`, whose docstring
describes the whole case.
"""

from __future__ import annotations

from twin.units import RHO_AIR_KG_M3

__all__ = ["boundary_fields"]


def boundary_fields(names, q, heat_w, sup_names, sup_flow, ret_names, t_sup_k):
    rho = RHO_AIR_KG_M3
    k_in, eps_in = 0.01, 0.001

    def block(entries: dict[str, str]) -> str:
        return "".join(f"    {p}\n    {{\n{e}    }}\n" for p, e in entries.items())

    def each(fn_in, fn_out, fn_sup, fn_ret, wall):
        e = {"walls": wall}
        for i, nm in enumerate(names):
            e[f"{nm}_in"] = fn_in(i, nm)
            e[f"{nm}_out"] = fn_out(i, nm)
        for u, nm in enumerate(sup_names):
            e[nm] = fn_sup(u)
        for u, nm in enumerate(ret_names):
            e[nm] = fn_ret(u)
        return block(e)

    zero = "        type zeroGradient;\n"
    fixed = "        type fixedFluxPressure;\n        value uniform 1e5;\n"
    u_body = each(
        lambda i, nm: (
            f"        type flowRateInletVelocity;\n        massFlowRate {-rho * q[i]:.6g};\n"
            f"        rhoInlet {rho};\n        value uniform (0 0 0);\n"
        ),
        lambda i, nm: (
            f"        type flowRateInletVelocity;\n        massFlowRate {rho * q[i]:.6g};\n"
            f"        rhoInlet {rho};\n        value uniform (0 0 0);\n"
        ),
        lambda u: (
            f"        type flowRateInletVelocity;\n        volumetricFlowRate {sup_flow[u]:.6g};\n"
            "        value uniform (0 0 0);\n"
        ),
        lambda u: "        type pressureInletOutletVelocity;\n        value uniform (0 0 0);\n",
        "        type noSlip;\n",
    )
    t_body = each(
        lambda i, nm: zero,
        lambda i, nm: (
            "        type outletMappedUniformInletHeatAddition;\n"
            f"        outletPatch {nm}_in;\n        Q {heat_w[i]:.6g};\n        value uniform {t_sup_k};\n"
        ),
        lambda u: f"        type fixedValue;\n        value uniform {t_sup_k};\n",
        lambda u: (
            f"        type inletOutlet;\n        inletValue uniform {t_sup_k};\n"
            f"        value uniform {t_sup_k};\n"
        ),
        zero,
    )
    p_rgh = each(
        lambda i, nm: fixed,
        lambda i, nm: fixed,
        lambda u: fixed,
        lambda u: "        type fixedValue;\n        value uniform 1e5;\n",
        fixed,
    )
    calc = "        type calculated;\n        value uniform 1e5;\n"
    p = each(lambda i, nm: calc, lambda i, nm: calc, lambda u: calc, lambda u: calc, calc)

    def turb(val, wall_type):
        inflow = f"        type fixedValue;\n        value uniform {val};\n"
        out = f"        type inletOutlet;\n        inletValue uniform {val};\n        value uniform {val};\n"
        return each(
            lambda i, nm: zero,
            lambda i, nm: inflow,
            lambda u: inflow,
            lambda u: out,
            f"        type {wall_type};\n        value uniform {val};\n",
        )

    calc0 = "        type calculated;\n        value uniform 0;\n"
    nut = each(
        lambda i, nm: calc0,
        lambda i, nm: calc0,
        lambda u: calc0,
        lambda u: calc0,
        "        type nutkWallFunction;\n        value uniform 0;\n",
    )
    alphat = each(
        lambda i, nm: calc0,
        lambda i, nm: calc0,
        lambda u: calc0,
        lambda u: calc0,
        "        type compressible::alphatWallFunction;\n        Prt 0.85;\n        value uniform 0;\n",
    )
    return {
        "U": ("volVectorField", "[0 1 -1 0 0 0 0]", "(0 0 0)", u_body),
        "T": ("volScalarField", "[0 0 0 1 0 0 0]", t_sup_k, t_body),
        "p_rgh": ("volScalarField", "[1 -1 -2 0 0 0 0]", "1e5", p_rgh),
        "p": ("volScalarField", "[1 -1 -2 0 0 0 0]", "1e5", p),
        "k": ("volScalarField", "[0 2 -2 0 0 0 0]", k_in, turb(k_in, "kqRWallFunction")),
        "epsilon": (
            "volScalarField",
            "[0 2 -3 0 0 0 0]",
            eps_in,
            turb(eps_in, "epsilonWallFunction"),
        ),
        "nut": ("volScalarField", "[0 2 -1 0 0 0 0]", 0, nut),
        "alphat": ("volScalarField", "[1 -1 -1 0 0 0 0]", 0, alphat),
    }
