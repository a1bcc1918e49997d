"""The Word engine itself (``reportkit.writing.docx``): the same report as docxtpl makes it,
prepared once per process, under limits, from untrusted template files.

What the report *contains* is tested in test_docx.py; here: that the compiled, cached engine
gives exactly what docxtpl + python-docx give (read back part by part), that the cache is keyed
by the template's bytes, that hostile templates stop within their budget with a located
``TemplateError``, and that broken template files are named, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from lxml import etree

import reportkit
from reportkit.writing.context import build_context
from reportkit.writing import docx as engine
from reportkit.limits import TemplateLimits
from reportkit.writing.stamps import normalise

from .conftest import ROOT, XINYI, YUNXI, example

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEMPLATES = {"2019": ROOT / "templates" / "docx" / "report-2019.docx",
             "2021": ROOT / "templates" / "docx" / "report-2021.docx"}
WHEN = dt.datetime(2022, 1, 20)
#: where hostile code is put into a template: the text of the 一 heading, in every official template
HEADING = "一、总体情况"
RENDERED_KINDS = ("word/document.xml", "word/header", "word/footer", "word/footnotes", "docProps/core.xml")


def context_of(path: Path) -> dict:
    return build_context(reportkit.load(example(path)).data)


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def c14n(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml), method="c14n")


# ----------------------------------------------------------------------------- templates to render


def edit(src: Path, dst: Path, *, replace: dict | None = None, add: dict | None = None,
         drop: tuple = (), raw: dict | None = None) -> Path:
    """A copy of template ``src`` at ``dst``: ``replace`` {member: (old, new)}, ``add``
    {member: bytes} (also replacing), ``drop`` members, ``raw`` {member: bytes} written as is."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    replace, add, raw = replace or {}, add or {}, raw or {}
    with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
        for info in zi.infolist():
            if info.filename in drop or info.filename in add:
                continue
            body = zi.read(info.filename)
            if info.filename in replace:
                for old, new in (replace[info.filename] if isinstance(replace[info.filename], list)
                                 else [replace[info.filename]]):
                    text = body.decode("utf-8")
                    assert old in text, (info.filename, old)
                    body = text.replace(old, new, 1).encode("utf-8")
            zo.writestr(info.filename, body)
        for name, body in add.items():
            zo.writestr(name, body)
    return dst


def template_set(tmp_path: Path, edition: str = "2021", **kw) -> Path:
    """A custom template set holding ``docx/report-<edition>.docx`` edited as ``edit`` does."""
    d = tmp_path / "tpl"
    edit(TEMPLATES[edition], d / "docx" / f"report-{edition}.docx", **kw)
    return d


PNG = (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
       + struct.pack(">I", zlib.crc32(b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)))
       + struct.pack(">I", 12) + b"IDAT" + zlib.compress(b"\x00\xff\x00\x00")
       + struct.pack(">I", zlib.crc32(b"IDAT" + zlib.compress(b"\x00\xff\x00\x00")))
       + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND")))
FOOTNOTES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<w:footnotes xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
             '<w:footnote w:id="1"><w:p><w:r><w:t xml:space="preserve">注：{{ agency }}，{{ year }}年</w:t></w:r></w:p>'
             '</w:footnote></w:footnotes>').encode()


def rich_template(path: Path) -> Path:
    """A template using what docxtpl does beyond plain fields: a header and a footer, footnotes,
    core properties with Jinja, ``{%p %}`` paragraphs, ``{%tr %}`` rows and ``{%tc %}`` columns
    (the table grid is repaired), a tab and a line break made by the template (resolve_listing),
    two pictures (docPr ids renumbered), ``{_{`` escapes."""
    d = docx.Document()
    cp = d.core_properties
    cp.subject, cp.comments, cp.language = "{{ agency }}的年度报告", "{{ year }}", "zh-CN"
    sec = d.sections[0]
    sec.header.paragraphs[0].text = "{{ agency }} · {{ region }}"
    sec.footer.paragraphs[0].text = "{{ doc.period }}"
    d.add_paragraph("{{ doc.title }}")
    for text in ("{%p for para in doc.preface %}", "{{ para }}", "{%p endfor %}",
                 r"{{ doc.period ~ '\t' ~ agency ~ '\n' ~ doc.signature }}", "字面量 {_{ 不是标签 }_}"):
        d.add_paragraph(text)
    cols = d.add_table(rows=2, cols=3)
    for cell, text in zip(cols.rows[0].cells, ("{%tc for s in doc.sections %}", "{{ s.title }}", "{%tc endfor %}")):
        cell.text = text
    rows = d.add_table(rows=3, cols=2)
    for r, texts in enumerate((("{%tr for s in doc.sections %}", ""), ("{{ s.number }}", "{{ s.paragraphs|length }}"),
                               ("{%tr endfor %}", ""))):
        for cell, text in zip(rows.rows[r].cells, texts):
            cell.text = text
    d.add_picture(io.BytesIO(PNG))
    d.add_paragraph("{{ requests.received.natural }}")
    d.add_picture(io.BytesIO(PNG))
    buf = io.BytesIO()
    d.save(buf)
    with zipfile.ZipFile(buf) as z:
        items = {n: z.read(n) for n in z.namelist()}
    items["word/footnotes.xml"] = FOOTNOTES
    items["[Content_Types].xml"] = items["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-'
                     b'officedocument.wordprocessingml.footnotes+xml"/></Types>')
    items["word/_rels/document.xml.rels"] = items["word/_rels/document.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
                             b'2006/relationships/footnotes" Target="footnotes.xml"/></Relationships>')
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, body in items.items():
            z.writestr(n, body)
    return path


