"""The Excel engine: fill ``{{ path }}`` placeholders in an .xlsx template, in its XML.

No code runs: a placeholder is a dotted path into the report context (``docs/templates.md``)
and is looked up with a plain dict walk. The rules:

* a cell whose whole text is one placeholder receives the value itself: an ``int`` is a
  number; a bool becomes ``是``/``否``; an amount string (``"73802895.90"`` at a path ending in
  ``amount``, ``notice_amount`` or ``collected_amount``) or a :class:`~decimal.Decimal` is a
  number stored with exactly the written digits (``<v>73802895.90</v>``) and a number format
  showing them (``0.00``); a list of paragraphs is joined with line breaks; ``None`` or ``""``
  leaves the cell empty;
* a placeholder inside other text (``填报单位：{{ agency }}``) is replaced by the text of the
  value; the formatting of the text runs of the cell is kept;
* every text written is an inline string, never a formula (``=1+1`` stays ``=1+1``), with the
  control characters XML cannot carry removed;
* an unknown path, anything between ``{{ }}`` that is not a dotted path, or a value that is
  neither a single value nor a list of paragraphs is a :class:`~reportkit.errors.TemplateError`
  naming the field, the sheet and the cell; a number Excel cannot hold (``|x| >= 1e308``, more
  than 30 decimals) is a :class:`~reportkit.errors.DataError`.

A template is untrusted input. Besides a file that is not a workbook, it is refused with a
``TemplateError`` naming the sheet and cell or the part when it holds what Excel would run or
fetch on opening every filing set made from it: a formula in a cell, a function call in a
conditional format, a data validation or a defined name (``WEBSERVICE`` fetches a URL), an
external relationship (a hyperlink, a linked picture), a link to another workbook, a data
connection, a web query, or macros.

How: a template is prepared once per process, keyed by the SHA-256 of its bytes. The zip is
read under limits (zip bombs), every XML part is checked with expat (well-formed, UTF-8, no
DTD), the parts the engine needs are read, and each worksheet holding placeholders is cut at
those cells. A render writes
only those cells (and, when an amount needs a number format that the cell lacks, the cell
formats appended to ``styles.xml``) and copies every other byte of the template: merges,
styles, print setup, defined names, drawings and shared strings stay as they were.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import os
import posixpath
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import IO, Any, Union

from ..contract.characters import XML_INVALID
from ..errors import DataError, TemplateError
from ..ooxml.package import Limits as _Limits, resolve
from ..ooxml.scan import MAIN as _MAIN, Scanner, Span as _Span, edit_tag as _edit_tag, esc as _esc, prefix as _prefix
from ..ooxml.write import SharedMembers, zip_members
from ..ooxml import Package, PackageError
from ..files import FileProblem, read_regular

__all__ = ["PLACEHOLDER_RE", "Inspection", "inspect_template", "iter_placeholders", "render_xlsx"]

#: ``{{ path }}``: identifiers separated by dots, optional whitespace inside the braces.
PLACEHOLDER_RE = re.compile(
    r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}"
)

# Anything that looks like a template tag: a well-formed placeholder, a malformed one, a
# Jinja statement, or an opening that is never closed.
_TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{\{|\{%", re.S)

# XML 1.0 cannot carry C0 controls other than tab, LF and CR; lone surrogates and
# U+FFFE/U+FFFF cannot be encoded either.

#: last path keys whose plain-decimal string values are written as exact numbers
AMOUNT_KEYS = frozenset({"amount", "notice_amount", "collected_amount"})
_DECIMAL_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_BUILTIN_FORMATS = {"0": 1, "0.00": 2}   # ECMA-376 built-in number formats
_EXCEL_MAX, _EXCEL_PLACES = 10 ** 308, 30   # the largest magnitude and decimals Excel holds
_FIRST_CUSTOM_FORMAT = 164

TRUE_TEXT, FALSE_TEXT = "是", "否"

# Limits for template files (zip bombs); real templates are a few tens of kilobytes.
_MAX_TEMPLATE_BYTES = 50 * 1024 * 1024
#: what a template may hold (stated by ``templates check``)
_LIMITS = _Limits(file=_MAX_TEMPLATE_BYTES, members=2_000, part=200 * 1024 * 1024, total=200 * 1024 * 1024)
_MAX_CELL_TEXT = 32_767               # Excel's limit for the text of one cell
_CACHE_SIZE = 16

_XM = "http://schemas.microsoft.com/office/excel/2006/main"   # <xm:f> in x14 extensions
_CT_WORKBOOK = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CT_TEMPLATE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml"

# relationship types (their last segment) of parts a template may not carry
_REFUSED_PARTS = {"externalLink": "指向其他工作簿的外部链接", "connections": "数据连接",
                  "queryTable": "Web 查询", "vbaProject": "宏（VBA）",
                  "xlMacrosheet": "宏表", "xlIntlMacrosheet": "宏表"}

_INVALID = "不是有效的 Excel 工作簿（.xlsx）"
_NO_FORMULA = ("；Excel 打开每一份生成的文件时都会执行模板中的公式（例如 WEBSERVICE 会访问网络），"
               "请改为文字、数字或 {{ 字段路径 }}")

PathLike = Union[str, "os.PathLike[str]"]
_MISSING = object()


def _invalid(name: str, detail: str) -> TemplateError:
    return TemplateError(f"{_INVALID}：{detail}", template=name)


def _where(sheet: str, coord: str) -> str:
    return f"（工作表「{sheet}」，单元格 {coord}）"


class _Reader(Scanner):
    """The scanner, its errors naming the template."""

    def fail(self, detail: str) -> TemplateError:
        return _invalid(self.name, detail)


class _Relationships(_Reader):
    def read(self):
        self.items: dict[str, tuple[str, str, bool]] = {}   # id → (type, target, external)
        return super().read()

    def start(self, ns, local, attrs):
        if local == "Relationship":
            self.items[attrs.get("Id", "")] = (attrs.get("Type", ""), attrs.get("Target", ""),
                                               attrs.get("TargetMode", "").lower() == "external")


class _ContentTypes(_Reader):
    def read(self):
        self.overrides: dict[str, str] = {}
        self.defaults: dict[str, str] = {}
        return super().read()

    def start(self, ns, local, attrs):
        if local == "Override":
            self.overrides[attrs.get("PartName", "").lstrip("/").lower()] = attrs.get("ContentType", "")
        elif local == "Default":
            self.defaults[attrs.get("Extension", "").lower()] = attrs.get("ContentType", "")


class _Workbook(_Reader):
    def read(self):
        self.sheets: list[tuple[str, str]] = []   # (title, relationship id)
        self.names: list[tuple[str, str]] = []    # defined names: (name, formula)
        return super().read()

    def start(self, ns, local, attrs):
        if ns not in _MAIN:
            return
        if local == "sheet" and self.parent == "sheets":
            rid = next((v for k, v in attrs.items() if k.endswith("relationships id")), "")
            self.sheets.append((attrs.get("name", ""), rid))
        elif local == "definedName":
            self._name = attrs.get("name", "")
            self.chars = []

    def end(self, ns, local):
        if local == "definedName" and ns in _MAIN:
            self.names.append((self._name, self.text()))


@dataclass
class _Str:
    """The text of a string item (``<si>``, ``<is>``): its runs, phonetic runs left out."""
    runs: list[tuple[tuple | None, str]] = field(default_factory=list)   # (rPr children, text)
    keep: bool = True          # the run properties can be written again
    _rpr: list | None = None
    _run: str = ""

    @property
    def text(self) -> str:
        return "".join(t for _, t in self.runs)


class _Strings(_Reader):
    """Reads string items, ``<si>`` in the shared strings or ``<is>`` in a cell."""

    item: _Str | None = None

    def read(self):
        self.items: list[_Str] = []
        return super().read()

    def start(self, ns, local, attrs):
        if ns in _MAIN and local == "si" and self.parent == "sst":
            self.item = _Str()
        elif self.item is not None:
            self.string_start(ns, local, attrs)

    def end(self, ns, local):
        if ns in _MAIN and local == "si" and self.parent == "sst":
            self.items.append(self.item)
            self.item = None
        elif self.item is not None:
            self.string_end(ns, local)

    def string_start(self, ns, local, attrs):
        item, parent = self.item, self.parent
        if parent == "rPr":
            if ns not in _MAIN or any(" " in k for k in attrs):
                item.keep = False
            else:
                item._rpr.append((local, tuple(attrs.items())))
        elif "rPr" in self.path:
            item.keep = False
        elif ns not in _MAIN:
            return
        elif local == "t" and parent in ("si", "is", "r"):
            self.chars = []
        elif local == "r":
            item._rpr, item._run = None, ""
        elif local == "rPr" and parent == "r":
            item._rpr = []

    def string_end(self, ns, local):
        if ns not in _MAIN:
            return
        item, parent = self.item, self.parent
        if local == "t" and parent in ("si", "is", "r") and self.chars is not None:
            if parent == "r":
                item._run = self.text()
            else:
                item.runs.append((None, self.text()))
        elif local == "r" and parent in ("si", "is"):
            item.runs.append((tuple(item._rpr) if item._rpr is not None else None, item._run))


@dataclass
class _Styles:
    part: str | None = None
    data: bytes = b""
    prefix: bytes = b""
    root_end: int = 0                                       # where a missing <numFmts> goes
    numfmts: _Span | None = None
    numfmt_count: int = 0
    codes: dict[str, int] = field(default_factory=dict)     # the template's own: code → id
    next_id: int = _FIRST_CUSTOM_FORMAT
    cellxfs: _Span | None = None
    xfs: list[_Span] = field(default_factory=list)
    xf_formats: list[int] = field(default_factory=list)     # numFmtId of each cell format


class _StylesReader(_Reader):
    def read(self):
        self.styles = _Styles(self.part, self.data)
        self._open: dict[str, tuple[int, int]] = {}
        return super().read()

    def start(self, ns, local, attrs):
        if ns not in _MAIN:
            return
        s, parent = self.styles, self.parent
        if local == "styleSheet" and parent is None:
            begin, s.root_end = self.start_tag()
            s.prefix = _prefix(self.data[begin:s.root_end])
        elif (local in ("numFmts", "cellXfs") and parent == "styleSheet") or (
                local == "xf" and parent == "cellXfs"):
            self._open[local] = self.start_tag()
            if local == "xf":
                self._xf_format = _int(attrs.get("numFmtId")) or 0
        elif local == "numFmt":   # in <numFmts>, or in a differential format: ids to avoid
            fid = _int(attrs.get("numFmtId"))
            if fid is not None:
                s.next_id = max(s.next_id, fid + 1)
            if parent == "numFmts":
                if fid is not None:
                    s.codes.setdefault(attrs.get("formatCode", ""), fid)
                s.numfmt_count += 1

    def end(self, ns, local):
        if ns not in _MAIN or local not in self._open:
            return
        span = self.span(*self._open.pop(local))
        if local == "xf":
            self.styles.xfs.append(span)
            self.styles.xf_formats.append(self._xf_format)
        else:
            setattr(self.styles, local.lower(), span)


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.strip().isdigit() else None


_STRING_LITERALS = re.compile(r"\"(?:[^\"]|\"\")*\"|'(?:[^']|'')*'")
_CALL = re.compile(r"[A-Za-z_\\][A-Za-z0-9_.]*\s*\(")


def _formula_risk(formula: str) -> str | None:
    """What a formula outside a cell does that a template may not: call a function (which
    could fetch a URL on opening) or refer to another workbook."""
    bare = _STRING_LITERALS.sub("", formula)
    call = _CALL.search(bare)
    if call:
        return f"函数 {call.group(0).rstrip('( ')}"
    if "[" in bare or "|" in bare:
        return "外部引用"
    return None


@dataclass
class _Cell:
    """A template cell holding placeholders: how to write it again."""
    ref: str
    head: bytes            # its start tag without t, s, cm, vm and without the closing '>'
    prefix: bytes          # the prefix of the spreadsheet namespace in the sheet (b"" or b"x:")
    style: int
    styled: bool           # the template cell had an s attribute
    text: str
    runs: tuple[tuple[bytes, str], ...] | None   # (rPr XML, text), when they can be kept
    found: tuple[tuple[int, int, str], ...]      # (start, end, dotted path) in ``text``
    whole: bool            # the text is one placeholder and nothing else


class _Sheet(_Strings):
    """A worksheet cut at its placeholder cells; formulas and placeholder errors collected."""

    cell: dict | None = None

    def __init__(self, data, part, name, title: str, strings: list[_Str]) -> None:
        super().__init__(data, part, name)
        self.title, self.strings = title, strings

    def read(self):
        self.pieces: list[bytes | _Cell] = []
        self.cells: list[_Cell] = []
        self.problems: list[TemplateError] = []
        self._copied = 0
        self._row = self._col = 0
        super().read()
        self.pieces.append(self.data[self._copied:])
        return self

    def start(self, ns, local, attrs):
        parent = self.parent
        if self.cell is not None:
            if self.item is not None:
                self.string_start(ns, local, attrs)
            elif ns in _MAIN and parent == "c":
                if local == "is":
                    self.item = _Str()
                elif local in ("v", "f"):
                    self.chars = []
        elif ns in _MAIN and local == "c" and parent == "row":
            self._open_cell(attrs)
        elif ns in _MAIN and local == "row" and parent == "sheetData":
            self._row, self._col = _int(attrs.get("r")) or self._row + 1, 0
        elif (ns in _MAIN and local in ("formula", "formula1", "formula2")) or (ns == _XM and local == "f"):
            self.chars = []

    def end(self, ns, local):
        cell = self.cell
        if cell is not None and ns in _MAIN and local == "c" and self.parent == "row":
            self._close_cell()
        elif cell is not None and ns in _MAIN and local == "is" and self.parent == "c":
            cell["string"], self.item = self.item, None
        elif self.item is not None:
            self.string_end(ns, local)
        elif cell is not None and ns in _MAIN and local in ("v", "f") and self.parent == "c":
            cell[local] = self.text()
        elif (ns in _MAIN and local in ("formula", "formula1", "formula2")) or (ns == _XM and local == "f"):
            formula = self.text()
            risk = _formula_risk(formula)
            if risk:
                self.problems.append(TemplateError(
                    f"模板的条件格式或数据验证含有{risk}：{formula[:80]}（工作表「{self.title}」）{_NO_FORMULA}"))

    def _open_cell(self, attrs):
        begin, tag_end = self.start_tag()
        ref = attrs.get("r")
        m = re.fullmatch(r"\$?([A-Za-z]{1,3})\$?([0-9]+)", ref or "")
        if m:
            self._col = _column_number(m.group(1))
        else:
            self._col += 1
            ref = f"{_column_letters(self._col)}{self._row}"
        self.cell = {"attrs": attrs, "ref": ref, "begin": begin, "tag_end": tag_end}

    def _close_cell(self):
        cell, self.cell = self.cell, None
        attrs, ref = cell["attrs"], cell["ref"]
        where = _where(self.title, ref)
        if "f" in cell:
            self.problems.append(TemplateError(f"模板中不能有公式：={cell['f'][:80]}{where}{_NO_FORMULA}"))
            return
        kind = attrs.get("t", "n")
        if kind == "s":
            index = _int(cell.get("v"))
            if index is None or index >= len(self.strings):
                raise _invalid(self.name, f"共享字符串编号无效{where}")
            string = self.strings[index]
        elif kind == "inlineStr" and "string" in cell:
            string = cell["string"]
        elif kind == "str":
            string = _Str([(None, cell.get("v", ""))])
        else:
            return
        text = string.text
        if "{" not in text:
            return
        try:
            found = tuple(_scan(text, where))
        except TemplateError as exc:
            self.problems.append(exc)
            return
        if not found:
            return
        span = self.span(cell["begin"], cell["tag_end"])
        start_tag = self.data[span.begin:span.tag_end]
        style = _int(attrs.get("s"))
        c = _Cell(ref, _edit_tag(start_tag, (b"t", b"s", b"cm", b"vm"))[:-(2 if start_tag.endswith(b"/>") else 1)],
                  _prefix(start_tag), style or 0, style is not None, text,
                  _runs(string, found, _prefix(start_tag)), found,
                  len(found) == 1 and text[found[0][0]:found[0][1]] == text.strip())
        self.pieces += [self.data[self._copied:span.begin], c]
        self._copied = span.end
        self.cells.append(c)


def _runs(string: _Str, found, prefix: bytes) -> tuple[tuple[bytes, str], ...] | None:
    """The runs of a rich-text cell, their properties as XML, when every placeholder lies
    within one run; else None (the cell is written as plain text)."""
    if not string.keep or all(rpr is None for rpr, _ in string.runs):
        return None
    bounds, pos = [], 0
    for _, text in string.runs:
        bounds.append((pos, pos + len(text)))
        pos += len(text)
    if not all(any(a <= start and end <= b for a, b in bounds) for start, end, _ in found):
        return None
    runs = []
    for rpr, text in string.runs:
        xml = b""
        if rpr is not None:
            xml = b"<%srPr>%s</%srPr>" % (prefix, b"".join(
                b"<%s%s%s/>" % (prefix, local.encode(), b"".join(
                    b' %s="%s"' % (k.encode(), _esc(v, quote=True)) for k, v in attrs))
                for local, attrs in rpr), prefix)
        runs.append((xml, text))
    return tuple(runs)


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _column_letters(n: int) -> str:
    letters = ""
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _scan(text: str, where: str) -> list[tuple[int, int, str]]:
    """(start, end, dotted path) of each placeholder in ``text``; a malformed tag is a TemplateError."""
    found = []
    for m in _TAG_RE.finditer(text):
        good = PLACEHOLDER_RE.fullmatch(m.group(0))
        if good is None:
            raise TemplateError(
                f"模板占位符无效：{m.group(0)}{where}；"
                "Excel 模板只能写 {{ 字段路径 }}，例如 {{ agency }}，不能写表达式、过滤器或标签",
                field=m.group(0))
        found.append((m.start(), m.end(), good.group(1)))
    return found


# -- preparing a template -------------------------------------------------------------------

@dataclass
class _Template:
    members: list[tuple[str, tuple, bytes]]        # (name, date_time, bytes), in zip order
    sheets: list[tuple[str, str, list]]            # (title, part, pieces) of sheets to fill
    placeholders: list[tuple[str, str, str]]       # (sheet, cell, dotted path)
    problems: list[TemplateError]                  # what render refuses (no template name yet)
    styles: _Styles

    @cached_property
    def shared(self):
        """The template's members deflated once (:class:`~reportkit.writing.stamps.SharedMembers`)."""
        return SharedMembers((member, body) for member, _, body in self.members)


