"""The clerk's form (issue 10.2–10.4): what the workbook holds, read back exactly, filled by another
program, and every bad cell reported at its sheet and cell with its label."""

from __future__ import annotations

import io
import json
import re
import zipfile

import openpyxl
import pytest

import reportkit
from reportkit.contract import official as c
from reportkit.contract import tables as layout
from reportkit.form import form_bytes
from reportkit.form import fields as F
from reportkit.reading import locate
from reportkit.reading.xlsx import read_book, read_xlsx
from reportkit.contract.skeleton import skeleton
from reportkit.contract.totals import completed

from .conftest import XINYI, YUNXI, example
from .corpus import corpus
from .formtools import cell, destination, fill, input_names, open_form, save, shift, where

EXAMPLES = {"2019": XINYI, "2021": YUNXI}


def same(a: dict, b: dict) -> bool:
    """Equal keys, values and JSON types (an amount "12.50" is not 12.5)."""
    return json.dumps(a, sort_keys=True, ensure_ascii=False) == json.dumps(b, sort_keys=True, ensure_ascii=False)


def load_bytes(raw: bytes, name="2021.xlsx"):
    return reportkit.load(raw, name=name)


@pytest.fixture(scope="module")
def forms():
    return {ed: form_bytes(example(path)) for ed, path in EXAMPLES.items()}


# ------------------------------------------------------------------------------ round trip

@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_examples_round_trip_exactly(edition, forms, tmp_path):
    data = example(EXAMPLES[edition])
    path = tmp_path / "form.xlsx"
    path.write_bytes(forms[edition])
    report = reportkit.load(path)  # the public API takes the workbook like a JSON file
    assert same(report.data, data)
    assert report.reading == []
    assert [(f.code, f.path) for f in reportkit.validate(report)] == [(f.code, f.path) for f in reportkit.validate(data)]


def test_two_hundred_random_reports_round_trip_exactly():
    for seed, data in enumerate(corpus(200)):
        report = load_bytes(form_bytes(data))
        assert same(report.data, data), seed
        assert not [f for f in report.reading if f.is_error], seed


def test_text_keeps_its_line_breaks_and_characters():
    data = example(YUNXI)
    data["problems"] = "第一段：“引号”、《书名》（括号）；\n第二段 with Latin 123。\n\n  第四段前有空格"
    data["overview"]["sections"][0]["title"] = "=SUM(A1)"  # text that looks like a formula stays text
    report = load_bytes(form_bytes(data))
    assert report.data["problems"] == data["problems"]
    assert report.data["overview"]["sections"][0]["title"] == "=SUM(A1)"


def test_same_data_same_bytes():
    assert form_bytes(example(YUNXI)) == form_bytes(example(YUNXI))


# ------------------------------------------------------------------------------ the workbook

@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_tables_have_the_official_layout_and_every_figure(edition, forms):
    """The form's tables read like the filing set's: every figure — totals included — located by its
    official row and column labels, with the values of the data (totals from their cached results)."""
    data = example(EXAMPLES[edition])
    done = completed(data, edition)
    located = locate(read_xlsx(forms[edition]))
    assert located.edition == edition
    want = {f.path: done for f in layout.figures(edition)}
    assert set(located.hits) == set(want)
    for path, hit in located.hits.items():
        value = done
        for p in path.split("."):
            value = value[p]
        assert float(hit.text) == float(value), (path, hit)
        assert hit.stored == "n"


@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_same_merges_and_labels_as_the_filing_set(edition, forms, tmp_path):
    res = reportkit.render(example(EXAMPLES[edition]), tmp_path, formats=["xlsx"])
    filing = openpyxl.load_workbook(res.paths[0])
    form = open_form(forms[edition])
    for sheet in ("二、主动公开", "三、依申请公开", "四、复议诉讼"):
        a, b = filing[sheet], form[sheet]
        table = {str(m) for m in a.merged_cells.ranges}
        assert table <= {str(m) for m in b.merged_cells.ranges}, sheet
        labels = {(x.coordinate, x.value) for row in a.iter_rows() for x in row
                  if isinstance(x.value, str) and not x.value[:1].isdigit()}
        assert labels <= {(x.coordinate, x.value) for row in b.iter_rows() for x in row}, sheet


