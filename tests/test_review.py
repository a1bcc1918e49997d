"""The supervising office's review: a batch of units over two years with planted problems, every
one found (both units named for a copy), nothing on the clean units; the workbook read back (sums
as formulas with cached values, recalculated by LibreOffice to the same figures); the page valid,
sortable in a real browser, with its charts; inputs that cannot be read; the similarity index."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import html5lib
import pytest

import reportkit
from reportkit.contract import tables as layout
from reportkit.writing.context import build_context
from reportkit.filing.guard import expected_figures
from reportkit.reviewing import similarity
from reportkit.reviewing.page import CHART_UNITS, SCRIPT

from .conftest import needs_libreoffice
from .review_batch import (batch, fill_in, pair, plant_broken_carry_over, plant_copy, plant_imbalance,
                           plant_jump, plant_late, plant_missing_date, prose, template_batch)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium (Debian package) is not installed")

PLANTED = {  # unit index → (what is planted, the issues the review must report: (check, code, severity))
    1: ("late", [("deadline", "late", "error")]),
    2: ("missing date", [("deadline", "no-date", "warning")]),
    3: ("copy source", [("copy", "copy", "warning")]),
    4: ("copy target", [("copy", "copy", "warning")]),
    5: ("broken carry-over", [("year_on_year", "carry-over", "error")]),
    6: ("jump", [("year_on_year", "jump", "warning")]),
    7: ("imbalance", [("validation", "balance", "error")]),
}


def planted_batch(n: int = 36, seed: int = 0):
    cur, prev = batch(n, seed)
    plant_late(cur[1])
    plant_missing_date(cur[2])
    plant_copy(cur[3], cur[4])
    plant_broken_carry_over(cur[5])
    plant_jump(cur[6])
    plant_imbalance(cur[7])
    return cur, prev


@pytest.fixture(scope="module")
def planted():
    cur, prev = planted_batch()
    return cur, prev, reportkit.review(cur, previous=prev)


def _codes(unit) -> set[tuple[str, str, str]]:
    return {(i.check, i.code, i.severity) for i in unit.issues}


def test_every_planted_problem_is_found_and_nothing_else(planted):
    cur, prev, result = planted
    assert len(result.units) == len(cur) >= 30 and len(result.previous) == len(prev)
    for n, unit in enumerate(result.units):
        assert unit.previous is not None, unit.name  # every unit paired with last year's report
        if n in PLANTED:
            what, want = PLANTED[n]
            assert _codes(unit) >= set(want), (what, [i.text() for i in unit.issues])
            assert {c for c, _, _ in _codes(unit)} == {c for c, _, _ in want}, (what, [i.text() for i in unit.issues])
            assert unit.first_problem, what
        else:
            assert unit.issues == [] and unit.verdict == "通过", (unit.name, [i.text() for i in unit.issues])
    verdicts = [u.verdict for u in result.units]
    assert verdicts[1] == verdicts[5] == verdicts[7] == "不通过"
    assert verdicts[2] == verdicts[3] == verdicts[4] == verdicts[6] == "有警告"
    assert not result.ok


def test_the_copy_names_both_units_and_both_sections(planted):
    cur, _, result = planted
    a, b = result.units[3], result.units[4]
    (ia,), (ib,) = [i for i in a.issues if i.check == "copy"], [i for i in b.issues if i.check == "copy"]
    assert ia.other == b.name and ib.other == a.name
    for issue in (ia, ib):
        assert a.name in issue.message and b.name in issue.message
        assert issue.label == "五、存在的主要问题及改进情况" and issue.path == "$.problems"
        assert 0.9 < issue.value < 1.0
    assert "相同之处占 96%" in ia.message


def test_first_problems_in_words(planted):
    _, _, result = planted
    late, missing, _, _, carry, jump, imbalance = result.units[1:8]
    assert late.first_problem.startswith("发布时限：") and "逾期 15 天" in late.first_problem
    assert "1月31日" in late.first_problem
    assert "没有发布日期" in missing.first_problem
    assert carry.first_problem.startswith("年度衔接：") and "结转下年度继续办理" in carry.first_problem
    assert "自然人" in carry.first_problem
    assert "倍" in jump.first_problem and "本年新收申请" in jump.first_problem
    assert imbalance.first_problem.startswith("校验：") and "勾稽关系不平衡" in imbalance.first_problem
    assert imbalance.first_error == imbalance.errors[0].text() and imbalance.first_warning == ""


def test_region_sums_add_every_figure_of_every_unit(planted):
    cur, _, result = planted
    (sums,) = result.sums
    assert sums.edition == "2021" and sums.year == 2022 and len(sums.units) == len(cur)
    for f in layout.figures("2021"):
        values = [expected_figures(build_context(d))[f.path] for d in cur]
        want = sum(Decimal(v) for v in values) if f.value_kind == "amount" else sum(int(v) for v in values)
        assert sums.values[f.path] == want, f.label


def test_rollup_reports_are_left_out_of_the_sums_and_get_the_later_deadline():
    cur, prev = batch(4)
    cur[0]["rollup"] = True
    cur[0]["published"] = "2023-03-20"   # a 县级以上人民政府's own report: due 3月31日
    cur[1]["published"] = "2023-02-01"   # a department's: due 1月31日
    cur[2]["rollup"] = True
    cur[2]["published"] = "2023-04-01"
    result = reportkit.review(cur, previous=prev)
    assert [_codes(u) for u in result.units[:3]] == [set(), {("deadline", "late", "error")},
                                                     {("deadline", "late", "error")}]
    assert "2023年3月31日" in result.units[2].first_problem and "本级政府" in result.units[2].first_problem
    assert "逾期 1 天" in result.units[1].first_problem
    (sums,) = result.sums
    assert sums.units == [1, 3] and [i for i, _ in sums.excluded] == [0, 2]


# ------------------------------------------------------------------ year on year

def test_pairing_by_id_when_the_name_changed_else_by_name():
    (a, a0), (b, b0), (c, c0) = pair(0), pair(1), pair(2)
    a["agency"] = "云溪县自然资源和规划局"           # renamed; same agency_id
    for d in (b, b0):
        d.pop("agency_id")                          # no id: paired by name
    c0["year"] = 2020                               # not last year's report: not paired
    result = reportkit.review([a, b, c], previous=[a0, b0, c0])
    assert [u.previous is not None for u in result.units] == [True, True, False]
    assert [(i.code, i.severity) for i in result.units[2].issues] == [("no-previous", "info")]
    assert result.units[2].verdict == "通过"


def test_jumps_either_way_with_a_floor():
    def received(cur, prev, now, last):
        for d, n in ((cur, now), (prev, last)):
            req = d["requests"]
            zero = dict.fromkeys(req["received"], 0)
            req["carried_over"], req["carried_forward"] = dict(zero), dict(zero)
            req["received"] = dict(zero, natural=n)
            for group in req["results"].values():
                for row in (group.values() if "natural" not in group else [group]):
                    row.update(zero)
            req["results"]["granted"]["natural"] = n
        return cur, prev

    cases = {(30, 10): True, (10, 30): True, (16, 5): False, (59, 20): False, (25, 0): True, (12, 0): False}
    for (now, last), flagged in cases.items():
        cur, prev = received(*pair(0), now, last)
        codes = {i.code for i in reportkit.review([cur], previous=[prev]).units[0].issues}
        assert ("jump" in codes) is flagged, (now, last, codes)


def test_tables_all_zero_two_years_running():
    cur, prev = pair(0)
    for d in (cur, prev):
        for row in d["proactive"].values():
            for k in row:
                row[k] = 0 if k != "amount" else "0.00"
        for block in d["appeals"].values():
            block.update(dict.fromkeys(block, 0))
    cur["proactive"]["regulations"]["in_force"] = prev["proactive"]["regulations"]["in_force"] = 0
    unit = reportkit.review([cur], previous=[prev]).units[0]
    zeros = [(i.label, i.severity) for i in unit.issues if i.code == "all-zero"]
    assert zeros == [("二、主动公开政府信息情况", "warning"), ("四、政府信息公开行政复议、行政诉讼情况", "info")]
    assert unit.verdict == "有警告" and len(unit.warnings) == 1


def test_own_last_year_copied_is_a_copy_finding():
    cur, prev = pair(0)
    cur["problems"] = prev["problems"] = prose(__import__("random").Random(5), (3, 3))
    unit = reportkit.review([cur], previous=[prev]).units[0]
    (issue,) = [i for i in unit.issues if i.check == "copy"]
    assert issue.code == "similar-text" and "上一年度" in issue.message and issue.path == "$.problems"


# ------------------------------------------------------------------ the similarity index

def test_similarity_finds_edited_copies_among_many_without_comparing_every_pair(monkeypatch):
    import random

    rng = random.Random(3)
    texts = [prose(rng, (2, 3)) for _ in range(600)]
    base = texts[10]
    texts[400] = "".join("某" if i % 12 == 11 else ch for i, ch in enumerate(base))      # ~92 % alike
    texts[401] = "".join("某" if i % 3 == 2 else ch for i, ch in enumerate(base))        # ~67 %: not a copy
    texts[500] = texts[20]                                                                 # identical
    sections = [similarity.Section(i, ("problems",), similarity.normalise(t)) for i, t in enumerate(texts)]
    calls = []
    real = similarity._ratio
    monkeypatch.setattr(similarity, "_ratio", lambda a, b, t: calls.append(1) or real(a, b, t))
    groups = similarity.similar_groups(sections)
    assert [[s.unit for s in g.sections] for g in groups] == [[10, 400], [20, 500]]
    (link,), (same,) = groups[0].links, groups[1].links
    assert same.share == 1.0 and 0.85 < link.share < 0.95
    assert groups[0].nearest(sections[400]) == link
    pairs = len(texts) * (len(texts) - 1) // 2
    assert len(calls) < pairs / 1000  # exact comparisons only on candidates


def test_a_text_everybody_copied_is_one_group_not_every_pair(monkeypatch):
    rng = __import__("random").Random(9)
    text = prose(rng, (2, 2))
    sections = [similarity.Section(i, ("problems",), similarity.normalise(text)) for i in range(60)]
    sections += [similarity.Section(60, ("problems",), similarity.normalise(prose(__import__("random").Random(1))))]
    (group,) = similarity.similar_groups(sections)
    assert group.units == list(range(60)) and len(group.links) == 59 and all(m.share == 1.0 for m in group.links)


def test_a_draft_filled_in_by_many_units_is_one_group_found_with_few_comparisons(monkeypatch):
    """300 units filled in one draft (each its name, a few words changed, a clause of its own):
    every unit's text is ≥ 80 % like every other's; one group, found with about one comparison a
    text (not 300 × 299 / 2), each member joined by a link ≥ 80 %."""
    rng = __import__("random").Random(4)
    draft = prose(rng, (3, 3))
    sections = [similarity.Section(i, ("problems",), similarity.normalise(fill_in(draft, rng, f"第{i}局", 0.04)))
                for i in range(300)]
    calls = []
    real = similarity._ratio
    monkeypatch.setattr(similarity, "_ratio", lambda a, b, t: calls.append(1) or real(a, b, t))
    (group,) = similarity.similar_groups(sections)
    assert group.units == list(range(300)) and len(group.links) == 299
    assert all(m.share >= similarity.SIMILARITY_THRESHOLD and m.a.unit != m.b.unit for m in group.links)
    assert len(calls) < 3 * 300
    # the links are the ratio the single-report rule works out
    for m in group.links[::50]:
        assert m.share == pytest.approx(reportkit.validation.rules.similarity_ratio(m.b.text, m.a.text), abs=0.02)


def test_groups_match_every_pair_compared_on_a_small_draft_batch():
    """On a batch small enough to compare every pair: the groups are the connected parts of the
    pairs ≥ 80 % alike (nothing the index misses, nothing it adds)."""
    from itertools import combinations

    from reportkit.validation.rules import similarity_ratio, texts

    cur, _ = template_batch(24, rate=0.08)
    sections = [similarity.Section(i, p, similarity.normalise(t)) for i, d in enumerate(cur)
                for p, t in texts(d).items()]
    long = [s for s in sections if len(s.text) >= similarity.MIN_CHARS]
    parent = list(range(len(long)))

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for i, j in combinations(range(len(long)), 2):
        if long[i].unit != long[j].unit and similarity_ratio(long[i].text, long[j].text) >= 0.8:
            parent[find(i)] = find(j)
    want = {}
    for i, s in enumerate(long):
        want.setdefault(find(i), []).append(s)
    want = sorted(sorted((s.unit, s.path) for s in g) for g in want.values() if len({s.unit for s in g}) > 1)
    got = sorted(sorted((s.unit, s.path) for s in g.sections) for g in similarity.similar_groups(sections))
    assert got == want and len(got) >= 3


def test_short_stock_sentences_are_not_copies():
    cur, _ = batch(3)
    for d in cur:
        d["other_matters"] = "本年度无其他需要报告的事项，未收取信息处理费。"
    assert all(u.issues == [] for u in reportkit.review(cur).units)


# ------------------------------------------------------------------ inputs

def test_files_folders_and_unreadable_inputs(tmp_path):
    cur, prev = batch(3)
    for d, folder in ((cur, "2022"), (prev, "2021")):
        (tmp_path / folder).mkdir()
        for n, data in enumerate(d):
            (tmp_path / folder / f"u{n}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "2022" / "manifest.json").write_text("{}", encoding="utf-8")  # a render's manifest: skipped
    (tmp_path / "2022" / "notes.csv").write_text("x", encoding="utf-8")        # not a report file: a row
    (tmp_path / "2022" / "broken.json").write_text("{\"format\": ", encoding="utf-8")
    result = reportkit.review([tmp_path / "2022", tmp_path / "missing.json"], previous=tmp_path / "2021")
    assert [Path(u.source).name for u in result.units] == ["broken.json", "notes.csv", "u0.json", "u1.json",
                                                           "u2.json", "missing.json"]
    broken, notes, *ok, missing = result.units
    assert broken.verdict == notes.verdict == missing.verdict == "无法读取"
    assert "不是有效的 JSON" in broken.first_problem and "文件不存在" in missing.first_problem
    assert "不支持的文件类型“.csv”" in notes.first_problem
    assert [u.verdict for u in ok] == ["通过"] * 3 and all(u.previous for u in ok)
    with pytest.raises(reportkit.UsageError):
        reportkit.review([])


def test_published_documents_and_forms_are_reviewed_with_the_rest(tmp_path, d2021):
    """A supervising office receives Word files, web pages, forms and JSON: one review of all."""
    from reportkit.form import form_bytes

    units = []
    for n in range(4):
        d = copy.deepcopy(d2021)
        d["agency"] = f"云溪县第{n + 1}局"
        d["agency_id"] = f"11000000000000000{n}"
        units.append(d)
    units[3]["problems"] = units[0]["problems"]  # the JSON unit copies the Word unit's 五
    paths = [reportkit.render(units[0], tmp_path / "a", formats=["docx"]).paths[0],
             next(p for p in reportkit.render(units[1], tmp_path / "b", formats=["html"]).paths
                  if not p.name.endswith("粘贴用.html")),
             tmp_path / "c.xlsx", tmp_path / "d.json"]
    paths[2].write_bytes(form_bytes(units[2]))
    paths[3].write_text(json.dumps(units[3], ensure_ascii=False), encoding="utf-8")
    result = reportkit.review(paths)
    assert [u.data["agency"] for u in result.units] == [u["agency"] for u in units]
    assert [u.source for u in result.units] == [str(p) for p in paths]
    copies = [i for u in result.units for i in u.issues if i.check == "copy"]
    assert copies and any("云溪县第1局" in i.message for i in copies if i in result.units[3].issues)


# ------------------------------------------------------------------ the command

def _write_batch(tmp_path, cur, prev):
    for d, folder in ((cur, "2022"), (prev, "2021")):
        (tmp_path / folder).mkdir(exist_ok=True)
        for n, data in enumerate(d):
            (tmp_path / folder / f"u{n:02d}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    from typer.testing import CliRunner

    from reportkit.cli.app import app

    tmp = tmp_path_factory.mktemp("review")
    cur, prev = planted_batch()
    _write_batch(tmp, cur, prev)
    args = ["review", str(tmp / "2022"), "--previous", str(tmp / "2021"), "-o", str(tmp / "审查结果.xlsx"),
            "-o", str(tmp / "审查结果.html")]
    r = CliRunner().invoke(app, args, catch_exceptions=False)
    j = CliRunner().invoke(app, args[:4] + ["--json"], catch_exceptions=False)
    return tmp, cur, r, j


def test_cli_writes_the_workbook_and_the_page_and_exits_1(written, cli):
    tmp, cur, r, j = written
    assert r.exit_code == 1, r.output
    assert "审查汇总：36 个单位" in r.stdout and "不通过 3" in r.stdout
    assert (tmp / "审查结果.xlsx").exists() and (tmp / "审查结果.html").exists()
    assert j.exit_code == 1
    data = json.loads(j.stdout)
    assert [u["verdict"] for u in data["units"]][:8] == ["通过", "不通过", "有警告", "有警告", "有警告", "不通过",
                                                          "有警告", "不通过"]
    assert data["units"][4]["issues"][0]["other"] == cur[3]["agency"]
    assert data["sums"][0]["note"].startswith("本表为所列各单位报告数字的简单加总")
    # nothing overwritten without --force; a wrong suffix is a usage error
    again = cli("review", tmp / "2022", "-o", tmp / "审查结果.xlsx")
    assert again.exit_code == 2 and "--force" in again.output
    assert cli("review", tmp / "2022", "-o", tmp / "x.docx").exit_code == 2
    assert cli("review", tmp / "2022", "-o", tmp / "审查结果.xlsx", "--force").exit_code == 1
    empty = tmp / "empty"
    empty.mkdir()
    r = cli("review", empty)
    assert r.exit_code == 2 and "没有要审查的报告" in r.output


def test_clean_batch_exits_0(tmp_path, cli):
    cur, prev = batch(5)
    _write_batch(tmp_path, cur, prev)
    r = cli("review", tmp_path / "2022", "-p", tmp_path / "2021")
    assert r.exit_code == 0 and "通过 5" in r.stdout


# ------------------------------------------------------------------ the workbook

def _cell_rows(ws):
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_workbook_summary_checks_and_sums_with_cached_values(written):
    import openpyxl

    tmp, cur, _, _ = written
    wb = openpyxl.load_workbook(tmp / "审查结果.xlsx")
    cached = openpyxl.load_workbook(tmp / "审查结果.xlsx", data_only=True)
    assert wb.sheetnames == ["汇总", "校验", "发布时限", "内容雷同", "雷同组", "年度衔接", "地区合计（2021格式）",
                             "各单位数字（2021格式）"]
    summary = wb["汇总"]
    heads = [c.value for c in summary[1]]
    assert summary.auto_filter.ref and summary.freeze_panes == "C2"
    rows = [dict(zip(heads, r)) for r in _cell_rows(summary)[1:]]
    assert [r["单位"] for r in rows] == [d["agency"] for d in cur]
    assert rows[1]["结论"] == "不通过" and "逾期 15 天" in rows[1]["首个问题"] and rows[1]["发布时限"] == 1
    assert rows[4]["内容雷同"] == 1 and cur[3]["agency"] in rows[4]["首个问题"]
    assert rows[0]["结论"] == "通过" and rows[0]["首个问题"] is None
    copies = _cell_rows(wb["内容雷同"])
    assert [r[:3] for r in copies[1:]] == [[cur[3]["agency"], "五、存在的主要问题及改进情况", cur[4]["agency"]],
                                          [cur[4]["agency"], "五、存在的主要问题及改进情况", cur[3]["agency"]]]
    assert wb["内容雷同"]["D2"].number_format == "0%" and 0.9 < copies[1][3] < 1
    late = _cell_rows(wb["发布时限"])[1:]
    assert [r[0] for r in late] == [cur[1]["agency"], cur[2]["agency"]] and late[0][4] == "2023-01-31"
    # the sums: a SUM formula over the per-unit sheet, with its value cached in the file
    sums, sums_cached = wb["地区合计（2021格式）"], cached["地区合计（2021格式）"]
    assert "不能代替本地区人民政府（本级）的政府信息公开工作年度报告" in sums["A1"].value
    figures = layout.figures("2021")
    data = wb["各单位数字（2021格式）"]
    data_heads = [c.value for c in data[1]]
    assert data_heads[2:] == [f.label for f in figures]
    for r, f in enumerate(figures, start=5):
        formula = sums.cell(r, 4).value
        pattern = r"=SUM\('各单位数字（2021格式）'!(?P<c>[A-Z]+)2:(?P=c)" + str(len(cur) + 1) + r"\)"
        assert re.fullmatch(pattern, formula), formula
        values = [expected_figures(build_context(d))[f.path] for d in cur]
        want = float(sum(Decimal(v) for v in values))
        assert sums_cached.cell(r, 4).value == pytest.approx(want), f.label
        assert sums.cell(r, 3).value == " / ".join(f.col_labels)


@needs_libreoffice
def test_libreoffice_recalculates_the_sums_to_the_cached_values(written, tmp_path):
    import openpyxl

    from reportkit.writing.pdf import find_soffice

    tmp, _, _, _ = written
    src = tmp_path / "in.xlsx"
    shutil.copy(tmp / "审查结果.xlsx", src)
    out = tmp_path / "out"
    subprocess.run([find_soffice(), f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(out), str(src)], capture_output=True, timeout=120,
                   check=True)
    ours = openpyxl.load_workbook(src, data_only=True)["地区合计（2021格式）"]
    theirs = openpyxl.load_workbook(out / "in.xlsx", data_only=True)["地区合计（2021格式）"]
    n = len(layout.figures("2021"))
    assert [theirs.cell(r, 4).value for r in range(5, 5 + n)] == pytest.approx(
        [ours.cell(r, 4).value for r in range(5, 5 + n)])


# ------------------------------------------------------------------ the page

SVG = "{http://www.w3.org/2000/svg}"


def _parse(text):
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)


def test_page_is_valid_loads_nothing_and_admits_only_its_own_script(written):
    tmp, cur, _, _ = written
    text = (tmp / "审查结果.html").read_text(encoding="utf-8")
    root = _parse(text)
    csp = root.find(".//meta[@http-equiv='Content-Security-Policy']").get("content")
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert csp == f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:"
    (script,) = root.findall(".//script")
    assert script.text == SCRIPT and not script.get("src")
    assert not re.search(r"(src|href)=\"(?!#)", text) and "url(" not in text
    tables = {t.get("id"): t for t in root.iter("table")}
    assert set(tables) == {"t-summary", "t-validation", "t-deadline", "t-copy", "t-copy-groups", "t-year_on_year",
                           "t-sums-2021"}
    body = tables["t-summary"].find("tbody")
    assert [tr[1].text for tr in body] == [d["agency"] for d in cur]
    assert len(tables["t-sums-2021"].find("tbody")) == len(layout.figures("2021"))


def test_charts_are_inline_svg_one_bar_per_unit(written):
    tmp, cur, _, _ = written
    root = _parse((tmp / "审查结果.html").read_text(encoding="utf-8"))
    apps, mix = root.findall(f".//{SVG}svg")
    received = sorted((sum(d["requests"]["received"].values()), d["agency"]) for d in cur)
    bars = [(float(r.get("width")), g.find(f"{SVG}title").text) for g in apps.iter(f"{SVG}g")
            for r in g.iter(f"{SVG}rect")]
    assert len(bars) == len(cur) <= CHART_UNITS
    top = max(n for n, _ in received)
    for (width, title), (n, name) in zip(bars, sorted(received, key=lambda x: -x[0])):
        assert title == f"{name}：{n} 件" and width == pytest.approx(480 * n / top, abs=0.1)
    # the outcome mix: each unit's stacked segments fill the bar in proportion
    groups = list(mix.iter(f"{SVG}g"))
    assert len(groups) == len(cur)
    for g in groups:
        widths = [float(r.get("width")) for r in g.iter(f"{SVG}rect")]
        assert widths and sum(widths) == pytest.approx(480, abs=0.5)


@needs_chromium
def test_page_in_chromium_screenshot_and_sorting(written, tmp_path):
    tmp, cur, _, _ = written
    page = tmp / "审查结果.html"
    base = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--no-first-run", "--hide-scrollbars"]
    shot = tmp_path / "review.png"
    subprocess.run(base + ["--window-size=1400,1800", f"--screenshot={shot}", page.as_uri()], capture_output=True,
                   timeout=60)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 30_000
    # sorted by the 错误 column, descending, by the page's own script on opening
    dom = subprocess.run(base + ["--dump-dom", page.as_uri() + "#sort=t-summary:8:desc"], capture_output=True,
                         timeout=60).stdout.decode("utf-8")
    body = html5lib.parse(dom, namespaceHTMLElements=False).find(".//table[@id='t-summary']/tbody")
    errors = [int(tr[8].text or 0) for tr in body]
    assert errors == sorted(errors, reverse=True) and errors[0] == 2
    assert body[0][1].text == cur[7]["agency"]  # the imbalance: two errors
    th = html5lib.parse(dom, namespaceHTMLElements=False).find(".//table[@id='t-summary']/thead/tr")[8]
    assert th.get("aria-sort") == "descending"


def test_review_to_dict_is_json(planted):
    cur, _, result = planted
    d = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))
    assert d["verdicts"] == {"通过": 29, "有警告": 4, "不通过": 3, "无法读取": 0}
    assert d["checks"]["copy"]["problems"] == 2
    total = next(f for f in d["sums"][0]["figures"] if f["path"] == "requests.received.total")
    assert total["value"] == sum(sum(d["requests"]["received"].values()) for d in cur)


def test_readme_review_example_runs(tmp_path):
    import sys

    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (code,) = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "reportkit.review(" in b]
    cur, prev = batch(3)
    _write_batch(tmp_path, cur, prev)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [f"{d['agency']} 通过 " for d in cur]
    assert (tmp_path / "审查结果.xlsx").exists()


def test_a_unit_sent_twice_and_a_date_before_the_year_ended():
    cur, prev = batch(3)
    cur.append(copy.deepcopy(cur[0]))
    cur[1]["published"] = "2022-11-30"
    result = reportkit.review(cur, previous=prev)
    first, early, _, again = result.units
    assert [(i.code, i.severity) for i in first.issues] == [("duplicate", "warning")]
    assert "<第 4 份>" in first.issues[0].message and "<第 1 份>" in again.issues[0].message
    assert [(i.check, i.code, i.severity) for i in early.issues] == [("deadline", "early", "warning")]
    assert "早于报告年度结束" in early.first_problem


@pytest.mark.parametrize("with_previous", [False, True], ids=["alone", "with-last-year"])
def test_units_whose_tables_break_the_schema_are_rows_not_the_end_of_the_review(tmp_path, with_previous):
    """A figure written as text, a fraction, a null, or a year no calendar holds, this year or last:
    the unit is reported and left out of the comparisons, sums and charts; the review and every
    output are made."""
    cur, prev = batch(6)
    cur[1]["requests"]["received"]["natural"] = "12"
    cur[2]["year"] = 99999
    cur[3]["appeals"]["reconsideration"]["upheld"] = 1.5
    prev[4]["requests"]["carried_forward"]["natural"] = None
    prev[5]["requests"]["received"]["business"] = "三"
    result = reportkit.review(cur, previous=prev if with_previous else None)
    units = result.units
    assert [u.verdict for u in units[:4]] == ["通过", "不通过", "不通过", "不通过"]
    for u in units[1:4]:
        assert u.errors[0].code.startswith("schema"), [i.text() for i in u.issues]
    assert [i for i, _ in result.sums[0].excluded] == [1, 3]  # 99999: its year is wrong, not its tables
    if with_previous:
        for u in (units[1], units[3], units[4], units[5]):
            assert ("year_on_year", "not-compared", "info") in _codes(u), [i.text() for i in u.issues]
    for suffix in (".html", ".xlsx", ".json"):
        result.write(tmp_path / f"审查结果{suffix}")
    page = (tmp_path / "审查结果.html").read_text(encoding="utf-8")
    charted = re.findall(r"<title>([^<：]+)：\d+ 件</title>", page)
    assert cur[1]["agency"] not in charted and cur[0]["agency"] in charted


def test_a_report_dated_the_last_day_of_its_year_is_early_as_validation_says():
    """Validation warns that a 成文日期 on 12月31日 is not after the year; the review says the same
    under its deadline check (it once re-derived the rule with < and said nothing)."""
    cur, prev = batch(2)
    cur[1]["published"] = f"{cur[1]['year']}-12-31"
    assert "published-early" in [f.code for f in reportkit.validate(cur[1])]
    unit = reportkit.review(cur, previous=prev).units[1]
    assert [(i.check, i.code, i.severity) for i in unit.issues] == [("deadline", "early", "warning")]


def test_each_unit_s_figures_are_worked_out_once(monkeypatch):
    """The year-on-year check and the region's sums share each unit's figures (Unit.figures): the
    tables of a unit are completed once, not once per check."""
    from reportkit.reviewing import checks

    cur, prev = batch(6)
    seen = []
    real = checks.figures
    monkeypatch.setattr(checks, "figures", lambda data, edition: seen.append(id(data)) or real(data, edition))
    result = reportkit.review(cur, previous=prev)
    assert result.sums and all(u.previous for u in result.units)
    assert len(seen) == len(set(seen)) == 2 * len(cur)  # this year's and last year's, each once


# ------------------------------------------------------------------ every input a row

#: files a supervising office is sent that the review cannot read: (name, bytes, words the row's reason holds)
BROKEN = [
    ("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), ("旧版 Excel", "另存为” .xlsx")),
    ("b.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), ("旧版 Word", "另存为” .docx")),
    ("c.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), ("WPS 文字", ".docx")),
    ("d.ofd", b"PK\x03\x04" + bytes(60), ("OFD 版式文件", ".pdf")),
    ("e.et", b"\xd0\xcf\x11\xe0" + bytes(60), ("WPS 表格", ".xlsx")),
    ("f.csv", "单位,年度\n".encode(), ("不支持的文件类型“.csv”", ".json")),
    ("g", b"{}", ("不支持的文件类型“（无扩展名）”",)),
    ("h.json", b'{"format": "2021", ', ("不是有效的 JSON",)),
    ("i.json", "{}".encode("utf-16"), ("UTF-8",)),
    ("j.xlsx", b"not a workbook", ()),
    ("k.docx", b"not a zip", ("不是有效的 .docx",)),
    ("l.pdf", b"%PDF-1.4\n%broken", ()),
    ("m.json", b"[1, 2]", ()),
    ("n.html", b"", ()),
    ("o.txt", "这不是年度报告。".encode(), ()),
    ("p.xls", b"", ("旧版 Excel",)),
    ("q.doc", b"", ("旧版 Word",)),
    ("r.wps", b"", ("WPS",)),
    ("s.ofd", b"", ("OFD",)),
]


def _broken_folder(folder: Path, good: list[dict]) -> list[str]:
    """``folder`` with the good reports as JSON and every BROKEN file, and a sub-folder: the names."""
    folder.mkdir(parents=True, exist_ok=True)
    for n, d in enumerate(good):
        (folder / f"u{n:03d}.json").write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    for name, raw, _ in BROKEN:
        (folder / name).write_bytes(raw)
    (folder / "子文件夹").mkdir()
    return sorted(p.name for p in folder.iterdir())


def test_a_review_of_200_files_with_20_broken_lists_200_units(tmp_path, cli):
    """Every file of the folder is a row of the command's JSON, the 20 broken ones 无法读取 with a
    Chinese reason naming the file; the others reviewed as if alone; not ok, exit 1."""
    cur, _ = batch(180)
    names = _broken_folder(tmp_path / "2022", cur)
    assert len(names) == 200
    r = cli("review", tmp_path / "2022", "--json")
    assert r.exit_code == 1, r.output
    data = r.json()
    assert len(data["units"]) == 200 and data["ok"] is False
    assert [Path(u["source"]).name for u in data["units"]] == names
    assert data["verdicts"] == {"通过": 180, "有警告": 0, "不通过": 0, "无法读取": 20}
    rows = {Path(u["source"]).name: u for u in data["units"]}
    for name, _, words in BROKEN:
        row = rows[name]
        assert row["verdict"] == "无法读取" and row["error"]["message"], name
        assert row["first_problem"].startswith("无法读取：") and "Traceback" not in row["first_problem"], name
        assert re.search("[\u4e00-\u9fff]", row["error"]["message"]), (name, row["error"]["message"])
        for w in words:
            assert w in row["error"]["message"], (name, row["error"]["message"])
    assert "子文件夹不逐层审查" in rows["子文件夹"]["error"]["message"]
    assert all(rows[f"u{n:03d}.json"]["verdict"] == "通过" for n in range(180))
    # the table says the same
    table = cli("review", tmp_path / "2022")
    assert table.exit_code == 1 and "审查汇总：200 个单位" in table.stdout and "无法读取 20" in table.stdout


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no named pipes here")
def test_a_pipe_or_a_device_in_the_folder_is_a_row_not_a_hang(tmp_path):
    import os

    cur, _ = batch(2)
    _write_batch(tmp_path, cur, [])
    os.mkfifo(tmp_path / "2022" / "pipe.json")
    (tmp_path / "2022" / "zero.pdf").symlink_to("/dev/zero")
    result = reportkit.review(tmp_path / "2022")
    rows = {Path(u.source).name: u for u in result.units}
    assert [u.verdict for u in result.units].count("通过") == 2 and len(rows) == 4
    for name in ("pipe.json", "zero.pdf"):
        assert rows[name].verdict == "无法读取" and "不是普通文件" in rows[name].first_problem


def test_the_workbook_and_page_list_unreadable_files(tmp_path):
    import openpyxl

    cur, _ = batch(3)
    _broken_folder(tmp_path / "in", cur)
    result = reportkit.review(tmp_path / "in")
    result.write(tmp_path / "r.xlsx")
    result.write(tmp_path / "r.html")
    summary = openpyxl.load_workbook(tmp_path / "r.xlsx")["汇总"]
    heads = [c.value for c in summary[1]]
    rows = [dict(zip(heads, r)) for r in _cell_rows(summary)[1:]]
    assert len(rows) == 3 + len(BROKEN) + 1
    xls = next(r for r in rows if Path(r["输入文件"]).name == "a.xls")
    assert xls["结论"] == "无法读取" and "旧版 Excel" in xls["首个问题"]
    body = _parse((tmp_path / "r.html").read_text(encoding="utf-8")).find(".//table[@id='t-summary']/tbody")
    assert len(body) == len(rows) and sum(tr[7].text == "无法读取" for tr in body) == len(BROKEN) + 1


def test_a_bug_met_on_one_file_is_that_file_s_row(tmp_path, monkeypatch):
    """A crash reading one file, and a crash validating another: those two rows say 内部错误 (the
    traceback in JSON, for a bug report); the other units are reviewed, compared and summed."""
    import reportkit.reviewing as reviewing  # the review calls load and validate by the names it imported

    cur, _ = batch(4)
    _write_batch(tmp_path, cur, [])
    real_load, real_validate = reviewing.load, reviewing.validate

    def load(source, **kw):
        if str(source).endswith("u01.json"):
            raise RecursionError("maximum recursion depth exceeded")
        return real_load(source, **kw)

    def validate(data, **kw):
        if isinstance(data, dict) and data.get("agency") == cur[2]["agency"]:
            raise ZeroDivisionError("division by zero")
        return real_validate(data, **kw)

    monkeypatch.setattr(reviewing, "load", load)
    monkeypatch.setattr(reviewing, "validate", validate)
    result = reportkit.review(tmp_path / "2022")
    verdicts = [u.verdict for u in result.units]
    assert verdicts == ["通过", "无法读取", "无法读取", "通过"]
    for u, what in ((result.units[1], "RecursionError"), (result.units[2], "ZeroDivisionError")):
        assert u.error.code == "internal" and "内部错误" in u.first_problem and what in u.first_problem
        assert "Traceback" in u.to_dict()["error"]["traceback"]
    (sums,) = result.sums
    assert sums.units == [0, 3]
    assert not result.ok and json.loads(json.dumps(result.to_dict()))["verdicts"]["无法读取"] == 2


# ------------------------------------------------------------------ last year's reports

def test_previous_that_does_not_exist_or_is_empty_is_a_usage_error(tmp_path, cli):
    cur, prev = batch(2)
    _write_batch(tmp_path, cur, prev)
    (tmp_path / "empty").mkdir()
    for where in (tmp_path / "nope", tmp_path / "empty"):
        with pytest.raises(reportkit.UsageError):
            reportkit.review(tmp_path / "2022", previous=where)
        r = cli("review", tmp_path / "2022", "--previous", where)
        assert r.exit_code == 2 and "上一年度的报告" in r.stderr and str(where) in r.stderr and r.stdout == ""
        j = cli("review", tmp_path / "2022", "--previous", where, "--json")
        assert j.exit_code == 2 and j.json()["ok"] is False and "--previous" in j.json()["error"]["message"]
    assert "不存在" in cli("review", tmp_path / "2022", "-p", tmp_path / "nope").stderr
    assert "没有文件" in cli("review", tmp_path / "2022", "-p", tmp_path / "empty").stderr


def test_an_unreadable_last_year_file_is_said_on_its_unit_not_passed(tmp_path, cli):
    """Last year's u01.json is cut short: unit 1 is not compared, and says so (a warning naming
    the file), instead of passing as if it had no last year; the others pair as usual; the
    review is not ok (exit 1) and lists the file."""
    cur, prev = batch(3)
    _write_batch(tmp_path, cur, prev)
    last = tmp_path / "2021" / "u01.json"
    last.write_text(last.read_text(encoding="utf-8")[:200], encoding="utf-8")
    result = reportkit.review(tmp_path / "2022", previous=tmp_path / "2021")
    a, b, c = result.units
    assert a.previous and c.previous and b.previous is None
    assert [u.verdict for u in result.units] == ["通过", "有警告", "通过"]
    (issue,) = b.issues
    assert (issue.check, issue.code, issue.severity) == ("year_on_year", "previous-unreadable", "warning")
    assert str(last) in issue.message and "无法读取" in issue.message and "不是有效的 JSON" in issue.message
    assert not result.ok and [p.source for p in result.previous_unreadable] == [str(last)]
    r = cli("review", tmp_path / "2022", "-p", tmp_path / "2021", "--json")
    assert r.exit_code == 1
    data = r.json()
    assert data["ok"] is False and [p["source"] for p in data["previous_unreadable"]] == [str(last)]
    assert data["units"][1]["first_warning"].startswith(f"上一年度的报告 {last} 无法读取")


def test_an_unreadable_last_year_file_no_unit_is_named_after_warns_every_unpaired_unit(tmp_path):
    cur, prev = batch(3)
    for n in range(3):
        cur[n]["agency"] = f"第{n}局"
    folder = tmp_path / "2021"
    folder.mkdir()
    (folder / "x.json").write_text(json.dumps(prev[0], ensure_ascii=False), encoding="utf-8")
    (folder / "旧表.xls").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(60))
    cur[1].pop("agency_id")
    cur[2].pop("agency_id")
    result = reportkit.review(cur, previous=folder)
    assert [u.previous is not None for u in result.units] == [True, False, False]
    for u in result.units[1:]:
        assert [i.code for i in u.issues] == ["previous-unreadable"] and "旧表.xls" in u.first_warning
    assert result.units[0].issues == []


# ------------------------------------------------------------------ one draft, many units: groups

@pytest.fixture(scope="module")
def drafted(tmp_path_factory):
    """40 units whose prose came from one draft, plus one unit with prose of its own, through the
    command: the workbook, the page and the JSON."""
    from typer.testing import CliRunner

    from reportkit.cli.app import app

    tmp = tmp_path_factory.mktemp("draft")
    cur, prev = template_batch(40)
    own, own_last = pair(40)
    cur.append(own)
    prev.append(own_last)
    _write_batch(tmp, cur, prev)
    args = ["review", str(tmp / "2022"), "-p", str(tmp / "2021")]
    r = CliRunner().invoke(app, args + ["-o", str(tmp / "r.xlsx"), "-o", str(tmp / "r.html")],
                           catch_exceptions=False)
    j = CliRunner().invoke(app, args + ["--json"], catch_exceptions=False)
    return tmp, cur, r, json.loads(j.stdout)


def test_a_shared_draft_is_reported_as_groups_one_issue_a_unit_s_section(drafted):
    tmp, cur, r, data = drafted
    from reportkit.validation.findings import json_path
    from reportkit.validation.rules import texts

    groups = data["copy_groups"]
    # each long section of the draft: the units holding it are one group (nearly all), not n(n-1)/2 pairs
    draft = {p for p, t in texts(cur[0]).items() if len(similarity.normalise(t)) >= 120}
    holding: dict[str, set] = {}
    for d in cur[:40]:
        for p, t in texts(d).items():
            if p in draft:   # (a unit with more sections than the draft wrote the others itself)
                holding.setdefault(json_path(p), set()).add(d["agency"])
    assert len(holding) >= 3
    for path, names in holding.items():
        (g,) = [g for g in groups if {m["path"] for m in g["members"]} == {path} and len(g["units"]) > 2]
        assert set(g["units"]) <= names and len(g["units"]) >= 0.9 * len(names), path
        assert len(g["members"]) == g["size"]
        assert all(m["share"] >= 0.8 and m["nearest"] != m["unit"] for m in g["members"])
    assert all(cur[40]["agency"] not in g["units"] for g in groups)
    # each unit: one copy issue per section of it in a group, naming its group and how many share it
    for u in data["units"][:40]:
        copies = [i for i in u["issues"] if i["check"] == "copy"]
        mine = [g for g in groups if u["agency"] in g["units"]]
        assert sorted(i["group"] for i in copies) == sorted(g["group"] for g in mine for m in g["members"]
                                                          if m["unit"] == u["agency"])
        for i in copies:
            g = groups[i["group"] - 1]
            if g["size"] > 2:
                assert f"属雷同组 {g['group']}：{g['size']} 个单位的“{g['label']}”彼此雷同" in i["message"]
                # the group's names are in its list, not in each unit's issue: only the nearest is named
                assert [n for n in g["units"] if n in i["message"]] == [i["other"]]
    assert data["units"][40]["verdict"] == "通过"
    assert data["checks"]["copy"]["problems"] == sum(len(g["members"]) for g in groups) < 40 * 39
    assert f"雷同组 1：{groups[0]['size']} 个单位" in r.stdout


def test_the_workbook_and_page_list_the_groups(drafted):
    import openpyxl

    tmp, cur, _, data = drafted
    wb = openpyxl.load_workbook(tmp / "r.xlsx")
    sheet = _cell_rows(wb["雷同组"])
    assert sheet[0] == ["雷同组", "部分", "单位数", "彼此雷同的单位"]
    assert [(r[0], r[1], r[2], r[3].split("、")) for r in sheet[1:]] == [
        (g["group"], g["label"], g["size"], g["units"]) for g in data["copy_groups"]]
    detail = _cell_rows(wb["内容雷同"])
    heads = detail[0]
    assert heads[-2:] == ["雷同组", "组内单位数"]
    size = {g["group"]: g["size"] for g in data["copy_groups"]}
    assert len(detail) - 1 == data["checks"]["copy"]["problems"]
    assert all(size[r[-2]] == r[-1] for r in detail[1:])
    root = _parse((tmp / "r.html").read_text(encoding="utf-8"))
    body = root.find(".//table[@id='t-copy-groups']/tbody")
    assert [(int(tr[0].text), tr[1].text, int(tr[2].text), tr[3].text.split("、")) for tr in body] == [
        (g["group"], g["label"], g["size"], g["units"]) for g in data["copy_groups"]]
