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

A workbook is untrusted input: the zip's member count and unpacked sizes are bounded before
anything is unpacked, XML is parsed without entities or network access, and cells beyond
:data:`MAX_ROWS` × :data:`MAX_COLS` are ignored.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from .grid import Grid

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")
MAX_ROWS, MAX_COLS = 2000, 200
#: limits on the zip (a workbook of the official tables is a few tens of kilobytes)
MAX_MEMBERS = 1000
MAX_PART_BYTES = 30 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024

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


@dataclass
class Book:
    sheets: list[Sheet]
    #: workbook-scope defined names → their formula text (``'三、依申请公开'!$D$5``)
    names: dict[str, str]
    #: number format code of each cell style
    formats: list[str]

    def sheet(self, name: str) -> Sheet | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None

    def number_format(self, style: int) -> str:
        return self.formats[style] if 0 <= style < len(self.formats) else "General"


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def cell_index(ref: str) -> tuple[int, int]:
    """``D12`` (or ``$D$12``) → (11, 3)."""
    m = _REF.match(ref)
    if not m:
        raise ValueError(ref)
    return int(m.group(2)) - 1, col_index(m.group(1))


def unescape(text: str) -> str:
    """Decode the ``_xHHHH_`` escapes of OOXML strings (``_x000D_`` is a carriage return,
    ``_x005F_`` a literal underscore)."""
    if "_x" not in text:
        return text
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError):
        raise BadWorkbook("不是有效的 .xlsx 工作簿（无法作为 zip 压缩包打开）") from None
    infos = z.infolist()
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES \
            or any(i.file_size > MAX_PART_BYTES for i in infos):
        raise BadWorkbook("工作簿解压后过大，不像一份年度报告")
    return z


def _part(z: zipfile.ZipFile, name: str, parser):
    from lxml import etree

    try:
        return etree.fromstring(z.read(name), parser)
    except KeyError:
        raise BadWorkbook(f"不是有效的 .xlsx 工作簿（缺少 {name}）") from None
    except (zipfile.BadZipFile, zlib.error, etree.XMLSyntaxError, ValueError, EOFError) as exc:
        raise BadWorkbook(f"工作簿已损坏（{name}：{type(exc).__name__}）") from None


def _formats(styles) -> list[str]:
    custom = {int(f.get("numFmtId", -1)): f.get("formatCode", "General") for f in styles.iter(S + "numFmt")}
    xfs = styles.find(S + "cellXfs")
    out = []
    for xf in (xfs if xfs is not None else ()):
        if xf.tag != S + "xf":
            continue
        i = int(xf.get("numFmtId", 0) or 0)
        out.append(custom.get(i) or BUILTIN_FORMATS.get(i, "General"))
    return out


def read_book(data: bytes, *, only: set[str] | None = None, styles: bool = True) -> Book:
    """The workbook ``data`` as stored; ``only`` limits the sheets whose cells are read (the
    others are listed, empty); without ``styles`` the number formats are not read
    (``Book.formats`` is empty).  Raises :class:`BadWorkbook` for a file that is not a readable workbook."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    with _open(data) as z:
        names = set(z.namelist())
        wb = _part(z, "xl/workbook.xml", parser)
        rels = _part(z, "xl/_rels/workbook.xml.rels", parser)
        targets = {r.get("Id"): r.get("Target") or "" for r in rels.iter(PR + "Relationship")}
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            shared = _shared_strings(_part(z, "xl/sharedStrings.xml", parser))
        formats = _formats(_part(z, "xl/styles.xml", parser)) if styles and "xl/styles.xml" in names else []
        defined = {}
        for d in wb.iter(S + "definedName"):
            if d.get("localSheetId") is None and d.get("name"):
                defined[d.get("name")] = d.text or ""
        sheets = []
        for el in wb.iter(S + "sheet"):
            sheet = Sheet(el.get("name", ""), el.get("state", "visible"))
            target = targets.get(el.get(R + "id"), "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            if part in names and (only is None or sheet.name in only):
                _cells(_part(z, part, parser), sheet, shared)
            sheets.append(sheet)
    return Book(sheets, defined, formats)


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
    cells = sheet.cells
    for data in root.iterchildren(_SHEET_DATA):
        for row in data.iterchildren(_ROW):
            for c in row.iterchildren(_C):
                if not len(c):  # no value, no formula: nothing to read (most styled cells of a form)
                    continue
                ref = c.get("r")
                at = _index(ref) if ref else None
                if at is None or at[0] >= MAX_ROWS or at[1] >= MAX_COLS:
                    continue
                t = c.get("t") or "n"
                style = c.get("s") or ""
                formula = value = inline = None
                for child in c:
                    tag = child.tag
                    if tag == _V:
                        if value is None:
                            value = child.text or ""
                    elif tag == _F:
                        if formula is None:
                            formula = child.text or ""
                    elif tag == _IS and inline is None:
                        inline = child
                if t == "inlineStr":
                    text = unescape(_rich_text(inline)) if inline is not None else ""
                elif value is None:
                    text, t = "", ("f" if formula is not None else t)
                elif t == "s":
                    i = int(value) if value.isdigit() else -1
                    text = shared[i] if 0 <= i < len(shared) else ""
                elif t == "str":
                    text = unescape(value)
                else:
                    text = value
                if text or formula is not None:
                    cells[at] = RawCell(text, t, int(style) if style.isdigit() else 0, formula)
    for merges in root.iterchildren(_MERGES):
        for m in merges.iterchildren(_MERGE):
            ref = m.get("ref") or ""
            if ":" in ref:
                a, b = (_index(x) for x in ref.split(":", 1))
                if a is not None and b is not None:
                    sheet.merges.append((a, b))


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
