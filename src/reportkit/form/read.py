"""Reading the clerk's form back into a report.

Every input cell is found through its defined name (:mod:`reportkit.form.fields`), so rows
inserted above a table, a moved table or a restyled sheet read the same.  Formula cells are
never read: every 总计 is computed again by reportkit.  A cell is read by the kind of its value:

* a count typed as text (``"12"``, ``１２``, ``12.0``, `` 12 ``) is the number, with a warning;
* a blank figure cell is 0, with one warning per table (real reports leave zeros blank);
* anything else that is not a value of its kind (``十二``, ``12件``, a formula typed into an
  input cell, an error value) is an error naming the sheet and cell, the official label and
  the JSON path;
* text keeps its line breaks as ``\\n`` (Excel may store ``\\r\\n`` or ``_x000D_``).

A workbook that is not a form (the filing set's workbook, any other file), a form whose sheet
was deleted, a form of a newer version, or one whose cells no longer match its edition is a
:class:`~reportkit.errors.DataError` that says so.  The result is a
:class:`~reportkit.loading.Report` whose ``cells`` map JSON paths to cells and whose
``reading`` holds these findings; validation shows them and names the cell of every finding.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from decimal import Decimal
from typing import Any

from ..contract import official as c
from ..contract import tables as layout
from ..errors import DataError
from ..validation.findings import Finding, json_path
from ..contract.report import Report
from ..reading.grid import column_letters
from ..ooxml.cells import MAX_NUMBER_CHARS
from ..ooxml.cells import number as _cell_number
from ..reading.xlsx import BadWorkbook, Book, RawCell, col_index, read_book
from ..contract.totals import completed, get
from ..writing.sheet_tables import SHEETS
from . import fields as F

_NAME_REF = re.compile(r"^=?(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?([0-9]{1,7})(?::\$?[A-Z]{1,3}\$?[0-9]{1,7})?$")
_INT_TEXT = re.compile(r"[+-]?[0-9]+(?:\.0*)?")
_DECIMAL_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_DATE_TEXT = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)   # workbookPr date1904: the Mac's old date system
_EXPECTED = {c.COUNT: "非负整数", c.SIGNED: "整数（减少用负数）", c.AMOUNT: "非负金额（数字，可带小数）",
             c.YEAR: "四位年份，如 2021", c.DATE: "日期，如 2022-01-20", c.BOOL: "“是”或“否”",
             c.UNIT: "“元”或“万元”", c.LEVEL: "下拉列表中的单位层级（" + "、".join(c.LEVELS) + "）"}
_TABLE_TITLES = {t: c.report_field("2021").child(t).title for t in SHEETS}


def read_form(raw: bytes, name: str) -> Report:
    """The report in the form ``raw``; ``name`` names the file in messages."""
    reader, shape = _open(raw, name)
    data = reader.read(shape)
    return Report(data, name, hashlib.sha256(raw).hexdigest(), cells=reader.where, reading=reader.findings)


#: what a batch names a report's folder by
IDENTITY = ("agency", "year", "agency_id")


def read_identity(raw: bytes, name: str) -> dict:
    """The agency, year and agency_id of the form ``raw`` as :func:`read_form` reads them (a key
    is left out when its cell is empty), reading only the sheets that hold them: what a batch
    names each report's folder by before the reports are rendered, at a fraction of the cost of
    reading the form.  Raises :class:`~reportkit.errors.DataError` as :func:`read_form` does
    for a file that is not a form."""
    reader, _ = _open(raw, name, only={F.META_SHEET, F.BASIC_SHEET}, styles=False)
    out = {}
    for inp in F.basic_inputs(reader.edition):
        if inp.path in IDENTITY:
            v = reader.value(inp)
            if v is not reader._ABSENT:
                out[inp.path] = v
    return out


def _open(raw: bytes, name: str, **read) -> tuple["_Reader", dict]:
    """A reader of the form ``raw`` (``read``: what :func:`read_book` reads of it) and the shape
    its marker records; :class:`~reportkit.errors.DataError` for what is not a form."""
    try:
        book = read_book(raw, **read)
    except BadWorkbook as exc:
        raise DataError(str(exc), file=name) from None
    edition, shape, findings = _meta(book, name)
    return _Reader(book, edition, name, findings), shape


# ------------------------------------------------------------------------------ the marker

def _meta(book: Book, name: str) -> tuple[str, dict, list[Finding]]:
    meta = book.sheet(F.META_SHEET)
    values = {}
    if meta is not None:
        for (r, col), cell in meta.cells.items():
            if col == 1 and (r, 0) in meta.cells:
                values[meta.cells[(r, 0)].text] = (cell.text, f"{F.META_SHEET}!B{r + 1}")
    if meta is None or values.get("表单", ("",))[0] != F.MARKER:
        names = {s.name for s in book.sheets}
        if "基本情况" in names and set(SHEETS.values()) <= names:
            raise DataError("这是 reportkit render 生成的申报材料 Excel 表格（用于打印和存档），不是填报表单，"
                            "不能作为输入。请用 reportkit render 时的 JSON 数据，或用 reportkit init --year 年度 "
                            "-o 年度.xlsx 生成填报表单", file=name)
        raise DataError("不是 reportkit 填报表单（没有表单标记）。请用 reportkit init --year 年度 --agency 单位 "
                        "-o 年度.xlsx 生成填报表单，或用 reportkit convert 数据.json 表单.xlsx 把 JSON 转成表单",
                        file=name)
    edition = values.get("格式版本", ("", ""))[0]
    if edition not in c.EDITIONS:
        raise DataError(f"表单的格式版本无法识别（{F.META_SHEET}!B2 为 “{edition}”），表单已损坏；"
                        "请用 reportkit init 重新生成表单", file=name)
    version = values.get("表单版本", ("", ""))[0]
    if not version.isdigit() or int(version) > F.FORM_VERSION:
        raise DataError(f"表单版本 {version or '未知'} 比本 reportkit 支持的版本 {F.FORM_VERSION} 新："
                        "请升级 reportkit（pip install -U reportkit）", file=name)
    findings: list[Finding] = []
    shape: dict = {}
    text, where = values.get("写法", ("{}", f"{F.META_SHEET}!B4"))
    try:
        shape = json.loads(text or "{}")
        if not isinstance(shape, dict):
            raise ValueError
    except (ValueError, RecursionError):   # RecursionError: 100,000 nested [
        shape = {}
        findings.append(Finding("warning", "form.meta", "$", "表单", "表单隐藏的附加信息无法读取，已忽略"
                                "（金额的写法、$schema 等按默认处理）", file=name, where=where))
    return edition, shape, findings


# ------------------------------------------------------------------------------ cells

def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _shown(text: str) -> str:
    return text if len(text) <= 30 else text[:29] + "…"


def _decimals(code: str) -> int | None:
    """Decimal places a number format shows (None for General, text, scientific, fractions)."""
    if code in ("General", "@"):
        return None
    section = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.', "", code.split(";")[0])
    if re.search(r"[Ee%/@]", section):
        return None
    m = re.search(r"\.([0#?]+)", section)
    if m:
        return len(m.group(1))
    return 0 if re.search(r"[0#?]", section) else None


def _number(text: str) -> Decimal | None:
    """The number a number cell stores, or None (not a finite number of at most 40 characters)."""
    return _cell_number(text)


class _Reader:
    def __init__(self, book: Book, edition: str, name: str, findings: list[Finding]) -> None:
        self.book, self.edition, self.name = book, edition, name
        self.findings = findings
        self.where: dict[str, str] = {}
        self.blank: dict[str, list[str]] = {}
        self._check_sheets()

    # -- locating

    def _check_sheets(self) -> None:
        present = {s.name for s in self.book.sheets}
        missing = [s for s in (F.BASIC_SHEET, F.TEXT_SHEET, *SHEETS.values()) if s not in present]
        if missing:
            raise DataError(f"表单缺少工作表「{'」「'.join(missing)}」（被删除或改名），无法读取；"
                            "请从备份恢复，或用 reportkit init 重新生成表单后填写", file=self.name)
        kinds = {"chartsheet": "图表工作表", "dialogsheet": "对话框工作表"}
        for s in self.book.sheets:
            if s.name in (F.BASIC_SHEET, F.TEXT_SHEET, *SHEETS.values()) and s.kind != "worksheet":
                raise DataError(f"表单的工作表「{s.name}」不是表格（是{kinds.get(s.kind, s.kind)}），无法读取；"
                                "请从备份恢复，或用 reportkit init 重新生成表单后填写", file=self.name)

    def locate(self, inp: F.Input) -> tuple[RawCell | None, str] | None:
        """(cell, "sheet!D12") of an input, or None (with an error) when its cell is gone."""
        ref = self.book.names.get(inp.name)
        if ref is None and inp.path in F.ADDED_LATER:  # a form made before this input existed
            return None
        m = _NAME_REF.match(ref.strip()) if ref else None
        label = c.label(self.edition, inp.parts)
        if m is None:
            other = [e for e in c.EDITIONS if e != self.edition][0]
            if ref is None and self._looks_like(other):
                raise DataError(f"表单标记为 {self.edition} 格式，但其中的表格是 {other} 格式的（找不到 {label} 的填写单元格）："
                                f"请用 reportkit init 重新生成 {self.edition} 格式的表单", file=self.name)
            what = "已被删除" if ref and "#REF" in ref.upper() else "找不到"
            self.error(inp, f"填写单元格{what}（名称 {inp.name}{'：' + ref if ref else ''}）；表单结构被改动，"
                            "请从备份恢复该行或重新生成表单", where=None)
            return None
        sheet_name = (m.group(1) or "").replace("''", "'") or m.group(2)
        sheet = self.book.sheet(sheet_name)
        r, col = int(m.group(4)) - 1, col_index(m.group(3))
        where = f"{sheet_name}!{m.group(3)}{r + 1}"
        self.where[json_path(inp.parts)] = where
        if sheet is None:
            self.error(inp, f"填写单元格所在的工作表「{sheet_name}」不存在", where=where)
            return None
        return sheet.cells.get((r, col)), where

    def _looks_like(self, edition: str) -> bool:
        own = {f.path for f in F.figure_inputs(self.edition)}
        distinct = [f for f in F.figure_inputs(edition) if f.path not in own]
        return bool(distinct) and all(F.NAME_PREFIX + f.path in self.book.names for f in distinct)

    def error(self, inp: F.Input, message: str, *, where: str | None) -> None:
        self.findings.append(Finding("error", "form.cell", json_path(inp.parts), c.label(self.edition, inp.parts),
                                     message, file=self.name, where=where))

    def warn(self, inp: F.Input, message: str, where: str) -> None:
        self.findings.append(Finding("warning", "form.text-number", json_path(inp.parts),
                                     c.label(self.edition, inp.parts), message, file=self.name, where=where))

    # -- one cell

    _ABSENT = object()

    def value(self, inp: F.Input, *, blank: Any = _ABSENT, table: str | None = None) -> Any:
        """The value of an input: ``blank`` when the cell is empty (``_ABSENT``: leave the key out)."""
        found = self.locate(inp)
        if found is None:
            return self._ABSENT
        cell, where = found
        if cell is not None and cell.formula is not None:
            self.error(inp, f"填写单元格中是公式（={_shown(cell.formula)}），reportkit 不采用公式的结果："
                            f"请直接填写{_EXPECTED.get(inp.kind, '内容')}", where=where)
            return "=" + cell.formula
        if cell is None or (cell.type not in ("n", "b", "e") and not cell.text.strip()):
            if table is not None and blank is not self._ABSENT:
                self.blank.setdefault(table, []).append(where)
            return blank
        if cell.type == "e":
            self.error(inp, f"单元格显示错误值 {cell.text}，应为{_EXPECTED.get(inp.kind, '内容')}", where=where)
            return cell.text
        read = getattr(self, "_" + inp.kind, self._text)
        return read(inp, cell, where)

    def _bad(self, inp: F.Input, cell: RawCell, where: str) -> str:
        shown = "TRUE" if cell.type == "b" and cell.text == "1" else "FALSE" if cell.type == "b" else cell.text
        self.error(inp, f"应为{_EXPECTED[inp.kind]}，实为 “{_shown(shown)}”", where=where)
        return shown

    def _integer(self, inp: F.Input, cell: RawCell, where: str) -> Any:
        if cell.type == "n":
            number = _number(cell.text)
            if number is None or number != number.to_integral_value():
                return self._bad(inp, cell, where)
            return int(number)
        if cell.type == "b":
            return self._bad(inp, cell, where)
        folded = _fold(cell.text)
        if len(folded) <= MAX_NUMBER_CHARS and _INT_TEXT.fullmatch(folded):
            number = int(Decimal(folded))
            self.warn(inp, f"数字存成了文本（“{_shown(cell.text)}”），已按 {number} 读取；可在单元格中重新输入数字", where)
            return number
        return self._bad(inp, cell, where)

    _count = _signed = _year = _integer

    def _amount(self, inp: F.Input, cell: RawCell, where: str) -> Any:
        if cell.type == "n":
            number = _number(cell.text)
            if number is None:
                return self._bad(inp, cell, where)
            # the decimals the cell shows, never fewer than the value has (nothing typed is lost)
            own = 0 if number == number.to_integral_value() else -number.normalize().as_tuple().exponent
            places = max(_decimals(self.book.number_format(cell.style)) or 0, own)
            return format(number.quantize(Decimal(1).scaleb(-places)) if places else number.to_integral_value(), "f")
        if cell.type == "b":
            return self._bad(inp, cell, where)
        folded = _fold(cell.text)
        if len(folded) <= MAX_NUMBER_CHARS and _DECIMAL_TEXT.fullmatch(folded):
            self.warn(inp, f"金额存成了文本（“{_shown(cell.text)}”），已按 {folded} 读取", where)
            return folded
        return self._bad(inp, cell, where)

    def _date(self, inp: F.Input, cell: RawCell, where: str) -> Any:
        if cell.type == "n":
            number = _number(cell.text)
            if number is None or not 1 <= number < 2958466:
                return self._bad(inp, cell, where)
            epoch = _EXCEL_EPOCH_1904 if self.book.date1904 else _EXCEL_EPOCH
            return (epoch + dt.timedelta(days=int(number))).isoformat()
        if cell.type == "d":
            return cell.text[:10]
        text = unicodedata.normalize("NFKC", cell.text).strip()
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
            return text
        m = _DATE_TEXT.fullmatch(text)
        if m:
            try:
                iso = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
            except ValueError:
                return self._bad(inp, cell, where)
            self.warn(inp, f"日期写作 “{_shown(cell.text)}”，已按 {iso} 读取", where)
            return iso
        return self._bad(inp, cell, where)

    def _bool(self, inp: F.Input, cell: RawCell, where: str) -> Any:
        if cell.type == "b":
            return cell.text == "1"
        text = _fold(cell.text)
        if text in ("是", "否"):
            return text == "是"
        return self._bad(inp, cell, where)

    def _unit(self, inp: F.Input, cell: RawCell, where: str) -> Any:
        text = _fold(cell.text)
        if cell.type != "n" and text in ("元", "万元"):
            return text
        return self._bad(inp, cell, where)

    def _level(self, inp: F.Input, cell: RawCell, where: str) -> Any:
        levels = {_fold(v): v for v in c.LEVELS}  # NFKC folds the full-width brackets of 乡镇（街道）
        if cell.type != "n" and _fold(cell.text) in levels:
            return levels[_fold(cell.text)]
        return self._bad(inp, cell, where)

    def _text(self, inp: F.Input, cell: RawCell, where: str) -> Any:
        if cell.type == "n":
            number = _number(cell.text)
            if number is not None and number == number.to_integral_value() and abs(number) < 10 ** 15:
                return str(int(number))
            return cell.text
        if cell.type == "b":
            return "是" if cell.text == "1" else "否"
        return cell.text.replace("\r\n", "\n").replace("\r", "\n")

    # -- the report

    def read(self, shape: dict) -> dict:
        ed = self.edition
        data: dict = {}
        if isinstance(shape.get("schema"), str):
            data["$schema"] = shape["schema"]
        data["format"] = ed
        self._read_basics(data)
        self._edition_fits(data)
        before, after = F.text_inputs(ed)
        self._read_overview(data, before, shape)
        for key in ("proactive", "requests", "appeals"):
            data[key] = self._table(key)
        unit = F.unit_input(ed)
        if unit is not None:
            v = self.value(unit)
            if v is not self._ABSENT:
                data["proactive"]["procurement"]["amount_unit"] = v
        self._read_closing(data, after, shape)
        self._balance_places()
        self._blank_warnings()
        self._shape(data, shape)
        return data

    def _read_basics(self, data: dict) -> None:
        """The unit, year and the other inputs of the first sheet (a blank name is read as "")."""
        fmt_where = _name_where(self.book.names.get("rkinfo.format"))
        if fmt_where:
            self.where["$.format"] = fmt_where
        for inp in F.basic_inputs(self.edition):
            v = self.value(inp, blank="" if inp.kind == c.NAME else self._ABSENT)
            if v is not self._ABSENT:
                data[inp.path] = v

    def _read_overview(self, data: dict, before: tuple, shape: dict) -> None:
        """The preface and 一、总体情况 (its summary and sub-sections)."""
        preface, summary = before
        v = self.value(preface)
        if v is not self._ABSENT:
            data["preface"] = v
        overview: dict = {}
        v = self.value(summary)
        if v is not self._ABSENT:
            overview["summary"] = v
        if json_path(summary.parts) in self.where:
            self.where["$.overview"] = self.where[json_path(summary.parts)]
        sections = self._sections()
        if sections or "overview.sections" in shape.get("empty", ()):
            overview["sections"] = sections
        data["overview"] = overview

    def _read_closing(self, data: dict, after: tuple, shape: dict) -> None:
        """The texts after the tables (五、六 …) and, in 2021, the fees of 六 (a required text left
        blank is read as "")."""
        ed = self.edition
        fees: dict = {}
        for inp in after:
            required = c.report_field(ed).child(inp.parts[0]).required
            v = self.value(inp, blank="" if required and inp.kind in F.TEXTUAL else self._ABSENT)
            if v is self._ABSENT:
                continue
            if inp.parts[0] == "fees":
                fees[inp.parts[1]] = v
            else:
                data[inp.path] = v
        if fees or (ed == "2021" and "fees" in shape.get("empty", ())):
            data["fees"] = fees

    def _balance_places(self) -> None:
        """Where the form's 勾稽 check row is: findings about the balance of 三 point there."""
        check = _name_where(self.book.names.get(F.CHECK_NAME))
        if not check:
            return
        self.where["$.requests"] = check
        # a balance finding is about one column (its path is the column's cell in row 一):
        # show it at that column's cell of the 勾稽 check row
        sheet, ref = check.rsplit("!", 1)
        first, _, last = ref.partition(":")
        m0, m1 = re.match(r"([A-Z]+)(\d+)", first), re.match(r"([A-Z]+)(\d+)", last or first)
        if m0 and m1:
            cols = range(col_index(m0.group(1)), col_index(m1.group(1)) + 1)
            for key, col in zip(c.COLUMN_KEYS + ("total",), cols):
                self.where[f"balance:$.requests.received.{key}"] = f"{sheet}!{column_letters(col)}{m0.group(2)}"

    def _edition_fits(self, data: dict) -> None:
        year = data.get("year")
        lo, hi = c.EDITION_YEARS[self.edition]
        if isinstance(year, int) and c.YEAR_MIN <= year <= c.YEAR_MAX and not lo <= year <= hi:
            right = c.edition_for(year)
            years = F.edition_years(self.edition)
            self.findings.append(Finding(
                "error", "form.edition", "$.format", c.report_field(self.edition).child("format").title,
                f"本表单是 {self.edition} 格式（用于 {years} 年度报告），而报告年度填写为 {year}，应使用 {right} 格式："
                f"请运行 reportkit init --year {year} --from 本表单 -o {year}.xlsx 生成 {right} 格式的表单，"
                "沿用单位信息后填写", file=self.name, where=self.where.get("$.year")))

    def _sections(self) -> list[dict]:
        out = []
        n = 1
        while F.NAME_PREFIX + f"overview.sections.{n}.title" in self.book.names:
            title_in, text_in = F.section_inputs(self.edition, n)
            title = self.value(title_in)
            text = self.value(text_in)
            places = {k: self.where.pop(json_path(i.parts), None) for k, i in (("title", title_in), ("text", text_in))}
            if title is not self._ABSENT or text is not self._ABSENT:
                i = len(out)
                out.append({"title": "" if title is self._ABSENT else title,
                            "text": "" if text is self._ABSENT else text})
                for k, w in places.items():
                    if w:
                        self.where[json_path(("overview", "sections", i, k))] = w
                self._renumber(title_in, i)
                self._renumber(text_in, i)
            n += 1
        return out

    def _renumber(self, inp: F.Input, index: int) -> None:
        """Findings about a section row name the section's place in the JSON list."""
        old, new = json_path(inp.parts), json_path(inp.parts[:2] + (index,) + inp.parts[3:])
        if old == new:
            return
        label = c.label(self.edition, inp.parts[:2] + (index,) + inp.parts[3:])
        self.findings[:] = [Finding(f.severity, f.code, new, label, f.message, f.printed, f.computed, f.file, f.where)
                            if f.path == old else f for f in self.findings]

    def _table(self, key: str) -> dict:
        out: dict = {}
        for fig in F.figure_inputs(self.edition):
            if not fig.path.startswith(key + "."):
                continue
            parts = tuple(fig.path.split("."))
            inp = F.Input(fig.path, fig.value_kind, fig.label, "", True)
            zero = "0" if fig.value_kind == c.AMOUNT else 0
            v = self.value(inp, blank=zero, table=key)
            node = out
            for p in parts[1:-1]:
                node = node.setdefault(p, {})
            if v is not self._ABSENT:
                node[parts[-1]] = v
        return out

    def _blank_warnings(self) -> None:
        for key, cells in self.blank.items():
            shown = "、".join(c_.split("!")[1] for c_ in cells[:8]) + ("……" if len(cells) > 8 else "")
            self.findings.append(Finding(
                "warning", "form.blank", f"$.{key}", _TABLE_TITLES[key],
                f"{len(cells)} 个空白单元格按 0 计（{shown}）；没有的数字可以留空，请确认不是漏填",
                file=self.name, where=cells[0]))

    def _shape(self, data: dict, shape: dict) -> None:
        """What the JSON wrote that a cell cannot say: amounts as numbers, printed totals."""
        for path in shape.get("numbers", ()):
            parts = tuple(str(path).split("."))
            parent, value = get(data, parts[:-1]), get(data, parts)
            if isinstance(parent, dict) and isinstance(value, str) and len(value) <= MAX_NUMBER_CHARS \
                    and _DECIMAL_TEXT.fullmatch(value):
                parent[parts[-1]] = float(value) if "." in value else int(value)
        try:
            done = completed(data, self.edition) if shape.get("totals") else None
        except TypeError:  # a cell holds no count: validation reports it; no printed total to restore
            return
        for path in shape.get("totals", ()):
            parts = tuple(str(path).split("."))
            if parts not in _TOTAL_PATHS[self.edition]:
                continue
            parent = data
            for p in parts[:-1]:
                parent = parent.setdefault(p, {}) if isinstance(parent, dict) else None
            if isinstance(parent, dict):
                parent[parts[-1]] = get(done, parts)


_TOTAL_PATHS = {e: {tuple(f.path.split(".")) for f in layout.figures(e) if f.computed} for e in c.EDITIONS}



def _name_where(ref: str | None) -> str | None:
    if not ref:
        return None
    m = re.match(r"^=?(?:'((?:[^']|'')+)'|([^'!]+))!(.+)$", ref.strip())
    if not m:
        return None
    return f"{(m.group(1) or '').replace(chr(39) * 2, chr(39)) or m.group(2)}!{m.group(3).replace('$', '')}"

