"""Validation: every schema error in Chinese with path and label; every rule beyond the schema."""

import pytest

import reportkit
from reportkit.validation.findings import Finding

from .conftest import XINYI, YUNXI, example


def errors(data, previous=None):
    return [f for f in reportkit.validate(data, previous=previous) if f.severity == "error"]


def warnings(data, previous=None):
    return [f for f in reportkit.validate(data, previous=previous) if f.severity == "warning"]


def only(findings, path):
    hits = [f for f in findings if f.path == path]
    assert hits, f"no finding at {path}: {[f.text() for f in findings]}"
    return hits[0]


def test_examples_are_valid():
    # the seed report, as published, prints no 成文日期: a warning, nothing else
    assert [f.code for f in reportkit.validate(XINYI)] == ["published-missing"]
    assert reportkit.validate(YUNXI) == []


def test_negative_count_reads_like_the_issue(d2019):
    d2019["requests"]["results"]["denied"]["third_party"]["natural"] = -1
    f = only(errors(d2019), "$.requests.results.denied.third_party.natural")
    assert f.text().startswith(
        "三、收到和处理政府信息公开申请情况 / 三、本年度办理结果 / （三）不予公开 / 4.保护第三方合法权益 / 自然人：应为非负整数，实为 -1")
    assert f.code == "schema.minimum"


def test_all_schema_errors_at_once(d2021):
    d2021["requests"]["received"]["natural"] = "5"
    d2021["appeals"]["litigation"]["upheld"] = 1.5
    d2021["proactive"]["licensing"]["decisions"] = None
    del d2021["problems"]
    found = {f.path for f in errors(d2021)}
    assert {"$.requests.received.natural", "$.appeals.litigation.upheld",
            "$.proactive.licensing.decisions", "$.problems"} <= found


@pytest.mark.parametrize("mutate, path, label, words", [
    (lambda d: d["requests"]["received"].__setitem__("natural", "5"), "$.requests.received.natural",
     "一、本年新收政府信息公开申请数量 / 自然人", "应为非负整数，实为 \"5\""),
    (lambda d: d["requests"]["received"].__setitem__("business", True), "$.requests.received.business",
     "法人或其他组织·商业企业", "应为非负整数"),
    (lambda d: d["appeals"]["reconsideration"].__setitem__("pending", 10**10), "$.appeals.reconsideration.pending",
     "行政复议 / 尚未审结", "超出合理范围"),
    (lambda d: d.__setitem__("year", 2018), "$.year", "报告年度", "2019 至 2100"),
    (lambda d: d.__setitem__("year", 2101), "$.year", "报告年度", "2019 至 2100"),
    (lambda d: d.__setitem__("published", "2022-02-30"), "$.published", "发布日期", "真实的日期"),
    (lambda d: d.__setitem__("published", "2022/01/20"), "$.published", "发布日期", "YYYY-MM-DD"),
    (lambda d: d["proactive"]["fees"].__setitem__("amount", "12,50"), "$.proactive.fees.amount",
     "本年收费金额（单位：万元）", "非负金额"),
    (lambda d: d["proactive"]["fees"].__setitem__("amount", -3), "$.proactive.fees.amount",
     "行政事业性收费", "非负金额"),
    (lambda d: d.__setitem__("format", "2020"), "$.format", "格式版本", "\"2019\" 或 \"2021\""),
    (lambda d: d.__setitem__("problems", "   "), "$.problems", "五、存在的主要问题及改进情况", "不能为空"),
    (lambda d: d.__setitem__("agency", ""), "$.agency", "单位名称", "不能为空"),
    (lambda d: d["overview"]["sections"][1].__setitem__("text", ""), "$.overview.sections[1].text",
     "一、总体情况 / 分节情况 / 第2节 / 正文", "不能为空"),
    (lambda d: d["overview"].clear(), "$.overview", "一、总体情况", "summary"),
    (lambda d: d["requests"]["results"]["denied"].pop("inquiry"), "$.requests.results.denied.inquiry",
     "8.属于行政查询事项", "缺少此项"),
])
def test_schema_error_names_path_and_label(d2021, mutate, path, label, words):
    mutate(d2021)
    f = only(errors(d2021), path)
    assert label in f.label and words in f.message, f.text()
    assert "is not" not in f.message and "Failed validating" not in f.message  # never raw jsonschema


