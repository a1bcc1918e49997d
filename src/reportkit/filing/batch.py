"""Many reports at once: validation and rendering with one outcome per input file.

Used by the CLI; a supervising office's batch is just a list of files.  One bad file never
stops the others: whatever goes wrong with one report — invalid data, an unreadable file, a
broken template, a bug in reportkit, a worker process that dies — becomes that report's
outcome, and the rest are rendered.

Rendering several files runs in worker processes (:mod:`reportkit.filing.workers`; ``jobs`` of
them).  A worker takes a *chunk* of reports: it renders each one's Word and Excel files into
its staging folder, converts all their PDFs with one LibreOffice start, then commits each set
on its own.  Reports without PDF go one per chunk.
"""

from __future__ import annotations

import hashlib
import math
import traceback
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from ..errors import InternalError, InputFileError, ReportkitError, UsageError
from ..validation.findings import Finding
from .options import RenderOptions
from ..loading import is_form, load, read_input
from ..validation.checks import validate
from .output import safe_name

PDF_CHUNK = 20  # reports per LibreOffice start in a batch
#: what every render worker needs, imported once into the fork server: rendering and the read-back guard
PRELOAD = ("reportkit.filing.batch", "reportkit.filing.set", "reportkit.writing.docx", "reportkit.writing.xlsx",
           "reportkit.writing.html", "reportkit.writing.pdf", "reportkit.filing.guard", "reportkit.reading.docx",
           "reportkit.reading.xlsx", "docxtpl", "lxml.etree")


@dataclass
class Outcome:
    file: Path
    agency: str | None = None
    year: int | None = None
    findings: list[Finding] = field(default_factory=list)
    error: ReportkitError | None = None
    outputs: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    fonts_note: str | None = None  # the PDF's substitute faces (filing.RenderResult.fonts_note)
    out_dir: Path | None = None
    detail: str | None = None  # the traceback of an internal error, for a bug report

    @property
    def ok(self) -> bool:
        return self.error is None and not any(f.is_error for f in self.findings)

    @property
    def status(self) -> str:
        if isinstance(self.error, InternalError):
            return "内部错误"
        if isinstance(self.error, UsageError):
            return "无法读取" if self.error.code == "input-file" else "未生成"
        if not self.ok:
            return "有错误"
        w = sum(not f.is_error for f in self.findings)
        return f"通过（{w} 个警告）" if w else "通过"

    @property
    def first_error(self) -> str | None:
        if self.error is not None:
            return self.error.message
        for f in self.findings:
            if f.is_error:
                return f.text()
        return None

    def to_dict(self) -> dict:
        d = {"file": str(self.file), "agency": self.agency, "year": self.year, "ok": self.ok,
             "errors": sum(f.is_error for f in self.findings),
             "warnings": sum(not f.is_error for f in self.findings),
             "findings": [f.to_dict() for f in self.findings]}
        if self.error is not None:
            d["error"] = {"code": self.error.code, "message": self.error.message,
                          **{k: getattr(self.error, k) for k in ("path", "line", "column")
                             if getattr(self.error, k, None) is not None}}
            if self.detail:
                d["error"]["traceback"] = self.detail
        if self.out_dir is not None:
            d["out_dir"] = str(self.out_dir)
            d["outputs"] = [str(p) for p in self.outputs]
            d["notes"] = list(self.notes)
            d["fonts_note"] = self.fonts_note
        return d


def _identity(outcome: Outcome, data: dict) -> None:
    outcome.agency = data["agency"] if isinstance(data.get("agency"), str) else None
    outcome.year = data.get("year") if isinstance(data.get("year"), int) and not isinstance(data.get("year"), bool) \
        else None


def _load_previous(previous):
    if previous is None:
        return None

    return load(previous)


def validate_many(files: Sequence[Path], previous=None, *, pdf: bool = False) -> list[Outcome]:
    """Validate every file; ``pdf``: a PDF is to be made (characters it cannot show are errors)."""
    prev = _load_previous(previous)
    outcomes = []
    for f in files:
        o = Outcome(Path(f))
        try:
            report = load(f)
            _identity(o, report.data)
            o.findings = validate(report, previous=prev, pdf=pdf)
        except Exception as exc:  # a bug met on one file is that file's row too; the rest go on
            _fail(o, exc)
        outcomes.append(o)
    return outcomes


