#!/usr/bin/env python3
"""Build the Word templates ``templates/docx/report-2019.docx`` and ``report-2021.docx``.

Run from the repository root::

    python tools/build_docx_templates.py            # (re)write both templates
    python tools/build_docx_templates.py --check    # exit 1 if the committed files differ
    python tools/build_docx_templates.py --outdir DIR

The templates are generated with python-docx and lxml and are byte-for-byte reproducible:
the same script always writes the same files (fixed core properties, fixed zip timestamps).

What the templates contain, and which context they see, is documented in
``docs/templates.md``; tables 二, 三 and 四 -- rows, spans, labels, figure paths -- come from
``reportkit.contract.tables`` (the official format as data); the typography follows GB/T 9704-2012
and lives entirely in named styles
(``Title``, ``Normal``, ``Heading 1``, ``Heading 2``, ``表格文字``, ``表格文字左``,
``落款署名``, ``落款日期``, ``footer``) -- no run carries direct formatting.

Every placeholder is written as the single run of its paragraph, so Word never splits a
tag; each ``{%p … %}`` tag is alone in its own paragraph.
"""

from __future__ import annotations

import copy
import datetime as _dt
import io
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from reportkit.contract import official as contract, tables as layout  # noqa: E402  (tables and labels: the layout)
from reportkit.writing import titles, typesetting  # noqa: E402  (tables and labels: the layout)

import _build  # noqa: E402  (the shared write/--check main)
import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

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
# The page number's 一字线 sits 7 mm below the text block (GB/T 9704 §7.5), i.e. 28 mm above the
# paper's edge (35 mm bottom margin).  The footer distance is where the bottom of the 14 pt
# footer line goes: its dashes print 2.8 mm above that in LibreOffice's rendering of 宋体's
# stand-ins (measured on the page image: 22 mm put them 10.2 mm below the text block).
FOOTER_DISTANCE = twips(25.2)
TEXT_WIDTH = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT  # 8845 twips ≈ 156 mm

BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
FOOTER_PT = 14  # 4号
TABLE_PT = 9  # 小五
LINE_PITCH = 579  # 28.95 pt: 22 lines fill the 225 mm text block
CHARS_PER_LINE = typesetting.BODY_LINE_CHARS  # 28: the 落款 rule of reportkit.writing.typesetting counts on it
# 28 characters of 16 pt need 448 pt, the line is 442.25 pt (156 mm).  A character grid
# (docGrid linesAndChars, charSpace ≈ -841) squeezes them in Word, but LibreOffice (the
# usual PDF converter) then gives every 16 pt character two 15.8 pt grid cells and the
# text comes out double-spaced.  So the grid is lines only (22 × 28.95 pt) and the body
# and heading styles condense characters by 0.25 pt: 28 × 15.75 pt = 441 pt fit a line
# without any character grid (checked in LibreOffice: 28 characters a line, 22 lines).
CONDENSE = -5  # twentieths of a point
assert CHARS_PER_LINE * (BODY_PT * 20 + CONDENSE) <= TEXT_WIDTH

TABLE_WIDTH = twips(156)  # 8844 twips, the full text width
# reportkit.writing.titles breaks the title into lines of titles.LINE_CHARS 2号 characters
assert titles.LINE_CHARS * TITLE_PT * 20 <= TEXT_WIDTH < (titles.LINE_CHARS + 1) * TITLE_PT * 20
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