def _unzip(data: bytes, name: str) -> tuple[list, dict[str, bytes]]:
    """The template's zip entries and every member's bytes, read under :data:`_LIMITS`."""
    try:
        package = Package(data, _LIMITS)
        files = {member: package.read(member) for member in package.names}
    except PackageError as exc:
        raise _invalid(name, exc.message) from None
    return package.infos, files


def _prepare(data: bytes, name: str) -> _Template:
    """Read and check the template ``data``; raise TemplateError for what is not a workbook."""
    prep = _Preparation(data, name)
    prep.read_relationships()
    book, book_xml = prep.workbook_part()
    workbook = _Workbook(book_xml, book, name).read()
    prep.check_names(workbook)
    strings = prep.shared_strings(book)
    styles = prep.styles(book)
    sheets, placeholders = prep.sheets(book, workbook, strings)
    prep.check_copied_parts()
    members = [(i.filename, i.date_time, prep.files[i.filename]) for i in prep.infos]
    return _Template(members, sheets, placeholders, prep.problems, styles)


class _Preparation:
    """One :func:`_prepare`: the template's members, its relationships by source part, the parts
    parsed so far and the problems found (what render refuses, reported by ``templates check``)."""

    def __init__(self, data: bytes, name: str):
        self.name = name
        self.infos, self.files = _unzip(data, name)
        self.by_lower = {n.lower(): n for n in self.files}
        self.problems: list[TemplateError] = []
        self.rels: dict[str, dict[str, tuple[str, str, bool]]] = {}
        self.parsed: set[str] = set()

    def member(self, path: str, what: str) -> tuple[str, bytes]:
        """The member named ``path`` (any case) and its bytes; missing, the template is invalid."""
        actual = self.by_lower.get(path.lower())
        if actual is None:
            raise _invalid(self.name, f"缺少{what}（{path}）")
        return actual, self.files[actual]

    def read_relationships(self) -> None:
        """Every relationships part, in zip order; external links and refused parts are problems."""
        rels_parts = [part for part in self.files if part.endswith(".rels")]   # in zip order
        self.parsed |= set(rels_parts)
        for part in rels_parts:
            folder, base = posixpath.split(part)
            source = posixpath.join(posixpath.dirname(folder), base[:-len(".rels")])
            self.rels[source] = items = _Relationships(self.files[part], part, self.name).read().items
            for kind, target, external in items.values():
                if external:
                    self.problems.append(TemplateError(
                        f"模板含有外部链接：{part} → {target}；打开或转换文件时会访问这个地址，"
                        "请在 Excel 中删除这个链接（超链接、链接的图片或外部数据）"))
                elif kind.rsplit("/", 1)[-1] in _REFUSED_PARTS:
                    self.problems.append(TemplateError(
                        f"模板含有{_REFUSED_PARTS[kind.rsplit('/', 1)[-1]]}（{_target(source, target)}），"
                        "报告模板不能带有它，请在 Excel 中删除"))

    def related(self, source: str, kind: str) -> list[tuple[str, str]]:
        return [(rid, _target(source, t)) for rid, (k, t, ext) in self.rels.get(source, {}).items()
                if not ext and k.rsplit("/", 1)[-1] == kind]

    def workbook_part(self) -> tuple[str, bytes]:
        """The workbook part (through the package's relationships) once its content type is seen
        to be a workbook's; an Excel template's (.xltx) is rewritten as a workbook's."""
        book = next((t for _, t in self.related("", "officeDocument")), "xl/workbook.xml")
        book, book_xml = self.member(book, "工作簿部件")
        types_part, types_xml = self.member("[Content_Types].xml", "内容类型部件")
        types = _ContentTypes(types_xml, types_part, self.name).read()
        self.parsed |= {types_part, book}
        content_type = types.overrides.get(book.lower()) or types.defaults.get(book.rpartition(".")[2].lower(), "")
        if content_type.encode() == _CT_TEMPLATE:   # an Excel template (.xltx): write a workbook
            self.files[types_part] = types_xml.replace(_CT_TEMPLATE, _CT_WORKBOOK)
        elif content_type.encode() != _CT_WORKBOOK:
            hint = "启用宏的工作簿不能用作模板，" if "macroEnabled" in content_type else ""
            raise _invalid(self.name, f"工作簿的内容类型为 {content_type or '（无）'}；{hint}请在 Excel 中另存为"
                                      "“Excel 工作簿（.xlsx）”")
        return book, book_xml

    def check_names(self, workbook) -> None:
        """A defined name holding a risky formula is a problem."""
        for defined, formula in workbook.names:
            risk = _formula_risk(formula)
            if risk:
                self.problems.append(TemplateError(f"模板的名称 {defined} 含有{risk}：{formula[:80]}{_NO_FORMULA}"))

    def shared_strings(self, book: str) -> list[_Str]:
        strings: list[_Str] = []
        for _, target in self.related(book, "sharedStrings")[:1]:
            part, xml = self.member(target, "共享字符串部件")
            strings = _Strings(xml, part, self.name).read().items
            self.parsed.add(part)
        return strings

    def styles(self, book: str) -> _Styles:
        styles = _Styles()
        for _, target in self.related(book, "styles")[:1]:
            part, xml = self.member(target, "样式部件")
            styles = _StylesReader(xml, part, self.name).read().styles
            self.parsed.add(part)
        return styles

    def sheets(self, book: str, workbook, strings: list[_Str]) -> tuple[list, list]:
        """The worksheets with placeholders to fill (title, part, pieces), and the placeholders
        (sheet, cell, dotted path); a sheet whose relationship is missing makes the template invalid."""
        book_rels = self.rels.get(book, {})
        sheets, placeholders = [], []
        for title, rid in workbook.sheets:
            if rid not in book_rels:
                raise _invalid(self.name, f"工作表「{title}」的关系 {rid} 不存在")
            kind, target, external = book_rels[rid]
            if external or kind.rsplit("/", 1)[-1] != "worksheet":
                continue   # chart sheets hold no cells; external and refused parts are reported above
            part, xml = self.member(_target(book, target), f"工作表「{title}」")
            sheet = _Sheet(xml, part, self.name, title, strings).read()
            self.parsed.add(part)
            self.problems += sheet.problems
            if sheet.cells:
                sheets.append((title, part, sheet.pieces))
                placeholders += [(title, c.ref, p) for c in sheet.cells for _, _, p in c.found]
        return sheets, placeholders

    def check_copied_parts(self) -> None:
        """The parts copied as they are must be well-formed too."""
        for part in self.files:
            if part.lower().endswith(".xml") and part not in self.parsed:
                _Reader(self.files[part], part, self.name).read()


