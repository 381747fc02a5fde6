"""What the coupled solve checks about its own answer: heat it could not remove, pumps that
move no water, and whether the result converged and balances (see `twin.solve.coupled`).

Each function reads the passes `twin.solve.coupled` computed and returns violation
rows (or the adjusted air result); none of them solves anything itself.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from twin.errors import names
from twin.solve.airflow import crac_cop
from twin.solve.arrays import safe_div
from twin.solve.dx_cop import RATED_AMBIENT_C, available_capacity_kw, running_dx
from twin.solve.hydraulics import TOL_M3_S
from twin.solve.liquid import liquid_model
from twin.solve.plant import design_flow_m3_s, plant_model
from twin.solve.results import BALANCE_REL_TOL, violation
from twin.units import CP_WATER_J_KGK, RHO_WATER_KG_M3, T_BOIL_WATER_C

WATER_KJ_M3K = RHO_WATER_KG_M3 * CP_WATER_J_KGK / 1000.0
"""Heat a cubic metre of water carries per kelvin, kJ/(m3 K)."""
MIN_CIRCUIT_FLOW_M3_S = 1e-9
"""A loop's net pumped flow at or below this moves no water (solver noise, m3/s) [est]."""


def lost_heat(cm, pump_kw, coil_kw, cdu_kw) -> float:
    """Heat whose loop has no sink falls out of the plant (counted as unremoved), kW."""
    return (
        float(np.sum(pump_kw[cm.pump_loop < 0]))
        + float(np.sum(coil_kw[cm.crah_loop < 0]))
        + float(np.sum(cdu_kw[cm.cdu_loop < 0]))
    )


def dx_at_capacity(twin, air, t_db_c: float):
    """DX CRACs are compressor-limited: one given more heat than it can remove at outdoor
    dry bulb `t_db_c` removes that, at its full-load draw, and the rest stays in the hall.

    What it can remove is ``capacity_kw`` times `twin.solve.dx_cop.capacity_factor` (1 at
    the 35 C rating point, less on a hotter day: `dx_cop.available_capacity_kw`, reported
    as ``capacity_avail_kw``; ``loading_pct`` of a DX unit is against it).
    `twin.solve.airflow` gives each unit its rated-capacity share of the hall heat and lets
    a unit given more than its capacity now raise its supply air (a coil at fixed
    effectiveness; `twin.solve.coupled` passes it the same DX capacity at `t_db_c`,
    `dx_cop.derated_capacity_kw`, so the supply air rises exactly when this finds the unit
    over capacity); for a chilled water coil that moves the heat at warmer air, but a DX
    unit's compressor cannot pump more than its capacity, and the COP curve would otherwise
    reward the hotter room with less compressor power. Here an overloaded DX unit draws
    ``capacity / COP(setpoint)`` (its full-load draw at the rated ambient, which
    `dx_cop.dx_at_ambient` then moves to `t_db_c`) and the excess is counted unremoved
    (`res_crahs` gets removed_kw and unremoved_kw; load_kw stays the unit's share), with
    an 'uncooled' violation naming the outdoor air and the capacity there: the hall has no
    steady state and the inlet temperatures shown are a lower bound. A unit past its
    condenser's limit is left to `dx_at_ambient` (it stops: all its share is unremoved).
    Chilled-water CRAHs keep the air model's answer (their heat reaches the plant,
    which has its own capacity check).
    """
    crahs = twin.crahs
    if not len(crahs):
        return air, []
    rc = air.res_crahs
    rated = crahs["capacity_kw"].to_numpy(float)
    cap = available_capacity_kw(crahs, t_db_c)
    load = rc["load_kw"].to_numpy(float)
    dx, stops = running_dx(crahs, rc, t_db_c)
    over = dx & ~stops & (load > cap * (1 + 1e-9))
    short = np.where(over, load - cap, 0.0)
    rc = rc.copy()
    rc["removed_kw"] = load - short  # load_kw stays the unit's share of the hall heat
    rc["unremoved_kw"] = short
    # a DX unit's at the outdoor air; a chilled-water coil's as the air model found it
    rc["capacity_avail_kw"] = np.where(dx, cap, rc["capacity_avail_kw"])
    run = dx & ~stops
    rc["loading_pct"] = np.where(run, 100.0 * safe_div(load, cap), rc["loading_pct"])
    if not over.any():
        return replace(air, res_crahs=rc), []
    comp = np.where(over, cap / crac_cop(crahs["t_supply_c"].to_numpy(float)), rc["compressor_kw"])
    rc["compressor_kw"] = comp
    viol = [
        violation(
            crahs.index[i],
            "uncooled",
            short[i],
            0.0,
            "kW",
            f"DX compressor at its {cap[i]:.1f} kW capacity at {t_db_c:.1f} °C outdoor air "
            f"({rated[i]:.0f} kW rated at {RATED_AMBIENT_C:.0f} °C): {short[i]:.1f} kW of the "
            f"{load[i]:.1f} kW it is given stays in hall {crahs['hall'].iat[i]} (no steady "
            "state; inlet temperatures shown are a lower bound)",
        )
        for i in np.flatnonzero(over)
    ]
    out = replace(
        air,
        res_crahs=rc,
        electric_kw=rc["fan_kw"].to_numpy(float) + comp,
        ambient_kw=np.where(over, cap + comp, air.ambient_kw),
        unremoved_kw=air.unremoved_kw + float(short.sum()),
    )
    return out, viol


