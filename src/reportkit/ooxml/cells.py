"""Cell references, indices and numbers as an Office file writes them: parsing that refuses.

Every function returns ``None`` for text that is not what it should be — never raises —
so a reader can say which cell is wrong.  Only ASCII digits are digits (``"²".isdigit()`` is
true in Python, and ``int("²")`` raises), and lengths are bounded before converting (an
integer of more than 4300 digits cannot even be converted)."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")
_INDEX = re.compile(r"[0-9]{1,9}")
#: a number as a cell stores it (``<v>``): at most this many characters
MAX_NUMBER_CHARS = 40
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")


def index(text: str | None) -> int | None:
    """A non-negative index (shared string, style, span, format id) of ASCII digits, or None."""
    if text is None:
        return None
    text = text.strip()
    return int(text) if _INDEX.fullmatch(text) else None


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def cell_index(ref: str) -> tuple[int, int] | None:
    """``D12`` (or ``$D$12``) → (11, 3); None for what is not a cell reference."""
    m = _REF.fullmatch(ref)
    if m is None or m.group(2) == "0" * len(m.group(2)):
        return None
    return int(m.group(2)) - 1, col_index(m.group(1))


def number(text: str) -> Decimal | None:
    """The value of a number cell's stored text (``<v>``) as Excel reads it (the shortest
    decimal of its double: ``0.30000000000000004`` stays so), or None for text that is not a
    finite number of at most :data:`MAX_NUMBER_CHARS` characters."""
    if len(text) > MAX_NUMBER_CHARS or not _NUMBER.fullmatch(text.strip()):
        return None
    try:
        value = float(text)
    except (ValueError, OverflowError):
        return None
    if not math.isfinite(value):
        return None
    try:
        return Decimal(repr(value))
    except InvalidOperation:
        return None
