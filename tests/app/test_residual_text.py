"""The energy-balance residual reads as kWh and a share, never as 0.0e+00, and a nonzero
residual never reads as zero."""

from __future__ import annotations

import math

import pytest

from twin.app.residual import energy_text, residual_text, share_text


def test_zero_reads_as_zero_with_units():
    assert residual_text(0.0, 0.0) == "0 kWh (0 % of the energy supplied)"


@pytest.mark.parametrize("mwh,rel", [(1.8e-14, 3.5e-16), (-1e-9, -2e-12), (5e-7, 1e-8)])
def test_a_rounding_level_residual_is_not_shown_as_zero(mwh, rel):
    text = residual_text(mwh, rel)
    assert text == "< 0.001 kWh (< 0.001 % of the energy supplied)"
    assert "e+" not in text and "e-" not in text


@pytest.mark.parametrize(
    "kwh,want",
    [(0.0123, "0.0123 kWh"), (-4.56, "-4.56 kWh"), (999.4, "999 kWh"), (1234.0, "1.23 MWh"),
     (-98765.0, "-98.8 MWh"), (4.2e7, "42,000 MWh")],
)  # fmt: skip
def test_energies_round_to_three_digits_with_sign_and_unit(kwh, want):
    assert energy_text(kwh) == want
    # the text reads back to within its rounding (3 significant digits)
    num = float(want.split()[0].replace(",", "")) * (1000 if "MWh" in want else 1)
    assert math.isclose(num, kwh, rel_tol=5e-3)


def test_shares_and_non_finite():
    assert share_text(0.0123) == "1.23 %"
    assert share_text(-2e-5) == "-0.002 %"
    assert share_text(9e-6) == "< 0.001 %"  # 0.0009 %: nonzero, below what is shown
    assert share_text(float("nan")) == "n/a" and energy_text(float("inf")) == "n/a"
