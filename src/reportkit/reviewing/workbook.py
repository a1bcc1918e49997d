"""The review as a workbook (``审查结果.xlsx``), written with XlsxWriter.

Sheets: 汇总 (one row a unit, filters, the first problem in words), one sheet per check (校验,
发布时限, 内容雷同, 年度衔接), and per edition present 地区合计 (every figure summed over the units,
each sum a ``SUM`` formula **with its computed value cached**, so a reader that does not
recalculate — a parser, a viewer — sees the figure) and 各单位数字 (the figures the sums add).
XlsxWriter is used because it writes a formula together with its result; openpyxl cannot.
"""

from __future__ import annotations

import io
import math
import unicodedata
from decimal import Decimal

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from ..contract import tables as layout
from ..writing.stamps import build_time
from .checks import CHECKS, SEVERITY_TEXT, SUMS_NOTE

SUMMARY_HEADS = (
    ("序号", 6), ("单位", 28), ("单位标识", 20), ("所在地区", 10), ("年度", 6), ("格式", 6), ("汇总报告", 8),
    ("发布日期", 11), ("结论", 8), ("错误", 6), ("警告", 6), ("首个问题", 56), ("首个错误", 40), ("首个警告", 40),
    *((CHECKS[k], 9) for k in CHECKS), ("上一年度报告", 30), ("输入文件", 30),
)


LINE_PT = 14.5
#: the sheet listing each group of units whose texts are alike (内容雷同), one row a group
GROUPS_SHEET = "雷同组"
#: Excel holds at most 32,767 characters in a cell
CELL_CHARS = 32_000


def _cell_text(text: str) -> str:
    """``text`` as one cell holds it: cut at the last name that fits, saying how many follow."""
    if len(text) <= CELL_CHARS:
        return text
    cut = text.rfind("、", 0, CELL_CHARS - 40)
    return f"{text[:cut]}……（其余 {text.count('、', cut) } 个单位略，见内容雷同表）"


def _lines(text: str, width: float) -> int:
    """Lines ``text`` takes in a wrapped column ``width`` characters wide (a Chinese character is
    about 1.8: Excel's column width counts the digit 0)."""
    chars = sum(1.8 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return max(1, math.ceil(chars / max(1.0, width - 1)))


def _number(value):
    if isinstance(value, Decimal):
        return float(value)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def workbook_bytes(review) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    wb.set_properties({"title": "政府信息公开工作年度报告审查结果", "author": "reportkit",
                       "created": build_time()})
    f = {
        "head": wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True,
                               "valign": "vcenter", "align": "center", "font_name": "宋体"}),
        "text": wb.add_format({"text_wrap": True, "valign": "top", "font_name": "宋体"}),
        "error": wb.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006"}),
        "warning": wb.add_format({"bg_color": "#FFEB9C", "font_color": "#7F6000"}),
        "ok": wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"}),
        "pct": wb.add_format({"num_format": "0%", "valign": "top"}),
        "note": wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "font_color": "#9C0006",
                               "font_name": "宋体"}),
        "sum": wb.add_format({"bold": True, "num_format": "General", "border": 1}),
        "cell": wb.add_format({"border": 1, "text_wrap": True, "valign": "vcenter", "font_name": "宋体"}),
    }
    _summary(wb, review, f)
    _check_sheets(wb, review, f)
    for s in review.sums:
        _sums(wb, review, s, f)
    wb.close()
    return buf.getvalue()


def _table(ws, heads, rows, f, widths=None):
    """A header row with filters, frozen, and ``rows`` below."""
    for c, (title, width) in enumerate(heads):
        ws.write_string(0, c, title, f["head"])
        ws.set_column(c, c, width, f["text"])
    for r, row in enumerate(rows, start=1):
        lines = max([_lines(v, heads[c][1]) for c, v in enumerate(row) if isinstance(v, str)] + [1])
        if lines > 1:  # neither XlsxWriter nor LibreOffice sizes a row to its wrapped text
            ws.set_row(r, LINE_PT * min(lines, 12))
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, bool):
                ws.write_string(r, c, "是" if value else "否", f["text"])
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value, f["text"])
            else:
                ws.write_string(r, c, str(value), f["text"])
    ws.autofilter(0, 0, max(1, len(rows)), len(heads) - 1)
    ws.freeze_panes(1, 2)
    _printing(ws, header_rows=(0, 0))