def flow_violations(twin, cm, pm, dry, full, direction, res_pumps) -> list[dict]:
    """'no_flow' per dry loop that should carry heat; 'reversed_pump' per reversed pump."""
    out = []
    pumps = twin.pumps
    for i in np.flatnonzero(np.asarray(direction) < 0):
        q = float(res_pumps["flow_m3_s"].iat[i])
        pid, loop = pumps.index[i], pumps["loop"].iat[i]
        out.append(
            violation(
                pid,
                "reversed_pump",
                q,
                0.0,
                "m3/s",
                f"pump {pid} pushes {pumps['from_node'].iat[i]} -> {pumps['to_node'].iat[i]}, "
                f"against the way the pipes of {loop} run: it drives {q:.3f} m3/s backwards "
                "through the loop (swap its from/to?)",
            )
        )
    nl = len(pm.loop_ids)
    n_units = (
        np.bincount(cm.crah_loop[cm.crah_loop >= 0], minlength=nl)
        + np.bincount(cm.cdu_loop[cm.cdu_loop >= 0], minlength=nl)
        + np.bincount(pm.ch_loop, minlength=nl)
        + np.bincount(pm.ch_cond[pm.ch_cond >= 0], minlength=nl)
    )
    n_pumps = np.bincount(cm.pump_own, minlength=nl + 1)[:nl]
    run_pumps = np.bincount(cm.pump_own, res_pumps["running"].to_numpy(float), nl + 1)[:nl]
    for j in np.flatnonzero(dry & (n_units > 0)):
        lid = pm.loop_ids[j]
        if n_pumps[j] == 0:
            why = "it has pipes but no pump"
        elif run_pumps[j] == 0:
            why = "none of its pumps is running"
        else:
            why = (
                f"its pumps drive the circuit backwards or cancel out (net {full[j]:.3f} m3/s "
                "the way its pipes run)"
            )
        out.append(
            violation(
                lid,
                "no_flow",
                full[j],
                MIN_CIRCUIT_FLOW_M3_S,
                "m3/s",
                f"no water moves through {lid}: {why}; the {int(n_units[j])} units that "
                "exchange heat with it stop and their heat is not removed",
            )
        )
    return out


def beyond_boiling_kw(flow_m3_s, t_supply_c, q_kw) -> np.ndarray:
    """Per sink loop, the heat its water cannot carry below `T_BOIL_WATER_C`, kW:
    ``q - rho cp flow (T_boil - T_supply)`` where positive, for loops whose flow is known (NaN:
    hydraulics not modelled, 0). The plant gets the rest; this heat is unremoved (no steady
    state: a 'starved' row, `starved_row`), not carried by water at 4,000 °C (audit 5)."""
    f = np.asarray(flow_m3_s, float)
    known = np.isfinite(f)
    rho_cp = WATER_KJ_M3K
    head_k = np.maximum(T_BOIL_WATER_C - np.asarray(t_supply_c, float), 0.0)
    cap = rho_cp * np.where(known, f, 0.0) * head_k  # no inf * 0 where the supply boils
    return np.where(known, np.maximum(np.asarray(q_kw, float) - cap, 0.0), 0.0)


