"""A report read only in part goes into the clerk's form (``--partial`` and the API): what was read
in its cells, every cell to complete tinted red and commented, every guessed cell tinted blue —
the user completes the form instead of retyping the report; the JSON stays complete-or-nothing."""

from __future__ import annotations

import io
import json

import openpyxl

import reportkit
from reportkit.form.read import read_form
from reportkit.form.write import MARK_FILLS
from reportkit.importing import import_report

from .test_import_hostile import _md_report

MISPRINT = ("|  |  | 2.其他法律行政法规禁止公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
            "|  |  | 2.其他法律行政止公开 | 4 | 0 | 0 | 0 | 0 | 0 | 4 |")
UNKNOWN = ("|  |  | 3.危及“三安全一稳定” | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
           "|  |  | 3.其他原因 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |")
RECEIVED = ("| 一、本年新收政府信息公开申请数量 |  |  | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
            "| 一、本年新收政府信息公开申请数量 |  |  | 5 | 0 | 0 | 0 | 0 | 0 | 5 |")
TOTAL = ("|  | （七）总计 |  | 0 | 0 | 0 | 0 | 0 | 0 | 0 |", "|  | （七）总计 |  | 5 | 0 | 0 | 0 | 0 | 0 | 5 |")


def _partial_md() -> str:
    md = _md_report([])
    for old, new in (MISPRINT, UNKNOWN, RECEIVED, TOTAL):
        assert old in md
        md = md.replace(old, new, 1)
    return md


def _cell(wb, name):
    dest = next(iter(wb.defined_names[name].destinations))
    return wb[dest[0]][dest[1].replace("$", "")]


def test_partial_form_holds_what_was_read_and_marks_the_rest(tmp_path, cli):
    src = tmp_path / "单位.md"
    src.write_text(_partial_md(), encoding="utf-8")
    r = cli("import", src, "--partial", "--json")
    report = json.loads(r.stdout)
    row = report["files"][0]
    assert r.exit_code == 1 and row["ok"] is False and not (tmp_path / "单位.json").exists()
    form = tmp_path / "单位.xlsx"
    assert row["form"] == str(form) and form.stat().st_size > 0
    marks = {(m["path"], m["kind"]) for m in row["marks"]}
    assert ("requests.results.denied.security_stability.natural", "missing") in marks
    assert ("requests.results.denied.prohibited.natural", "guess") in marks
    # the workbook, read back by its cell names: values, tints and comments
    wb = openpyxl.load_workbook(form)
    read = _cell(wb, "rk.requests.results.denied.prohibited.natural")
    assert read.value == 4 and read.fill.fgColor.rgb.endswith(MARK_FILLS["guess"][1:])
    assert "2.其他法律行政止公开" in read.comment.text
    todo = _cell(wb, "rk.requests.results.denied.security_stability.natural")
    assert todo.value is None and todo.fill.fgColor.rgb.endswith(MARK_FILLS["missing"][1:])
    assert todo.comment.text.startswith("待补")
    assert _cell(wb, "rk.requests.received.natural").value == 5
    # the clerk fills the red cells; the form then reads as a complete, valid report
    result = import_report(src)
    for m in result.to_form()[1]:
        if m.kind == "missing" and m.path.startswith("requests.results.denied.security_stability."):
            _cell(wb, "rk." + m.path).value = 1 if m.path.endswith(".natural") else 0
    buf = io.BytesIO()
    wb.save(buf)
    data = read_form(buf.getvalue(), "单位.xlsx").data
    assert data["requests"]["results"]["denied"]["security_stability"]["natural"] == 1
    assert data["requests"]["results"]["denied"]["prohibited"]["natural"] == 4
    assert not [f for f in reportkit.validate(data) if f.is_error]


def test_without_partial_nothing_is_written(tmp_path, cli):
    src = tmp_path / "单位.md"
    src.write_text(_partial_md(), encoding="utf-8")
    r = cli("import", src)
    assert r.exit_code == 1 and not list(tmp_path.glob("单位.*x*")) and not (tmp_path / "单位.json").exists()


def test_api_to_form():
    result = import_report(_partial_md().encode(), name="单位.md")
    raw, marks = result.to_form()
    assert raw[:2] == b"PK" and not result.complete
    assert {m.kind for m in marks} == {"missing", "guess"}
    assert all(m.label and m.message for m in marks)