def _printing(ws, header_rows: tuple[int, int], fit_width: bool = True) -> None:
    """A4 landscape, the heads repeated on every page, as wide as one page (a reviewer prints it)."""
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.repeat_rows(*header_rows)
    ws.set_footer("&C第 &P 页，共 &N 页")
    if fit_width:
        ws.fit_to_pages(1, 0)


def _summary(wb, review, f) -> None:
    ws = wb.add_worksheet("汇总")
    rows = []
    for n, u in enumerate(review.units, start=1):
        rows.append([n, u.name, u.agency_id, u.region, u.year, u.edition, u.rollup if u.data else None,
                     u.published, u.verdict, len(u.errors), len(u.warnings), u.first_problem, u.first_error,
                     u.first_warning, *(u.count(k) for k in CHECKS), u.previous, u.source])
    _table(ws, SUMMARY_HEADS, rows, f)
    printed = [h for h, _ in SUMMARY_HEADS].index("首个问题")
    ws.print_area(0, 0, max(1, len(rows)), printed)  # on paper: the unit, its verdict and its first problem
    col = [h for h, _ in SUMMARY_HEADS].index("结论")
    last = max(1, len(rows))
    for text, fmt in (("不通过", "error"), ("无法读取", "error"), ("有警告", "warning"), ("通过", "ok")):
        ws.conditional_format(1, col, last, col, {"type": "cell", "criteria": "==", "value": f'"{text}"',
                                                  "format": f[fmt]})


def _check_sheets(wb, review, f) -> None:
    sev = SEVERITY_TEXT
    # 校验
    ws = wb.add_worksheet(CHECKS["validation"])
    rows = [[u.name, sev[i.severity], i.label, i.message, i.path, u.source]
            for u, i in review.issues("validation")]
    rows += [[u.name, "错误", "", f"无法读取：{u.error.message}", "", u.source] for u in review.units if u.error]
    _table(ws, (("单位", 28), ("级别", 6), ("官方标签", 50), ("问题", 60), ("JSON 路径", 36), ("输入文件", 30)),
           rows, f)
    # 发布时限
    ws = wb.add_worksheet(CHECKS["deadline"])
    rows = [[u.name, u.rollup, u.year, u.published, i.expected, sev[i.severity], i.message]
            for u, i in review.issues("deadline")]
    _table(ws, (("单位", 28), ("汇总报告", 8), ("年度", 6), ("发布日期", 11), ("公布时限", 11), ("级别", 6),
                ("问题", 70)), rows, f)
    # 内容雷同: one row a unit's section (its group's number to filter by), then one row a group
    ws = wb.add_worksheet(CHECKS["copy"])
    size = {g.number: len(g.units) for g in review.copy_groups}
    rows = [[u.name, i.label, i.other or "（本单位上一年度）", i.value if i.code == "copy" else None,
             sev[i.severity], i.message, i.group or None, size.get(i.group)] for u, i in review.issues("copy")]
    _table(ws, (("单位", 28), ("部分", 36), ("另一单位", 28), ("相同之处", 9), ("级别", 6), ("问题", 70),
                ("雷同组", 8), ("组内单位数", 10)), rows, f)
    for r, (_, i) in enumerate(review.issues("copy"), start=1):
        if i.code == "copy":
            ws.write_number(r, 3, float(i.value), f["pct"])
    ws = wb.add_worksheet(GROUPS_SHEET)
    rows = [[g.number, g.label, len(g.units), _cell_text(g.names(review.units))] for g in review.copy_groups]
    _table(ws, (("雷同组", 8), ("部分", 40), ("单位数", 8), ("彼此雷同的单位", 90)), rows, f)
    # 年度衔接
    ws = wb.add_worksheet(CHECKS["year_on_year"])
    rows = [[u.name, u.previous, sev[i.severity], i.label, i.message, _number(i.value), _number(i.expected)]
            for u, i in review.issues("year_on_year")]
    rows += [["（上一年度报告）", p.source, "错误", "", f"上一年度的报告无法读取：{p.error.message}", None, None]
             for p in review.previous_unreadable]
    _table(ws, (("单位", 28), ("上一年度报告", 30), ("级别", 6), ("官方标签", 44), ("问题", 70), ("本年", 8),
                ("上年或应为", 10)), rows, f)


