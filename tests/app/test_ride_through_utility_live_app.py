"""The Failures page on a UPS cut below its transfer switch (`tests/solve/
test_ride_through_below_ats.py`'s layout): it said "UPS ride-through on the utility outage"
and listed UPS-2, on the utility all along, as bridged by GEN-1 after 10 s at 33.5 %.
Now it says the utility stays live and UPS-1's battery carries its 99.2 kW for 18.8 min,
`twin ride-through`'s sentence (`battery_text`), with no generator."""

from __future__ import annotations

from solve.test_ride_through_below_ats import _layout
from test_pages import no_errors, shown


def test_the_failures_page_says_the_battery_carries_the_ups_and_no_generator_starts(
    app, layouts_tmp, monkeypatch
):
    from twin.app import warm

    path = layouts_tmp / "panel.yaml"
    path.write_text(_layout(layouts_tmp, 500.0))
    monkeypatch.setattr(warm, "DEFAULT", str(path))
    at = app("failures")
    at.multiselect(key="fail_pick").set_value(["PNL-1"])
    at.button[0].click().run()
    no_errors(at)
    said = [shown(m.value) for m in at.markdown]
    assert any(s.startswith("**UPS on battery, the utility live**") for s in said), said
    assert not [s for s in said if "utility outage" in s]
    (line,) = [s for s in said if s.startswith("- UPS-")]
    assert line.startswith("- UPS-1: its 30.0 kWh battery carries 99.2 kW for 1,131 s (18.8 min)")
    assert "no generator takes over: PNL-1, between it and its transfer switch MSB, is out" in line
