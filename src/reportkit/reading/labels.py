"""Label matching: the official labels of the three tables and the forms they take in print.

A label is compared by its *key*: NFKC-folded (full-width digits and brackets become
half-width), without white space, line breaks, numbering (``一、`` ``（三）`` ``1.`` ``1、``) or
punctuation.  ``key("（三）不予公开")`` and ``key("(三) 不予\\n公开")`` are both ``不予公开``.
Known misprints of real reports map to the official label (:data:`VARIANTS`); a reader
records every label it matched only through a variant.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NUMBERING = re.compile(r"^(?:\(?[一二三四五六七八九十\d]{1,3}\)|[一二三四五六七八九十\d]{1,3}[、.．:：])")
_NOT_WORD = re.compile(r"[\W_]+")
_BLANK = re.compile(r"[\s\u200b\u200c\u200d\ufeff]+")


def fold(text: str) -> str:
    """NFKC, no white space of any kind (U+3000, no-break spaces, line breaks, zero-width)."""
    return _BLANK.sub("", unicodedata.normalize("NFKC", text or ""))


@lru_cache(maxsize=4096)
def key(text: str) -> str:
    """The comparison key of a label."""
    folded = fold(text)
    folded = _NUMBERING.sub("", folded, count=1)
    return _NOT_WORD.sub("", folded)


#: misprints and local forms seen in published reports → the official label
VARIANTS = {
    key("其他法律法规禁止公开"): key("2.其他法律行政法规禁止公开"),
    key("部分公开"): key("（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
}


@lru_cache(maxsize=4096)
def canonical(text: str) -> tuple[str, bool]:
    """(key, matched through a variant) of a printed label."""
    k = key(text)
    if k in VARIANTS:
        return VARIANTS[k], True
    return k, False
