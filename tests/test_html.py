"""The report as a web page: read back by an independent parser (html5lib, spans expanded, figures
located by their labels), valid HTML5, styled for CMS editors that strip styles, opened in a real
browser, customisable and checked like the other templates."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import html5lib
import pytest

import reportkit
from reportkit.contract import tables as layout
from reportkit.writing.context import build_context
from reportkit.writing.html import render_html
from reportkit.reading.html import read_html
from reportkit.errors import RenderError, TemplateError, UnsafeTemplateError
from reportkit.filing.set import FRAGMENT_SUFFIX, output_stem
from reportkit.filing.guard import expected_figures, expected_paragraphs, verify_html
from reportkit.reading import expand, locate
from reportkit.reading.labels import fold
from reportkit.resources import template_path
from reportkit.templating.check import check_set

from .conftest import ROOT, XINYI, YUNXI, example
from .corpus import corpus
from .test_docx import distinct_2019, distinct_2021

DATA = {"xinyi": lambda: example(XINYI), "yunxi": lambda: example(YUNXI),
        "distinct-2019": distinct_2019, "distinct-2021": distinct_2021}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium (Debian package) is not installed")


def page_of(data: dict) -> tuple[dict, str, str]:
    ctx = build_context(data)
    page, fragment = render_html(template_path("html", data["format"]), ctx)
    return ctx, page, fragment


# ------------------------------------------------------------------ an independent reader (html5lib)

def _text(el) -> str:
    out = el.text or ""
    for child in el:
        out += ("\n" if child.tag == "br" else _text(child)) + (child.tail or "")
    return out


def parsed(text: str, fragment: bool = False):
    """The document as html5lib's strict parser builds it (raises on any HTML5 parse error)."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parseFragment(text) if fragment else parser.parse(text)


def tables_of(root) -> list:
    """Every table as rows of (text, rowspan, colspan), spans written HTML-style."""
    out = []
    for table in root.iter("table"):
        rows = []
        for tr in table.iter("tr"):
            rows.append([(_text(td).strip(), int(td.get("rowspan", 1)), int(td.get("colspan", 1)))
                         for td in tr if td.tag in ("td", "th")])
        out.append(rows)
    return out


def paragraphs_of(root) -> list[str]:
    return [" ".join(_text(el).split()) for el in root.iter() if el.tag in ("p", "h1", "h2", "h3")]


def figures_read_back(text: str, fragment: bool = False) -> dict[str, str]:
    root = parsed(text, fragment)
    located = locate([expand(rows) for rows in tables_of(root)])
    assert not located.conflicts
    return located, {p: h.text for p, h in located.hits.items()}


def assert_paragraphs_in_order(found: list[str], ctx: dict) -> None:
    body = [fold(p) for p in found]
    i = 0
    expected = expected_paragraphs(ctx)
    n = len(ctx["doc"]["title_lines"])  # the page prints the title's lines as one heading, broken by <br>
    for para in ["".join(expected[:n])] + expected[n:]:
        want = fold(para)
        while i < len(body) and body[i] != want:
            i += 1
        assert i < len(body), f"paragraph missing or out of order: {para[:40]}"
        i += 1


# ------------------------------------------------------------------ the filing set

def test_render_writes_the_page_and_the_paste_ready_fragment(tmp_path, d2021):
    res = reportkit.render(d2021, tmp_path, formats=["html"])
    stem = output_stem(d2021)
    page, fragment = tmp_path / f"{stem}.html", tmp_path / f"{stem}{FRAGMENT_SUFFIX}"
    assert res.paths == [page, fragment, tmp_path / "manifest.json"]
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert [(o["name"], o["format"]) for o in manifest["outputs"]] == [(page.name, "html"), (fragment.name, "html")]
    assert manifest["templates"]["html"]["source"] == "default"
    text = fragment.read_text(encoding="utf-8")
    assert text.startswith("<div style=") and "<html" not in text and "<head" not in text and "<style" not in text
    assert text.strip() in page.read_text(encoding="utf-8")
    # existing files are not overwritten without force
    with pytest.raises(reportkit.OutputExistsError):
        reportkit.render(d2021, tmp_path, formats=["html"])


