"""Importing published reports: Word files typed by offices, saved web pages, PDFs made from them
with LibreOffice, text copies — every figure exact, every variant and blank listed — and a clear
message, never a traceback, for every file that is no report."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile

import pytest

import reportkit
from reportkit.contract import tables as layout
from reportkit.importing import import_report
from reportkit.reading.labels import key

from .conftest import XINYI, YUNXI, example, needs_libreoffice
from .corpus import random_report
from .import_docs import expected_text, office_docx, website_html

DATA = {"xinyi-2019": lambda: example(XINYI), "yunxi-2021": lambda: example(YUNXI),
        "random-2019": lambda: random_report(3), "random-2021": lambda: random_report(6)}


def check(result, expect, data, *, kind: str) -> None:
    """Every printed figure exact, blanks and variants listed, totals not printed said so, the text."""
    assert result.complete, [n.message for n in result.notes if n.kind in ("missing", "unreadable", "schema")]
    assert result.kind == kind and result.edition == data["format"]
    got = {f.path: f.value for f in result.figures}
    assert {p: got.get(p) for p in expect.figures} == expect.figures
    assert {n.path for n in result.of_kind("blank")} == expect.blanks
    variants = {(n.printed, n.official) for n in result.of_kind("variant")}
    assert {(key(p), o) for p, o in variants} == {(key(p), o) for p, o in expect.variants}
    assert expect.absent <= {n.path for n in result.of_kind("not-printed")}
    for f in result.figures:  # every figure says where it came from
        assert f.where and f.col_label and (f.row_label or f.path.startswith("appeals."))
    text = expected_text(data)
    d = result.data
    assert (d["agency"], d["year"], d.get("published")) == (text["agency"], text["year"], text.get("published"))
    same = (lambda t: t) if kind != "pdf" else (lambda t: t and t.replace("\n", ""))  # a PDF has lines, not paragraphs
    assert same(d["overview"].get("summary")) == same(text["summary"])
    assert [(s["title"], same(s["text"])) for s in d["overview"].get("sections", [])] == [
        (s["title"], same(s["text"])) for s in text["sections"]]
    assert same(d["problems"]) == same(text["problems"])
    assert same(d.get("improvements")) == same(text["improvements"])
    assert not [f for f in reportkit.validate(d) if f.is_error]  # balanced data stays balanced


@pytest.fixture(scope="module")
def built():
    out = {}
    for name, make in DATA.items():
        data = make()
        out[name] = {"data": data, "docx": office_docx(data), "docx-heads": office_docx(data, repeat_heads=True),
                     "docx-blocks": office_docx(data, per_block=True), "html": website_html(data)}
    return out


@pytest.mark.parametrize("name", list(DATA))
@pytest.mark.parametrize("variant", ["docx", "docx-heads", "docx-blocks"])
def test_word_typed_by_an_office(built, name, variant):
    raw, expect = built[name][variant]
    result = import_report(raw, name="报告.docx")
    check(result, expect, built[name]["data"], kind="docx")
    data = built[name]["data"]
    if data["format"] == "2019":  # the unit typed in the cell is recorded, and said so
        assert result.data["proactive"]["procurement"]["amount_unit"] == "元"
        assert [n.path for n in result.of_kind("unit")] == ["proactive.procurement.amount"]
    # the misprint is read and reported with the official label
    assert (key("2.其他法律法规禁止公开"), "2.其他法律行政法规禁止公开") in {
        (key(n.printed), n.official) for n in result.of_kind("variant")}


@pytest.mark.parametrize("name", list(DATA))
def test_website_page_in_gbk(built, name):
    raw, expect = built[name]["html"]
    assert b"charset=gbk" in raw and "政府信息公开".encode("gbk") in raw
    result = import_report(raw, name="page.htm")
    check(result, expect, built[name]["data"], kind="html")
    # navigation, the info line and the page footer are not report text
    body = json.dumps(result.data, ensure_ascii=False)
    for junk in ("当前位置", "浏览次数", "网站标识码", "打印本页", "主办单位", "首页"):
        assert junk not in body


def test_website_page_in_utf8_with_cms_placeholders(built):
    """Some CMSs print empty placeholder cells instead of a rowspan; labels still locate the rows."""
    raw, expect = built["random-2021"]["html"]
    page = raw.decode("gbk").replace("charset=gbk", "charset=utf-8")
    # the rowspan cell of 三、本年度办理结果 printed once, then an empty <td> in every row it covers
    import re
    rows = page.split("<tr>")
    n = None
    for i, row in enumerate(rows):
        m = re.search(r'<td rowspan="(\d+)" style="width:60px"><p align="center">三、本年度办理结果', row)
        if m:
            n = int(m.group(1))
            rows[i] = row.replace(f'<td rowspan="{n}" style', '<td style', 1)
            for j in range(i + 1, i + n):
                rows[j] = '<td style="width:60px"></td>' + rows[j]
            break
    assert n
    result = import_report("<tr>".join(rows).encode("utf-8"), name="page.html")
    check(result, expect, built["random-2021"]["data"], kind="html")


@needs_libreoffice
def test_pdfs_made_with_libreoffice_from_the_word_file_and_the_page(built, tmp_path):
    sources = []
    for name in ("xinyi-2019", "random-2021"):
        for variant, ext in (("docx", "docx"), ("html", "html")):
            p = tmp_path / f"{name}-{variant}.{ext}"
            p.write_bytes(built[name][variant][0])
            sources.append((name, variant, p))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "pdf", "--outdir", str(tmp_path / "pdf"), *[str(p) for _, _, p in sources]],
                   check=True, capture_output=True, timeout=240)
    for name, variant, p in sources:
        pdf = tmp_path / "pdf" / (p.stem + ".pdf")
        result = import_report(pdf)
        _, expect = built[name][variant]
        check(result, expect, built[name]["data"], kind="pdf")


def _tsv(grid_rows) -> str:
    return "\n".join("\t".join(r) for r in grid_rows)


def test_text_copy_with_tab_separated_tables():
    """A report copied out of Word into Notepad: tables as tab-separated rows, spans left blank."""
    data = random_report(6)
    raw, expect = office_docx(data)
    from reportkit.reading.docx import read_docx

    content = read_docx(raw)
    lines = []
    tables = iter(content.grids)
    for p in content.paragraphs:
        if p.startswith(("二、", "三、", "四、")) and len(p) < 30:
            lines.append(p)
            g = next(tables)
            blanked = [[t if g.origin[r][c] == (r, c) else "" for c, t in enumerate(row)] for r, row in enumerate(g.texts)]
            lines.append(_tsv([[t.replace("\n", "") for t in row] for row in blanked]))
            if p.startswith("三、"):
                g = next(tables)
                blanked = [[t if g.origin[r][c] == (r, c) else "" for c, t in enumerate(row)]
                           for r, row in enumerate(g.texts)]
                lines.append(_tsv([[t.replace("\n", "") for t in row] for row in blanked]))
        elif p.strip():
            lines.append(p)
    text = "\n".join(lines)
    result = import_report(text.encode("gb18030"), name="报告.txt")
    check(result, expect, data, kind="text")


def test_markdown_copy():
    data = example(YUNXI)
    expect_figs = {}
    from reportkit.writing.context import build_context

    ctx = build_context(data)
    md = [f"# {data['agency']}{data['year']}年政府信息公开工作年度报告", "", "## 一、总体情况", ""]
    md += data["overview"]["summary"].splitlines()
    for t in layout.tables("2021"):
        md += ["", {"proactive": "## 二、主动公开政府信息情况", "requests": "## 三、收到和处理政府信息公开申请情况",
                    "appeals": "## 四、政府信息公开行政复议、行政诉讼情况"}[t.key], ""]
        grid = t.grid()
        for r, row in enumerate(grid):
            cells = []
            for c, (cell, r0, c0) in enumerate(row):
                if cell.is_figure:
                    node = ctx
                    for part in cell.path.split("."):
                        node = node[part]
                    text = str(node) if (r0, c0) == (r, c) else ""
                    if (r0, c0) == (r, c):
                        expect_figs[cell.path] = node if cell.value_kind != "amount" else str(node)
                else:
                    text = cell.text if (r0, c0) == (r, c) else ""
                cells.append(text)
            md.append("| " + " | ".join(cells) + " |")
            if r == 0:
                md.append("|" + "---|" * len(cells))
    md += ["", "## 五、存在的主要问题及改进情况", "", *data["problems"].splitlines(), "", "## 六、其他需要报告的事项", "", "无",
           "", data["agency"], "2022年1月20日"]
    result = import_report("\n".join(md).encode("utf-8"), name="report.md")
    assert result.complete, [n.message for n in result.notes if n.kind in ("missing", "schema")]
    got = {f.path: f.value for f in result.figures}
    assert {p: got[p] for p in expect_figs} == expect_figs
    assert result.data["published"] == "2022-01-20" and result.data["problems"] == data["problems"]


def test_the_seed_report_text_reads_completely():
    """The published 新义街道 2020 report as text (pages broken inside table rows and labels)."""
    from .conftest import ROOT

    result = import_report(ROOT / "tests" / "data" / "xinyi-2020-annual-report.txt")  # shipped with the tests
    assert result.complete
    want = example(XINYI)
    from reportkit.contract.totals import completed

    want = completed(want, "2019")
    assert result.data["requests"] == want["requests"] and result.data["appeals"] == want["appeals"]
    cut = {(n.printed, n.official) for n in result.of_kind("variant")}
    assert ("3. 危及“三安”", "3.危及“三安全一稳定”") in cut
    assert ("2. 其他法律法规禁止公开", "2.其他法律行政法规禁止公开") in cut


# --------------------------------------------------------------- units, blanks, printed totals

def test_units_in_cells_and_the_2021_fee_amount_in_yuan():
    data = example(YUNXI)
    raw, _ = website_html(data)
    page = raw.decode("gbk")
    amount = str(data["proactive"]["fees"]["amount"])
    page = page.replace(f'<p align="center">{amount}</p>', '<p align="center">75394432.52元</p>', 1)
    result = import_report(page.encode("gbk"), name="p.html")
    assert result.data["proactive"]["fees"]["amount"] == "7539.443252"
    [note] = [n for n in result.of_kind("guess") if n.path == "proactive.fees.amount"]
    assert "75394432.52元" in note.message and "万元" in note.message


def test_a_wrong_printed_total_is_kept_for_validate_to_catch():
    data = example(YUNXI)
    raw, _ = website_html(data)
    page = raw.decode("gbk")
    total = data["requests"]["received"]
    printed = sum(total[k] for k in ("natural", "business", "research", "nonprofit", "legal", "other"))
    i = page.index("本年新收政府信息公开申请数量")
    j = page.index(f'<p align="center">{printed}</p>', i)
    page = page[:j] + f'<p align="center">{printed + 1}</p>' + page[j + len(f'<p align="center">{printed}</p>'):]
    result = import_report(page.encode("gbk"), name="p.html")
    assert result.complete and result.data["requests"]["received"]["total"] == printed + 1
    errors = [f for f in reportkit.validate(result.data) if f.is_error]
    assert any(f.path == "$.requests.received.total" for f in errors)


def test_a_figure_that_is_no_number_is_not_guessed():
    data = example(YUNXI)
    raw, _ = website_html(data)
    page = raw.decode("gbk")
    i = page.index("<p align=\"center\">行政许可")
    j = page.index('<p align="center">', i + 5)
    k = page.index("</p>", j)
    page = page[:j] + '<p align="center">见附件' + page[k:]
    result = import_report(page.encode("gbk"), name="p.html")
    assert not result.complete
    [bad] = result.of_kind("unreadable")
    assert bad.path == "proactive.licensing.decisions" and "见附件" in bad.message and "行政许可" in bad.message
    assert "decisions" not in result.data["proactive"].get("licensing", {})


# --------------------------------------------------------------- files that are no report

def _minimal_pdf() -> bytes:
    """A valid one-page PDF with no text at all (as a scan without OCR is, to a text reader)."""
    objs = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<<>>>>",
            b"<</Length 20>>stream\n0 0 m 100 100 l S\nendstream"]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref))
    return out.getvalue()


def _docx_with(table_rows) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("会议纪要")
    t = d.add_table(rows=len(table_rows), cols=len(table_rows[0]))
    for r, row in enumerate(table_rows):
        for c, text in enumerate(row):
            t.cell(r, c).text = text
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


BAD = {
    "corrupt.docx": (b"PK\x03\x04 this is not a zip at all", "zip"),
    "renamed.docx": (b"just some text", "不是有效的 .docx"),
    "no-document.docx": (None, "没有主文档"),
    "scan.pdf": (_minimal_pdf(), "OCR"),
    "truncated.pdf": (b"%PDF-1.4\n1 0 obj<</Type/Catalog", "PDF"),
    "no-tables.html": ("<html><body><div id='zoom'><p>一、总体情况</p><p>本年度……</p></div></body></html>"
                       .encode(), "没有表格"),
    "shell.html": (b"<html><head><script src='app.js'></script></head><body><div id='app'></div>"
                   b"<script>render()</script></body></html>", "JavaScript"),
    "attachment.html": ("<html><body><div class='article-content'><p>2021年政府信息公开工作年度报告</p>"
                        "<p><a href='/upload/2022/nb.pdf'>附件：年度报告.pdf</a></p></div></body></html>".encode(),
                        "附件"),
    "minutes.docx": (_docx_with([["议题", "负责人"], ["预算", "张三"], ["采购", "李四"]]), "另一种文件"),
    "old.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, ".doc"),
    "table.txt": ("姓名\t电话\n张三\t123\n".encode(), "另一种文件"),
    "prose.txt": ("只有一段文字，没有表格。".encode(), "找不到表格"),
}


def _bad_bytes(name):
    raw, _ = BAD[name]
    if raw is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
        raw = buf.getvalue()
    return raw


@pytest.mark.parametrize("name", list(BAD))
def test_files_that_are_no_report_get_a_clear_message(name, tmp_path, cli):
    path = tmp_path / name
    path.write_bytes(_bad_bytes(name))
    with pytest.raises(reportkit.ReportkitError) as exc:
        import_report(path)
    assert BAD[name][1] in str(exc.value) and name in str(exc.value)
    r = cli("import", path)
    assert r.exit_code == 1, r.output
    assert BAD[name][1] in r.output and "Traceback" not in r.output
    assert not list(tmp_path.glob("*.json"))


def test_usage_errors_exit_2(tmp_path, cli):
    r = cli("import", tmp_path / "missing.docx")
    assert r.exit_code == 2 and "文件不存在" in r.output
    (tmp_path / "a.xyz").write_bytes(b"x")
    r = cli("import", tmp_path / "a.xyz")
    assert r.exit_code == 2 and "不认识的文件类型" in r.output
    (tmp_path / "form.xlsx").write_bytes(b"PK\x03\x04")
    r = cli("import", tmp_path / "form.xlsx")
    assert r.exit_code == 2 and ".xlsx" in r.output
    # among several files a missing one is that file's row, as for every command: exit 1
    r = cli("import", tmp_path / "missing.docx", tmp_path / "a.xyz", "-o", tmp_path / "out")
    assert r.exit_code == 1 and "文件不存在" in r.output and "不认识的文件类型" in r.output


# --------------------------------------------------------------- the command

def test_cli_writes_valid_json_and_the_reading_report(built, tmp_path, cli):
    raw, expect = built["yunxi-2021"]["docx"]
    src = tmp_path / "云溪.docx"
    src.write_bytes(raw)
    r = cli("import", src, "--figures")
    assert r.exit_code == 0, r.output
    out = tmp_path / "云溪.json"
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["agency"] == "云溪县自然资源局" and data["format"] == "2021"
    assert not [f for f in reportkit.validate(data) if f.is_error]
    assert "已写入" in r.output and "空白读作 0" in r.output
    hit = next(f for f in import_report(src).figures if f.path == "requests.results.denied.third_party.natural")
    assert f"{hit.label} = {hit.value}　← {hit.where}" in r.output
    # not overwritten without --force
    r = cli("import", src)
    assert r.exit_code == 2 and "已存在" in r.output
    assert cli("import", src, "--force").exit_code == 0
    # validate accepts what import wrote
    assert cli("validate", out).exit_code == 0


def test_cli_json_lists_every_figure_and_note(built, tmp_path, cli):
    raw, expect = built["random-2019"]["html"]
    src = tmp_path / "page.html"
    src.write_bytes(raw)
    r = cli("import", src, "-o", tmp_path / "out.json", "--json")
    assert r.exit_code == 0, r.output
    doc = r.json()
    [f] = doc["files"]
    assert f["ok"] and f["complete"] and f["output"] == str(tmp_path / "out.json") and f["kind"] == "html"
    paths = {x["path"] for x in f["figures"]}
    assert set(expect.figures) <= paths
    one = next(x for x in f["figures"] if x["path"] == "requests.received.natural")
    assert set(one) == {"path", "label", "value", "printed", "where", "row_label", "col_label"}
    assert {n["path"] for n in f["notes"] if n["kind"] == "blank"} == expect.blanks
    assert json.loads((tmp_path / "out.json").read_text(encoding="utf-8")) == f["data"]


def test_cli_incomplete_report_writes_nothing_and_says_what_is_missing(built, tmp_path, cli):
    raw, _ = built["yunxi-2021"]["html"]
    page = raw.decode("gbk")
    i = page.index("<table", page.index("四、政府信息公开行政复议"))
    j = page.index("</table>", i) + len("</table>")
    src = tmp_path / "cut.html"
    src.write_bytes((page[:i] + page[j:]).encode("gbk"))
    r = cli("import", src)
    assert r.exit_code == 1
    assert "✗ 缺少" in r.output and "行政复议 / 结果维持" in r.output and "未写入" in r.output
    assert not (tmp_path / "cut.json").exists()


def test_cli_many_files_into_a_folder(built, tmp_path, cli):
    files = []
    for name in ("xinyi-2019", "yunxi-2021"):
        p = tmp_path / f"{name}.docx"
        p.write_bytes(built[name]["docx"][0])
        files.append(p)
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"PK\x03\x04broken")
    r = cli("import", *files, bad, "-o", tmp_path / "out")
    assert r.exit_code == 1  # one unreadable file; the others are written
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["xinyi-2019.json", "yunxi-2021.json"]
    r = cli("import", *files, "-o", tmp_path / "one.json")
    assert r.exit_code == 2 and "文件夹" in r.output


def test_api_reads_bytes_and_paths_alike(built, tmp_path):
    raw, _ = built["xinyi-2019"]["docx"]
    p = tmp_path / "x.docx"
    p.write_bytes(raw)
    assert reportkit.import_report(p).data == reportkit.import_report(raw, kind="docx").data


def test_init_from_a_published_report(built, tmp_path, cli):
    raw, _ = built["yunxi-2021"]["html"]
    src = tmp_path / "2021年报.html"
    src.write_bytes(raw)
    r = cli("init", "--year", "2022", "--from", src, "-o", tmp_path / "2022.json")
    assert r.exit_code == 0, r.output
    new = json.loads((tmp_path / "2022.json").read_text(encoding="utf-8"))
    last = example(YUNXI)
    assert new["agency"] == last["agency"] and new["year"] == 2022
    carried = {k: v for k, v in new["requests"]["carried_over"].items() if k != "total"}
    assert carried == {k: v for k, v in last["requests"]["carried_forward"].items() if k != "total"}
    # an incomplete report is refused, with what is missing
    page = raw.decode("gbk")
    i = page.index("<table", page.index("四、政府信息公开行政复议"))
    src.write_bytes((page[:i] + page[page.index("</table>", i) + 8:]).encode("gbk"))
    r = cli("init", "--year", "2022", "--from", src, "-o", tmp_path / "x.json")
    assert r.exit_code == 1 and "不完整" in r.output and not (tmp_path / "x.json").exists()
