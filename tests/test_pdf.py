"""The PDF of the Word report (LibreOffice): the text a reader sees and the fonts it carries;
and the converter: sandboxed, checked output, PDF/A, fonts in the manifest, always reaped.

``reportkit.render(..., formats=["docx", "pdf"])`` for both examples, then ``pdftotext -layout``
and ``pdffonts`` (poppler-utils).  The converter's failure paths use the fake LibreOffice of
tests/fakes.py.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import signal
import struct
import subprocess
import threading
import zipfile
import zlib
from pathlib import Path

import pytest

import reportkit
from reportkit.writing import pdf as pdf_engine
from reportkit.reading.pdf_inspect import inspect_pdf

from .conftest import XINYI, YUNXI, example, needs_libreoffice
from .fakes import fake_soffice, tiny_pdf
from .processes import env_with, new_marker, processes_of, reportkit_cmd, staging_left, wait_for, wait_gone

pytestmark = needs_libreoffice

EXAMPLES = {"xinyi-2020": XINYI, "yunxi-2021": YUNXI}

# labels that fit on one line of their cell (narrow columns wrap e.g. 法律服务机构 and 结果维持,
# and pdftotext -layout then interleaves the halves with the neighbouring columns)
TABLE_LABELS = {
    "both": ("申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "总计", "行政复议", "行政诉讼",
             "未经复议直接起诉", "复议后起诉", "信访举报投诉类申请",
             "2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "4.保护第三方合法权益",
             "一、本年新收政府信息公开申请数量", "四、结转下年度继续办理", "第二十条第（一）项", "信息内容"),
    "2019": ("规范性文件", "本年新制作数量", "采购总金额"),
    "2021": ("行政规范性文件", "本年制发件数", "本年收费金额（单位：万元）", "3.其他"),
}
SECTION_HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")

CJK_FONT = re.compile(r"CJK|Song|Hei|Fang|Kai|Ming|GB2312|WenQuanYi|Droid\s*Sans\s*Fallback|SourceHan|Source\s*Han"
                      r"|UKai|UMing|SimSun|SimHei|Noto\w*SC|AR\s*PL", re.I)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    cache: dict[str, tuple[dict, Path]] = {}

    def get(name: str):
        if name not in cache:
            data = example(EXAMPLES[name])
            result = reportkit.render(data, tmp_path_factory.mktemp(name) / "out", formats=["docx", "pdf"])
            pdf = [p for p in result.paths if p.suffix == ".pdf"]
            assert pdf, f"no PDF made: {result.notes}"
            cache[name] = (data, pdf[0])
        return cache[name]
    return get


@pytest.fixture(params=list(EXAMPLES))
def report(request, pdfs):
    return pdfs(request.param)


def pdftotext(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                         check=True, timeout=60)
    return out.stdout.decode("utf-8")


def pdffonts(pdf: Path) -> list[dict]:
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, timeout=60).stdout.decode()
    lines = out.splitlines()
    sep = next(i for i, line in enumerate(lines) if line.startswith("---"))
    fonts = []
    for line in lines[sep + 1:]:
        if not line.strip():
            continue
        tokens = line.split()
        # name type… encoding emb sub uni object-number generation
        fonts.append({"name": tokens[0], "emb": tokens[-5], "line": line})
    return fonts


def test_pdf_is_made_next_to_the_docx(report):
    data, pdf = report
    assert pdf.stat().st_size > 10_000
    assert pdf.read_bytes().startswith(b"%PDF-")
    assert pdf.with_suffix(".docx").exists()


def test_pdf_text_has_title_headings_and_table_labels(report):
    data, pdf = report
    text = pdftotext(pdf)
    flat = squash(text)
    title = f"{data['agency']}{data['year']}年政府信息公开工作年度报告"
    # LibreOffice may break the title over two lines
    assert squash(title) in flat
    assert flat.index(squash(title)) < flat.index("一、总体情况")
    positions = [flat.find(h) for h in SECTION_HEADINGS]
    assert -1 not in positions, [h for h, p in zip(SECTION_HEADINGS, positions) if p == -1]
    assert positions == sorted(positions), "section headings out of order"
    for label in TABLE_LABELS["both"] + TABLE_LABELS[data["format"]]:
        assert squash(label) in flat, f"{label} not in the PDF text"
    assert "其他法律法规禁止公开" not in flat
    assert data["agency"] in flat


def test_pdf_page_numbers(report):
    _, pdf = report
    text = pdftotext(pdf)
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        assert re.search(rf"—\s*{n}\s*—", page), f"page {n} has no page number '— {n} —'"


def test_pdf_fonts_embedded_and_cjk(report):
    _, pdf = report
    fonts = pdffonts(pdf)
    assert fonts, "the PDF lists no fonts"
    not_embedded = [f["line"] for f in fonts if f["emb"] != "yes"]
    assert not not_embedded, "fonts not embedded:\n" + "\n".join(not_embedded)
    assert any(CJK_FONT.search(f["name"]) for f in fonts), "no CJK font: " + ", ".join(f["name"] for f in fonts)


# ------------------------------------------------------------------ the converter (issues 8, 9, 7.9)

sandboxed = pytest.mark.skipif(pdf_engine.sandbox_note() is not None,
                               reason="bubblewrap (bwrap) is missing or cannot make a sandbox here")


def _png(rgb=(200, 30, 40), size=48) -> bytes:
    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


_DRAWING = ('<w:p><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="952500" '
            'cy="952500"/><wp:docPr id="{n}" name="Picture {n}"/><a:graphic xmlns:a="http://schemas.openxmlformats.'
            'org/drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr '
            'id="{n}" name="x.png"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:link="rIdExt{n}"/><a:stretch>'
            '<a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="952500" '
            'cy="952500"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
            '</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>')


def _with_external_images(docx: Path, targets: list[str], out: Path) -> Path:
    """``docx`` with one linked (TargetMode="External") picture per target, at the top of the body."""
    with zipfile.ZipFile(docx) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, body in items:
            if info.filename == "word/document.xml":
                text = body.decode("utf-8")
                at = text.index("<w:body>") + len("<w:body>")
                body = (text[:at] + "".join(_DRAWING.format(n=900 + k) for k in range(len(targets)))
                        + text[at:]).encode("utf-8")
            elif info.filename == "word/_rels/document.xml.rels":
                rels = "".join(f'<Relationship Id="rIdExt{900 + k}" Type="http://schemas.openxmlformats.org/'
                               f'officeDocument/2006/relationships/image" Target="{t}" TargetMode="External"/>'
                               for k, t in enumerate(targets))
                body = body.decode("utf-8").replace("</Relationships>", rels + "</Relationships>").encode("utf-8")
            z.writestr(info, body)
    return out


def _images(pdf: Path) -> list[str]:
    out = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    return out.splitlines()[2:]


@pytest.fixture(params=["sandboxed", "unsandboxed"])
def sandbox_or_not(request, monkeypatch):
    """Each test twice: in bubblewrap's sandbox, and as where there is none (Windows, macOS,
    no user namespaces), where LibreOffice's own profile settings must hold on their own."""
    if request.param == "sandboxed" and pdf_engine.sandbox_note() is not None:
        pytest.skip("bubblewrap (bwrap) is missing or cannot make a sandbox here")
    if request.param == "unsandboxed":
        monkeypatch.setattr(pdf_engine, "_bwrap", lambda: None)
    return request.param


