"""The Dashboard names its violations (a count alone does not say what to fix)."""

from __future__ import annotations

from test_pages import no_errors


def test_dashboard_lists_the_violations_it_counts(app):
    at = app("failures")
    at.multiselect(key="fail_pick").set_value(["H1-UPS-A1", "H1-UPS-B1"])
    at.button[0].click().run()
    at.switch_page("app_pages/dashboard.py").run()
    no_errors(at)
    count = int(next(m.value for m in at.metric if m.label == "Violations").replace(",", ""))
    assert count > 0
    assert [e.label for e in at.expander if e.label.startswith("Violations")] == [
        f"Violations ({count:,})"
    ]
    table = next(d.value for d in at.dataframe if "Message" in d.value)
    assert len(table) == count
    assert list(table.columns) == ["Component", "Kind", "Message"]
    assert not table["Kind"].str.contains("_").any()  # 'no power', not 'unfed'
