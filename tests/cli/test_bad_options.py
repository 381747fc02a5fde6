"""Bad command-line input found by the outside-in audit: each is refused with exit code 2
and a message that says what was wrong and what is allowed."""

from __future__ import annotations

from pathlib import Path

from twin.cli import main

ROOT = Path(__file__).resolve().parents[2]
SMALL = str(ROOT / "layouts" / "small-room.yaml")


def _run(argv: list[str], capsys) -> tuple[int, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_an_empty_fail_id_is_named_as_empty(capsys) -> None:
    """`--fail ""` (an unset shell variable) printed 'unknown component id(s):  (--fail)'."""
    code, text = _run(["solve", SMALL, "--fail", ""], capsys)
    assert code == 2
    assert "an empty id ('')" in text, text


def test_a_layout_given_as_a_site_file_says_so(capsys) -> None:
    """`--site LAYOUT` listed every layout key as 'unknown key' (7 problems)."""
    code, text = _run(["compare-sites", SMALL, "--site", SMALL], capsys)
    assert code == 2
    assert "1 problem" in text, text
    assert "is a layout file, not a site file" in text
    assert "layouts/sites/" in text


def test_ride_through_from_a_state_that_is_not_steady_says_why(tmp_path: Path, capsys) -> None:
    """Pumps piped backwards leave the normal state without flow; the ride-through ended in
    'internal error: ValueError: All components of the initial state `y0` must be finite'."""
    text = (ROOT / "layouts" / "ai-factory-hall.yaml").read_text()
    lines = []
    for line in text.splitlines():
        if line.lstrip().startswith("- {id: H1-FWS-P"):
            line = line.replace("from: ret, to: sup", "from: sup, to: ret")
        lines.append(line)
    path = tmp_path / "reversed.yaml"
    path.write_text("\n".join(lines) + "\n")
    code, out = _run(["ride-through", str(path), "--fail", "H1-CH1"], capsys)
    assert code == 2, out
    assert "internal error" not in out
    assert "normal state is not a steady state" in out
    assert "no_flow" in out and "H1-FWS" in out


def test_n1_over_a_base_that_is_not_steady_warns(tmp_path: Path, capsys) -> None:
    """A 1 kVA transformer leaves the power flow unconverged before any failure; the N-1
    table was printed without a word about it."""
    text = (ROOT / "layouts" / "small-room.yaml").read_text()
    text = text.replace(
        "{id: TX-1, upstream: UTIL, rating_kva: 500.0", "{id: TX-1, upstream: UTIL, rating_kva: 1.0"
    )
    path = tmp_path / "tiny-tx.yaml"
    path.write_text(text)
    code, out = _run(["n1", str(path), "--top", "1", "--no-progress"], capsys)
    assert code == 0, out
    # the element whose voltage still moves most: the UPS input behind the 1 kVA transformer
    # (its feeder cable's end is in the sweep's convergence test since 2026-12-02)
    assert "warning: the state before any failure is not steady (not_converged: UPS-1" in out
    code, out = _run(["n1", SMALL, "--top", "1", "--no-progress"], capsys)
    assert "not steady" not in out


def test_timeline_sizes_have_the_layouts_bounds(capsys) -> None:
    """`--bess-mwh 1e300` ran and printed a 300-digit BESS; `--period-s 1e-300` ran (audit
    2026-12-04): the layout's storage and grid bounds, a period of at least a second."""
    import pytest

    for argv, said in (
        (["--bess-mwh", "1e300", "--bess-mw", "1"], "--bess-mwh: 1e+300 is not in (0, 100000]"),
        (["--bess-mwh", "1", "--bess-mw", "1e300"], "--bess-mw: 1e+300 is not in (0, 10000]"),
        (["--dr-mw", "1e300"], "--dr-mw: 1e+300 is not in (0, 100000]"),
        (["--ramp-mw-s", "1e300"], "--ramp-mw-s: 1e+300 is not in (0, 10000]"),
        (["--period-s", "1e-300"], "--period-s: 1e-300 is not in [1, 86400]"),
    ):
        with pytest.raises(SystemExit) as e:
            main(["timeline", SMALL, *argv])
        assert e.value.code == 2
        assert said in capsys.readouterr().err, argv
