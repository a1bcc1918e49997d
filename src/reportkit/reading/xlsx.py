"""Reading an .xlsx workbook straight from its XML: sheets as grids, cells with their stored type,
defined names and number formats.

:func:`read_book` gives the workbook as stored — every sheet (with its visibility), every cell
(text, stored type, style, formula), the workbook's defined names and the number format of each
style — for readers that must tell a number from a number typed as text, an input from a
formula (the clerk's form, :mod:`reportkit.form.read`).  :func:`read_xlsx` turns the sheets into
:class:`Grid`\\ s (merged ranges expanded) for :func:`reportkit.reading.locate.locate`.

Each cell's text is what the file stores: a shared or inline string (``_xHHHH_`` escapes
decoded), or the number as written in ``<v>``; the stored type is ``n`` number, ``s``/
``inlineStr``/``str`` text, ``b`` boolean, ``e`` error, ``f`` a formula without a cached value.

A workbook is untrusted input: it is opened through :class:`reportkit.ooxml.Package` (bytes
actually inflated bounded, parts found through relationships, Strict OOXML read as
transitional, DTDs refused; :data:`LIMITS`), a worksheet part that is missing is refused rather
than read as blanks, a chart sheet is listed as one (``Sheet.kind``), cells without an ``r``
attribute take the place that follows the previous one, an index that is not ASCII digits is
refused naming its cell, and cells beyond :data:`MAX_ROWS` × :data:`MAX_COLS` are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from ..ooxml import Limits, Package, PackageError
from ..ooxml import cells as _cells_text
from .grid import Grid

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
MAX_ROWS, MAX_COLS = 2000, 200
#: limits on the zip (a workbook of the official tables is a few tens of kilobytes)
MAX_MEMBERS = 1000
MAX_PART_BYTES = 30 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
LIMITS = Limits(file=MAX_UNPACKED_BYTES, members=MAX_MEMBERS, part=MAX_PART_BYTES, total=MAX_UNPACKED_BYTES)

#: the number formats built into Excel that a reader may meet (id → code)
BUILTIN_FORMATS = {0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%",
                   11: "0.00E+00", 12: "# ?/?", 13: "# ??/??", 14: "yyyy-mm-dd", 15: "d-mmm-yy", 16: "d-mmm",
                   17: "mmm-yy", 18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss",
                   22: "yyyy-mm-dd h:mm", 37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)",
                   39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)", 45: "mm:ss", 46: "[h]:mm:ss",
                   47: "mmss.0", 48: "##0.0E+0", 49: "@"}
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


class BadWorkbook(ValueError):
    """The bytes are not a readable .xlsx workbook; the message says why (in Chinese)."""


class RawCell(NamedTuple):
    text: str             # the stored text or number, escapes decoded
    type: str             # n, s, inlineStr, str, b, e, d — or f for a formula without a value
    style: int            # index into the workbook's cell formats
    formula: str | None   # the formula's text ("" for a shared formula's followers), None if none


@dataclass
class Sheet:
    name: str
    state: str                                     # visible | hidden | veryHidden
    cells: dict[tuple[int, int], RawCell] = field(default_factory=dict)
    merges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    #: what the sheet is: worksheet, chartsheet, dialogsheet, macrosheet… (only a worksheet has cells)
    kind: str = "worksheet"


@dataclass
class Book:
    sheets: list[Sheet]
    #: workbook-scope defined names → their formula text (``'三、依申请公开'!$D$5``)
    names: dict[str, str]
    #: number format code of each cell style
    formats: list[str]
    #: the workbook counts dates from 1904-01-01 (``workbookPr date1904``), not 1899-12-30
    date1904: bool = False

    def sheet(self, name: str) -> Sheet | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None

    def number_format(self, style: int) -> str:
        return self.formats[style] if 0 <= style < len(self.formats) else "General"


col_index = _cells_text.col_index


def cell_index(ref: str) -> tuple[int, int]:
    """``D12`` (or ``$D$12``) → (11, 3)."""
    at = _cells_text.cell_index(ref)
    if at is None:
        raise ValueError(ref)
    return at


def unescape(text: str) -> str:
    """Decode the ``_xHHHH_`` escapes of OOXML strings (``_x000D_`` is a carriage return,
    ``_x005F_`` a literal underscore)."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _formats(styles, part: str) -> list[str]:
    custom = {}
    for f in styles.iter(S + "numFmt"):
        fid = _cells_text.index(f.get("numFmtId"))
        if fid is None:
            raise BadWorkbook(f"工作簿已损坏：{part} 中数字格式的编号 “{_shown(f.get('numFmtId'))}” 不是编号")
        custom[fid] = f.get("formatCode", "General")
    xfs = styles.find(S + "cellXfs")
    out = []
    for xf in (xfs if xfs is not None else ()):
        if xf.tag != S + "xf":
            continue
        raw = xf.get("numFmtId") or "0"
        i = _cells_text.index(raw)
        if i is None:
            raise BadWorkbook(f"工作簿已损坏：{part} 中单元格样式的数字格式编号 “{_shown(raw)}” 不是编号")
        out.append(custom.get(i) or BUILTIN_FORMATS.get(i, "General"))
    return out


