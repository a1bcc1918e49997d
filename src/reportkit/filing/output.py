"""Safe writing (temporary file + rename, never overwriting without ``force``), safe file names,
and the list of output formats."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..errors import OutputExistsError, RenderError, os_message

#: the one list of the formats a set can have, in manifest order
FORMATS = ("docx", "xlsx", "pdf", "html")
#: what a render writes when no formats are named: the filing set (the web page is asked for)
DEFAULT_FORMATS = ("docx", "xlsx", "pdf")


def write_bytes(path: Path, data: bytes, *, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (a temporary file in the same folder, then a rename)
    and return the path written: a last component longer than a file name can be is shortened
    as render's names are (:func:`fit_path`).  The file gets the mode the user's umask gives
    (as ``open`` would), not the 0600 of a temporary file."""
    import tempfile  # lazy: validate writes nothing (bench_validate start-up)

    path = fit_path(Path(path))
    if path.exists() and not force:
        raise OutputExistsError("文件已存在；如要覆盖请加 --force", file=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".reportkit-", suffix=".tmp", dir=path.parent)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o666 & ~umask())
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise RenderError(f"无法写入：{os_message(exc)}", file=str(path)) from None
    return path


_umask: int | None = None


def umask() -> int:
    """The process's umask (read once: setting it to read it is not thread-safe, so it is read
    from /proc where there is one)."""
    global _umask
    if _umask is None:
        try:
            with open("/proc/self/status", encoding="ascii") as fh:
                _umask = next(int(line.split()[1], 8) for line in fh if line.startswith("Umask:"))
        except (OSError, StopIteration, ValueError, IndexError):
            _umask = os.umask(0o022)
            os.umask(_umask)
    return _umask


def fit_path(path: Path) -> Path:
    """``path`` with its last component shortened when it is longer than :data:`NAME_MAX` bytes
    (``OSError: File name too long`` otherwise): cut as :func:`safe_name` cuts, its extension
    kept, so that the same name always gives the same file."""
    name = path.name
    if len(name.encode("utf-8")) <= NAME_MAX:
        return path
    stem, dot, ext = name.rpartition(".")
    if dot and stem and 0 < len(ext.encode("utf-8")) <= 16:
        return path.with_name(safe_name(stem, "." + ext, room=0))
    return path.with_name(safe_name(name, room=0))


def write_text(path: Path, text: str, *, force: bool = False) -> Path:
    return write_bytes(path, text.encode("utf-8"), force=force)


NAME_MAX = 255   # bytes of UTF-8 in a file name (ext4, XFS, btrfs, APFS); Windows: 255 UTF-16 units, never fewer
EXTENSION_ROOM = 8  # bytes kept free for ".docx", ".xlsx", ".pdf", ".html" and the like
_HASH_LEN = 8


def safe_name(name: str, suffix: str = "", *, room: int = EXTENSION_ROOM) -> str:
    """A file-name-safe ``name + suffix`` (keeps Chinese, replaces path characters) that fits in
    ``NAME_MAX - room`` bytes of UTF-8.

    A name too long is cut at a character boundary and marked with ``~`` and the first
    8 hex digits of the SHA-256 of the whole name, so the result is stable and two long
    names that share their beginning stay distinct; ``suffix`` is always kept whole.
    """
    name, suffix = _clean(name).strip(" .") or "report", _clean(suffix)
    budget = NAME_MAX - room
    if len(suffix.encode("utf-8")) > budget // 2:  # an absurd suffix: treat it as part of the name
        name, suffix = name + suffix, ""
    budget -= len(suffix.encode("utf-8"))
    raw = name.encode("utf-8")
    if len(raw) <= budget:
        return name + suffix

    tag = "~" + hashlib.sha256(raw).hexdigest()[:_HASH_LEN]
    cut = raw[:budget - len(tag)].decode("utf-8", "ignore").rstrip(" .")
    return cut + tag + suffix


def _clean(text: str) -> str:
    """Path separators, characters Windows refuses, control characters and lone surrogates → ``_``."""
    bad = '<>:"/\\|?*'
    return "".join("_" if ch in bad or ord(ch) < 32 or 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)
