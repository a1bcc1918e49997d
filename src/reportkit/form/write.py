"""Writing the clerk's form: a workbook in the official layout that Excel and WPS fill in.

``form_bytes(data)`` turns a report (a skeleton from ``reportkit init`` or a full report) into
the form: 基本信息, 正文, tables 二/三/四 written by the same writer as the filing set
(:mod:`reportkit.writing.sheet_tables`), input cells unlocked and tinted, everything else locked (sheet
protection without a password: an accident guard), the workbook's structure locked, data
validation with Chinese prompts on every input, live formulas for every 总计 and a 勾稽 check
per column of 三 that turns red when it is not 0 — each formula with its computed value written
as the cached result, so a reader that does not calculate sees it.  Every input cell has a
defined name from its contract path (:mod:`reportkit.form.fields`); a very hidden sheet holds
the edition, the form's version and how the JSON wrote what a cell cannot say (amounts as
numbers, printed totals, ``$schema``), so JSON → form → JSON is exact.

XlsxWriter writes the workbook (it writes a formula's cached value; openpyxl cannot); the one
thing it lacks, ``<workbookProtection lockStructure="1"/>``, is added to ``xl/workbook.xml``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from ..contract import official as c, tables as layout
from ..errors import DataError
from ..contract.totals import completed, get
from ..writing.sheet_tables import SHEETS, Styles, page_setup, text_height, write_table
from . import fields as F
from ..ooxml.package import Package
from ..ooxml.write import OWN
from ..writing.stamps import build_time, zip_members
from ..validation.findings import json_path

INPUT_FILL = "#FFF2CC"
#: an imported report's cells the user must complete (not read) or check (read by a guess)
MARK_FILLS = {"missing": "#F8CBAD", "guess": "#BDD7EE"}
CHECK_LABEL = "勾稽校验：一＋二－三（七）－四，每列应为 0（不为 0 时标红）"
NOTE_FORMULAS = "总计和勾稽校验由公式计算；reportkit 读取时重新计算，不采用单元格中的结果。"
HOW_TO = ("填写说明：只填黄色单元格（其余单元格已锁定，无需密码即可撤销保护）；没有的数字填 0 或留空；"
          "文字中分段请在单元格内按 Alt+Enter 换行。填好保存后运行：reportkit validate 本文件，"
          "然后 reportkit render 本文件。")

#: data validation of each kind: XlsxWriter options without the range
VALIDATION = {
    c.COUNT: {"validate": "integer", "criteria": "between", "minimum": 0, "maximum": c.MAX_COUNT,
              "input_title": "填写件数（非负整数）", "input_message": f"填写 0 至 {c.MAX_COUNT} 之间的整数；没有的填 0 或留空。",
              "error_title": "应为非负整数", "error_message": f"这里只能填写 0 至 {c.MAX_COUNT} 之间的整数。"},
    c.SIGNED: {"validate": "integer", "criteria": "between", "minimum": -c.MAX_COUNT, "maximum": c.MAX_COUNT,
               "input_title": "本年增/减（整数）", "input_message": "填写整数；减少填负数，如 -8。",
               "error_title": "应为整数", "error_message": "这里只能填写整数；减少用负数表示，如 -8。"},
    c.AMOUNT: {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 1e15,
               "input_title": "金额（非负数）", "input_message": "填写非负数，可带小数；按单元格显示的小数位读取。",
               "error_title": "应为非负金额", "error_message": "这里只能填写不小于 0 的数字（可带小数）。"},
    c.YEAR: {"validate": "integer", "criteria": "between", "minimum": c.YEAR_MIN, "maximum": c.YEAR_MAX,
             "input_title": "报告年度", "input_message": "填写四位年份，如 2021。",
             "error_title": "年度不对", "error_message": f"应为 {c.YEAR_MIN} 至 {c.YEAR_MAX} 之间的年份。"},
    c.DATE: {"validate": "date", "criteria": "between", "minimum": dt.date(2019, 1, 1),
             "maximum": dt.date(2101, 12, 31), "input_title": "发布日期",
             "input_message": "填写日期，如 2022-01-20；可留空。", "error_title": "日期不对",
             "error_message": "请填写 2019 年以后的真实日期，如 2022-01-20。"},
    c.BOOL: {"validate": "list", "source": ["是", "否"], "input_title": "汇总报告",
             "input_message": "数据覆盖整个地区（县、市汇总报告）时选“是”；可留空。",
             "error_title": "请选择", "error_message": "请选择“是”或“否”。"},
    c.UNIT: {"validate": "list", "source": ["元", "万元"], "input_title": "金额单位",
             "input_message": "采购总金额的单位：元 或 万元；留空则表头不写单位。",
             "error_title": "请选择", "error_message": "请选择“元”或“万元”。"},
    c.LEVEL: {"validate": "list", "source": list(c.LEVELS), "input_title": "单位层级",
              "input_message": "单位的层级；可留空。填写后，不能制定规章的层级填报了规章数字时给出警告。",
              "error_title": "请选择", "error_message": "请从下拉列表中选择单位层级。"},
}
_TEXT_VALIDATION = {"validate": "length", "criteria": "<=", "value": F.CELL_MAX,
                    "error_title": "文字过长", "error_message": f"一个单元格最多 {F.CELL_MAX} 字。"}


def _text_validation(inp: F.Input) -> dict:
    hint = inp.hint if len(inp.hint) <= 250 else inp.hint[:249] + "…"
    return {**_TEXT_VALIDATION, "input_title": inp.label[:32], "input_message": hint}


# ------------------------------------------------------------------------------ values

def _places(text: str) -> int:
    return len(text.split(".", 1)[1]) if "." in text else 0


def _amount_cell(value: Any) -> tuple[Any, str] | None:
    """(number, number format) for an amount as written, or None when it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value, "General"
    if isinstance(value, str) and re.fullmatch(r"[0-9]+(\.[0-9]+)?", value.strip()):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        places = _places(value.strip())
        return float(number), ("0." + "0" * places) if places else "0"
    return None


