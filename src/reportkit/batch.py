"""Many reports at once: validation and rendering with one outcome per input file.

Used by the CLI; a supervising office's batch is just a list of files.  One bad file
never stops the others.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from .errors import ReportkitError, UsageError
from .findings import Finding


@dataclass
class Outcome:
    file: Path
    agency: str | None = None
    year: int | None = None
    findings: list[Finding] = field(default_factory=list)
    error: ReportkitError | None = None
    outputs: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    out_dir: Path | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not any(f.is_error for f in self.findings)

    @property
    def status(self) -> str:
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
        if self.out_dir is not None:
            d["out_dir"] = str(self.out_dir)
            d["outputs"] = [str(p) for p in self.outputs]
            d["notes"] = list(self.notes)
        return d


def _identity(outcome: Outcome, data: dict) -> None:
    outcome.agency = data.get("agency") if isinstance(data.get("agency"), str) else None
    outcome.year = data.get("year") if isinstance(data.get("year"), int) else None


def _load_previous(previous):
    if previous is None:
        return None
    from .loading import load

    return load(previous)


def validate_many(files: Sequence[Path], previous=None) -> list[Outcome]:
    from .loading import load
    from .validation import validate

    prev = _load_previous(previous)
    outcomes = []
    for f in files:
        o = Outcome(Path(f))
        try:
            report = load(f)
            _identity(o, report.data)
            o.findings = validate(report, previous=prev)
        except ReportkitError as exc:
            o.error = exc
        outcomes.append(o)
    return outcomes


def folder_names(reports: Sequence[tuple[Path, dict, str | None]]) -> list[str]:
    """Sub-folder names for a batch: ``<agency>-<year>``, made unique by the agency_id or a
    digest of the input where two reports would share one."""
    from .output import safe_name

    base = [safe_name(f"{d.get('agency') or p.stem}-{d.get('year') or ''}".strip("-")) for p, d, _ in reports]
    counts = Counter(base)
    names = []
    for (p, d, digest), b in zip(reports, base):
        if counts[b] == 1:
            names.append(b)
        else:
            tag = d.get("agency_id") or (digest or hashlib.sha256(str(p.resolve()).encode()).hexdigest())[:8]
            names.append(safe_name(f"{b}-{tag}"))
    seen: Counter = Counter()
    unique = []
    for n in names:
        seen[n] += 1
        unique.append(n if seen[n] == 1 else f"{n}-{seen[n]}")
    return unique


def _render_one(args) -> Outcome:
    file, loaded, out_dir, formats, templates, previous, force = args
    from .filing import render

    o = Outcome(Path(file), out_dir=out_dir)
    if isinstance(loaded, ReportkitError):  # unreadable: reported, nothing rendered
        o.error = loaded
        return o
    _identity(o, loaded.data)
    try:
        result = render(loaded, out_dir, formats=formats, templates=templates, previous=previous, force=force)
        o.findings, o.outputs, o.notes = result.findings, result.paths, result.notes
    except ReportkitError as exc:
        o.error = exc
        o.findings = list(getattr(exc, "findings", []))
    return o


def _try_load(path: Path):
    from .loading import load

    try:
        return load(path)
    except ReportkitError as exc:
        return exc


def render_many(files: Sequence[Path], output: Path | None, *, formats, templates=None, previous=None,
                force=False, jobs=1, progress=False) -> list[Outcome]:
    files = [Path(f) for f in files]
    prev = _load_previous(previous)
    loaded = [_try_load(f) for f in files]  # each file is read once; the report travels to the worker
    if len(files) == 1:
        out_dirs = [output if output is not None else files[0].with_suffix("")]
    else:
        ids = [(f, {}, None) if isinstance(r, ReportkitError) else (f, r.data, r.sha256)
               for f, r in zip(files, loaded)]
        out_dirs = [Path(output) / n for n in folder_names(ids)]
    tasks = [(f, r, d, formats, templates, prev, force) for f, r, d in zip(files, loaded, out_dirs)]
    if jobs > 1 and len(tasks) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(jobs, len(tasks), os.cpu_count() or 1)) as pool:
            results = _progress(pool.map(_render_one, tasks), len(tasks), progress)
    else:
        results = _progress(map(_render_one, tasks), len(tasks), progress)
    return results


def _progress(iterable, total: int, show: bool) -> list[Outcome]:
    if not show:
        return list(iterable)
    from rich.progress import Progress

    out = []
    with Progress(transient=False) as bar:
        task = bar.add_task("生成中", total=total)
        for o in iterable:
            out.append(o)
            bar.advance(task)
    return out