def _target(source: str, target: str) -> str:
    """The part a relationship of ``source`` points to."""
    return resolve(source, target)


# -- loading, once per template -------------------------------------------------------------

_cache: OrderedDict[str, _Template] = OrderedDict()
_cache_lock = threading.Lock()


def _template_name(template: Any) -> str:
    if hasattr(template, "read"):
        return str(getattr(template, "name", "<模板>"))
    return os.fspath(template)


def _template_bytes(template: Any, name: str) -> bytes:
    if hasattr(template, "read"):
        try:
            data = template.read(_MAX_TEMPLATE_BYTES + 1)
        except OSError as exc:
            raise TemplateError(f"无法读取 Excel 模板：{exc.strerror or exc}", template=name) from exc
    else:
        try:
            data = read_regular(template, _MAX_TEMPLATE_BYTES)
        except FileProblem as exc:
            raise TemplateError(f"无法读取 Excel 模板：{exc.message}", template=name) from None
    if not isinstance(data, bytes):
        raise TemplateError("Excel 模板必须以二进制方式打开", template=name)
    if len(data) > _MAX_TEMPLATE_BYTES:
        raise TemplateError(f"Excel 模板文件过大（上限 {_MAX_TEMPLATE_BYTES // 2**20} MB）", template=name)
    return data


