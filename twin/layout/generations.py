"""Rack generations for hardware refresh planning: design figures with their sources (issue 17).

Plain data (no imports from twin), so the layout schema can merge the new
generations' accelerator entries into `twin.layout.schema.BUILTIN_ACCELERATORS`
without a cycle. What each generation declares here and where the rest lives:

- ``rack``: the rack design a refresh writes into the layout (fields of
  `twin.layout.schema.Rack`: power_kw, power_factor, liquid_fraction, height_m),
  or ``profile``: the built-in rack profile of `twin.layout.generate` that
  already declares it (gb200-nvl72 is the generator's ``nvl72``, the NPU rack
  its ``npu-inference``), so no figure is written twice;
- ``weight_kg``: the rack's mass with its trays (floor loading);
- ``accelerator``: the accelerator catalogue name (tokens/s at design power,
  capex, lifetime). gb200-nvl72 and rbln-atom-rack keep their entries in
  BUILTIN_ACCELERATORS; the new generations declare theirs in `ACCELERATORS`
  below and schema_economics.py merges them;
- ``sources``: one citation string per figure; ``[est]`` marks an estimate
  with its reasoning, ``[src, secondary]`` a figure read in a secondary source.

Tokens/s of the new generations are ESTIMATES: no per-rack inference
measurement is published for them. Each scales the one measured figure (one
GB200 NVL72, Llama-2-70B, 865,000 tokens/s, REFERENCE 7) by NVIDIA's own
rack-to-rack performance claims (GTC 2025 keynote: GB300 NVL72 1.5x the FP4
compute of GB200 NVL72; Vera Rubin NVL144 3.6 EF FP4 inference, 3.3x GB300
NVL72; Rubin Ultra NVL576 14x GB300 NVL72). Peak-FP4 ratios overstate
memory-bound decode gains, so treat them as upper bounds. Capex figures are
estimates too (no list prices are published).
"""

from __future__ import annotations

GB200_TOKENS_S = 865_000.0
"""One GB200 NVL72, Llama-2-70B (unverified MLPerf Inference v4.1 submission) [REFERENCE 7]."""
GB300_PER_GB200 = 1.5
"""GB300 NVL72 FP4 compute / GB200 NVL72 (NVIDIA, GTC 2025: 1.1 EF vs ~0.72 EF) [src, secondary]."""
VR144_PER_GB300 = 3.3
"""Vera Rubin NVL144 FP4 inference / GB300 NVL72 (NVIDIA, GTC 2025: 3.6 EF, 3.3x) [src, secondary]."""
RU576_PER_GB300 = 14.0
"""Rubin Ultra NVL576 / GB300 NVL72 (NVIDIA, GTC 2025: 14x) [src, secondary]."""

_MODEL = "Llama-2-70B-class serving, scaled from the GB200 NVL72 MLPerf v4.1 figure"

ACCELERATORS: dict[str, dict] = {
    "gb300-nvl72": {
        "model": _MODEL,
        "throughput_tokens_s": GB200_TOKENS_S * GB300_PER_GB200,
        "power_kw": 136.0,
        "source": "[est] 865,000 tokens/s of one GB200 NVL72 (MLPerf v4.1, REFERENCE 7) x 1.5, "
        "NVIDIA's FP4 compute ratio GB300/GB200 NVL72 (GTC 2025) [src, secondary]; rack "
        "power 136 kW (Microsoft; Supermicro 132-140 kW) [REFERENCE 9]",
        "idle_fraction": 0.25,  # as gb200-nvl72 [est]
        "throughput_exponent": 0.5,  # [est, see twin.metrics.catalogue]
        "capex_usd": 3_900_000.0,  # [est] GB200's ~3 M USD x 1.3; no list price published
        "lifetime_years": 5.0,
    },
    "vr-nvl144": {
        "model": _MODEL,
        "throughput_tokens_s": GB200_TOKENS_S * GB300_PER_GB200 * VR144_PER_GB300,
        "power_kw": 227.0,
        "source": "[est] GB300 NVL72 estimate x 3.3, NVIDIA's Vera Rubin NVL144 / GB300 NVL72 "
        "FP4 inference ratio (GTC 2025: 3.6 EF) [src, secondary]; rack power 227 kW at "
        "max-P [REFERENCE 3], within 190-230 kW [REFERENCE 9]",
        "idle_fraction": 0.25,  # as gb200-nvl72 [est]
        "throughput_exponent": 0.5,
        "capex_usd": 6_000_000.0,  # [est] ~2x GB200 per rack; no list price published
        "lifetime_years": 5.0,
    },
    "rubin-ultra-nvl576": {
        "model": _MODEL,
        "throughput_tokens_s": GB200_TOKENS_S * GB300_PER_GB200 * RU576_PER_GB300,
        "power_kw": 600.0,
        "source": "[est] GB300 NVL72 estimate x 14, NVIDIA's Rubin Ultra NVL576 / GB300 NVL72 "
        "ratio (GTC 2025) [src, secondary]; rack power ~600 kW (NVIDIA keynote; ~660 kW "
        "TrendForce, SemiAnalysis) [REFERENCE 9]",
        "idle_fraction": 0.25,
        "throughput_exponent": 0.5,
        "capex_usd": 20_000_000.0,  # [est] ~4 VR NVL144 racks of silicon; no price published
        "lifetime_years": 5.0,
    },
}
"""Accelerator catalogue entries of the new generations (merged into BUILTIN_ACCELERATORS)."""