@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_every_input_is_named_unlocked_tinted_and_validated(edition, forms):
    wb = open_form(forms[edition])
    names = set(input_names(wb))
    want = {F.NAME_PREFIX + f.path for f in layout.figures(edition) if not f.computed}
    want |= {F.NAME_PREFIX + p for p in F.BASIC_PATHS}
    want |= {F.NAME_PREFIX + i.path for group in F.text_inputs(edition) for i in group}
    want |= {F.NAME_PREFIX + f"overview.sections.{n}.{k}" for n in range(1, 13) for k in ("title", "text")}
    if edition == "2019":
        want.add(F.NAME_PREFIX + "proactive.procurement.amount_unit")
    assert names == want
    validations = {}
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            for rng in str(dv.sqref).split():
                validations[(ws.title, rng)] = dv
    for name in names:
        target = cell(wb, name)
        assert target.protection.locked is False, name
        assert target.fill.fgColor.rgb.endswith("FFF2CC"), name
        ws, ref = destination(wb, name)
        dv = validations[(ws.title, ref)]
        assert dv.showInputMessage and dv.showErrorMessage and dv.prompt and dv.error, name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in dv.prompt + dv.error), name
    kinds = {f.path: f.value_kind for f in layout.figures(edition)}
    for path, kind in kinds.items():
        if F.NAME_PREFIX + path not in names:
            continue
        ws, ref = destination(wb, F.NAME_PREFIX + path)
        dv = validations[(ws.title, ref)]
        if kind == c.COUNT:
            assert (dv.type, dv.formula1, dv.formula2) == ("whole", "0", str(c.MAX_COUNT))
        elif kind == c.SIGNED:
            assert (dv.type, dv.formula1) == ("whole", str(-c.MAX_COUNT))
        else:
            assert (dv.type, dv.formula1) == ("decimal", "0")


@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_locked_protected_structure_locked_and_marked(edition, forms):
    wb = open_form(forms[edition])
    assert wb.security is not None and wb.security.lockStructure
    for ws in wb.worksheets:
        assert ws.protection.sheet and not ws.protection.password, ws.title
    ws = wb["三、依申请公开"]
    label = next(x for row in ws.iter_rows() for x in row if x.value == "（一）予以公开")
    assert label.protection.locked is not False
    meta = wb[F.META_SHEET]
    assert meta.sheet_state == "veryHidden"
    values = {meta.cell(r, 1).value: meta.cell(r, 2).value for r in range(1, meta.max_row + 1)}
    assert values["格式版本"] == edition and values["表单版本"] == str(F.FORM_VERSION)


@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_totals_and_balance_check_are_live_formulas_with_cached_results(edition, forms):
    data = example(EXAMPLES[edition])
    done = completed(data, edition)
    wb = open_form(forms[edition])
    book = read_book(forms[edition])
    located = locate(read_xlsx(forms[edition]))
    for f in layout.figures(edition):
        hit = located.hits[f.path]
        sheet, ref = hit.where.split("!")
        stored = book.sheet(sheet).cells[openpyxl.utils.cell.coordinate_to_tuple(ref)[0] - 1,
                                         openpyxl.utils.cell.coordinate_to_tuple(ref)[1] - 1]
        assert (stored.formula is not None) == f.computed, f.path
        if f.computed:
            assert stored.formula.startswith("SUM("), (f.path, stored.formula)
            value = done
            for p in f.path.split("."):
                value = value[p]
            assert stored.text == str(value)  # the cached result a non-calculating reader sees
    ws, ref = destination(wb, F.CHECK_NAME)
    row = ws[ref]
    assert len(row[0]) == 7
    assert all(x.data_type == "f" and x.value.startswith("=") for x in row[0])
    assert all(v.text == "0" for (r, _), v in book.sheet(ws.title).cells.items()
               if r == row[0][0].row - 1 and v.formula)
    rules = [r for cf in ws.conditional_formatting for r in cf.rules if ref.replace("$", "").split(":")[0] in str(cf.sqref)]
    assert rules and rules[0].operator == "notEqual" and rules[0].formula == ["0"]
    assert rules[0].dxf.fill.bgColor.rgb.endswith("FFC7CE")


def test_check_row_turns_nonzero_for_unbalanced_data(forms):
    data = example(YUNXI)
    data["requests"]["received"]["natural"] += 3
    book = read_book(form_bytes(data))
    wb = open_form(form_bytes(data))
    ws, ref = destination(wb, F.CHECK_NAME)
    first = ws[ref][0][0]
    assert book.sheet(ws.title).cells[(first.row - 1, first.column - 1)].text == "3"