def _load(template: Any) -> tuple[_Template, str]:
    """The prepared template and its name; prepared once per process for the same bytes."""
    name = _template_name(template)
    data = _template_bytes(template, name)
    digest = hashlib.sha256(data).hexdigest()
    with _cache_lock:
        prepared = _cache.get(digest)
        if prepared is not None:
            _cache.move_to_end(digest)
    if prepared is None:
        prepared = _prepare(data, name)
        with _cache_lock:
            _cache[digest] = prepared
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return prepared, name


def _named(problem: TemplateError, name: str) -> TemplateError:
    return TemplateError(problem.message, template=name, field=problem.field)


@dataclass(frozen=True)
class Inspection:
    """What ``templates check`` needs to know of an Excel template."""
    placeholders: list[tuple[str, str, str]]   # (sheet title, cell coordinate, dotted path)
    problems: list[TemplateError]              # everything render would refuse, each located


def inspect_template(template_path: PathLike) -> Inspection:
    """The placeholders of a template and every problem that would stop rendering with it.

    Raises :class:`TemplateError` for a file that is not a workbook at all."""
    prepared, name = _load(template_path)
    return Inspection(list(prepared.placeholders), [_named(p, name) for p in prepared.problems])


def iter_placeholders(template_path: PathLike) -> Iterator[tuple[str, str, str]]:
    """Yield ``(sheet title, cell coordinate, dotted path)`` for every placeholder in the template.

    Cells are visited sheet by sheet, row by row; a cell with several placeholders yields
    one item for each. A template that rendering would refuse (a malformed placeholder such
    as ``{{ a + b }}``, a formula, an external link) raises :class:`TemplateError`, as
    rendering would.
    """
    found = inspect_template(template_path)
    if found.problems:
        raise found.problems[0]
    yield from found.placeholders


