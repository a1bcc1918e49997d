"""Validation: the schema, then the official arithmetic, as one list of findings.

``validate(report, previous=None)`` returns every finding at once, errors and
warnings, each with its JSON path and official label (like jsonschema's
``iter_errors``: nothing stops at the first problem).

A clean report is checked by the compiled schema alone (``schema.fast_check``); jsonschema is
asked only when there is an error to explain.  The rules beyond the schema then run check by
check: each check names the cells it reads, and runs unless one of them is broken — a schema
error breaks the value at its path (a missing key: the key's path; an unknown key: nothing a
rule reads).  So a missing paragraph and an imbalanced column are both reported, and a float in
one cell switches off exactly the sums that add that cell.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable, Iterator

from ..contract import official as c
from . import rules
from .findings import Finding
from ..loading import load
from ..contract.schema import fast_check, validator


class Broken:
    """The paths (tuples) where the data broke the schema."""

    def __init__(self) -> None:
        self.paths: set[tuple] = set()
        self._at_or_above: set[tuple] = set()  # every prefix of a broken path, itself included
        self._lengths: set[int] = set()  # the lengths of the broken paths

    def _mark(self, path: tuple) -> None:
        self.paths.add(path)
        self._at_or_above.update(path[:i] for i in range(len(path) + 1))
        self._lengths.add(len(path))

    def add(self, error) -> None:
        """Record what one jsonschema error breaks."""
        path = tuple(error.absolute_path)
        inst = error.instance
        if error.validator == "required":
            for k in error.validator_value:
                if not (isinstance(inst, dict) and k in inst):
                    self._mark(path + (k,))
        elif error.validator == "additionalProperties":
            allowed = error.schema.get("properties", {})
            for k in inst:
                if k not in allowed:
                    self._mark(path + (k,))
        elif error.validator == "anyOf" and error.context:  # what each alternative found wrong
            for sub in error.context:
                self.add(sub)
        else:
            self._mark(path)

    def readable(self, reads: Iterable[tuple]) -> bool:
        """True when no path in ``reads`` is at, under or above a broken one."""
        if not self.paths:
            return True
        for r in reads:
            if r in self._at_or_above or any(n < len(r) and r[:n] in self.paths for n in self._lengths):
                return False
        return True


def _top_level_keys() -> list[str]:
    keys: dict[str, None] = {}
    for ed in c.EDITIONS:
        keys.update((ch.key, None) for ch in c.report_field(ed).children)
    return list(keys)


def _schema_findings(data: dict, edition: str | None, file, broken: Broken) -> list[Finding]:
    from .messages import translate, unknown_keys  # lazy: only when there is something to explain (bench_validate start-up)

    found = []
    for err in validator().iter_errors(data):
        broken.add(err)
        found.extend(translate(err, edition, file))
    if edition is None:  # without a valid format no edition's keys apply: name the unknown ones
        found.extend(unknown_keys(data, _top_level_keys(), (), None, file))
    return sorted(found, key=lambda f: f.path)


def iter_findings(report, previous=None, *, pdf: bool = False) -> Iterator[Finding]:
    """Yield the findings of ``report`` (anything :func:`reportkit.load` accepts).  For a form,
    what reading its cells found comes first, and every finding names its cell.  ``pdf``: a PDF
    is to be made, so characters it cannot show (emoji, characters none of its faces has) are errors."""
    report = load(report)
    if report.reading or report.cells:
        yield from report.reading
        reported = {f.path for f in report.reading if f.is_error}
        for f in _findings(report, previous, pdf):
            if f.path not in reported:
                yield f if f.where else replace(f, where=report.cells.get(f"{f.code}:{f.path}")
                                                or _cell(report.cells, f.path))
        return
    yield from _findings(report, previous, pdf)


def _cell(cells: dict[str, str], path: str) -> str | None:
    """The form cell of a JSON path, or of the nearest enclosing path that has one.  (A form may
    also name the cell of one kind of finding: ``cells["balance:$.requests.received.natural"]``.)"""
    while path:
        if path in cells:
            return cells[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 1 else ""
    return None


def _findings(report, previous, pdf: bool = False) -> Iterator[Finding]:
    data, file = report.data, report.source
    fmt = data.get("format")
    edition = fmt if isinstance(fmt, str) and fmt in c.EDITIONS else None

    broken = Broken()
    if edition is None or not fast_check(data, edition):
        yield from _schema_findings(data, edition, file, broken)
    yield from rules.xml_characters(data, edition, file)
    yield from rules.special_characters(data, edition, file, pdf=pdf)
    if edition is None:
        return
    for rule in rules.SAME_YEAR:
        yield from rule(data, edition, file, broken.readable)
    if previous is not None:
        prev = load(previous)
        for rule in rules.CROSS_YEAR:
            yield from rule(data, prev.data, edition, file, broken.readable)


def validate(report, previous=None, *, pdf: bool = False) -> list[Finding]:
    """Every finding about ``report``: schema errors in Chinese, then the rules beyond the schema.

    ``previous`` is last year's report (anything :func:`reportkit.load` accepts) for the
    cross-year rules.  ``pdf``: a PDF is to be made from it (then emoji and characters none of
    its faces has are errors).  Raises only for input that cannot be read at all
    (:class:`~reportkit.errors.InputFileError`, :class:`~reportkit.errors.DataError`).
    """
    return list(iter_findings(report, previous, pdf=pdf))
