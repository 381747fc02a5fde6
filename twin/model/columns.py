"""The one map from a table column or headline number to what a person reads: label, unit, digits.

Every screen (app pages, 3D colour bar and tooltips, HTML report, CLI human output)
shows `header(name)` instead of a column name and `fmt(value, name)` instead of a
raw float, so `t_inlet_c` reads "Rack inlet temperature (°C)" and 24.61234 reads
"24.6" everywhere. A name the map does not declare still gets a unit from its
suffix (the codebase's convention: `_kw`, `_c`, `_pct`, `_m3_s`...) and a label
from its words, so a new result column is readable before anyone declares it.

Plain data and pure functions (pandas only): every layer above may import it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Column:
    """How one column or headline number is shown."""

    label: str
    unit: str = ""
    digits: int = 1


# unit suffix -> (unit shown, digits): the naming convention of DESIGN.md
SUFFIXES: dict[str, tuple[str, int]] = {
    "_kw": ("kW", 1),
    "_mw": ("MW", 2),
    "_kva": ("kVA", 1),
    "_kvar": ("kvar", 1),
    "_ka": ("kA", 3),
    "_kv": ("kV", 2),
    "_pu": ("p.u.", 3),
    "_pct": ("%", 1),
    "_c": ("°C", 1),
    "_k": ("K", 1),
    "_m3_s": ("m³/s", 3),
    "_m3_h": ("m³/h", 2),
    "_m_s": ("m/s", 2),
    "_kpa": ("kPa", 1),
    "_m2": ("m²", 0),
    "_m": ("m", 1),
    "_s": ("s", 0),
    "_min": ("min", 1),
    "_h": ("h", 2),
    "_kwh": ("kWh", 0),
    "_mwh": ("MWh", 1),
    "_l_per_kwh": ("L/kWh", 2),
    "_kg_per_kwh": ("kg/kWh", 3),
    "_usd": ("USD", 0),
    "_degree": ("°", 2),
    "_ohm_per_km": ("Ω/km", 3),
}

_C = Column
COLUMNS: dict[str, Column] = {
    # ids and text
    "id": _C("ID", "", 0),
    "component": _C("Component", "", 0),
    "kind": _C("Kind", "", 0),
    "name": _C("Name", "", 0),
    "hall": _C("Hall", "", 0),
    "row": _C("Row", "", 0),
    "slot": _C("Slot", "", 0),
    "profile": _C("Profile", "", 0),
    "accelerator": _C("Accelerator", "", 0),
    "feed_a": _C("Feed A", "", 0),
    "feed_b": _C("Feed B", "", 0),
    "feed": _C("Feed", "", 0),
    "upstream": _C("Upstream", "", 0),
    "alternate": _C("Alternate feed", "", 0),
    "loop": _C("Loop", "", 0),
    "liquid_loop": _C("Liquid loop", "", 0),
    "facility_loop": _C("Facility loop", "", 0),
    "condenser_loop": _C("Condenser loop", "", 0),
    "fed_from": _C("Fed from", "", 0),
    "type": _C("Type", "", 0),
    "mode": _C("Mode", "", 0),
    "fluid": _C("Fluid", "", 0),
    "containment": _C("Containment", "", 0),
    "ashrae_class": _C("ASHRAE class", "", 0),
    "w_class": _C("ASHRAE W class", "", 0),
    "building": _C("Building", "", 0),
    "status": _C("Status", "", 0),
    "message": _C("Message", "", 0),
    "unit": _C("Unit", "", 0),
    "table": _C("Table", "", 0),
    "quantity": _C("Quantity", "", 0),
    "contingency": _C("Failure", "", 0),
    "kinds": _C("Kind", "", 0),
    "worst_element": _C("Worst loaded element", "", 0),
    "worst_cooling_group": _C("Worst cooling group", "", 0),
    "thermal_state": _C("Thermal state", "", 0),
    "direction": _C("Direction", "", 0),
    "from_node": _C("From", "", 0),
    "to_node": _C("To", "", 0),
    "battery_chemistry": _C("Battery chemistry", "", 0),
    "series": _C("Curve", "", 0),
    # rack design
    "power_kw": _C("Rack power (design)", "kW", 1),
    "power_factor": _C("Power factor", "", 2),
    "liquid_fraction": _C("Liquid-cooled share", "", 2),
    "split_a": _C("Share on feed A", "", 2),
    "x_m": _C("x", "m", 1),
    "y_m": _C("y", "m", 1),
    "pos_x_m": _C("x", "m", 1),
    "pos_y_m": _C("y", "m", 1),
    "x0_m": _C("x", "m", 1),
    "y0_m": _C("y", "m", 1),
    "face_x": _C("Faces x", "", 0),
    "face_y": _C("Faces y", "", 0),
    "width_m": _C("Width", "m", 2),
    "depth_m": _C("Depth", "m", 2),
    "height_m": _C("Height", "m", 2),
    "n_racks": _C("Racks", "", 0),
    # rack results
    "p_kw": _C("Power drawn", "kW", 1),
    "p_a_kw": _C("Power on feed A", "kW", 1),
    "p_b_kw": _C("Power on feed B", "kW", 1),
    "q_a_kvar": _C("Reactive power on feed A", "kvar", 1),
    "q_b_kvar": _C("Reactive power on feed B", "kvar", 1),
    "p_demand_kw": _C("Power demanded", "kW", 1),
    "live_a": _C("Feed A live", "", 0),
    "live_b": _C("Feed B live", "", 0),
    "fed": _C("Powered", "", 0),
    "t_inlet_c": _C("Rack inlet temperature", "°C", 1),
    "t_outlet_c": _C("Rack outlet temperature", "°C", 1),
    "t_coolant_supply_c": _C("Coolant supply temperature", "°C", 1),
    "t_coolant_return_c": _C("Coolant return temperature", "°C", 1),
    "t_coolant_out_c": _C("Coolant outlet temperature", "°C", 1),
    "t_coolant_c": _C("Coolant temperature", "°C", 1),
    "coolant_flow_m3_s": _C("Coolant flow", "m³/s", 4),
    "air_kw": _C("Heat to air", "kW", 1),
    "inlet_recommended": _C("Inlet within recommended range", "", 0),
    "inlet_allowable": _C("Inlet within allowable range", "", 0),
    "pdu_loading_pct": _C("Feeding PDU loading", "%", 1),
    "pdu_headroom_pct": _C("Feeding PDU headroom", "%", 1),
    # power elements
    "rating_kva": _C("Rating", "kVA", 0),
    "q_kvar": _C("Reactive power", "kvar", 1),
    "p_out_kw": _C("Power out", "kW", 1),
    "q_out_kvar": _C("Reactive power out", "kvar", 1),
    "i_ka": _C("Current", "kA", 3),
    "loading_pct": _C("Loading", "%", 1),
    "loss_kw": _C("Losses", "kW", 1),
    "loss_cable_kw": _C("Cable losses", "kW", 2),
    "vm_pu": _C("Voltage", "p.u.", 3),
    "va_degree": _C("Voltage angle", "°", 2),
    "v_kv": _C("Voltage", "kV", 2),
    "live": _C("Live", "", 0),
    "it_kw": _C("IT load served", "kW", 1),
    "failover_it_kw": _C("IT load after failover", "kW", 1),
    "failover_loading_pct": _C("Loading after failover", "%", 1),
    "headroom_pct": _C("Headroom", "%", 1),
    "headroom_kva": _C("Headroom", "kVA", 0),
    "depth": _C("Depth in the power chain", "", 0),
    "cable_length_m": _C("Cable length", "m", 1),
    "cable_parallel": _C("Parallel cables", "", 0),
    "loss_pct": _C("Losses", "%", 2),
    "z_pct": _C("Impedance", "%", 2),
    "x_r": _C("X/R ratio", "", 1),
    "p0_pct": _C("No-load losses", "%", 2),
    "pk_pct": _C("Load losses", "%", 2),
    "battery_kwh": _C("Battery energy", "kWh", 0),
    "battery_rated_time_h": _C("Battery rated time", "h", 2),
    "battery_peukert_k": _C("Peukert exponent", "", 2),
    # ride-through curves (twin.solve.transient's timeseries quantities)
    "hall_air": _C("Hall air", "°C", 1),
    "equipment": _C("Equipment (thermal mass)", "°C", 1),
    "tcs_coolant": _C("Rack coolant loop", "°C", 1),
    "water_loop": _C("Facility water loop", "°C", 1),
    "rack_inlet_max": _C("Hottest rack inlet", "°C", 1),
    "rack_coolant_supply_max": _C("Warmest rack coolant supply", "°C", 1),
    # UPS ride-through (twin.solve.transient's power table)
    "peukert_k": _C("Peukert exponent", "", 2),
    "ups_load_kw": _C("UPS load", "kW", 1),
    "gap_s": _C("Generator takes the load after", "s", 0),
    "margin_s": _C("Battery margin over the generator start", "s", 0),
    # cooling
    "running": _C("Running", "", 0),
    "on": _C("On", "", 0),
    "load_kw": _C("Heat load", "kW", 1),
    "capacity_kw": _C("Capacity", "kW", 0),
    "capacity_avail_kw": _C("Capacity available", "kW", 0),
    "airflow_m3_s": _C("Airflow", "m³/s", 2),
    "fan_kw": _C("Fan power", "kW", 1),
    "compressor_kw": _C("Compressor power", "kW", 1),
    "t_supply_c": _C("Supply temperature", "°C", 1),
    "t_return_c": _C("Return temperature", "°C", 1),
    "removed_kw": _C("Heat removed", "kW", 1),
    "unremoved_kw": _C("Heat not removed", "kW", 1),
    "pump_kw": _C("Pump power", "kW", 1),
    "tcs_flow_m3_s": _C("Rack-side (TCS) flow", "m³/s", 4),
    "facility_flow_m3_s": _C("Facility-side (FWS) flow", "m³/s", 4),
    "t_tcs_supply_c": _C("TCS supply temperature", "°C", 1),
    "t_tcs_return_c": _C("TCS return temperature", "°C", 1),
    "t_fws_supply_c": _C("FWS supply temperature", "°C", 1),
    "t_fws_return_c": _C("FWS return temperature", "°C", 1),
    "approach_k": _C("Approach", "K", 1),
    "effectiveness": _C("Effectiveness", "", 2),
    "flow_m3_s": _C("Flow", "m³/s", 4),
    "velocity_m_s": _C("Velocity", "m/s", 2),
    "re": _C("Reynolds number", "", 0),
    "friction_factor": _C("Friction factor", "", 4),
    "dp_kpa": _C("Pressure drop", "kPa", 1),
    "head_kpa": _C("Pump head", "kPa", 1),
    "efficiency": _C("Efficiency", "", 2),
    "length_m": _C("Length", "m", 1),
    "diameter_m": _C("Diameter", "m", 3),
    "roughness_m": _C("Roughness", "m", 6),
    "speed": _C("Speed (fraction of rated)", "", 2),
    "networked": _C("In the pipe network", "", 0),
    "plr": _C("Part-load ratio", "", 2),
    "t_chw_leaving_c": _C("Chilled water leaving", "°C", 1),
    "t_cond_entering_c": _C("Condenser water entering", "°C", 1),
    "cop": _C("COP", "", 2),
    "cop_ref": _C("COP (rated)", "", 2),
    "min_plr": _C("Minimum part-load ratio", "", 2),
    "condenser_kw": _C("Condenser heat", "kW", 1),
    "t_water_c": _C("Water temperature", "°C", 1),
    "evaporation_m3_h": _C("Evaporation", "m³/h", 2),
    "makeup_m3_h": _C("Make-up water", "m³/h", 2),
    "q_kw": _C("Heat load", "kW", 1),
    "free_cooling_kw": _C("Free cooling", "kW", 1),
    "chiller_kw": _C("Chiller cooling", "kW", 1),
    "t_free_cooling_c": _C("Free-cooling limit", "°C", 1),
    "t_setpoint_c": _C("Set point", "°C", 1),
    "dt_design_k": _C("Design ΔT", "K", 1),
    # halls
    "q_air_kw": _C("Heat to air", "kW", 1),
    "crah_capacity_kw": _C("CRAH capacity", "kW", 0),
    "airflow_need_m3_s": _C("Airflow needed", "m³/s", 2),
    "airflow_supply_m3_s": _C("Airflow supplied", "m³/s", 2),
    "t_inlet_max_c": _C("Hottest rack inlet (top of rack)", "°C", 1),
    "t_inlet_mean_c": _C("Mean rack inlet", "°C", 1),
    "shi": _C("Supply heat index (SHI)", "", 3),
    "rhi": _C("Return heat index (RHI)", "", 3),
    "rci_hi_pct": _C("Rack cooling index, high (RCI-HI)", "%", 1),
    "rci_lo_pct": _C("Rack cooling index, low (RCI-LO)", "%", 1),
    "rti_pct": _C("Return temperature index (RTI)", "%", 1),
    # violations and comparisons
    "value": _C("Value", "", 2),
    "limit": _C("Limit", "", 2),
    "a": _C("Before", "", 2),
    "b": _C("After", "", 2),
    "change": _C("Change", "", 2),
    "count": _C("Count", "", 0),
    "max_loading_pct": _C("Worst loading", "%", 1),
    "max_failover_loading_pct": _C("Worst loading after failover", "%", 1),
    "max_cooling_loading_pct": _C("Worst cooling loading", "%", 1),
    # N-1 and scenario summaries
    "rank": _C("Rank", "", 0),
    "scenario": _C("Scenario", "", 0),
    "it_lost_kw": _C("IT lost", "kW", 1),
    # timeline: outage, UPS batteries, loops' stored heat, tokens lost (twin.solve.timeline)
    "generator_kw": _C("Generator", "kW", 1),
    "ups_charge_kw": _C("UPS battery recharge", "kW", 1),
    "ups_discharge_kw": _C("UPS battery discharge", "kW", 1),
    "ups_soc_frac": _C("UPS state of charge", "", 3),
    "load_dropped_kw": _C("Load dropped (UPS empty)", "kW", 1),
    "it_dropped_kw": _C("IT dropped (UPS empty)", "kW", 1),
    "heat_in_kw": _C("Heat into the loops", "kW", 1),
    "heat_removed_kw": _C("Heat the plant removes", "kW", 1),
    "loop_heat_kwh": _C("Heat held in the loops", "kWh", 1),
    "loop_warming_k": _C("Loop water above a running plant's", "K", 2),
    "tokens_lost_s": _C("Tokens lost", "tokens/s", 0),
    "soc_min_frac": _C("Lowest state of charge", "", 3),
    "time_to_empty_s": _C("Time to empty", "s", 0),
    "dropped_kwh": _C("Load dropped", "kWh", 1),
    "generator_mwh": _C("Generator energy", "MWh", 2),
    "load_dropped_mwh": _C("Load dropped", "MWh", 3),
    "ups_soc_min_frac": _C("Lowest UPS state of charge", "", 3),
    "ups_time_to_empty_min_s": _C("First UPS empty after", "s", 0),
    "loop_warming_max_k": _C("Loop water above a running plant's, most", "K", 2),
    "heat_balance_residual_rel": _C("Heat balance residual (relative)", "", 9),
    "racks_throttled_max": _C("Racks throttled by heat in the outage, most", "", 0),
    "racks_tripped_max": _C("Racks shut down by heat in the outage, most", "", 0),
    "throttle_from_s": _C("Throttled from", "s", 0),
    "throttle_to_s": _C("Throttled until", "s", 0),
    "trip_from_s": _C("Shut down by heat from", "s", 0),
    "trip_to_s": _C("Shut down until", "s", 0),
    "racks_lost": _C("Racks without power", "", 0),
    "racks_hot": _C("Racks too hot", "", 0),
    "racks_throttled": _C("Racks throttled by heat", "", 0),
    "racks_shutdown": _C("Racks shut down by heat", "", 0),
    "it_throttled_kw": _C("IT throttled by heat", "kW", 1),
    "it_shutdown_kw": _C("IT shut down by heat", "kW", 1),
    "p_shutdown_kw": _C("Power before thermal shutdown", "kW", 1),
    "racks_at_risk": _C("Racks at thermal risk", "", 0),
    "it_at_risk_kw": _C("IT at thermal risk", "kW", 1),
    "overloads": _C("Overloaded elements", "", 0),
    "min_vm_pu": _C("Lowest voltage", "p.u.", 3),
    "cooling_units_out": _C("Cooling units out", "", 0),
    "cooling_shortfall_kw": _C("Cooling shortfall", "kW", 1),
    "verified": _C("Verified by a full solve", "", 0),
    # placement (twin.scenarios.placement) and stranded capacity (twin.metrics.stranded)
    "kw_added": _C("IT added", "kW", 0),
    "feasible": _C("Feasible", "", 0),
    "slots": _C("Slots (row:first-last)", "", 0),
    "rows": _C("Rows", "", 0),
    "racks_tripped": _C("Racks shut down by heat", "", 0),
    "feed_imbalance_pp": _C("Largest A/B feed imbalance", "pp", 1),
    "binding_constraint": _C("Binding constraint", "", 0),
    "binding_utilisation_pct": _C("Binding constraint used", "%", 1),
    "problem": _C("What breaks", "", 0),
    "power_margin_kw": _C("Power margin", "kW", 0),
    "cooling_margin_kw": _C("Cooling margin", "kW", 0),
    "it_now_kw": _C("IT now", "kW", 0),
    "stranded_power_kw": _C("Power without cooling (stranded)", "kW", 0),
    "stranded_cooling_kw": _C("Cooling without power (stranded)", "kW", 0),
    "stranded_floor_kw": _C("Floor without power or cooling", "kW", 0),
    "power_binding": _C("Power side's binding constraint", "", 0),
    "cooling_binding": _C("Cooling side's binding constraint", "", 0),
    "floor_slots": _C("Free rack slots on the floor", "", 0),
    "floor_kw": _C("Free floor at the typical rack power", "kW", 0),
    "typical_rack_kw": _C("Typical rack", "kW", 1),
    "used_kw": _C("IT in use", "kW", 0),
    "tenants_at_risk": _C("Tenants at thermal risk", "", 0),
    # tenants (twin.metrics.tenants, twin.scenarios.tenants_hit)
    "tenant": _C("Tenant", "", 0),
    "tenants_hit": _C("Tenants hit", "", 0),
    "tenant_code": _C("Tenant (number, see legend)", "", 0),
    "it_lost_by_tenant": _C("IT lost per tenant", "", 0),
    "design_kw": _C("IT load (design)", "kW", 1),
    "power_loss_kw": _C("Power-chain losses", "kW", 1),
    "cooling_kw": _C("Cooling power", "kW", 1),
    "overhead_kw": _C("Site overhead (pro rata to IT)", "kW", 1),
    "it_share_pct": _C("Share of IT load", "%", 1),
    "facility_share_pct": _C("Share of facility power", "%", 1),
    "pue_share": _C("Share of the site PUE", "", 3),
    "tokens_s_per_mw_facility": _C("Tokens/s per MW of facility power", "", 0),
    "energy_usd_per_year": _C("Energy cost per year", "USD", 0),
    "cost_usd_per_year": _C("Cost per year", "USD", 0),
    "violations": _C("Violations", "", 0),
    "time_to_limit_s": _C("Time to limit", "s", 0),
    "time_min": _C("Time after the failure", "min", 1),
    "time_s": _C("Time after the failure", "s", 0),
    "t_c": _C("Temperature", "°C", 1),
    "t_limit_c": _C("Limit temperature", "°C", 1),
    # headline numbers (twin.app.state.kpis, Results.kpis)
    "it_mw": _C("IT load", "MW", 2),
    "it_design_mw": _C("IT load (design)", "MW", 2),
    "facility_mw": _C("Facility power", "MW", 2),
    "facility_kw": _C("Facility power", "kW", 1),
    "pue": _C("PUE", "", 3),
    "ppue_cooling": _C("Partial PUE, cooling", "", 3),
    "ppue_power": _C("Partial PUE, power chain", "", 3),
    "wue_l_per_kwh": _C("WUE", "L/kWh", 2),
    "cue_kg_per_kwh": _C("CUE", "kg CO₂/kWh", 3),
    "grid_mw": _C("Grid connection", "MW", 1),
    "power_used_pct": _C("Grid capacity used", "%", 1),
    "it_headroom_mw": _C("Power chain's own IT margin (failover)", "MW", 2),
    "it_headroom_kw": _C("Power chain's own IT margin (failover)", "kW", 1),
    "cooling_capacity_mw": _C("Cooling capacity (CDU + CRAH)", "MW", 2),
    "cooling_used_pct": _C("Cooling capacity used", "%", 1),
    "plant_capacity_mw": _C("Heat rejection capacity", "MW", 2),
    "floor_m2": _C("Hall floor", "m²", 0),
    "floor_used_pct": _C("Floor used by racks", "%", 1),
    "racks": _C("Racks", "", 0),
    "it_lost_mw": _C("IT lost", "MW", 3),
    "it_unserved_kw": _C("IT not served", "kW", 1),
    "tokens_per_s_per_mw": _C("Tokens/s per MW of facility power", "", 0),
    "tokens_per_s_per_mw_it": _C("Tokens/s per MW of IT", "", 0),
    "tokens_s": _C("Throughput", "tokens/s", 0),
    "j_per_token": _C("Energy per token (facility)", "J", 3),
    "cost_per_mtok": _C("Cost per million tokens", "USD", 4),
    "heat_unremoved_kw": _C("Heat not removed", "kW", 1),
    "water_m3_h": _C("Water use", "m³/h", 2),
    "unfed_racks": _C("Racks without power", "", 0),
    "losses_kw": _C("Electrical losses", "kW", 1),
    "t_coolant_max_c": _C("Hottest rack coolant return", "°C", 1),
    "t_db_c": _C("Outdoor dry bulb", "°C", 1),
    "t_wb_c": _C("Outdoor wet bulb", "°C", 1),
    "free_slots": _C("Free rack slots", "", 0),
    # economic assumptions (twin.layout.schema.Economics, the accelerator catalogue)
    "assumption": _C("Assumption", "", 0),
    "source": _C("Source", "", 0),
    "model": _C("Model", "", 0),
    "energy_price_usd_per_kwh": _C("Energy price", "USD/kWh", 4),
    "facility_capex_usd_per_kw": _C("Facility capex per kW of IT", "USD/kW", 0),
    "depreciation_years": _C("Facility depreciation", "years", 0),
    "opex_usd_per_kw_year": _C("Operations and maintenance", "USD/kW/year", 0),
    "load_factor": _C("Share of the year at this operating point", "", 2),
    "throughput_tokens_s": _C("Throughput per rack", "tokens/s", 0),
    "capex_usd": _C("Capex per rack", "USD", 0),
    "lifetime_years": _C("Lifetime", "years", 1),
    "idle_fraction": _C("Idle power share", "", 2),
    "throughput_exponent": _C("Throughput exponent", "", 2),
    "user_estimate": _C("User estimate", "", 0),
    # hardware refresh and 800 V DC (twin.scenarios.refresh, twin.scenarios.distribution)
    "constraint": _C("Constraint", "", 0),
    "domain": _C("Domain", "", 0),
    "utilisation_before": _C("Utilisation before", "", 3),
    "utilisation_after": _C("Utilisation after", "", 3),
    "broken": _C("Broken", "", 0),
    "add": _C("What to add", "", 0),
    "generation": _C("Rack generation", "", 0),
    "weight_kg": _C("Rack mass", "kg", 0),
    "tokens_s_per_mw": _C("Tokens/s per MW of rack power", "", 0),
    "tokens_s_at_risk": _C("Throughput of racks over their limits", "tokens/s", 0),
    "rack_input_kw": _C("Rack input power", "kW", 1),
    "p54_kw": _C("Power at the racks' 54 V bus", "kW", 1),
    "loss_rack_conversion_kw": _C("Loss in the rack's power conversion", "kW", 1),
    "loss_distribution_kw": _C("Loss in row distribution (busway)", "kW", 1),
    "loss_conversion_kw": _C("Loss in UPS or sidecar conversion", "kW", 1),
    "loss_upstream_kw": _C("Loss upstream (hall share)", "kW", 1),
    "chain_input_kw": _C("Power into the chain", "kW", 1),
    "chain_efficiency": _C("Chain efficiency", "", 4),
    "p_ac_kw": _C("Row power, AC", "kW", 1),
    "p_dc_kw": _C("Row power, DC", "kW", 1),
    "i_ac_a": _C("Current per phase, AC", "A", 0),
    "i_dc_a": _C("Current per pole, DC", "A", 0),
    "copper_ac_mm2": _C("Copper per conductor, AC", "mm²", 0),
    "copper_dc_mm2": _C("Copper per conductor, DC", "mm²", 0),
    "copper_ac_kg": _C("Copper per row and feed, AC", "kg", 0),
    "copper_dc_kg": _C("Copper per row and feed, DC", "kg", 0),
    "sidecar_kw": _C("Sidecar power rack", "kW", 0),
    "sources": _C("Sources", "", 0),
    "blanking": _C("Blanking panels (share of empty U closed)", "", 2),
    "loading_before_pct": _C("Loading before", "%", 1),
    "loading_after_pct": _C("Loading after", "%", 1),
    "new": _C("New", "", 0),
    "it_headroom_site_kw": _C("IT headroom", "kW", 1),
    # sites side by side (twin.scenarios.sites)
    "free_cooling_hours": _C("Free-cooling hours", "h", 0),
    "water_m3": _C("Water use", "m³", 0),
    "fixed_cost_usd": _C("Capex and opex (year's share)", "USD", 0),
    "total_cost_usd": _C("Total cost", "USD", 0),
    "usd_per_mtok": _C("Cost per million tokens", "USD", 4),
    "carbon_t": _C("Carbon", "t CO₂", 0),
    "tokens": _C("Tokens", "", 0),
    "mean_t_db_c": _C("Mean outdoor dry bulb", "°C", 1),
    "balance_residual_rel": _C("Energy balance residual (relative)", "", 9),
    "month": _C("Month", "", 0),
    "site": _C("Site", "", 0),
}

_ACRONYMS = {"it": "IT", "ups": "UPS", "pdu": "PDU", "cdu": "CDU", "crah": "CRAH", "mv": "MV"}


def _humanise(words: str) -> str:
    parts = [w for w in words.split("_") if w]
    parts = [_ACRONYMS.get(w, w) for w in parts]
    if parts and parts[0] == "t":
        parts = [*parts[1:], "temperature"]
    text = " ".join(parts)
    return text[:1].upper() + text[1:] if text else words


def kind_label(kind) -> str:
    """A component kind ('crahs') or violation kind ('over_temperature') as people say it:
    the registry's label for a kind ('CRAH/CRAC'), words for anything else."""
    from twin.model import registry

    text = str(kind)
    try:
        text = registry.kind(text).label
    except (KeyError, ValueError):
        text = text.replace("_", " ")
    return text[:1].upper() + text[1:]