class _Writer:
    def __init__(self, data: dict, name: str, marks: dict | None = None, basis: dict | None = None) -> None:
        self.data, self.name = data, name
        self.marks = marks or {}  # contract path → (kind, comment): cells tinted and commented
        self.edition = data["format"]
        self.done = completed(basis if basis is not None else data, self.edition)
        self.raw = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.raw, {"in_memory": True, "strings_to_formulas": False,
                                                  "strings_to_numbers": False, "strings_to_urls": False})
        self.styles = Styles(self.wb)
        self.validations: dict[tuple[str, str], list[tuple[int, int, F.Input | None]]] = {}
        self.shape: dict = {"numbers": [], "totals": [], "empty": []}

    # -- cells

    def input_format(self, num_format: str = "General", **extra):
        return self.styles.get(**{"border": 1, "locked": False, "bg_color": INPUT_FILL, "num_format": num_format,
                                  **extra})

    def define(self, ws, row: int, col: int, name: str) -> None:
        self.wb.define_name(name, f"={quote_sheetname(ws.name)}!{xl_rowcol_to_cell(row, col, True, True)}")

    def put(self, ws, row: int, col: int, inp: F.Input, value: Any, *, align: str = "center",
            extra: dict | None = None) -> None:
        """An input cell: the value as its kind stores it, tinted, unlocked, named, validated."""
        kind = inp.kind
        props = {"align": align, **(extra or {})}
        mark = self.marks.get(inp.path)
        if mark is not None:
            props["bg_color"] = MARK_FILLS.get(mark[0], INPUT_FILL)
            ws.write_comment(row, col, mark[1], {"x_scale": 3, "y_scale": 2})
        if kind in (c.COUNT, c.SIGNED, c.YEAR) and isinstance(value, (int, float)) and not isinstance(value, bool):
            ws.write_number(row, col, value, self.input_format("0", **props))
        elif kind == c.AMOUNT and _amount_cell(value) is not None:
            number, fmt = _amount_cell(value)
            if not isinstance(value, str):
                self.shape["numbers"].append(inp.path)
            ws.write_number(row, col, number, self.input_format(fmt, **props))
        elif kind == c.DATE and isinstance(value, str) and _iso_date(value) is not None:
            ws.write_datetime(row, col, dt.datetime.combine(_iso_date(value), dt.time()),
                              self.input_format("yyyy-mm-dd", **props))
        elif kind == c.BOOL and isinstance(value, bool):
            ws.write_string(row, col, "是" if value else "否", self.input_format("@", **props))
        elif value is None or value == "":
            ws.write_blank(row, col, None, self.input_format("@" if kind in F.TEXTUAL else "General", **props))
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            # anything else is kept as written: the reader reports it at this cell, as validation would
            text = value if isinstance(value, str) else json.dumps(value)
            if len(text) > F.CELL_MAX:
                raise DataError(f"{inp.label} 有 {len(text)} 字，超过 Excel 一个单元格的上限 {F.CELL_MAX} 字，"
                                "无法放入表单", file=self.name, path="$." + inp.path)
            ws.write_string(row, col, text.replace("\r\n", "\n"), self.input_format("@", **props))
        else:
            raise DataError(f"{inp.label} 应为{'文字' if kind in F.TEXTUAL else '数字'}，实为 {json.dumps(value, ensure_ascii=False)[:40]}，"
                            "无法放入表单", file=self.name, path="$." + inp.path)
        self.define(ws, row, col, inp.name)
        self.validations.setdefault((ws.name, kind), []).append((row, col, inp))

    # -- sheets

    def basic(self) -> None:
        ws = self.wb.add_worksheet(F.BASIC_SHEET)
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 48)
        ws.set_column(2, 2, 60)
        title = f"政府信息公开工作年度报告填报表（{self.edition} 格式）"
        ws.merge_range(0, 0, 0, 2, title, self.styles.title())
        ws.set_row(0, 30)
        ws.merge_range(1, 0, 1, 2, HOW_TO, self.styles.get(align="left"))
        ws.set_row(1, text_height(HOW_TO, 124))
        for col, head in enumerate(("项目", "填写", "说明")):
            ws.write_string(2, col, head, self.styles.cell("head"))
        row = 3
        rows = list(F.basic_inputs(self.edition))
        rows.insert(4, None)  # 格式版本, after 报告年度: the form's own, not typed
        fmt_field = c.report_field(self.edition).child("format")
        for inp in rows:
            if inp is None:
                ws.write_string(row, 0, fmt_field.title, self.styles.cell("head"))
                ws.write_string(row, 1, self.edition, self.styles.cell("label", align="left"))
                ws.write_string(row, 2, f"本表单为 {self.edition} 格式，用于 {F.edition_years(self.edition)} 年度报告；"
                                        "另一格式请用 reportkit init 重新生成表单。", self.styles.cell("label", align="left"))
                self.wb.define_name("rkinfo.format", f"='{F.BASIC_SHEET}'!$B${row + 1}")
            else:
                ws.write_string(row, 0, inp.label, self.styles.cell("head"))
                self.put(ws, row, 1, inp, self.data.get(inp.path), align="left")
                ws.write_string(row, 2, inp.hint, self.styles.cell("label", align="left"))
            ws.set_row(row, max(22.0, text_height(inp.hint if inp else "", 60)))
            row += 1
        page_setup(ws, None, last_row=row - 1, ncols=3, landscape=False)
        self.protect(ws)

    def text(self) -> None:
        ws = self.wb.add_worksheet(F.TEXT_SHEET)
        widths = (22, 34, 90)
        for i, w in enumerate(widths):
            ws.set_column(i, i, w)
        ws.merge_range(0, 0, 0, 2, "报告正文", self.styles.title())
        ws.set_row(0, 30)
        for col, head in enumerate(("项目", "填写说明", "内容（分段请在单元格内按 Alt+Enter 换行）")):
            ws.write_string(1, col, head, self.styles.cell("head"))
        row = 2
        before, after = F.text_inputs(self.edition)
        wrap = {"text_wrap": True, "valign": "top"}

        def text_row(inp: F.Input) -> None:
            nonlocal row
            ws.write_string(row, 0, inp.label, self.styles.cell("head"))
            ws.write_string(row, 1, inp.hint, self.styles.cell("label", align="left"))
            value = get(self.data, inp.parts)
            textual = inp.kind in F.TEXTUAL
            self.put(ws, row, 2, inp, value, align="left" if textual else "center", extra=wrap if textual else None)
            ws.set_row(row, _text_rows(value) if textual else 22)
            row += 1

        for inp in before:
            text_row(inp)
        overview = c.report_field(self.edition).child("overview")
        sections_field = overview.child("sections")
        ws.write_string(row, 0, f"{overview.title}（{sections_field.title}）", self.styles.cell("head"))
        ws.write_string(row, 1, "小标题（不含编号，编号自动生成）", self.styles.cell("head"))
        ws.write_string(row, 2, f"正文：{sections_field.description}；空行不计", self.styles.cell("head"))
        row += 1
        sections = get(self.data, ("overview", "sections"))
        sections = sections if isinstance(sections, list) else []
        if isinstance(get(self.data, ("overview", "sections")), list) and not sections:
            self.shape["empty"].append("overview.sections")
        for n in range(1, max(F.SECTION_ROWS, len(sections)) + 1):
            title_in, text_in = F.section_inputs(self.edition, n)
            item = sections[n - 1] if n <= len(sections) else {}
            if not isinstance(item, dict) or set(item) - {"title", "text"}:
                raise DataError(f"{overview.title} 第 {n} 节应为含 title、text 的对象，无法放入表单", file=self.name,
                                path=f"$.overview.sections[{n - 1}]")
            ws.write_string(row, 0, title_in.label, self.styles.cell("head"))
            self.put(ws, row, 1, title_in, item.get("title"), align="left", extra=wrap)
            self.put(ws, row, 2, text_in, item.get("text"), align="left", extra=wrap)
            ws.set_row(row, _text_rows(item.get("text"), minimum=60))
            row += 1
        for inp in after:
            text_row(inp)
        fees = self.data.get("fees")
        if self.edition == "2021" and isinstance(fees, dict) and not fees:
            self.shape["empty"].append("fees")
        page_setup(ws, None, last_row=row - 1, ncols=3, landscape=False)
        self.protect(ws)

    def table(self, t: layout.Table) -> None:
        ws = self.wb.add_worksheet(SHEETS[t.key])
        by_path = {f.path: f for f in layout.figures(self.edition)}
        formulas: list[tuple[int, int, str, dict]] = []

        def figure(ws, row, col, cell, props):
            if cell.computed:
                formulas.append((row, col, cell.path, props))
                ws.write_blank(row, col, None, self.styles.get(**props))
                return
            inp = F.Input(cell.path, cell.value_kind or c.COUNT, by_path[cell.path].label, "")
            self.put(ws, row, col, inp, get(self.data, tuple(cell.path.split("."))))

        placed = write_table(ws, self.styles, t, 0, figure=figure)
        ref = {path: xl_rowcol_to_cell(r, col) for path, (r, col, _) in placed.figures.items()}
        for row, col, path, props in formulas:
            ws.write_formula(row, col, "=" + _formula(self.edition, path, ref), self.styles.get(**props),
                             get(self.done, tuple(path.split("."))))
        self.printed_totals(t)
        last = placed.last_row
        if t.key == "requests":
            last = self.check_row(ws, placed, ref)
        if t.key == "proactive" and F.unit_input(self.edition) is not None:
            inp = F.unit_input(self.edition)
            last += 2
            ws.write_string(last, 0, f"{layout.PROCUREMENT_AMOUNT}的{inp.label}", self.styles.cell("head"))
            self.put(ws, last, 1, inp, get(self.data, inp.parts))
            ws.merge_range(last, 2, last, 3, inp.hint, self.styles.get(align="left", font_size=9))
            ws.set_row(last, 30)
        if t.key != "proactive":
            last += 1
            ws.merge_range(last, 0, last, t.ncols - 1, NOTE_FORMULAS, self.styles.get(align="left", font_size=9))
        repeat = None
        if t.header_rows:
            repeat = (placed.first_row, placed.first_row + t.header_rows - 1)
            ws.freeze_panes(placed.first_row + t.header_rows, 3 if t.key == "requests" else 0)
        page_setup(ws, t.key, last_row=last, ncols=t.ncols, repeat=repeat)
        self.protect(ws)

    def printed_totals(self, t: layout.Table) -> None:
        """Printed totals of the data: the form computes them; the reader prints them again."""
        for f in layout.figures(self.edition):
            if not f.computed or not f.path.startswith(t.key + "."):
                continue
            parts = tuple(f.path.split("."))
            value = get(self.data, parts)
            if value is None:
                continue
            if value != get(self.done, parts):
                raise DataError(f"{f.label}：印发的总计为 {value}，与各项之和 {get(self.done, parts)} 不符；"
                                "表单中的总计由公式计算，请先改正数据（reportkit validate）", file=self.name,
                                path="$." + f.path)
            self.shape["totals"].append(f.path)

    def check_row(self, ws, placed, ref) -> int:
        """The 勾稽 check below table 三: 一 + 二 − 三（七）− 四 per column, red when not 0."""
        row = placed.last_row + 1
        ws.merge_range(row, 0, row, 2, CHECK_LABEL, self.styles.cell("head"))
        check = self.styles.get(border=1, align="center", bold=True, num_format="0")
        first = None
        for key, _ in layout.APPLICANT_HEADS:
            def at(p):
                return ref[f"requests.{p}.{key}"]
            formula = f"={at('received')}+{at('carried_over')}-{at('results.total')}-{at('carried_forward')}"
            done = self.done["requests"]
            value = (done["received"][key] + done["carried_over"][key] - done["results"]["total"][key]
                     - done["carried_forward"][key]) if _all_ints(done) else 0
            r, col, _ = placed.figures[f"requests.received.{key}"]
            first = col if first is None else first
            ws.write_formula(row, col, formula, check, value)
        last_col = first + len(layout.APPLICANT_HEADS) - 1
        red = self.wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        ws.conditional_format(row, first, row, last_col, {"type": "cell", "criteria": "!=", "value": 0, "format": red})
        ws.set_row(row, 30)
        self.wb.define_name(F.CHECK_NAME, f"='{ws.name}'!{xl_rowcol_to_cell(row, first, True, True)}:"
                                          f"{xl_rowcol_to_cell(row, last_col, True, True)}")
        return row

    def meta(self) -> None:
        ws = self.wb.add_worksheet(F.META_SHEET)
        shape = {k: v for k, v in self.shape.items() if v}
        if isinstance(self.data.get("$schema"), str):
            shape["schema"] = self.data["$schema"]
        rows = (("表单", F.MARKER), ("格式版本", self.edition), ("表单版本", str(F.FORM_VERSION)),
                ("写法", json.dumps(shape, ensure_ascii=False, sort_keys=True)))
        for r, (k, v) in enumerate(rows):
            ws.write_string(r, 0, k)
            ws.write_string(r, 1, v)
        ws.very_hidden()
        self.protect(ws)

    def protect(self, ws) -> None:
        ws.protect("", {"format_columns": True, "format_rows": True})

    def validate_inputs(self) -> None:
        for (sheet, kind), cells in self.validations.items():
            ws = self.wb.get_worksheet_by_name(sheet)
            if kind in F.TEXTUAL:
                for row, col, inp in cells:
                    ws.data_validation(row, col, row, col, _text_validation(inp))
                continue
            if kind == c.BOOL and any(inp is not None and inp.path != "rollup" for _, _, inp in cells):
                for row, col, inp in cells:  # a yes/no other than 汇总报告 says what it is about
                    hint = inp.hint if len(inp.hint) <= 250 else inp.hint[:249] + "…"
                    ws.data_validation(row, col, row, col, {**VALIDATION[kind], "input_title": inp.label[:32],
                                                            "input_message": hint})
                continue
            row, col, _ = cells[0]
            multi = " ".join(xl_rowcol_to_cell(r, cc) for r, cc, _ in cells)
            ws.data_validation(row, col, row, col, {**VALIDATION[kind], "multi_range": multi})

    def build(self, when: dt.datetime) -> bytes:
        self.wb.set_properties({"title": f"政府信息公开工作年度报告填报表（{self.edition} 格式）",
                                "author": "reportkit", "created": when})
        self.wb.set_custom_property("reportkit-form", F.FORM_VERSION)
        self.basic()
        self.text()
        for t in layout.tables(self.edition):
            self.table(t)
        self.meta()
        self.validate_inputs()
        self.wb.get_worksheet_by_name(F.BASIC_SHEET).activate()
        self.wb.close()
        return self.raw.getvalue()


