#!/usr/bin/env python3
"""Build the Word templates ``templates/docx/report-2019.docx`` and ``report-2021.docx``.

Run from the repository root::

    python tools/build_docx_templates.py            # (re)write both templates
    python tools/build_docx_templates.py --check    # exit 1 if the committed files differ
    python tools/build_docx_templates.py --outdir DIR

The templates are generated with python-docx and lxml and are byte-for-byte reproducible:
the same script always writes the same files (fixed core properties, fixed zip timestamps).

What the templates contain, and which context they see, is documented in
``docs/templates.md``; the table labels follow ``official-format.md`` §2–§4 character by
character; the typography follows GB/T 9704-2012 and lives entirely in named styles
(``Title``, ``Normal``, ``Heading 1``, ``Heading 2``, ``表格文字``, ``表格文字左``,
``落款署名``, ``落款日期``, ``footer``) -- no run carries direct formatting.

Every placeholder is written as the single run of its paragraph, so Word never splits a
tag; each ``{%p … %}`` tag is alone in its own paragraph.
"""

from __future__ import annotations

import argparse
import copy
import datetime as _dt
import io
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from reportkit import contract  # noqa: E402  (labels come from the contract, the one source)

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTDIR = ROOT / "templates" / "docx"
EDITIONS = ("2019", "2021")

# --------------------------------------------------------------------------------------
# Units and page geometry (GB/T 9704-2012 §5)
# --------------------------------------------------------------------------------------


def twips(mm: float) -> int:
    """Millimetres to twentieths of a point."""
    return round(mm * 1440 / 25.4)


PAGE_W, PAGE_H = twips(210), twips(297)  # A4
MARGIN_TOP, MARGIN_BOTTOM = twips(37), twips(35)
MARGIN_LEFT, MARGIN_RIGHT = twips(28), twips(26)
HEADER_DISTANCE = twips(15)
# The page-number line sits ~7 mm below the text block (35 mm bottom margin): its top at
# ~28 mm from the paper edge, its 14 pt line (~6 mm) ending ~22 mm above the edge.
FOOTER_DISTANCE = twips(22)
TEXT_WIDTH = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT  # 8845 twips ≈ 156 mm

BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
FOOTER_PT = 14  # 4号
TABLE_PT = 9  # 小五
LINE_PITCH = 579  # 28.95 pt: 22 lines fill the 225 mm text block
CHARS_PER_LINE = 28
# 28 characters of 16 pt need 448 pt, the line is 442.25 pt (156 mm).  A character grid
# (docGrid linesAndChars, charSpace ≈ -841) squeezes them in Word, but LibreOffice (the
# usual PDF converter) then gives every 16 pt character two 15.8 pt grid cells and the
# text comes out double-spaced.  So the grid is lines only (22 × 28.95 pt) and the body
# and heading styles condense characters by 0.25 pt: 28 × 15.75 pt = 441 pt fit a line
# without any character grid (checked in LibreOffice: 28 characters a line, 22 lines).
CONDENSE = -5  # twentieths of a point
assert CHARS_PER_LINE * (BODY_PT * 20 + CONDENSE) <= TEXT_WIDTH

TABLE_WIDTH = twips(156)  # 8844 twips, the full text width
CELL_MARGIN = 40  # twips ≈ 0.7 mm left and right
BORDER = 4  # eighths of a point: 0.5 pt

FONT_LATIN = "Times New Roman"
FONT_FANGSONG = "仿宋_GB2312"
FONT_HEITI = "黑体"
FONT_KAITI = "楷体_GB2312"
FONT_TITLE = "方正小标宋简体"
FONT_SONG = "宋体"

FIXED_TIME = _dt.datetime(2024, 1, 1, 0, 0, 0)
ZIP_TIME = (2024, 1, 1, 0, 0, 0)

# --------------------------------------------------------------------------------------
# Small XML helpers
# --------------------------------------------------------------------------------------


def E(tag: str, attrs: dict | None = None, *children):
    """An OOXML element ``tag`` (``w:…``) with ``attrs`` and ``children`` (None skipped)."""
    el = OxmlElement(tag)
    for key, value in (attrs or {}).items():
        el.set(qn(key), str(value))
    for child in children:
        if child is not None:
            el.append(child)
    return el


def rfonts(latin: str, east_asia: str):
    return E("w:rFonts", {"w:ascii": latin, "w:hAnsi": latin, "w:eastAsia": east_asia,
                          "w:cs": latin})