TEXT_KINDS = ("kind", "kinds")
"""Columns whose values are kinds, shown through `kind_label`."""
UNIT_TEXT = {"C": "°C", "m3/s": "m³/s", "m3/h": "m³/h"}
"""Units as the solvers write them in violation tables -> as a screen shows them."""


def text_value(col: str, v) -> str:
    """A text cell of column `col` as shown: kinds by their label, units with symbols."""
    if _missing(v):
        return ""
    if col in TEXT_KINDS:
        return kind_label(v)
    if col == "unit":
        return UNIT_TEXT.get(str(v), str(v))
    return str(v)


def spec(name: str) -> Column:
    """How column or number `name` is shown (declared, or inferred from its unit suffix)."""
    name = str(name)
    if name in COLUMNS:
        return COLUMNS[name]
    if name.startswith("violations_"):
        return Column(f"Violations: {name[len('violations_') :].replace('_', ' ')}", "", 0)
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix):
            unit, digits = SUFFIXES[suffix]
            return Column(_humanise(name[: -len(suffix)]), unit, digits)
    return Column(_humanise(name), "", 2)


def label(name: str) -> str:
    """The human label of `name`, without its unit."""
    return spec(name).label


def header(name: str) -> str:
    """'Label (unit)' of `name`: a table header, chart axis or colour-bar title."""
    c = spec(name)
    return f"{c.label} ({c.unit})" if c.unit else c.label


