"""Reading a Word document: its tables as grids and its paragraphs as text, in body order.

Works on the XML of ``word/document.xml`` with lxml (no python-docx object model: reading must be
cheap enough to check every rendered report).  Merged cells are expanded: ``w:gridSpan`` across,
``w:vMerge`` down (a continuation cell shows the text of the cell that starts the merge), and
``w:gridBefore`` shifts a row right.  A cell's text joins its paragraphs with line breaks.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field

from .grid import Grid

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _TR, _TC, _T, _TAB, _BR, _CR = (W + t for t in ("p", "tbl", "tr", "tc", "t", "tab", "br", "cr"))


@dataclass
class WordContent:
    grids: list[Grid] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)     # body paragraphs outside tables, in order
    #: (paragraph index, style id) for the paragraphs that have a style
    styles: dict[int, str] = field(default_factory=dict)


def _text(p) -> str:
    parts = []
    for el in p.iter(_T, _TAB, _BR, _CR):
        if el.tag == _T:
            parts.append(el.text or "")
        elif el.tag == _TAB:
            parts.append("\t")
        else:
            parts.append("\n")
    return "".join(parts)


def _val(el, tag: str) -> str | None:
    found = el.find(tag)
    return None if found is None else found.get(W + "val", "")


def table_grid(tbl, source: str = "") -> Grid:
    """One ``w:tbl`` as a :class:`Grid` (nested tables are read as the text of their cell)."""
    texts: list[list[str]] = []
    origin: list[list[tuple[int, int]]] = []
    for r, tr in enumerate(tbl.iterchildren(_TR)):
        row_t: list[str] = []
        row_o: list[tuple[int, int]] = []
        pr = tr.find(W + "trPr")
        before = int(_val(pr, W + "gridBefore") or 0) if pr is not None else 0
        for _ in range(before):
            row_o.append((r, len(row_t)))
            row_t.append("")
        for tc in tr.iterchildren(_TC):
            tcpr = tc.find(W + "tcPr")
            span = int((_val(tcpr, W + "gridSpan") if tcpr is not None else None) or 1)
            vmerge = _val(tcpr, W + "vMerge") if tcpr is not None else None
            text = "\n".join(_text(p) for p in tc.iter(_P))
            col = len(row_t)
            if vmerge is not None and vmerge != "restart" and r > 0 and col < len(texts[r - 1]):
                above_o = origin[r - 1][col]
                text = texts[above_o[0]][above_o[1]]
                o = above_o
            else:
                o = (r, col)
            for _ in range(max(1, span)):
                row_t.append(text)
                row_o.append(o)
        texts.append(row_t)
        origin.append(row_o)
    width = max((len(t) for t in texts), default=0)
    for r, (row_t, row_o) in enumerate(zip(texts, origin)):
        while len(row_t) < width:
            row_o.append((r, len(row_t)))
            row_t.append("")
    return Grid(texts, origin, source)


def read_document_xml(xml: bytes) -> WordContent:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(xml, parser)
    body = root.find(W + "body")
    out = WordContent()
    if body is None:
        return out
    n_tables = 0

    def walk(parent):
        nonlocal n_tables
        for el in parent:
            if el.tag == _P:
                ppr = el.find(W + "pPr")
                style = _val(ppr, W + "pStyle") if ppr is not None else None
                if style:
                    out.styles[len(out.paragraphs)] = style
                out.paragraphs.append(_text(el))
            elif el.tag == _TBL:
                n_tables += 1
                out.grids.append(table_grid(el, f"第 {n_tables} 个表格"))
            elif el.tag in (W + "sdt", W + "customXml"):
                content = el.find(W + "sdtContent")
                walk(content if content is not None else el)

    walk(body)
    return out


def read_docx(data: bytes) -> WordContent:
    """Tables and paragraphs of the .docx ``data`` (bytes)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return read_document_xml(z.read("word/document.xml"))
