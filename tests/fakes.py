"""A fake LibreOffice for the converter's failure paths, and a minimal valid PDF.

The fake is a Python script run as ``REPORTKIT_SOFFICE`` (inside the sandbox too: it uses
only /usr/bin/python3).  For each .docx it is given it reads the agency from
docProps/core.xml (the author) and, when the agency contains ``CRASH``, kills itself with
SIGSEGV (the whole call dies, as LibreOffice does); ``GARBAGE`` writes a file that starts
like a PDF but is not one; ``HANG`` sleeps; ``SLOW`` takes 5 s; ``NOTHING`` writes nothing (as LibreOffice does
for a document it cannot save); otherwise it writes a valid PDF holding the document's text — every
paragraph and table cell of word/document.xml in order, one line each — so that the read-back guard,
which reads every PDF's text, sees what a real conversion would print.
"""

from __future__ import annotations

from pathlib import Path


def tiny_pdf() -> bytes:
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


#: writes a PDF whose text (a Type0 font, Identity-H, with a ToUnicode map, so that any text reader
#: gets the characters back) is ``lines``, sixty to a page; standard library only
TEXT_PDF = r'''
def text_pdf(lines):
    pages = [lines[i:i + 60] for i in range(0, max(len(lines), 1), 60)] or [[]]
    cmap = ["/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /UCS def",
            "1 begincodespacerange <0000> <FFFF> endcodespacerange"]
    for block in range(0, 256, 100):
        his = range(block, min(block + 100, 256))
        cmap.append("%d beginbfrange" % len(his))
        cmap += ["<%02X00> <%02XFF> <%02X00>" % (h, h, h) for h in his]
        cmap.append("endbfrange")
    cmap.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    cmap = "\n".join(cmap).encode()
    n_pages = len(pages)
    # 1 catalog, 2 pages, 3 font, 4 cid font, 5 cmap, then a page and its content per page
    objs = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
            2: b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % (6 + 2 * i) for i in range(n_pages))
               + b"] /Count %d >>" % n_pages,
            3: b"<< /Type /Font /Subtype /Type0 /BaseFont /NotoSerifCJKsc /Encoding /Identity-H "
               b"/DescendantFonts [4 0 R] /ToUnicode 5 0 R >>",
            4: b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NotoSerifCJKsc "
               b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
            5: b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream"}
    for i, page in enumerate(pages):
        ops = [b"BT /F1 9 Tf 11 TL 30 810 Td"]
        for line in page:
            units = line.encode("utf-16-be", "surrogatepass")
            ops.append(b"<" + units.hex().encode() + b"> Tj T*")
        ops.append(b"ET")
        content = b"\n".join(ops)
        objs[6 + 2 * i] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                           b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (7 + 2 * i))
        objs[7 + 2 * i] = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    out, offsets = b"%PDF-1.4\n", {}
    for k in sorted(objs):
        offsets[k] = len(out)
        out += b"%d 0 obj\n" % k + objs[k] + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[k] for k in sorted(objs))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def docx_lines(path):
    import html, re, zipfile
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    lines = []
    for p in re.findall(r"<w:p[ >].*?</w:p>|<w:p/>", xml, re.S):
        text = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p))
        if text.strip():
            lines.append(html.unescape(text))
    return lines
'''

SCRIPT = '''#!/usr/bin/python3
import os, signal, sys, time, zipfile
''' + TEXT_PDF + '''
args = sys.argv[1:]
outdir = args[args.index("--outdir") + 1]
for a in args:
    if not a.endswith(".docx"):
        continue
    core = zipfile.ZipFile(a).read("docProps/core.xml").decode("utf-8")
    target = os.path.join(outdir, os.path.basename(a)[:-5] + ".pdf")
    print("convert", a, "->", target, flush=True)
    if "CRASH" in core:
        os.kill(os.getpid(), signal.SIGSEGV)
    if "HANG" in core:
        time.sleep(600)
    if "SLOW" in core:
        time.sleep(5)
    if "NOTHING" in core:
        continue
    with open(target, "wb") as fh:
        fh.write(b"%PDF-1.4 garbage, not a PDF" if "GARBAGE" in core else text_pdf(docx_lines(a)))
'''


def fake_soffice(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "soffice"
    exe.write_text(SCRIPT, encoding="utf-8")
    exe.chmod(0o755)
    return exe