def test_unknown_key_deep_inside_suggests_the_right_one(d2021):
    d2021["requests"]["results"]["unavailable"]["not_held"]["nautral"] = 1
    f = only(errors(d2021), "$.requests.results.unavailable.not_held.nautral")
    assert "未知字段 “nautral”" in f.message and "natural" in f.message
    assert "1.本机关不掌握相关政府信息" in f.label


def test_wrong_edition_shape_says_which_edition(d2019):
    d2019["proactive"]["regulations"] = {"issued": 0, "repealed": 0, "in_force": 0}
    d2019["fees"] = {"notices": 1}
    fs = errors(d2019)
    f = only(fs, "$.proactive.regulations.issued")
    assert "2021 格式" in f.message
    assert "2021 格式" in only(fs, "$.fees").message
    assert only(fs, "$.proactive.regulations.made").code == "schema.required"


def test_2021_other_must_be_three_rows(d2021):
    d2021["requests"]["results"]["other"] = d2021["requests"]["results"]["other"]["other"]
    fs = errors(d2021)
    assert any(f.path.startswith("$.requests.results.other") for f in fs)


def test_imbalanced_column_names_column_and_both_sides(d2021):
    d2021["requests"]["received"]["legal"] += 2
    fs = [f for f in errors(d2021) if f.code == "balance"]
    assert [f.label for f in fs] == ["三、收到和处理政府信息公开申请情况 / 法人或其他组织·法律服务机构",
                                     "三、收到和处理政府信息公开申请情况 / 总计"]
    assert fs[0].printed - fs[0].computed == 2 and "相差 2" in fs[0].message
    assert "第一项加第二项之和" in fs[0].message


def test_printed_totals_are_checked(d2019):
    d2019["requests"]["received"]["total"] = 3
    d2019["requests"]["results"]["total"]["research"] = 1
    d2019["appeals"]["litigation"]["total"] = 2
    fs = {f.path: f for f in errors(d2019) if f.code == "printed-total"}
    assert fs["$.requests.received.total"].printed == 3 and fs["$.requests.received.total"].computed == 0
    assert "（七）总计 / 法人或其他组织·科研机构" in fs["$.requests.results.total.research"].label
    assert fs["$.appeals.litigation.total"].label.endswith("行政诉讼·未经复议直接起诉 / 总计")


def test_printed_totals_that_agree_pass(d2021):
    from reportkit.contract.totals import completed
    assert reportkit.validate(completed(d2021, "2021")) == []


def test_edition_year_mismatch_is_a_warning(d2019):
    d2019["year"] = 2021
    d2019["published"] = "2022-01-20"
    ws = warnings(d2019)
    assert [w.code for w in ws] == ["edition-year"] and "\"2021\"" in ws[0].message
    assert errors(d2019) == []


def test_fee_collected_above_notice_is_a_warning(d2021):
    d2021["fees"]["collected_amount"] = "9999.00"
    w = only(warnings(d2021), "$.fees.collected_amount")
    assert "大于" in w.message


def test_control_characters_are_errors(d2021):
    d2021["overview"]["summary"] += "\x07"
    f = only(errors(d2021), "$.overview.summary")
    assert "U+0007" in f.message and f.code == "control-character"


# ------------------------------------------------------------------ cross-year

