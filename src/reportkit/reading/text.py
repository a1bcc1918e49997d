"""Reading a text copy of a report (.txt, .md): tables as rows of cells, the rest as paragraphs.

A table row is a line whose cells are separated by tabs (a table copied out of Word or a web page),
by ``|`` (a Markdown table; its ``|---|`` rule is skipped) or by two or more spaces (at least three
cells).  Consecutive rows form one table; any other non-empty line is a paragraph (Markdown's
``#`` and ``**`` marks are taken off).  The text is UTF-8 (with or without BOM), UTF-16 with a
BOM, or GB18030 (GBK/GB2312) — the encodings Windows Notepad writes.
"""

from __future__ import annotations

import re

from ..errors import DocumentError
from .docx import WordContent
from .grid import MAX_COLUMNS, TooLarge, expand

#: the most characters a text copy may have (a report is some 20,000)
MAX_CHARS = 5_000_000

_MD_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")
_SPACES = re.compile(r"[ \u3000\xa0]{2,}")
_MD_MARKS = re.compile(r"^#{1,6}\s+|\*\*|__")


def decode(raw: bytes, name: str = "") -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16", errors="replace")
    for enc in ("utf-8", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DocumentError("文本既不是 UTF-8 也不是 GBK/GB18030 编码，无法读取", file=name)


def cells(line: str) -> list[str] | None:
    """The cells of a table row, or None for a line of prose."""
    s = line.rstrip("\r\n")
    if s.lstrip().startswith("|") and s.count("|") >= 2:
        inner = s.strip()
        inner = inner[1:-1] if inner.endswith("|") else inner[1:]
        return [c.strip() for c in inner.split("|")]
    if "\t" in s:
        return [c.strip() for c in s.split("\t")]
    parts = _SPACES.split(s.strip())
    return parts if len(parts) >= 3 else None


def read_text(data: bytes, name: str = "") -> WordContent:
    """Tables and paragraphs of the text ``data`` (bytes)."""
    text = decode(data, name)
    if len(text) > MAX_CHARS:
        raise TooLarge(f"文本过长：{len(text)} 个字符，超过上限 {MAX_CHARS}；这不像一份年度报告", file=name)
    out = WordContent()
    rows: list[list[str]] = []

    def close():
        if rows:
            out.grids.append(expand([[(c, 1, 1) for c in row] for row in rows], f"第 {len(out.grids) + 1} 个表格"))
            rows.clear()

    for n, line in enumerate(text.splitlines(), start=1):
        if _MD_RULE.match(line.strip()):
            continue
        row = cells(line)
        if row is not None and len(row) > MAX_COLUMNS:
            raise TooLarge(f"第 {n} 行分出 {len(row)} 格，超过每行上限 {MAX_COLUMNS} 格；这不像一份年度报告的表格",
                           file=name)
        if row is not None and any(c for c in row):
            rows.append(row)
            continue
        close()
        para = _MD_MARKS.sub("", line).strip()
        if para:
            out.paragraphs.append(para)
    close()
    return out
