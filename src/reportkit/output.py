"""Safe writing: temporary file + rename, never overwriting without ``force``."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputExistsError, RenderError


def write_bytes(path: Path, data: bytes, *, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (a temporary file in the same folder, then a rename)."""
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError("文件已存在；如要覆盖请加 --force", file=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise RenderError(f"无法写入：{exc.strerror or exc}", file=str(path)) from None
    return path


def write_text(path: Path, text: str, *, force: bool = False) -> Path:
    return write_bytes(path, text.encode("utf-8"), force=force)


def safe_name(name: str) -> str:
    """A file-name-safe version of an agency name (keeps Chinese, replaces path characters)."""
    bad = '<>:"/\\|?*\0'
    out = "".join("_" if ch in bad or ord(ch) < 32 else ch for ch in name).strip(" .")
    return out[:80] or "report"
