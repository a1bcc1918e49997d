"""Checks the national and local evaluations make (issue 21 item 7), as warnings with their
location: prose figures that contradict the tables, 五 written as “无”, fees charged while 六 says
none, the 条例 misnamed, 规章 from a unit that cannot make them.  Conservative: the examples, the
published seed report and the random corpus raise none of them."""

import pytest

import reportkit
from reportkit.form import form_bytes
from reportkit.importing import import_report

from .conftest import ROOT, XINYI, YUNXI, example
from .corpus import random_report

NEW = {"prose-figure", "five-none", "fees-six", "law-name", "regulations-level"}


def warnings(d, code=None):
    fs = reportkit.validate(d)
    assert not [f for f in fs if f.is_error], [f.text() for f in fs]
    return [f for f in fs if f.code in (NEW if code is None else {code})]


def with_section(text, **kw):
    d = example(YUNXI)
    d["overview"]["sections"][1]["text"] = text
    d.update(kw)
    return d


def test_the_examples_and_the_published_seed_raise_none():
    assert warnings(example(XINYI)) == [] and warnings(example(YUNXI)) == []
    seed = import_report(ROOT / "tests" / "data" / "xinyi-2020-annual-report.txt")
    assert [f.code for f in reportkit.validate(seed.data) if f.code in NEW] == []


def test_the_corpus_raises_no_prose_or_law_warning():
    for seed in range(200):
        codes = {f.code for f in reportkit.validate(random_report(seed))}
        assert not codes & {"prose-figure", "five-none", "law-name", "regulations-level"}, seed


@pytest.mark.parametrize("text", ["本年度共收到政府信息公开申请560件。", "全年新收申请共计600件，均按时办结。",
                                  "本机关受理依申请公开申请 12 件。"])
def test_a_received_figure_that_is_not_in_the_tables_is_a_warning(text):
    [f] = warnings(with_section(text))
    assert f.path == "$.overview.sections[1].text" and f.severity == "warning"
    assert "一、本年新收政府信息公开申请数量 / 总计”为 559" in f.message and "之和”为 588" in f.message
    assert f.computed == 559 and f.printed == int("".join(ch for ch in text if ch.isdigit()))


@pytest.mark.parametrize("text", [
    "本年度共收到政府信息公开申请559件。",                  # 本年新收
    "本年度共受理政府信息公开申请588件（含上年结转29件）。",   # 新收 + 结转
    "较上年收到申请600件有所减少。",                      # a comparison
    "2020年收到申请600件，2021年收到申请559件。",          # another year
    "收到申请后5个工作日内登记，新收申请中自然人提出325件。",  # not a count of applications
    "上年结转申请29件，结转下年度继续办理38件。",
    "被申请行政复议15件、被提起行政诉讼14件。",
])
def test_figures_that_agree_or_are_not_this_years_raise_nothing(text):
    assert warnings(with_section(text)) == []


def test_appeals_carried_figures_and_fee_notices_are_checked_too():
    fs = warnings(with_section("上年结转申请30件。被申请行政复议16件、被提起行政诉讼13件，发出收费通知15件。"))
    appeals = example(YUNXI)["appeals"]
    direct, after = sum(appeals["litigation"].values()), sum(appeals["litigation_after_reconsideration"].values())
    assert direct + after == 14 and 13 not in (direct, after)
    assert [(f.printed, f.computed) for f in fs] == [(30, 29), (16, 15), (13, direct), (15, 14)]
    assert "二、上年结转政府信息公开申请数量 / 总计" in fs[0].message
    assert "行政诉讼·未经复议直接起诉 / 总计" in fs[2].message


@pytest.mark.parametrize("text", ["无", "无。", "暂无", "没有问题。", " 无 "])
def test_five_written_as_none_is_a_warning(text):
    d = example(YUNXI)
    d["problems"] = text
    [f] = warnings(d)
    assert f.code == "five-none" and f.path == "$.problems" and "具体问题" in f.message


def test_fees_charged_while_six_says_none():
    d = example(YUNXI)
    for key in ("work_points", "proposals", "innovation"):
        del d[key]
    d["other_matters"] = "无"
    [f] = warnings(d)
    assert f.code == "fees-six" and f.path == "$.other_matters" and "六写作“无”" in f.message
    assert "实际收取金额（元） 1180.00" in f.message
    d["other_matters"] = "本年度本机关未收取信息处理费。"
    [f] = warnings(d)
    assert "未收取信息处理费" in f.message
    d["fees"] = {"notices": 0, "notice_amount": "0", "collected_amount": "0"}
    [f] = warnings(d, "fees-six")  # no fee charged, but 表三（六）2 holds requests dropped for an unpaid fee
    assert f.path == "$.fees.notices" and "8 件" in f.message
    [prose] = warnings(d, "prose-figure")  # and 一 still says 发出收费通知14件
    assert prose.printed == 14 and prose.computed == 0
    d["requests"]["results"]["other"]["other"] = {
        k: d["requests"]["results"]["other"]["other"][k] + v for k, v in d["requests"]["results"]["other"]["unpaid_fee"].items()}
    d["requests"]["results"]["other"]["unpaid_fee"] = dict.fromkeys(d["requests"]["results"]["other"]["unpaid_fee"], 0)
    assert warnings(d, "fees-six") == []


@pytest.mark.parametrize("wrong", ["《中华人民共和国信息公开条例》", "《中华人民共和国政府信息公开管理条例》",
                                   "《中华人民共和国政府信息公开条列》", "《中华人民共和国政务公开条例》"])
def test_the_law_misnamed_is_a_warning(wrong):
    d = example(YUNXI)
    d["improvements"] += f"\n严格执行{wrong}和《条例》。"
    [f] = warnings(d)
    assert f.code == "law-name" and f.path == "$.improvements"
    assert wrong in f.message and "《中华人民共和国政府信息公开条例》" in f.message


@pytest.mark.parametrize("level, warned", [("乡镇（街道）", True), ("县级部门", True), ("设区的市部门", True),
                                          ("设区的市政府", False), ("省级政府", False), ("国务院部门", False),
                                          ("其他", False), (None, False)])
def test_regulations_from_a_unit_that_cannot_make_them(level, warned):
    d = example(YUNXI)
    d["proactive"]["regulations"]["in_force"] = 3
    if level is None:
        del d["level"]
    else:
        d["level"] = level
    fs = warnings(d)
    assert [f.path for f in fs] == (["$.proactive.regulations.in_force"] if warned else [])
    if warned:
        assert level in fs[0].message and "规章" in fs[0].message and fs[0].label.endswith("规章 / 现行有效件数")


def test_a_warning_from_a_form_names_its_cell():
    d = example(YUNXI)
    d["problems"] = "无"
    report = reportkit.load(form_bytes(d), name="f.xlsx")
    [f] = [f for f in reportkit.validate(report) if f.code == "five-none"]
    assert f.where and f.where.startswith("正文!")


def test_notices_issued_but_nothing_collected_may_say_no_fee_was_collected():
    d = example(YUNXI)
    d["fees"] = {"notices": 3, "notice_amount": "120.00", "collected_amount": "0"}
    d["other_matters"] = "本年度发出收费通知3件，申请人均未缴费，本机关未收取信息处理费。"
    assert warnings(d, "fees-six") == []
    d["other_matters"] = "本年度未发出收费通知。"
    [f] = warnings(d, "fees-six")
    assert "未发出收费通知" in f.message and "发出收费通知件数 3" in f.message and "实际收取" not in f.message
