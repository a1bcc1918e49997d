"""五 in the unit's own words, 2021's 六 as sub-items, the unit level (issue 21 item 6): the contract
grows additively; what the user gets is read back from the Word report, the web page and the form."""

import zipfile

import docx
import pytest

import reportkit
from reportkit.form import form_bytes
from reportkit.form.read import read_form
from reportkit.reading.html import read_html

from .conftest import XINYI, YUNXI, example

FIVE = "五、存在的主要问题及改进情况"
SIX = "六、其他需要报告的事项"
FEE_RULES = "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"


def render(data, out, formats=("docx", "html")):
    result = reportkit.render(data, out, formats=list(formats))
    return {p.suffix: p for p in result.paths if not p.name.endswith("粘贴用.html")}


def docx_section(path, heading, until):
    """(style, text) of the paragraphs between ``heading`` and ``until`` in the Word report."""
    paras = [(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs]
    start = [t for _, t in paras].index(heading)
    end = next(i for i, (_, t) in enumerate(paras) if i > start and t == until)
    return [p for p in paras[start + 1:end] if p[1]]  # the blank line before the 落款 is layout


def html_section(path, heading, until):
    texts = read_html(path.read_bytes()).paragraphs
    start = texts.index(heading)
    return texts[start + 1:texts.index(until, start)]


def plain(text):
    return [x.strip() for x in text.splitlines() if x.strip()]


def minimal_2021():
    d = example(YUNXI)
    for key in ("rectification", "improvements_heading", "work_points", "proposals", "innovation", "level"):
        d.pop(key)
    return d


def test_five_in_the_units_own_words(tmp_path):
    d = minimal_2021()
    d["problems_heading"], d["improvements_heading"] = "存在问题", "下一步工作打算"
    d["rectification"] = "上年度报告所列问题已全部整改。"
    out = render(d, tmp_path)
    want = [("Heading 2", "（一）上年度问题整改情况"), ("Normal", "上年度报告所列问题已全部整改。"),
            ("Heading 2", "（二）存在问题"), *[("Normal", p) for p in plain(d["problems"])],
            ("Heading 2", "（三）下一步工作打算"), *[("Normal", p) for p in plain(d["improvements"])]]
    assert docx_section(out[".docx"], FIVE, SIX) == want
    assert html_section(out[".html"], FIVE, SIX) == [t for _, t in want]


def test_five_without_headings(tmp_path):
    d = minimal_2021()
    d["five_headings"] = False
    d["rectification"] = "上年度问题已整改。"
    out = render(d, tmp_path)
    want = ["上年度问题已整改。", *plain(d["problems"]), *plain(d["improvements"])]
    assert docx_section(out[".docx"], FIVE, SIX) == [("Normal", t) for t in want]
    assert html_section(out[".html"], FIVE, SIX) == want


def test_a_single_part_with_its_own_heading_is_numbered(tmp_path):
    d = minimal_2021()
    del d["improvements"]
    d["problems_heading"] = "存在的不足"
    sec = docx_section(render(d, tmp_path)[".docx"], FIVE, SIX)
    assert sec[0] == ("Heading 2", "（一）存在的不足") and [t for _, t in sec[1:]] == plain(d["problems"])


def test_six_as_the_2021_sub_items_with_the_fee_paragraph(tmp_path):
    d = example(YUNXI)
    d["other_matters"] = "本年度无其他需要报告的事项。"
    out = render(d, tmp_path)
    unpaid = sum(d["requests"]["results"]["other"]["unpaid_fee"].values())
    fee = (f"本年度，本机关依据{FEE_RULES}收取信息处理费，发出收费通知14件，收费通知总金额2460.00元，"
           f"实际收取信息处理费1180.00元。因申请人逾期未按收费通知要求缴纳费用、本机关不再处理的政府信息公开申请{unpaid}件。")
    want = [("Heading 2", "（一）信息处理费"), ("Normal", fee),
            ("Heading 2", "（二）落实上级年度政务公开工作要点情况"), ("Normal", d["work_points"]),
            ("Heading 2", "（三）人大代表建议和政协提案办理结果公开情况"), ("Normal", d["proposals"]),
            ("Heading 2", "（四）政务公开工作创新情况"), ("Normal", d["innovation"]),
            ("Heading 2", "（五）其他事项"), ("Normal", "本年度无其他需要报告的事项。")]
    assert docx_section(out[".docx"], SIX, d["agency"]) == want
    assert html_section(out[".html"], SIX, d["agency"]) == [t for _, t in want]


def test_six_without_fee_figures_says_no_fee_was_charged(tmp_path):
    d = minimal_2021()
    del d["fees"]
    for row in d["requests"]["results"]["other"]["unpaid_fee"]:
        d["requests"]["results"]["other"]["other"][row] += d["requests"]["results"]["other"]["unpaid_fee"][row]
        d["requests"]["results"]["other"]["unpaid_fee"][row] = 0
    d.pop("other_matters", None)
    d["proposals"] = "本年度未承办建议提案。"
    sec = docx_section(render(d, tmp_path, ("docx",))[".docx"], SIX, d["agency"])
    assert sec == [("Heading 2", "（一）信息处理费"), ("Normal", "本年度，本机关未收取政府信息公开信息处理费。"),
                   ("Heading 2", "（二）人大代表建议和政协提案办理结果公开情况"), ("Normal", "本年度未承办建议提案。")]


def test_the_sub_items_of_six_belong_to_the_2021_format():
    d = example(XINYI)
    d["work_points"] = "已落实。"
    [f] = [f for f in reportkit.validate(d) if f.is_error]
    assert f.code == "schema.unknown-key" and f.path == "$.work_points" and "2021 格式" in f.message


def test_the_unit_level_is_one_of_the_listed_levels():
    d = example(YUNXI)
    d["level"] = "县级"
    [f] = reportkit.validate(d)
    assert f.path == "$.level" and f.label == "单位层级" and "县级部门" in f.message and "乡镇（街道）" in f.message


def _docx_xml(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.mark.parametrize("base", [XINYI, YUNXI], ids=["2019", "2021"])
def test_the_defaults_written_out_render_byte_for_byte_as_left_out(tmp_path, base):
    """The new fields are additive: a report without them renders as before.  Writing their
    defaults out changes nothing in the Word report and the workbook."""
    d = example(base)
    for key in ("rectification", "improvements_heading", "work_points", "proposals", "innovation", "level"):
        d.pop(key, None)
    assert d.get("improvements")
    explicit = dict(d, problems_heading="存在的主要问题", improvements_heading="改进情况", five_headings=True,
                    level="乡镇（街道）")
    a = reportkit.render(d, tmp_path / "a", formats=["docx", "xlsx", "html"])
    b = reportkit.render(explicit, tmp_path / "b", formats=["docx", "xlsx", "html"])
    for pa, pb in zip(sorted(a.paths), sorted(b.paths)):
        if pa.suffix in (".docx", ".xlsx", ".html"):
            assert pa.read_bytes() == pb.read_bytes(), pa.name


@pytest.mark.parametrize("base", [XINYI, YUNXI], ids=["2019", "2021"])
def test_the_form_carries_the_new_fields_both_ways(base):
    d = example(base)
    d.update(level="设区的市部门", rectification="上年度问题已整改。\n第二段。", problems_heading="存在问题",
             improvements_heading="改进措施", rectification_heading="上年问题整改", five_headings=False)
    if d["format"] == "2021":
        d.update(work_points="要点一。\n要点二。", proposals="建议提案。", innovation="创新。")
    raw = form_bytes(d)
    back = read_form(raw, "form.xlsx")
    assert back.reading == []
    for key in ("level", "rectification", "problems_heading", "improvements_heading", "rectification_heading",
                "five_headings", "work_points", "proposals", "innovation"):
        assert back.data.get(key) == d.get(key), key
    assert back.data == d
    # each new field has its own cell, named after its path, labelled as the contract labels it
    assert back.cells["$.level"].startswith("基本信息!") and back.cells["$.rectification"].startswith("正文!")
    if d["format"] == "2021":
        assert back.cells["$.innovation"].startswith("正文!")


def test_a_level_typed_into_the_form_is_read_with_the_listed_spelling():
    from .formtools import cell, open_form, save

    wb = open_form(form_bytes(example(YUNXI)))
    cell(wb, "rk.level").value = "乡镇(街道)"  # half-width brackets, as a clerk may type them
    assert read_form(save(wb), "f.xlsx").data["level"] == "乡镇（街道）"
    cell(wb, "rk.level").value = "镇政府"
    back = read_form(save(wb), "f.xlsx")
    [f] = back.reading
    assert f.path == "$.level" and f.where.startswith("基本信息!") and "单位层级" in f.label


def test_next_years_skeleton_keeps_the_level_and_the_headings_not_the_text():
    from reportkit.contract.skeleton import skeleton

    prev = example(YUNXI)
    prev["five_headings"] = False
    nxt = skeleton(2022, prev["agency"], previous=prev)
    assert nxt["level"] == "县级部门" and nxt["improvements_heading"] == "改进措施" and nxt["five_headings"] is False
    assert "rectification" not in nxt and "work_points" not in nxt


def test_the_importer_keeps_five_headings_in_the_units_own_words(tmp_path):
    from reportkit.importing import import_report

    d = example(XINYI)
    d["problems_heading"], d["improvements_heading"] = "存在问题", "下一步工作打算"
    made = reportkit.render(d, tmp_path / "a", formats=["docx"])
    got = import_report(next(p for p in made.paths if p.suffix == ".docx")).data
    assert (got["problems_heading"], got["improvements_heading"]) == ("存在问题", "下一步工作打算")
    assert got["problems"] == d["problems"] and got["improvements"] == d["improvements"]
    plain_made = reportkit.render(example(XINYI), tmp_path / "b", formats=["docx"])
    got = import_report(next(p for p in plain_made.paths if p.suffix == ".docx")).data
    assert "problems_heading" not in got and "improvements_heading" not in got  # the defaults are not written


@pytest.mark.parametrize("base", [XINYI, YUNXI], ids=["2019", "2021"])
def test_a_form_made_before_the_new_fields_reads_as_before(base):
    """Forms already handed out have no cells for the new fields: reportkit finds inputs by their
    defined names, so such a form is one without those names; it reads without a finding."""
    from .formtools import open_form, save

    d = example(base)
    for key in ("level", "rectification", "improvements_heading", "work_points", "proposals", "innovation"):
        d.pop(key, None)
    wb = open_form(form_bytes(d))
    added = ("level", "rectification", "problems_heading", "improvements_heading", "rectification_heading",
             "five_headings", "work_points", "proposals", "innovation")
    gone = [n for n in list(wb.defined_names) if n.removeprefix("rk.") in added]
    assert len(gone) == (9 if d["format"] == "2021" else 6)
    for name in gone:
        del wb.defined_names[name]
    back = read_form(save(wb), "old.xlsx")
    assert back.reading == [] and back.data == d


@pytest.mark.parametrize("kind", ["docx", "html"])
def test_templates_check_warns_when_a_template_prints_no_parts_of_five(tmp_path, kind):
    """A template written before doc.five (e.g. exported by an older reportkit) still renders old
    reports, and ``templates check`` says what it cannot print."""
    from reportkit.resources import template_path
    from reportkit.templating.check import check_docx, check_html

    from .test_docx import template_dir

    if kind == "docx":
        path = template_dir(tmp_path, "{%p for b in doc.five %}", "{%p for b in doc.six %}") / "docx" / "report-2021.docx"
        problems = check_docx(path, "2021")
    else:
        path = tmp_path / "report-2021.html"
        path.write_text(template_path("html", "2021").read_text(encoding="utf-8").replace("doc.five", "doc.six"),
                        encoding="utf-8")
        problems = check_html(path, "2021")
    assert [(p.severity, p.field) for p in problems] == [("warning", "doc.five")]
    assert "上年度问题整改情况" in problems[0].message and "reportkit templates export" in problems[0].message