# ------------------------------------------------------------------------------ filled elsewhere

def _rendered(source, out):
    res = reportkit.render(source, out, formats=["docx", "xlsx"])
    return {p.suffix: p.read_bytes() for p in res.paths if p.suffix != ".json"}


@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_form_filled_through_openpyxl_renders_the_same_filing_set(edition, tmp_path):
    data = example(EXAMPLES[edition])
    wb = open_form(form_bytes(skeleton(data["year"], "占位单位")))
    fill(wb, data)
    for n in range(len(data["overview"]["sections"]) + 1, 13):  # the skeleton's spare sub-sections
        cell(wb, f"rk.overview.sections.{n}.title").value = None
    if "rollup" not in data:
        cell(wb, "rk.rollup").value = None
    filled = tmp_path / "filled.xlsx"
    filled.write_bytes(save(wb))
    want = _rendered(data, tmp_path / "json")
    assert _rendered(filled, tmp_path / "form") == want

    # again after inserting rows above each table and moving table 四 two columns to the right
    wb = open_form(filled.read_bytes())
    for sheet in ("二、主动公开", "三、依申请公开", "四、复议诉讼"):
        shift(wb, wb[sheet], rows=2)
    shift(wb, wb["四、复议诉讼"], cols=2)
    moved = tmp_path / "moved.xlsx"
    moved.write_bytes(save(wb))
    report = reportkit.load(moved)
    assert report.cells["$.appeals.reconsideration.upheld"] == "四、复议诉讼!C7"  # was A5
    assert _rendered(report, tmp_path / "moved") == want


# ------------------------------------------------------------------------------ bad cells

def _with(raw: bytes, **values) -> bytes:
    wb = open_form(raw)
    for name, value in values.items():
        cell(wb, "rk." + name.replace("__", ".")).value = value
    return save(wb)


def _findings(raw: bytes):
    return reportkit.validate(load_bytes(raw))


@pytest.mark.parametrize("typed,read", [("12", 12), ("１２", 12), ("12.0", 12), (" 12 ", 12)])
def test_count_typed_as_text_is_the_number_with_a_warning(typed, read, forms):
    raw = _with(forms["2021"], requests__received__natural=typed)
    report = load_bytes(raw)
    assert report.data["requests"]["received"]["natural"] == read
    warn = [f for f in report.reading if f.code == "form.text-number"]
    assert len(warn) == 1 and warn[0].severity == "warning"
    wb = open_form(raw)
    text = warn[0].text()
    assert where(wb, "rk.requests.received.natural") in text
    assert "一、本年新收政府信息公开申请数量" in text and "自然人" in text and typed.strip() in text


def test_blank_inputs_are_zero_with_one_warning_per_table(forms):
    wb = open_form(forms["2021"])
    for path in ("requests.results.granted.natural", "requests.results.granted.business",
                 "requests.received.natural", "appeals.litigation.upheld"):
        cell(wb, "rk." + path).value = None
    report = load_bytes(save(wb))
    assert report.data["requests"]["results"]["granted"]["natural"] == 0
    assert report.data["appeals"]["litigation"]["upheld"] == 0
    blank = [f for f in report.reading if f.code == "form.blank"]
    assert sorted(f.path for f in blank) == ["$.appeals", "$.requests"]
    req = next(f for f in blank if f.path == "$.requests")
    assert req.severity == "warning" and "3 个空白单元格" in req.message
    assert req.where.startswith("三、依申请公开!")


@pytest.mark.parametrize("typed,what", [("十二", "十二"), ("12件", "12件"), ("=D6+1", "公式"),
                                        (True, "TRUE"), (12.5, "12.5")])
def test_bad_count_is_an_error_at_its_cell_with_its_label(typed, what, forms, tmp_path, cli):
    raw = _with(forms["2021"], requests__results__denied__third_party__natural=typed)
    wb = open_form(raw)
    errors = [f for f in _findings(raw) if f.is_error]
    assert len(errors) == 1, [f.text() for f in errors]
    text = errors[0].text()
    assert where(wb, "rk.requests.results.denied.third_party.natural") in text
    assert "4.保护第三方合法权益" in text and "自然人" in text and what in text
    assert "$.requests.results.denied.third_party.natural" in text
    path = tmp_path / "2021.xlsx"
    path.write_bytes(raw)
    r = cli("validate", path)
    assert r.exit_code == 1 and "Traceback" not in r.output and where(wb, "rk.requests.results.denied.third_party.natural") in r.output
    r = cli("render", path, "--formats", "xlsx")
    assert r.exit_code == 1 and not (tmp_path / "2021").exists()
    r = cli("validate", path, "--json")
    finding = r.json()["files"][0]["findings"][0]
    assert finding["where"] == where(wb, "rk.requests.results.denied.third_party.natural")


