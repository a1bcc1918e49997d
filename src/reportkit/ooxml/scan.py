"""The byte-offset XML scanner: one XML part read with expat, no DTD, no deeper than
:data:`~reportkit.ooxml.package.MAX_DEPTH`, with the byte offsets of its elements — what the
Excel engine cuts a template's sheets with, so that a render writes only the cells it fills and
copies every other byte.  Also the few byte-level helpers for writing XML again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from .package import MAX_DEPTH, PackageError

#: namespaces of SpreadsheetML: transitional and Strict
MAIN = frozenset({"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                  "http://purl.oclc.org/ooxml/spreadsheetml/main"})
#: one part the scanner reads (a real sheet is < 1 MB)
MAX_XML_PART = 20 * 1024 * 1024

TAG = re.compile(rb"<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*\s*/?>")
ATTR = re.compile(rb"\s+([^\s=/>]+)\s*=\s*(?:\"[^\"]*\"|'[^']*')")
DECLARED = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")


def esc(text: str, quote: bool = False) -> bytes:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    if quote:
        text = text.replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")
    return text.encode("utf-8")


def edit_tag(tag: bytes, drop: tuple[bytes, ...] = (), **values: Any) -> bytes:
    """The start tag ``tag`` (``<c r="A1" t="s">``) with the attributes in ``drop`` removed and
    ``values`` set; the other attributes keep their bytes. The closing ``>``/``/>`` is kept."""
    qname = re.match(rb"<[^\s/>]+", tag).group(0)
    closing = b"/>" if tag.endswith(b"/>") else b">"
    todo = {k.encode(): str(v) for k, v in values.items()}
    out = [qname]
    for m in ATTR.finditer(tag, len(qname)):
        key = m.group(1)
        if key in todo:
            out.append(b' %s="%s"' % (key, esc(todo.pop(key), quote=True)))
        elif key not in drop:
            out.append(m.group(0))
    out += [b' %s="%s"' % (k, esc(v, quote=True)) for k, v in todo.items()]
    return b"".join(out) + closing


@dataclass(frozen=True)
class Span:
    """Byte offsets of an element: its start tag ``[begin, tag_end)``, its end tag from
    ``close`` (None for an empty-element tag) and its end."""
    begin: int
    tag_end: int
    close: int | None
    end: int


class Scanner:
    """One XML part read with expat: namespace-aware, no DTD, the byte offsets of elements.

    ``fail(detail)`` makes the error raised for a part that cannot be read.  Subclasses implement ``start(ns, local, attrs)`` and ``end(ns, local)``; ``self.path``
    holds the open elements (the local name for the spreadsheet namespace, ``"ns local"``
    otherwise); setting ``self.chars`` to a list collects the text until it is set to None.
    """

    def __init__(self, data: bytes, part: str, name: str) -> None:
        self.data, self.part, self.name = data, part, name
        self.path: list[str] = []
        self.chars: list[str] | None = None

    def read(self):
        if len(self.data) > MAX_XML_PART:
            raise self.fail(f"部件 {self.part} 过大（超过 {MAX_XML_PART // 2**20} MB）")
        declared = DECLARED.match(self.data)
        if self.data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in self.data[:64] or (
                declared and declared.group(1).lower() not in (b"utf-8", b"utf8")):
            raise self.fail(f"部件 {self.part} 不是 UTF-8 编码（Excel、WPS 和 LibreOffice "
                                      "保存的文件都是 UTF-8），请用它们重新保存")
        parser = self._parser = expat.ParserCreate("UTF-8", " ")
        parser.ordered_attributes = True
        parser.buffer_text = True
        parser.StartDoctypeDeclHandler = self._doctype
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars
        try:
            parser.Parse(self.data, True)
        except expat.ExpatError as exc:
            raise self.fail(f"部件 {self.part} 不是有效的 XML（第 {exc.lineno} 行第 "
                                      f"{exc.offset + 1} 列：{expat.ErrorString(exc.code)}）") from None
        return self

    def fail(self, detail: str) -> Exception:
        """The error for what is wrong with this part (the engine names its template)."""
        return PackageError(detail, self.part)

    def _doctype(self, *_):
        raise self.fail(f"部件 {self.part} 含有 DOCTYPE 声明，拒绝处理")

    def _start(self, qname: str, attrs: list[str]) -> None:
        if len(self.path) >= MAX_DEPTH:
            raise self.fail(f"部件 {self.part} 的 XML 嵌套过深（超过 {MAX_DEPTH} 层），拒绝处理")
        ns, _, local = qname.rpartition(" ")
        self.start(ns, local, dict(zip(attrs[::2], attrs[1::2])))
        self.path.append(local if ns in MAIN else qname)

    def _end(self, qname: str) -> None:
        self.path.pop()
        ns, _, local = qname.rpartition(" ")
        self.end(ns, local)

    def _chars(self, text: str) -> None:
        if self.chars is not None:
            self.chars.append(text)

    @property
    def parent(self) -> str | None:
        return self.path[-1] if self.path else None

    def start_tag(self) -> tuple[int, int]:
        """In ``start``: the byte offsets of the start tag being read."""
        at = self._parser.CurrentByteIndex
        tag = TAG.match(self.data, at)
        if tag is None:   # well-formed XML always matches; never trust that blindly
            raise self.fail(f"部件 {self.part} 无法解析（字节 {at}）")
        return at, tag.end()

    def span(self, begin: int, tag_end: int) -> Span:
        """In ``end``: the element whose start tag was ``[begin, tag_end)``."""
        if self.data[tag_end - 2:tag_end] == b"/>":
            return Span(begin, tag_end, None, tag_end)
        close = self._parser.CurrentByteIndex
        return Span(begin, tag_end, close, self.data.index(b">", close) + 1)

    def text(self) -> str:
        """The text collected since ``chars`` was set; stops collecting."""
        text, self.chars = "".join(self.chars or ()), None
        return text

    def start(self, ns: str, local: str, attrs: dict[str, str]) -> None:
        pass

    def end(self, ns: str, local: str) -> None:
        pass


def prefix(tag: bytes) -> bytes:
    """``b"x:"`` for ``<x:c …>``, ``b""`` for ``<c …>``."""
    qname = re.match(rb"<([^\s/>]+)", tag).group(1)
    return qname.rpartition(b":")[0] + b":" if b":" in qname else b""
