"""Every computed figure of the official tables, in one place.

The 总计 column of table 三, the （七）总计 row, the 总计 of each appeals block,
and amounts as exact decimals.  Validation compares printed totals with these;
the renderers print these.
"""

from __future__ import annotations

import copy
from decimal import Decimal, InvalidOperation
from typing import Any

from .contract import APPEAL_BLOCKS, APPEAL_COLUMNS, COLUMN_KEYS, applicant_rows

APPEAL_KEYS = tuple(k for k, _ in APPEAL_COLUMNS)


def _int(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def row_total(row: Any) -> int:
    """总计 of an applicant row: the sum of its six columns (missing or malformed cells count 0)."""
    return sum(_int(row.get(k)) for k in COLUMN_KEYS) if isinstance(row, dict) else 0


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


def result_rows(results: Any, edition: str) -> list[tuple[tuple, Any]]:
    """The figure rows of 三、本年度办理结果 in official order, as (path under results, row)."""
    return [(p, get(results, p)) for p, _ in applicant_rows(edition)]


def results_total(results: Any, edition: str) -> dict:
    """The （七）总计 row: each column summed over every result row, plus its 总计."""
    rows = [r for _, r in result_rows(results, edition)]
    out = {k: sum(_int(r.get(k)) if isinstance(r, dict) else 0 for r in rows) for k in COLUMN_KEYS}
    out["total"] = sum(out.values())
    return out


def appeals_total(block: Any) -> int:
    return sum(_int(block.get(k)) for k in APPEAL_KEYS) if isinstance(block, dict) else 0


def amount(value: Any) -> Decimal | None:
    """An amount as an exact decimal (a JSON number is taken as its shortest repr)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(value if isinstance(value, str) else repr(value))
    except (InvalidOperation, ValueError):
        return None


def amount_text(value: Any) -> str:
    """An amount as written: ``"73802895.90"`` stays so; the number 0 prints ``0``, 12.5 ``12.5``."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def completed(data: dict, edition: str) -> dict:
    """A copy of the report data with every total computed (printed totals are replaced)."""
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