# -- values ---------------------------------------------------------------------------------

def _lookup(context: Mapping[str, Any], path: str) -> Any:
    """Plain dict walk; ``_MISSING`` when any step is not a mapping or lacks the key."""
    node: Any = context
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return _MISSING
        node = node[key]
    return node


def _decimal_format(value: Decimal) -> str:
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "0." + "0" * places if places else "0"


def _number(value: Any, path: str, where: str) -> tuple[bytes, str | None] | None:
    """(the digits of ``<v>``, the number format it needs or None) for a number; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return (repr(value).encode(), None) if math.isfinite(value) else None
    if isinstance(value, int):
        return _in_range(value, path, where).encode(), None
    if isinstance(value, str) and path.rsplit(".", 1)[-1] in AMOUNT_KEYS and _DECIMAL_RE.fullmatch(value):
        _in_range(Decimal(value), path, where)
        return value.encode(), _decimal_format(Decimal(value))   # the digits as written
    if isinstance(value, Decimal) and value.is_finite():
        return _in_range(value, path, where).encode(), _decimal_format(value)
    return None


def _in_range(value: int | Decimal, path: str, where: str) -> str:
    """The digits of ``value``; a DataError when Excel cannot hold or show it."""
    places = -value.as_tuple().exponent if isinstance(value, Decimal) else 0
    if not -_EXCEL_MAX < value < _EXCEL_MAX or places > _EXCEL_PLACES:
        raise DataError(f"数值超出 Excel 能保存和显示的范围（绝对值小于 1e308，最多 {_EXCEL_PLACES} 位小数）："
                        f"{path}{where}", path=f"$.{path}")
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _as_text(value: Any, path: str, where: str, name: str) -> str:
    """The text of a context value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return TRUE_TEXT if value else FALSE_TEXT
    if isinstance(value, str):
        return value
    if isinstance(value, (int, Decimal)) and (not isinstance(value, Decimal) or value.is_finite()):
        return _in_range(value, path, where)
    if isinstance(value, (Decimal, float)):
        return str(value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)) and not any(isinstance(v, (Mapping, list, tuple)) for v in value):
        return "\n".join(_as_text(item, path, where, name) for item in value)
    raise TemplateError(f"模板字段不是可填写的单个值：{path}{where}；Excel 单元格只能放一个值或一组段落",
                        template=name, field=path)