def _next_year(prev):
    d = example(YUNXI)
    d["year"] = prev["year"] + 1
    d["published"] = f"{d['year'] + 1}-01-20"
    d["requests"]["carried_over"] = dict(prev["requests"]["carried_forward"])
    # rebalance: put the difference in carried_forward
    from reportkit.contract.totals import results_total
    tot = results_total(d["requests"]["results"], "2021")
    for k in ("natural", "business", "research", "nonprofit", "legal", "other"):
        d["requests"]["carried_forward"][k] = (d["requests"]["received"][k] + d["requests"]["carried_over"][k]
                                               - tot[k])
    for row in ("regulations", "normative_documents"):
        p = prev["proactive"][row]
        d["proactive"][row]["in_force"] = p["in_force"] + d["proactive"][row]["issued"] - d["proactive"][row]["repealed"]
    d["overview"]["summary"] = "本年度的总体情况与上一年完全不同，我们开展了大量新的工作，具体内容如下所述，请参见各节。" * 2
    d["problems"] = "今年的问题是新的问题：数据共享不足，基层培训仍需加强，答复文书质量有待提高。"
    d["improvements"] = "明年将建立新的工作台账，开展专题培训，规范答复文书格式。"
    d["other_matters"] = "无其他需要报告的事项。"
    d["rectification"] = "上年度报告所列的数据共享和培训问题，本年度已建立台账逐项整改完毕。"
    d["work_points"] = "本年度工作要点所列十二项任务均已完成，其中两项提前完成并形成经验材料。"
    d["proposals"] = "本年度承办建议提案共计九件，办理复文经代表委员同意后全部公开。"
    d["innovation"] = "本年度新开设“政策问答”栏目，按月汇编群众咨询的高频问题并公开答复。"
    for i, s in enumerate(d["overview"]["sections"]):
        s["text"] = f"第{i}节本年度新写的文字，内容与上一年度没有重复之处，第{i * 7}项工作按计划完成。"
    return d


def test_clean_next_year_passes():
    prev = example(YUNXI)
    assert reportkit.validate(_next_year(prev), previous=prev) == []


def test_carry_over_must_equal_last_years_carried_forward():
    prev = example(YUNXI)
    d = _next_year(prev)
    d["requests"]["carried_over"]["natural"] += 1
    d["requests"]["carried_forward"]["natural"] += 1
    f = only(errors(d, previous=prev), "$.requests.carried_over.natural")
    assert f.code == "carry-over" and f.computed == prev["requests"]["carried_forward"]["natural"]
    assert "二、上年结转政府信息公开申请数量 / 自然人" in f.label and "结转下年度继续办理" in f.message


def test_in_force_follows_from_last_year_warning():
    prev = example(YUNXI)
    d = _next_year(prev)
    d["proactive"]["normative_documents"]["in_force"] += 4
    w = only(warnings(d, previous=prev), "$.proactive.normative_documents.in_force")
    assert w.code == "in-force" and w.printed - w.computed == 4 and "行政规范性文件 / 现行有效件数" in w.label


def test_2019_previous_items_follow_from_last_year_warning():
    prev = example(XINYI)
    prev["proactive"]["licensing"].update(previous=10, change=-3)
    d = example(XINYI)
    d["proactive"]["licensing"]["previous"] = 9
    w = only(warnings(d, previous=prev), "$.proactive.licensing.previous")
    assert w.computed == 7 and "行政许可 / 上一年项目数量" in w.label


def test_same_text_as_last_year_is_a_warning_with_share():
    prev = example(YUNXI)
    d = _next_year(prev)
    d["problems"] = prev["problems"].replace("。", "，", 1)
    w = only(warnings(d, previous=prev), "$.problems")
    assert w.code == "similar-text" and "内容雷同" in w.message and "%" in w.message


def test_seed_compared_with_itself_flags_every_narrative_field():
    ws = [w for w in warnings(XINYI, previous=XINYI) if w.code == "similar-text"]
    paths = {w.path for w in ws}
    assert {"$.preface", "$.overview.summary", "$.problems", "$.improvements"} <= paths
    assert "$.overview.sections[0].text" in paths


def test_previous_of_wrong_year_and_unit_warns():
    prev = example(YUNXI)
    d = _next_year(prev)
    prev2 = example(YUNXI)
    prev2["year"] = 2019
    prev2["agency_id"] = "X"
    codes = {w.code for w in warnings(d, previous=prev2)}
    assert {"previous-year", "previous-agency"} <= codes