def size(pt: float):
    half = str(round(pt * 2))
    return [E("w:sz", {"w:val": half}), E("w:szCs", {"w:val": half})]


def run(text: str):
    t = E("w:t")
    t.text = text
    if text != text.strip():
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return E("w:r", None, t)


def paragraph(style_id: str | None, text: str = "", ppr_extra=()):
    """A paragraph with the given style and ``text`` as its single run."""
    ppr = E("w:pPr")
    if style_id:
        ppr.append(E("w:pStyle", {"w:val": style_id}))
    for child in ppr_extra:
        ppr.append(child)
    p = E("w:p", None, ppr if len(ppr) else None)
    if text:
        p.append(run(text))
    return p


# --------------------------------------------------------------------------------------
# Styles
# --------------------------------------------------------------------------------------

NO_INDENT = {"w:left": "0", "w:leftChars": "0", "w:right": "0", "w:rightChars": "0",
             "w:firstLineChars": "0", "w:firstLine": "0"}
BODY_INDENT = {"w:firstLineChars": "200", "w:firstLine": str(2 * BODY_PT * 20)}
EXACT_LINE = {"w:before": "0", "w:after": "0", "w:line": str(LINE_PITCH),
              "w:lineRule": "exact"}
SINGLE_LINE = {"w:before": "0", "w:after": "0", "w:line": "240", "w:lineRule": "auto"}


def style(kind, style_id, name, *, based_on=None, next_=None, default=False, ui=None,
          qformat=False, semi_hidden=False, ppr=(), rpr=(), tblpr=None):
    attrs = {"w:type": kind, "w:styleId": style_id}
    if default:
        attrs["w:default"] = "1"
    el = E("w:style", attrs, E("w:name", {"w:val": name}))
    if based_on:
        el.append(E("w:basedOn", {"w:val": based_on}))
    if next_:
        el.append(E("w:next", {"w:val": next_}))
    if ui is not None:
        el.append(E("w:uiPriority", {"w:val": str(ui)}))
    if semi_hidden:
        el.append(E("w:semiHidden"))
        el.append(E("w:unhideWhenUsed"))
    if qformat:
        el.append(E("w:qFormat"))
    if ppr:
        el.append(E("w:pPr", None, *ppr))
    if rpr:
        el.append(E("w:rPr", None, *rpr))
    if tblpr is not None:
        el.append(tblpr)
    return el


def heading_rpr(east_asia):
    return [rfonts(FONT_LATIN, east_asia), E("w:b", {"w:val": "0"}),
            E("w:bCs", {"w:val": "0"}), E("w:i", {"w:val": "0"}),
            E("w:iCs", {"w:val": "0"}), E("w:color", {"w:val": "000000"}),
            condense(CONDENSE), *size(BODY_PT)]


def condense(twentieths: int):
    """Character spacing (w:rPr/w:spacing), in twentieths of a point."""
    return E("w:spacing", {"w:val": str(twentieths)})


def no_grid_ppr():
    # Table text, title and page numbers do not snap to the 22-line grid (a single-spaced
    # 9 pt table line would otherwise take a whole 28.95 pt grid line), nor to a character
    # grid should a user switch one on.
    return E("w:snapToGrid", {"w:val": "0"})


def no_grid_rpr():
    return E("w:snapToGrid", {"w:val": "0"})


