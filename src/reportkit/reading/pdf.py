"""Reading a PDF with a text layer: its ruled tables as grids, the text around them as paragraphs.

pdfplumber (on pdfminer.six) finds the ruled tables of each page and the cells' boxes; a cell
that spans rows or columns is given to every grid position it covers (pdfplumber leaves the
covered positions empty).  A table that runs on from the bottom of one page to the top of the
next, with the same columns, is joined into one grid; a label cell cut by the page break is
joined again (``（四）无`` + ``法提供``), and a row cut in two keeps its figures.  Ruled boxes of
one column are text frames, not tables: their text is read as paragraphs.

Lines of text become paragraphs where a line is indented, the line before it stops short of the
right margin, or a heading starts.  Page numbers (``-3-``, ``— 3 —``) are dropped.  A PDF without
a text layer (a scan) is refused: it needs OCR first.
"""

from __future__ import annotations

import io
import re

from ..errors import DocumentError
from .docx import WordContent
from .grid import Grid, TooLarge
from .labels import key
from .locate import is_value

#: a line that is only a page number (``— 3 —``, ``- 12 -``)
PAGE_NUMBER = re.compile(r"^[-—–－\s]*\d{1,3}[-—–－\s]*$")
_HEAD = re.compile(r"^([一二三四五六七八九十]{1,2}、|[（(][一二三四五六七八九十]{1,3}[）)])")
_TOL = 2.0
#: the most pages a report's PDF may have (reports have 4–20), and the most bytes its pages'
#: content streams may unpack to, all pages together (a page of a report is some 50–200 KB)
MAX_PAGES = 300
MAX_CONTENT = 64 * 1024 * 1024
_FLATE = {"FlateDecode", "Fl"}


def check_limits(data: bytes, name: str = "") -> None:
    """Refuse a PDF beyond :data:`MAX_PAGES` pages or whose page contents unpack beyond
    :data:`MAX_CONTENT` bytes, before anything is unpacked: each deflated content stream is
    inflated only up to what is left of the allowance."""
    import zlib

    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFStream, resolve1
    from pdfminer.psparser import PSLiteral

    doc = PDFDocument(PDFParser(io.BytesIO(data)))
    left = MAX_CONTENT
    for n, page in enumerate(PDFPage.create_pages(doc), start=1):
        if n > MAX_PAGES:
            raise TooLarge(f"PDF 超过 {MAX_PAGES} 页（上限）；这不像一份年度报告", file=name)
        for ref in page.contents or []:
            stream = resolve1(ref)
            if not isinstance(stream, PDFStream):
                continue
            raw = stream.rawdata if stream.rawdata is not None else (stream.data or b"")
            filters = resolve1(stream.attrs.get("Filter") or stream.attrs.get("F"))
            filters = filters if isinstance(filters, list) else [filters] if filters else []
            names = [f.name if isinstance(f, PSLiteral) else str(resolve1(f)) for f in filters]
            if names and names[0] in _FLATE:
                inflater = zlib.decompressobj()
                try:
                    size = len(inflater.decompress(raw, left + 1))
                except zlib.error:
                    continue  # a broken stream: pdfplumber says so itself
            else:
                size = len(raw)
            left -= size
            if left < 0:
                raise TooLarge(f"PDF 第 {n} 页的内容展开后使全文超过 {MAX_CONTENT // (1024 * 1024)} MB（上限）；"
                               "这不像一份年度报告", file=name)


