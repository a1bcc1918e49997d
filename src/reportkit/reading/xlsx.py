"""Reading an .xlsx workbook's sheets as grids (merged ranges expanded), straight from its XML.

Each cell's text is what the file stores: a shared or inline string, or the number as written
in ``<v>``; :attr:`Grid.types` keeps the stored type of every non-empty cell (``n`` number,
``s``/``inlineStr``/``str`` text, ``b`` boolean, ``f`` a formula without a cached value) so a
reader can tell a number from a number typed as text.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from .grid import Grid

S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
MAX_ROWS, MAX_COLS = 2000, 200


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def cell_index(ref: str) -> tuple[int, int]:
    m = _REF.match(ref)
    if not m:
        raise ValueError(ref)
    return int(m.group(2)) - 1, col_index(m.group(1))


def _string(si) -> str:
    return "".join(t.text or "" for t in si.iter(S + "t") if t.getparent().tag != S + "rPh")


def read_xlsx(data: bytes) -> list[Grid]:
    """Every worksheet of the workbook ``data`` as a :class:`Grid`, in workbook order; each grid's
    ``source`` is the sheet name (cells are named ``sheet!D12``)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = set(z.namelist())
        wb = etree.fromstring(z.read("xl/workbook.xml"), parser)
        rels = etree.fromstring(z.read("xl/_rels/workbook.xml.rels"), parser)
        targets = {r.get("Id"): r.get("Target") for r in rels.iter(PR + "Relationship")}
        shared: list[str] = []
        if "xl/sharedStrings.xml" in names:
            sst = etree.fromstring(z.read("xl/sharedStrings.xml"), parser)
            shared = [_string(si) for si in sst.iter(S + "si")]
        grids = []
        for sheet in wb.iter(S + "sheet"):
            target = targets.get(sheet.get(R + "id"), "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            if part not in names:
                continue
            grids.append(_sheet(etree.fromstring(z.read(part), parser), sheet.get("name", ""), shared))
    return grids


def _sheet(root, name: str, shared: list[str]) -> Grid:
    cells: dict[tuple[int, int], tuple[str, str]] = {}
    for c in root.iter(S + "c"):
        ref = c.get("r")
        if not ref:
            continue
        r, col = cell_index(ref)
        if r >= MAX_ROWS or col >= MAX_COLS:
            continue
        t = c.get("t", "n")
        v = c.find(S + "v")
        if t == "inlineStr":
            is_ = c.find(S + "is")
            text = _string(is_) if is_ is not None else ""
        elif v is None:
            text, t = "", ("f" if c.find(S + "f") is not None else t)
        elif t == "s":
            i = int(v.text or 0)
            text = shared[i] if 0 <= i < len(shared) else ""
        else:
            text = v.text or ""
        if text or t == "f":
            cells[(r, col)] = (text, t)
    merges = []
    for m in root.iter(S + "mergeCell"):
        ref = m.get("ref", "")
        if ":" in ref:
            a, b = ref.split(":")
            merges.append((cell_index(a), cell_index(b)))
    nrows = max([r for r, _ in cells] + [b[0] for _, b in merges] + [-1]) + 1
    ncols = max([c for _, c in cells] + [b[1] for _, b in merges] + [-1]) + 1
    nrows, ncols = min(nrows, MAX_ROWS), min(ncols, MAX_COLS)
    texts = [["" for _ in range(ncols)] for _ in range(nrows)]
    origin = [[(r, c) for c in range(ncols)] for r in range(nrows)]
    types: dict[tuple[int, int], str] = {}
    for (r, c), (text, t) in cells.items():
        texts[r][c] = text
        types[(r, c)] = t
    for (r0, c0), (r1, c1) in merges:
        for r in range(r0, min(r1, nrows - 1) + 1):
            for c in range(c0, min(c1, ncols - 1) + 1):
                texts[r][c], origin[r][c] = texts[r0][c0], (r0, c0)
    return Grid(texts, origin, name, types=types, a1=True)
