"""Economics of a state that cannot last (audit 6 #7, #8): two of the AI hall's five
chillers lost leave heat unremoved (PUE n/a), yet tokens/s per MW of facility power read
better than normal operation (5,354,298 against 5,186,374) and a cost per million tokens
was quoted: the facility power is short of the cooling that would hold the state."""

from __future__ import annotations

import math

import yaml

from twin.layout import loads
from twin.metrics.economics import economics
from twin.model import Twin
from twin.model.scenario import Scenario
from twin.solve import run


def test_no_pue_no_price_per_token(layouts_dir):
    doc = yaml.safe_load((layouts_dir / "ai-factory-hall.yaml").read_text())
    doc["halls"][0]["air_model"] = "kernel"
    tw = Twin.from_layout(loads(yaml.safe_dump(doc)))
    normal = economics(tw, run(tw))
    short = run(tw, Scenario.fail("H1-CH1", "H1-CH2", "H1-CH3"))
    assert short.kpis["heat_unremoved_kw"] > 0 and math.isnan(short.kpis["pue"])
    e = economics(tw, short)
    for key in ("tokens_s_per_mw_facility", "j_per_token_facility", "usd_per_mtok",
                "energy_usd_per_year", "cost_usd_per_year", "co2_g_per_mtok"):  # fmt: skip
        assert math.isfinite(normal[key]) and math.isnan(e[key]), key
    # what does not lean on the facility power stays
    assert e["tokens_s"] > 0 and math.isfinite(e["tokens_s_per_mw_it"])
