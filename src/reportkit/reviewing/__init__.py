"""The supervising office's review of all its units' reports: ``reportkit.review(reports, previous=…)``.

Each unit's report is validated (schema and 勾稽关系), then checked beyond itself:

* **发布时限** — ``published`` after 1月31日 of the next year (after 3月31日 for a 县级以上人民政府's
  own report, ``rollup: true``), or missing;
* **内容雷同** — any narrative section ≥ 80 % the same as another unit's (both named), or as the
  unit's own last year (:mod:`reportkit.reviewing.similarity`: candidates from rare shingles, exact
  ratio on those only);
* **年度衔接** — paired with last year's report by ``agency_id``, else by name: the carry-over
  chain, the 现行有效件数 / 上一年项目数量 chains, applications received changing × 3 or more,
  tables all zero two years running;
* **地区合计** — every figure summed over the units (rollup reports left out), a reference for
  the office, not a substitute for the region's own report.

Inputs are report JSON files, clerk's forms (``.xlsx``, through :func:`reportkit.load`) or
published documents (``.docx .html .htm .pdf .txt .md``, through ``reportkit.import_report``),
folders of them, or data already loaded.  A file that cannot be read is that unit's row, never
the end of the review.  :meth:`Review.write` writes the workbook (``.xlsx``), the page
(``.html``) or JSON.

(The package is ``reviewing``, not ``review``: a submodule named ``review`` would replace the
``reportkit.review`` function on the package the first time it is imported.)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..errors import ReportkitError, UsageError
from .. import contract as c
from . import checks
from .checks import CHECKS, CopyGroup, Issue, Sums

__all__ = ["review", "Review", "Unit", "Issue", "Sums", "CopyGroup", "CHECKS", "INPUT_SUFFIXES", "IMPORT_SUFFIXES"]

#: published documents, read through reportkit.import_report
IMPORT_SUFFIXES = (".docx", ".html", ".htm", ".pdf", ".txt", ".md")
#: every file a folder given as input contributes
INPUT_SUFFIXES = (".json", ".xlsx") + IMPORT_SUFFIXES
_SKIP_NAMES = {"manifest.json"}


@dataclass
class Unit:
    """One unit's report in the review."""

    source: str
    data: dict | None = None
    error: ReportkitError | None = None          # the file could not be read
    findings: list = field(default_factory=list)  # validation findings (reportkit.Finding)
    issues: list[Issue] = field(default_factory=list)
    previous: str | None = None                   # last year's report it was paired with
    _figures: dict | None = field(default=None, repr=False, compare=False)

    def figures(self) -> dict[str, object]:
        """Every figure of its three tables, totals computed (worked out once): for units whose
        tables passed the schema (:func:`reportkit.reviewing.checks.tables_sound`)."""
        if self._figures is None:
            self._figures = checks.figures(self.data, self.edition)
        return self._figures

    @property
    def agency(self) -> str | None:
        a = (self.data or {}).get("agency")
        return a if isinstance(a, str) and a.strip() else None

    @property
    def name(self) -> str:
        return self.agency or (Path(self.source).stem if not self.source.startswith("<") else self.source)

    @property
    def where(self) -> str:
        """The input it came from, as a person names it."""
        return self.source if self.source.startswith("<") else f"{self.name}（{self.source}）"

    @property
    def year(self) -> int | None:
        y = (self.data or {}).get("year")
        return y if isinstance(y, int) and not isinstance(y, bool) else None

    @property
    def edition(self) -> str | None:
        e = (self.data or {}).get("format")
        return e if e in c.EDITIONS else None

    def _get(self, key: str) -> str:
        v = (self.data or {}).get(key)
        return v if isinstance(v, str) else ""

    @property
    def agency_id(self) -> str:
        return self._get("agency_id")

    @property
    def region(self) -> str:
        return self._get("region")

    @property
    def published(self) -> str:
        return self._get("published")

    @property
    def rollup(self) -> bool:
        return (self.data or {}).get("rollup") is True

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def verdict(self) -> str:
        if self.error is not None:
            return "无法读取"
        if self.errors:
            return "不通过"
        return "有警告" if self.warnings else "通过"

    @property
    def first_error(self) -> str:
        if self.error is not None:
            return self.error.message
        return self.errors[0].text() if self.errors else ""

    @property
    def first_warning(self) -> str:
        return self.warnings[0].text() if self.warnings else ""

    @property
    def first_problem(self) -> str:
        """The first problem in words, with the check it comes from: what the summary shows."""
        if self.error is not None:
            return f"无法读取：{self.error.message}"
        first = (self.errors or self.warnings or [None])[0]
        return f"{CHECKS[first.check]}：{first.text()}" if first else ""

    def count(self, check: str) -> int:
        return sum(i.check == check and i.severity != "info" for i in self.issues)

    def to_dict(self) -> dict:
        d = {"source": self.source, "agency": self.agency, "agency_id": self.agency_id or None,
             "region": self.region or None, "year": self.year, "format": self.edition, "rollup": self.rollup,
             "published": self.published or None, "verdict": self.verdict,
             "errors": len(self.errors), "warnings": len(self.warnings),
             "first_error": self.first_error or None, "first_warning": self.first_warning or None,
             "first_problem": self.first_problem or None, "previous": self.previous,
             "issues": [i.to_dict() for i in self.issues]}
        if self.error is not None:
            d["error"] = {"code": self.error.code, "message": self.error.message}
        return d


