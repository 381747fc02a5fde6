"""An upload named like a file in the server's working folder is not taken for that file."""

from __future__ import annotations

from pathlib import Path

from twin.app import warm
from twin.layout import loads

SMALL = Path(__file__).resolve().parents[2] / "layouts" / "small-room.yaml"


def test_upload_with_the_name_of_a_file_in_the_working_folder(tmp_path, monkeypatch):
    """`Path(name).is_file()` looked in the working folder while `load_path` looks in the
    project's root: the Editor stopped with FileNotFoundError on such an upload."""
    (tmp_path / "mine.yaml").write_bytes(SMALL.read_bytes())
    monkeypatch.chdir(tmp_path)
    upload = loads(SMALL.read_bytes(), "mine.yaml")
    assert warm.unedited_file(upload) is None
    assert warm._key(upload) == warm.S.layout_key(upload)
    on_disk = warm.load_path(str(SMALL))
    assert warm.unedited_file(on_disk) == SMALL
