"""What offices really print, read as they mean it: a blank 总计 is a total not printed (not 0),
发布日期 lines, a 六 of just “无。”, the 2021 六's four sub-items, misprinted 三 labels decided by the
table and the 2019 single （六） row in a 2021 table, a title broken after its year, the date a web page
prints under its title, sections numbered otherwise and a 五 without its heading."""

from __future__ import annotations

from pathlib import Path

import reportkit
from reportkit.importing import import_report

from .test_import_hostile import _md_report

REAL = Path(__file__).parent / "data" / "real"


def _with(md: str, old: str, new: str, count: int = 1) -> str:
    assert old in md
    return md.replace(old, new, count)


def test_a_blank_total_is_not_printed_not_zero():
    md = _md_report([])
    # 一、本年新收 with figures and its 总计 left blank
    md = _with(md, "| 一、本年新收政府信息公开申请数量 |  |  | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
               "| 一、本年新收政府信息公开申请数量 |  |  | 5 | 1 | 0 | 0 | 0 | 0 |  |")
    md = _with(md, "| 三、本年度办理结果 | （一）予以公开 |  | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
               "| 三、本年度办理结果 | （一）予以公开 |  | 5 | 1 | 0 | 0 | 0 | 0 |  |")
    md = _with(md, "|  | （七）总计 |  | 0 | 0 | 0 | 0 | 0 | 0 | 0 |", "|  | （七）总计 |  | 5 | 1 | 0 | 0 | 0 | 0 |  |")
    result = import_report(md.encode(), name="空白总计.md")
    req = result.data["requests"]
    assert "total" not in req["received"] and req["received"]["natural"] == 5
    assert "requests.received.total" in {n.path for n in result.of_kind("not-printed")}
    assert "requests.received.total" not in {n.path for n in result.of_kind("blank")}
    assert result.complete
    errors = [f for f in reportkit.validate(result.data) if f.is_error]
    assert not errors, [f.message for f in errors]  # no false 总计 errors


def test_published_date_line_and_six_of_just_wu():
    md = _md_report([])
    md = _with(md, "# 某某局2021年政府信息公开工作年度报告", "# 某某局2021年政府信息公开工作年度报告\n\n发布日期：2022-01-28")
    result = import_report(md.encode(), name="发布日期.md")
    assert result.data["published"] == "2022-01-28"
    assert result.data["other_matters"] == "无。"
    assert any("发布日期" in n.message for n in result.of_kind("guess"))


def test_the_2021_six_sub_items_are_recognised():
    md = _md_report([])
    md = _with(md, "六、其他需要报告的事项\n\n无。",
               "六、其他需要报告的事项\n\n（一）信息处理费\n\n本机关未收取信息处理费。\n\n（二）落实上级年度政务公开工作要点情况\n\n"
               "已全部落实。\n\n（三）人大代表建议和政协提案办理结果公开情况\n\n公开 3 件。\n\n（四）政务公开工作创新情况\n\n开设专栏。")
    result = import_report(md.encode(), name="六.md")
    note = next(n for n in result.of_kind("variant") if n.path == "other_matters")
    for item in ("信息处理费", "落实上级年度政务公开工作要点情况", "人大代表建议和政协提案办理结果公开情况", "政务公开工作创新情况"):
        assert item in note.message
    assert "开设专栏。" in result.data["other_matters"] and "（一）信息处理费" in result.data["other_matters"]


def test_a_misprinted_label_is_a_guess_an_unknown_one_is_listed():
    md = _md_report([])
    md = _with(md, "|  |  | 2.其他法律行政法规禁止公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
               "|  |  | 2.其他法律行政止公开 | 3 | 0 | 0 | 0 | 0 | 0 | 3 |")
    md = _with(md, "|  |  | 3.危及“三安全一稳定” | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
               "|  |  | 3.其他原因 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |")
    result = import_report(md.encode(), name="印错.md")
    got = {f.path: f.value for f in result.figures}
    assert got["requests.results.denied.prohibited.natural"] == 3
    guess = next(n for n in result.of_kind("guess") if n.path == "requests.results.denied.prohibited.natural")
    assert guess.printed == "2.其他法律行政止公开" and guess.official == "2.其他法律行政法规禁止公开"
    # “3.其他原因” is not like “3.危及“三安全一稳定””: listed, not read, the report incomplete
    assert "requests.results.denied.security_stability.natural" not in got
    assert any(n.printed == "3.其他原因" for n in result.of_kind("ambiguous")) and not result.complete


