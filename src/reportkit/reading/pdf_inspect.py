"""What a PDF holds, read back with pdfminer.six: pages, fonts, claimed PDF/A conformance.

Used to refuse a converter's output that is not a PDF a reader can open (no pages, a broken
cross-reference table, not a PDF at all) and to record in the manifest which fonts the PDF
really embedded and which PDF/A level its XMP metadata claims.  The claim is read, not
verified: no PDF/A validator runs here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1

from ..errors import RenderError

_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
_PDFAID = re.compile(rb"pdfaid:(part|conformance)\s*(?:=\s*[\"']([^\"']*)[\"']|>\s*([^<\s]*)\s*<)")


@dataclass(frozen=True)
class Font:
    name: str          # the PostScript name, without the subset tag (``ABCDEF+``)
    embedded: bool
    subset: bool

    def to_dict(self) -> dict:
        return {"name": self.name, "embedded": self.embedded, "subset": self.subset}


@dataclass(frozen=True)
class PdfInfo:
    pages: int
    fonts: list[Font] = field(default_factory=list)
    pdfa: str | None = None   # the conformance the XMP metadata claims, e.g. "PDF/A-2B"; None: no claim

    def to_dict(self) -> dict:
        return {"pages": self.pages, "fonts": [f.to_dict() for f in self.fonts], "pdfa_claimed": self.pdfa}


def inspect_pdf(path: Path) -> PdfInfo:
    """Open ``path`` as a PDF and read its page count, fonts and PDF/A claim.

    Raises :class:`~reportkit.errors.RenderError` when the file is not a PDF that opens or
    has no pages.
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            if not fh.read(1024).lstrip().startswith(b"%PDF-"):
                raise RenderError("转换结果不是 PDF 文件（文件头不是 %PDF-）", file=str(path))
            fh.seek(0)
            doc = PDFDocument(PDFParser(fh))
            fonts: dict[str, Font] = {}
            pages = 0
            for page in PDFPage.create_pages(doc):
                pages += 1
                for font in _page_fonts(page, resolve1):
                    fonts.setdefault(font.name, font)
            xmp = _xmp(doc, resolve1)
    except RenderError:
        raise
    except Exception as exc:  # pdfminer raises many kinds for a damaged file
        raise RenderError(f"转换结果不是可以打开的 PDF：{type(exc).__name__}: {exc}", file=str(path)) from None
    if pages == 0:
        raise RenderError("转换结果是一个没有页面的 PDF", file=str(path))
    return PdfInfo(pages, sorted(fonts.values(), key=lambda f: f.name), _pdfa_claim(xmp))


def _name(value) -> str:
    return getattr(value, "name", None) or (value.decode("latin-1") if isinstance(value, bytes) else str(value))


def _page_fonts(page, resolve1):
    resources = resolve1(page.resources) or {}
    for ref in (resolve1(resources.get("Font")) or {}).values():
        font = resolve1(ref)
        if not isinstance(font, dict):
            continue
        base = _name(resolve1(font.get("BaseFont", "")))
        descriptor = resolve1(font.get("FontDescriptor"))
        if descriptor is None and font.get("DescendantFonts"):
            descendant = resolve1(resolve1(font["DescendantFonts"])[0])
            descriptor = resolve1(descendant.get("FontDescriptor"))
        embedded = isinstance(descriptor, dict) and any(k in descriptor for k in ("FontFile", "FontFile2", "FontFile3"))
        yield Font(_SUBSET_TAG.sub("", base), embedded, bool(_SUBSET_TAG.match(base)))


def _xmp(doc, resolve1) -> bytes:
    meta = resolve1(doc.catalog.get("Metadata"))
    try:
        return meta.get_data() if meta is not None else b""
    except Exception:  # an unreadable metadata stream is simply no claim
        return b""


def _pdfa_claim(xmp: bytes) -> str | None:
    found: dict[str, str] = {}
    for m in _PDFAID.finditer(xmp):  # the first non-empty value of each (closing tags match too)
        value = (m.group(2) or m.group(3) or b"").decode("ascii", "replace")
        if value:
            found.setdefault(m.group(1).decode(), value)
    if "part" not in found:
        return None
    return f"PDF/A-{found['part']}{found.get('conformance', '').upper()}"