def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return isinstance(value, float | np.floating) and math.isnan(value)
    except TypeError:
        return False


def number(value, digits: int = 1) -> str:
    """A number with thousands separators and `digits` decimals; 'n/a' for None/NaN."""
    if _missing(value):
        return "n/a"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isinf(v):
            return "∞" if v > 0 else "-∞"
        text = f"{v:,.{digits}f}"
        return (
            "0" + text[2:] if text.startswith("-0") and float(text.replace(",", "")) == 0 else text
        )
    return str(value)


def fmt(
    value, name: str | None = None, *, unit: str | None = None, digits: int | None = None
) -> str:
    """`value` as text for `name` (its digits and unit): '24.6 °C', '1,234.5 kW', 'n/a'."""
    c = spec(name) if name else Column("", "", 2)
    text = number(value, c.digits if digits is None else digits)
    u = c.unit if unit is None else unit
    if (
        text == "n/a"
        or not u
        or not isinstance(value, int | float | np.number)
        or isinstance(value, bool)
    ):
        return text
    return f"{text}{u}" if u == "%" else f"{text} {u}"


def display(df: pd.DataFrame, index: str | None = "id") -> pd.DataFrame:
    """A table ready for a screen: the index as its first column (named by the map, or
    dropped if `index` is None or it is a plain 0..n-1 range), human headers, floats
    rounded to their digits, booleans 'yes'/'no', missing text empty.

    Numbers stay numbers (a screen table can still sort them); headers are `header(col)`.
    """
    out = _flat(df, index)
    cols = {}
    for col in out.columns:
        s = out[col]
        c = spec(col)
        if pd.api.types.is_bool_dtype(s):
            s = s.map({True: "yes", False: "no"})
        elif pd.api.types.is_float_dtype(s):
            s = s.round(c.digits)
        elif col in TEXT_KINDS or col == "unit":
            s = s.map(lambda v, c=col: text_value(c, v))
        elif s.dtype == object:
            s = s.map(
                lambda v: (
                    "" if _missing(v) else (("yes" if v else "no") if isinstance(v, bool) else v)
                )
            )
        cols[_unique(header(col), col, cols)] = s
    return pd.DataFrame(cols, index=out.index)