def short_pump_violations(
    twin, cm, pm, dry, full, draw_m3_s, res_loops, res_pipes=None, q_boil=None
) -> list[dict]:
    """One row per sink loop whose pumps at full speed move less water than it needs: what
    all its heat (the pumps' own included) needs at the design rise, or what its units
    draw, if more: the need the variable-speed pumps follow (`coupled._pump_speeds`) and
    `twin.scenarios.refresh_limits` checks. The loop's return is then the flow-weighted
    mix at that flow (`plant.return_rise_k`): above its design return a
    'coolant_temperature' row (value the return, limit supply + design rise), else (only
    the units' draw is short: they share the water, `twin.solve.coupled`) an
    'over_capacity' row (value the draw, limit the pumps' flow, m3/s). The message names
    the pumps, their flow and the heat they carry at the design rise. A loop with heat its
    water cannot carry below `T_BOIL_WATER_C` (`q_boil`, `beyond_boiling_kw`: left out of
    ``q_kw`` of `res_loops`) is no steady state at all: a 'starved' row instead.
    """
    out = []
    nl = len(pm.loop_ids)
    if not nl:
        return out
    rl = res_loops.reindex(pm.loop_ids)
    boil = np.zeros(nl) if q_boil is None else np.asarray(q_boil, float)
    q = rl["q_kw"].to_numpy(float) + boil
    t_sup, t_ret = rl["t_supply_c"].to_numpy(float), rl["t_return_c"].to_numpy(float)
    dt = pm.loop_dt_k
    rho_cp = WATER_KJ_M3K
    need = design_flow_m3_s(q, dt)
    want = np.maximum(need, np.asarray(draw_m3_s, float))
    short = cm.hydraulic & ~np.asarray(dry, bool) & (q > 0) & (full < want * (1.0 - 1e-9))
    pumps = twin.pumps
    for j in np.flatnonzero(short):
        lid = pm.loop_ids[j]
        names = ", ".join(pumps.index[cm.pump_own == j]) if len(pumps) else ""
        design = t_sup[j] + dt[j]
        head = (
            f"pumps {names} of {lid} at full speed move {full[j]:.4f} m3/s, carrying "
            f"{full[j] * rho_cp * dt[j]:.0f} kW at its {dt[j]:.1f} K design rise; its "
            f"{q[j]:.0f} kW needs {need[j]:.4f} m3/s and its units draw {draw_m3_s[j]:.4f} m3/s"
        )
        if boil[j] > 0:
            out.append(starved_row(twin, cm, j, lid, full[j], q[j], need[j], boil[j], res_pipes))
        elif t_ret[j] > design + 1e-6:
            out.append(
                violation(
                    lid,
                    "coolant_temperature",
                    t_ret[j],
                    design,
                    "C",
                    f"{head}: return {t_ret[j]:.1f} °C, {design:.1f} °C at design",
                )
            )
        else:
            out.append(
                violation(
                    lid,
                    "over_capacity",
                    want[j],
                    full[j],
                    "m3/s",
                    f"{head}: the units share what there is",
                )
            )
    return out