def test_cli_renders_html(cli, write, tmp_path, d2019):
    src = write(d2019, "2020.json")
    r = cli("render", src, "--formats", "html,docx", "-o", tmp_path / "out")
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    stem = output_stem(d2019)
    assert names == sorted([f"{stem}.html", f"{stem}{FRAGMENT_SUFFIX}", f"{stem}.docx", "manifest.json"])
    bad = cli("render", src, "--formats", "htm", "-o", tmp_path / "x")
    assert bad.exit_code == 2 and "html" in bad.output


# ------------------------------------------------------------------ figures and text read back

@pytest.mark.parametrize("name", list(DATA))
def test_every_figure_and_paragraph_read_back_from_page_and_fragment(name):
    data = DATA[name]()
    ctx, page, fragment = page_of(data)
    for text, frag in ((page, False), (fragment, True)):
        located, figures = figures_read_back(text, frag)
        assert located.edition == data["format"]
        assert figures == expected_figures(ctx)
        assert_paragraphs_in_order(paragraphs_of(parsed(text, frag)), ctx)
        verify_html(text, ctx)


def test_fifty_random_reports_read_back_exactly():
    reports = corpus(60, start=500)
    assert {r["format"] for r in reports} == {"2019", "2021"}
    for seed, data in enumerate(reports, start=500):
        ctx, page, _ = page_of(data)
        _, figures = figures_read_back(page)
        assert figures == expected_figures(ctx), seed
        root = parsed(page)
        assert_paragraphs_in_order(paragraphs_of(root), ctx)
        assert root.find(".//title").text == ctx["doc"]["title"]


def test_explicit_zeros_every_total_and_the_signature(d2021):
    data = d2021
    data["requests"]["results"]["denied"]["inquiry"] = dict.fromkeys(data["requests"]["received"], 0)
    data["published"] = "2022-01-20"
    ctx, page, _ = page_of(data)
    root = parsed(page)
    tables = [expand(rows) for rows in tables_of(root)]
    located = locate(tables)
    assert located.hits["requests.results.denied.inquiry.natural"].text == "0"
    assert located.hits["requests.results.denied.inquiry.total"].text == "0"
    for f in layout.figures("2021"):
        if f.computed:
            assert located.hits[f.path].text == str(expected_figures(ctx)[f.path]), f.label
    paras = [p for p in root.iter("p")]
    sig, date = paras[-2], paras[-1]
    assert _text(sig) == data["agency"] and _text(date) == "2022年1月20日"
    assert "text-align:right" in sig.get("style") and "padding-right:2em" in sig.get("style")


def test_text_from_the_data_is_escaped(d2019):
    d2019["agency"] = "新义<script>alert(1)</script>&“街道”"
    d2019["problems"] = "一是<b>不</b>够 & 二是 \"引号\"\n<img src=x onerror=alert(1)>第二段"
    ctx, page, _ = page_of(d2019)
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    root = parsed(page)
    h1 = root.find(".//h1")
    assert "".join(h1.itertext()) == "新义<script>alert(1)</script>&“街道”2020年政府信息公开工作年度报告"
    assert [el.tag.split("}")[-1] for el in h1] == ["br"]  # the title's two lines
    assert "<img src=x onerror=alert(1)>第二段" in paragraphs_of(root)


# ------------------------------------------------------------------ labels and structure

