"""`twin generate campus` refuses, before any work, an option whose campus would not pass
the layout schema (`--it-mw 20000` made a 27,363.5 MVA grid connection, above the schema's
20,000 MVA cap, and was only caught validating the 150,000-rack document), naming the
option, its value and the range; the range's ends are where the schema itself flips."""

from __future__ import annotations

import math

import pytest

from twin.cli import main
from twin.errors import LayoutError
from twin.layout import generate, validate_data
from twin.layout.schema import Site
from twin.layout.schema_power import Generator, Utility

NVL72_KW, RACKS_PER_ROW = 132.0, 16  # the campus hall's racks (REFERENCE 3)


def _le(model, name):
    return next(m.le for m in model.model_fields[name].metadata if hasattr(m, "le"))


def _hall_kw(rows):
    return NVL72_KW * RACKS_PER_ROW * rows


def _max_halls(rows):
    """Hand: the grid connection is IT x 1.3 (cooling and losses) / 0.95 (power factor) MVA,
    at most the schema's Utility.capacity_mva (it binds before Site.grid_mw)."""
    return math.floor(_le(Utility, "capacity_mva") * 1000 * 0.95 / 1.3 / _hall_kw(rows))


def test_it_mw_over_the_grid_cap_is_refused_with_its_range(tmp_path, capsys):
    out = tmp_path / "big.yaml"
    assert main(["generate", "campus", "--it-mw", "20000", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    top = _max_halls(6) * _hall_kw(6) / 1000.0  # 1,153 halls of 12.672 MW: 14,610.8 MW
    assert f"--it-mw 20000: out of range; allowed (0, {top:,.1f}] MW" in err
    assert not out.exists()


def test_the_it_mw_bound_is_where_the_schema_flips():
    """A one-hall campus whose grid connection is set to what `_max_halls` halls, and one
    hall more, would get: the first validates, the second is refused on capacity_mva."""
    doc = generate.campus(10.0)
    for halls, ok in ((_max_halls(6), True), (_max_halls(6) + 1, False)):
        it_kw = halls * _hall_kw(6)
        doc["power"]["utilities"][0]["capacity_mva"] = round(it_kw * 1.3 / 1000 / 0.95, 1)
        doc["site"]["grid_mw"] = round(it_kw * 1.3 / 1000, 1)
        if ok:
            validate_data(doc, "edge.yaml")
        else:
            with pytest.raises(LayoutError, match="capacity_mva"):
                validate_data(doc, "edge.yaml")
    assert _le(Site, "grid_mw") >= round(_max_halls(6) * _hall_kw(6) * 1.3 / 1000, 1)


def test_halls_per_building_over_the_rating_cap_is_refused_with_its_range(tmp_path, capsys):
    # a building's generators: 1.45 x its IT in 10 MVA steps, at most the schema's rating_kva
    cap = _le(Generator, "rating_kva")
    k = max(n for n in range(1, 65) if 10_000 * math.ceil(n * _hall_kw(64) * 1.45 / 1e4) <= cap)
    assert k == 10  # 10 halls of 135.168 MW: 1,960,000 kVA; 11: 2,160,000 kVA
    args = ["--rows-per-hall", "64", "--halls-per-building", str(k + 1)]
    it = f"{(k + 1) * _hall_kw(64) / 1000:g}"
    assert main(["generate", "campus", "--it-mw", it, *args, "-o", str(tmp_path / "b.yaml")]) == 2
    assert f"--halls-per-building {k + 1}: out of range; allowed 1-{k}" in capsys.readouterr().err
    # a small campus never fills a building: the same option is fine
    assert (
        main(["generate", "campus", "--it-mw", "100", *args, "-o", str(tmp_path / "s.yaml")]) == 0
    )


def test_the_python_api_refuses_too():
    with pytest.raises(ValueError, match="it_mw 20000 is out of range"):
        generate.campus(20000.0)
