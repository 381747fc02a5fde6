"""Issue 13, "never a wrong answer in silence": every bad argument ends with exit code 2
and a message naming the problem, before any work, never a traceback; JSON is strict.

`cli()` runs `twin.cli.main` in-process and returns (exit code, stdout, stderr) whether
argparse exits or main returns; `real()` runs the installed `twin` entry point."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twin.cli import main
from twin.model import Twin

ROOT = Path(__file__).resolve().parents[2]
SMALL = str(ROOT / "layouts" / "small-room.yaml")
HALL = str(ROOT / "layouts" / "ai-factory-hall.yaml")
HYBRID = str(ROOT / "layouts" / "hybrid-inference.yaml")
TWIN = Path(sys.executable).parent / "twin"


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def real(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(TWIN), *argv], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def strict_json(text: str):
    def no_constant(c):
        raise AssertionError(f"{c} in JSON output")

    return json.loads(text, parse_constant=no_constant)


@pytest.fixture
def no_work(monkeypatch):
    """Loading a layout fails the test: the check must come before any work."""

    def boom(*a, **k):
        raise AssertionError("the layout was loaded before the arguments were checked")

    monkeypatch.setattr(Twin, "load", boom)


# ------------------------------------------------------------ reproducers


def test_n1_brute_force_with_no_workers_exits_2_at_once():
    """Used to hang: a LocalCluster with 0 workers never runs a task."""
    p = real("n1", SMALL, "--brute-force", "--workers", "0", timeout=60)
    assert p.returncode == 2
    assert "--workers" in p.stderr and "0 is not in [1, " in p.stderr
    assert "Traceback" not in p.stderr


def test_fail_before_the_path_works_on_the_real_command():
    p = real("solve", "--fail", "PDU-1", SMALL, "--json")
    assert p.returncode == 0, p.stderr
    assert strict_json(p.stdout)["scenario"] == "fail PDU-1"


@pytest.mark.parametrize(
    "argv",
    [
        ["solve", "--fail", "PDU-1", "PDU-2", SMALL, "--json"],
        ["solve", "--json", "--fail", "PDU-1", "--fail", "PDU-2", SMALL],
        ["solve", SMALL, "--fail", "PDU-1", "--json", "--fail", "PDU-2"],
    ],
)
def test_path_after_fail_is_recovered_and_repeated_fail_adds(argv):
    code, out, err = cli(*argv)
    assert code == 0, err
    assert strict_json(out)["scenario"] == "fail PDU-1, PDU-2"


def test_path_after_lists_in_n1_and_ride_through(tmp_path):
    code, out, err = cli("n1", "--components", "ups", "pdus", SMALL, "--top", "0")
    assert code == 0, err
    assert "N-1 over 3 contingencies" in out
    code, out, err = cli("n1", "--n2", "PDU-1", "PDU-2", SMALL, "--top", "0")
    assert code == 0, err
    assert "N-2 over 1 contingencies" in out
    code, out, err = cli("ride-through", "--fail", "CRAC-1", SMALL, "--t-end", "60")
    assert code == 0, err
    assert "horizon 60 s" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["solve"], "the layout PATH is missing"),
        (["solve", "--fail", "UPS-1", "PDU-1"], "the layout PATH is missing"),
        (["n1", "--fail", "a.yaml", "b.yaml"], "which is the layout PATH: a.yaml, b.yaml"),
        (["ride-through", "--fail", "CRAC-1"], "the layout PATH is missing"),
        (["info"], "the layout PATH is missing"),
    ],
)
def test_missing_path_exits_2_with_a_message(argv, message):
    code, _, err = cli(*argv)
    assert code == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize(
    "argv, hint",
    [
        (["solve", HALL, "--fail", "H1-UPS-A9"], "did you mean H1-UPS-A"),
        (["solve", SMALL, "--fail", "ups-1"], "did you mean UPS-1?"),
        (["n1", SMALL, "--fail", "PDU1"], "did you mean PDU-1"),
        (["n1", SMALL, "--n2", "PDU-1", "PDU-3"], "PDU-3: did you mean PDU-2 or PDU-1?"),
        (["ride-through", SMALL, "--fail", "CRAC1"], "did you mean CRAC-1"),
        (["export", SMALL, "--fail", "TX1"], "did you mean TX-1"),
        (["solve", SMALL, "--fail", "UPS-1,PDU-1"], "separate ids with spaces"),
    ],
)
def test_unknown_id_says_did_you_mean_and_where_the_ids_are(argv, hint, tmp_path):
    if argv[0] == "export":
        argv = [*argv, "-o", str(tmp_path / "x.json")]
    code, out, err = cli(*argv)
    assert code == 2
    assert "unknown component id(s)" in err and hint in err
    assert "twin info" in err and "--ids" in err
    assert "Traceback" not in err


def test_info_ids_lists_every_failable_id():
    code, out, _ = cli("info", SMALL, "--ids")
    assert code == 0 and "ids of ups: UPS-1" in out and "ids of crahs: CRAC-1 CRAC-2 CRAC-3" in out
    code, out, _ = cli("info", SMALL, "--ids", "--json")
    data = strict_json(out)
    assert data["ids"]["pdus"] == ["PDU-1", "PDU-2"]
    assert set(Twin.load(SMALL).component_ids()) == {i for v in data["ids"].values() for i in v}


# ------------------------------------------------------------- outputs


def _writers(target: Path) -> list[list[str]]:
    """Every subcommand that writes a file, writing to `target` + a suffix; the file
    name is always the last argument."""
    return [
        ["n1", SMALL, "--out", f"{target}.csv"],
        ["export", SMALL, "-o", f"{target}.json"],
        ["generate", "hall", "-o", f"{target}.yaml"],
        ["economics", SMALL, "--optimise", "--csv", f"{target}.csv"],
        ["economics", SMALL, "--optimise", "--plot", f"{target}.png"],
        ["ride-through", SMALL, "--fail", "CRAC-1", "--out", f"{target}.csv"],
        ["ride-through", SMALL, "--fail", "CRAC-1", "--racks-out", f"{target}.csv"],
    ]


WRITERS = range(len(_writers(Path("x"))))


@pytest.mark.parametrize("i", WRITERS)
def test_output_into_a_missing_folder_exits_2_before_work(i, tmp_path, no_work):
    argv = _writers(tmp_path / "missing" / "out")[i]
    code, _, err = cli(*argv)
    assert code == 2, err
    assert "does not exist" in err and str(tmp_path / "missing") in err
    assert "Traceback" not in err


@pytest.mark.parametrize("i", WRITERS)
def test_output_under_a_file_exits_2_before_work(i, tmp_path, no_work):
    (tmp_path / "file").write_text("not a folder")
    code, _, err = cli(*_writers(tmp_path / "file" / "out")[i])
    assert code == 2 and "is not a folder" in err, err


@pytest.mark.parametrize("i", WRITERS)
def test_output_that_is_a_folder_exits_2_before_work(i, tmp_path, no_work):
    argv = _writers(tmp_path / "dir")[i]
    Path(argv[-1]).mkdir()
    code, _, err = cli(*argv)
    assert code == 2 and "is a folder" in err, err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_output_into_a_read_only_folder_exits_2(tmp_path, no_work):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        code, _, err = cli("n1", SMALL, "--out", str(ro / "x.csv"))
    finally:
        ro.chmod(0o700)
    assert code == 2 and "is not writable" in err


def test_output_into_a_folder_it_may_not_write_exits_2(tmp_path, no_work, monkeypatch):
    """The same check as a read-only folder, where root (who writes anywhere) runs the tests."""
    import twin.cli.common as common

    ro = tmp_path / "ro"
    ro.mkdir()
    real_access = os.access
    monkeypatch.setattr(common.os, "access", lambda p, m: Path(p) != ro and real_access(p, m))
    for argv in _writers(ro / "x"):
        code, _, err = cli(*argv)
        assert code == 2 and f"folder {ro} is not writable" in err, (argv, err)


def test_solve_out_folder_checked_before_work(tmp_path, no_work):
    (tmp_path / "file").write_text("x")
    code, _, err = cli("solve", SMALL, "--out", str(tmp_path / "file"))
    assert code == 2 and "is not a folder" in err
    code, _, err = cli("solve", SMALL, "--out", str(tmp_path / "file" / "sub"))
    assert code == 2 and "cannot create" in err


def test_solve_out_creates_a_new_folder(tmp_path):
    code, _, err = cli("solve", SMALL, "--out", str(tmp_path / "a" / "b"))
    assert code == 0, err
    assert (tmp_path / "a" / "b" / "kpis.json").exists()


def test_economics_csv_without_optimise_says_so(tmp_path, no_work):
    code, _, err = cli("economics", SMALL, "--csv", str(tmp_path / "c.csv"))
    assert code == 2 and "add --optimise" in err
    assert not (tmp_path / "c.csv").exists()


# ------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "argv, message",
    [
        (["n1", SMALL, "--workers", "0"], "--workers: 0 is not in [1, 256]"),
        (["n1", SMALL, "--workers", "-3"], "--workers: -3 is not in [1, 256]"),
        (["n1", SMALL, "--workers", "two"], "'two' is not an integer"),
        (["n1", SMALL, "--top", "-1"], "--top: -1 is not >= 0"),
        (["n1", SMALL, "--scheduler", "nonsense"], "not a scheduler address"),
        (["generate", "campus", "--it-mw", "0"], "--it-mw: 0 is not > 0"),
        (["generate", "campus", "--it-mw", "-5"], "--it-mw"),
        (["generate", "campus", "--it-mw", "1e9"], "--it-mw"),
        (["generate", "campus", "--it-mw", "nan"], "'nan' is not a finite number"),
        (["generate", "campus", "--rows-per-hall", "0"], "--rows-per-hall: 0 is not in [1, 64]"),
        (["generate", "campus", "--halls-per-building", "0"], "--halls-per-building"),
        (["ride-through", SMALL, "--fail", "CRAC-1", "--t-end", "0"], "--t-end: 0 is not in (0,"),
        (["ride-through", SMALL, "--fail", "CRAC-1", "--t-end", "inf"], "not a finite number"),
        (["ride-through", SMALL, "--fail", "CRAC-1", "--t-end", "1e12"], "--t-end"),
        (["economics", SMALL, "--npu-share", "nan"], "not a finite number"),
        (["economics", SMALL, "--power-cap-kw", "inf"], "not a finite number"),
        (["economics", SMALL, "--grid-mw", "1e9"], "--grid-mw must be in (0, 100000]"),
        (["economics", SMALL, "--points", "1"], "--points must be in [2, 1000]"),
        (["economics", SMALL, "--points", "10000"], "--points must be in [2, 1000]"),
        (["solve", SMALL, "--t-db", "nan"], "--t-db"),
        (["solve", SMALL, "--t-db", "10", "--t-wb", "30"], "--t-wb 30 C is above the dry bulb"),
    ],
)
def test_bad_numbers_exit_2_with_a_message(argv, message):
    code, _, err = cli(*argv)
    assert code == 2, err
    assert message in err and "Traceback" not in err


def test_unreachable_scheduler_exits_2_quickly():
    code, _, err = cli("n1", SMALL, "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and "cannot connect" in err


def test_n2_needs_two_different_ids():
    code, _, err = cli("n1", SMALL, "--n2", "PDU-1", "PDU-1")
    assert code == 2 and "--n2 needs at least two different ids" in err


def test_generate_says_when_the_campus_is_not_the_size_asked(tmp_path):
    code, _, err = cli("generate", "campus", "--it-mw", "1", "-o", str(tmp_path / "c.yaml"))
    assert code == 0
    assert "note: a campus is whole halls" in err and "12.7 MW of IT" in err


# --------------------------------------------------- errors and JSON


def test_internal_error_is_one_line_and_exit_1(monkeypatch):
    import twin.cli.info as info

    def broken(args):
        raise RuntimeError("something inside broke\nsecond line")

    monkeypatch.setattr(info, "run", broken)
    monkeypatch.delenv("TWIN_DEBUG", raising=False)
    code, _, err = cli("info", SMALL)
    assert code == 1
    assert "internal error: RuntimeError: something inside broke" in err
    assert "second line" not in err and "Traceback" not in err and "TWIN_DEBUG=1" in err
    monkeypatch.setenv("TWIN_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli("info", SMALL)


def test_missing_weather_file_exits_2(tmp_path):
    code, _, err = cli("economics", SMALL, "--weather", "pvlib:723170TY")
    assert code == 2 and "did you mean pvlib:723170TYA" in err
    code, _, err = cli("economics", SMALL, "--weather", str(tmp_path / "none.epw"))
    assert code == 2 and "no such file" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    code, _, err = cli("economics", SMALL, "--weather", str(bad))
    assert code == 2 and "cannot read it as a weather year" in err


def test_economics_text_says_n_a_and_why_there_are_no_tokens():
    """PUE with no IT load was "nan"; capped accelerator racks were said to have none."""
    code, out, err = cli("economics", HYBRID, "--power-cap-kw", "0")
    assert code == 0, err
    assert "PUE n/a" in out and not re.search(r"\bnan\b", out, re.I)
    assert "the accelerator racks draw no power" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["info", SMALL, "--json"],
        ["info", HALL, "--json", "--ids"],
        ["economics", SMALL, "--json"],
        ["economics", SMALL, "--json", "--optimise", "--points", "3"],
        ["solve", SMALL, "--json", "--fail", "UPS-1"],
    ],
)
def test_json_is_strict(argv):
    code, out, err = cli(*argv)
    assert code == 0, err
    strict_json(out)


# ------------------------------------------------------- random arguments


POOL = [
    SMALL,
    str(ROOT / "layouts" / "missing.yaml"),
    str(ROOT / "layouts"),
    *"--fail --n2 --components --top --workers --t-end --json --ids --out --racks-out".split(),
    *"--npu-share --power-cap-kw --grid-mw --points --t-db --t-wb --no-progress".split(),
    "--scheduler",
    *"UPS-1 PDU-1 CRAC-1 MSB NOPE ups cooling".split(),
    *"0 -1 1 3 0.5 45 nan inf -inf 1e309 abc".split(),
    "",
    "tcp://127.0.0.1:1",
    "x.xlsx",
]
"""Words the random argument lists are made of; files go to the `outputs` folder."""


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("random-args")


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_arguments_never_end_in_a_traceback(outputs, data):
    files = [outputs / "a.csv", outputs / "b.parquet", outputs / "missing" / "a.csv", outputs]
    command = data.draw(st.sampled_from(["info", "solve", "n1", "ride-through", "economics"]))
    words = st.sampled_from(POOL + [str(f) for f in files])
    argv = [command, *data.draw(st.lists(words, max_size=7))]
    t0 = time.perf_counter()
    code, out, err = cli(*argv)
    assert time.perf_counter() - t0 < 60, argv
    assert code in (0, 2), (argv, err)
    assert "Traceback" not in err and "internal error" not in err, (argv, err)
    if code == 0 and "--json" in argv:
        strict_json(out)
    assert not re.search(r"\b(nan|-?inf)\b", out, re.I), (argv, out)
    if code == 0 and files[0].exists():
        assert not re.search(r"\b(nan|-?inf)\b", files[0].read_text(), re.I), argv