@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_tables_have_the_official_spans_and_labels(edition):
    data = distinct_2019() if edition == "2019" else distinct_2021()
    _, page, _ = page_of(data)
    printed = tables_of(parsed(page))
    assert len(printed) == 3
    for rows, table in zip(printed, layout.tables(edition)):
        assert len(rows) == len(table.rows)
        for row, cells in zip(rows, table.rows):
            assert [(r, c) for _, r, c in row] == [(x.rowspan, x.colspan) for x in cells]
            for (text, _, _), cell in zip(row, cells):
                if not cell.is_figure and not cell.text_path:
                    assert text == cell.text  # character-exact
    heads = [h for h in paragraphs_of(parsed(page)) if re.match(r"^[一二三四五六]、", h)]
    from .official_labels import SECTION_HEADINGS

    assert heads == list(SECTION_HEADINGS)
    outcome = next(c for row in printed[1] for c in row if c[0] == "三、本年度办理结果")
    from .official_labels import OUTCOME_ROWSPAN

    assert outcome[1] == OUTCOME_ROWSPAN[edition]


def test_procurement_head_carries_the_unit_from_the_data(d2019):
    d2019["proactive"]["procurement"]["amount_unit"] = "元"
    _, page, _ = page_of(d2019)
    assert "<th colspan=\"2\" style=" in page
    heads = [c[0] for rows in tables_of(parsed(page))[:1] for row in rows for c in row]
    assert "采购总金额（元）" in heads


# ------------------------------------------------------------------ HTML5, CMS editors, print

@pytest.mark.parametrize("name", ["xinyi", "yunxi"])
def test_valid_html5_and_self_contained(name):
    _, page, fragment = page_of(DATA[name]())
    parsed(page)  # raises html5lib.html5parser.ParseError on any parse error
    parsed(fragment, fragment=True)
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"zh-CN\">")
    root = parsed(page)
    assert root.find(".//meta[@charset]").get("charset") == "utf-8"
    csp = root.find(".//meta[@http-equiv='Content-Security-Policy']").get("content")
    assert "default-src 'none'" in csp
    for tag in ("script", "link", "img", "iframe", "object", "embed"):
        assert root.find(f".//{tag}") is None, tag
    for el in root.iter():
        assert not {"src", "href", "class", "border", "width", "onload"} & set(el.attrib), (el.tag, el.attrib)


def _strip_like_ueditor(fragment: str) -> str:
    """What a CMS editor keeps of a pasted fragment: no <style>, class, border attribute or % width."""
    out = re.sub(r"<style.*?</style>", "", fragment, flags=re.S)
    out = re.sub(r'\s(class|border|width|height)="[^"]*"', "", out)
    return re.sub(r"[a-z-]*width:[^;\"]*%;?", "", out)


def test_every_cell_styled_inline_so_a_cms_editor_keeps_the_table(d2021):
    ctx, page, fragment = page_of(d2021)
    assert _strip_like_ueditor(fragment) == fragment  # nothing for the editor to strip
    root = parsed(fragment, fragment=True)
    cells = [el for el in root.iter() if el.tag in ("td", "th")]
    assert len(cells) == sum(len(row) for t in layout.tables("2021") for row in t.rows)
    for el in cells:
        style = el.get("style", "")
        assert "border:1px solid #000" in style and "padding:" in style, _text(el)
    for el in root.iter():
        if el.tag in ("table", "tr", "p", "h1", "h2", "h3", "div"):
            assert el.get("style"), el.tag
        assert "%" not in el.get("style", "")
    # pasted and stripped, the article still reads back exactly
    assert figures_read_back(_strip_like_ueditor(fragment), True)[1] == expected_figures(ctx)


def test_print_rules_keep_rows_whole(d2021):
    _, page, _ = page_of(d2021)
    css = parsed(page).find(".//style").text
    assert "@media print" in css and re.search(r"tr, td, th \{[^}]*break-inside: avoid", css)
    assert "thead { display: table-header-group; }" in css
    # the rule is also inline on every row, so a pasted fragment prints the same
    rows = re.findall(r"<tr[^>]*>", page)
    assert rows and all("break-inside:avoid" in r for r in rows)