def build_styles(document) -> None:
    root = document.styles.element
    latent = root.find(qn("w:latentStyles"))
    for child in list(root):
        if child is not latent:
            root.remove(child)

    doc_defaults = E(
        "w:docDefaults", None,
        E("w:rPrDefault", None, E(
            "w:rPr", None, rfonts(FONT_LATIN, FONT_FANGSONG), *size(BODY_PT),
            E("w:lang", {"w:val": "en-US", "w:eastAsia": "zh-CN", "w:bidi": "ar-SA"}))),
        E("w:pPrDefault", None, E("w:pPr")),
    )
    root.insert(0, doc_defaults)

    styles = [
        style("paragraph", "Normal", "Normal", default=True, qformat=True,
              ppr=[E("w:widowControl", {"w:val": "0"}), E("w:spacing", EXACT_LINE),
                   E("w:ind", BODY_INDENT), E("w:jc", {"w:val": "both"})],
              rpr=[rfonts(FONT_LATIN, FONT_FANGSONG), condense(CONDENSE), *size(BODY_PT)]),
        style("character", "DefaultParagraphFont", "Default Paragraph Font", default=True,
              ui=1, semi_hidden=True),
        style("table", "TableNormal", "Normal Table", default=True, ui=99, semi_hidden=True,
              tblpr=E("w:tblPr", None,
                      E("w:tblInd", {"w:w": "0", "w:type": "dxa"}),
                      E("w:tblCellMar", None,
                        E("w:top", {"w:w": "0", "w:type": "dxa"}),
                        E("w:left", {"w:w": "108", "w:type": "dxa"}),
                        E("w:bottom", {"w:w": "0", "w:type": "dxa"}),
                        E("w:right", {"w:w": "108", "w:type": "dxa"})))),
        style("numbering", "NoList", "No List", default=True, ui=99, semi_hidden=True),
        style("paragraph", "Title", "Title", based_on="Normal", next_="Normal", ui=10,
              qformat=True,
              ppr=[E("w:keepNext"), no_grid_ppr(),
                   E("w:spacing", {**EXACT_LINE, "w:after": str(LINE_PITCH)}),
                   E("w:ind", NO_INDENT), E("w:jc", {"w:val": "center"})],
              rpr=[rfonts(FONT_LATIN, FONT_TITLE), E("w:b", {"w:val": "0"}),
                   E("w:bCs", {"w:val": "0"}), no_grid_rpr(),
                   E("w:color", {"w:val": "000000"}), condense(0), *size(TITLE_PT)]),
        style("paragraph", "Heading1", "heading 1", based_on="Normal", next_="Normal", ui=9,
              qformat=True,
              ppr=[E("w:keepNext"), E("w:spacing", EXACT_LINE), E("w:ind", BODY_INDENT),
                   E("w:jc", {"w:val": "both"}), E("w:outlineLvl", {"w:val": "0"})],
              rpr=heading_rpr(FONT_HEITI)),
        style("paragraph", "Heading2", "heading 2", based_on="Normal", next_="Normal", ui=9,
              qformat=True,
              ppr=[E("w:keepNext"), E("w:spacing", EXACT_LINE), E("w:ind", BODY_INDENT),
                   E("w:jc", {"w:val": "both"}), E("w:outlineLvl", {"w:val": "1"})],
              rpr=heading_rpr(FONT_KAITI)),
        style("paragraph", "Header", "header", based_on="Normal", ui=99, semi_hidden=True,
              ppr=[no_grid_ppr(), E("w:spacing", SINGLE_LINE), E("w:ind", NO_INDENT),
                   E("w:jc", {"w:val": "center"})],
              rpr=[rfonts(FONT_SONG, FONT_SONG), no_grid_rpr(), condense(0),
                   *size(FOOTER_PT)]),
        style("paragraph", "Footer", "footer", based_on="Normal", ui=99, semi_hidden=True,
              ppr=[no_grid_ppr(), E("w:spacing", SINGLE_LINE), E("w:ind", NO_INDENT),
                   E("w:jc", {"w:val": "right"})],
              # 4号半角宋体 for the dashes and the digits alike (GB/T 9704 §7.5)
              rpr=[rfonts(FONT_SONG, FONT_SONG), no_grid_rpr(), condense(0),
                   *size(FOOTER_PT)]),
        style("paragraph", "TableText", "表格文字", based_on="Normal", qformat=True, ui=20,
              ppr=[E("w:widowControl", {"w:val": "0"}), no_grid_ppr(),
                   E("w:spacing", SINGLE_LINE), E("w:ind", NO_INDENT),
                   E("w:jc", {"w:val": "center"})],
              rpr=[rfonts(FONT_LATIN, FONT_FANGSONG), no_grid_rpr(), condense(0),
                   *size(TABLE_PT)]),
        style("paragraph", "TableTextLeft", "表格文字左", based_on="TableText",
              qformat=True, ui=20, ppr=[E("w:jc", {"w:val": "left"})]),
        style("paragraph", "SignatureName", "落款署名", based_on="Normal", next_="SignatureDate",
              qformat=True, ui=20,
              ppr=[E("w:keepNext"), E("w:ind", NO_INDENT), E("w:jc", {"w:val": "right"})]),
        style("paragraph", "SignatureDate", "落款日期", based_on="Normal", next_="Normal",
              qformat=True, ui=20,
              ppr=[E("w:ind", NO_INDENT), E("w:jc", {"w:val": "right"})]),
    ]
    for st in styles:
        root.append(st)


# --------------------------------------------------------------------------------------
# Settings, section, footers
# --------------------------------------------------------------------------------------