def docxtpl_reference(template: Path, context: dict, when: dt.datetime) -> dict[str, bytes]:
    """What the previous engine made, independently: docxtpl's own ``render`` in a fresh
    sandboxed environment, then python-docx: the 落款 indents via ``get_or_add_ind`` and the core
    properties."""
    from docxtpl import DocxTemplate
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    tpl = DocxTemplate(str(template))
    tpl.render(context, jinja_env=SandboxedEnvironment(autoescape=True, undefined=StrictUndefined), autoescape=True)
    document = tpl.docx
    paragraphs = {name: [p for p in document.paragraphs if p.style is not None and p.style.name == name]
                  for name in (engine.SIGNATURE_STYLE, engine.DATE_STYLE)}
    sig, date = paragraphs[engine.SIGNATURE_STYLE], paragraphs[engine.DATE_STYLE]
    if sig:
        indents = engine.signature_indents(sig[0].text.strip(), date[0].text.strip() if date else "")
        for p, chars in zip([sig[0]] + date[:1], indents):
            ind = p._p.get_or_add_pPr().get_or_add_ind()
            ind.set(W + "rightChars", str(int(round(chars * 100))))
            ind.set(W + "right", str(int(round(chars * 16 * 20))))
    cp = document.core_properties
    cp.title, cp.author, cp.last_modified_by = context["doc"]["title"], context["agency"], "reportkit"
    cp.created = cp.modified = when
    cp.revision = 1
    buf = io.BytesIO()
    tpl.save(buf)
    return members(buf.getvalue())


def assert_same_as_docxtpl(template: Path, context: dict) -> None:
    mine = members(engine.render_docx(template, context, WHEN))
    theirs = docxtpl_reference(template, context, WHEN)
    with zipfile.ZipFile(template) as z:
        original = {n: z.read(n) for n in z.namelist()}
    rendered = [n for n in theirs if n.startswith(RENDERED_KINDS)]
    assert "word/document.xml" in rendered and "docProps/core.xml" in rendered
    for name in rendered:
        assert c14n(mine[name]) == c14n(theirs[name]), f"{name} differs from docxtpl's"
    # the settings the PDF depends on are the engine's (issue 21.9): those parts as it sets them
    owned = engine.owned_settings(engine.open_word(template))[0]
    for name, body in original.items():  # everything else is carried over byte for byte
        if name not in rendered:
            assert mine[name] == owned.get(name, body), name


@pytest.mark.parametrize("edition,data", [("2019", XINYI), ("2021", YUNXI)])
def test_default_templates_render_as_docxtpl_does(edition, data):
    assert_same_as_docxtpl(TEMPLATES[edition], context_of(data))


def test_docxtpl_features_render_as_docxtpl_does(tmp_path):
    template = rich_template(tmp_path / "rich.docx")
    ctx = context_of(YUNXI)
    assert_same_as_docxtpl(template, ctx)
    # and it really exercised them: read the report back
    got = members(engine.render_docx(template, ctx, WHEN))
    body = etree.fromstring(got["word/document.xml"])
    texts = ["".join(t.text or "" for t in p.iter(W + "t")) for p in body.iter(W + "p")]
    assert ctx["doc"]["title"] in texts and "字面量 {{ 不是标签 }}" in texts
    assert body.findall(f".//{W}tab") and body.findall(f".//{W}br")  # \t and \n became Word's own
    first_row = body.find(f".//{W}tbl/{W}tr")
    assert len(first_row.findall(W + "tc")) == len(ctx["doc"]["sections"])  # {%tc for %} made the columns
    ids = [el.get("id") for el in body.iter("{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr")]
    assert ids == ["1001", "1002"]
    header = next(v for k, v in got.items() if k.startswith("word/header"))
    assert "云溪县自然资源局 · 云溪县".encode() in header
    assert "注：云溪县自然资源局，2021年".encode() in got["word/footnotes.xml"]
    core = docx.Document(io.BytesIO(engine.render_docx(template, ctx, WHEN))).core_properties
    assert (core.subject, core.comments, core.language) == ("云溪县自然资源局的年度报告", "2021", "zh-CN")