def _text_rows(value: Any, minimum: float = 48.0) -> float:
    if not isinstance(value, str) or not value:
        return minimum
    return min(409.0, max(minimum, text_height(value, 90)))


def _all_ints(done: dict) -> bool:
    try:
        rows = [done["received"], done["carried_over"], done["results"]["total"], done["carried_forward"]]
        return all(isinstance(r[k], int) for r in rows for k, _ in layout.APPLICANT_HEADS)
    except (KeyError, TypeError):
        return False


def _iso_date(text: str) -> dt.date | None:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _formula(edition: str, path: str, ref: dict[str, str]) -> str:
    """The formula of a 总计 cell, over the cells of the figures it sums."""
    parts = path.split(".")
    if parts[0] == "appeals":
        return "SUM({})".format(",".join(ref[f"appeals.{parts[1]}.{k}"] for k, _ in c.APPEAL_COLUMNS))
    if parts[:3] == ["requests", "results", "total"] and parts[3] != "total":
        rows = [".".join(("requests", "results") + p) for p, _ in c.applicant_rows(edition)]
        return "SUM({})".format(",".join(ref[f"{r}.{parts[3]}"] for r in rows))
    row = ".".join(parts[:-1])
    return "SUM({})".format(",".join(ref[f"{row}.{k}"] for k in c.COLUMN_KEYS))