def build_settings(document) -> None:
    settings = document.settings
    settings.odd_and_even_pages_header_footer = True
    el = settings.element
    for tag in ("w:rsids", "w:proofState", "w:attachedTemplate"):
        for child in el.findall(qn(tag)):
            el.remove(child)
    for lang in el.findall(qn("w:themeFontLang")):
        lang.set(qn("w:eastAsia"), "zh-CN")
    for cs in el.iter(qn("w:compatSetting")):
        if cs.get(qn("w:name")) == "compatibilityMode":
            cs.set(qn("w:val"), "15")
    for doc_id in el.findall("{http://schemas.microsoft.com/office/word/2010/wordml}docId"):
        el.remove(doc_id)


def build_section(document) -> None:
    section = document.sections[0]
    sect = section._sectPr
    for attr in list(sect.attrib):
        del sect.attrib[attr]  # rsid noise from python-docx's default document
    pg_sz = sect.find(qn("w:pgSz"))
    pg_sz.attrib.clear()
    pg_sz.set(qn("w:w"), str(PAGE_W))
    pg_sz.set(qn("w:h"), str(PAGE_H))
    pg_mar = sect.find(qn("w:pgMar"))
    pg_mar.attrib.clear()
    for key, value in (("w:top", MARGIN_TOP), ("w:right", MARGIN_RIGHT),
                       ("w:bottom", MARGIN_BOTTOM), ("w:left", MARGIN_LEFT),
                       ("w:header", HEADER_DISTANCE), ("w:footer", FOOTER_DISTANCE),
                       ("w:gutter", 0)):
        pg_mar.set(qn(key), str(value))
    cols = sect.find(qn("w:cols"))
    cols.attrib.clear()
    cols.set(qn("w:space"), "425")
    grid = sect.find(qn("w:docGrid"))
    grid.attrib.clear()
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))

    # Page number "— 1 —": odd pages right-aligned, 1 字 from the right; even pages
    # left-aligned, 1 字 from the left (GB/T 9704 §7.5).
    one_char = str(FOOTER_PT * 20)
    section.footer.is_linked_to_previous = False
    _page_number(section.footer, E("w:jc", {"w:val": "right"}),
                 E("w:ind", {"w:rightChars": "100", "w:right": one_char}))
    section.even_page_footer.is_linked_to_previous = False
    _page_number(section.even_page_footer, E("w:jc", {"w:val": "left"}),
                 E("w:ind", {"w:leftChars": "100", "w:left": one_char}))


def _page_number(footer, jc, ind) -> None:
    ftr = footer._element
    for child in list(ftr):
        ftr.remove(child)
    instr = E("w:instrText")
    instr.text = " PAGE "
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    p = E("w:p", None,
          E("w:pPr", None, E("w:pStyle", {"w:val": "Footer"}), ind, jc),
          run("— "),
          E("w:r", None, E("w:fldChar", {"w:fldCharType": "begin"})),
          E("w:r", None, instr),
          E("w:r", None, E("w:fldChar", {"w:fldCharType": "separate"})),
          run("1"),
          E("w:r", None, E("w:fldChar", {"w:fldCharType": "end"})),
          run(" —"))
    ftr.append(p)


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------


class Cell:
    """One ``w:tc``: text, columns spanned, vertical merge, alignment, vertical text."""

    def __init__(self, text="", span=1, vmerge=None, left=False, vertical=False):
        self.text, self.span, self.vmerge = text, span, vmerge
        self.left, self.vertical = left, vertical

    def cont(self):
        """The continuation cell of a vertical merge started by this cell."""
        return Cell("", self.span, "continue", self.left, self.vertical)


class Row(list):
    """The cells of one table row; ``keep``: keep the row on the page of the next one."""

    keep = False


def kept(cells):
    row = Row(cells)
    row.keep = True
    return row


def widths_twips(mm_widths):
    """Column widths in twips, adjusted so that they add up to exactly TABLE_WIDTH."""
    assert abs(sum(mm_widths) - 156) < 1e-6, mm_widths
    edges, total = [0], 0.0
    for w in mm_widths:  # round the column edges, not the widths: no drift
        total += w
        edges.append(twips(total))
    edges[-1] = TABLE_WIDTH
    return [b - a for a, b in zip(edges, edges[1:])]


