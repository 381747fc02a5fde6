"""A power flow that does not converge is said before its figures, and each figure of the
power section is marked as the last iterate (audit 5 F-Q: a 20 km LV feeder printed 273.6 kW,
0.98 p.u. and 'Power balance residual 0.000000 kW' as a normal result)."""

from __future__ import annotations

import yaml

from twin.cli import main


def test_a_non_converged_power_flow_is_not_printed_as_an_answer(layouts_dir, tmp_path, capsys):
    doc = yaml.safe_load((layouts_dir / "small-room.yaml").read_text())
    doc["halls"][0]["air_model"] = "kernel"
    pdu = next(p for p in doc["power"]["pdus"] if p["id"] == "PDU-1")
    pdu["cable_length_m"] = 20000.0  # mm typed as m
    path = tmp_path / "cable.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert main(["solve", str(path), "--no-headroom"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("  NOT AN ANSWER: not_converged at PDU-1")
    power = out[out.index("  Power") + 1 : out.index("  Cooling")]
    assert power and all(line.endswith("(not converged: the last iterate)") for line in power)
    cooling = out[out.index("  Cooling") + 1 : out.index("  Efficiency")]
    assert not any("not converged" in line for line in cooling)
    # a normal layout prints no such line
    assert main(["solve", str(layouts_dir / "small-room.yaml"), "--no-headroom"]) == 0
    assert "NOT AN ANSWER" not in capsys.readouterr().out
