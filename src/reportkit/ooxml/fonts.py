"""The font families a Word package asks for.

Its own module, not part of the filing code that uses it to resolve the PDF's faces: the
character check of ``reportkit validate`` (``rules._template_families``) needs only this, and
importing the filing code for it cost a clean validate's start-up (bench/bench_validate.py).
"""

from __future__ import annotations

import re
from pathlib import Path

from .package import Package
from .write import OWN

_RFONTS = re.compile(rb"<w:rFonts\b[^>]*>")
_FAMILY = re.compile(rb'w:(?:ascii|hAnsi|eastAsia|cs)="([^"]+)"')


def requested_fonts(docx: "Path | bytes") -> list[str]:
    """The font families the Word file asks for (``w:rFonts`` of its styles and text; theme
    fonts aside), sorted."""
    found: set[str] = set()
    z = Package(docx.read_bytes() if isinstance(docx, Path) else bytes(docx), OWN)
    for name in z.names:
        if name.startswith("word/") and name.endswith(".xml") and "/_rels/" not in name:
            for tag in _RFONTS.findall(z.read(name)):
                found.update(v.decode("utf-8") for v in _FAMILY.findall(tag))
    return sorted(found)