def _shown(text) -> str:
    text = str(text)
    return text if len(text) <= 20 else text[:19] + "…"


def read_book(data: bytes, *, only: set[str] | None = None, styles: bool = True) -> Book:
    """The workbook ``data`` as stored; ``only`` limits the sheets whose cells are read (the
    others are listed, empty); without ``styles`` the number formats are not read
    (``Book.formats`` is empty).  Raises :class:`BadWorkbook` for a file that is not a readable
    workbook (within :data:`LIMITS`), a worksheet part that is missing, an index that is not one."""
    try:
        return _read_book(Package(data, LIMITS), only, styles)
    except PackageError as exc:
        raise BadWorkbook(f"不是可读取的 .xlsx 工作簿：{exc.message}") from None


def _read_book(z: Package, only: set[str] | None, styles: bool) -> Book:
    book = z.main_part()
    wb = z.xml(book)
    if wb.tag != S + "workbook":
        what = "Word 文档" if wb.tag.endswith("}document") else f"主文档为 {wb.tag.rpartition('}')[2]}"
        raise BadWorkbook(f"不是 Excel 工作簿（{what}）")
    rels = z.relationships(book)
    shared: list[str] = []
    for rel in z.related(book, "sharedStrings")[:1]:
        shared = _shared_strings(z.xml(rel.target))
    formats: list[str] = []
    if styles:
        for rel in z.related(book, "styles")[:1]:
            formats = _formats(z.xml(rel.target), rel.target)
    defined = {}
    for d in wb.iter(S + "definedName"):
        if d.get("localSheetId") is None and d.get("name"):
            defined[d.get("name")] = d.text or ""
    pr = wb.find(S + "workbookPr")
    date1904 = pr is not None and (pr.get("date1904") or "").lower() in ("1", "true")
    sheets = []
    for el in wb.iterchildren(S + "sheets"):
        for el in el.iterchildren(S + "sheet"):
            sheet = Sheet(el.get("name", ""), el.get("state", "visible"))
            rid = el.get(R + "id") or ""
            rel = rels.get(rid)
            if rel is not None:
                sheet.kind = rel.kind
            if only is None or sheet.name in only:
                if rel is None or rel.external:
                    raise BadWorkbook(f"工作簿已损坏：工作表「{sheet.name}」的关系 {rid or '（无）'} 不存在")
                if z.member(rel.target) is None:
                    raise BadWorkbook(f"工作簿已损坏：工作表「{sheet.name}」的部件 {rel.target} 不存在")
                if rel.kind == "worksheet":
                    _cells(z.xml(rel.target), sheet, shared)
            sheets.append(sheet)
    return Book(sheets, defined, formats, date1904)


# A sheet's cells are read by walking lxml's elements: rows, cells and their few children (measured:
# half the time of flattening them with libxslt, and no separator characters to keep out of the text).
_ROW, _C, _V, _F, _IS, _T, _R, _SHEET_DATA, _MERGES, _MERGE = (
    S + n for n in ("row", "c", "v", "f", "is", "t", "r", "sheetData", "mergeCells", "mergeCell"))


def _rich_text(el) -> str:
    """The text of a string item (``si``, ``is``): its ``t`` and its runs' ``t``, not the phonetic
    guides (``rPh``)."""
    if len(el) == 1 and el[0].tag == _T:
        return el[0].text or ""
    out = []
    for child in el:
        if child.tag == _T:
            out.append(child.text or "")
        elif child.tag == _R:
            out.extend(t.text or "" for t in child.iterchildren(_T))
    return "".join(out)


def _shared_strings(root) -> list[str]:
    return [unescape(_rich_text(si)) for si in root.iterchildren(S + "si")]


@lru_cache(maxsize=65536)
def _index(ref: str) -> tuple[int, int] | None:
    try:
        return cell_index(ref)
    except ValueError:
        return None


def _cells(root, sheet: Sheet, shared: list[str]) -> None:
    if root.tag != S + "worksheet":  # a chart sheet or a dialog sheet: no cells of a table
        return
    row_at = -1
    for data in root.iterchildren(_SHEET_DATA):
        for row in data.iterchildren(_ROW):
            r = row.get("r")   # optional: a row without it follows the previous one
            row_at = (_number_index(r) or 0) - 1 if r is not None else row_at + 1
            _row_cells(row, row_at, sheet, shared)
    for merges in root.iterchildren(_MERGES):
        for m in merges.iterchildren(_MERGE):
            ref = m.get("ref") or ""
            if ":" in ref:
                a, b = (_index(x) for x in ref.split(":", 1))
                if a is not None and b is not None:
                    sheet.merges.append((a, b))


