"""Reading a Word document: its tables as grids and its paragraphs as text, in body order.

Works on the XML of ``word/document.xml`` with lxml and libxslt (no python-docx object model:
reading must be cheap enough to check every rendered report).  Merged cells are expanded: ``w:gridSpan`` across,
``w:vMerge`` down (a continuation cell shows the text of the cell that starts the merge), and
``w:gridBefore`` shifts a row right.  A cell's text joins its paragraphs with line breaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..ooxml import Limits, Package, PackageError, parse_xml
from ..ooxml.cells import index as _index
from .grid import Grid

#: what a Word document may hold to be read (a long report's document.xml is a few MB)
LIMITS = Limits(file=64 * 1024 * 1024, members=2000, part=32 * 1024 * 1024, total=64 * 1024 * 1024)


class BadDocument(ValueError):
    """The bytes are not a readable Word document; the message says why (in Chinese)."""

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass
class WordContent:
    grids: list[Grid] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)     # body paragraphs outside tables, in order


# The body is flattened by libxslt (C, through lxml) into a small tree: a ``p`` per paragraph, a
# ``t`` per table of ``r`` rows (``b``: gridBefore) of ``c`` cells (``s``: gridSpan,
# ``m``: vMerge r/c) whose text is their paragraphs', a line each.  Python then touches a few hundred
# elements, not the thousands of the document, and the text keeps every character it has.
_FLATTEN = """<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
 xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<xsl:output method="xml" encoding="UTF-8"/>
<xsl:template match="/"><d><xsl:apply-templates select="w:document/w:body/*"/></d></xsl:template>
<xsl:template match="w:sdt"><xsl:apply-templates select="w:sdtContent/*"/></xsl:template>
<xsl:template match="w:customXml"><xsl:apply-templates select="*"/></xsl:template>
<xsl:template match="w:p"><p><xsl:apply-templates mode="text"/></p></xsl:template>
<xsl:template match="w:tbl"><t><xsl:for-each select="w:tr"><r b="{w:trPr/w:gridBefore/@w:val}"><xsl:for-each
  select="w:tc"><c s="{w:tcPr/w:gridSpan/@w:val}"><xsl:if test="w:tcPr/w:vMerge"><xsl:attribute name="m"><xsl:choose
  ><xsl:when test="w:tcPr/w:vMerge/@w:val = 'restart'">r</xsl:when><xsl:otherwise>c</xsl:otherwise></xsl:choose
  ></xsl:attribute></xsl:if><xsl:for-each select=".//w:p"><xsl:if test="position() &gt; 1"
  ><xsl:text>&#10;</xsl:text></xsl:if><xsl:apply-templates mode="text"/></xsl:for-each></c></xsl:for-each></r></xsl:for-each></t></xsl:template>
<xsl:template match="w:t" mode="text"><xsl:value-of select="."/></xsl:template>
<xsl:template match="w:tab" mode="text"><xsl:text>&#9;</xsl:text></xsl:template>
<xsl:template match="w:br|w:cr" mode="text"><xsl:text>&#10;</xsl:text></xsl:template>
<xsl:template match="w:p|w:pPr|w:rPr|w:tbl" mode="text"/>
<xsl:template match="text()" mode="text"/>
<xsl:template match="*"/>
</xsl:stylesheet>"""
_transform = None


def _flatten(root):
    """The flat tree of the document ``root`` (its root element: ``d``)."""
    global _transform
    from lxml import etree  # lazy: lxml, only to read a .docx; the text, web and PDF readers import this module for WordContent

    if _transform is None:
        _transform = etree.XSLT(etree.fromstring(_FLATTEN.encode("utf-8")))
    return _transform(root).getroot()


def _grid(rows: list[tuple[int, list[tuple[str, int, str]]]], source: str) -> Grid:
    """The grid of a table's rows as read: (gridBefore, [(text, columns spanned, vMerge)])."""
    texts: list[list[str]] = []
    origin: list[list[tuple[int, int]]] = []
    for r, (before, cells) in enumerate(rows):
        row_t = [""] * before
        row_o = [(r, c) for c in range(before)]
        above_t = texts[r - 1] if r else None
        for text, span, vmerge in cells:
            col = len(row_t)
            if vmerge == "c" and above_t is not None and col < len(above_t):
                o = origin[r - 1][col]
                text = texts[o[0]][o[1]]
            else:
                o = (r, col)
            row_t.extend([text] * span)
            row_o.extend([o] * span)
        texts.append(row_t)
        origin.append(row_o)
    width = max((len(t) for t in texts), default=0)
    for r, (row_t, row_o) in enumerate(zip(texts, origin)):
        while len(row_t) < width:
            row_o.append((r, len(row_t)))
            row_t.append("")
    return Grid(texts, origin, source)


def _count(text: str | None) -> int:
    """A span or a count of grid columns: ASCII digits, below 100000; 0 for anything else
    (``gridSpan="²"`` is not a span)."""
    n = _index(text) if text and len(text) < 6 else None
    return n or 0


def read_document_xml(xml: bytes, part: str = "word/document.xml") -> WordContent:
    """Tables and paragraphs of a main document part; :class:`BadDocument` when it is not
    readable XML (a DTD, nesting too deep, not well-formed)."""
    try:
        root = parse_xml(xml, part)
    except PackageError as exc:
        raise BadDocument(exc.message) from None
    out = WordContent()
    for el in _flatten(root):
        if el.tag == "p":
            out.paragraphs.append(el.text or "")
        else:
            rows = [(_count(row.get("b")), [(cell.text or "", max(1, _count(cell.get("s"))), cell.get("m") or "")
                                            for cell in row]) for row in el]
            out.grids.append(_grid(rows, f"第 {len(out.grids) + 1} 个表格"))
    return out


def read_docx(data: bytes) -> WordContent:
    """Tables and paragraphs of the .docx ``data`` (bytes): its main document found through the
    package's relationships, read within :data:`LIMITS`; :class:`BadDocument` otherwise."""
    try:
        z = Package(data, LIMITS)
        main = z.main_part()
        xml = z.read(main)
    except PackageError as exc:
        raise BadDocument(exc.message) from None
    return read_document_xml(xml, main)
