#!/usr/bin/env python3
"""Build the official Excel templates ``templates/xlsx/report-2019.xlsx`` and ``report-2021.xlsx``.

Run from the repository root::

    python tools/build_xlsx_templates.py            # writes templates/xlsx/
    python tools/build_xlsx_templates.py --out DIR  # writes DIR/report-2019.xlsx, DIR/report-2021.xlsx

The output is deterministic: the same openpyxl version gives the same bytes (fixed document
properties and fixed zip timestamps), so the committed files only change when this script does.

Every table reproduces the official format character by character (labels, merged cells; see
``shared/spec/official-format.md`` §2–§4) and carries one ``{{ path }}`` placeholder per figure
cell, the paths being those of the report context (``docs/templates.md``).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import io
import math
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from reportkit import contract  # noqa: E402  (labels come from the contract, the one source)

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "templates" / "xlsx"
EDITIONS = ("2019", "2021")

# -- typography -----------------------------------------------------------------------------

FONT_NAME = "宋体"
FONT_SIZE = 10
TITLE_SIZE = 11
LINE_PT = 14.0          # height of one wrapped line of 10 pt text, in points
MIN_ROW_PT = 18.0       # minimum height of a table row
FIXED_TIME = _dt.datetime(2021, 9, 29, 0, 0, 0)   # 国办公开办函〔2021〕30号 published

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
FONT = Font(name=FONT_NAME, size=FONT_SIZE, charset=134)
FONT_BOLD = Font(name=FONT_NAME, size=FONT_SIZE, bold=True, charset=134)
FONT_TITLE = Font(name=FONT_NAME, size=TITLE_SIZE, bold=True, charset=134)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
VERTICAL = Alignment(horizontal="center", vertical="center", wrap_text=True, text_rotation=255)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)

_PLACEHOLDER = re.compile(r"\{\{.*?\}\}")


def _text_width(text: str) -> float:
    """Rough width of ``text`` in Excel column-width units (a CJK character ≈ 2 units)."""
    return sum(2.0 if ord(ch) > 0x2E7F else 1.1 for ch in text)


class Sheet:
    """A worksheet plus the bookkeeping needed for borders and row heights."""

    def __init__(self, ws: Worksheet, widths: list[float]) -> None:
        self.ws = ws
        self.widths = widths
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        self.row_need: dict[int, float] = {}

    @property
    def ncols(self) -> int:
        return len(self.widths)

    def put(self, row: int, col: int, value: str, *, rows: int = 1, cols: int = 1,
            bold: bool = False, vertical: bool = False, font: Font | None = None,
            align: Alignment | None = None) -> None:
        """Write ``value`` at (row, col), merged over ``rows`` × ``cols`` when larger than 1×1."""
        ws = self.ws
        cell = ws.cell(row=row, column=col, value=value)
        cell.font = font or (FONT_BOLD if bold else FONT)
        cell.alignment = align or (VERTICAL if vertical else CENTER)
        if rows > 1 or cols > 1:
            ws.merge_cells(start_row=row, start_column=col,
                           end_row=row + rows - 1, end_column=col + cols - 1)
        if vertical or _PLACEHOLDER.fullmatch(value.strip()):
            return  # rotated text fits a tall merge; a placeholder becomes a short value
        width = sum(self.widths[col - 1:col - 1 + cols]) - 1.5
        size = (font.sz if font is not None else FONT_SIZE) or FONT_SIZE
        shown = _PLACEHOLDER.sub("万元", value)  # a value shown inside a label is short
        lines = max(1, math.ceil(_text_width(shown) / max(width, 1.0)))
        need = (lines * LINE_PT * size / FONT_SIZE + 6) / rows
        for r in range(row, row + rows):
            self.row_need[r] = max(self.row_need.get(r, 0.0), need)

    def title(self, row: int, text: str) -> None:
        self.put(row, 1, text, cols=self.ncols, font=FONT_TITLE)

    def finish(self, *, table_rows: tuple[int, int], landscape: bool,
               title_rows: str | None) -> None:
        """Borders on every table cell, row heights, page setup and print titles."""
        ws = self.ws
        first, last = table_rows
        for r in range(first, last + 1):
            for c in range(1, self.ncols + 1):
                ws.cell(row=r, column=c).border = BORDER
        for r in range(first, last + 1):
            need = self.row_need.get(r, 0.0)
            ws.row_dimensions[r].height = round(max(MIN_ROW_PT, need), 1)
        for r, need in sorted(self.row_need.items()):
            if r < first:  # the title row above the table
                ws.row_dimensions[r].height = round(max(MIN_ROW_PT, need), 1)
        _page_setup(ws, landscape=landscape)
        ws.print_area = f"A1:{get_column_letter(self.ncols)}{last}"
        if title_rows:
            ws.print_title_rows = title_rows


def _page_setup(ws: Worksheet, *, landscape: bool) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = False
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.font = FONT_NAME
    ws.oddFooter.center.size = 9


# -- 基本情况 ---------------------------------------------------------------------------------

BASIC_ROWS = [
    ("单位名称", "agency"),
    ("统一社会信用代码", "agency_id"),
    ("所在地区", "region"),
    ("报告年度", "year"),
    ("格式版本", "format"),
    ("发布日期", "published"),
    ("汇总报告", "rollup"),
]


def build_basic(wb: Workbook) -> None:
    sh = Sheet(wb.create_sheet("基本情况"), [20, 60])
    sh.title(1, "{{ doc.title }}")
    sh.ws.row_dimensions[1].height = 30
    row = 2
    for label, path in BASIC_ROWS:
        sh.put(row, 1, label, bold=True)
        sh.put(row, 2, "{{ %s }}" % path, align=LEFT)
        row += 1
    sh.finish(table_rows=(2, row - 1), landscape=False, title_rows=None)


# -- 二、主动公开 -------------------------------------------------------------------------------
# A block: caption, [(header, span)], [(row label, [(path, span)])]; spans cover the 3 value columns.

P = "proactive."

PROACTIVE = {
    "2019": [
        ("第二十条第（一）项",
         [("本年新制作数量", 1), ("本年新公开数量", 1), ("对外公开总数量", 1)],
         [("规章", [(P + "regulations.made", 1), (P + "regulations.published", 1),
                    (P + "regulations.published_total", 1)]),
          ("规范性文件", [(P + "normative_documents.made", 1), (P + "normative_documents.published", 1),
                         (P + "normative_documents.published_total", 1)])]),
        ("第二十条第（五）项",
         [("上一年项目数量", 1), ("本年增/减", 1), ("处理决定数量", 1)],
         [("行政许可", [(P + "licensing.previous", 1), (P + "licensing.change", 1),
                       (P + "licensing.decisions", 1)]),
          ("其他对外管理服务事项", [(P + "other_services.previous", 1), (P + "other_services.change", 1),
                                   (P + "other_services.decisions", 1)])]),
        ("第二十条第（六）项",
         [("上一年项目数量", 1), ("本年增/减", 1), ("处理决定数量", 1)],
         [("行政处罚", [(P + "penalties.previous", 1), (P + "penalties.change", 1),
                       (P + "penalties.decisions", 1)]),
          ("行政强制", [(P + "coercion.previous", 1), (P + "coercion.change", 1),
                       (P + "coercion.decisions", 1)])]),
        ("第二十条第（八）项",
         [("上一年项目数量", 1), ("本年增/减", 2)],
         [("行政事业性收费", [(P + "fees.previous", 1), (P + "fees.change", 2)])]),
        ("第二十条第（九）项",
         [("采购项目数量", 1), ("采购总金额（{{ doc.amount_unit }}）", 2)],
         [("政府集中采购", [(P + "procurement.projects", 1), (P + "procurement.amount", 2)])]),
    ],
    "2021": [
        ("第二十条第（一）项",
         [("本年制发件数", 1), ("本年废止件数", 1), ("现行有效件数", 1)],
         [("规章", [(P + "regulations.issued", 1), (P + "regulations.repealed", 1),
                    (P + "regulations.in_force", 1)]),
          ("行政规范性文件", [(P + "normative_documents.issued", 1), (P + "normative_documents.repealed", 1),
                             (P + "normative_documents.in_force", 1)])]),
        ("第二十条第（五）项",
         [("本年处理决定数量", 3)],
         [("行政许可", [(P + "licensing.decisions", 3)])]),
        ("第二十条第（六）项",
         [("本年处理决定数量", 3)],
         [("行政处罚", [(P + "penalties.decisions", 3)]),
          ("行政强制", [(P + "coercion.decisions", 3)])]),
        ("第二十条第（八）项",
         [("本年收费金额（单位：万元）", 3)],
         [("行政事业性收费", [(P + "fees.amount", 3)])]),
    ],
}


def build_proactive(wb: Workbook, edition: str) -> None:
    sh = Sheet(wb.create_sheet("二、主动公开"), [26, 18, 18, 18])
    sh.title(1, "二、主动公开政府信息情况")
    row = 2
    for caption, headers, rows in PROACTIVE[edition]:
        sh.put(row, 1, caption, cols=4, bold=True)
        row += 1
        sh.put(row, 1, "信息内容", bold=True)
        col = 2
        for text, span in headers:
            sh.put(row, col, text, cols=span, bold=True)
            col += span
        row += 1
        for label, cells in rows:
            sh.put(row, 1, label)
            col = 2
            for path, span in cells:
                sh.put(row, col, "{{ %s }}" % path, cols=span)
                col += span
            row += 1
    # 二 is a stack of blocks, each with its own header rows: no single header to repeat.
    sh.finish(table_rows=(2, row - 1), landscape=False, title_rows=None)


# -- 三、依申请公开 -----------------------------------------------------------------------------

APPLICANTS = [(k, t) for k, t, _ in contract.APPLICANT_COLUMNS]  # 自然人 first, then 法人或其他组织's five
NOTE = contract.BALANCE_NOTE

R = "requests."
# (label, key) in official order, from the contract
DENIED = [(t, k) for k, t in contract.DENIED]
UNAVAILABLE = [(t, k) for k, t in contract.UNAVAILABLE]
NOT_PROCESSED = [(t, k) for k, t in contract.NOT_PROCESSED]
OTHER_2021 = [(t, k) for k, t in contract.OTHER_2021]


def build_requests(wb: Workbook, edition: str) -> None:
    sh = Sheet(wb.create_sheet("三、依申请公开"), [5, 13, 38] + [11.5] * 7)
    put = sh.put
    sh.title(1, "三、收到和处理政府信息公开申请情况")
    # header rows 2–4
    put(2, 1, NOTE, rows=3, cols=3, bold=True)
    put(2, 4, "申请人情况", cols=7, bold=True)
    put(3, 4, "自然人", rows=2, bold=True)
    put(3, 5, "法人或其他组织", cols=5, bold=True)
    for i, (_, label) in enumerate(APPLICANTS[1:]):
        put(4, 5 + i, label, bold=True)
    put(3, 10, "总计", rows=2, bold=True)

    def figures(row: int, path: str) -> None:
        for i, (key, _) in enumerate(APPLICANTS):
            put(row, 4 + i, "{{ %s.%s }}" % (path, key))
        put(row, 10, "{{ %s.total }}" % path)

    row = 5
    put(row, 1, "一、本年新收政府信息公开申请数量", cols=3)
    figures(row, R + "received")
    row += 1
    put(row, 1, "二、上年结转政府信息公开申请数量", cols=3)
    figures(row, R + "carried_over")
    row += 1

    results_top = row
    results_rows = 20 if edition == "2019" else 22
    put(row, 1, "三、本年度办理结果", rows=results_rows, vertical=True, bold=False)
    put(row, 2, "（一）予以公开", cols=2)
    figures(row, R + "results.granted")
    row += 1
    put(row, 2, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", cols=2)
    figures(row, R + "results.partly_granted")
    row += 1
    groups = [("（三）不予公开", "denied", DENIED),
              ("（四）无法提供", "unavailable", UNAVAILABLE),
              ("（五）不予处理", "not_processed", NOT_PROCESSED)]
    if edition == "2021":
        groups.append(("（六）其他处理", "other", OTHER_2021))
    for heading, group, items in groups:
        put(row, 2, heading, rows=len(items))
        for label, key in items:
            put(row, 3, label)
            figures(row, f"{R}results.{group}.{key}")
            row += 1
    if edition == "2019":
        put(row, 2, "（六）其他处理", cols=2)
        figures(row, R + "results.other")
        row += 1
    put(row, 2, "（七）总计", cols=2)
    figures(row, R + "results.total")
    row += 1
    assert row - results_top == results_rows, (edition, row - results_top)
    put(row, 1, "四、结转下年度继续办理", cols=3)
    figures(row, R + "carried_forward")

    sh.ws.freeze_panes = "D5"
    sh.finish(table_rows=(2, row), landscape=True, title_rows="2:4")


# -- 四、复议诉讼 -------------------------------------------------------------------------------

OUTCOMES = [("结果维持", "upheld"), ("结果纠正", "corrected"), ("其他结果", "other"),
            ("尚未审结", "pending"), ("总计", "total")]


def build_appeals(wb: Workbook) -> None:
    sh = Sheet(wb.create_sheet("四、复议诉讼"), [9.5] * 15)
    put = sh.put
    sh.title(1, "四、政府信息公开行政复议、行政诉讼情况")
    put(2, 1, "行政复议", cols=5, bold=True)
    put(2, 6, "行政诉讼", cols=10, bold=True)
    for i, (label, _) in enumerate(OUTCOMES):
        put(3, 1 + i, label, rows=2, bold=True)
    put(3, 6, "未经复议直接起诉", cols=5, bold=True)
    put(3, 11, "复议后起诉", cols=5, bold=True)
    for block in range(2):
        for i, (label, _) in enumerate(OUTCOMES):
            put(4, 6 + 5 * block + i, label, bold=True)
    col = 1
    for block in ("reconsideration", "litigation", "litigation_after_reconsideration"):
        for _, key in OUTCOMES:
            put(5, col, "{{ appeals.%s.%s }}" % (block, key))
            col += 1
    sh.ws.freeze_panes = "A5"
    sh.finish(table_rows=(2, 5), landscape=True, title_rows="2:4")


# -- workbook -------------------------------------------------------------------------------

def build_workbook(edition: str) -> Workbook:
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}")
    wb = Workbook()
    wb.remove(wb.active)
    build_basic(wb)
    build_proactive(wb, edition)
    build_requests(wb, edition)
    build_appeals(wb)
    props = wb.properties
    props.creator = "reportkit"
    props.lastModifiedBy = "reportkit"
    props.title = f"政府信息公开工作年度报告统计表（{edition}年版格式）"
    props.created = props.modified = FIXED_TIME
    wb.active = 0
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    """Save ``wb`` and rewrite the zip so the bytes do not depend on the clock."""
    from reportkit.package import normalise

    raw = io.BytesIO()
    wb.save(raw)
    return normalise(raw.getvalue(), FIXED_TIME)


def build(out_dir: Path = DEFAULT_OUT) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for edition in EDITIONS:
        path = out_dir / f"report-{edition}.xlsx"
        data = workbook_bytes(build_workbook(edition))
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output folder (default: templates/xlsx in the repository)")
    args = parser.parse_args(argv)
    for path in build(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