def vertical_min_heights(rows):
    """Minimum row heights (twips) so that vertical labels fit their merged rows.

    A vertical label taller than its rows would wrap into a second column; its 9 pt
    characters need 9 pt each, shared out over the rows it spans.
    """
    heights = [0] * len(rows)
    starts = [{} for _ in rows]  # grid column -> cell, per row
    for r, cells in enumerate(rows):
        col = 0
        for cell in cells:
            starts[r][col] = cell
            col += cell.span
    for r, cells in enumerate(starts):
        for col, cell in cells.items():
            if not (cell.vertical and cell.vmerge == "restart"):
                continue
            end = r + 1
            while end < len(rows) and starts[end].get(col) is not None \
                    and starts[end][col].vmerge == "continue":
                end += 1
            need = len(cell.text) * TABLE_PT * 20 + 6 * 20  # + 6 pt of air
            per_row = -(-need // (end - r))
            for i in range(r, end):
                heights[i] = max(heights[i], per_row)
    return heights


def build_table(grid_mm, rows, header_rows=0, keep_together=False):
    """A fixed-layout, fully bordered ``w:tbl`` from rows of :class:`Cell`.

    ``header_rows`` repeat after a page break; ``keep_together`` keeps the whole table on
    one page when it fits (a vertical label merged over 20 rows would otherwise be cut).
    """
    grid = widths_twips(grid_mm)
    min_heights = vertical_min_heights(rows)
    border = {"w:val": "single", "w:sz": str(BORDER), "w:space": "0", "w:color": "000000"}
    tbl_pr = E(
        "w:tblPr", None,
        E("w:tblW", {"w:w": str(TABLE_WIDTH), "w:type": "dxa"}),
        E("w:jc", {"w:val": "center"}),
        E("w:tblBorders", None, *(E(f"w:{side}", border) for side in
                                  ("top", "left", "bottom", "right", "insideH", "insideV"))),
        E("w:tblLayout", {"w:type": "fixed"}),
        E("w:tblCellMar", None,
          E("w:top", {"w:w": "0", "w:type": "dxa"}),
          E("w:left", {"w:w": str(CELL_MARGIN), "w:type": "dxa"}),
          E("w:bottom", {"w:w": "0", "w:type": "dxa"}),
          E("w:right", {"w:w": str(CELL_MARGIN), "w:type": "dxa"})),
        E("w:tblLook", {"w:val": "0000", "w:firstRow": "0", "w:lastRow": "0",
                        "w:firstColumn": "0", "w:lastColumn": "0", "w:noHBand": "1",
                        "w:noVBand": "1"}),
    )
    tbl_grid = E("w:tblGrid", None, *(E("w:gridCol", {"w:w": str(w)}) for w in grid))
    tbl = E("w:tbl", None, tbl_pr, tbl_grid)
    for index, cells in enumerate(rows):
        assert sum(c.span for c in cells) == len(grid), (index, [c.text for c in cells])
        tr_pr = E("w:trPr", None, E("w:cantSplit"))
        if min_heights[index]:
            tr_pr.append(E("w:trHeight", {"w:val": str(min_heights[index]),
                                          "w:hRule": "atLeast"}))
        if index < header_rows:
            tr_pr.append(E("w:tblHeader"))
        tr = E("w:tr", None, tr_pr)
        # keep-with-next on every paragraph of a row keeps the row with the next one
        keep_row = (index < header_rows or getattr(cells, "keep", False)
                    or (keep_together and index < len(rows) - 1))
        keep = [E("w:keepNext")] if keep_row else []
        col = 0
        for cell in cells:
            width = sum(grid[col:col + cell.span])
            col += cell.span
            tc_pr = E("w:tcPr", None, E("w:tcW", {"w:w": str(width), "w:type": "dxa"}))
            if cell.span > 1:
                tc_pr.append(E("w:gridSpan", {"w:val": str(cell.span)}))
            if cell.vmerge == "restart":
                tc_pr.append(E("w:vMerge", {"w:val": "restart"}))
            elif cell.vmerge == "continue":
                tc_pr.append(E("w:vMerge"))
            if cell.vertical:
                tc_pr.append(E("w:textDirection", {"w:val": "tbRlV"}))
            tc_pr.append(E("w:vAlign", {"w:val": "center"}))
            tr.append(E("w:tc", None, tc_pr,
                        paragraph("TableTextLeft" if cell.left else "TableText", cell.text,
                                  [copy.deepcopy(k) for k in keep])))
        tbl.append(tr)
    return tbl


def ph(path: str) -> str:
    return "{{ " + path + " }}"


# --- 二、主动公开政府信息情况 -----------------------------------------------------------

TABLE2_GRID = [48, 36, 36, 36]


def _block(caption, header, rows):
    """Caption row, header row and data rows of one 第二十条 block (4 grid columns).

    ``header``: the value-column labels as (text, span); ``rows``: (label, [(path, span)]).
    """
    out = [kept([Cell(caption, 4)]),
           kept([Cell("信息内容")] + [Cell(text, span) for text, span in header])]
    for i, (label, values) in enumerate(rows):
        cells = [Cell(label)] + [Cell(ph(path), span) for path, span in values]
        out.append(kept(cells) if i < len(rows) - 1 else cells)  # a block stays together
    return out


def table2_rows(edition: str):
    rows = []
    if edition == "2019":
        three = [("made", 1), ("published", 1), ("published_total", 1)]
        rows += _block("第二十条第（一）项",
                       [("本年新制作数量", 1), ("本年新公开数量", 1), ("对外公开总数量", 1)],
                       [(label, [(f"proactive.{key}.{col}", s) for col, s in three])
                        for label, key in (("规章", "regulations"),
                                           ("规范性文件", "normative_documents"))])
        items = [("previous", 1), ("change", 1), ("decisions", 1)]
        head = [("上一年项目数量", 1), ("本年增/减", 1), ("处理决定数量", 1)]
        rows += _block("第二十条第（五）项", head,
                       [(label, [(f"proactive.{key}.{col}", s) for col, s in items])
                        for label, key in (("行政许可", "licensing"),
                                           ("其他对外管理服务事项", "other_services"))])
        rows += _block("第二十条第（六）项", head,
                       [(label, [(f"proactive.{key}.{col}", s) for col, s in items])
                        for label, key in (("行政处罚", "penalties"), ("行政强制", "coercion"))])
        rows += _block("第二十条第（八）项", [("上一年项目数量", 1), ("本年增/减", 2)],
                       [("行政事业性收费", [("proactive.fees.previous", 1),
                                            ("proactive.fees.change", 2)])])
        rows += _block("第二十条第（九）项",
                       [("采购项目数量", 1), ("采购总金额（" + ph("doc.amount_unit") + "）", 2)],
                       [("政府集中采购", [("proactive.procurement.projects", 1),
                                          ("proactive.procurement.amount", 2)])])
    else:
        three = [("issued", 1), ("repealed", 1), ("in_force", 1)]
        rows += _block("第二十条第（一）项",
                       [("本年制发件数", 1), ("本年废止件数", 1), ("现行有效件数", 1)],
                       [(label, [(f"proactive.{key}.{col}", s) for col, s in three])
                        for label, key in (("规章", "regulations"),
                                           ("行政规范性文件", "normative_documents"))])
        rows += _block("第二十条第（五）项", [("本年处理决定数量", 3)],
                       [("行政许可", [("proactive.licensing.decisions", 3)])])
        rows += _block("第二十条第（六）项", [("本年处理决定数量", 3)],
                       [("行政处罚", [("proactive.penalties.decisions", 3)]),
                        ("行政强制", [("proactive.coercion.decisions", 3)])])
        rows += _block("第二十条第（八）项", [("本年收费金额（单位：万元）", 3)],
                       [("行政事业性收费", [("proactive.fees.amount", 3)])])
    return rows


# --- 三、收到和处理政府信息公开申请情况 -------------------------------------------------

# labels 7 + 9 + 51 mm; figures 12 mm (6 digits at 9 pt fit with room to spare), but
# 14.5 mm under 商业企业 and 科研机构 so that these 4-character headers do not break
# (社会公益组织 and 法律服务机构 break evenly 3 + 3 in 12 mm).
TABLE3_GRID = [7, 9, 51, 12, 14.5, 14.5, 12, 12, 12, 12]
APPLICANT_KEYS = ("natural", "business", "research", "nonprofit", "legal", "other", "total")
APPLICANT_SUBLABELS = tuple(t for _, t, _ in contract.APPLICANT_COLUMNS[1:])
CHECK_NOTE = contract.BALANCE_NOTE

# (label, key) in official order, from the contract
DENIED = tuple((t, k) for k, t in contract.DENIED)
UNAVAILABLE = tuple((t, k) for k, t in contract.UNAVAILABLE)
NOT_PROCESSED = tuple((t, k) for k, t in contract.NOT_PROCESSED)
OTHER_2021 = tuple((t, k) for k, t in contract.OTHER_2021)


def figures(path: str):
    return [Cell(ph(f"{path}.{key}")) for key in APPLICANT_KEYS]


def table3_rows(edition: str):
    note = Cell(CHECK_NOTE, 3, "restart")
    natural = Cell("自然人", 1, "restart")
    total = Cell("总计", 1, "restart")
    rows = [
        [note, Cell("申请人情况", 7)],
        [note.cont(), natural, Cell("法人或其他组织", 5), total],
        [note.cont(), natural.cont()] + [Cell(t) for t in APPLICANT_SUBLABELS] + [total.cont()],
        [Cell("一、本年新收政府信息公开申请数量", 3, left=True)]
        + figures("requests.received"),
        [Cell("二、上年结转政府信息公开申请数量", 3, left=True)]
        + figures("requests.carried_over"),
    ]

    # 三、本年度办理结果: (group label or None, [(item label, path)])
    groups = [
        (None, [("（一）予以公开", "requests.results.granted")]),
        (None, [("（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
                 "requests.results.partly_granted")]),
        ("（三）不予公开", [(t, f"requests.results.denied.{k}") for t, k in DENIED]),
        ("（四）无法提供", [(t, f"requests.results.unavailable.{k}") for t, k in UNAVAILABLE]),
        ("（五）不予处理",
         [(t, f"requests.results.not_processed.{k}") for t, k in NOT_PROCESSED]),
    ]
    if edition == "2019":
        groups.append((None, [("（六）其他处理", "requests.results.other")]))
    else:
        groups.append(("（六）其他处理",
                       [(t, f"requests.results.other.{k}") for t, k in OTHER_2021]))
    groups.append((None, [("（七）总计", "requests.results.total")]))

    outcome = Cell("三、本年度办理结果", 1, "restart", vertical=True)
    first = True
    for group, items in groups:
        group_cell = Cell(group, 1, "restart", vertical=True) if group else None
        for i, (label, path) in enumerate(items):
            row = [outcome if first else outcome.cont()]
            first = False
            if group_cell is None:
                row.append(Cell(label, 2, left=True))
            else:
                row.append(group_cell if i == 0 else group_cell.cont())
                row.append(Cell(label, left=True))
            rows.append(row + figures(path))
    rows.append([Cell("四、结转下年度继续办理", 3, left=True)]
                + figures("requests.carried_forward"))
    return rows


# --- 四、政府信息公开行政复议、行政诉讼情况 ---------------------------------------------

TABLE4_GRID = [156 / 15] * 15
APPEAL_KEYS = ("upheld", "corrected", "other", "pending", "total")
APPEAL_LABELS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


def table4_rows():
    firsts = [Cell(t, 1, "restart") for t in APPEAL_LABELS]
    return [
        [Cell("行政复议", 5), Cell("行政诉讼", 10)],
        firsts + [Cell("未经复议直接起诉", 5), Cell("复议后起诉", 5)],
        [c.cont() for c in firsts] + [Cell(t) for t in APPEAL_LABELS * 2],
        [Cell(ph(f"appeals.{block}.{key}"))
         for block in ("reconsideration", "litigation", "litigation_after_reconsideration")
         for key in APPEAL_KEYS],
    ]


# --------------------------------------------------------------------------------------
# The document body
# --------------------------------------------------------------------------------------


def build_body(document, edition: str) -> None:
    body = document.element.body
    sect_pr = body.find(qn("w:sectPr"))

    def add(el):
        sect_pr.addprevious(el)

    def para(text, style_id="Normal", ppr_extra=()):
        add(paragraph(style_id, text, ppr_extra))

    def loop(items, var="para", style_id="Normal"):
        para("{%p for " + var + " in " + items + " %}")
        para("{{ " + var + " }}", style_id)
        para("{%p endfor %}")

    para("{{ doc.title }}", "Title")
    loop("doc.preface")

    para("一、总体情况", "Heading1")
    loop("doc.summary")
    para("{%p for s in doc.sections %}")
    para("{{ s.number }}{{ s.title }}", "Heading2")
    loop("s.paragraphs")
    para("{%p endfor %}")

    para("二、主动公开政府信息情况", "Heading1")
    add(build_table(TABLE2_GRID, table2_rows(edition)))

    para("三、收到和处理政府信息公开申请情况", "Heading1")
    add(build_table(TABLE3_GRID, table3_rows(edition), header_rows=3, keep_together=True))

    para("四、政府信息公开行政复议、行政诉讼情况", "Heading1")
    add(build_table(TABLE4_GRID, table4_rows(), header_rows=3, keep_together=True))

    para("五、存在的主要问题及改进情况", "Heading1")
    para("{%p if doc.improvements %}")
    para("（一）存在的主要问题", "Heading2")
    para("{%p endif %}")
    loop("doc.problems")
    para("{%p if doc.improvements %}")
    para("（二）改进情况", "Heading2")
    loop("doc.improvements")
    para("{%p endif %}")

    para("六、其他需要报告的事项", "Heading1")
    loop("doc.other_matters")

    # 落款 (GB/T 9704 §7.3.5.2): one blank line, the 署名, the 成文日期.
    para("", "Normal", [E("w:ind", {"w:firstLineChars": "0", "w:firstLine": "0"})])
    para("{{ doc.signature }}", "SignatureName")
    para("{%p if doc.date %}")
    para("{{ doc.date }}", "SignatureDate")
    para("{%p endif %}")


# --------------------------------------------------------------------------------------
# Package: parts, properties, fonts, reproducible zip
# --------------------------------------------------------------------------------------

RT_DROP = (
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/webSettings",
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail",
)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

# name, altName, charset, family, pitch, panose
FONTS = (
    (FONT_LATIN, None, "00", "roman", "variable", "02020603050405020304"),
    (FONT_SONG, "SimSun", "86", "auto", "variable", "02010600030101010101"),
    (FONT_FANGSONG, "仿宋", "86", "modern", "fixed", "02010609030101010101"),
    (FONT_KAITI, "楷体", "86", "modern", "fixed", "02010609030101010101"),
    (FONT_HEITI, "SimHei", "86", "modern", "fixed", "02010609060101010101"),
    (FONT_TITLE, "宋体", "86", "script", "variable", "02000000000000000000"),
)


def font_table_xml() -> bytes:
    fonts = []
    for name, alt, charset, family, pitch, panose in FONTS:
        alt_xml = f'<w:altName w:val="{escape(alt)}"/>' if alt else ""
        fonts.append(f'<w:font w:name="{escape(name)}">{alt_xml}'
                     f'<w:panose1 w:val="{panose}"/><w:charset w:val="{charset}"/>'
                     f'<w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>')
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            f'<w:fonts xmlns:w="{W_NS}">' + "".join(fonts) + "</w:fonts>").encode("utf-8")