def test_the_2019_single_other_row_in_a_2021_table():
    md = _md_report([])
    rows = [line for line in md.splitlines() if "（六）其他处理" in line or line.startswith("|  |  | 2.申请人逾期")
            or line.startswith("|  |  | 3.其他 ")]
    assert len(rows) == 3
    single = "|  | （六）其他处理 |  | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"
    zero = md.replace(rows[0], single).replace(rows[1] + "\n", "").replace(rows[2] + "\n", "")
    result = import_report(zero.encode(), name="六其他处理.md")
    got = {f.path: f.value for f in result.figures}
    for leaf in ("no_correction", "unpaid_fee", "other"):
        assert got[f"requests.results.other.{leaf}.natural"] == 0
    assert sum("2019 版的单行" in n.message for n in result.of_kind("guess")) == 3 and result.complete
    nonzero = zero.replace(single, "|  | （六）其他处理 |  | 2 | 0 | 0 | 0 | 0 | 0 | 2 |")
    result = import_report(nonzero.encode(), name="六其他处理2.md")
    assert "requests.results.other.other.natural" not in {f.path for f in result.figures}
    assert any("无法拆分" in n.message for n in result.of_kind("ambiguous")) and not result.complete


def test_a_misprinted_head_of_table_four():
    """``行政法复议`` over the first five columns of 四, beside a good ``行政诉讼``: read as 行政复议, a guess."""
    md = _md_report([])
    head = next(line for line in md.splitlines() if line.startswith("| 行政复议 |"))
    md = md.replace(head, head.replace("行政复议", "行政法复议"))
    result = import_report(md.encode(), name="行政法复议.md")
    got = {f.path for f in result.figures}
    assert {f"appeals.reconsideration.{k}" for k in ("upheld", "corrected", "other", "pending")} <= got
    guess = [n for n in result.of_kind("guess") if n.printed == "行政法复议"]
    assert guess and guess[0].official == "行政复议" and result.complete


def test_a_provinces_extra_row_is_a_note_not_data():
    md = _md_report([])
    md = md.replace("| 行政规范性文件 | 0 | 0 | 0 |", "| 行政规范性文件 | 0 | 0 | 0 |\n| 其他主动公开文件 | 5 | 3 | 40 |", 1)
    result = import_report(md.encode(), name="其他主动公开文件.md")
    extra = result.of_kind("extra")
    assert [n.printed for n in extra] == ["其他主动公开文件"] and "5、3、40" in extra[0].message
    assert result.complete and 40 not in {f.value for f in result.figures}


def test_labels_split_over_two_rows_are_joined():
    """A text copy whose 三 head broke 商业企业 and 科研机构 over two rows (``商业企`` / ``业``)."""
    md = _md_report([])
    head = "|  |  |  |  | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 |  |"
    assert head in md
    md = md.replace(head, "|  |  |  |  | 商业企 | 科研机 | 社会公益组织 | 法律服务机构 | 其他 |  |\n"
                          "|  |  |  |  | 业 | 构 |  |  |  |  |")
    md = md.replace("| 一、本年新收政府信息公开申请数量 |  |  | 0 | 0 | 0 |", "| 一、本年新收政府信息公开申请数量 |  |  | 0 | 7 | 0 |")
    result = import_report(md.encode(), name="拆开.md")
    got = {f.path: f.value for f in result.figures}
    assert got["requests.received.business"] == 7 and "requests.received.research" in got
    assert {n.official for n in result.of_kind("variant") if n.printed and "|" in n.printed} == {"商业企业", "科研机构"}


