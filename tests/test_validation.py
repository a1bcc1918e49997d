"""Validation: every schema error in Chinese with path and label; every rule beyond the schema."""

import pytest

import reportkit
from reportkit.findings import Finding

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
    assert reportkit.validate(XINYI) == []
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
    (lambda d: d["appeals"]["reconsideration"].__setitem__("pending", 10**9), "$.appeals.reconsideration.pending",
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
    from reportkit.totals import completed
    assert reportkit.validate(completed(d2021, "2021")) == []


def test_edition_year_mismatch_is_a_warning(d2019):
    d2019["year"] = 2021
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
    from reportkit.totals import results_total
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


def test_many_reports_in_one_process_use_the_compiled_fast_path_and_agree():
    # the compiled path must never call a bad report clean
    from reportkit.schema import COMPILE_AFTER
    for _ in range(COMPILE_AFTER + 2):
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