GENERATIONS: dict[str, dict] = {
    "gb200-nvl72": {
        "label": "NVIDIA GB200 NVL72",
        "profile": "nvl72",  # 132 kW, 85 % liquid, pf 0.97 (twin.layout.generate)
        "accelerator": "gb200-nvl72",
        "weight_kg": 1360.0,
        "sources": {
            "power_kw": "132 kW; 120 kW cooling target, 132-140 kW vendors [REFERENCE 3, 9]",
            "liquid_fraction": "~85 % of heat to liquid [REFERENCE 3, est]",
            "weight_kg": "1.36 t (3,000 lb), DGX GB200 NVL72 (The Register / ServeTheHome, "
            "GTC 2024) [src, secondary]",
            "tokens_s": "865,000 tokens/s Llama-2-70B, MLPerf Inference v4.1 [REFERENCE 7]",
            "capex_usd": "[est] ~3 M USD per rack (secondary: press and analyst figures)",
        },
    },
    "gb300-nvl72": {
        "label": "NVIDIA GB300 NVL72 (Blackwell Ultra)",
        "rack": {"power_kw": 136.0, "power_factor": 0.97, "liquid_fraction": 0.85, "height_m": 2.3},
        "accelerator": "gb300-nvl72",
        "weight_kg": 1360.0,
        "sources": {
            "power_kw": "~136 kW (Microsoft), 132-140 kW (Supermicro) [REFERENCE 9]",
            "liquid_fraction": "[est] as GB200 NVL72: same MGX/Oberon rack and cold plates",
            "weight_kg": "~1.36 t, same cabinet as GB200 NVL72 (introl.com, citing The "
            "Register 2024) [src, secondary]",
            "tokens_s": ACCELERATORS["gb300-nvl72"]["source"],
            "capex_usd": "[est] ~1.3x GB200 NVL72; no list price published",
        },
    },
    "vr-nvl144": {
        "label": "NVIDIA Vera Rubin NVL144",
        "rack": {"power_kw": 227.0, "power_factor": 0.97, "liquid_fraction": 0.95, "height_m": 2.3},
        "accelerator": "vr-nvl144",
        "weight_kg": 1630.0,
        "sources": {
            "power_kw": "227 kW max-P [REFERENCE 3]; 190-230 kW at max performance, ~440 kW "
            "of power shelves installed [REFERENCE 9]",
            "liquid_fraction": "[est] 95 %: fanless, fully liquid-cooled compute trays; power "
            "shelves and switch trays leave a few % to air",
            "weight_kg": "[est] GB200's 1.36 t + 20 % for four 110 kW power shelves and "
            "denser cold plates in the same cabinet; no published figure",
            "tokens_s": ACCELERATORS["vr-nvl144"]["source"],
            "capex_usd": "[est] ~2x GB200 NVL72; no list price published",
        },
    },
    "rubin-ultra-nvl576": {
        "label": "NVIDIA Rubin Ultra NVL576 (Kyber)",
        "rack": {"power_kw": 600.0, "power_factor": 0.97, "liquid_fraction": 0.98, "height_m": 2.4},
        "accelerator": "rubin-ultra-nvl576",
        "weight_kg": 3400.0,
        "sources": {
            "power_kw": "up to ~600 kW (NVIDIA keynote), ~660 kW (TrendForce, SemiAnalysis) "
            "[REFERENCE 9]",
            "liquid_fraction": "[est] 98 %: Kyber compute and switch blades fully liquid cooled",
            "weight_kg": "[est] 2.5x GB200's 1.36 t: four times the compute blades of an "
            "NVL72 in one cabinet with 800 V DC power from a sidecar; no published figure",
            "tokens_s": ACCELERATORS["rubin-ultra-nvl576"]["source"],
            "capex_usd": "[est] ~4 Vera Rubin racks of silicon; no list price published",
        },
    },
    "rbln-atom-rack": {
        "label": "NPU inference rack (Rebellions ATOM+, user estimate)",
        "profile": "npu-inference",  # 25 kW, air cooled (twin.layout.generate)
        "accelerator": "rbln-atom-rack",
        "weight_kg": 900.0,
        "user_estimate": True,
        "sources": {
            "power_kw": "USER ESTIMATE: card ratings not published [REFERENCE 7]",
            "liquid_fraction": "USER ESTIMATE: air cooled",
            "weight_kg": "USER ESTIMATE: a full 42U air-cooled server rack, ~900 kg",
            "tokens_s": "USER ESTIMATE: NPU rack throughput not published [REFERENCE 7]",
            "capex_usd": "USER ESTIMATE, placeholder",
        },
    },
}
"""Rack generations by name, oldest first (see the module docstring)."""
