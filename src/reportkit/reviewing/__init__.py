"""The supervising office's review of all its units' reports: ``reportkit.review(reports, previous=…)``.

Each unit's report is validated (schema and 勾稽关系), then checked beyond itself:

* **发布时限** — ``published`` after 1月31日 of the next year (after 3月31日 for a 县级以上人民政府's
  own report, ``rollup: true``), or missing;
* **内容雷同** — narrative sections ≥ 80 % the same between units, reported as **groups** (these
  37 units share 一（二） with each other: :attr:`Review.copy_groups`, one issue a unit's section
  naming its group and the member it is most like), or as the unit's own last year
  (:mod:`reportkit.reviewing.similarity`: each text compared with a few exemplars of the groups
  found so far, not with every other);
* **年度衔接** — paired with last year's report by ``agency_id``, else by name: the carry-over
  chain, the 现行有效件数 / 上一年项目数量 chains, applications received changing × 3 or more,
  tables all zero two years running;
* **地区合计** — every figure summed over the units (rollup reports left out), a reference for
  the office, not a substitute for the region's own report.

Inputs are report JSON files, clerk's forms (``.xlsx``, through :func:`reportkit.load`) or
published documents (``.docx .html .htm .pdf .txt .md``, through ``reportkit.import_report``),
folders of them, or data already loaded.  Every file a folder holds is a row: one that cannot be
read — of a type the review does not read (.xls, .doc, .wps, .ofd …), broken, or one on which
reportkit meets a bug — says why, never ends the review and is never left out.
:meth:`Review.write` writes the workbook (``.xlsx``), the page (``.html``) or JSON.

(The package is ``reviewing``, not ``review``: a submodule named ``review`` would replace the
``reportkit.review`` function on the package the first time it is imported.)
"""

from __future__ import annotations

import json
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..errors import InputFileError, InternalError, OutputExistsError, ReportkitError, UsageError, os_message
from ..contract import official as c
from . import checks
from .checks import CHECKS, SUMS_NOTE, CopyGroup, Issue, Sums
from ..contract.tables import figures
from ..filing.output import write_bytes
from .page import page_html
from ..loading import load
from ..importing import import_report
from ..validation.checks import validate

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
            if getattr(self.error, "detail", None):
                d["error"]["traceback"] = self.error.detail
        return d


