"""A fake LibreOffice for the converter's failure paths, and a minimal valid PDF.

The fake is a Python script run as ``REPORTKIT_SOFFICE`` (inside the sandbox too: it uses
only /usr/bin/python3).  For each .docx it is given it reads the agency from
docProps/core.xml (the author) and, when the agency contains ``CRASH``, kills itself with
SIGSEGV (the whole call dies, as LibreOffice does); ``GARBAGE`` writes a file that starts
like a PDF but is not one; ``HANG`` sleeps; ``SLOW`` takes 5 s; ``NOTHING`` writes nothing (as LibreOffice does
for a document it cannot save); otherwise it writes a valid one-page PDF.
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


SCRIPT = '''#!/usr/bin/python3
import os, signal, sys, time, zipfile
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
        fh.write(b"%%PDF-1.4 garbage, not a PDF" if "GARBAGE" in core else %r)
'''


def fake_soffice(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "soffice"
    exe.write_text(SCRIPT % tiny_pdf(), encoding="utf-8")
    exe.chmod(0o755)
    return exe
