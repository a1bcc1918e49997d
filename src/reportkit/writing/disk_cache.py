"""Prepared Word templates kept on disk, so that a single cold ``reportkit render`` does not
pay for docxtpl's ``patch_xml`` and the Jinja compile again (about 100 ms per template).

One file per key in the user's cache folder (``platformdirs.user_cache_dir("reportkit")``;
``REPORTKIT_CACHE_DIR`` names another folder, and an empty value turns the disk cache off).
An entry holds compiled code, which runs when a report is rendered, so it is trusted only as
far as the user's own files are: the folder is made private (0700), and an entry or folder not
owned by the user, or writable by others, is ignored.  Entries are written atomically (a
temporary file renamed into place); the newest :data:`KEEP` are kept.  A folder that cannot be made or written is skipped
silently; an entry that cannot be read is simply rebuilt and written again.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import platformdirs

ENV = "REPORTKIT_CACHE_DIR"
SUFFIX = ".docx-prepared"
#: entries kept (each a few hundred kB): the oldest go when a new one is written
KEEP = 64


def folder() -> Path | None:
    """The cache folder, or None when the disk cache is off."""
    value = os.environ.get(ENV)
    if value is not None:
        return Path(value) if value.strip() else None

    return Path(platformdirs.user_cache_dir("reportkit", appauthor=False)) / "templates"


def _private(st: os.stat_result) -> bool:
    owner = os.getuid() if hasattr(os, "getuid") else st.st_uid
    return st.st_uid == owner and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def read(key: str) -> bytes | None:
    """The entry stored under ``key``, or None (absent, unreadable, or not the user's own)."""
    where = folder()
    if where is None:
        return None
    path = where / f"{key}{SUFFIX}"
    try:
        with open(path, "rb") as fh:
            if not (_private(os.fstat(fh.fileno())) and _private(os.stat(where))):
                return None
            return fh.read()
    except OSError:
        return None


def write(key: str, data: bytes) -> None:
    """Store ``data`` under ``key``; nothing happens when the folder cannot be written."""
    where = folder()
    if where is None:
        return
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(os.stat(where)):
            return
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=where)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, where / f"{key}{SUFFIX}")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        entries = sorted(where.glob(f"*{SUFFIX}"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[:-KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        return
