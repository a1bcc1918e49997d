"""Helpers for the form tests: filling a form the way a clerk's spreadsheet program would.

Everything goes through openpyxl (an independent reader and writer of the workbook) and the
form's defined names — never through reportkit's own reader or fixed coordinates.
"""

from __future__ import annotations

import io
import re
import warnings

import openpyxl
from openpyxl.utils import get_column_letter, range_boundaries

from reportkit.contract import official as c
from reportkit.contract import tables as layout

PREFIX = "rk."


def open_form(raw: bytes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # openpyxl: "Data Validation extension is not supported"
        return openpyxl.load_workbook(io.BytesIO(raw))


def save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def destination(wb, name: str):
    """(worksheet, "D12") that the defined name points at."""
    (sheet, ref), = list(wb.defined_names[name].destinations)
    return wb[sheet], ref.replace("$", "")


def cell(wb, name: str):
    ws, ref = destination(wb, name)
    return ws[ref]


def where(wb, name: str) -> str:
    ws, ref = destination(wb, name)
    return f"{ws.title}!{ref}"


def input_names(wb) -> list[str]:
    return [n for n in wb.defined_names if n.startswith(PREFIX)]


def _leaves(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, prefix + (i + 1,))
    else:
        yield ".".join(map(str, prefix)), node


def fill(wb, data: dict) -> None:
    """Type every value of ``data`` into the form cell named after its path, as a clerk would:
    numbers as numbers (amounts with the number format that shows their decimals), 是/否,
    dates as text, line breaks inside the cell; the edition is the form's own."""
    edition = data["format"]
    amounts = {f.path for f in layout.figures(edition) if f.value_kind == c.AMOUNT}
    amounts |= {"fees.notice_amount", "fees.collected_amount"}
    for path, value in _leaves(data):
        if path in ("format", "$schema") or path.endswith(".total") or ".total." in path:
            continue
        target = cell(wb, PREFIX + path)
        if path in amounts:
            text = str(value)
            target.value = float(text)
            places = len(text.split(".")[1]) if "." in text else 0
            target.number_format = "0." + "0" * places if places else "0"
        elif isinstance(value, bool):
            target.value = "是" if value else "否"
        else:
            target.value = value


# -- what Excel does when a row is inserted or a range moved (openpyxl moves cells only) --------

_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]+)")


def _shift_ref(ref: str, rows: int, cols: int, from_row: int = 1) -> str:
    def one(m):
        col, row = m.group(1), int(m.group(2))
        if row < from_row:
            return m.group(0)
        idx = openpyxl.utils.column_index_from_string(col) + cols
        return f"${get_column_letter(idx)}${row + rows}"
    return _REF.sub(one, ref)


def shift(wb, ws, *, rows: int = 0, cols: int = 0, from_row: int = 1) -> None:
    """Move everything of ``ws`` from ``from_row`` down by ``rows`` and right by ``cols``, updating
    merged ranges and the defined names that point into the sheet, as Excel does."""
    max_row, max_col = ws.max_row, ws.max_column
    merges = [str(m) for m in ws.merged_cells.ranges]
    for m in merges:
        ws.unmerge_cells(m)
    if rows and not cols:
        ws.insert_rows(from_row, rows)
    else:
        ws.move_range(f"A{from_row}:{get_column_letter(max_col)}{max_row}", rows=rows, cols=cols)
    for m in merges:
        lo_c, lo_r, hi_c, hi_r = range_boundaries(m)
        if lo_r >= from_row:
            lo_r, hi_r, lo_c, hi_c = lo_r + rows, hi_r + rows, lo_c + cols, hi_c + cols
        ws.merge_cells(start_row=lo_r, start_column=lo_c, end_row=hi_r, end_column=hi_c)
    quoted = f"'{ws.title}'!"
    for name, dn in list(wb.defined_names.items()):
        if dn.attr_text.startswith(quoted) or dn.attr_text.startswith(ws.title + "!"):
            sheet, ref = dn.attr_text.split("!", 1)
            dn.attr_text = f"{sheet}!{_shift_ref(ref, rows, cols, from_row)}"