def test_core_properties_print_text_once_escaped(tmp_path):
    """Core properties are text: docxtpl renders them with autoescape, so ``A&B`` became ``A&amp;B``."""
    template = rich_template(tmp_path / "rich.docx")
    ctx = context_of(YUNXI)
    ctx["agency"] = "A&B <局>"
    core = docx.Document(io.BytesIO(engine.render_docx(template, ctx, WHEN))).core_properties
    assert core.subject == "A&B <局>的年度报告"
    assert core.author == "A&B <局>"


# ----------------------------------------------------------------------------- the cache


def test_cached_and_uncached_renders_are_byte_identical(tmp_path):
    for template, data in ((TEMPLATES["2019"], XINYI), (TEMPLATES["2021"], YUNXI),
                           (rich_template(tmp_path / "rich.docx"), YUNXI)):
        ctx = context_of(data)
        first = engine.render_docx(template, ctx, WHEN)
        cached = engine.render_docx(template, ctx, WHEN)
        fresh = engine.render_docx(template, ctx, WHEN, cache=False)
        assert first == cached == fresh


def test_a_template_is_prepared_once_per_process(tmp_path, monkeypatch):
    calls = []
    real = engine._prepare

    def counting(template, data):
        calls.append(str(template))
        return real(template, data)

    monkeypatch.setattr(engine, "_prepare", counting)
    template = shutil.copy(TEMPLATES["2021"], tmp_path / "a.docx")
    copy = shutil.copy(TEMPLATES["2021"], tmp_path / "b.docx")  # same bytes, another path
    ctx = context_of(YUNXI)
    outs = [engine.render_docx(template, ctx, WHEN) for _ in range(5)] + [engine.render_docx(copy, ctx, WHEN)]
    assert len(set(outs)) == 1
    assert calls in ([], [str(template)])  # [] when an earlier test already prepared these bytes
    engine.render_docx(template, ctx, WHEN, cache=False)
    assert calls[-1] == str(template) and len(calls) <= 2


def test_one_prepared_template_serves_many_threads():
    from concurrent.futures import ThreadPoolExecutor

    jobs = [(TEMPLATES["2019"], context_of(XINYI)), (TEMPLATES["2021"], context_of(YUNXI))] * 6
    alone = [engine.render_docx(t, ctx, WHEN) for t, ctx in jobs]
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda job: engine.render_docx(job[0], job[1], WHEN), jobs))
    assert together == alone


def test_a_changed_template_invalidates_the_cache(tmp_path):
    ctx = context_of(YUNXI)
    path = tmp_path / "docx" / "report-2021.docx"
    edit(TEMPLATES["2021"], path)
    before = engine.render_docx(path, ctx, WHEN)
    stat = path.stat()
    edit(TEMPLATES["2021"], path, replace={"word/document.xml": ("一、总体情况", "一、总体工作情况")})
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same path, same mtime: only the bytes differ
    after = engine.render_docx(path, ctx, WHEN)
    texts = [p.text for p in docx.Document(io.BytesIO(after)).paragraphs]
    assert "一、总体工作情况" in texts and "一、总体情况" not in texts
    assert "一、总体情况" in [p.text for p in docx.Document(io.BytesIO(before)).paragraphs]


def test_the_output_is_already_normalised():
    """The zip is written as package.normalise writes it: normalising again changes nothing."""
    out = engine.render_docx(TEMPLATES["2021"], context_of(YUNXI), WHEN)
    assert normalise(out, WHEN) == out
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        assert {i.date_time for i in z.infolist()} == {(2022, 1, 20, 0, 0, 0)}