def test_bad_amount_date_and_choice_are_errors_at_their_cells(forms):
    raw = _with(forms["2019"], proactive__procurement__amount="一百万", published="去年年底",
                rollup="也许", proactive__procurement__amount_unit="美元")
    wb = open_form(raw)
    errors = {f.path: f.text() for f in _findings(raw) if f.is_error}
    for path, label in (("proactive.procurement.amount", "采购总金额"), ("published", "发布日期"),
                        ("rollup", "汇总报告"), ("proactive.procurement.amount_unit", "金额单位")):
        text = errors["$." + path]
        assert where(wb, "rk." + path) in text and label in text


def test_validation_findings_name_the_cell(forms):
    raw = _with(forms["2021"], requests__received__natural=-1, problems=None, agency=None)
    wb = open_form(raw)
    texts = {f.path: f.text() for f in _findings(raw)}
    assert where(wb, "rk.requests.received.natural") in texts["$.requests.received.natural"]
    assert where(wb, "rk.problems") in texts["$.problems"] and "五、存在的主要问题及改进情况" in texts["$.problems"]
    assert where(wb, "rk.agency") in texts["$.agency"]


def test_unbalanced_form_points_at_the_check_row(forms):
    raw = _with(forms["2021"], requests__received__natural=999)
    balance = [f for f in _findings(raw) if f.code == "balance"]
    assert balance and all(re.fullmatch(r"三、依申请公开![D-J]\d+", f.where or "") for f in balance)
    natural = [f for f in balance if f.path == "$.requests.received.natural"]
    assert natural and natural[0].where.startswith("三、依申请公开!D")  # the 自然人 column of the check row


def test_a_deleted_sheet_is_a_clear_error(forms, tmp_path, cli):
    wb = open_form(forms["2021"])
    wb.security.lockStructure = False
    del wb["四、复议诉讼"]
    path = tmp_path / "2021.xlsx"
    path.write_bytes(save(wb))
    with pytest.raises(reportkit.DataError) as exc:
        reportkit.load(path)
    assert "四、复议诉讼" in str(exc.value) and str(path) in str(exc.value)
    r = cli("validate", path)
    assert r.exit_code == 1 and "四、复议诉讼" in r.output and "Traceback" not in r.output


def test_a_deleted_row_is_located(forms):
    wb = open_form(forms["2021"])
    wb.defined_names["rk.requests.carried_forward.other"].attr_text = "#REF!"
    errors = [f for f in _findings(save(wb)) if f.is_error]
    assert len(errors) == 1 and "四、结转下年度继续办理" in errors[0].text() and "已被删除" in errors[0].message


def test_a_form_of_the_other_edition(forms, tmp_path, cli):
    # the 2019 form (for 2019 and 2020) given a 2021 report year
    raw = _with(forms["2019"], year=2021)
    wb = open_form(raw)
    errors = [f for f in _findings(raw) if f.is_error]
    assert len(errors) == 1 and errors[0].code == "form.edition"
    assert where(wb, "rk.year") in errors[0].text() and "2019" in errors[0].message and "reportkit init" in errors[0].message
    # a form whose hidden mark says 2021 but whose tables are 2019's
    wb = open_form(forms["2019"])
    meta = wb[F.META_SHEET]
    meta["B2"] = "2021"
    path = tmp_path / "mixed.xlsx"
    path.write_bytes(save(wb))
    r = cli("validate", path)
    assert r.exit_code == 1 and "2019 格式" in r.output and "Traceback" not in r.output


def test_a_workbook_that_is_not_a_form(tmp_path, cli):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "随便一张表"
    path = tmp_path / "other.xlsx"
    wb.save(path)
    r = cli("validate", path)
    assert r.exit_code == 1 and "不是 reportkit 填报表单" in r.output and "reportkit init" in r.output
    assert "Traceback" not in r.output
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    r = cli("validate", broken)
    assert r.exit_code == 1 and "Traceback" not in r.output and "zip" in r.output