def no_grid():
    """``w:snapToGrid w:val=0``, in a paragraph's or a run's properties: table text, title and
    page numbers do not snap to the 22-line grid (a single-spaced 9 pt table line would
    otherwise take a whole 28.95 pt grid line), nor to a character grid should a user switch
    one on."""
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
        # Punctuation never hangs in LibreOffice.  LibreOffice reads a missing w:overflowPunct,
        # and w:val="0", as "hanging punctuation allowed", and then drops a full-width ，、。
        # that would hang at the end of a justified line from the page altogether (pdftotext
        # and the page image agree; left-aligned lines keep it, hung in the margin).  w:val="1"
        # is Word's own default (Word hangs the mark in the margin); LibreOffice maps it to
        # "no hanging" and pushes the mark to the next line with the character before it.
        E("w:pPrDefault", None, E("w:pPr", None, E("w:overflowPunct", {"w:val": "1"}))),
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
              # one blank line after the title; none between its lines (contextual spacing)
              ppr=[E("w:keepNext"), no_grid(),
                   E("w:spacing", {**EXACT_LINE, "w:after": str(LINE_PITCH)}),
                   E("w:ind", NO_INDENT), E("w:contextualSpacing"),
                   E("w:jc", {"w:val": "center"})],
              rpr=[rfonts(FONT_LATIN, FONT_TITLE), E("w:b", {"w:val": "0"}),
                   E("w:bCs", {"w:val": "0"}), no_grid(),
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
              ppr=[no_grid(), E("w:spacing", SINGLE_LINE), E("w:ind", NO_INDENT),
                   E("w:jc", {"w:val": "center"})],
              rpr=[rfonts(FONT_SONG, FONT_SONG), no_grid(), condense(0),
                   *size(FOOTER_PT)]),
        style("paragraph", "Footer", "footer", based_on="Normal", ui=99, semi_hidden=True,
              ppr=[no_grid(), E("w:spacing", SINGLE_LINE), E("w:ind", NO_INDENT),
                   E("w:jc", {"w:val": "right"})],
              # 4号半角宋体 for the dashes and the digits alike (GB/T 9704 §7.5)
              rpr=[rfonts(FONT_SONG, FONT_SONG), no_grid(), condense(0),
                   *size(FOOTER_PT)]),
        style("paragraph", "TableText", "表格文字", based_on="Normal", qformat=True, ui=20,
              ppr=[E("w:widowControl", {"w:val": "0"}), no_grid(),
                   E("w:spacing", SINGLE_LINE), E("w:ind", NO_INDENT),
                   E("w:jc", {"w:val": "center"})],
              rpr=[rfonts(FONT_LATIN, FONT_FANGSONG), no_grid(), condense(0),
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
# Tables: rows, spans, labels and figure paths from reportkit.contract.tables; widths, alignment and
# page-break behaviour are the builder's
# --------------------------------------------------------------------------------------

#: column widths (mm) of each table, adding up to the 156 mm text width
GRID_MM = {
    "proactive": (48, 36, 36, 36),
    # labels 7 + 9 + 46 mm; figures 12 mm (6 digits at 9 pt fit with room to spare), but
    # 14.5 mm (4 characters of 9 pt and the cell margins) under the four heads of 法人或其他组织,
    # so that they break between words: 商业企业 and 科研机构 whole, 社会公益/组织 and
    # 法律服务/机构 (in 12 mm they broke 社会公/益组织, 法律服/务机构).
    "requests": (7, 9, 46, 12, 14.5, 14.5, 14.5, 14.5, 12, 12),
    "appeals": (156 / 15,) * 15,
}


def widths_twips(mm_widths):
    """Column widths in twips, adjusted so that they add up to exactly TABLE_WIDTH."""
    assert abs(sum(mm_widths) - 156) < 1e-6, mm_widths
    edges, total = [0], 0.0
    for w in mm_widths:  # round the column edges, not the widths: no drift
        total += w
        edges.append(twips(total))
    edges[-1] = TABLE_WIDTH
    return [b - a for a, b in zip(edges, edges[1:])]


def ph(path: str) -> str:
    return "{{ " + path + " }}"


def printed_text(cell: layout.Cell) -> str:
    """What the template prints in ``cell``: a placeholder for a figure or a data-dependent
    head, the official label otherwise."""
    if cell.is_figure:
        return ph(cell.path)
    if cell.text_path:
        return ph(cell.text_path)
    return cell.text


def word_rows(table: layout.Table):
    """The rows of ``table`` as Word writes them: HTML-style spans become ``w:gridSpan`` and
    ``w:vMerge`` (a cell covered from above is a continuation cell of the same width).

    Yields, per row, ``(cell, merge)`` pairs; ``merge`` is ``"restart"``, ``"continue"`` or None.
    """
    for r, line in enumerate(table.grid()):
        out, col = [], 0
        while col < table.ncols:
            cell, r0, c0 = line[col]
            assert c0 == col, (table.key, r, col)
            if r0 < r:
                out.append((cell, "continue"))
            else:
                out.append((cell, "restart" if cell.rowspan > 1 else None))
            col += cell.colspan
        yield out


def vertical_need(cell: layout.Cell) -> int:
    """Twips a vertical label needs: its 9 pt characters one below the other, plus 6 pt of air."""
    return len(cell.text) * TABLE_PT * 20 + 6 * 20


def vertical_min_heights(table: layout.Table) -> list[int]:
    """Minimum row heights (twips) so that every vertical label fits the rows it spans
    (a label taller than its rows would wrap into a second column)."""
    heights = [0] * len(table.rows)
    for r, line in enumerate(table.grid()):
        for col, (cell, r0, c0) in enumerate(line):
            if cell.vertical and (r0, c0) == (r, col):
                per_row = -(-vertical_need(cell) // cell.rowspan)
                for i in range(r, r + cell.rowspan):
                    heights[i] = max(heights[i], per_row)
    return heights


#: a single-spaced 9 pt table line: the CJK faces' ascent + descent (≈ 1.3 em)
ROW_TWIPS = round(TABLE_PT * 1.3 * 20)


def kept_rows(table: layout.Table) -> set[int]:
    """The rows that stay on the page of the row below them (keep-with-next on their paragraphs).

    二: each 第二十条 block stays together.  四: one piece (four rows).  三 starts on the
    current page and breaks between rows (header rows repeated, no row split), but only where
    a reader can follow: between 二、上年结转 and 三、本年度办理结果 (two top-level items), and
    inside the 20–22-row 三、本年度办理结果 only between groups of rows (never inside a group
    under a vertical label: （三）不予公开 …) once the part of its label on the page is tall
    enough to print the label whole.  So the heading (keep-with-next in its style), the header
    rows and the rows 一 and 二 — about 4 cm (measured in the PDF: tests/test_typesetting.py) —
    start on the current page when they fit there and move to the next page together when they
    do not.  (The earlier rule kept everything down to the end of （三）不予公开 together: said to
    be 7 cm, it measured 88.7 mm and left up to 78 mm empty before the table.)  The last two
    rows stay together too.
    """
    n = len(table.rows)
    if table.key == "proactive":
        return {r for start, stop in table.blocks for r in range(start, stop - 1)}
    if table.key == "appeals":
        return set(range(n - 1))
    vertical = [(r, cell) for r, line in enumerate(table.grid())
                for col, (cell, r0, c0) in enumerate(line) if cell.vertical and (r0, c0) == (r, col)]
    (outcome_row, outcome), groups = vertical[0], vertical[1:]
    keep = {n - 2}
    for r, cell in groups:
        keep.update(range(r, r + cell.rowspan - 1))
    heights = [max(h, ROW_TWIPS) for h in vertical_min_heights(table)]
    last, height = outcome_row, heights[outcome_row]
    while height < vertical_need(outcome) or last in keep:
        last += 1
        height += heights[last]
    return keep | set(range(outcome_row - 1)) | set(range(outcome_row, last))


def build_table(table: layout.Table):
    """A fixed-layout, fully bordered ``w:tbl`` for ``table``."""
    grid = widths_twips(GRID_MM[table.key])
    min_heights = vertical_min_heights(table)
    keep = kept_rows(table)
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
    tbl = E("w:tbl", None, tbl_pr,
            E("w:tblGrid", None, *(E("w:gridCol", {"w:w": str(w)}) for w in grid)))
    for index, cells in enumerate(word_rows(table)):
        tr_pr = E("w:trPr", None, E("w:cantSplit"))  # no row is ever split across pages
        if min_heights[index]:
            tr_pr.append(E("w:trHeight", {"w:val": str(min_heights[index]), "w:hRule": "atLeast"}))
        if index < table.header_rows:
            tr_pr.append(E("w:tblHeader"))  # repeated at the top of every page
        tr = E("w:tr", None, tr_pr)
        # keep-with-next on the paragraphs of a row keeps the row on the page of the next one
        ppr_extra = [E("w:keepNext")] if index < table.header_rows or index in keep else []
        col = 0
        for cell, merge in cells:
            width = sum(grid[col:col + cell.colspan])
            col += cell.colspan
            tc_pr = E("w:tcPr", None, E("w:tcW", {"w:w": str(width), "w:type": "dxa"}))
            if cell.colspan > 1:
                tc_pr.append(E("w:gridSpan", {"w:val": str(cell.colspan)}))
            if merge == "restart":
                tc_pr.append(E("w:vMerge", {"w:val": "restart"}))
            elif merge == "continue":
                tc_pr.append(E("w:vMerge"))
            if cell.vertical:
                tc_pr.append(E("w:textDirection", {"w:val": "tbRlV"}))
            tc_pr.append(E("w:vAlign", {"w:val": "center"}))
            # row labels of 三 read left-aligned; everything else is centred
            left = table.key == "requests" and cell.kind == "label" and not cell.vertical
            text = "" if merge == "continue" else printed_text(cell)
            tr.append(E("w:tc", None, tc_pr,
                        paragraph("TableTextLeft" if left else "TableText", text,
                                  [copy.deepcopy(k) for k in ppr_extra])))
        tbl.append(tr)
    return tbl


# --------------------------------------------------------------------------------------
# The document body
# --------------------------------------------------------------------------------------


def build_body(document, edition: str) -> None:
    body = document.element.body
    sect_pr = body.find(qn("w:sectPr"))
    report = contract.report_field(edition)
    two, three, four = layout.tables(edition)

    def add(el):
        sect_pr.addprevious(el)

    def para(text, style_id="Normal", ppr_extra=()):
        add(paragraph(style_id, text, ppr_extra))

    def loop(items, var="para", style_id="Normal"):
        para("{%p for " + var + " in " + items + " %}")
        para("{{ " + var + " }}", style_id)
        para("{%p endfor %}")

    def blocks(items, literal=()):
        # a heading in ``literal`` is written as text (docxtpl marks a run holding {{ … }} with
        # xml:space="preserve"), so a report without headings of its own renders byte for byte as before
        para("{%p for b in " + items + " %}")
        for i, heading in enumerate(literal):
            para("{%p " + ("if" if i == 0 else "elif") + f' b.heading == "{heading}" %}}')
            para(heading, "Heading2")
        para("{%p " + ("elif" if literal else "if") + " b.heading %}")
        para("{{ b.heading }}", "Heading2")
        para("{%p endif %}")
        loop("b.paragraphs")
        para("{%p endfor %}")

    # GB/T 9704 §7.3.3: the title over several lines, broken where the meaning allows
    # (reportkit.writing.titles); Title's contextual spacing puts the blank line after the last one.
    loop("doc.title_lines", "line", "Title")
    loop("doc.preface")

    para(report.child("overview").title, "Heading1")
    loop("doc.summary")
    para("{%p for s in doc.sections %}")
    para("{{ s.number }}{{ s.title }}", "Heading2")
    loop("s.paragraphs")
    para("{%p endfor %}")

    for table in (two, three, four):
        para(table.heading, "Heading1")
        add(build_table(table))

    # 五 and 六 in parts (reportkit.writing.context: doc.five, doc.six), each with its sub-heading or none
    para(report.child("problems").title, "Heading1")
    blocks("doc.five", ("（一）存在的主要问题", "（二）改进情况"))

    para(report.child("other_matters").title, "Heading1")
    blocks("doc.six")
    # 落款 (GB/T 9704 §7.3.5.2): the last paragraph of 六, one blank line, the 署名 and the
    # 成文日期 stay on one page (keep-with-next on all but the date): a page never holds the
    # 落款 alone.  Only the loop's last paragraph is kept with the next one, so a long 六 can
    # still break anywhere before it.
    para("{%p for para in doc.other_matters %}")
    para("{%p if loop.last %}")
    para("{{ para }}", "Normal", [E("w:keepNext")])
    para("{%p else %}")
    para("{{ para }}", "Normal")
    para("{%p endif %}")
    para("{%p endfor %}")
    para("", "Normal", [E("w:keepNext"), E("w:ind", {"w:firstLineChars": "0", "w:firstLine": "0"})])
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
    # the rendered report keeps this (it is rendered as a Jinja template like the title)
    cp.subject = f"政府信息公开工作年度报告（{edition}年版格式）"
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
    return _build.main(argv, doc=__doc__, kind="docx", make=build, script="build_docx_templates.py")


if __name__ == "__main__":
    sys.exit(main())