def _row_cells(row, row_at: int, sheet: Sheet, shared: list[str]) -> None:
    """The cells of one row (``row_at``, 0-based) with a value or a formula, into ``sheet.cells``."""
    cells = sheet.cells
    last = None   # the previous cell of the row: its r, or its place when it had none
    for c in row.iterchildren(_C):
        ref = c.get("r")   # optional too: a cell without it follows the previous one
        if ref is None:
            prev = _index(last) if type(last) is str else last
            at = last = (row_at, prev[1] + 1 if prev is not None else 0)
        else:
            last = ref
        if not len(c):  # no value, no formula: nothing to read (most styled cells of a form)
            continue
        if ref is not None:
            at = _index(ref)
            if at is None:
                raise BadWorkbook(f"工作簿已损坏：工作表「{sheet.name}」中有单元格的位置 “{_shown(ref)}” 无效")
        if at[0] < 0 or at[0] >= MAX_ROWS or at[1] >= MAX_COLS:
            continue
        cell = _cell(c, at, sheet.name, shared)
        if cell is not None:
            cells[at] = cell


def _cell(c, at: tuple[int, int], sheet_name: str, shared: list[str]) -> RawCell | None:
    """Cell ``c`` at ``at`` as stored, or None when it holds neither text nor a formula."""
    t = c.get("t") or "n"
    formula = value = inline = None
    for child in c:   # the first of each: a value, a formula, an inline string
        tag = child.tag
        if tag == _V:
            if value is None:
                value = child.text or ""
        elif tag == _F:
            if formula is None:
                formula = child.text or ""
        elif tag == _IS and inline is None:
            inline = child
    text, t = _cell_text(t, value, formula, inline, at, sheet_name, shared)
    if not text and formula is None:
        return None
    style = c.get("s")
    s = 0 if style is None else _number_index(style)
    if s is None:
        raise BadWorkbook(f"工作簿已损坏：{sheet_name}!{_a1(at)} 的样式编号 “{_shown(style)}” 不是编号")
    return RawCell(text, t, s, formula)


def _cell_text(t: str, value, formula, inline, at, sheet_name: str, shared: list[str]) -> tuple[str, str]:
    """A cell's text by its type ``t`` (a shared string looked up, an inline one joined), and its
    type ("f" for a formula without a stored value)."""
    if t == "inlineStr":
        return (unescape(_rich_text(inline)) if inline is not None else ""), t
    if value is None:
        return "", ("f" if formula is not None else t)
    if t == "s":
        i = _number_index(value)
        if i is None:
            raise BadWorkbook(f"工作簿已损坏：{sheet_name}!{_a1(at)} 的共享字符串编号 “{_shown(value)}” 不是编号")
        return (shared[i] if i < len(shared) else ""), t
    if t == "str":
        return unescape(value), t
    return value, t


def _number_index(text: str) -> int | None:
    """An index of ASCII digits (``"²".isdigit()`` is true, ``int("²")`` raises), or None."""
    return int(text) if text.isdigit() and text.isascii() and len(text) < 10 else None


def _a1(at: tuple[int, int]) -> str:
    r, c = at
    letters = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{r + 1}"


def read_xlsx(data: bytes) -> list[Grid]:
    """Every worksheet of the workbook ``data`` as a :class:`Grid`, in workbook order; each grid's
    ``source`` is the sheet name (cells are named ``sheet!D12``)."""
    return [_grid(s) for s in read_book(data, styles=False).sheets]


def _grid(sheet: Sheet) -> Grid:
    cells, merges = sheet.cells, sheet.merges
    nrows = max([r for r, _ in cells] + [b[0] for _, b in merges] + [-1]) + 1
    ncols = max([c for _, c in cells] + [b[1] for _, b in merges] + [-1]) + 1
    nrows, ncols = min(nrows, MAX_ROWS), min(ncols, MAX_COLS)
    texts = [["" for _ in range(ncols)] for _ in range(nrows)]
    origin = [[(r, c) for c in range(ncols)] for r in range(nrows)]
    types: dict[tuple[int, int], str] = {}
    for (r, c), cell in cells.items():
        texts[r][c] = cell.text
        types[(r, c)] = cell.type
    for (r0, c0), (r1, c1) in merges:
        if r0 >= nrows or c0 >= ncols:
            continue
        for r in range(r0, min(r1, nrows - 1) + 1):
            for c in range(c0, min(c1, ncols - 1) + 1):
                texts[r][c], origin[r][c] = texts[r0][c0], (r0, c0)
    return Grid(texts, origin, sheet.name, types=types, a1=True)