def test_the_filing_set_workbook_is_not_the_form(tmp_path, cli):
    res = reportkit.render(example(YUNXI), tmp_path / "out", formats=["xlsx"])
    r = cli("validate", res.paths[0])
    assert r.exit_code == 1 and "申报材料" in r.output and "不是填报表单" in r.output


def test_line_breaks_stored_by_excel_are_read_as_newlines(forms):
    raw = _with(forms["2021"], problems="第一段CRLF第二段CR第三段ESC第四段")
    z = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in z.infolist():
            body = z.read(info.filename)
            if info.filename.startswith("xl/") and info.filename.endswith(".xml"):
                body = (body.replace("CRLF".encode(), b"&#13;\n").replace("CR".encode(), b"&#13;")
                        .replace("ESC".encode(), b"_x000D_\n"))
            dst.writestr(info, body)
    assert load_bytes(out.getvalue()).data["problems"] == "第一段\n第二段\n第三段\n第四段"


# ------------------------------------------------------------------------------ the commands

def test_init_writes_the_form_and_render_reads_it(tmp_path, cli):
    form = tmp_path / "2021.xlsx"
    r = cli("init", "--year", 2021, "--agency", "云溪县自然资源局", "-o", form)
    assert r.exit_code == 0 and form.exists() and "reportkit render" in r.output
    wb = open_form(form.read_bytes())
    assert cell(wb, "rk.agency").value == "云溪县自然资源局" and cell(wb, "rk.year").value == 2021
    r = cli("validate", form)
    assert r.exit_code == 1 and "正文!" in r.output  # the texts still to be written, at their cells
    fill(wb, example(YUNXI))
    form.write_bytes(save(wb))
    r = cli("render", form, "--formats", "docx,xlsx")
    assert r.exit_code == 0, r.output
    assert {p.suffix for p in (tmp_path / "2021").iterdir()} == {".docx", ".xlsx", ".json"}
    r = cli("init", "--year", 2022, "--from", form, "-o", tmp_path / "2022.xlsx")
    assert r.exit_code == 0
    nxt = reportkit.load(tmp_path / "2022.xlsx").data
    assert nxt["agency"] == "云溪县自然资源局"
    assert nxt["requests"]["carried_over"] == {k: v for k, v in example(YUNXI)["requests"]["carried_forward"].items()
                                                if k != "total"}


def test_convert_both_ways(tmp_path, cli):
    form, back = tmp_path / "y.xlsx", tmp_path / "y.json"
    assert cli("convert", YUNXI, form).exit_code == 0
    assert cli("convert", form, back).exit_code == 0
    assert same(json.loads(back.read_text(encoding="utf-8")), example(YUNXI))
    r = cli("convert", YUNXI, form)
    assert r.exit_code == 2 and "--force" in r.output
    assert cli("convert", YUNXI, tmp_path / "x.json").exit_code == 2
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_with(form.read_bytes(), requests__received__natural="十二"))
    r = cli("convert", bad, tmp_path / "bad.json")
    assert r.exit_code == 1 and "十二" in r.output and not (tmp_path / "bad.json").exists()


def test_convert_refuses_what_a_form_cannot_hold(tmp_path, cli, write):
    d = example(YUNXI)
    d["requests"]["received"]["total"] = 1  # a printed total that is not the sum
    r = cli("convert", write(d), tmp_path / "f.xlsx")
    assert r.exit_code == 1 and "总计" in r.output and not (tmp_path / "f.xlsx").exists()
    d = example(YUNXI)
    d["colour"] = "red"
    r = cli("convert", write(d), tmp_path / "f.xlsx")
    assert r.exit_code == 1 and "$.colour" in r.output


def test_validating_many_reports_never_changes_the_data(d2019):
    """The compiled schema check must not write the schema's defaults into the data (a 2019 report
    without a unit then printed 采购总金额（万元）, issue 7.11)."""
    report = reportkit.load(d2019)
    for _ in range(3):
        assert [f.code for f in reportkit.validate(report)] == ["published-missing"]
    assert "amount_unit" not in report.data["proactive"]["procurement"]


def test_batch_of_forms_and_json(tmp_path, cli):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    a.write_bytes(form_bytes(example(YUNXI)))
    b.write_bytes(_with(form_bytes(example(XINYI)), requests__received__legal="十二"))
    r = cli("validate", a, b, XINYI)
    assert r.exit_code == 1 and "十二" in r.output
    r = cli("render", a, XINYI, "-o", tmp_path / "out", "--formats", "xlsx")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["云溪县自然资源局-2021", "新义街道办事处-2020"]