@dataclass
class Review:
    units: list[Unit]
    sums: list[Sums]
    previous: list[Unit]          # last year's reports, as read
    copy_groups: list[CopyGroup] = field(default_factory=list)   # 内容雷同, one entry a group

    @property
    def ok(self) -> bool:
        """Every unit passed (warnings allowed) and every input was read, last year's too."""
        return all(u.verdict in ("通过", "有警告") for u in self.units) and not self.previous_unreadable

    @property
    def previous_unreadable(self) -> list[Unit]:
        """Last year's files that could not be read (each with its error)."""
        return [p for p in self.previous if p.error is not None]

    def issues(self, check: str) -> list[tuple[Unit, Issue]]:
        return [(u, i) for u in self.units for i in u.issues if i.check == check]

    def counts(self) -> dict[str, int]:
        out = {v: 0 for v in ("通过", "有警告", "不通过", "无法读取")}
        for u in self.units:
            out[u.verdict] += 1
        return out

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "units": [u.to_dict() for u in self.units],
            "verdicts": self.counts(),
            "checks": {k: {"name": v, "problems": sum(u.count(k) for u in self.units)} for k, v in CHECKS.items()},
            "previous": [u.source for u in self.previous],
            "previous_unreadable": [{"source": p.source, "error": {"code": p.error.code, "message": p.error.message}}
                                    for p in self.previous_unreadable],
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
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in OUTPUT_SUFFIXES:
            raise UsageError(f"审查结果只能写成 {'、'.join(OUTPUT_SUFFIXES)}，实为 “{path.suffix or path.name}”",
                             file=str(path))
        if path.exists() and not force:
            raise OutputExistsError("文件已存在；如要覆盖请加 --force", file=str(path))
        if suffix == ".xlsx":
            from .workbook import workbook_bytes  # lazy: xlsxwriter, only when the review is written as .xlsx

            data = workbook_bytes(self)
        elif suffix == ".html":
            data = page_html(self).encode("utf-8")
        else:
            data = (json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        return write_bytes(path, data, force=True)


OUTPUT_SUFFIXES = (".xlsx", ".html", ".json")


# ------------------------------------------------------------------------------ inputs

def expand_inputs(items) -> list:
    """Paths, folders, dicts and Reports, in order.  A folder gives every entry it holds, sorted
    (not recursive): report files, and also files of a type that cannot be reviewed and
    sub-folders, which become rows that say so — an input is never left out unsaid.  Only a
    render's ``manifest.json``, hidden files and Office lock files (``~$…``) are passed over."""
    if items is None:
        return []
    if isinstance(items, (str, os.PathLike, dict)) or hasattr(items, "data") and hasattr(items, "source"):
        items = [items]
    out: list = []
    for item in items:
        if isinstance(item, (str, os.PathLike)) and Path(item).is_dir():
            try:
                entries = sorted(Path(item).iterdir())
            except OSError as exc:
                raise UsageError(f"无法列出文件夹中的文件：{os_message(exc)}", file=str(item)) from None
            out += [p for p in entries if p.name not in _SKIP_NAMES and not p.name.startswith((".", "~$"))]
        else:
            out.append(item)
    return out


#: files that are somebody's report but in a form the review cannot read: what to do instead
UNREADABLE_KINDS = {
    ".xls": "是旧版 Excel 97-2003 工作簿（.xls）：填报表单请在 Excel 或 WPS 中“另存为” .xlsx 后再审查",
    ".et": "是 WPS 表格文件（.et）：请在 WPS 中“另存为” .xlsx 后再审查",
    ".doc": "是旧版 Word 97-2003 文档（.doc）：请在 Word 或 WPS 中“另存为” .docx 后再审查",
    ".wps": "是 WPS 文字文件（.wps）：请在 WPS 中“另存为” .docx 后再审查",
    ".ofd": "是 OFD 版式文件（.ofd），不能读取：请提供同一报告的 .docx、.pdf 或网页（.html）",
    ".rtf": "是 RTF 文件：请在 Word 或 WPS 中“另存为” .docx 后再审查",
    ".docm": "是启用宏的 Word 文档（.docm）：请“另存为” .docx 后再审查",
    ".xlsm": "是启用宏的 Excel 工作簿（.xlsm）：请“另存为” .xlsx 后再审查",
}


def _unsupported(path: Path):
    """Why a path given to the review cannot be one (a folder inside a folder, a file of a type
    it does not read), as the error of its row; None for a report file."""
    suffix = path.suffix.lower()
    if path.exists() and not path.is_file() and not path.is_dir():
        # reading a FIFO waits for ever, a device never ends: refused before anything is read
        return InputFileError("不是普通文件（命名管道、设备或套接字），不能作为报告读取", file=str(path))
    if suffix in INPUT_SUFFIXES:
        return None
    if path.is_dir():
        return InputFileError("是文件夹：文件夹中的子文件夹不逐层审查；如要审查其中的报告，请把这个文件夹也作为输入",
                              file=str(path))
    if not path.exists() and not path.is_symlink():
        return None  # said by reading it: 文件不存在
    why = UNREADABLE_KINDS.get(suffix) or (
        f"不支持的文件类型“{suffix or '（无扩展名）'}”：可审查的类型为 {'、'.join(INPUT_SUFFIXES)}")
    return InputFileError(why, file=str(path))


def read_unit(item, index: int = 0) -> Unit:
    """One input as a :class:`Unit` (loaded, not yet validated); a read error is kept, not raised."""
    source = str(item) if isinstance(item, (str, os.PathLike)) else getattr(item, "source", None)
    if not source or source.startswith("<"):
        source = f"<第 {index + 1} 份>"
    if isinstance(item, (str, os.PathLike)):
        refused = _unsupported(Path(item))
        if refused is not None:
            return Unit(source, error=refused)
    try:
        if isinstance(item, (str, os.PathLike)) and Path(item).suffix.lower() in IMPORT_SUFFIXES:
            report = _import(Path(item))
        else:
            report = load(item)
    except ReportkitError as exc:
        return Unit(source, error=exc)
    except Exception as exc:  # a bug in reading one file is that file's row, not the end of the review
        return Unit(source, error=_internal(exc, source))
    return Unit(source if report.source.startswith("<") else report.source, data=report.data)


def _internal(exc: BaseException, source: str):
    """A bug met on one unit, as that unit's error (with the traceback, for a bug report)."""
    error = InternalError(f"内部错误（reportkit 的缺陷，请报告）：{type(exc).__name__}: {exc}", file=source)
    error.detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:]
    return error


def _import(path: Path):
    """A published document through the importer, as a Report of the data it read (what it could
    not read is left out: validation then names it)."""
    return load(import_report(path).data, name=str(path))


# ------------------------------------------------------------------------------ the review

