"""Characters that cannot live in an Office file, and how messages show them.

XML 1.0 (the stuff of .docx and .xlsx) allows tab, LF, CR, U+0020–U+D7FF, U+E000–U+FFFD and
U+10000–U+10FFFF.  Anything else — the other C0 controls, a lone surrogate (a JSON escape such
as ``"\\ud800"`` makes one), U+FFFE, U+FFFF — would be dropped or would corrupt the file, so
validation reports it.  A message quoting the data shows such a character as ``<U+D800>``:
a lone surrogate cannot even be printed (UTF-8 has no encoding for it).
"""

from __future__ import annotations

import re

XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_invalid(text: str) -> list[tuple[int, str]]:
    """Positions (1-based) and characters of ``text`` that XML 1.0 forbids."""
    return [(m.start() + 1, m.group()) for m in XML_INVALID.finditer(text)]


def code_point(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def printable(text: str) -> str:
    """``text`` with every character XML 1.0 forbids shown as ``<U+XXXX>``."""
    return XML_INVALID.sub(lambda m: f"<{code_point(m.group())}>", text)
