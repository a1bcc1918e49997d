"""Every computed figure of the official tables, in one place.

The 总计 column of table 三, the （七）总计 row, the 总计 of each appeals block,
and amounts as exact decimals.  Validation compares printed totals with these;
the renderers print these.

Totals are computed on validated figures only: a count that is not a JSON integer (``12.0``,
``"5"``, a missing cell) raises :class:`TypeError` — an internal error, never a silent 0.
Validation runs a check only when every cell it reads passed the schema, and rendering only
after validation.
"""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation
from typing import Any

from .official import APPEAL_BLOCKS, APPEAL_COLUMNS, COLUMN_KEYS, applicant_rows

APPEAL_KEYS = tuple(k for k, _ in APPEAL_COLUMNS)


def count(value: Any) -> int:
    """A validated count; anything else is a bug of the caller."""
    if type(value) is int:
        return value
    raise TypeError(f"totals need validated counts (JSON integers), not {value!r}")


def row_total(row: dict) -> int:
    """总计 of an applicant row: the sum of its six columns."""
    return sum(count(row.get(k)) for k in COLUMN_KEYS)


def get(data: Any, path: tuple) -> Any:
    """``data`` at ``path``, or None where the path does not exist."""
    for p in path:
        if isinstance(data, dict):
            data = data.get(p)
        elif isinstance(data, list) and isinstance(p, int) and 0 <= p < len(data):
            data = data[p]
        else:
            return None
    return data


def result_rows(results: dict, edition: str) -> list[tuple[tuple, Any]]:
    """The figure rows of 三、本年度办理结果 in official order, as (path under results, row)."""
    return [(p, get(results, p)) for p, _ in applicant_rows(edition)]


def column_total(results: dict, edition: str, key: str) -> int:
    """One column of the （七）总计 row: that column summed over every result row."""
    return sum(count(get(results, p + (key,))) for p, _ in applicant_rows(edition))


def results_total(results: dict, edition: str) -> dict:
    """The （七）总计 row: each column summed over every result row, plus its 总计."""
    out = {k: column_total(results, edition, k) for k in COLUMN_KEYS}
    out["total"] = sum(out.values())
    return out


def appeals_total(block: dict) -> int:
    return sum(count(block.get(k)) for k in APPEAL_KEYS)


def amount(value: Any) -> Decimal | None:
    """An amount as an exact decimal (a JSON number is taken as its shortest repr)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(value if isinstance(value, str) else repr(value))
    except (InvalidOperation, ValueError):
        return None


def amount_text(value: Any) -> str:
    """An amount as printed, always in positional notation: ``"73802895.90"`` stays so (a string
    is printed as written); the number 0 prints ``0``, 12.5 ``12.5``, 1e-05 ``0.00001``,
    1e15 ``1000000000000000``."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    d = amount(value)
    if d is None or not d.is_finite():
        raise TypeError(f"amount_text needs a validated amount, not {value!r}")
    return "0" if d.is_zero() else format(d.normalize(), "f")


def completed(data: dict, edition: str) -> dict:
    """A copy of the report data (validated) with every total computed (printed totals are replaced)."""
    out = copy.deepcopy(data)
    req = out.get("requests") or {}
    for key in ("received", "carried_over", "carried_forward"):
        if isinstance(req.get(key), dict):
            req[key]["total"] = row_total(req[key])
    results = req.get("results")
    if isinstance(results, dict):
        for _, row in result_rows(results, edition):
            if isinstance(row, dict):
                row["total"] = row_total(row)
        results["total"] = results_total(results, edition)
    appeals = out.get("appeals") or {}
    for key, _ in APPEAL_BLOCKS:
        if isinstance(appeals.get(key), dict):
            appeals[key]["total"] = appeals_total(appeals[key])
    return out