def starved_row(twin, cm, j, lid, flow, q_kw, need, beyond_kw, res_pipes) -> dict:
    """'starved': loop `lid`'s pumps at full speed push `flow` m3/s through its pipes, so
    little that carrying its `q_kw` would take the water past `T_BOIL_WATER_C`: no steady
    state within the physical range. Value: the flow delivered, limit: what its heat needs at
    the design rise (m3/s). The message gives the pumps' rated flow, the pipe with the
    largest pressure drop against the pumps' shut-off head (where the head goes), and the
    residual `beyond_kw`: the heat beyond what that flow carries below boiling, unremoved."""
    pumps = twin.pumps
    mine = cm.pump_own == j
    rated = float(pumps["flow_m3_s"].to_numpy(float)[mine].sum())
    h0 = float(pumps["head_kpa"].to_numpy(float)[mine].max())
    carried = q_kw - beyond_kw
    where = ""
    if res_pipes is not None and len(res_pipes) and (cm.pipe_own == j).any():
        dp = res_pipes["dp_kpa"].to_numpy(float)
        k = np.flatnonzero(cm.pipe_own == j)
        k = k[np.argmax(np.abs(dp[k]))]
        pid = res_pipes.index[k]
        d = float(twin.pipes["diameter_m"].iat[k])
        where = (
            f"; pipe {pid} ({d:g} m diameter) takes {abs(dp[k]):.0f} kPa of their {h0:.0f} kPa "
            f"shut-off head at {float(res_pipes['velocity_m_s'].iat[k]):.2f} m/s"
        )
    return violation(
        lid,
        "starved",
        flow,
        need,
        "m3/s",
        f"{lid} starved of water: its pumps {names(list(pumps.index[mine]))} at full speed "
        f"move {flow:.4f} m3/s, {100 * flow / rated:.1f} % of their {rated:.3f} m3/s rated, "
        f"and its {q_kw:.0f} kW needs {need:.4f} m3/s at its design rise{where}. Below "
        f"{T_BOIL_WATER_C:.0f} °C (water boils) that flow carries {carried:.0f} kW: "
        f"{beyond_kw:.0f} kW more stays unremoved: no steady state within the physical range "
        "(its temperatures and those of the units it feeds are not an answer)",
    )


def uncooled_racks(twin, am, air, rack_air: np.ndarray, t_db_c: float) -> list[dict]:
    """An 'uncooled' violation per rack with air heat in a hall where no CRAH/CRAC removes
    heat: none running, or every one running is a DX unit whose compressor the outdoor air
    `t_db_c` stopped (above its condenser's limit, `dx_cop.running_dx`; its fans still move
    the air, but the heat goes nowhere). `twin.solve.consequence` trips these racks, as
    it trips those of a hall whose units all failed. A hall where some unit still removes
    heat keeps its racks: heat left over there is an 'uncooled' violation on the units
    (`dx_at_capacity`, `dx_cop.dx_at_ambient`), whose inlets are a lower bound."""
    crahs = twin.crahs
    nh = len(air.res_halls)
    running = air.res_halls["crah_capacity_kw"].to_numpy(float) > 0
    hall_cooled = running
    if len(crahs):
        _, stops = running_dx(crahs, air.res_crahs, t_db_c)
        removing = air.res_crahs["running"].to_numpy(bool) & ~stops
        hall_cooled = running & (np.bincount(am.crah_hall, removing, nh) > 0)
    dx_stopped = running & ~hall_cooled
    hit = np.flatnonzero(~hall_cooled[am.rack_hall] & (rack_air > 0))
    halls = air.res_halls.index
    out = []
    for i in hit:
        h = am.rack_hall[i]
        why = (
            f"its DX units' compressors stopped by {t_db_c:.1f} °C outdoor air (above their "
            "condensers' limit)"
            if dx_stopped[h]
            else "no CRAH/CRAC running"
        )
        out.append(
            violation(
                twin.racks.index[i],
                "uncooled",
                rack_air[i],
                0.0,
                "kW",
                f"{rack_air[i]:.1f} kW of air-side heat and {why} in hall {halls[h]}: "
                "no steady inlet temperature",
            )
        )
    return out