@dataclass
class Review:
    units: list[Unit]
    sums: list[Sums]
    previous: list[Unit]          # last year's reports, as read
    copy_groups: list[CopyGroup] = field(default_factory=list)   # 内容雷同, one entry a group

    @property
    def ok(self) -> bool:
        return all(u.verdict in ("通过", "有警告") for u in self.units)

    def issues(self, check: str) -> list[tuple[Unit, Issue]]:
        return [(u, i) for u in self.units for i in u.issues if i.check == check]

    def counts(self) -> dict[str, int]:
        out = {v: 0 for v in ("通过", "有警告", "不通过", "无法读取")}
        for u in self.units:
            out[u.verdict] += 1
        return out

    def to_dict(self) -> dict:
        from ..layout import figures

        return {
            "ok": self.ok,
            "units": [u.to_dict() for u in self.units],
            "verdicts": self.counts(),
            "checks": {k: {"name": v, "problems": sum(u.count(k) for u in self.units)} for k, v in CHECKS.items()},
            "previous": [u.source for u in self.previous],
            "copy_groups": [g.to_dict(self.units) for g in self.copy_groups],
            "sums": [{"format": s.edition, "year": s.year, "units": [self.units[i].name for i in s.units],
                      "excluded": [{"unit": self.units[i].name, "why": why} for i, why in s.excluded],
                      "note": SUMS_NOTE,
                      "figures": [{"path": f.path, "label": f.label,
                                   "value": s.values[f.path] if isinstance(s.values[f.path], int)
                                   else str(s.values[f.path])} for f in figures(s.edition)]}
                     for s in self.sums],
        }

    def write(self, path, *, force: bool = False) -> Path:
        """Write the review as ``.xlsx`` (the workbook), ``.html`` (the page) or ``.json``."""
        from ..output import write_bytes

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in OUTPUT_SUFFIXES:
            raise UsageError(f"审查结果只能写成 {'、'.join(OUTPUT_SUFFIXES)}，实为 “{path.suffix or path.name}”",
                             file=str(path))
        if path.exists() and not force:
            from ..errors import OutputExistsError

            raise OutputExistsError("文件已存在；如要覆盖请加 --force", file=str(path))
        if suffix == ".xlsx":
            from .workbook import workbook_bytes

            data = workbook_bytes(self)
        elif suffix == ".html":
            from .page import page_html

            data = page_html(self).encode("utf-8")
        else:
            import json

            data = (json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        return write_bytes(path, data, force=True)


OUTPUT_SUFFIXES = (".xlsx", ".html", ".json")
SUMS_NOTE = ("本表为所列各单位报告数字的简单加总，仅供审核参考；"
             "不能代替本地区人民政府（本级）的政府信息公开工作年度报告，汇总报告（rollup）未计入。")


# ------------------------------------------------------------------------------ inputs

def expand_inputs(items) -> list:
    """Paths, folders (their report files, sorted; not recursive), dicts and Reports, in order."""
    if items is None:
        return []
    if isinstance(items, (str, os.PathLike, dict)) or hasattr(items, "data") and hasattr(items, "source"):
        items = [items]
    out: list = []
    for item in items:
        if isinstance(item, (str, os.PathLike)) and Path(item).is_dir():
            out += sorted(p for p in Path(item).iterdir()
                          if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES and p.name not in _SKIP_NAMES
                          and not p.name.startswith((".", "~$")))
        else:
            out.append(item)
    return out


def read_unit(item, index: int = 0) -> Unit:
    """One input as a :class:`Unit` (loaded, not yet validated); a read error is kept, not raised."""
    from ..loading import load

    source = str(item) if isinstance(item, (str, os.PathLike)) else getattr(item, "source", None)
    if not source or source.startswith("<"):
        source = f"<第 {index + 1} 份>"
    try:
        if isinstance(item, (str, os.PathLike)) and Path(item).suffix.lower() in IMPORT_SUFFIXES:
            report = _import(Path(item))
        else:
            report = load(item)
    except ReportkitError as exc:
        return Unit(source, error=exc)
    return Unit(source if report.source.startswith("<") else report.source, data=report.data)


def _import(path: Path):
    """A published document through the importer, as a Report of the data it read (what it could
    not read is left out: validation then names it)."""
    from ..importing import import_report
    from ..loading import load

    return load(import_report(path).data, name=str(path))


# ------------------------------------------------------------------------------ the review

def review(reports: Iterable, previous=None) -> Review:
    """Review ``reports`` (paths, folders, dicts or :class:`reportkit.Report`\\ s) against
    ``previous`` (last year's, same kinds; paired by ``agency_id``, else by name).

    Raises :class:`~reportkit.errors.UsageError` only when there is nothing to review; every
    unreadable file becomes its unit's row.
    """
    from ..validation import validate

    items = expand_inputs(reports)
    if not items:
        raise UsageError("没有要审查的报告（文件夹中没有 .json/.xlsx/.docx/.html/.pdf/.txt 文件？）")
    units = [read_unit(x, n) for n, x in enumerate(items)]
    prev_units = [read_unit(x, n) for n, x in enumerate(expand_inputs(previous))]
    by_id: dict[str, list[Unit]] = {}
    by_name: dict[str, list[Unit]] = {}
    for p in prev_units:
        if p.data is None:
            continue
        aid, name = checks.pairing_key(p.data)
        if aid:
            by_id.setdefault(aid, []).append(p)
        if name:
            by_name.setdefault(name, []).append(p)

    last_sound: dict[int, bool] = {}

    def sound_last(p: Unit) -> bool:
        """Last year's tables passed the schema (validated once, when a unit pairs with it)."""
        if id(p) not in last_sound:
            last_sound[id(p)] = checks.tables_sound(validate(p.data))
        return last_sound[id(p)]

    seen: dict[tuple, int] = {}
    same: dict[int, int] = {}   # a unit sent twice → the index of its first copy
    for n, u in enumerate(units):
        if u.data is None:
            continue
        prev = _pair(u, by_id, by_name)
        u.previous = prev.source if prev is not None else None
        u.findings = validate(u.data, previous=prev.data if prev is not None else None)
        u.issues = [checks.from_finding(f) for f in u.findings if f.code not in checks.DATE_CODES]
        u.issues += checks.deadlines(u.data, u.findings)
        if prev is not None and not (checks.tables_sound(u.findings) and sound_last(prev)):
            u.issues.append(Issue("year_on_year", "info", "not-compared",
                                  "本年或上一年度报告的表格数据不符合数据规范，未比较两年的数字"))
        elif prev is not None:
            u.issues += checks.year_on_year(u, prev)
        elif prev_units:
            u.issues.append(Issue("year_on_year", "info", "no-previous",
                                  "上一年度的报告中没有找到本单位（按单位标识和名称配对），未做年度衔接核对"))
        aid, name = checks.pairing_key(u.data)
        key = (aid, u.year) if aid else (name, u.region, u.year)
        if key in seen:
            same[n] = seen[key]
            first = units[seen[key]]
            for me, other in ((u, first), (first, u)):
                me.issues.append(Issue("validation", "warning", "duplicate",
                                       f"同一单位同一年度的报告提交了两份，另一份：{other.where}", other=other.name))
        else:
            seen[key] = n
    found, groups = checks.copies(units, same)
    for i, issues in found.items():
        units[i].issues += issues
    order = list(CHECKS)
    rank = {"error": 0, "warning": 1, "info": 2}
    for u in units:
        u.issues.sort(key=lambda i: (rank[i.severity], order.index(i.check)))
    return Review(units, checks.sums(units), prev_units, groups)


def _pair(unit: Unit, by_id, by_name) -> Unit | None:
    aid, name = checks.pairing_key(unit.data)
    candidates = (by_id.get(aid) if aid else None) or (by_name.get(name) if name else None) or []
    want = unit.year - 1 if unit.year is not None else None
    for p in candidates:
        if p.year == want:
            return p
    return None