class _Formats:
    """The cell formats a render appends to styles.xml: a cell's own format with the number
    format an amount needs."""

    def __init__(self, styles: _Styles) -> None:
        self.styles = styles
        self.codes: dict[str, int] = {}               # number formats added: code → id
        self.xfs: dict[tuple[int, int], int] = {}     # (cell format, numFmtId) → new cell format

    def style(self, style: int, code: str, where: str, name: str) -> int:
        s = self.styles
        if style >= len(s.xfs):
            raise TemplateError(f"单元格的样式编号 {style} 在样式部件中不存在{where}", template=name)
        fid = _BUILTIN_FORMATS.get(code) or s.codes.get(code) or self.codes.setdefault(
            code, s.next_id + len(self.codes))
        if s.xf_formats[style] == fid:
            return style
        return self.xfs.setdefault((style, fid), len(s.xfs) + len(self.xfs))

    def xml(self) -> bytes:
        s, p = self.styles, self.styles.prefix
        edits = []
        if self.codes:
            entries = b"".join(b'<%snumFmt numFmtId="%d" formatCode="%s"/>' % (p, fid, _esc(code, quote=True))
                               for code, fid in self.codes.items())
            if s.numfmts is None:
                edits.append((s.root_end, s.root_end, b'<%snumFmts count="%d">%s</%snumFmts>'
                              % (p, len(self.codes), entries, p)))
            else:
                edits += _append(s.data, s.numfmts, entries, s.numfmt_count + len(self.codes))
        new = b"".join(_edit_tag(s.data[x.begin:x.tag_end], numFmtId=fid, applyNumberFormat=1)
                       + s.data[x.tag_end:x.end] for (style, fid) in self.xfs for x in [s.xfs[style]])
        edits += _append(s.data, s.cellxfs, new, len(s.xfs) + len(self.xfs))
        out, pos = [], 0
        for begin, end, replacement in sorted(edits, key=lambda e: (e[0], e[1])):
            out += [s.data[pos:begin], replacement]
            pos = end
        return b"".join(out + [s.data[pos:]])