def test_the_zip_is_the_one_zipfile_writes_and_shared_members_are_deflated_once(monkeypatch):
    """package.zip_members writes the zip itself (zipfile cannot take data already deflated): the
    bytes are those zipfile writes on POSIX for the same members; a template's own members are
    deflated once and taken as they are by every later file."""
    import datetime as dt
    import zlib

    from reportkit.ooxml import write as package  # the zip writer

    out = engine.render_docx(TEMPLATES["2021"], context_of(YUNXI), WHEN)
    with zipfile.ZipFile(io.BytesIO(out)) as z:
        assert z.testzip() is None
        items = [(i.filename, z.read(i)) for i in z.infolist()] + [("customXml/条目.xml", b""), ("x.bin", bytes(300))]
    when = dt.datetime(2023, 5, 6, 7, 8, 9)
    reference = io.BytesIO()
    with zipfile.ZipFile(reference, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in items:
            if name == "docProps/core.xml":
                body = package._CORE_DATES.sub(lambda m: m.group(1) + b"2023-05-06T07:08:09Z" + m.group(3), body)
            info = zipfile.ZipInfo(name, date_time=(2023, 5, 6, 7, 8, 9))
            info.compress_type, info.external_attr, info.create_system = zipfile.ZIP_DEFLATED, 0o600 << 16, 3
            z.writestr(info, body, compresslevel=package.COMPRESS_LEVEL)
    written = package.zip_members(items, when)
    assert written == reference.getvalue()

    shared = package.SharedMembers(items)
    calls = []
    real = zlib.compress
    monkeypatch.setattr(package.zlib, "compress", lambda data, *a, **k: calls.append(len(data)) or real(data, *a, **k))
    changed = [(n, b + b" " if n == "word/document.xml" else b) for n, b in items]
    first = package.zip_members(changed, when, shared=shared)
    second = package.zip_members(changed, when, shared=shared)
    assert first == second == package.zip_members(changed, when)  # the last one without sharing
    # the first file deflates every member, the second only the two that are not the template's
    # own bytes (the changed body, the core properties stamped per file), the third (no sharing) all
    assert len(calls) == len(items) + 2 + len(items)


def test_each_report_deflates_only_what_it_changed(monkeypatch):
    """Rendering from a prepared template deflates the members the report changed (the body, the
    core properties), not the template's own (styles, theme, footers equal to the template's):
    for the Word and the Excel engine alike; the bytes are those of an unshared render."""
    import zlib

    from reportkit.ooxml import write as package  # the zip writer
    from reportkit.writing.xlsx import render_xlsx
    from reportkit.resources import template_path

    ctx = context_of(YUNXI)
    xlsx_template = template_path("xlsx", "2021")

    def xlsx() -> bytes:
        out = io.BytesIO()
        render_xlsx(xlsx_template, ctx, out, when=WHEN)
        return out.getvalue()

    first = {"docx": engine.render_docx(TEMPLATES["2021"], ctx, WHEN), "xlsx": xlsx()}
    deflated = []
    real = zlib.compress
    monkeypatch.setattr(package.zlib, "compress", lambda data, *a, **k: deflated.append(data) or real(data, *a, **k))
    again = {"docx": engine.render_docx(TEMPLATES["2021"], ctx, WHEN), "xlsx": xlsx()}
    assert again == first
    names = []
    for kind, data in first.items():
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            by_bytes = {z.read(n): n for n in z.namelist()}
        names += [f"{kind}:{by_bytes[d]}" for d in deflated if d in by_bytes]
    assert len(names) == len(deflated)
    sheets = [f"xlsx:xl/worksheets/sheet{i}.xml" for i in range(1, 5)]
    # the Excel styles gain the number formats of the report's amounts: they are the report's too
    assert sorted(names) == sorted(["docx:docProps/core.xml", "docx:word/document.xml", "xlsx:docProps/core.xml",
                                    "xlsx:xl/styles.xml", *sheets])


@pytest.mark.parametrize("xml", [
    "<w:body>\n<w:p><w:r><w:t>正文</w:t></w:r></w:p>\n\n<w:p w:rsidR=\"1\"><w:r><w:t>下一段</w:t></w:r></w:p></w:body>",
    "<w:p><w:r><w:t>{_{ 字面 }_} 与 {_% 标签 %_}，{_{_%</w:t></w:r></w:p>\n<w:pPr/>",
    "<w:p><w:r><w:t xml:space=\"preserve\">一\t二\n三\a四\f五</w:t></w:r></w:p>",
    "<w:p><w:r><w:t>没有要改的</w:t></w:r></w:p>",
])
def test_after_jinja_the_part_is_what_docxtpl_makes_of_it(xml):
    """writing.docx does docxtpl's steps after Jinja (render_xml_part) with cheap tests first: the
    result is docxtpl's, character for character."""
    import re

    from docxtpl import DocxTemplate

    want = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
    want = want.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
    want = DocxTemplate.resolve_listing(None, want)
    assert engine._after_render(xml) == want


def test_a_template_without_core_properties_gets_them(tmp_path):
    """python-docx adds core properties on save when a template has none; so does the engine."""
    tpl = template_set(tmp_path, drop=("docProps/core.xml",), replace={
        "_rels/.rels": [(f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/package/2006/'
                         f'relationships/metadata/core-properties" Target="docProps/core.xml"/>', "")
                        for rid in _core_rel_ids()],
        "[Content_Types].xml": ('<Override PartName="/docProps/core.xml" ContentType="application/'
                                'vnd.openxmlformats-package.core-properties+xml"/>', "")})
    ctx = context_of(YUNXI)
    out = engine.render_docx(tpl / "docx" / "report-2021.docx", ctx, WHEN)
    assert "docProps/core.xml" in members(out)
    core = docx.Document(io.BytesIO(out)).core_properties
    assert (core.title, core.author, core.modified.replace(tzinfo=None)) == (ctx["doc"]["title"], ctx["agency"], WHEN)


def _core_rel_ids() -> list[str]:
    rels = zipfile.ZipFile(TEMPLATES["2021"]).read("_rels/.rels").decode()
    import re
    return re.findall(r'Id="(rId\d+)" Type="[^"]*core-properties"', rels)


# ----------------------------------------------------------------------------- 落款 and errors


def test_signature_indent_is_in_schema_order(tmp_path):
    """``w:ind`` goes where the schema puts it (python-docx's get_or_add_ind), not at the end of
    ``w:pPr``: before ``w:jc``, after ``w:spacing`` (issue 7.15)."""
    xml = zipfile.ZipFile(TEMPLATES["2021"]).read("word/document.xml").decode()
    old = '<w:pStyle w:val="落款署名"/>' if '<w:pStyle w:val="落款署名"/>' in xml else None
    if old is None:  # the style id of 落款署名 in this template
        styles = docx.Document(str(TEMPLATES["2021"])).styles
        old = f'<w:pStyle w:val="{styles["落款署名"].style_id}"/>'
    tpl = template_set(tmp_path, replace={"word/document.xml": (old, old + '<w:spacing w:before="0"/><w:jc w:val="right"/>')})
    out = engine.render_docx(tpl / "docx" / "report-2021.docx", context_of(YUNXI), WHEN)
    d = docx.Document(io.BytesIO(out))
    sig = next(p for p in d.paragraphs if p.style.name == "落款署名")
    tags = [etree.QName(el).localname for el in sig._p.pPr]
    assert tags.index("spacing") < tags.index("ind") < tags.index("jc"), tags


def test_an_internal_bug_is_not_a_template_error(monkeypatch):
    """Only what the template causes is a TemplateError (issue 7.16): a failure in the XML
    library while the report is put together surfaces as itself, not as "无法渲染模板"."""
    from lxml import etree as lxml_etree

    def broken(*args, **kwargs):
        raise RuntimeError("a bug below reportkit")

    monkeypatch.setattr(lxml_etree, "fromstring", broken)
    with pytest.raises(RuntimeError, match="a bug below reportkit"):
        engine.render_docx(TEMPLATES["2021"], context_of(YUNXI), WHEN)
    monkeypatch.undo()
    monkeypatch.setattr(engine, "_place_signature", broken)
    with pytest.raises(RuntimeError, match="a bug below reportkit"):
        engine.render_docx(TEMPLATES["2021"], context_of(YUNXI), WHEN)


def test_a_template_failing_at_run_time_is_a_located_template_error(tmp_path):
    tpl = template_set(tmp_path, replace={"word/document.xml": (HEADING, HEADING + "{{ 1 / (year - year) }}")})
    with pytest.raises(reportkit.TemplateError) as exc:
        engine.render_docx(tpl / "docx" / "report-2021.docx", context_of(YUNXI), WHEN)
    message = str(exc.value)
    assert "report-2021.docx" in message and "ZeroDivisionError" in message
    assert "word/document.xml" in message and "一、总体情况" in message


def test_a_template_cannot_change_the_report_data(tmp_path):
    """The same context fills the workbook after the Word report: a template may not alter it."""
    tpl = template_set(tmp_path, replace={"word/document.xml": (HEADING, HEADING + "{{ doc.preface.clear() }}")})
    ctx = context_of(YUNXI)
    preface = list(ctx["doc"]["preface"])
    with pytest.raises(reportkit.UnsafeTemplateError):
        engine.render_docx(tpl / "docx" / "report-2021.docx", ctx, WHEN)
    assert ctx["doc"]["preface"] == preface


def test_a_template_writing_broken_xml_is_refused_not_truncated(tmp_path):
    """docxtpl re-parses with recover=True and silently drops what follows broken XML."""
    tpl = template_set(tmp_path, replace={"word/document.xml": (
        HEADING, HEADING + "{{ '&lt;/w:t&gt;&lt;/w:r&gt;&lt;/w:p&gt;'|safe }}")})
    out = tmp_path / "out"
    with pytest.raises(reportkit.TemplateError) as exc:
        reportkit.render(YUNXI, out, formats=["docx"], templates=tpl)
    message = str(exc.value)
    assert "模板生成的内容不是有效的 XML" in message and "word/document.xml" in message and "一、总体情况" in message
    assert not out.exists()


# ----------------------------------------------------------------------------- 8.3 limits


def _no_staging(tmp_path: Path) -> None:
    assert not [p for p in tmp_path.rglob(".reportkit-*")], "staging folder left behind"


@pytest.mark.parametrize("payload,kind", [
    ("{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}", "内存"),
    ("{{ 'x' * 10**9 }}", "内存"),
    ("{{ ('x' * 100000)|replace('', 'y' * 100000) }}", "内存"),
    ("{% set ns = namespace(a=[1]) %}{% for i in range(60) %}{% set ns.a = [ns.a, ns.a] %}{% endfor %}{{ ns.a }}", "内存"),
    ("{{ '%1000000000s' % agency }}", "内存"),
    ("{{ agency.center(10**9) }}", "内存"),
    ("{{ 10**100000000 }}", "内存"),
], ids=["nested-loops-output", "string-times-1e9", "replace-amplifies", "doubling-list", "percent-width",
        "center-width", "huge-power"])
def test_a_template_over_its_memory_budget_is_stopped(tmp_path, payload, kind):
    tpl = template_set(tmp_path, replace={"word/document.xml": (HEADING, HEADING + payload)})
    out = tmp_path / "out"
    with pytest.raises(reportkit.TemplateError) as exc:
        reportkit.render(YUNXI, out, formats=["docx"], templates=tpl)
    message = str(exc.value)
    assert "report-2021.docx" in message and "word/document.xml" in message and f"{kind}限制" in message
    assert not out.exists()
    _no_staging(tmp_path)


@pytest.mark.parametrize("payload", [
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}",
    "{% for i in range(99999) %}{% for c in 'x' * 99999 %}{% endfor %}{% endfor %}",
    "{{ (range(100000)|map('string')|list) * 0 }}{% for i in range(100000) %}{{ range(100000)|sum }}{% endfor %}",
], ids=["nested-loops-silent", "exponential-macro", "loop-over-string", "sums"])
def test_a_template_over_its_time_budget_is_stopped(tmp_path, payload):
    tpl = template_set(tmp_path, replace={"word/document.xml": (HEADING, HEADING + payload)})
    with pytest.raises(reportkit.TemplateError) as exc:
        engine.render_docx(tpl / "docx" / "report-2021.docx", context_of(YUNXI), WHEN,
                           limits=TemplateLimits(seconds=0.5))
    assert "时间限制（0.5 秒）" in str(exc.value) and "word/document.xml" in str(exc.value)


