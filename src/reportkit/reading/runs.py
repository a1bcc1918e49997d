"""Figures printed run together (crawler text, OCR, a PDF cell holding a whole row): every way
to read a run of digits as ``n`` numbers, using only what a printed figure guarantees -- no
leading zero (``07``), no space inside a number, an amount may have decimals and a unit.

Both the table locator (:mod:`reportkit.reading.locate`, a 表三 row in one cell) and the flat-text
importer (:mod:`reportkit.importing.flat`) split runs; it lives in the reading layer, which the
importer stands on."""

from __future__ import annotations

import re

#: the most ways one row's digits may be split before the row is given up as ambiguous
MAX_SPLITS = 20_000
#: the longest run of figures split (a row of 表四 has 15 figures; longer runs are no row of a report)
MAX_RUN = 160
NUMBER = re.compile(r"^(0|[1-9]\d*)$")
_SIGNED = re.compile(r"^[+\-]?(0|[1-9]\d*)$")
_AMOUNT = re.compile(r"^(0|[1-9]\d*)(\.\d+)?$")
#: a unit printed after a figure: money (``984361元``) or a count (``2笔``, ``3件``); it separates figures
UNIT = r"万元|元|笔|件|项|个|条|次"


def splits(run: str, n: int, kinds: list[str]) -> list[tuple]:
    """Every way to read ``run`` as ``n`` numbers: spaces separate numbers, no number has a leading
    zero, an amount may have decimals (and a unit after it)."""
    run = run.replace(",", "").replace("，", "").replace("－", "-")
    if len(run) > MAX_RUN:
        return []
    run = re.sub(UNIT, " ", run)
    tokens = run.split()
    if not tokens:
        return []
    out: list[tuple] = []
    memo: dict = {}

    def spread(t: int, left: int, first: int, acc: list):
        if len(out) > MAX_SPLITS:
            return
        if t == len(tokens):
            if left == 0:
                out.append(tuple(_value(x, kinds[i]) for i, x in enumerate(acc)))
            return
        remaining = len(tokens) - t - 1
        for k in range(1, left - remaining + 1):
            for parts in _cuts(tokens[t], k, first, kinds, memo):
                spread(t + 1, left - k, first + k, acc + parts)

    spread(0, n, 0, [])
    return out


def _cuts(token: str, k: int, first: int, kinds: list[str], memo: dict) -> list[list[str]]:
    """Every way to cut one token (no spaces) into ``k`` numbers of ``kinds[first:first + k]``, none
    with a leading zero (memoised in ``memo`` for one :func:`splits`)."""
    if (token, k, first) in memo:
        return memo[token, k, first]
    if k == 1:
        res = [[token]] if _ok(token, kinds[first]) else []
    else:
        res = []
        for i in range(1, len(token) - k + 2):
            head = token[:i]
            if not _ok(head, kinds[first]):
                if head[0] in "0+-" and len(head) > 1 and kinds[first] != "signed":
                    break  # a longer number cannot start with 0 either
                continue
            for rest in _cuts(token[i:], k - 1, first + 1, kinds, memo):
                res.append([head] + rest)
            if len(res) > MAX_SPLITS:
                break
    memo[token, k, first] = res
    return res


def _ok(text: str, kind: str) -> bool:
    return bool({"amount": _AMOUNT, "signed": _SIGNED}.get(kind, NUMBER).match(text))


def _value(text: str, kind: str):
    return text if kind == "amount" else int(text)