def _append(data: bytes, span: _Span, children: bytes, count: int) -> list[tuple[int, int, bytes]]:
    """Edits appending ``children`` to the element at ``span`` and setting its count."""
    tag = _edit_tag(data[span.begin:span.tag_end], count=count)
    if span.close is None:   # <numFmts count="0"/>
        qname = re.match(rb"<([^\s/>]+)", tag).group(1)
        return [(span.begin, span.end, tag[:-2] + b">" + children + b"</" + qname + b">")]
    return [(span.begin, span.tag_end, tag), (span.close, span.close, children)]


def _fill(cell: _Cell, context: Mapping[str, Any], sheet: str, name: str, formats: _Formats) -> bytes:
    """The XML of a placeholder cell filled from ``context``."""
    where = _where(sheet, cell.ref)
    values = []
    for _, _, path in cell.found:
        value = _lookup(context, path)
        if value is _MISSING:
            raise TemplateError(f"模板字段不存在：{path}{where}", template=name, field=path)
        values.append(value)
    p, style = cell.prefix, cell.style
    if cell.whole:
        path = cell.found[0][2]
        number = _number(values[0], path, where)
        if number is not None:
            digits, code = number
            if code is not None:
                style = formats.style(style, code, where, name)
            return _cell_xml(cell, style, b"<%sv>%s</%sv>" % (p, digits, p), inline=False)
        runs = [(b"", _clean(_as_text(values[0], path, where, name)))]
    else:
        texts = [_clean(_as_text(v, path, where, name)) for v, (_, _, path) in zip(values, cell.found)]
        runs, offset = [], 0
        for rpr, text in cell.runs or [(b"", cell.text)]:
            runs.append((rpr, _substitute(text, offset, cell.found, texts)))
            offset += len(text)
    if sum(_excel_length(text) for _, text in runs) > _MAX_CELL_TEXT:
        raise TemplateError(f"单元格的文字超过 Excel 的上限 {_MAX_CELL_TEXT} 个字符{where}",
                            template=name, field=cell.found[0][2])
    runs = [(rpr, text) for rpr, text in runs if text]
    if not runs:
        return _cell_xml(cell, style, None, inline=False)
    if cell.runs is None or (cell.whole and len(runs) == 1):
        body = b'<%st xml:space="preserve">%s</%st>' % (p, _esc(runs[0][1]), p)
    else:
        body = b"".join(b'<%sr>%s<%st xml:space="preserve">%s</%st></%sr>' % (p, rpr, p, _esc(text), p, p)
                        for rpr, text in runs)
    return _cell_xml(cell, style, b"<%sis>%s</%sis>" % (p, body, p), inline=True)


