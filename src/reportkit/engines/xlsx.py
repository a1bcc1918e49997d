"""The Excel engine: fill ``{{ path }}`` placeholders in an .xlsx template.

No code runs: a placeholder is a dotted path into the report context (``docs/templates.md``)
and is looked up with a plain dict walk. The rules:

* a cell whose whole text is one placeholder receives the value itself: an ``int`` stays an
  ``int``; a bool becomes ``是``/``否``; an amount string (``"73802895.90"`` at a path ending in
  ``amount``, ``notice_amount`` or ``collected_amount``) becomes a :class:`~decimal.Decimal`
  with a number format showing exactly the written decimals (``0.00``); a list of paragraphs
  is joined with line breaks; ``None`` or ``""`` leaves the cell empty;
* a placeholder inside other text (``填报单位：{{ agency }}``) is replaced by the text of
  the value;
* every text written is stored as text, never as a formula (``=1+1`` stays ``=1+1``), with
  the control characters XML cannot carry removed;
* an unknown path, or anything between ``{{ }}`` that is not a dotted path, is a
  :class:`~reportkit.errors.TemplateError` naming the field, the sheet and the cell.
"""

from __future__ import annotations

import datetime as _dt
import io
import os
import re
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Union

from ..errors import TemplateError

__all__ = ["PLACEHOLDER_RE", "clean_text", "iter_placeholders", "render_xlsx"]

#: ``{{ path }}``: identifiers separated by dots, optional whitespace inside the braces.
PLACEHOLDER_RE = re.compile(
    r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*\}\}"
)