def test_the_converter_reaches_no_network_and_no_file_beyond_its_input(tmp_path, sandbox_or_not):
    assert pdf_engine.sandbox_name() == ("bubblewrap" if sandbox_or_not == "sandboxed" else "none")
    secret = tmp_path / "secret" / "seal.png"
    secret.parent.mkdir()
    secret.write_bytes(_png())
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self.wfile.write(_png((10, 200, 10)))
        do_OPTIONS = do_HEAD = do_GET  # noqa: N815

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        res = reportkit.render(YUNXI, tmp_path / "set", formats=["docx"])
        docx = _with_external_images(res.paths[0], [secret.as_uri(), f"http://127.0.0.1:{server.server_port}/seal.png"],
                                     tmp_path / "linked.docx")
        pdf = pdf_engine.convert_to_pdf(docx, tmp_path)
    finally:
        server.shutdown()
    assert hits == []
    assert _images(pdf) == [] and secret.read_bytes() not in pdf.read_bytes()
    assert inspect_pdf(pdf).pages >= 2  # the document itself converted


def test_without_a_sandbox_the_notes_and_manifest_say_so(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTKIT_SOFFICE", str(fake_soffice(tmp_path / "fake")))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    pdf_engine._bwrap.cache_clear()
    try:
        res = reportkit.render(YUNXI, tmp_path / "out", formats=["pdf"])
    finally:
        pdf_engine._bwrap.cache_clear()
    assert any("PDF 转换未隔离" in n and "bubblewrap" in n for n in res.notes)
    (entry,) = res.manifest["outputs"]
    assert entry["pdf"]["sandbox"] == "none"


def test_a_garbage_pdf_from_the_converter_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTKIT_SOFFICE", str(fake_soffice(tmp_path / "fake")))
    d = example(YUNXI)
    d["agency"] = "GARBAGE县自然资源局"
    with pytest.raises(reportkit.RenderError, match="不是可以打开的 PDF"):
        reportkit.render(d, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_inspect_pdf_reads_pages_and_refuses_what_is_not_a_pdf(tmp_path):
    good = tmp_path / "good.pdf"
    good.write_bytes(tiny_pdf())
    info = inspect_pdf(good)
    assert info.pages == 1 and info.fonts == [] and info.pdfa is None
    for name, body in {"truncated": tiny_pdf()[:60], "text": b"hello", "empty": b"",
                       "no-pages": tiny_pdf().replace(b"/Kids [3 0 R] /Count 1", b"/Kids [] /Count 0")
                       .replace(b"/Type /Page /", b"/Type /Blank /")}.items():
        bad = tmp_path / f"{name}.pdf"
        bad.write_bytes(body)
        with pytest.raises(reportkit.RenderError):
            inspect_pdf(bad)


def test_pdfa_is_written_and_its_claim_recorded(tmp_path, report):
    data, plain_pdf = report
    assert json.loads((plain_pdf.parent / "manifest.json").read_text(encoding="utf-8"))["outputs"][-1]["pdf"][
        "pdfa_claimed"] is None
    res = reportkit.render(data, tmp_path / "a", formats=["pdf"], pdfa=True)
    (entry,) = res.manifest["outputs"]
    assert entry["pdf"]["pdfa_requested"] == entry["pdf"]["pdfa_claimed"] == "PDF/A-2B"
    meta = subprocess.run(["pdfinfo", "-meta", str(res.paths[0])], capture_output=True, text=True).stdout
    assert re.search(r"pdfaid:part[^0-9]*2", meta) and re.search(r"pdfaid:conformance[^A-Z]*B", meta)


def test_manifest_names_the_fonts_the_pdf_embedded(report):
    _, pdf = report
    entry = json.loads((pdf.parent / "manifest.json").read_text(encoding="utf-8"))["outputs"][-1]
    assert entry["name"] == pdf.name
    embedded = {f["name"].split("+", 1)[-1] for f in pdffonts(pdf)}
    assert {f["name"] for f in entry["pdf"]["fonts"]} == embedded
    assert all(f["embedded"] for f in entry["pdf"]["fonts"])
    requested = entry["pdf"]["fonts_requested"]
    assert {"仿宋_GB2312", "黑体", "Times New Roman"} <= set(requested)
    if requested is not None:  # fontconfig: the face each requested family got; substitutes are the others
        assert entry["pdf"]["font_substitutes"] == sorted(f for f, used in requested.items() if used != f)


def _hanging_render(tmp_path, marker):
    d = example(YUNXI)
    d["agency"] = "HANG县自然资源局"
    src = tmp_path / "hang.json"
    src.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    fake = fake_soffice(tmp_path / "fake")
    proc = subprocess.Popen(reportkit_cmd("render", src, "-o", tmp_path / "out"),
                            env=env_with(marker, REPORTKIT_SOFFICE=fake), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    assert wait_for(lambda: any("soffice" in c and "--convert-to" in c for _, c in processes_of(marker, str(fake))),
                    timeout=60)
    return proc, str(fake)


@pytest.mark.parametrize("sig", ["SIGTERM", pytest.param("SIGKILL", marks=sandboxed)])
def test_killing_reportkit_during_a_conversion_leaves_no_converter(tmp_path, sig):
    marker = new_marker()
    proc, fake = _hanging_render(tmp_path, marker)
    proc.send_signal(getattr(signal, sig))
    code = proc.wait(timeout=30)
    assert wait_gone(marker, fake) == []
    if sig == "SIGTERM":
        assert code == 143 and "已中止" in proc.stderr.read().decode()
        assert not (tmp_path / "out").exists()
    else:  # nothing could clean up: the next run does
        assert staging_left(tmp_path / "out") != []
        reportkit.render(YUNXI, tmp_path / "out", formats=["xlsx"])
        assert staging_left(tmp_path / "out") == []