def test_the_default_time_limit_applies_to_render(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "DEFAULT_LIMITS", TemplateLimits(seconds=0.3))
    tpl = template_set(tmp_path, replace={"word/document.xml": (
        HEADING, HEADING + "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")})
    out = tmp_path / "out"
    with pytest.raises(reportkit.TemplateError, match="时间限制"):
        reportkit.render(YUNXI, out, formats=["docx", "xlsx"], templates=tpl)
    assert not out.exists()
    _no_staging(tmp_path)


def test_runaway_recursion_is_a_template_error(tmp_path):
    tpl = template_set(tmp_path, replace={"word/document.xml": (
        HEADING, HEADING + "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}")})
    with pytest.raises(reportkit.TemplateError, match="递归过深"):
        engine.render_docx(tpl / "docx" / "report-2021.docx", context_of(YUNXI), WHEN)


def test_the_largest_valid_report_is_far_inside_the_default_limits():
    """The contract's maxima (50 sections of 50,000 characters, every text at its maximum, in
    lines of 100 characters) render within a quarter of the default memory budget."""
    data = example(YUNXI)
    line = ("政府信息公开工作依法有序推进，" * 7)[:99] + "。"
    text = "\n".join([line] * 495)[:50000]
    data["overview"]["sections"] = [{"title": f"第{i}节", "text": text} for i in range(50)]
    for key in ("preface", "problems", "improvements", "other_matters"):
        data[key] = text
    data["overview"]["summary"] = text
    assert not [f for f in reportkit.validate(data) if f.is_error]
    limits = TemplateLimits(memory=TemplateLimits().memory // 4)
    out = engine.render_docx(TEMPLATES["2021"], build_context(data), WHEN, limits=limits)
    paragraphs = [p.text for p in docx.Document(io.BytesIO(out)).paragraphs]
    assert paragraphs.count(line) >= 50 * 495


# ----------------------------------------------------------------------------- 8.4, 8.6 template files


EXTERNAL_IMAGE = ('<Relationship Id="rId90" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                  'relationships/image" Target="{target}" TargetMode="External"/></Relationships>')


@pytest.mark.parametrize("member,target", [
    ("word/_rels/document.xml.rels", "http://127.0.0.1:9/x.png"),
    ("word/_rels/document.xml.rels", "file:///etc/passwd"),
])
def test_an_external_relationship_is_refused_at_render(tmp_path, member, target):
    tpl = template_set(tmp_path, replace={member: ("</Relationships>", EXTERNAL_IMAGE.format(target=target))})
    out = tmp_path / "out"
    with pytest.raises(reportkit.TemplateError) as exc:
        reportkit.render(YUNXI, out, formats=["docx"], templates=tpl)
    message = str(exc.value)
    assert "report-2021.docx" in message and target in message and member in message
    assert not out.exists()


def test_an_external_relationship_of_a_footer_is_refused(tmp_path):
    tpl = template_set(tmp_path, add={"word/_rels/footer1.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships">' + EXTERNAL_IMAGE.format(target="http://example.invalid/logo.png")).encode()})
    with pytest.raises(reportkit.TemplateError, match="word/_rels/footer1.xml.rels"):
        engine.render_docx(tpl / "docx" / "report-2021.docx", context_of(YUNXI), WHEN)


def corrupt_crc(src: Path, dst: Path, member: str) -> Path:
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as z:
        info = z.getinfo(member)
    # flip one byte of the member's compressed data (after its local header)
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len
    data[start + info.compress_size // 2] ^= 0x55
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(bytes(data))
    return dst


def _utf16(tmp_path: Path) -> Path:
    xml = zipfile.ZipFile(TEMPLATES["2021"]).read("word/document.xml").decode("utf-8")
    xml = xml.replace("encoding='UTF-8'", "encoding='UTF-16'").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    return template_set(tmp_path, add={"word/document.xml": xml.encode("utf-16")})


BROKEN = {
    "crc": (lambda tmp: corrupt_crc(TEMPLATES["2021"], tmp / "tpl" / "docx" / "report-2021.docx",
                                    "word/document.xml").parents[1], "校验失败"),
    "not-a-zip": (lambda tmp: _write(tmp, b"%PDF-1.4 this is not a docx"), "不是有效的 Office 文件"),
    "no-document": (lambda tmp: template_set(tmp, drop=("word/document.xml",)), "word/document.xml"),
    "malformed-xml": (lambda tmp: template_set(tmp, replace={"word/styles.xml": ("</w:styles>", "")}),
                      "word/styles.xml 不是有效的 XML"),
    "docm": (lambda tmp: template_set(tmp, replace={"[Content_Types].xml": (
        "wordprocessingml.document.main+xml", "wordprocessingml.template.main+xml")}), "另存为 .docx"),
}


def _write(tmp: Path, data: bytes) -> Path:
    p = tmp / "tpl" / "docx" / "report-2021.docx"
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data)
    return tmp / "tpl"


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_template_file_is_named_never_a_traceback(tmp_path, case):
    make, expected = BROKEN[case]
    tpl = make(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(reportkit.TemplateError) as exc:
        reportkit.render(YUNXI, out, formats=["docx"], templates=tpl)
    assert "report-2021.docx" in str(exc.value) and expected in str(exc.value)
    assert not out.exists()


def test_a_utf16_document_renders_like_the_utf8_one(tmp_path):
    """XML may be UTF-16 (OPC allows it; python-docx reads it): the same report comes out."""
    tpl = _utf16(tmp_path)
    ctx = context_of(YUNXI)
    got = members(engine.render_docx(tpl / "docx" / "report-2021.docx", ctx, WHEN))
    want = members(engine.render_docx(TEMPLATES["2021"], ctx, WHEN))
    assert c14n(got["word/document.xml"]) == c14n(want["word/document.xml"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_in_place_of_a_template_is_refused_at_once(tmp_path):
    path = tmp_path / "tpl" / "docx" / "report-2021.docx"
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    with pytest.raises(reportkit.TemplateError, match="不是普通文件"):
        engine.render_docx(path, context_of(YUNXI), WHEN)


# ----------------------------------------------------------------------------- the disk cache


@pytest.fixture
def disk(tmp_path, monkeypatch):
    """An empty disk cache in ``tmp_path/cache`` and an empty in-process cache."""
    from collections import OrderedDict

    folder = tmp_path / "cache"
    monkeypatch.setenv("REPORTKIT_CACHE_DIR", str(folder))
    monkeypatch.setattr(engine, "_CACHE", OrderedDict())
    return folder


def _forget(monkeypatch):
    from collections import OrderedDict

    monkeypatch.setattr(engine, "_CACHE", OrderedDict())  # as a new process starts


def _no_prepare(monkeypatch):
    def refuse(*args):
        raise AssertionError("prepared again instead of read from the disk cache")
    monkeypatch.setattr(engine, "_prepare", refuse)


def test_a_new_process_reads_the_prepared_template_from_disk(disk, monkeypatch):
    ctx = context_of(YUNXI)
    fresh = engine.render_docx(TEMPLATES["2021"], ctx, WHEN, cache=False)
    assert engine.render_docx(TEMPLATES["2021"], ctx, WHEN) == fresh
    (entry,) = disk.iterdir()
    assert oct(disk.stat().st_mode & 0o777) == "0o700"
    _forget(monkeypatch)
    _no_prepare(monkeypatch)
    assert engine.render_docx(TEMPLATES["2021"], ctx, WHEN) == fresh


def test_a_damaged_disk_entry_is_rebuilt(disk, monkeypatch):
    ctx = context_of(YUNXI)
    fresh = engine.render_docx(TEMPLATES["2021"], ctx, WHEN, cache=False)
    engine.render_docx(TEMPLATES["2021"], ctx, WHEN)
    (entry,) = disk.iterdir()
    good = entry.read_bytes()
    for damaged in (b"", b"\x00garbage", good[: len(good) // 2]):
        entry.write_bytes(damaged)
        _forget(monkeypatch)
        assert engine.render_docx(TEMPLATES["2021"], ctx, WHEN) == fresh
        assert entry.read_bytes() == good  # written again


def test_an_entry_others_can_write_is_not_trusted(disk, monkeypatch):
    ctx = context_of(YUNXI)
    engine.render_docx(TEMPLATES["2021"], ctx, WHEN)
    (entry,) = disk.iterdir()
    entry.chmod(0o666)
    _forget(monkeypatch)
    calls = []
    real = engine._prepare
    monkeypatch.setattr(engine, "_prepare", lambda *a: calls.append(1) or real(*a))
    engine.render_docx(TEMPLATES["2021"], ctx, WHEN)
    assert calls == [1]


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path, monkeypatch):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("REPORTKIT_CACHE_DIR", str(tmp_path / "file" / "cache"))
    _forget(monkeypatch)
    ctx = context_of(YUNXI)
    assert engine.render_docx(TEMPLATES["2021"], ctx, WHEN) == engine.render_docx(TEMPLATES["2021"], ctx, WHEN, cache=False)


def test_an_empty_cache_folder_setting_turns_the_disk_cache_off(tmp_path, monkeypatch):
    from reportkit.writing import disk_cache

    monkeypatch.setenv("REPORTKIT_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))  # where platformdirs would put it
    _forget(monkeypatch)
    monkeypatch.chdir(tmp_path)
    engine.render_docx(TEMPLATES["2021"], context_of(YUNXI), WHEN)
    assert disk_cache.folder() is None
    assert list(tmp_path.iterdir()) == []


def test_the_disk_cache_keeps_only_the_newest_entries(disk, monkeypatch):
    from reportkit.writing import disk_cache

    monkeypatch.setattr(disk_cache, "KEEP", 2)
    for i in range(4):
        disk_cache.write(f"k{i}", b"x")
        os.utime(disk / f"k{i}{disk_cache.SUFFIX}", ns=(i * 10 ** 9, i * 10 ** 9))
    assert sorted(p.name for p in disk.iterdir()) == [f"k2{disk_cache.SUFFIX}", f"k3{disk_cache.SUFFIX}"]


def test_tables_are_checked_for_fixing_only_where_a_template_can_change_their_shape(tmp_path):
    """docxtpl's fix_tables is needed only when rendering can change a table's shape: the default
    templates' tables are regular and hold no column loop, so no report pays for the check."""
    from reportkit.writing.docx import prepare
    from reportkit.resources import template_path

    for edition in ("2019", "2021"):
        assert prepare(template_path("docx", edition), cache=False).fixed_tables
    assert not prepare(rich_template(tmp_path / "rich.docx"), cache=False).fixed_tables  # a {%tc %} loop