def folder_names(reports: Sequence[tuple[Path, dict, str | None]]) -> list[str]:
    """Sub-folder names for a batch: ``<agency>-<year>``, made unique by the agency_id or a
    digest of the input where two reports would share one; long names are shortened in bytes
    with a stable hash (:func:`reportkit.filing.output.safe_name`)."""
    def parts(p: Path, d: dict) -> tuple[str, str]:
        agency = d.get("agency") if isinstance(d.get("agency"), str) and d.get("agency") else p.stem
        year = d.get("year")
        return agency, f"-{year}" if isinstance(year, int) and not isinstance(year, bool) else ""

    base = [safe_name(*parts(p, d)) for p, d, _ in reports]
    counts = Counter(base)
    names = []
    for (p, d, digest), b in zip(reports, base):
        if counts[b] == 1:
            names.append(b)
        else:
            agency, year = parts(p, d)
            tag = d.get("agency_id") if isinstance(d.get("agency_id"), str) and d.get("agency_id") else \
                (digest or hashlib.sha256(str(p.resolve()).encode()).hexdigest())[:8]
            names.append(safe_name(agency, f"{year}-{tag}"))
    seen: Counter = Counter()
    unique = []
    for n in names:
        seen[n] += 1
        unique.append(n if seen[n] == 1 else f"{n}-{seen[n]}")
    return unique


# ------------------------------------------------------------------ rendering

@dataclass
class Task:
    """One report of a batch, as sent to a worker."""

    index: int
    file: Path
    sha256: str | None        # of the bytes the folder name was chosen from; None: unreadable then
    error: ReportkitError | None
    out_dir: Path
    options: "RenderOptions"  # the batch's, whole (``previous`` loaded once)
    #: False for a unit's folder in a batch: a symbolic link there was not made by the batch
    follow_links: bool = True


def _scan(path: Path):
    """(data, sha256, None) or ({}, None, error): what the folder name is chosen from.  A form is
    read only as far as its agency, year and agency_id (the worker reads it whole): a fifth of
    the cost, paid one file after another before any worker starts."""
    o = Outcome(path)
    try:
        raw = read_input(path)
        if is_form(raw):
            from ..form.read import read_identity  # lazy: the form reader, only for a form (.xlsx) input (bench_validate start-up)

            return read_identity(raw, str(path)), hashlib.sha256(raw).hexdigest(), None
        report = load(raw, name=str(path))
        return report.data, report.sha256, None
    except Exception as exc:  # a bug in loading is that file's row too
        _fail(o, exc)
        return {}, None, o.error


def render_many(files: Sequence[Path], output: Path | None, options: RenderOptions | None = None, *, jobs=1,
                progress: Callable[[int, int], None] | bool = False, **loose) -> list[Outcome]:
    """Render every file under ``options`` (:class:`~reportkit.filing.options.RenderOptions`; its fields
    may also be given as keyword arguments); one :class:`Outcome` per file, in order.  A single
    file renders in this process; several render in ``jobs`` worker processes, each file into its
    own sub-folder of ``output``."""
    files = [Path(f) for f in files]
    options = RenderOptions.of(options, **loose).with_previous_loaded()
    if len(files) == 1:
        out = output if output is not None else files[0].with_suffix("")
        return [render_task(Task(0, files[0], None, None, Path(out), options))]
    scanned = []
    for f in files:  # the identity of each report, not the report: the parent's memory stays flat
        data, digest, error = _scan(f)
        scanned.append(((f, {k: data.get(k) for k in ("agency", "year", "agency_id")}, digest), error))
    out_dirs = [Path(output) / n for n in folder_names([ident for ident, _ in scanned])]
    tasks = [Task(i, f, ident[2], error, d, options, follow_links=False)
             for i, ((ident, error), f, d) in enumerate(zip(scanned, files, out_dirs))]
    del scanned
    chunk = max(1, min(PDF_CHUNK, math.ceil(len(tasks) / max(1, jobs)))) if "pdf" in options.formats else 1
    units = [tasks[i:i + chunk] for i in range(0, len(tasks), chunk)]
    from .workers import run_units  # lazy: worker processes, render only (bench_validate start-up)

    show = _ProgressBar(len(tasks)) if progress is True else None
    try:
        results = run_units(units, render_chunk, jobs=jobs, on_result=(show.advance if show else progress or None),
                            lost=_lost_outcome, preload=PRELOAD)
    finally:
        if show:
            show.close()
    return [results[t.index] for t in tasks]