def _sums(wb, review, s, f) -> None:
    figures = layout.figures(s.edition)
    data_name = f"各单位数字（{s.edition}格式）"
    sums_name = f"地区合计（{s.edition}格式）"
    ws = wb.add_worksheet(sums_name)
    data = wb.add_worksheet(data_name)

    # 各单位数字: one row a unit, one column a figure
    data.write_string(0, 0, "序号", f["head"])
    data.write_string(0, 1, "单位", f["head"])
    data.set_column(0, 0, 6)
    data.set_column(1, 1, 28)
    for c, fig in enumerate(figures, start=2):
        data.write_string(0, c, fig.label, f["head"])
    data.set_column(2, len(figures) + 1, 14)
    data.set_row(0, 120)
    for r, i in enumerate(s.units, start=1):
        data.write_number(r, 0, r)
        data.write_string(r, 1, review.units[i].name)
        for c, fig in enumerate(figures, start=2):
            value = _number(s.per_unit[i][fig.path])
            if value is not None:
                data.write_number(r, c, value)
    data.freeze_panes(1, 2)
    data.autofilter(0, 0, max(1, len(s.units)), len(figures) + 1)
    _printing(data, (0, 0), fit_width=False)
    data.repeat_columns(0, 1)

    # 地区合计
    year = f"{s.year} 年度，" if s.year else ""
    ws.merge_range(0, 0, 0, 3, f"地区合计（{s.edition} 格式）：{year}{len(s.units)} 个单位的报告数字之和。{SUMS_NOTE}",
                   f["note"])
    ws.set_row(0, 48)
    excluded = "；".join(f"{review.units[i].name}（{why}）" for i, why in s.excluded) or "无"
    ws.merge_range(1, 0, 1, 3, f"未计入：{excluded}", f["text"])
    heads = (("表", 34), ("行", 56), ("栏目", 40), ("合计", 18))
    for c, (title, width) in enumerate(heads):
        ws.write_string(3, c, title, f["head"])
        ws.set_column(c, c, width, f["text"])
    heading = {fig.path: t.heading for t in layout.tables(s.edition) for fig in t.figures()}
    first, last = 2, 1 + max(1, len(s.units))
    for r, (c, fig) in enumerate(zip(range(2, len(figures) + 2), figures), start=4):
        texts = (heading[fig.path], " / ".join(([fig.caption] if fig.caption else []) + list(fig.row_labels)) or "—",
                 " / ".join(fig.col_labels))
        lines = max(_lines(t, w) for t, (_, w) in zip(texts, heads))
        if lines > 1:
            ws.set_row(r, LINE_PT * lines)
        for k, t in enumerate(texts):
            ws.write_string(r, k, t, f["cell"])
        col = xl_col_to_name(c)
        ws.write_formula(r, 3, f"=SUM('{data_name}'!{col}{first}:{col}{last})", f["sum"],
                         _number(s.values[fig.path]))
    ws.freeze_panes(4, 0)
    ws.autofilter(3, 0, 3 + len(figures), len(heads) - 1)
    _printing(ws, (3, 3))