def _bounds(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _TOL:
            out.append(v)
    return out


def _index(bounds: list[float], v: float) -> int:
    return min(range(len(bounds)), key=lambda i: abs(bounds[i] - v))


def _grid(table, source: str) -> Grid:
    """A pdfplumber table as a Grid: every cell's box placed on the table's row and column lines."""
    texts = table.extract()
    boxes = [(r, c, cell) for r, row in enumerate(table.rows) for c, cell in enumerate(row.cells) if cell]
    xs = _bounds([b[0] for _, _, b in boxes] + [b[2] for _, _, b in boxes])
    ys = _bounds([b[1] for _, _, b in boxes] + [b[3] for _, _, b in boxes])
    nr, nc = len(ys) - 1, len(xs) - 1
    grid_t = [["" for _ in range(nc)] for _ in range(nr)]
    origin = [[(r, c) for c in range(nc)] for r in range(nr)]
    for r, c, (x0, top, x1, bottom) in boxes:
        text = texts[r][c] or ""
        r0, r1 = _index(ys, top), _index(ys, bottom)
        c0, c1 = _index(xs, x0), _index(xs, x1)
        for rr in range(r0, max(r1, r0 + 1)):
            for cc in range(c0, max(c1, c0 + 1)):
                grid_t[rr][cc], origin[rr][cc] = text, (r0, c0)
    return Grid(grid_t, origin, source)


def _known(text: str) -> bool:
    from .locate import known_label

    return known_label(key(text))


def join(a: Grid, b: Grid) -> Grid:
    """``b`` continued from ``a`` across a page break: one grid.  A label cell cut by the break is
    joined again; a first row with no figures is the rest of ``a``'s last row."""
    texts = [list(r) for r in a.texts]
    origin = [list(r) for r in a.origin]
    off = len(texts)
    last = off - 1
    first = b.texts[0] if b.texts else []
    if first and all(not t.strip() or not is_value(t) for t in first) and any(is_value(t) for t in texts[last]):
        _rest_of_row(texts, origin, last, first)
        rest = range(1, b.nrows)
    else:
        rest = range(b.nrows)
    start = None
    for r in rest:
        start = r if start is None else start
        row_t, row_o = [], []
        for c, t in enumerate(b.texts[r]):
            o = b.origin[r][c]
            new_o = (o[0] - start + off, o[1])
            if r == start or o[0] == start:  # first row of b: a label cut by the break continues above
                new_o, t = _label_continued(texts, origin, last, c, b.texts[o[0]][o[1]]) or (new_o, t)
            row_t.append(t)
            row_o.append(new_o)
        texts.append(row_t)
        origin.append(row_o)
    for r in range(off, len(texts)):  # covered cells of b show their (possibly joined) origin's text
        for c in range(len(texts[r])):
            o = origin[r][c]
            texts[r][c] = texts[o[0]][o[1]] if o[0] < off or o != (r, c) else texts[r][c]
    return Grid(texts, origin, a.source)


def _show(texts: list[list[str]], origin: list[list[tuple]], o: tuple, text: str) -> None:
    """Every position the cell at ``o`` covers shows ``text``."""
    for rr in range(len(texts)):
        for cc in range(len(texts[rr])):
            if origin[rr][cc] == o:
                texts[rr][cc] = text


def _rest_of_row(texts: list[list[str]], origin: list[list[tuple]], last: int, first: list[str]) -> None:
    """The rest of a row cut in two: ``first``'s label texts appended to the cells of row ``last``."""
    for c, t in enumerate(first):
        if t.strip() and c < len(texts[last]):
            o = origin[last][c]
            _show(texts, origin, o, texts[o[0]][o[1]] + t)


def _label_continued(texts: list[list[str]], origin: list[list[tuple]], last: int, c: int,
                     cut: str) -> tuple[tuple, str] | None:
    """(origin, text) of column ``c``'s cell in the first row after the break when it continues the
    label above it (blank, or completing it into a known label), the label joined; else None."""
    above = origin[last][c] if c < len(origin[last]) else None
    if above is not None and not is_value(texts[last][c]) and texts[last][c].strip():
        prev = texts[above[0]][above[1]]
        if not cut.strip() or (_known(prev + cut) and not _known(cut)):
            t = prev + cut if cut.strip() else prev
            _show(texts, origin, above, t)
            return above, t
    return None


def _margin(x1s: list[float]) -> float:
    """The right margin: where most lines end (full lines of justified text), not the longest line."""
    from collections import Counter

    counts = Counter(round(x / 3) for x in x1s)
    best = max(counts.values())
    return 3 * max(k for k, n in counts.items() if n == best)


def _paragraphs(lines: list[dict]) -> list[str]:
    """Text lines of every page, in order (pdfplumber text lines with a ``page`` number added) →
    paragraphs; a paragraph may run on across a page break."""
    lines = [ln for ln in lines if ln["text"].strip() and not PAGE_NUMBER.match(ln["text"].strip())]
    if not lines:
        return []
    left = min(ln["x0"] for ln in lines)
    right = _margin([ln["x1"] for ln in lines])
    out: list[str] = []
    prev = None
    for ln in lines:
        size = ln["chars"][0]["size"] if ln.get("chars") else 12
        text = ln["text"].strip()
        same_page = prev is not None and prev["page"] == ln["page"]
        new = (prev is None or ln["x0"] > left + 1.5 * size or prev["x1"] < right - 2 * size
               or _HEAD.match(text) or (same_page and ln["top"] - prev["bottom"] > 1.2 * size))
        if new:
            out.append(text)
        else:
            out[-1] += text
        prev = ln
    return out


def read_pdf(data: bytes, name: str = "") -> WordContent:
    """Tables and paragraphs of the PDF ``data`` (bytes)."""
    import pdfplumber

    out = WordContent()
    chars = 0
    _limits_checked(data, name)
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many kinds of exceptions on broken files
        raise DocumentError(f"无法打开 PDF（文件已损坏或有密码保护）：{type(exc).__name__}", file=name) from None
    previous = None  # (grid, page number, bottom, page height) of the last table, for joining across pages
    lines: list[dict] = []
    try:
        for pno, page in enumerate(pdf.pages):
            chars += len(page.chars)
            previous = _read_page(page, pno, out, lines, previous)
    except DocumentError:
        raise
    except Exception as exc:
        raise DocumentError(f"读取 PDF 时出错（文件可能已损坏）：{type(exc).__name__}: {exc}", file=name) from None
    finally:
        pdf.close()
    out.paragraphs = _paragraphs(lines)
    if chars == 0:
        raise DocumentError("PDF 中没有文字层（可能是扫描件）：需要先做文字识别（OCR），或改用 Word/网页版本导入",
                            file=name)
    return out


def _limits_checked(data: bytes, name: str) -> None:
    """:func:`check_limits`, a file pdfminer cannot open said so (the limits' own error as it is)."""
    try:
        check_limits(data, name)
    except TooLarge:
        raise
    except Exception as exc:  # pdfminer raises many kinds of exceptions on broken files
        raise DocumentError(f"无法打开 PDF（文件已损坏或有密码保护）：{type(exc).__name__}", file=name) from None


def _read_page(page, pno: int, out: WordContent, lines: list[dict], previous):
    """One page: its text lines outside the tables added to ``lines``, its tables to ``out.grids`` —
    the first joined to the last one of the page before when it runs on (:func:`_runs_on`).  Returns
    the new ``previous``: the page's last table when it may run on to the next page, else None."""
    tables = [t for t in page.find_tables() if len(t.rows) >= 1 and max(len(r.cells) for r in t.rows) >= 2]
    boxes = [t.bbox for t in tables]
    rest = page.filter(lambda o, boxes=boxes: not any(
        b[0] - 1 <= o.get("x0", 0) and o.get("x1", 0) <= b[2] + 1 and b[1] - 1 <= o.get("top", 0)
        and o.get("bottom", 0) <= b[3] + 1 for b in boxes)) if boxes else page
    for ln in rest.extract_text_lines(return_chars=True):
        ln["page"] = pno
        lines.append(ln)
    for i, t in enumerate(tables):
        g = _grid(t, f"第 {pno + 1} 页表格")
        if not g.texts:
            continue
        if _runs_on(previous, pno, i, t, page, g):
            out.grids[-1] = join(out.grids[-1], g)
            previous = (out.grids[-1], pno, t.bbox[3], page.height)
            continue
        out.grids.append(g)
        previous = (g, pno, t.bbox[3], page.height) if i == len(tables) - 1 else None
    if previous is not None and previous[1] != pno:
        previous = None
    return previous


def _runs_on(previous, pno: int, i: int, t, page, g: Grid) -> bool:
    """Table ``t`` (grid ``g``, the ``i``-th of page ``pno``) continues ``previous``: the first table,
    near the top of the page after the one whose last table reached near its bottom, as wide."""
    return (previous is not None and i == 0 and previous[1] == pno - 1 and t.bbox[1] < page.height * 0.3
            and previous[2] > previous[3] * 0.6 and len(g.texts[0]) == len(previous[0].texts[0]))