def test_a_2019_report_with_2021_heads_in_table_two():
    """A 2019 report whose 表二 printed the 2021 heads: its columns do not map one to one; said so,
    not guessed; the rest of the report is read."""
    from reportkit.contract import tables as layout

    lines = ["# 某某局2019年政府信息公开工作年度报告", "", "一、总体情况", "", "良好。", ""]
    for t in layout.tables("2019"):
        lines += ["", {"proactive": "二、主动公开政府信息情况", "requests": "三、收到和处理政府信息公开申请情况",
                       "appeals": "四、政府信息公开行政复议、行政诉讼情况"}[t.key], ""]
        for r, row in enumerate(t.grid()):
            cells = [("0" if cell.is_figure else cell.text) if (r0, c0) == (r, c) else ""
                     for c, (cell, r0, c0) in enumerate(row)]
            cells = [{"本年新制作数量": "本年制发件数", "本年新公开数量": "本年废止件数", "对外公开总数量": "现行有效件数"}.get(x, x)
                     for x in cells]
            lines.append("| " + " | ".join(cells) + " |")
            if r == 0:
                lines.append("|" + "---|" * len(cells))
    lines += ["", "五、存在的主要问题及改进情况", "", "无。", "", "六、其他需要报告的事项", "", "无。"]
    result = import_report("\n".join(lines).encode(), name="混合.md")
    assert result.edition == "2019"
    note = next(n for n in result.of_kind("ambiguous") if "列标题" in n.message)
    assert "本年制发件数" in note.message and "2021" in note.message
    got = {f.path for f in result.figures}
    assert "proactive.regulations.made" not in got and "requests.received.natural" in got


def test_a_title_broken_after_its_year():
    """``平潭综合实验区2019年`` / ``政府信息公开工作年度报告`` on two lines: one title, agency and year read."""
    md = _with(_md_report([]), "# 某某局2021年政府信息公开工作年度报告", "某某局2021年\n\n政府信息公开工作年度报告")
    result = import_report(md.encode(), name="标题两行.md")
    assert (result.data["agency"], result.data["year"]) == ("某某局", 2021)
    assert not [n.message for n in result.notes if n.path in ("agency", "year")]
    assert result.complete


def test_the_date_a_web_page_prints_under_its_title():
    """A page with no 落款 date prints its date under the title, outside the article
    (``<span class="article_time">时间：2025-03-10 15:35</span>``): the report's published date, noted."""
    result = import_report(REAL / "pingtan-2024.html")
    assert result.data["published"] == "2025-03-10"
    assert [n.message for n in result.notes if n.path == "published"] == [
        "没有落款日期，取“时间：2025-03-10 15:35”为发布日期"]
    assert result.complete
    # a 落款 date printed at the end of the report wins over the page's date
    signed = import_report(REAL / "shuyang-fgj-2023.html")
    assert signed.data["published"] == "2024-01-17"
    assert not [n for n in signed.notes if n.path == "published"]


def test_sections_numbered_otherwise_and_five_without_its_heading():
    """A report that numbered its tables' headings 一、二、三 (the official titles under other numerals),
    printed 五's （一）主要问题 （二）改进情况 with no heading, and numbered 六 as 五 (上海市科委 2024): each
    section read by its title, 五 from its first sub-heading, every such reading noted."""
    md = _md_report([])
    for old, new in (("二、主动公开政府信息情况", "一、主动公开政府信息情况"),
                     ("三、收到和处理政府信息公开申请情况", "二、收到和处理政府信息公开申请情况"),
                     ("四、政府信息公开行政复议、行政诉讼情况", "三、政府信息公开行政复议、行政诉讼情况"),
                     ("五、存在的主要问题及改进情况\n\n人员不足。", "（一）主要问题\n\n人员不足。\n\n（二）改进情况\n\n增加人员。"),
                     ("六、其他需要报告的事项\n\n无。", "五、其他需要报告的事项\n\n本机关未收取信息处理费。")):
        md = _with(md, old, new)
    result = import_report(md.encode(), name="编号不同.md")
    assert result.complete, [n.message for n in result.notes]
    assert (result.data["problems"], result.data["improvements"]) == ("人员不足。", "增加人员。")
    assert result.data["other_matters"] == "本机关未收取信息处理费。"
    guesses = [n.message for n in result.of_kind("guess")]
    assert "“五、其他需要报告的事项”的编号与官方不同，按标题读作“六、其他需要报告的事项”" in guesses
    assert "没有“五、存在的主要问题及改进情况”的标题，取“（一）主要问题”起为这一节" in guesses
    assert sum("编号与官方不同" in g for g in guesses) == 4
    # a heading under another numeral whose words are not an official title is no section
    other = import_report(_with(md, "一、主动公开政府信息情况", "一、主动公开工作情况").encode(), name="x.md")
    assert "proactive" in other.data and not any("主动公开工作情况" in n.message and "编号" in n.message
                                                 for n in other.notes)
