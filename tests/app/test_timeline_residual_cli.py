"""`twin timeline` prints the energy-balance residual as the Timeline page shows it: the
same run (a day at 1 s steps, a 4 MWh / 3 MW battery at 0.85, a 1 MW demand-response event
at 18 h for 3 h) gives the same text in the terminal and on the page."""

from __future__ import annotations

from twin.cli import main

ARGV = ["timeline", "layouts/ai-factory-hall.yaml", "--hours", "24", "--step-s", "1",
        "--workload", "mixed", "--swing", "0.3", "--bess-mwh", "4", "--bess-mw", "3",
        "--bess-efficiency", "0.85", "--policy", "peak-shaving", "--dr-mw", "1",
        "--dr-start-h", "18", "--dr-hours", "3", "--dr-order", "inference-first"]  # fmt: skip


def _cli_residual(capsys) -> str:
    assert main(ARGV) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if "energy balance residual" in x]
    assert len(lines) == 1, lines
    return lines[0].split("energy balance residual", 1)[1].strip()


def test_cli_text_and_timeline_page_show_the_same_residual(app, layouts_tmp, monkeypatch, capsys):
    monkeypatch.chdir(layouts_tmp.parent)
    cli = _cli_residual(capsys)
    at = app("timeline")
    at.number_input(key="tl_bess_mwh").set_value(4.0)
    at.number_input(key="tl_bess_mw").set_value(3.0)
    at.checkbox(key="tl_dr_on").check()
    at.run()
    at.button(key="tl_run").click().run()
    assert not at.exception and not at.error
    page = next(m.value for m in at.metric if m.label == "Energy balance residual")
    assert cli == page
    assert cli.endswith(" of the energy supplied)") and "e-" not in cli and "e+" not in cli
