"""The font families a Word package asks for.

The filing set reads them from the .docx it made to resolve the PDF's faces.  The character
check of ``reportkit validate`` does not open a template: it takes the default templates'
families from ``rules.TEMPLATE_FAMILIES``, which a test compares with what this reads.
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