def _flat(df: pd.DataFrame, index: str | None) -> pd.DataFrame:
    """A copy with a meaningful index turned into its first column (named `index` if it has
    no name), a plain 0..n-1 range (or `index` None) dropped."""
    out = df.copy()
    plain_range = isinstance(out.index, pd.RangeIndex) and out.index.name is None
    if index is not None and not plain_range:
        out.index.name = out.index.name or index
        return out.reset_index()
    return out.reset_index(drop=True)


def _unique(head: str, col: str, taken) -> str:
    """`head`, or with the column's name after it when another column has the same label
    (x_m and pos_x_m both read 'x (m)'): two columns never merge into one."""
    return head if head not in taken else f"{head} [{col}]"


def text_table(df: pd.DataFrame, index: str | None = "id") -> pd.DataFrame:
    """Like `display`, with every value already text ('1,234.5', 'n/a'): for reports and
    print-outs that cannot format numbers themselves."""
    out = _flat(df, index)
    heads: dict[str, str] = {}
    for c in out.columns:
        heads[_unique(header(c), c, heads)] = c
    return pd.DataFrame(
        {
            h: [
                text_value(c, v)
                if isinstance(v, str)
                else ("" if _missing(v) and out[c].dtype == object else number(v, spec(c).digits))
                for v in out[c]
            ]
            for h, c in heads.items()
        }
    )


def formats(df: pd.DataFrame, index: str | None = "id") -> dict[str, str]:
    """printf-style formats (thousands separators, the column's digits) of the numeric
    columns of `display(df, index)`'s output, keyed by its headers."""
    plain_range = isinstance(df.index, pd.RangeIndex) and df.index.name is None
    taken: dict[str, str] = {}
    if index is not None and not plain_range:
        taken[header(df.index.name or index)] = ""
    out = {}
    for col in df.columns:
        head = _unique(header(col), col, taken)
        taken[head] = col
        if pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col]):
            d = spec(col).digits
            out[head] = "%,d" if pd.api.types.is_integer_dtype(df[col]) else f"%,.{d}f"
    return out