def test_finding_round_trips_to_dict():
    d = example(XINYI)
    d["year"] = "2020"
    f = errors(d)[0]
    assert isinstance(f, Finding)
    assert set(f.to_dict()) == {"severity", "code", "path", "label", "message", "printed", "computed", "file", "where"}


def test_a_clean_report_takes_the_compiled_fast_path_and_never_asks_jsonschema(monkeypatch):
    import reportkit.contract.schema as schema

    calls = []
    real = schema._compiled

    def counting(edition):
        check = real(edition)
        return lambda data: (calls.append(edition), check(data))[1]

    def refuse():
        raise AssertionError("jsonschema was asked about a clean report")

    monkeypatch.setattr(schema, "_compiled", counting)
    monkeypatch.setattr(schema, "validator", refuse)
    monkeypatch.setattr(reportkit.validation.checks, "validator", refuse)
    assert reportkit.validate(YUNXI) == []
    assert [f.code for f in reportkit.validate(XINYI)] == ["published-missing"]
    assert calls == ["2021", "2019"]


def test_a_bad_report_is_explained_by_jsonschema_whatever_came_before():
    # the compiled path must never call a bad report clean
    for _ in range(3):
        assert reportkit.validate(YUNXI) == []
    d = example(YUNXI)
    d["requests"]["received"]["other"] = -2
    for _ in range(3):
        assert any(f.path == "$.requests.received.other" for f in errors(d))


def test_errors_survive_pickling_for_worker_processes():
    import pickle
    d = example(YUNXI)
    d["requests"]["received"]["natural"] += 1
    with pytest.raises(reportkit.ValidationFailed) as e:
        reportkit.render(d, "/nonexistent/never-written")
    back = pickle.loads(pickle.dumps(e.value))
    assert type(back) is reportkit.ValidationFailed and back.findings == e.value.findings
    assert str(back) == str(e.value)


# ------------------------------------------------------------------ 7.1 integers are JSON integers

INTEGER_CELLS = [
    ("$.appeals.litigation.upheld", lambda d: d["appeals"]["litigation"], "upheld", "行政诉讼·未经复议直接起诉 / 结果维持"),
    ("$.requests.received.natural", lambda d: d["requests"]["received"], "natural", "一、本年新收政府信息公开申请数量 / 自然人"),
    ("$.year", lambda d: d, "year", "报告年度"),
    ("$.proactive.licensing.decisions", lambda d: d["proactive"]["licensing"], "decisions", "行政许可 / 本年处理决定数量"),
    ("$.requests.received.total", lambda d: d["requests"]["received"], "total", "一、本年新收政府信息公开申请数量 / 总计"),
    ("$.appeals.reconsideration.total", lambda d: d["appeals"]["reconsideration"], "total", "行政复议 / 总计"),
]


@pytest.mark.parametrize("path, where, key, label", INTEGER_CELLS, ids=[p for p, *_ in INTEGER_CELLS])
def test_an_integral_float_is_not_an_integer(d2021, path, where, key, label):
    from reportkit.contract.totals import completed
    d = completed(d2021, "2021")  # printed totals present, so that total cells can be tested too
    obj = where(d)
    obj[key] = float(obj[key])
    f = only(errors(d), path)
    assert f.code == "schema.type" and label in f.label
    assert "整数" in f.message and f"实为 {obj[key]!r}（请去掉小数点）" in f.message, f.text()


def test_signed_count_in_2019_rejects_a_float_too(d2019):
    d2019["proactive"]["licensing"]["change"] = -8.0
    f = only(errors(d2019), "$.proactive.licensing.change")
    assert "应为整数（减少用负数），实为 -8.0（请去掉小数点）" in f.message


def test_the_jsonschema_validator_itself_rejects_integral_floats(d2021):
    from reportkit.contract.schema import fast_check, validator
    d2021["appeals"]["litigation"]["upheld"] = 12.0
    assert not fast_check(d2021, "2021")
    assert [e.validator for e in validator().iter_errors(d2021)] == ["type"]


