"""Read a file without trusting it: only a regular file, never blocking, at most a bound.

Shared by every reader of a path a user names (layout, weather, site, measurement CSV,
NetBox export): a directory, FIFO, device (/dev/zero) or socket is refused by what it is,
and a file over the reader's limit by its size, before anything is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotRegularFile(OSError):
    """The path is a directory, FIFO, device or socket: `kind` says which."""

    def __init__(self, path: str, kind: str) -> None:
        super().__init__(f"{path} is {kind}, not a regular file")
        self.kind = kind


class FileTooLarge(OSError):
    """The file holds more than the reader's limit: `size` bytes (at least)."""

    def __init__(self, path: str, size: int, limit: int) -> None:
        super().__init__(f"{path} is {size / 1e6:.1f} MB, more than {limit / 1e6:.0f} MB")
        self.size = size


_NOT_REGULAR = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def not_regular(mode: int) -> str | None:
    """What a file of `mode` (from os.stat) is, if it is not a regular file; else None."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _NOT_REGULAR if test(mode)), "not a regular file")


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
"""O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer
(no effect on regular files)."""


def read_regular(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file at `path`, at most `limit` of them.

    Opens without blocking and checks the opened file (fstat, so no race with a swap of
    the path): a directory, FIFO, device or socket raises `NotRegularFile`, a file larger
    than `limit` `FileTooLarge` (before reading, and again if it grew while read);
    anything the OS refuses its OSError (FileNotFoundError, PermissionError, ...).
    """
    name = str(path)
    fd = os.open(path, _OPEN_FLAGS)
    try:
        st = os.fstat(fd)
        kind = not_regular(st.st_mode)
        if kind:
            raise NotRegularFile(name, kind)
        if st.st_size > limit:
            raise FileTooLarge(name, st.st_size, limit)
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise FileTooLarge(name, len(raw), limit)
    return raw
