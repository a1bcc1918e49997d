"""The official tables written into an Excel worksheet: one writer for every workbook reportkit makes.

The filing-set template (``tools/build_xlsx_templates.py``) and the clerk's form
(:mod:`reportkit.form`) both print tables 二, 三 and 四 through :func:`write_table`, from
:mod:`reportkit.contract.tables`: the same rows, merges, labels, fonts, borders and row heights.  What a
figure cell holds is the caller's business (a ``{{ path }}`` placeholder, an input cell, a
formula); the writer only says where each one is.

Workbooks are written with XlsxWriter (imported by the caller; nothing here imports it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

from ..contract import tables as layout

__all__ = ["SHEETS", "WIDTHS", "Styles", "Placed", "write_table", "page_setup", "text_height", "stacked_height",
           "FONT_NAME", "BOTTOM_MARGIN", "FOOTER_MARGIN", "FOOTER"]

#: the sheet of each table, in both workbooks
SHEETS = {"proactive": "二、主动公开", "requests": "三、依申请公开", "appeals": "四、复议诉讼"}
#: column widths (Excel units) of each table
WIDTHS = {"proactive": (26, 18, 18, 18), "requests": (5, 13, 38) + (11.5,) * 7, "appeals": (9.5,) * 15}
LANDSCAPE = {"proactive": False, "requests": True, "appeals": True}

FONT_NAME = "宋体"
FONT_SIZE = 10
TITLE_SIZE = 11
LINE_PT = 14.0          # height of one wrapped line of 10 pt text, in points
MIN_ROW_PT = 18.0       # minimum height of a table row

#: page margins in inches.  The footer sits FOOTER_MARGIN above the paper's edge and needs
#: about 0.2″ for one 9 pt line, so the bottom margin leaves it room above the table
#: (with the footer at 0.5″ inside a 0.6″ margin, LibreOffice cut the line at its baseline).
SIDE_MARGIN, TOP_MARGIN, BOTTOM_MARGIN, FOOTER_MARGIN = 0.5, 0.6, 0.8, 0.3
FOOTER = f'&C&"{FONT_NAME},常规"&9第 &P 页，共 &N 页'


def text_width(text: str) -> float:
    """Rough width of ``text`` in Excel column-width units (a CJK character ≈ 2 units)."""
    return sum(2.0 if ord(ch) > 0x2E7F else 1.1 for ch in text)


def text_height(text: str, width: float, size: float = FONT_SIZE) -> float:
    """Points needed to show ``text`` wrapped in a cell ``width`` units wide."""
    lines = sum(max(1, math.ceil(text_width(line) / max(width - 1.5, 1.0))) for line in text.split("\n"))
    return lines * LINE_PT * size / FONT_SIZE + 6


def stacked_height(text: str, size: float = FONT_SIZE) -> float:
    """Points needed to show ``text`` stacked (rotation 270: one character under the other, each
    a line of its own, brackets too): a merged cell lower than this prints “四）无法提” for
    （四）无法提供 — the characters that do not fit are cut off."""
    return len(text.replace("\n", "")) * LINE_PT * size / FONT_SIZE + 6


class Styles:
    """XlsxWriter formats of one workbook, made once per distinct set of properties."""

    BASE = {"font_name": FONT_NAME, "font_size": FONT_SIZE, "font_charset": 134, "valign": "vcenter",
            "text_wrap": True}

    def __init__(self, workbook) -> None:
        self.workbook = workbook
        self._made: dict[tuple, Any] = {}

    def get(self, **props):
        merged = {**self.BASE, **props}
        key = tuple(sorted(merged.items()))
        if key not in self._made:
            self._made[key] = self.workbook.add_format(merged)
        return self._made[key]

    def cell(self, kind: str, *, vertical: bool = False, **extra):
        """The format of a table cell of ``kind`` (layout.Cell.kind)."""
        props: dict = {"border": 1, "align": "center"}
        if kind in ("caption", "head", "note"):
            props["bold"] = True
        if vertical:
            props["rotation"] = 270  # stacked, one character under the other
        props.update(extra)
        return self.get(**props)

    def title(self):
        return self.get(bold=True, font_size=TITLE_SIZE, align="center")


@dataclass
class Placed:
    """Where a table went: its sheet rows (0-based, inclusive) and each figure cell."""

    first_row: int
    last_row: int
    #: figure path → (row, col, colspan) of its top-left cell
    figures: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    #: layout grid row → sheet row
    rows: list[int] = field(default_factory=list)


#: figure(worksheet, row, col, cell, format_props) writes a figure cell (merged by the writer)
FigureWriter = Callable[[Any, int, int, "layout.Cell", dict], None]


def write_table(ws, styles: Styles, table: layout.Table, top: int, *, figure: FigureWriter,
                head_text: Callable[["layout.Cell"], str] | None = None) -> Placed:
    """Write ``table`` with its heading in the row ``top`` and its grid below; every label and
    merge from the layout.  ``figure`` fills each figure cell; ``head_text`` may replace the
    printed text of a head cell that names a context value (``Cell.text_path``)."""
    widths = WIDTHS[table.key]
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    ncols = table.ncols
    ws.merge_range(top, 0, top, ncols - 1, table.heading, styles.title())
    ws.set_row(top, 30)
    first = top + 1
    need: dict[int, float] = {}
    stacked: list[tuple[int, int, float]] = []  # (first row, last row, height) of each vertical label
    placed = Placed(first, first + len(table.rows) - 1, rows=[first + r for r in range(len(table.rows))])
    for r, row in enumerate(table.grid()):
        for c, (cell, r0, c0) in enumerate(row):
            if (r0, c0) != (r, c):
                continue
            sr, sc = first + r, c
            last_r, last_c = sr + cell.rowspan - 1, sc + cell.colspan - 1
            if cell.is_figure:
                props = {"border": 1, "align": "center"}
                if (last_r, last_c) != (sr, sc):
                    ws.merge_range(sr, sc, last_r, last_c, None, styles.get(**props))
                figure(ws, sr, sc, cell, props)
                placed.figures[cell.path] = (sr, sc, cell.colspan)
                continue
            text = head_text(cell) if (cell.text_path and head_text) else cell.text
            fmt = styles.cell(cell.kind, vertical=cell.vertical)
            if (last_r, last_c) != (sr, sc):
                ws.merge_range(sr, sc, last_r, last_c, text, fmt)
            else:
                ws.write_string(sr, sc, text, fmt)
            if cell.vertical:
                stacked.append((sr, last_r, stacked_height(text)))
                continue
            h = text_height(text, sum(widths[sc:last_c + 1])) / cell.rowspan
            for rr in range(sr, last_r + 1):
                need[rr] = max(need.get(rr, 0.0), h)
    heights = {rr: max(MIN_ROW_PT, need.get(rr, 0.0)) for rr in range(placed.first_row, placed.last_row + 1)}
    # a stacked label taller than its rows: the rows share what is missing (innermost labels first,
    # so that an outer label counts the heights the inner ones added)
    for sr, last_r, h in sorted(stacked, key=lambda s: s[1] - s[0]):
        missing = h - sum(heights[rr] for rr in range(sr, last_r + 1))
        if missing > 0:
            for rr in range(sr, last_r + 1):
                heights[rr] += missing / (last_r - sr + 1)
    for rr, h in heights.items():
        ws.set_row(rr, round(h, 1))
    return placed


def page_setup(ws, table_key: str | None, *, last_row: int, ncols: int, repeat: tuple[int, int] | None = None,
               landscape: bool | None = None) -> None:
    """A4, fitted to the page width, centred, no grid lines, the page footer ``第 N 页，共 M 页``."""
    ws.set_paper(9)
    if landscape if landscape is not None else LANDSCAPE.get(table_key, False):
        ws.set_landscape()
    else:
        ws.set_portrait()
    # 三 on one page (its vertical labels never cut by a page break); the others as wide as the page
    ws.fit_to_pages(1, 1 if table_key == "requests" else 0)
    ws.hide_gridlines(1)  # not printed; still shown on screen
    ws.center_horizontally()
    ws.set_margins(left=SIDE_MARGIN, right=SIDE_MARGIN, top=TOP_MARGIN, bottom=BOTTOM_MARGIN)
    ws.set_footer(FOOTER, {"margin": FOOTER_MARGIN})
    ws.print_area(0, 0, last_row, ncols - 1)
    if repeat is not None:
        ws.repeat_rows(*repeat)