def test_a_float_in_a_results_row_gives_no_false_balance_error(d2021):
    # 2.0 where 2 was: the data balances; only the type error is reported, and the other
    # columns are still checked
    cell = d2021["requests"]["results"]["granted"]
    cell["natural"] = float(cell["natural"])
    d2021["requests"]["received"]["legal"] += 3
    fs = errors(d2021)
    assert [f.code for f in fs if f.path == "$.requests.results.granted.natural"] == ["schema.type"]
    balance = [f for f in fs if f.code == "balance"]
    assert [f.path for f in balance] == ["$.requests.received.legal"]  # not 自然人, not 总计 (they read 2.0)
    assert "相差 3" in balance[0].message


def test_totals_refuse_anything_but_validated_counts():
    from reportkit.contract.totals import appeals_total, row_total
    row = {k: 1 for k in ("natural", "business", "research", "nonprofit", "legal")}
    with pytest.raises(TypeError):
        row_total({**row, "other": 12.0})
    with pytest.raises(TypeError):
        row_total(row)  # a missing cell is not a 0
    with pytest.raises(TypeError):
        appeals_total({"upheld": True, "corrected": 0, "other": 0, "pending": 0})
    assert row_total({**row, "other": 2}) == 7


# ------------------------------------------------------------------ 7.3 rules switched off only where they read

def test_a_missing_paragraph_does_not_switch_off_the_arithmetic(d2021):
    del d2021["problems"]
    d2021["requests"]["received"]["natural"] += 1
    d2021["appeals"]["litigation"]["total"] = 99
    codes = {(f.code, f.path) for f in errors(d2021)}
    assert ("schema.required", "$.problems") in codes
    assert ("balance", "$.requests.received.natural") in codes
    assert ("printed-total", "$.appeals.litigation.total") in codes


def test_an_unknown_top_level_key_does_not_switch_off_the_arithmetic(d2019):
    d2019["remarks"] = "x"
    d2019["requests"]["carried_forward"]["business"] += 2
    found = {f.code for f in errors(d2019)}
    assert {"schema.unknown-key", "balance"} <= found


def test_a_string_in_one_cell_skips_only_the_checks_that_read_it(d2019):
    from reportkit.contract.totals import completed
    d = completed(d2019, "2019")
    d["requests"]["results"]["denied"]["inquiry"]["research"] = "1"
    d["requests"]["carried_over"]["natural"] += 4          # 自然人 column: checked, wrong
    d["appeals"]["reconsideration"]["total"] += 1           # another table: checked, wrong
    fs = errors(d)
    assert {f.path for f in fs} == {
        "$.requests.results.denied.inquiry.research",        # the string itself
        "$.requests.received.natural",                         # balance of 自然人
        "$.requests.carried_over.total",                       # 二's printed total (6 readable cells)
        "$.appeals.reconsideration.total",
    }, [f.text() for f in fs]


def test_a_broken_row_object_skips_its_sums_and_nothing_else(d2021):
    d2021["requests"]["results"]["unavailable"] = "无"
    d2021["appeals"]["reconsideration"]["total"] = 5
    fs = errors(d2021)
    assert not [f for f in fs if f.code == "balance"]
    assert only(fs, "$.appeals.reconsideration.total").code == "printed-total"


# ------------------------------------------------------------------ 7.6

@pytest.mark.parametrize("bad, good", [("Format", "format"), ("FORMAT", "format"), ("Year", "year"),
                                       ("Problems", "problems")])
def test_a_key_that_differs_only_by_case_is_named_unknown_with_the_right_one(d2021, bad, good):
    d2021[bad] = d2021.pop(good)
    f = only(errors(d2021), f"$.{bad}")
    assert f.code == "schema.unknown-key"
    assert f"未知字段 “{bad}”，是否应为 “{good}”" in f.message, f.text()
    assert only(errors(d2021), f"$.{good}").code == "schema.required"


