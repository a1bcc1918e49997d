"""``reportkit templates check`` on Word templates: it lints exactly what render renders, and
reports what render would refuse or get wrong -- before anyone renders.

Each case is also rendered, so that check and render are seen to agree.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

import reportkit
from reportkit.writing import docx as engine
from reportkit.limits import TemplateLimits

from .conftest import ROOT, XINYI, YUNXI
from .test_docx_engine import BROKEN, EXTERNAL_IMAGE, TEMPLATES, template_set

RECEIVED = "{{ requests.received.natural }}"
RECEIVED_LABEL = "三、收到和处理政府信息公开申请情况 / 一、本年新收政府信息公开申请数量 / 自然人"


def _edit_zip(path: Path, member: str, old: str, new: str):
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, body in items:
            if info.filename == member:
                text = body.decode("utf-8")
                assert old in text, (member, old)
                body = text.replace(old, new, 1).encode("utf-8")
            z.writestr(info, body)


def _text(v) -> str:
    return "" if v is None else str(v).strip()


def check(cli, tpl: Path) -> tuple[int, str, list[dict]]:
    r = cli("templates", "check", tpl)
    js = cli("templates", "check", tpl, "--json").json()
    assert r.exit_code == (0 if js["ok"] else 1)
    return r.exit_code, r.stdout, js["problems"]


def errors(problems: list[dict]) -> list[dict]:
    return [p for p in problems if p["severity"] == "error"]


# ----------------------------------------------------------------------------- the basics


def test_templates_check_passes_the_defaults(tmp_path, cli):
    cli("templates", "export", tmp_path / "t")
    r = cli("templates", "check", tmp_path / "t")
    assert r.exit_code == 0, r.stdout
    assert "✗" not in r.stdout and "!" not in r.stdout.replace("！", "")


def test_templates_check_catches_misspelled_field_and_missing_figure(tmp_path, cli):
    tdir = tmp_path / "t"
    cli("templates", "export", tdir)
    _edit_zip(tdir / "docx" / "report-2021.docx", "word/document.xml", "一、总体情况", "一、总体情况{{ doc.titel }}{{ agnecy }}")
    wb = openpyxl.load_workbook(tdir / "xlsx" / "report-2019.xlsx")
    ws = wb["三、依申请公开"]
    hit = [c for row in ws.iter_rows() for c in row if _text(c.value) == RECEIVED]
    hit[0].value = None
    wb.save(tdir / "xlsx" / "report-2019.xlsx")
    r = cli("templates", "check", tdir)
    assert r.exit_code == 1
    assert "doc.titel" in r.stdout and "是否应为 “title”" in r.stdout
    assert "agnecy" in r.stdout and "是否应为 “agency”" in r.stdout
    assert f"模板中没有放置官方数字：{RECEIVED_LABEL}" in r.stdout
    out = cli("templates", "check", tdir, "--json").json()
    assert out["ok"] is False and {p["field"] for p in out["problems"]} >= {"doc.titel", "agnecy",
                                                                             "requests.received.natural"}


def test_templates_check_reports_syntax_errors_with_context(tmp_path, cli):
    tdir = tmp_path / "t"
    cli("templates", "export", tdir)
    _edit_zip(tdir / "docx" / "report-2019.docx", "word/document.xml", "一、总体情况", "一、总体情况{{ agency + }}")
    r = cli("templates", "check", tdir)
    assert r.exit_code == 1 and "Jinja 语法错误" in r.stdout and "一、总体情况{{ agency + }}" in r.stdout
    assert "没有放置官方数字" not in r.stdout  # no noise from the broken part
    with pytest.raises(reportkit.TemplateError) as e:
        reportkit.render(XINYI, tmp_path / "out", templates=tdir, formats=["docx"])
    assert "report-2019.docx" in str(e.value) and "一、总体情况{{ agency + }}" in str(e.value)
    assert not (tmp_path / "out").exists()


def test_templates_check_missing_folder_is_usage(cli, tmp_path):
    assert cli("templates", "check", tmp_path / "nope").exit_code == 2


def test_committed_word_templates_match_their_builder():
    r = subprocess.run([sys.executable, "tools/build_docx_templates.py", "--check"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


# ----------------------------------------------------------------------------- 7.15 the same parts as render


CORE_SUBJECT = "<dc:subject>政府信息公开工作年度报告（2021年版格式）</dc:subject>"


@pytest.mark.parametrize("member,old,new,where", [
    ("docProps/core.xml", CORE_SUBJECT, "<dc:subject>{{ agnecy }}的报告</dc:subject>", "docProps/core.xml（subject）"),
    ("word/footer1.xml", "<w:t xml:space=\"preserve\">— </w:t>", "<w:t xml:space=\"preserve\">{{ agnecy }}— </w:t>",
     "word/footer1.xml"),
], ids=["core-properties", "footer"])
def test_check_lints_every_part_render_renders(tmp_path, cli, member, old, new, where):
    tpl = template_set(tmp_path, replace={member: (old, new)})
    code, _, problems = check(cli, tpl)
    hits = [p for p in errors(problems) if p["field"] == "agnecy"]
    assert code == 1 and hits and where in hits[0]["where"] and "是否应为 “agency”" in hits[0]["message"]
    with pytest.raises(reportkit.TemplateError, match="agnecy"):
        reportkit.render(YUNXI, tmp_path / "out", formats=["docx"], templates=tpl)


# ----------------------------------------------------------------------------- 8.5 figures printed as computed


@pytest.mark.parametrize("new,verdict", [
    ("{{ requests.received.natural + 1000 }}", "modified"),
    ("{{ requests.received.natural|float }}", "modified"),
    ("{{ requests.received.natural or '—' }}", "modified"),
    ("{{ '%d' % requests.received.natural }}", "modified"),
    ("{% set n = requests.received.natural * 2 %}{{ n }}", "modified"),
    ("{% set n %}{{ requests.received.natural }}{% endset %}{{ n ~ '件' }}", "modified"),
    ("{% if false %}{{ requests.received.natural }}{% endif %}", "never"),
    ("{% for x in [] %}{{ requests.received.natural }}{% endfor %}", "never"),
    ("{% macro cell() %}{{ requests.received.natural }}{% endmacro %}", "never"),
    ("{% if rollup %}{{ requests.received.natural }}{% endif %}", "conditional"),
    ("{{ requests.received.natural|string }}", "ok"),
    ("{{ requests.received.natural|e }}", "ok"),
    ("{% if true %}{{ requests.received.natural }}{% endif %}", "ok"),
    ("{% if requests.received.natural > 0 %}{% endif %}{{ requests.received.natural }}", "ok"),
    ("{% macro cell() %}{{ requests.received.natural }}{% endmacro %}{{ cell() }}", "ok"),
    ("{{ requests.received.natural if rollup else 0 }}", "modified"),
    ("{% for c in requests.received.natural|string %}{{ c }}{% endfor %}", "modified"),
    ("{% filter upper %}{{ requests.received.natural }}{% endfilter %}", "modified"),
    ("{% macro cell(v) %}{{ v }}{% endmacro %}{{ cell(requests.received.natural) }}", "modified"),
    ("{% with n = requests.received.natural %}{{ n }}{% endwith %}", "modified"),
    ("{% if false %}{% elif true %}{{ requests.received.natural }}{% endif %}", "ok"),
    ("{% if false %}{% else %}{{ requests.received.natural }}{% endif %}", "ok"),
    ("{% with n = 1 %}{{ requests.received.natural }}{% endwith %}", "ok"),
    ("{% autoescape true %}{{ requests.received.natural }}{% endautoescape %}", "ok"),
    ("{% macro m(n) %}{{ requests.received.natural }}{% if n %}{{ m(n - 1) }}{% endif %}{% endmacro %}{{ m(1) }}",
     "ok"),
    ("{% if rollup %}{% elif requests.received.natural > 0 %}{{ requests.received.natural }}{% endif %}", "conditional"),
    ("{% for x in [] %}{% else %}{{ requests.received.natural }}{% endfor %}", "conditional"),
    ("{% filter e %}{{ requests.received.natural }}{% endfilter %}", "conditional"),
    ("{% macro cell() %}{{ caller() }}{% endmacro %}{% call cell() %}{{ requests.received.natural }}{% endcall %}",
     "conditional"),
], ids=["plus-1000", "float", "or-dash", "percent", "set-times-2", "set-block", "if-false", "empty-loop", "macro-never-called",
        "conditional", "string", "escape", "if-true", "condition-then-plain", "macro-called",
        "if-else-expression", "loop-over-figure", "filter-block", "macro-argument", "with-binding",
        "elif-true", "else-of-if-false", "with-body", "autoescape-block", "recursive-macro",
        "elif-runtime", "for-else", "filter-block-escape", "call-block"])
def test_check_knows_a_figure_is_printed_as_computed(tmp_path, cli, new, verdict):
    tpl = template_set(tmp_path, replace={"word/document.xml": (RECEIVED, new)})
    code, out, problems = check(cli, tpl)
    mine = [p for p in problems if p["field"] == "requests.received.natural"]
    if verdict == "ok":
        assert code == 0 and not mine, out
    elif verdict == "conditional":
        assert code == 0 and [p["severity"] for p in mine] == ["warning"], out
        assert "只在条件成立或循环中才输出" in mine[0]["message"]
    elif verdict == "never":
        assert code == 1 and any(f"模板中没有放置官方数字：{RECEIVED_LABEL}" in p["message"] for p in mine), out
    else:
        assert code == 1 and any("官方数字必须原样输出" in p["message"] and RECEIVED_LABEL in p["message"]
                                 and "word/document.xml" in p["where"] for p in mine), out


# ----------------------------------------------------------------------------- 8.3 check never hangs or crashes


def test_check_runs_the_template_once_under_the_limits(tmp_path, cli, monkeypatch):
    """What fails only when it runs is found by check: it renders a sample report, budgeted."""
    monkeypatch.setattr(engine, "DEFAULT_LIMITS", TemplateLimits(seconds=0.3))
    cases = {
        "runtime": ("{{ 1 / (year - year) }}", "ZeroDivisionError"),
        "memory": ("{{ 'x' * 10**9 }}", "内存限制"),
        "time": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", "时间限制"),
        "xml": ("{{ '&lt;/w:t&gt;&lt;/w:r&gt;&lt;/w:p&gt;'|safe }}", "模板生成的内容不是有效的 XML"),
    }
    for case, (payload, expected) in cases.items():
        tpl = template_set(tmp_path / case, replace={"word/document.xml": ("一、总体情况", f"一、总体情况{payload}")})
        code, out, problems = check(cli, tpl)
        assert code == 1 and any("用示例数据试生成失败" in p["message"] and expected in p["message"]
                                 for p in problems), (case, out)


def test_check_does_not_crash_on_deep_nesting(tmp_path, cli):
    tpl = template_set(tmp_path, replace={"word/document.xml": ("一、总体情况", "一、总体情况{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}")})
    code, out, problems = check(cli, tpl)
    assert code == 1 and any("嵌套过深" in p["message"] for p in problems), out
    with pytest.raises(reportkit.TemplateError, match="嵌套过深"):
        reportkit.render(YUNXI, tmp_path / "out", formats=["docx"], templates=tpl)


def _check_subprocess(tpl: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reportkit", "templates", "check", str(tpl)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_check_does_not_hang_on_a_fifo(tmp_path):
    for kind in ("docx", "xlsx"):
        path = tmp_path / "tpl" / kind / f"report-2021.{kind}"
        path.parent.mkdir(parents=True)
        os.mkfifo(path)
    r = _check_subprocess(tmp_path / "tpl")
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert [line for line in r.stdout.splitlines() if "不是普通文件" in line and "report-2021.docx" in line]
    assert [line for line in r.stdout.splitlines() if line.startswith("✗") and "report-2021.xlsx" in line]


def test_check_refuses_a_huge_part_at_once(tmp_path):
    path = tmp_path / "tpl" / "docx" / "report-2021.docx"
    with zipfile.ZipFile(TEMPLATES["2021"]) as zi:
        items = {n: zi.read(n) for n in zi.namelist()}
    xml = items["word/document.xml"].decode()
    filler = "<w:p><w:r><w:t>" + "填" * 1000 + "</w:t></w:r></w:p>"
    items["word/document.xml"] = xml.replace("<w:body>", "<w:body>" + filler * 63000, 1).encode()  # ~190 MB
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zo:
        for n, body in items.items():
            zo.writestr(n, body)
    assert zipfile.ZipFile(path).getinfo("word/document.xml").file_size > 180 * 2 ** 20
    r = _check_subprocess(tmp_path / "tpl")
    assert r.returncode == 1 and "word/document.xml 过大" in r.stdout and "Traceback" not in r.stderr


# ----------------------------------------------------------------------------- 8.4, 8.6 files


def test_check_reports_an_external_relationship(tmp_path, cli):
    tpl = template_set(tmp_path, replace={"word/_rels/document.xml.rels": (
        "</Relationships>", EXTERNAL_IMAGE.format(target="file:///etc/passwd"))})
    code, out, problems = check(cli, tpl)
    assert code == 1 and any("file:///etc/passwd" in p["message"] for p in errors(problems)), out


@pytest.mark.parametrize("case", list(BROKEN))
def test_check_names_a_broken_template_file(tmp_path, cli, case):
    make, expected = BROKEN[case]
    code, out, problems = check(cli, make(tmp_path))
    assert code == 1 and any(expected in p["message"] and p["template"].endswith("report-2021.docx")
                             for p in errors(problems)), out