def _substitute(text: str, offset: int, found, texts: list[str]) -> str:
    """``text`` (a run starting at ``offset`` in the cell's text) with its placeholders
    replaced; substituted values are never scanned again."""
    out, pos = [], 0
    for (start, end, _), value in zip(found, texts):
        start, end = start - offset, end - offset
        if start >= 0 and end <= len(text):
            out += [text[pos:start], value]
            pos = end
    out.append(text[pos:])
    return "".join(out)


def _excel_length(text: str) -> int:
    """The length of ``text`` as Excel counts it (UTF-16 code units)."""
    if len(text) <= _MAX_CELL_TEXT // 2:
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _clean(text: str) -> str:
    """``text`` without the characters an .xlsx file cannot hold."""
    return XML_INVALID.sub("", text)


def _cell_xml(cell: _Cell, style: int, body: bytes | None, *, inline: bool) -> bytes:
    head = cell.head
    if cell.styled or style:
        head += b' s="%d"' % style
    if body is None:
        return head + b"/>"
    if inline:
        head += b' t="inlineStr"'
    return b"%s>%s</%sc>" % (head, body, cell.prefix)


# -- rendering ------------------------------------------------------------------------------

def render_xlsx(template_path: PathLike, context: Mapping[str, Any],
                out_path: Union[PathLike, IO[bytes]], *, when: _dt.datetime | None = None) -> None:
    """Fill the template at ``template_path`` from ``context`` and save it to ``out_path``.

    ``template_path`` is a path or a binary file object, ``out_path`` too.  With ``when`` the zip
    is written reproducibly (every entry and the core properties' dates stamped ``when``: the
    bytes :func:`reportkit.writing.stamps.normalise` would make).  Raises
    :class:`TemplateError` for a file that is not a valid .xlsx, a template that holds what
    Excel would run or fetch (formulas, external links, macros), a malformed placeholder, or
    a path that is not in the context; nothing is written then.
    """
    prepared, name = _load(template_path)
    if prepared.problems:
        raise _named(prepared.problems[0], name)
    formats = _Formats(prepared.styles)
    parts = {part: b"".join(piece if type(piece) is bytes else _fill(piece, context, title, name, formats)
                            for piece in pieces)
             for title, part, pieces in prepared.sheets}
    if formats.xfs:
        parts[prepared.styles.part] = formats.xml()

    # without ``when``: every entry stamped with the template's latest, core properties as the template's
    stamp = when or max((_dt.datetime(*t) for _, t, _ in prepared.members), default=_dt.datetime(1980, 1, 1))
    data = zip_members([(member, parts.get(member, body)) for member, _, body in prepared.members], stamp,
                       shared=prepared.shared, core_dates=when is not None)
    if hasattr(out_path, "write"):
        out_path.write(data)
    else:
        Path(out_path).write_bytes(data)