def _lost_outcome(task: Task, how: str) -> Outcome:
    """The outcome of a task whose worker died; what the worker left in its output folder is
    cleaned up now (the folder's lock died with the worker) rather than on the next run."""
    from .staging import OutputFolder  # lazy: the output folder's lock and staging, render only (bench_validate start-up)

    try:
        with OutputFolder(task.out_dir, wait=task.options.wait, follow_links=task.follow_links):
            pass
    except (ReportkitError, OSError):
        pass
    o = Outcome(task.file, out_dir=task.out_dir)
    o.error = InternalError(f"生成这份报告的进程意外退出（{how}）；它的输出文件夹已整理为一致的状态"
                            "（完整的一套材料，或没有）", file=str(task.file))
    return o


def render_chunk(tasks: Sequence[Task], emit: Callable[[Task, Outcome], None]) -> None:
    """Render a chunk of tasks in this process: office files of each, one PDF conversion for
    all, then each set committed on its own.  ``emit`` receives every outcome as it is known."""
    from .set import StagedSet, convert_pdfs, plan  # lazy: the filing set and its engines, render only (bench_validate start-up)

    with ExitStack() as stack:
        staged: list[tuple[Task, Outcome, StagedSet]] = []
        for t in tasks:
            o, report = _start(t)
            if report is None:
                emit(t, o)
                continue
            try:
                p = plan(report, t.out_dir, t.options)
                s = stack.enter_context(StagedSet(p, follow_links=t.follow_links))
            except Exception as exc:
                _fail(o, exc)
                emit(t, o)
                continue
            staged.append((t, o, s))
        try:
            convert_pdfs([s for _, _, s in staged])
        except Exception as exc:  # the conversion step itself broke: every set of the chunk fails
            for t, o, _ in staged:
                _fail(o, exc)
                emit(t, o)
            staged = []
        for t, o, s in staged:
            try:
                result = s.commit()
                o.findings, o.outputs, o.notes = result.findings, result.paths, result.notes
                o.fonts_note = result.fonts_note
            except Exception as exc:
                _fail(o, exc)
            emit(t, o)


def render_task(task: Task) -> Outcome:
    """One task in this process (a single file): the same steps as a chunk of one."""
    out: list[Outcome] = []
    render_chunk([task], lambda t, o: out.append(o))
    return out[0]


def _start(t: Task):
    """The outcome of ``t`` and its report, or (outcome, None) when it cannot be read."""
    o = Outcome(t.file, out_dir=t.out_dir)
    if t.error is not None:
        o.error = t.error
        return o, None
    try:
        report = load(t.file)
    except Exception as exc:
        _fail(o, exc)
        return o, None
    _identity(o, report.data)
    if t.sha256 is not None and report.sha256 != t.sha256:
        o.error = InputFileError("文件在批量生成期间被修改，未生成；请重新运行", file=str(t.file))
        return o, None
    return o, report


def _fail(o: Outcome, exc: BaseException) -> None:
    if isinstance(exc, ReportkitError):
        o.error = exc
        o.findings = list(getattr(exc, "findings", []) or o.findings)
    elif isinstance(exc, Exception):
        o.error = InternalError(f"内部错误（reportkit 的缺陷，请报告）：{type(exc).__name__}: {exc}",
                                file=str(o.file))
        o.detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:]
    else:
        raise exc


class _ProgressBar:
    def __init__(self, total: int) -> None:
        from rich.progress import Progress  # lazy: rich, only for a render's progress bar (bench_validate start-up)

        self._bar = Progress(transient=False)
        self._bar.start()
        self._task = self._bar.add_task("生成中", total=total)

    def advance(self, done: int, total: int) -> None:
        self._bar.update(self._task, completed=done)

    def close(self) -> None:
        self._bar.stop()
