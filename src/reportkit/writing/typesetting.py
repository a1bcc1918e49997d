"""Widths in 字 and the 落款 of GB/T 9704-2012, independent of Word, HTML or PDF.

One 字 is the width of one Chinese character of the text's size (§3.1).  A full-width character is
1 字, a half-width one ½ 字 — and where a 汉字 meets a digit or a Latin letter, LibreOffice (the PDF
converter) and Word add a little space between the two scripts: LibreOffice 1/5 of the font
height (``sw/source/core/text/itrform2.cxx``; it ignores ``w:autoSpaceDN``), Word about as much.
A date such as ``2022年1月20日`` has five such boundaries: 1 字 wider than its characters.
"""

from __future__ import annotations

import unicodedata

__all__ = ["text_width", "signature_indents", "SCRIPT_GAP", "BODY_LINE_CHARS"]

#: the space between a 汉字 and a digit or Latin letter, in 字
SCRIPT_GAP = 0.2
#: 字 per line of the body (GB/T 9704 §5.2.2: 28 字 of 3号)
BODY_LINE_CHARS = 28


def text_width(text: str) -> float:
    """The printed width of ``text`` in 字: full-width characters 1, half-width ½, plus
    :data:`SCRIPT_GAP` at every change between the two where both are letters or digits."""
    wide = [unicodedata.east_asian_width(ch) in "WF" for ch in text]
    width = sum(1.0 if w else 0.5 for w in wide)
    gaps = sum(1 for a, b, x, y in zip(text, text[1:], wide, wide[1:]) if x != y and a.isalnum() and b.isalnum())
    return width + SCRIPT_GAP * gaps


def signature_indents(signature: str, date: str, line_chars: int = BODY_LINE_CHARS) -> tuple[float, float]:
    """Right indents (in 字) of the 署名 and the date for a document without a seal
    (GB/T 9704 §7.3.5.2): 署名 2 字 from the right; the date's first character 2 字 to the
    right of the 署名's first character; "如成文日期长于发文机关署名，应当使成文日期右空二字编排，
    并相应增加发文机关署名右空字数".  A 署名 longer than a line of ``line_chars`` 字 wraps, its
    first line starting at the left margin: the date starts 2 字 right of that."""
    a, d = min(text_width(signature), line_chars - 2.0), text_width(date)
    if not date:
        return 2.0, 0.0
    if d <= a:
        return 2.0, a - d
    return d - a + 4, 2.0
