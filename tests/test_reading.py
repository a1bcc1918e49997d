"""Reading reports back: figures located by their labels in Word and Excel files and in grids
shaped like real published tables; the read-back guard that checks every rendered file."""

from __future__ import annotations

import io
import random
import re
import zipfile

import pytest

import reportkit
from reportkit.contract import tables as layout
from reportkit.writing.context import build_context
from reportkit.errors import RenderError
from reportkit.filing.guard import expected_figures, expected_paragraphs, verify_docx, verify_xlsx
from reportkit.reading import expand, locate
from reportkit.reading.docx import read_docx
from reportkit.reading.xlsx import read_xlsx

from .conftest import XINYI, YUNXI, example
from .test_docx import distinct_2019, distinct_2021

DATA = {"xinyi": lambda: example(XINYI), "yunxi": lambda: example(YUNXI),
        "distinct-2019": distinct_2019, "distinct-2021": distinct_2021}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = {}
    for name, make in DATA.items():
        data = make()
        res = reportkit.render(data, tmp_path_factory.mktemp(name), formats=["docx", "xlsx"])
        files = {p.suffix: p.read_bytes() for p in res.paths}
        out[name] = (build_context(data), files[".docx"], files[".xlsx"])
    return out


@pytest.mark.parametrize("name", list(DATA))
def test_every_figure_read_back_from_word(rendered, name):
    ctx, docx_bytes, _ = rendered[name]
    located = locate(read_docx(docx_bytes).grids)
    assert located.edition == ctx["format"]
    assert {p: h.text for p, h in located.hits.items()} == expected_figures(ctx)
    assert not located.conflicts


@pytest.mark.parametrize("name", list(DATA))
def test_every_figure_read_back_from_excel_as_a_number(rendered, name):
    ctx, _, xlsx_bytes = rendered[name]
    located = locate(read_xlsx(xlsx_bytes))
    assert located.edition == ctx["format"]
    want = expected_figures(ctx)
    assert set(located.hits) == set(want)
    for path, hit in located.hits.items():
        assert hit.stored == "n", (path, hit)
        assert float(hit.text) == float(want[path]), (path, hit)
        assert "!" in hit.where  # sheet!cell


def test_hits_say_where_and_under_which_labels(rendered):
    ctx, docx_bytes, xlsx_bytes = rendered["distinct-2021"]
    hit = locate(read_docx(docx_bytes).grids).hits["requests.results.denied.third_party.business"]
    assert hit.row_label == "三、本年度办理结果 / （三）不予公开 / 4.保护第三方合法权益"
    assert hit.col_label == "商业企业"
    assert hit.text == str(ctx["requests"]["results"]["denied"]["third_party"]["business"])
    hit = locate(read_xlsx(xlsx_bytes)).hits["appeals.litigation.pending"]
    assert hit.col_label == "行政诉讼 / 未经复议直接起诉 / 尚未审结"
    assert re.fullmatch(r"四、复议诉讼![A-Z]+\d+", hit.where)


# --------------------------------------------------------------- tables shaped like real ones

def _value(path: str) -> str:
    return str(sum(map(ord, path)) % 997)  # a distinct-ish figure per path


def printed(table: layout.Table, *, label=lambda t: t, value=_value, drop_cols=(), rows=None):
    """The rows of ``table`` as ``(text, rowspan, colspan)`` cells, as a website might print them."""
    out = []
    for r, row in enumerate(table.rows):
        if rows is not None and r not in rows and r >= table.header_rows:
            continue
        cells = []
        for cell in row:
            if cell.is_figure:
                if any(cell.path.endswith(c) for c in drop_cols):
                    continue
                cells.append((value(cell.path), cell.rowspan, cell.colspan))
            else:
                cells.append((label(cell.text), cell.rowspan, cell.colspan))
        out.append(cells)
    return out