def test_a_case_only_key_deep_inside(d2021):
    row = d2021["requests"]["received"]
    row["Natural"] = row.pop("natural")
    f = only(errors(d2021), "$.requests.received.Natural")
    assert "是否应为 “natural”" in f.message


@pytest.mark.parametrize("key", ["improvements", "other_matters", "preface"])
@pytest.mark.parametrize("blank", ["", "   ", "\n\t\n"])
def test_an_empty_optional_text_means_absent(d2021, key, blank):
    d2021[key] = blank
    assert reportkit.validate(d2021) == []


def test_an_empty_summary_is_absent_when_there_are_sections(d2021):
    d2021["overview"]["summary"] = "  "
    assert reportkit.validate(d2021) == []
    d2021["overview"]["sections"] = []
    f = only(errors(d2021), "$.overview.summary")
    assert "不能为空" in f.message and f.label == "一、总体情况 / 概述"
    del d2021["overview"]["summary"]
    assert "请至少写一节" in only(errors(d2021), "$.overview.sections").message


def test_a_required_text_still_may_not_be_blank(d2021):
    d2021["problems"] = " \n "
    assert "不能为空" in only(errors(d2021), "$.problems").message


def test_balance_findings_carry_the_path_of_their_column(d2021):
    d2021["requests"]["received"]["business"] += 1
    fs = [f for f in errors(d2021) if f.code == "balance"]
    assert [(f.path, f.label) for f in fs] == [
        ("$.requests.received.business", "三、收到和处理政府信息公开申请情况 / 法人或其他组织·商业企业"),
        ("$.requests.received.total", "三、收到和处理政府信息公开申请情况 / 总计"),
    ]


# ------------------------------------------------------------------ 7.12, 8.2 成文日期

def test_a_report_without_published_gets_a_warning(d2021):
    del d2021["published"]
    w = only(warnings(d2021), "$.published")
    assert w.code == "published-missing" and "落款将没有日期" in w.message and w.label == "发布日期"
    assert errors(d2021) == []


@pytest.mark.parametrize("date", ["2018-12-31", "2103-01-01", "2108-01-01", "0999-01-01", "1979-12-31",
                                  "9999-12-31", "2022-01-20\n", " 2022-01-20", "２０２２-01-20"])
def test_published_is_bounded_to_dates_every_file_can_hold(d2021, date):
    d2021["published"] = date
    f = only(errors(d2021), "$.published")
    assert "2019 至 2102 年之间" in f.message, f.text()


@pytest.mark.parametrize("date", ["2019-01-01", "2102-12-31", "2024-02-29"])
def test_published_bounds_are_inclusive(d2021, date):
    d2021["year"] = 2100 if date.startswith("2102") else 2021
    d2021["published"] = date
    assert errors(d2021) == []


def test_published_before_the_end_of_the_reported_year_is_a_warning(d2021):
    d2021["published"] = "2021-12-31"
    w = only(warnings(d2021), "$.published")
    assert w.code == "published-early" and "2021-12-31" in w.message
    d2021["published"] = "2022-01-01"
    assert warnings(d2021) == []


# ------------------------------------------------------------------ 8.13 amounts and printed totals

@pytest.mark.parametrize("value", ["12.5\n", "12.5\r\n", "\n12.5", "1234567890123456", "12345678901234.56",
                                   "1.123456789", "1,000", 1e15, 1e16])
def test_amounts_are_bounded_to_what_a_workbook_holds_exactly(d2021, value):
    d2021["proactive"]["fees"]["amount"] = value
    f = only(errors(d2021), "$.proactive.fees.amount")
    assert "最多 15 位" in f.message or "上限 999999999999999" in f.message, f.text()


@pytest.mark.parametrize("value", [0.1 + 0.2, 12345678.123456789, 1e-9])
def test_a_json_number_amount_with_more_digits_than_a_workbook_keeps_is_an_error(d2021, value):
    d2021["fees"]["notice_amount"] = value
    f = only(errors(d2021), "$.fees.notice_amount")
    assert f.code == "amount-digits" and "15 位" in f.message, f.text()