# ------------------------------------------------------------------ a real browser

def _chromium(*args, timeout=60):
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--no-first-run", "--disable-extensions", "--hide-scrollbars", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)


@needs_chromium
def test_chromium_renders_the_page_and_shows_every_table(tmp_path):
    data = distinct_2021()
    ctx, page, _ = page_of(data)
    src = tmp_path / "report.html"
    src.write_text(page, encoding="utf-8")
    shot = tmp_path / "shot.png"
    r = _chromium("--window-size=1000,3000", f"--screenshot={shot}", src.as_uri())
    assert shot.exists(), r.stderr.decode(errors="replace")[-500:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (1000, 3000) and len(png) > 50_000  # a drawn page, not a blank one
    dom = _chromium("--dump-dom", src.as_uri()).stdout.decode("utf-8")
    # the DOM the browser built holds every table's every cell, and the figures read back by label
    browser_tables = tables_of(html5lib.parse(dom, namespaceHTMLElements=False))
    ours = tables_of(parsed(page))
    assert browser_tables == ours
    located = locate([expand(rows) for rows in browser_tables])
    assert {p: h.text for p, h in located.hits.items()} == expected_figures(ctx)


@needs_chromium
def test_chromium_prints_rows_and_blocks_whole(tmp_path):
    pytest.importorskip("reportkit.writing.pdf")
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    data = distinct_2021()
    data["overview"]["summary"] = "\n".join(["本年度工作情况说明。" * 12] * 9)  # push the tables down a page
    _, page, _ = page_of(data)
    src = tmp_path / "report.html"
    src.write_text(page, encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    _chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", src.as_uri(), timeout=90)
    assert pdf.exists()
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True
                           ).stdout.decode("utf-8").split("\f")
    pages = [fold(p) for p in pages]

    def page_with(label: str) -> list[int]:
        return [i for i, p in enumerate(pages) if fold(label) in p]

    # 表三 is kept on one page: every row label is on the page of its head
    three = layout.table("2021", "requests")
    head_page = page_with("申请人情况")
    assert len(head_page) == 1
    for row in three.rows[three.header_rows:]:
        for cell in row:
            if cell.kind == "label" and not cell.vertical:
                assert page_with(cell.text[:8]) == head_page, cell.text
    # each 第二十条 block of 表二 stays together: caption and its rows on one page
    for block in layout.blocks("2021"):
        where = {i for i, p in enumerate(pages) for label in [block.caption] if fold(label) in p}
        for _, label in block.rows:
            assert any(fold(label) in pages[i] for i in where), (block.caption, label)


# ------------------------------------------------------------------ customising the page

def test_templates_export_and_check_include_html(cli, tmp_path):
    r = cli("templates", "export", tmp_path / "t")
    assert r.exit_code == 0, r.output
    for ed in ("2019", "2021"):
        exported = tmp_path / "t" / "html" / f"report-{ed}.html"
        assert exported.read_bytes() == template_path("html", ed).read_bytes()
    assert [p for p in check_set(tmp_path / "t") if p.severity == "error"] == []
    r = cli("templates", "check", tmp_path / "t")
    assert r.exit_code == 0 and "通过" in r.output


def _custom(tmp_path, edit) -> Path:
    from reportkit.templating.sets import export

    export(tmp_path / "t")
    path = tmp_path / "t" / "html" / "report-2021.html"
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return tmp_path / "t"


def test_a_customised_page_is_used(tmp_path, d2021):
    custom = _custom(tmp_path, lambda s: s.replace("<h1 style=\"", "<h1 style=\"color:#8b0000;"))
    res = reportkit.render(d2021, tmp_path / "out", formats=["html"], templates=custom)
    page = res.paths[0].read_text(encoding="utf-8")
    assert "<h1 style=\"color:#8b0000;" in page
    assert res.manifest["templates"]["html"]["source"] == "custom"


def test_a_page_that_drops_a_figure_is_refused_and_nothing_is_written(tmp_path, d2021):
    custom = _custom(tmp_path, lambda s: s.replace("{{ requests.results.denied.third_party.legal }}", "", 1))
    problems = [p for p in check_set(custom) if p.severity == "error"]
    assert [p.field for p in problems] == ["requests.results.denied.third_party.legal"]
    assert "4.保护第三方合法权益 / 法人或其他组织·法律服务机构" in problems[0].message
    with pytest.raises(RenderError) as exc:
        reportkit.render(d2021, tmp_path / "out", formats=["html"], templates=custom)
    assert "4.保护第三方合法权益" in exc.value.message and "法律服务机构" in exc.value.message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("edit, kind, words", [
    (lambda s: s.replace("{{ doc.title }}</title>", "{{ doc.titel }}</title>"), TemplateError, "doc.titel"),
    (lambda s: s.replace("{{ doc.title }}</title>", "{{ doc.title </title>", 1), TemplateError, "Jinja 语法错误"),
    (lambda s: s.replace("</body>", "<script>fetch('http://example.org')</script></body>"),
     UnsafeTemplateError, "<script>"),
    (lambda s: s.replace("<title>", "<link rel=\"stylesheet\" href=\"https://cdn.example/x.css\"><title>"),
     UnsafeTemplateError, "cdn.example"),
    (lambda s: s.replace("{{ doc.title }}</title>", "{{ ''.__class__.__mro__ }}</title>"), UnsafeTemplateError,
     "不允许"),
    (lambda s: s.replace("{% block article %}", "").replace("{% endblock %}", ""), TemplateError, "block article"),
    (lambda s: s.replace("{{ doc.title }}</title>", "{{ 1 // 0 }}</title>"), TemplateError, "ZeroDivisionError"),
    (lambda s: s.replace("{{ doc.title }}</title>", "{{ agency + 1 }}</title>"), TemplateError, "TypeError"),
    (lambda s: s.replace("<title>", "{% macro m() %}{{ m() }}{% endmacro %}<title>{{ m() }}"), TemplateError,
     "递归过深"),
])
def test_broken_or_unsafe_pages_are_named_at_check_and_at_render(tmp_path, d2021, edit, kind, words):
    custom = _custom(tmp_path, edit)
    if words != "不允许":  # the sandbox refuses at render time; the others are found by the check too
        errors = [p.text() for p in check_set(custom) if p.severity == "error"]
        assert errors and all("report-2021.html" in e for e in errors)
    with pytest.raises(kind) as exc:
        reportkit.render(d2021, tmp_path / "out", formats=["html"], templates=custom)
    assert words in str(exc.value) and "report-2021.html" in str(exc.value)
    assert not (tmp_path / "out").exists()


def test_unknown_field_gets_a_suggestion(tmp_path):
    custom = _custom(tmp_path, lambda s: s.replace("{{ requests.received.natural }}", "{{ requests.received.natual }}"))
    messages = [p.message for p in check_set(custom) if p.severity == "error"]
    assert any("requests.received.natual" in m and "natural" in m for m in messages)


def test_builder_check_passes_for_the_committed_templates():
    r = subprocess.run([sys.executable, str(ROOT / "tools" / "build_html_templates.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_the_reader_of_published_pages_agrees_with_html5lib(d2019):
    ctx, page, fragment = page_of(d2019)
    ours = read_html(page.encode("utf-8"))
    # the reader puts a line break between a cell's inline pieces (a head's words are spans that
    # keep each word whole, issue 21.5); html5lib's text runs them together
    assert [[[t.replace("\n", "") for t in row] for row in g.texts] for g in ours.grids] == \
        [expand(rows).texts for rows in tables_of(parsed(page))]
    # the same text in the same order (the reader breaks a heading at its <br> into lines)
    assert fold("".join(ours.paragraphs)) == fold("".join(paragraphs_of(parsed(page))))