def loop_balance(twin, liq, plant) -> float:
    """Largest |heat in - heat out - heat unremoved| over the loops, kW, from the tables.

    TCS loops: rack liquid heat and CDU pumps in, the CDUs' duty out. Facility, chilled
    and condenser loops: what reached the plant in, dry coolers, towers and chillers out.
    And every loop's water (`_water_residual`): its heat against ``rho cp flow (T_ret -
    T_sup)`` at the flow and temperatures it reports.
    """
    lm, pm = liquid_model(twin), plant_model(twin)
    cd = liq.res_cdus
    tcs_out = np.bincount(
        lm.cdu_loop, (cd["load_kw"] * cd["running"]).to_numpy(float), len(lm.loop_ids)
    )
    tl = liq.res_loops
    r_tcs = tl["q_kw"].to_numpy(float) - tcs_out - tl["unremoved_kw"].to_numpy(float)
    n = len(pm.loop_ids)
    sink_out = (
        np.bincount(pm.dc_loop, plant.res_dry_coolers["load_kw"].to_numpy(float), n)
        + np.bincount(pm.ct_loop, plant.res_cooling_towers["load_kw"].to_numpy(float), n)
        + np.bincount(pm.ch_loop, plant.res_chillers["load_kw"].to_numpy(float), n)
    )
    pl = plant.res_loops
    r_sink = pl["q_kw"].to_numpy(float) - sink_out - pl["unremoved_kw"].to_numpy(float)
    r = np.r_[r_tcs, r_sink]
    if not np.isfinite(r).all():
        return float("nan")
    r_water = np.r_[_water_residual(tl), _water_residual(pl)]
    return float(max(np.max(np.abs(r), initial=0.0), np.max(np.abs(r_water), initial=0.0)))


def _water_residual(loops) -> np.ndarray:
    """Per loop whose water moves and has temperatures, ``q - rho cp flow (T_ret - T_sup)``,
    kW: the heat the loop reports against what its water carries at its own flow and
    temperatures (a return left at the design rise while the pumps move less fails here)."""
    if not len(loops) or "flow_m3_s" not in loops:
        return np.zeros(0)
    q = loops["q_kw"].to_numpy(float)
    f = loops["flow_m3_s"].to_numpy(float)
    rise = loops["t_return_c"].to_numpy(float) - loops["t_supply_c"].to_numpy(float)
    ok = np.isfinite(f) & (f > 0) & np.isfinite(rise) & np.isfinite(q)
    carried = WATER_KJ_M3K * np.where(ok, f * rise, 0.0)
    return np.where(ok, q - carried, 0.0)


def trust_violations(twin, kpis, hyd, status, iterations, tol_kw) -> list[dict]:
    """Convergence of the pipe networks and of the coupling, and the energy balances.

    A balance residual above ``BALANCE_REL_TOL`` of facility power (plus the coupled
    iteration's own `tol_kw`) is 'not_balanced': the result breaks conservation of
    energy. Every check reads kpis already computed, so each residual is in `kpis`.
    """
    rows = []
    if not hyd.converged:
        node = hyd.res_node["imbalance_m3_s"].abs()
        worst = str(node.idxmax()).split("|")[0] if len(node) and node.notna().any() else "site"
        rows.append(
            violation(
                worst,
                "not_converged",
                hyd.residual_m3_s,
                TOL_M3_S,
                "m3/s",
                f"pipe network did not converge in {hyd.iterations} Newton iterations "
                f"(last step {hyd.residual_m3_s:.3g} m3/s, loop {worst}): flows and pump "
                "power are not a solution",
            )
        )
    if not status[0]:
        rows.append(
            violation(
                "site",
                "not_converged",
                status[1],
                tol_kw,
                "kW",
                f"power and cooling did not settle in {iterations} coupled passes: cooling "
                f"power still moves {status[1]:.3g} kW and a loop supply {status[2]:.3g} K "
                "per pass",
            )
        )
    facility = float(kpis["facility_kw"])
    tol = BALANCE_REL_TOL * max(abs(facility), 1.0) + tol_kw
    for key, what in (
        ("power_balance_residual_kw", "facility power - (IT + losses + cooling power)"),
        ("energy_balance_residual_kw", "heat out + heat unremoved - facility power"),
        ("loop_balance_residual_kw", "a loop's heat in - heat out - heat unremoved"),
    ):
        r = float(kpis[key])
        if not abs(r) <= tol:  # NaN fails too
            rows.append(
                violation(
                    "site",
                    "not_balanced",
                    r,
                    tol,
                    "kW",
                    f"energy does not balance: {what} = {r:.6g} kW (tolerance {tol:.3g} kW)",
                )
            )
    return rows