APP_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
    '2006/docPropsVTypes"><Template>Normal.dotm</Template><TotalTime>0</TotalTime>'
    "<Application>reportkit</Application><DocSecurity>0</DocSecurity>"
    "<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate>"
    "<SharedDoc>false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged>"
    "</Properties>"
).encode("utf-8")


def prune_parts(document) -> None:
    for rels in (document.part.rels, document.part.package.rels):
        for r_id, rel in sorted(rels.items()):
            if rel.reltype in RT_DROP:
                rels.pop(r_id)


def set_core_properties(document, edition: str) -> None:
    cp = document.core_properties
    cp.title = "政府信息公开工作年度报告"
    cp.subject = f"政府信息公开工作年度报告格式（{edition}年版）模板"
    cp.author = "reportkit"
    cp.last_modified_by = "reportkit"
    cp.keywords = ""
    cp.comments = ""
    cp.category = ""
    cp.revision = 1
    cp.created = FIXED_TIME
    cp.modified = FIXED_TIME


def reproducible_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed timestamps and our font table and app properties."""
    replace = {"word/fontTable.xml": font_table_xml(), "docProps/app.xml": APP_XML}
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, replace.get(name, src.read(name)))
    return out.getvalue()


def build(edition: str) -> bytes:
    """The template of ``edition`` ("2019" or "2021") as .docx bytes."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}")
    document = docx.Document()
    prune_parts(document)
    build_styles(document)
    build_settings(document)
    build_section(document)
    build_body(document, edition)
    set_core_properties(document, edition)
    buf = io.BytesIO()
    document.save(buf)
    return reproducible_zip(buf.getvalue())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outdir", type=Path, default=DEFAULT_OUTDIR,
                        help="where to write report-2019.docx and report-2021.docx")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a file in OUTDIR is not up to date")
    args = parser.parse_args(argv)
    stale = []
    for edition in EDITIONS:
        data = build(edition)
        path = args.outdir / f"report-{edition}.docx"
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".docx.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        print(f"wrote {path}")
    if stale:
        for path in stale:
            print(f"out of date: {path} (run python tools/build_docx_templates.py)",
                  file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
