"""A printed figure cell → the value of the contract: a count, a signed count or an amount.

Published reports print figures the way people type them: ``1,234``, full-width digits, ``+1036``,
``251000元``, ``75394432.52元``, a blank, ``/`` or ``—`` for none.  :func:`read_value` turns the
text into the contract's value and says what it had to interpret (a blank read as 0, a unit taken
off) so the reading report can list it; text that is no figure at all is refused, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from ..reading.labels import fold
from ..reading.locate import BLANK_MARKS

_COUNT = re.compile(r"^([+\-]?)(\d+)(?:\.0+)?(件|项|个|条|次|笔)?$")
_AMOUNT = re.compile(r"^\+?(\d+(?:\.\d+)?)(万元|元)?$")


@dataclass(frozen=True)
class Value:
    value: object = None        # int for counts, a decimal string for amounts; None: unreadable
    blank: bool = False         # the cell was blank or a mark (/ — -): read as 0
    unit: str | None = None     # a unit printed inside the cell (元, 万元, 件 …)
    problem: str | None = None  # why the text is no figure of this kind


def read_value(text: str, kind: str) -> Value:
    """``kind`` is the contract kind of the cell: ``count``, ``signed`` or ``amount``."""
    t = fold(text).replace(",", "").replace("，", "")
    if t in BLANK_MARKS:
        return Value(0 if kind != "amount" else "0", blank=True)
    if kind == "amount":
        m = _AMOUNT.match(t)
        if not m:
            return Value(problem="不是金额")
        return Value(m.group(1), unit=m.group(2))
    m = _COUNT.match(t)
    if not m:
        return Value(problem="不是整数")
    sign, digits, unit = m.groups()
    n = int(digits)
    if sign == "-":
        if kind != "signed":
            return Value(problem="不应为负数")
        n = -n
    return Value(n, unit=unit)


def yuan_to_wan(amount: str) -> str:
    """An amount in 元 as a decimal string in 万元, exactly (``96171600`` → ``9617.16``)."""
    d = Decimal(amount) / Decimal(10000)
    text = format(d.normalize(), "f")
    return text
