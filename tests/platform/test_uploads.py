"""Starting from what the unit has: a published report (Word, web page) or a form of this year
becomes a version; last year's is carried over by init --from's rules; refusals are clear and
leave nothing half-imported."""

from __future__ import annotations

import json
import re

import pytest

import reportkit
from reportkit.form import form_bytes

from .conftest import new_report
from .helpers import page, yunxi

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The example rendered by the library as Word and a web page: a published report."""
    out = tmp_path_factory.mktemp("published")
    result = reportkit.render(yunxi(), out / "set", formats=["docx", "html"])
    return {p.suffix: p for p in result.paths}


def _upload(c, rid, name, raw, **fields):
    return c.post(f"/reports/{rid}/upload", files={"file": (name, raw)}, data=fields)


def _version(c, rid, n):
    r = c.get(f"/reports/{rid}/versions/{n}.json")
    return json.loads(r.content) if r.status_code == 200 else None


def _figures(data):
    return {k: data[k] for k in ("proactive", "requests", "appeals")}


def _strip_totals(node):
    if isinstance(node, dict):
        return {k: _strip_totals(v) for k, v in node.items() if k != "total"}
    return node


@pytest.mark.parametrize("suffix", [".docx", ".html"])
def test_a_published_report_of_the_year_becomes_a_version(server, published, suffix):
    c, rid = new_report(server, "clerk_a", "zrzyj", 2021)
    base = len(page(c.get(f"/reports/{rid}/versions/").text).findall(".//table[@id='versions']/tbody/tr"))
    r = _upload(c, rid, "云溪县自然资源局2021年报告" + suffix, published[suffix].read_bytes())
    assert r.status_code == 302, r.text[:2000]
    data = _version(c, rid, base + 1)
    expected = yunxi()
    assert _strip_totals(_figures(data)) == _strip_totals(_figures(expected))
    assert data["overview"]["sections"] == expected["overview"]["sections"]
    versions = c.get(f"/reports/{rid}/versions/").text
    assert "导入已发布的报告" in versions


def test_a_form_of_the_year_becomes_a_version(server):
    c, rid = new_report(server, "clerk_b", "jyj", 2022)
    data = yunxi() | {"year": 2022, "published": "2023-01-18", "agency": "云溪县教育局"}
    r = _upload(c, rid, "2022.xlsx", form_bytes(data))
    assert r.status_code == 302, r.text[:2000]
    versions = page(c.get(f"/reports/{rid}/versions/").text).findall(".//table[@id='versions']/tbody/tr")
    newest = json.loads(c.get(f"/reports/{rid}/versions/{len(versions)}.json").content)
    assert newest["requests"] == data["requests"] and newest["problems"] == data["problems"]
    assert "上传填报表单" in "".join(versions[0].itertext())


def test_last_years_report_is_carried_over_without_its_prose(server, published):
    c, rid = new_report(server, "clerk_a", "zrzyj", 2022)
    r = _upload(c, rid, "2021年报告.docx", published[".docx"].read_bytes())
    assert r.status_code == 302, r.text[:2000]
    n = len(page(c.get(f"/reports/{rid}/versions/").text).findall(".//table[@id='versions']/tbody/tr"))
    data = _version(c, rid, n)
    last = yunxi()
    assert data["year"] == 2022 and data["agency"] == last["agency"]
    assert _strip_totals(data["requests"]["carried_over"]) == _strip_totals(last["requests"]["carried_forward"])
    assert data["proactive"]["normative_documents"]["in_force"] == last["proactive"]["normative_documents"]["in_force"]
    assert all(s["text"] == "" for s in data["overview"]["sections"])  # no prose copied
    assert "沿用上一年度" in c.get(f"/reports/{rid}/versions/").text


def _refused(r) -> str:
    assert r.status_code == 400, r.status_code
    return "".join(page(r.text).find(".//div[@id='refusal']").itertext())


def test_refusals_are_clear_and_import_nothing(server, published):
    c, rid = new_report(server, "clerk_a", "zrzyj", 2026)
    before = c.get(f"/reports/{rid}/versions/").text.count("<tr>")
    msg = _refused(_upload(c, rid, "大.pdf", b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024)))
    assert "大.pdf" in msg and "文件过大" in msg
    msg = _refused(_upload(c, rid, "setup.exe", b"MZ\x90\x00"))
    assert "setup.exe" in msg and "不能上传 .exe" in msg
    msg = _refused(_upload(c, rid, "报告.docx", published[".docx"].read_bytes()[:3000]))
    assert "报告.docx" in msg and "zip" in msg
    # a web page whose table 四 was cut away: the importer's notes, nothing applied
    html = published[".html"].read_text(encoding="utf-8")
    tables = [m.start() for m in re.finditer("<table", html)]
    cut = html[:tables[-1]] + html[html.index("</table>", tables[-1]) + len("</table>"):]
    msg = _refused(_upload(c, rid, "残缺.html", cut.encode("utf-8")))
    assert "残缺.html" in msg and "读取不完整" in msg and "行政复议" in msg
    # a report of another year
    msg = _refused(_upload(c, rid, "2021.docx", published[".docx"].read_bytes()))
    assert "2021 年度" in msg and "2026 年度" in msg
    assert c.get(f"/reports/{rid}/versions/").text.count("<tr>") == before


def test_a_report_read_in_part_becomes_a_draft_to_complete_when_asked(server, published):
    """Asked for (读不全时也导入已读出的部分), a published report read in part becomes a draft of what
    was read: the figures read as printed, the ones not read left empty and marked 缺少 by the page's
    checks, every cell to complete listed after the upload; not asked, it is refused as before."""
    c, rid = new_report(server, "clerk_a", "zrzyj", 2027)
    before = c.get(f"/reports/{rid}/versions/").text.count("<tr>")
    html = published[".html"].read_text(encoding="utf-8").replace("2021", "2027")
    tables = [m.start() for m in re.finditer("<table", html)]
    cut = (html[:tables[-1]] + html[html.index("</table>", tables[-1]) + len("</table>"):]).encode("utf-8")
    msg = _refused(_upload(c, rid, "残缺.html", cut))
    assert "读取不完整" in msg and "读不全时也导入已读出的部分" in msg
    assert c.get(f"/reports/{rid}/versions/").text.count("<tr>") == before

    r = _upload(c, rid, "残缺.html", cut, partial="1")
    assert r.status_code == 302, r.text[:2000]
    shown = "".join(page(c.get(r.headers["Location"]).text).itertext())
    assert "读取不完整，已导入读出的部分：12 处待补" in shown  # 四's twelve figures; its totals are computed
    assert "待补：行政复议 / 结果维持：表中找不到这一格" in shown
    numbers = page(c.get(f"/reports/{rid}/versions/").text).findall(".//table[@id='versions']/tbody/tr")
    data = _version(c, rid, len(numbers))
    expected = yunxi()
    assert _strip_totals(data["requests"]) == _strip_totals(expected["requests"])
    assert _strip_totals(data["proactive"]) == _strip_totals(expected["proactive"])
    assert "appeals" not in data or not any(data["appeals"].values())
    # the page's checks mark each figure not read at its cell
    findings = reportkit.validate(data)
    assert any(f.is_error and f.path.startswith("$.appeals") for f in findings)
