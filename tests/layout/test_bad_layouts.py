"""Every broken layout in tests/data/bad_layouts/ is refused with exit code 2 and a located message.

Each YAML file states what it expects in its first comment lines::

    # expect-path: halls[0].racks[1].power_kw
    # expect-line: 14
    # expect-message: less than or equal to 1000

(repeat the three lines for a file with several mistakes). Files that cannot
carry comments (empty, binary, non-UTF-8, JSON) are described in
``expectations.yaml`` in the same folder. For every expectation one line of
stderr must name the file, the line, the path and contain the message.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from twin.cli import main
from twin.errors import LayoutError
from twin.layout import load, loads, source
from twin.model import Twin

HERE = Path(__file__).resolve().parent
BAD = HERE.parents[0] / "data" / "bad_layouts"
MINIMAL = HERE / "minimal.yaml"
SIDECAR = BAD / "expectations.yaml"
FILES = sorted(p.name for p in BAD.iterdir() if p.is_file() and p != SIDECAR)


def expectations(name: str) -> list[dict]:
    """The expectations of one bad file: a list of {path, line, message}."""
    side = yaml.safe_load(SIDECAR.read_text())
    if name in side:
        return [side[name]]
    out: list[dict] = []
    for text in (BAD / name).read_text(encoding="utf-8").splitlines():
        if not text.startswith("# expect-"):
            if out or not text.startswith("#"):
                break
            continue
        key, _, value = text[len("# expect-") :].partition(":")
        value = value.strip()
        if key == "path":
            out.append({"path": value})
        elif key == "line":
            out[-1]["line"] = int(value)
        elif key == "message":
            out[-1]["message"] = value
    return out


def run_validate(path: Path, capsys) -> tuple[int, str]:
    code = main(["validate", str(path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def assert_located(output: str, file: str, exp: dict) -> None:
    """One line of output names the file, line and path, and holds the message."""
    want = [exp["message"]]
    if exp.get("line") is not None:
        want.append(f"{file}:{exp['line']}:")
    else:
        want.append(file)
    if exp.get("path"):
        want.append(f": {exp['path']}: ")
    lines = output.splitlines()
    assert any(all(w in line for w in want) for line in lines), (
        f"no line of the output has all of {want!r}:\n{output}"
    )


def test_there_are_enough_bad_layouts() -> None:
    assert len(FILES) >= 45
    for name in FILES:
        assert expectations(name), f"{name} states no expectations"


def test_the_base_layout_is_valid_and_builds() -> None:
    """The bad files are this layout with one mistake each, so it must itself be good."""
    layout = load(MINIMAL)
    twin = Twin.from_layout(layout)
    assert len(twin.racks) == 2


@pytest.mark.parametrize("name", FILES)
def test_bad_layout_is_refused_with_a_located_message(name: str, capsys) -> None:
    path = BAD / name
    code, output = run_validate(path, capsys)
    assert code == 2, output
    assert "Traceback" not in output
    assert "ok (" not in output
    for exp in expectations(name):
        assert_located(output, str(path), exp)


def test_all_errors_in_a_file_are_reported_at_once(capsys) -> None:
    code, output = run_validate(BAD / "multiple-errors.yaml", capsys)
    assert code == 2
    located = [
        line for line in output.splitlines() if re.search(r"multiple-errors\.yaml:\d+: ", line)
    ]
    assert len(located) == 3, output


def test_oversize_file_is_refused_before_reading(tmp_path: Path, capsys) -> None:
    big = tmp_path / "huge.yaml"
    with big.open("wb") as f:  # sparse: no need to write 64 MB
        f.truncate(source.MAX_FILE_BYTES + 1)
    code, output = run_validate(big, capsys)
    assert code == 2
    assert "Traceback" not in output
    assert f"{big}: file is" in output and "MB are accepted" in output


def test_oversize_upload_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(source, "MAX_FILE_BYTES", 1000)
    with pytest.raises(LayoutError) as info:
        loads("# padding\n" * 200, "upload.yaml")
    assert "larger than" in str(info.value)


def test_missing_file_and_directory(tmp_path: Path, capsys) -> None:
    code, output = run_validate(tmp_path / "nope.yaml", capsys)
    assert code == 2 and "file not found" in output
    code, output = run_validate(tmp_path, capsys)
    assert code == 2 and "directory" in output


def test_validate_many_files_reports_each_and_exits_2(capsys) -> None:
    code = main(["validate", str(MINIMAL), str(BAD / "rack-5mw.yaml"), str(BAD / "empty.yaml")])
    out = capsys.readouterr()
    assert code == 2
    assert "minimal.yaml: ok" in out.out
    assert "rack-5mw.yaml" in out.err and "empty.yaml" in out.err


TWIN = Path(sys.executable).with_name("twin")


@pytest.mark.skipif(not TWIN.exists(), reason="the twin console script is not installed")
@pytest.mark.parametrize(
    "name",
    [
        "binary-junk.yaml",
        "billion-laughs.yaml",
        "deep-nesting.json",
    ],
)
def test_real_command_prints_no_traceback(name: str) -> None:
    """The installed `twin validate`, as a user runs it: exit 2, located errors, no traceback."""
    proc = subprocess.run(
        [str(TWIN), "validate", str(BAD / name)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert str(BAD / name) in proc.stderr
    for exp in expectations(name):
        assert_located(proc.stderr, str(BAD / name), exp)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_device_is_refused_unread(capsys) -> None:
    """/dev/zero reports size 0 and never ends: it is refused as a device, never read."""
    code, output = run_validate(Path("/dev/zero"), capsys)
    assert code == 2
    assert "Traceback" not in output and "/dev/zero: is a character device" in output


@pytest.mark.timeout(60)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_is_refused_without_blocking(tmp_path: Path, capsys) -> None:
    """Opening a FIFO for reading waits for a writer: the layout reader must not."""
    fifo = tmp_path / "layout.yaml"
    os.mkfifo(fifo)
    code, output = run_validate(fifo, capsys)
    assert code == 2
    assert f"{fifo}: is a named pipe (FIFO), expected a layout file" in output
    with pytest.raises(LayoutError, match="named pipe"):
        load(fifo)


def test_unreadable_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("format_version: 1\n")
    path.chmod(0)
    try:
        readable = os.access(path, os.R_OK)  # root reads anyway
        code, output = run_validate(path, capsys)
    finally:
        path.chmod(0o600)
    assert code == 2 and "Traceback" not in output
    if not readable:
        assert "cannot read file" in output