def _members(data: bytes) -> list[tuple[str, bytes]]:
    """The members of XlsxWriter's workbook ``data``, in order, with
    ``<workbookProtection lockStructure="1"/>`` added after ``<workbookPr/>`` (schema order)."""
    out = []
    src = Package(data, OWN)
    for name in src.names:
        body = src.read(name)
        if name == "xl/workbook.xml":
            body, n = re.subn(rb"(<workbookPr\b[^>]*/>)", rb'\1<workbookProtection lockStructure="1"/>', body, 1)
            assert n == 1, "xl/workbook.xml without workbookPr"
        out.append((name, body))
    return out


def form_bytes(data: dict, *, name: str = "<数据>", marks: dict | None = None, basis: dict | None = None) -> bytes:
    """The form of the report ``data`` (its ``format`` chooses the edition), byte-reproducible.

    Raises :class:`~reportkit.errors.DataError` for what a form cannot hold: an unknown
    edition, keys outside the contract, a printed total that is not the sum, a text longer than
    one Excel cell.  ``marks`` (contract path → (``missing`` or ``guess``, comment)) tints those
    input cells and comments them: an imported report's cells to complete or to check; ``basis``
    (the data with its blanks as 0) gives the totals' cached values when ``data`` is partial."""
    edition = data.get("format")
    if edition not in c.EDITIONS:
        raise DataError(f"format 应为 \"2019\" 或 \"2021\"，实为 {json.dumps(edition, ensure_ascii=False)}；"
                        "无法确定表单的格式版本", file=name, path="$.format")
    unknown = _unknown_keys(data, c.report_field(edition))
    if unknown:
        shown = "、".join(unknown[:5]) + ("……" if len(unknown) > 5 else "")
        raise DataError(f"数据中有表单无法容纳的字段：{shown}（不在 {edition} 格式的数据规范中；reportkit validate 会指出）",
                        file=name, path=unknown[0])
    published = data.get("published") if isinstance(data.get("published"), str) else None
    when = build_time(published if published and _iso_date(published) else None)
    return zip_members(_members(_Writer(data, name, marks, basis).build(when)), when)


def _unknown_keys(node: Any, field: c.Field, path: tuple = ()) -> list[str]:
    out: list[str] = []
    if field.kind == c.LIST:
        if node is not None and not isinstance(node, list):
            return [json_path(path)]
        for i, item in enumerate(node or []):
            out += _unknown_keys(item, field.item, path + (i,)) if isinstance(item, dict) else []
        return out
    if field.kind != c.OBJECT:
        return out
    if node is None:
        return out
    if not isinstance(node, dict):
        return [json_path(path)]
    for key, value in node.items():
        child = field.child(key)
        if child is None:
            out.append(json_path(path + (key,)))
        else:
            out += _unknown_keys(value, child, path + (key,))
    return out
