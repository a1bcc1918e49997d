"""Validation: the schema, then the official arithmetic, as one list of findings.

``validate(report, previous=None)`` returns every finding at once, errors and
warnings, each with its JSON path and official label (like jsonschema's
``iter_errors``: nothing stops at the first problem).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from . import rules
from .findings import Finding
from .loading import load
from .messages import translate
from .schema import fast_check, validator

#: rule → the top-level sections it reads (skipped when they break the schema)
_RULES = (
    (rules.balance, ("requests", "year", "format")),
    (rules.printed_totals, ("requests", "appeals", "format")),
    (rules.edition_year, ("year", "format")),
    (rules.fees, ("fees", "format")),
)
_CROSS = ("requests", "proactive", "year", "format", "agency_id")


def iter_findings(report, previous=None) -> Iterator[Finding]:
    """Yield the findings of ``report`` (anything :func:`reportkit.load` accepts).  For a form,
    what reading its cells found comes first, and every finding names its cell."""
    report = load(report)
    if report.reading or report.cells:
        yield from report.reading
        reported = {f.path for f in report.reading if f.is_error}
        for f in _findings(report, previous):
            if f.path not in reported:
                yield f if f.where else replace(f, where=_cell(report.cells, f.path))
        return
    yield from _findings(report, previous)


def _cell(cells: dict[str, str], path: str) -> str | None:
    """The form cell of a JSON path, or of the nearest enclosing path that has one."""
    while path:
        if path in cells:
            return cells[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 1 else ""
    return None


def _findings(report, previous) -> Iterator[Finding]:
    data, file = report.data, report.source
    edition = data.get("format") if data.get("format") in ("2019", "2021") else None

    broken: set[str] = set()
    schema_findings = []
    errors = () if edition and fast_check(data, edition) else validator().iter_errors(data)
    for err in errors:
        path = tuple(err.absolute_path)
        broken.add(str(path[0]) if path else "*")
        if err.validator == "required" and not path:
            broken.update(k for k in err.validator_value if k not in data)
        schema_findings.extend(translate(err, edition, file))
    schema_findings.sort(key=lambda f: f.path)
    yield from schema_findings
    yield from rules.control_chars(data, edition, file)
    if edition is None or "*" in broken:
        return
    for rule, reads in _RULES:
        if not broken.intersection(reads):
            yield from rule(data, edition, file)
    if previous is not None:
        prev = load(previous)
        if broken.intersection(_CROSS):
            return
        for rule in rules.CROSS_YEAR:
            yield from rule(data, prev.data, edition, file)


def validate(report, previous=None) -> list[Finding]:
    """Every finding about ``report``: schema errors in Chinese, then the rules beyond the schema.

    ``previous`` is last year's report (anything :func:`reportkit.load` accepts) for the
    cross-year rules.  Raises only for input that cannot be read at all
    (:class:`~reportkit.errors.InputFileError`, :class:`~reportkit.errors.DataError`).
    """
    return list(iter_findings(report, previous))