@pytest.mark.parametrize("value", ["123456789012345", "1234567.12345678", "0.00000001", 999999999999999,
                                   123456789.12, 0.00001])
def test_amounts_within_the_bounds_pass(d2021, value):
    d2021["fees"]["collected_amount"] = value
    d2021["fees"]["notice_amount"] = "999999999999999"
    assert errors(d2021) == []


def test_correct_printed_totals_above_the_cell_bound_are_accepted(d2021):
    # nearly the cell bound more in every column of 一 and of （一）: the computed 总计 is over six
    # times the bound of a cell, and so may the printed one be
    from reportkit.contract import official as c
    big = c.MAX_COUNT - 1000
    for k in c.COLUMN_KEYS:
        d2021["requests"]["received"][k] += big
        d2021["requests"]["results"]["granted"][k] += big
    d2021["appeals"]["reconsideration"].update(upheld=big, corrected=big, other=big, pending=big)
    from reportkit.contract.totals import completed
    d = completed(d2021, "2021")
    assert d["requests"]["received"]["total"] > c.MAX_COUNT and d["appeals"]["reconsideration"]["total"] == 4 * big
    assert errors(d) == []
    d["requests"]["received"]["total"] = 6 * c.MAX_COUNT + 1  # beyond six full cells: out of range
    assert f"上限 {6 * c.MAX_COUNT}" in only(errors(d), "$.requests.received.total").message


def test_a_real_count_above_ten_million_is_accepted(d2021):
    d2021["proactive"]["licensing"]["decisions"] = 11_398_889  # a city's published 行政许可 figure
    assert errors(d2021) == []


def test_maximum_is_printed_as_people_write_it(d2021):
    d2021["appeals"]["reconsideration"]["pending"] = 10 ** 10
    assert "上限 1000000000）" in only(errors(d2021), "$.appeals.reconsideration.pending").message


def test_cross_year_checks_run_where_the_cells_they_read_are_sound():
    prev = example(YUNXI)
    d = _next_year(prev)
    d["requests"]["results"]["granted"]["natural"] = 1.0        # broken: table 三 sums with 自然人 skip
    d["requests"]["carried_over"]["business"] += 1              # but 二 vs last year's 四 is still compared
    d["requests"]["carried_forward"]["business"] += 1
    d["problems"] = "   "                                        # and a blank paragraph changes nothing
    fs = errors(d, previous=prev)
    assert {f.code for f in fs} == {"schema.type", "schema.pattern", "carry-over"}
    assert only(fs, "$.requests.carried_over.business").computed == prev["requests"]["carried_forward"]["business"]


@pytest.mark.parametrize("broken", [lambda d: d.pop("requests"), lambda d: d.__setitem__("requests", []),
                                    lambda d: d["requests"].__setitem__("results", 0),
                                    lambda d: d.__setitem__("appeals", "无"), lambda d: d.pop("year"),
                                    lambda d: d.__setitem__("fees", [1]), lambda d: d.__setitem__("proactive", None)],
                         ids=["no requests", "requests a list", "results a number", "appeals a string", "no year",
                              "fees a list", "proactive null"])
def test_a_whole_section_broken_is_reported_and_the_rest_checked(d2021, broken):
    broken(d2021)
    d2021["published"] = "2021-06-01"  # still read: a warning
    fs = reportkit.validate(d2021, previous=example(YUNXI))
    assert any(f.is_error for f in fs)
    if "year" in d2021:
        assert any(f.code == "published-early" for f in fs)


def test_validation_never_changes_the_data_it_checks():
    # (fastjsonschema fills in schema defaults unless told not to: amount_unit would appear)
    r = reportkit.load(XINYI)
    assert "amount_unit" not in r.data["proactive"]["procurement"]
    before = example(XINYI)
    for _ in range(45):
        reportkit.validate(r)
    assert r.data == before
