"""Saving a layout: atomic, and no temporary file left behind, even by a killed save."""

from __future__ import annotations

import os
import time

import pytest

from twin.app.text import plain
from twin.layout import dump, load, save
from twin.layout import write as W


def temps(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_failed_replace_leaves_no_temp_file_and_the_old_file_whole(
    small_room, tmp_path, monkeypatch
):
    target = tmp_path / "room.yaml"
    target.write_text("old contents\n")

    def broken_replace(src, dst):
        assert os.path.exists(src) and os.path.basename(src).startswith(".room.yaml.")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(W.os, "replace", broken_replace)
    with pytest.raises(OSError):
        save(small_room.layout, target)
    assert temps(tmp_path) == []
    assert target.read_text() == "old contents\n"


def test_a_failed_write_leaves_no_temp_file(small_room, tmp_path, monkeypatch):
    monkeypatch.setattr(W.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(5, "I/O error")))
    with pytest.raises(OSError):
        save(small_room.layout, tmp_path / "room.yaml")
    assert list(tmp_path.iterdir()) == []


def test_a_save_removes_what_killed_saves_left(small_room, tmp_path):
    """A killed save (SIGKILL) cannot clean up: the next save to that file removes its
    temporary files older than a minute, and leaves younger ones (a save under way) and
    other files alone."""
    stale = tmp_path / ".room.yaml.k1ll3d_x.tmp"
    young = tmp_path / ".room.yaml.runn1ng_.tmp"
    other = tmp_path / ".other.yaml.abcdefgh.tmp"
    mine = tmp_path / ".notes.txt.abcdefgh.tmp"
    for p in (stale, young, other, mine):
        p.write_text("half a layout")
    old = time.time() - 2 * W.STALE_TEMP_S
    for p in (stale, other, mine):
        os.utime(p, (old, old))
    save(small_room.layout, tmp_path / "room.yaml")
    assert temps(tmp_path) == sorted([young.name, other.name, mine.name])
    assert dump(load(tmp_path / "room.yaml")) == dump(small_room.layout)
    # at the app's start-up: every layout file's stale temporary files in the folder
    assert W.remove_stale_temps(tmp_path) == [other]
    assert temps(tmp_path) == sorted([young.name, mine.name])


def test_the_editor_says_when_a_save_fails_and_leaves_nothing(app, layouts_tmp, monkeypatch):
    before = sorted(p.name for p in layouts_tmp.iterdir())
    at = app("editor")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(W.os, "replace", broken_replace)
    at.text_input(key="ed_fname").set_value("full-disk.yaml")
    at.button(key="ed_save").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        plain("Could not save full-disk.yaml: No space left on device.")
    ]
    assert sorted(p.name for p in layouts_tmp.iterdir()) == before