@pytest.mark.parametrize("edition", ["2019", "2021"])
def test_labels_as_websites_print_them(edition):
    def vary(text):
        text = text.replace("（", "(").replace("）", ")").replace("1.", "1、")  # half-width, 1、
        text = re.sub(r"^[一二三四]、", "", text)                            # numbering dropped
        if len(text) > 6:
            text = text[:4] + "\n" + text[4:]                                # a line break inside
        return text.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    grids = [expand(printed(t, label=vary), t.key) for t in layout.tables(edition)]
    located = locate(grids)
    assert located.edition == edition
    assert {p: h.text for p, h in located.hits.items()} == {p: _value(p) for p in layout.figure_paths(edition)}


def test_misprint_and_short_label_are_read_and_reported():
    t = layout.table("2019", "requests")
    rows = printed(t, label=lambda s: s.replace("其他法律行政法规禁止公开", "其他法律法规禁止公开")
                   .replace("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "（二）部分公开"))
    located = locate([expand(rows)], "2019")
    hit = located.hits["requests.results.denied.prohibited.natural"]
    assert hit.text == _value("requests.results.denied.prohibited.natural")
    assert hit.variants == (("2.其他法律法规禁止公开", "2.其他法律行政法规禁止公开"),)
    assert located.hits["requests.results.partly_granted.legal"].variants


def test_a_table_split_across_pages_without_repeated_heads_rows_shuffled_and_no_total_column():
    t = layout.table("2021", "requests")
    full = expand(printed(t))
    # no 总计 column; every label repeated on its row instead of spanning rows (as some CMSs
    # print it), so that rows can be reordered; then the table split in two, heads only once
    texts = [row[:9] for row in full.texts]
    head = [[(x, 1, 1) for x in row] for row in texts[:3]]
    body = [[(x, 1, 1) for x in row] for row in texts[3:]]
    random.Random(7).shuffle(body)
    located = locate([expand(head + body[:10]), expand(body[10:])], "2021")
    want = {p: _value(p) for p in layout.figure_paths("2021")
            if p.startswith("requests.") and not p.endswith(".total")}
    assert {p: h.text for p, h in located.hits.items()} == want


def test_edition_is_told_by_the_labels():
    for edition in ("2019", "2021"):
        grids = [expand(printed(t), t.key) for t in layout.tables(edition)]
        assert locate(grids).edition == edition
        # 表二 alone is enough
        assert locate(grids[:1]).edition == edition
    assert locate([expand([[("无关的表格", 1, 1), ("1", 1, 1)]])]).edition is None


# --------------------------------------------------------------- the read-back guard

def _sub_in(package: bytes, member: str, pattern: str, repl: str) -> bytes:
    """``package`` (a .docx/.xlsx) with the first match of ``pattern`` in ``member`` replaced."""
    src = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == member:
                text, n = re.subn(pattern, repl, body.decode("utf-8"), count=1)
                assert n == 1, pattern
                body = text.encode("utf-8")
            dst.writestr(info, body)
    return out.getvalue()


@pytest.mark.parametrize("name", list(DATA))
def test_guard_passes_what_was_rendered(rendered, name):
    ctx, docx_bytes, xlsx_bytes = rendered[name]
    verify_docx(docx_bytes, ctx)
    verify_xlsx(xlsx_bytes, ctx)  # its first catch: the openpyxl engine stored 73802895.90 as 73802895.90000001


def test_guard_names_a_wrong_figure(rendered):
    ctx, docx_bytes, _ = rendered["distinct-2021"]
    cell = ctx["requests"]["results"]["denied"]["third_party"]["business"]
    bad = _sub_in(docx_bytes, "word/document.xml", rf"(<w:t[^>]*>){cell}(</w:t>)", r"\g<1>12.0\g<2>")
    with pytest.raises(RenderError) as exc:
        verify_docx(bad, ctx)
    assert "三、本年度办理结果 / （三）不予公开 / 4.保护第三方合法权益" in str(exc.value)
    assert f"应为 {cell}" in str(exc.value) and "12.0" in str(exc.value)


def test_guard_names_a_missing_paragraph(rendered):
    ctx, docx_bytes, _ = rendered["yunxi"]
    last = ctx["doc"]["problems"][-1]
    cut = last[len(last) // 2:]
    bad = _sub_in(docx_bytes, "word/document.xml", re.escape(cut), "")
    with pytest.raises(RenderError) as exc:
        verify_docx(bad, ctx)
    assert "正文缺少段落" in str(exc.value) and last[:20] in str(exc.value)


def _figure_as_text(xlsx_bytes: bytes, ref: str, value: str) -> bytes:
    """The workbook with cell ``ref`` holding ``value`` as an inline string instead of a number."""
    from lxml import etree

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    src = zipfile.ZipFile(io.BytesIO(xlsx_bytes))
    out = io.BytesIO()
    changed = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                root = etree.fromstring(body)
                for c in root.iter(ns + "c"):
                    v = c.find(ns + "v")
                    if c.get("r") == ref and v is not None and v.text == value:
                        c.remove(v)
                        c.set("t", "inlineStr")
                        etree.SubElement(etree.SubElement(c, ns + "is"), ns + "t").text = value
                        changed += 1
                body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
            dst.writestr(info, body)
    assert changed == 1
    return out.getvalue()


def test_guard_refuses_a_figure_stored_as_text(rendered):
    ctx, _, xlsx_bytes = rendered["distinct-2019"]
    value = str(ctx["proactive"]["licensing"]["change"])
    ref = locate(read_xlsx(xlsx_bytes)).hits["proactive.licensing.change"].where.split("!")[1]
    with pytest.raises(RenderError) as exc:
        verify_xlsx(_figure_as_text(xlsx_bytes, ref, value), ctx)
    assert "第二十条第（五）项 / 行政许可 / 本年增/减 存成了文本而不是数字" in str(exc.value) and ref in str(exc.value)


def test_private_use_characters_are_published_and_read_back(tmp_path):
    """Characters of the private-use area (a 造字 for a rare character in a name) are kept by every
    reader: they once were the readers' own separators and were stripped, so the guard refused
    the report ("正文缺少段落")."""
    pua = "\ue000\ue001\ue002\ue8a5"
    d = example(YUNXI)
    d["agency"] = f"云溪县{pua}自然资源局"
    d["problems"] += f"（含造字 {pua}）"
    res = reportkit.render(d, tmp_path, formats=["docx", "xlsx", "html"])
    files = {p.suffix: p.read_bytes() for p in res.paths}
    word = read_docx(files[".docx"])
    assert any(f"含造字 {pua}" in p for p in word.paragraphs)
    assert any(d["agency"] in p for p in word.paragraphs)
    assert any(d["agency"] in t for g in read_xlsx(files[".xlsx"]) for row in g.texts for t in row)


def test_word_body_is_read_in_order_with_its_merges_and_breaks():
    """Paragraphs and tables in body order, through content controls and custom XML; tabs and line
    breaks in text, inserted runs kept, deleted text and a text box's own paragraphs left out;
    gridBefore, gridSpan and vMerge expanded; a cell's paragraphs (a nested table's too) a line each."""
    from reportkit.reading.docx import read_document_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

    def cell(text, pr=""):
        return f"<w:tc><w:tcPr>{pr}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"

    body = (
        '<w:p><w:pPr><w:pStyle w:val="1"/></w:pPr><w:r><w:rPr><w:b/></w:rPr><w:t>一、</w:t><w:tab/>'
        '<w:t xml:space="preserve">总体 </w:t></w:r><w:ins><w:r><w:t>情况</w:t></w:r></w:ins>'
        "<w:del><w:r><w:delText>删去</w:delText></w:r></w:del><w:r><w:br/><w:t>第二行</w:t></w:r>"
        "<w:r><w:drawing><w:txbxContent><w:p><w:r><w:t>文本框</w:t></w:r></w:p></w:txbxContent></w:drawing></w:r></w:p>"
        "<w:sdt><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>控件中的段落</w:t></w:r></w:p></w:sdtContent></w:sdt>"
        "<w:customXml><w:tbl><w:tblGrid/>"
        + "<w:tr>" + cell("项目", '<w:vMerge w:val="restart"/>') + cell("数量", '<w:gridSpan w:val="2"/>') + "</w:tr>"
        + "<w:tr>" + cell("", "<w:vMerge/>") + cell("甲") + cell("乙") + "</w:tr>"
        + '<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>' + cell("1")
        + "<w:tc><w:p><w:r><w:t>上</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>内</w:t></w:r></w:p></w:tc></w:tr>"
        "</w:tbl><w:p><w:r><w:t>下</w:t></w:r></w:p></w:tc></w:tr>"
        "</w:tbl></w:customXml>"
        "<w:p/><w:sectPr/>")
    content = read_document_xml(f"<w:document {w}><w:body>{body}</w:body></w:document>".encode("utf-8"))
    assert content.paragraphs == ["一、\t总体 情况\n第二行", "控件中的段落", ""]
    [grid] = content.grids
    assert grid.texts == [["项目", "数量", "数量"], ["项目", "甲", "乙"], ["", "1", "上\n内\n下"]]
    assert grid.origin[1][0] == (0, 0) and grid.origin[0][2] == (0, 1)


def _workbook(sheet_data: str, shared: str, merges: str = "") -> bytes:
    """A minimal .xlsx of one sheet, its XML written out by hand."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook {ns} xmlns:r="{rel}"><sheets>'
                   '<sheet name="表" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
                   f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/>'
                   '</Relationships>')
        z.writestr("xl/sharedStrings.xml", f"<sst {ns}>{shared}</sst>")
        z.writestr("xl/worksheets/sheet1.xml", f"<worksheet {ns}><sheetData>{sheet_data}</sheetData>{merges}</worksheet>")
    return out.getvalue()


def test_workbook_cells_are_read_as_stored():
    """Shared and inline strings with runs (phonetic guides left out, ``_xHHHH_`` decoded), numbers
    as written, formulas with and without a value, merges; a cell without a reference is the one
    after the cell before it; a shared string index past the end is an empty cell."""
    from reportkit.reading.xlsx import RawCell, read_book

    shared = ("<si><t>自然人</t></si>"
              "<si><r><rPr><b/></rPr><t>法人</t></r><r><t>或其他组织</t></r><rPh sb='0' eb='2'><t>ほうじん</t></rPh></si>"
              "<si><t>换行_x000D_回车 \ue000</t></si>")
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s" s="3"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'
            '<row r="2"><c r="A2"><v>73802895.90</v></c><c r="B2" t="inlineStr"><is><r><t>本年</t></r><r><t>新收</t></r>'
            '<rPh><t>しん</t></rPh></is></c><c r="C2" t="str"><f>A1&amp;"x"</f><v>自然人x</v></c>'
            '<c r="D2"><f>SUM(A2:A2)</f></c><c t="s"><v>0</v></c><c r="F2" t="s"><v>99</v></c></row>')
    book = read_book(_workbook(rows, shared, '<mergeCells><mergeCell ref="A1:B1"/><mergeCell ref="C1"/></mergeCells>'))
    [sheet] = book.sheets
    assert sheet.name == "表" and sheet.state == "visible"
    assert sheet.cells == {
        (0, 0): RawCell("自然人", "s", 0, None),
        (0, 1): RawCell("法人或其他组织", "s", 3, None),
        (0, 2): RawCell("换行\r回车 \ue000", "s", 0, None),
        (1, 0): RawCell("73802895.90", "n", 0, None),
        (1, 1): RawCell("本年新收", "inlineStr", 0, None),
        (1, 2): RawCell("自然人x", "str", 0, 'A1&"x"'),
        (1, 3): RawCell("", "f", 0, "SUM(A2:A2)"),
        (1, 4): RawCell("自然人", "s", 0, None),
    }
    assert sheet.merges == [((0, 0), (0, 1))]
    [grid] = read_xlsx(_workbook(rows, shared, '<mergeCells><mergeCell ref="A1:B1"/></mergeCells>'))
    assert grid.texts[0][:2] == ["自然人", "自然人"] and grid.texts[1][1] == "本年新收"


def test_expected_paragraphs_cover_the_input_text():
    ctx = build_context(example(XINYI))
    paras = expected_paragraphs(ctx)
    data = example(XINYI)
    for s in data["overview"]["sections"]:
        for line in s["text"].splitlines():
            if line.strip():
                assert line.strip() in paras
    assert ctx["doc"]["signature"] in paras


# --------------------------------------------------------------- the guard stops a render

def _word_template(tmp_path, old: str, new: str):
    from .test_docx import template_dir

    return template_dir(tmp_path, old, new)


def _excel_template_with_swapped(tmp_path, a: str, b: str):
    """A template set whose xlsx/report-2021.xlsx has the placeholders ``a`` and ``b`` swapped:
    both figures land in the cell labelled for the other."""
    from reportkit.resources import template_path

    d = tmp_path / "tpl-x" / "xlsx"
    d.mkdir(parents=True)
    src = zipfile.ZipFile(template_path("xlsx", "2021"))
    with zipfile.ZipFile(d / "report-2021.xlsx", "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/sharedStrings.xml":
                text = body.decode("utf-8")
                assert a in text and b in text
                body = text.replace(a, "\0").replace(b, a).replace("\0", b).encode("utf-8")
            out.writestr(info, body)
    return d.parent


def _nothing_in(out) -> bool:
    return not out.exists() or not [p for p in out.iterdir()]


def test_a_word_template_printing_a_fixed_figure_is_stopped_and_nothing_written(tmp_path, d2021):
    tpl = _word_template(tmp_path, "{{ requests.received.natural }}", "0")
    out = tmp_path / "out"
    with pytest.raises(RenderError) as exc:
        reportkit.render(d2021, out, templates=tpl, formats=["docx"])
    assert "一、本年新收政府信息公开申请数量 / 申请人情况 / 自然人 印为 “0”" in str(exc.value)
    assert f"应为 {d2021['requests']['received']['natural']}" in str(exc.value)
    assert "report-2021.docx" in str(exc.value) and _nothing_in(out)


def test_a_word_template_dropping_a_paragraph_is_stopped(tmp_path, d2021):
    # the first loop over a part's paragraphs is 五's: its first part, 上年度问题整改情况, loses its paragraph
    tpl = _word_template(tmp_path, "{%p for para in b.paragraphs %}", "{%p for para in b.paragraphs[1:] %}")
    out = tmp_path / "out"
    with pytest.raises(RenderError) as exc:
        reportkit.render(d2021, out, templates=tpl, formats=["docx"])
    assert "正文缺少段落" in str(exc.value) and d2021["rectification"].splitlines()[0][:20] in str(exc.value)
    assert _nothing_in(out)


def test_an_excel_template_with_two_figures_swapped_is_stopped(tmp_path, d2021):
    d2021["requests"]["received"]["natural"] += 7  # the two cells differ
    d2021["requests"]["carried_forward"]["natural"] += 7
    tpl = _excel_template_with_swapped(tmp_path, "{{ requests.received.natural }}", "{{ requests.received.business }}")
    out = tmp_path / "out"
    with pytest.raises(RenderError) as exc:
        reportkit.render(d2021, out, templates=tpl, formats=["xlsx"])
    msg = str(exc.value)
    assert "一、本年新收政府信息公开申请数量 / 申请人情况 / 自然人 印为" in msg and "法人或其他组织 / 商业企业 印为" in msg
    assert "三、依申请公开!" in msg and _nothing_in(out)


def test_a_converter_that_loses_a_comma_is_stopped(tmp_path, d2021, monkeypatch):
    """A PDF that lacks one character of the prose (what LibreOffice did with a 。 at a justified
    line end) is refused, naming where, and no file of the set is written."""
    from .fakes import fake_soffice

    fake = fake_soffice(tmp_path / "fake")
    script = fake.read_text(encoding="utf-8")
    # the fake drops the first "，" of every paragraph that has one, as a lossy converter would
    fake.write_text(script.replace("lines.append(html.unescape(text))",
                                   "lines.append(html.unescape(text).replace('，', '', 1))"), encoding="utf-8")
    monkeypatch.setenv("REPORTKIT_SOFFICE", str(fake))
    out = tmp_path / "out"
    with pytest.raises(RenderError) as exc:
        reportkit.render(d2021, out, formats=["docx", "pdf"])
    assert "生成的 PDF 与校验过的数据不一致" in str(exc.value) and "之后缺少 “，”" in str(exc.value)
    assert _nothing_in(out)


def test_a_pdf_that_cannot_show_a_private_use_character_says_why(monkeypatch):
    """No font of the converter has a 造字: its PDF shows the character out of place or not at all
    (PDFium read LibreOffice's as "（含造字 ） \ue000"); the guard refuses it and says why."""
    from reportkit.filing import guard as readback

    d = example(YUNXI)
    d["problems"] += "（含造字 \ue000\ue8a5）"
    ctx = build_context(d)
    text = "\n".join(expected_paragraphs(ctx)).replace("（含造字 \ue000\ue8a5）", "（含造字 ） \ue000\ue8a5")
    monkeypatch.setattr(readback, "pdf_text", lambda data: [text])
    with pytest.raises(RenderError) as exc:
        readback.verify_pdf(b"%PDF", ctx)
    assert "私用区字符 U+E000、U+E8A5" in exc.value.message and "造的字" in exc.value.message


def test_the_pdf_guard_passes_a_faithful_pdf(tmp_path, d2021, monkeypatch):
    from .fakes import fake_soffice

    monkeypatch.setenv("REPORTKIT_SOFFICE", str(fake_soffice(tmp_path / "fake")))
    res = reportkit.render(d2021, tmp_path / "out", formats=["docx", "pdf"])
    assert [o["format"] for o in res.manifest["outputs"]] == ["docx", "pdf"]


def test_the_pdf_guard_tells_a_page_number_from_a_negative_figure_before_it(monkeypatch):
    """A table that runs over a page: ``行政事业性收费 423 -8`` then the footer ``— 3 —`` (LibreOffice's text
    order): the -8 is a figure, the 3 a page number."""
    from reportkit.filing import guard as readback

    ctx = build_context(distinct_2019())
    real = readback.pdf_text
    fig = ctx["proactive"]["fees"]
    assert fig["change"] < 0

    def pages(data):
        text = "\n".join(real(data))
        head = f"行政事业性收费 {fig['previous']} {fig['change']}"
        assert head in text
        return [text.replace(head, head + "\r\n— 3 —\n", 1)]

    from .fakes import TEXT_PDF

    ns: dict = {}
    exec(TEXT_PDF, ns)
    lines = [p for p in expected_paragraphs(ctx)]
    for t in layout.tables("2019"):
        for row in t.grid():
            seen, cells = set(), []
            for cell, r0, c0 in row:
                if (r0, c0) in seen:
                    continue
                seen.add((r0, c0))
                cells.append(str(readback._value(ctx, cell.path)) if cell.is_figure else cell.text)
            lines.append(" ".join(cells))
    pdf = ns["text_pdf"](lines)
    readback.verify_pdf(pdf, ctx)  # as printed
    monkeypatch.setattr(readback, "pdf_text", pages)
    readback.verify_pdf(pdf, ctx)  # with the page number after the negative figure