def review(reports: Iterable, previous=None) -> Review:
    """Review ``reports`` (paths, folders, dicts or :class:`reportkit.Report`\\ s) against
    ``previous`` (last year's, same kinds; paired by ``agency_id``, else by name).

    Raises :class:`~reportkit.errors.UsageError` when there is nothing to review, or when a
    ``previous`` path does not exist or is an empty folder (comparing with nothing would pass
    every unit unsaid).  Every other input that cannot be read — this year's or last year's, a
    file of a type the review does not read, a bug met on one file — is that unit's row (last
    year's: a warning on the units it could have been, and :attr:`Review.previous_unreadable`).
    """
    previous_items = expand_inputs(previous)
    _previous_paths(previous, previous_items)
    items = expand_inputs(reports)
    if not items:
        raise UsageError("没有要审查的报告（没有给出文件，或文件夹是空的）")
    units = [read_unit(x, n) for n, x in enumerate(items)]
    prev_units = [read_unit(x, n) for n, x in enumerate(previous_items)]
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
    context = _Context(by_id, by_name, prev_units)
    seen: dict[tuple, int] = {}
    same: dict[int, int] = {}   # a unit sent twice → the index of its first copy
    for n, u in enumerate(units):
        if u.data is None:
            continue
        try:
            _check(u, context)
        except Exception as exc:  # a bug met on one unit is that unit's row
            u.error, u.findings, u.issues, u.previous = _internal(exc, u.source), [], [], None
            continue
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
    _previous_unreadable(units, prev_units)
    found, groups = checks.copies(units, same)
    for i, issues in found.items():
        units[i].issues += issues
    order = list(CHECKS)
    rank = {"error": 0, "warning": 1, "info": 2}
    for u in units:
        u.issues.sort(key=lambda i: (rank[i.severity], order.index(i.check)))
    return Review(units, checks.sums(units), prev_units, groups)


def _previous_paths(previous, items: list) -> None:
    """A path given for last year that does not exist, or a folder with nothing in it, is the
    caller's mistake (a typo in --previous): said, not taken as "no last year"."""
    given = previous if isinstance(previous, (list, tuple)) else [] if previous is None else [previous]
    for item in given:
        if not isinstance(item, (str, os.PathLike)):
            continue
        path = Path(item)
        if not path.exists():
            raise UsageError("上一年度的报告（--previous）不存在", file=str(path))
        if path.is_dir() and not any(isinstance(x, Path) and x.parent == path for x in items):
            raise UsageError("上一年度的报告文件夹（--previous）中没有文件", file=str(path))


@dataclass
class _Context:
    by_id: dict
    by_name: dict
    previous: list
    sound: dict = field(default_factory=dict)

    def sound_last(self, p: Unit) -> bool:
        """Last year's tables passed the schema (validated once, when a unit pairs with it)."""
        if id(p) not in self.sound:
            try:
                self.sound[id(p)] = checks.tables_sound(validate(p.data))
            except Exception:  # a bug on last year's report: not compared, this year's still checked
                self.sound[id(p)] = False
        return self.sound[id(p)]


def _check(u: Unit, context: _Context) -> None:
    """Validate one unit (against last year's report it pairs with) and check it beyond that."""
    prev = _pair(u, context.by_id, context.by_name)
    u.previous = prev.source if prev is not None else None
    u.findings = validate(u.data, previous=prev.data if prev is not None else None)
    u.issues = [checks.from_finding(f) for f in u.findings if f.code not in checks.DATE_CODES]
    u.issues += checks.deadlines(u.data, u.findings)
    if prev is not None and not (checks.tables_sound(u.findings) and context.sound_last(prev)):
        u.issues.append(Issue("year_on_year", "info", "not-compared",
                              "本年或上一年度报告的表格数据不符合数据规范，未比较两年的数字"))
    elif prev is not None:
        u.issues += checks.year_on_year(u, prev)
    elif any(p.data is not None for p in context.previous):
        u.issues.append(Issue("year_on_year", "info", "no-previous",
                              "上一年度的报告中没有找到本单位（按单位标识和名称配对），未做年度衔接核对"))


def _previous_unreadable(units: list[Unit], prev_units: list[Unit]) -> None:
    """Last year's files that could not be read: a warning on each unit without last year's
    report that one of them may be — the one of the same file name or holding its name, else
    every such unit — instead of the unit passing as if it had none."""
    broken = [p for p in prev_units if p.error is not None]
    if not broken:
        return
    alone = [u for u in units if u.data is not None and u.error is None and u.previous is None]

    def names(u: Unit, p: Unit) -> bool:
        stem = Path(p.source).stem
        return (not u.source.startswith("<") and Path(u.source).stem == stem) or bool(u.agency and u.agency in stem)

    for p in broken:
        mine = [u for u in alone if names(u, p)] or alone
        for u in mine:
            u.issues = [i for i in u.issues if i.code != "no-previous"]
            u.issues.append(Issue("year_on_year", "warning", "previous-unreadable",
                                  f"上一年度的报告 {p.source} 无法读取（{p.error.message}），"
                                  "如其中有本单位的报告，年度衔接未能核对；请提供可读取的上一年度报告"))


def _pair(unit: Unit, by_id, by_name) -> Unit | None:
    aid, name = checks.pairing_key(unit.data)
    candidates = (by_id.get(aid) if aid else None) or (by_name.get(name) if name else None) or []
    want = unit.year - 1 if unit.year is not None else None
    for p in candidates:
        if p.year == want:
            return p
    return None