# Anything that looks like a template tag: a well-formed placeholder, a malformed one, a
# Jinja statement, or an opening that is never closed.
_TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{\{|\{%", re.S)

# XML 1.0 cannot carry C0 controls other than tab, LF and CR (openpyxl raises on them);
# lone surrogates and U+FFFE/U+FFFF cannot be encoded either.
_ILLEGAL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: last path keys whose plain-decimal string values are written as exact numbers
AMOUNT_KEYS = frozenset({"amount", "notice_amount", "collected_amount"})
_DECIMAL_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")

TRUE_TEXT, FALSE_TEXT = "是", "否"

# Limits for template files (zip bombs); real templates are a few tens of kilobytes.
_MAX_TEMPLATE_BYTES = 50 * 1024 * 1024
_MAX_MEMBERS = 2_000
_MAX_UNCOMPRESSED = 200 * 1024 * 1024
_MAX_CACHED_BYTES = 4 * 1024 * 1024

PathLike = Union[str, "os.PathLike[str]"]
_MISSING = object()


# -- loading --------------------------------------------------------------------------------

def _template_name(template: Any) -> str:
    if hasattr(template, "read"):
        return str(getattr(template, "name", "<模板>"))
    return os.fspath(template)


@lru_cache(maxsize=16)
def _cached_bytes(path: str, mtime_ns: int, size: int) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(_MAX_TEMPLATE_BYTES + 1)


def _template_bytes(template: Any, name: str) -> bytes:
    try:
        if hasattr(template, "read"):
            data = template.read(_MAX_TEMPLATE_BYTES + 1)
        else:
            st = os.stat(template)
            if not os.path.isfile(template):
                raise TemplateError("Excel 模板不是一个文件", template=name)
            if st.st_size > _MAX_CACHED_BYTES:
                with open(template, "rb") as fh:
                    data = fh.read(_MAX_TEMPLATE_BYTES + 1)
            else:  # the raw bytes only: every render parses its own fresh workbook
                data = _cached_bytes(str(Path(template).resolve()), st.st_mtime_ns, st.st_size)
    except OSError as exc:
        raise TemplateError(f"无法读取 Excel 模板：{exc.strerror or exc}", template=name) from exc
    if not isinstance(data, bytes):
        raise TemplateError("Excel 模板必须以二进制方式打开", template=name)
    if len(data) > _MAX_TEMPLATE_BYTES:
        raise TemplateError("Excel 模板文件过大", template=name)
    return data


def _load(template: Any):
    """Load ``template`` with openpyxl, or raise :class:`TemplateError` naming the file."""
    name = _template_name(template)
    data = _template_bytes(template, name)
    invalid = "不是有效的 Excel 工作簿（.xlsx）"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as exc:
        raise TemplateError(f"{invalid}：无法作为 zip 压缩包打开", template=name) from exc
    if len(infos) > _MAX_MEMBERS or sum(i.file_size for i in infos) > _MAX_UNCOMPRESSED:
        raise TemplateError(f"{invalid}：解压后内容过大", template=name)

    from openpyxl import load_workbook  # imported lazily: only this engine needs openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return load_workbook(io.BytesIO(data))
    except Exception as exc:  # openpyxl raises many kinds (KeyError, ValueError, XML errors)
        detail = str(exc) or type(exc).__name__
        raise TemplateError(f"{invalid}：{detail}", template=name) from exc


# -- scanning -------------------------------------------------------------------------------

def _where(sheet: str, coord: str) -> str:
    return f"（工作表「{sheet}」，单元格 {coord}）"


def _cells_with_text(wb) -> Iterator[tuple[Any, Any]]:
    """(worksheet, cell) for every cell holding text, sheet by sheet, row by row."""
    for ws in wb.worksheets:
        # ws._cells holds only the cells that exist; iter_rows() would create every cell of
        # the used rectangle.
        for key in sorted(ws._cells):
            cell = ws._cells[key]
            if isinstance(cell.value, str):
                yield ws, cell


def _scan(text: str, *, sheet: str, coord: str, name: str,
          formula: bool) -> list[tuple[int, int, str]]:
    """(start, end, dotted path) of each placeholder in ``text``; a malformed tag is a TemplateError."""
    found = []
    for m in _TAG_RE.finditer(text):
        good = PLACEHOLDER_RE.fullmatch(m.group(0))
        if good is None:
            raise TemplateError(
                f"模板占位符无效：{m.group(0)}{_where(sheet, coord)}；"
                "Excel 模板只能写 {{ 字段路径 }}，例如 {{ agency }}，不能写表达式、过滤器或标签",
                template=name, field=m.group(0))
        if formula:
            raise TemplateError(
                f"占位符不能写在公式里：{m.group(0)}{_where(sheet, coord)}",
                template=name, field=good.group(1))
        found.append((m.start(), m.end(), good.group(1)))
    return found


def iter_placeholders(template_path: PathLike) -> Iterator[tuple[str, str, str]]:
    """Yield ``(sheet title, cell coordinate, dotted path)`` for every placeholder in the template.

    Cells are visited sheet by sheet, row by row; a cell with several placeholders yields
    one item for each. A malformed placeholder (``{{ a + b }}``, ``{% … %}``, an unclosed
    ``{{``) or a placeholder inside a formula raises :class:`TemplateError`, as rendering would.
    """
    name = _template_name(template_path)
    wb = _load(template_path)
    for ws, cell in _cells_with_text(wb):
        if "{" not in cell.value:
            continue
        for _, _, path in _scan(cell.value, sheet=ws.title, coord=cell.coordinate, name=name,
                                formula=cell.data_type == "f"):
            yield ws.title, cell.coordinate, path


# -- values ---------------------------------------------------------------------------------

def _lookup(context: Mapping[str, Any], path: str) -> Any:
    """Plain dict walk; ``_MISSING`` when any step is not a mapping or lacks the key."""
    node: Any = context
    for key in path.split("."):
        if not isinstance(node, Mapping) or key not in node:
            return _MISSING
        node = node[key]
    return node


def clean_text(text: str) -> str:
    """``text`` without the characters an .xlsx file cannot hold."""
    return _ILLEGAL_RE.sub("", text)


def _decimal_format(value: Decimal) -> str:
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return "0." + "0" * places if places else "0"


def _as_text(value: Any, path: str, where: str, name: str) -> str:
    """The text of a context value, as substituted inside other text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return TRUE_TEXT if value else FALSE_TEXT
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        parts = []
        for item in value:
            if isinstance(item, (Mapping, list, tuple)):
                break
            parts.append(_as_text(item, path, where, name))
        else:
            return "\n".join(parts)
    raise TemplateError(f"模板字段不是可填写的单个值：{path}{where}", template=name, field=path)


def _typed(value: Any, path: str, where: str, name: str) -> tuple[Any, str | None]:
    """(cell value, number format or None) for a whole-cell placeholder."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        return (TRUE_TEXT if value else FALSE_TEXT), None
    if isinstance(value, int):
        return value, None
    if isinstance(value, float):
        return value, None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return str(value), None
        return value, _decimal_format(value)
    if isinstance(value, str):
        if path.rsplit(".", 1)[-1] in AMOUNT_KEYS and _DECIMAL_RE.fullmatch(value):
            number = Decimal(value)
            return number, _decimal_format(number)
        return (value or None), None
    text = _as_text(value, path, where, name)
    return (text or None), None


# -- rendering ------------------------------------------------------------------------------

def render_xlsx(template_path: PathLike, context: Mapping[str, Any],
                out_path: Union[PathLike, IO[bytes]]) -> None:
    """Fill the template at ``template_path`` from ``context`` and save it to ``out_path``.

    ``out_path`` is a path or a binary file object. Raises :class:`TemplateError` for a file
    that is not a valid .xlsx, a malformed placeholder, or a path that is not in the context.
    """
    name = _template_name(template_path)
    wb = _load(template_path)
    for ws, cell in _cells_with_text(wb):
        text = cell.value
        if "{" not in text:
            continue
        matches = _scan(text, sheet=ws.title, coord=cell.coordinate, name=name,
                        formula=cell.data_type == "f")
        if not matches:
            continue
        where = _where(ws.title, cell.coordinate)
        values = []
        for _, _, path in matches:
            value = _lookup(context, path)
            if value is _MISSING:
                raise TemplateError(f"模板字段不存在：{path}{where}", template=name, field=path)
            values.append(value)

        start, end, path = matches[0]
        if len(matches) == 1 and text[start:end] == text.strip():
            new, number_format = _typed(values[0], path, where, name)
        else:
            # one pass over the template text: substituted values are never re-scanned
            parts, pos = [], 0
            for (start, end, path), value in zip(matches, values):
                parts += [text[pos:start], _as_text(value, path, where, name)]
                pos = end
            parts.append(text[pos:])
            new, number_format = "".join(parts), None

        if isinstance(new, str):
            new = clean_text(new) or None
        cell.value = new
        if isinstance(new, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
        if number_format is not None:
            cell.number_format = number_format
    wb.save(out_path)
