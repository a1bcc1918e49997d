#!/usr/bin/env python3
"""Build the filing-set Excel templates ``templates/xlsx/report-2019.xlsx`` and ``report-2021.xlsx``.

Run from the repository root::

    python tools/build_xlsx_templates.py            # writes templates/xlsx/
    python tools/build_xlsx_templates.py --out DIR  # writes DIR/report-2019.xlsx, DIR/report-2021.xlsx
    python tools/build_xlsx_templates.py --check    # writes nothing; exit 1 if a committed file differs

Tables 二, 三 and 四 come from :mod:`reportkit.contract.tables` through the writer the clerk's form uses
too (:mod:`reportkit.writing.sheet_tables`): labels, merges and fonts are the official ones, and every
figure cell holds one ``{{ path }}`` placeholder of the report context (``docs/templates.md``).
The output is deterministic (fixed document properties and zip timestamps), so the committed
files change only when this script or the layout does.
"""

from __future__ import annotations

import datetime as _dt
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import _build  # noqa: E402  (the shared write/--check main)
import xlsxwriter  # noqa: E402

from reportkit.contract import tables as layout  # noqa: E402
from reportkit.writing.stamps import normalise  # noqa: E402
from reportkit.writing.sheet_tables import SHEETS, Styles, page_setup, text_height, write_table  # noqa: E402

EDITIONS = ("2019", "2021")
FIXED_TIME = _dt.datetime(2021, 9, 29, 0, 0, 0)   # 国办公开办函〔2021〕30号 published

#: the 基本情况 sheet of the filing set: label, context path
BASIC_ROWS = (
    ("单位名称", "agency"),
    ("统一社会信用代码", "agency_id"),
    ("所在地区", "region"),
    ("报告年度", "year"),
    ("格式版本", "format"),
    ("发布日期", "published"),
    ("汇总报告", "rollup"),
)


def _placeholder(path: str) -> str:
    return "{{ %s }}" % path


def _basic(wb, styles: Styles) -> None:
    ws = wb.add_worksheet("基本情况")
    ws.set_column(0, 0, 20)
    ws.set_column(1, 1, 60)
    ws.merge_range(0, 0, 0, 1, _placeholder("doc.title"), styles.title())
    ws.set_row(0, 30)
    for i, (label, path) in enumerate(BASIC_ROWS, start=1):
        ws.write_string(i, 0, label, styles.cell("head"))
        ws.write_string(i, 1, _placeholder(path), styles.cell("label", align="left"))
        ws.set_row(i, max(18.0, text_height(label, 20)))
    page_setup(ws, None, last_row=len(BASIC_ROWS), ncols=2, landscape=False)


def _table(wb, styles: Styles, table: layout.Table) -> None:
    ws = wb.add_worksheet(SHEETS[table.key])

    def figure(ws, row, col, cell, props):
        ws.write_string(row, col, _placeholder(cell.path), styles.get(**props))

    placed = write_table(ws, styles, table, 0, figure=figure,
                         head_text=lambda cell: _placeholder(cell.text_path))
    repeat = None
    if table.header_rows:  # 三 and 四: the column heads stay in view and print on every page
        repeat = (placed.first_row, placed.first_row + table.header_rows - 1)
        ws.freeze_panes(placed.first_row + table.header_rows, 3 if table.key == "requests" else 0)
    page_setup(ws, table.key, last_row=placed.last_row, ncols=table.ncols, repeat=repeat)


def workbook_bytes(edition: str) -> bytes:
    """The template of ``edition``, byte for byte."""
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}")
    raw = io.BytesIO()
    wb = xlsxwriter.Workbook(raw, {"in_memory": True, "strings_to_formulas": False,
                                   "strings_to_numbers": False, "strings_to_urls": False})
    wb.set_properties({"title": f"政府信息公开工作年度报告统计表（{edition}年版格式）", "author": "reportkit",
                       "created": FIXED_TIME})
    styles = Styles(wb)
    _basic(wb, styles)
    for table in layout.tables(edition):
        _table(wb, styles, table)
    wb.close()
    return normalise(raw.getvalue(), FIXED_TIME)


def main(argv: list[str] | None = None) -> int:
    return _build.main(argv, doc=__doc__, kind="xlsx", make=workbook_bytes, script="build_xlsx_templates.py")


if __name__ == "__main__":
    sys.exit(main())
