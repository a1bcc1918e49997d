"""The filing set: validate, then write the .docx, .xlsx, .pdf, .html and manifest.json of a report.

A render goes through three steps, each its own piece so that a batch can interleave them
(one LibreOffice start for the PDFs of many sets):

1. :func:`plan` — load and validate the report, choose templates, file names and the
   context.  Nothing touches the disk; invalid data stops here (``ValidationFailed``).
2. :class:`StagedSet` — lock the output folder, recover what an interrupted run left, and
   render the Word and Excel files into a staging folder inside it; the PDF is converted
   from the staged .docx (:func:`convert_pdfs`).
3. :meth:`StagedSet.commit` — :meth:`StagedSet.seal` is the one point where every byte of the
   set is in staging and nothing is in place yet: there every rendered file is read back and
   compared with the validated data (:mod:`reportkit.filing.guard`), then the set is moved into place
   whole, manifest last (:mod:`reportkit.filing.staging` describes the on-disk protocol and what a
   reader can rely on).

A failure at any step leaves the output folder as it was: no partial set, nothing
overwritten without ``force``.  With ``force`` the set is replaced whole: files of the old
set that the new one does not have (e.g. the PDF when re-rendering with ``formats=["docx"]``)
are deleted, but only those the old manifest lists and whose bytes still match it.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from ..version import __version__
from ..errors import ConverterMissing, OutputExistsError, RenderError, ValidationFailed, os_message
from ..validation.findings import Finding, has_errors
from ..limits import TemplateLimits
from ..loading import load
from ..ooxml.fonts import requested_fonts
from .options import RenderOptions
from .output import safe_name
from .staging import MANIFEST, OutputFolder, sha256_file, write_file
from ..validation.checks import validate
from ..writing.pdf import PDFA_LEVEL, convert_many, find_soffice, font_resolution, sandbox_name, sandbox_note
from ..writing.context import build_context
from ..writing.stamps import build_time
from ..templating.sets import resolve
from ..writing.docx import closing_split_point, render_docx, split_closing
from ..writing.xlsx import render_xlsx
from ..writing.html import render_html
from ..writing.fonts import strict_error, substitute_note, substitutes
from . import guard as readback
from .guard import verify_pdf
from ..resources import data_dir

TITLE = "政府信息公开工作年度报告"
#: the html format also writes the article alone, for pasting into a website's editor
FRAGMENT_SUFFIX = "-粘贴用.html"
#: the template kinds, and the formats that need each
TEMPLATE_KINDS = {"docx": ("docx", "pdf"), "xlsx": ("xlsx",), "html": ("html",)}


@dataclass
class RenderResult:
    out_dir: Path
    paths: list[Path]                       # the files written, manifest last
    findings: list[Finding]                 # validation findings (warnings only: errors stop rendering)
    manifest: dict
    notes: list[str] = field(default_factory=list)  # e.g. "LibreOffice missing, no PDF"
    fonts_note: str | None = None           # the PDF's substitute faces, each named, and the fix


def output_stem(data: dict) -> str:
    """``<单位>-<年度>-政府信息公开工作年度报告``, the agency shortened (in bytes) when the name would
    not fit in a file name with the longest ending a set gives it (``-粘贴用.html``)."""
    return safe_name(str(data["agency"]), f"-{data['year']}-{TITLE}", room=len(FRAGMENT_SUFFIX.encode("utf-8")))


def _converter() -> bool:
    """A PDF will be made (LibreOffice is there): only then do characters it cannot show stop a set."""
    return find_soffice() is not None


@dataclass
class Plan:
    """Everything decided about one set before anything is written."""

    report: object
    out_dir: Path
    formats: list[str]
    names: dict[str, str]
    templates: dict[str, Path]
    findings: list[Finding]
    context: dict
    when: object
    options: RenderOptions
    notes: list[str] = field(default_factory=list)

    @property
    def force(self) -> bool:
        return self.options.force

    @property
    def pdfa(self) -> bool:
        return self.options.pdfa

    @property
    def limits(self) -> TemplateLimits:
        return self.options.limits

    @property
    def fonts(self) -> str:
        """``"strict"``: no PDF (no set) when a face would be a substitute."""
        return self.options.fonts


def plan(report, out_dir, options: RenderOptions | None = None) -> Plan:
    """Validate ``report`` (loaded if it is not a :class:`~reportkit.Report` yet, once) and
    decide its set under ``options``; raises ``ValidationFailed`` on invalid data."""
    options = options or RenderOptions()
    report = load(report)
    formats = list(options.formats)
    findings = validate(report, previous=options.previous, pdf="pdf" in formats and _converter())
    if has_errors(findings):
        raise ValidationFailed(findings, file=report.source)
    data = report.data
    stem = output_stem(data)
    notes: list[str] = []
    used = {}
    for kind, needed_by in TEMPLATE_KINDS.items():
        if set(needed_by) & set(formats):
            path, note = resolve(kind, data["format"], options.templates)
            used[kind] = path
            if note:
                notes.append(note)
    names = {fmt: f"{stem}.{fmt}" for fmt in formats}
    if "html" in formats:
        names["html-fragment"] = stem + FRAGMENT_SUFFIX
    return Plan(report, Path(out_dir), formats, names, used, findings, build_context(data),
                build_time(data.get("published"), data.get("year")), options, notes)


class StagedSet:
    """One set being made: ``with StagedSet(plan) as s: …; s.commit()``.  Leaving the block
    without a commit discards the staging folder; the output folder is unlocked either way."""

    def __init__(self, plan: Plan, *, follow_links: bool = True) -> None:
        self.plan = plan
        self.folder = OutputFolder(plan.out_dir, wait=plan.options.wait, follow_links=follow_links)
        self.staging: Path | None = None
        self.notes = list(plan.notes)
        self.pdf: dict | None = None
        self.failure: RenderError | None = None
        self.fonts_note: str | None = None
        self._made: list[str] = []
        #: the bytes of every staged file, kept where they were produced: read back, hashed and
        #: measured from here, never read again from the disk
        self.written: dict[str, bytes] = {}

    def _write(self, name: str, data: bytes) -> None:
        write_file(self.staging / name, data)
        self.written[name] = data

    def __enter__(self) -> "StagedSet":
        self.folder.__enter__()
        try:
            self._check_existing()
            self.staging = self.folder.new_staging()
            self._render_office()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.folder.__exit__(None, None, None)  # discards the staging folder unless it was committed

    def _check_existing(self) -> None:
        if self.plan.force:
            return
        out = self.plan.out_dir
        existing = [n for n in list(self.plan.names.values()) + [MANIFEST] if (out / n).exists()]
        if existing:
            raise OutputExistsError(f"已存在：{'、'.join(existing)}；如要覆盖请加 --force", file=str(out))

    @property
    def docx(self) -> Path:
        """The staged .docx (made also when only the PDF is wanted: the PDF is converted from it)."""
        any_name = next(iter(self.plan.names.values()))
        return self.staging / (any_name.rsplit(".", 1)[0] + ".docx")

    @property
    def wants_pdf(self) -> bool:
        return "pdf" in self.plan.formats

    def _render_office(self) -> None:
        p = self.plan
        try:
            if "docx" in p.templates:
                self._write(self.docx.name, render_docx(p.templates["docx"], p.context, p.when, limits=p.limits))
            if "xlsx" in p.formats:
                buf = io.BytesIO()
                render_xlsx(p.templates["xlsx"], p.context, buf, when=p.when)
                self._write(p.names["xlsx"], buf.getvalue())
            if "html" in p.formats:
                page, fragment = render_html(p.templates["html"], p.context, limits=p.limits)
                self._write(p.names["html"], page.encode("utf-8"))
                self._write(p.names["html-fragment"], fragment.encode("utf-8"))
        except OSError as exc:
            raise RenderError(f"写入失败：{os_message(exc)}", file=str(p.out_dir)) from None

    def take_pdf(self, converted, sandbox: str) -> None:
        """Move a converted and checked PDF into staging and keep what was read from it."""
        pdf = self.staging / self.plan.names["pdf"]
        shutil.move(converted.path, pdf)  # another set's staging: maybe another disk
        self.written[pdf.name] = pdf.read_bytes()   # read once: checked and hashed from memory
        info = converted.info
        resolved = font_resolution(requested_fonts(self.written[self.docx.name]))
        self._check_fonts(resolved)
        self.pdf = {"pages": info.pages, "fonts": [f.to_dict() for f in info.fonts],
                    "fonts_requested": resolved,
                    "font_substitutes": None if resolved is None else sorted(substitutes(resolved)),
                    "pdfa_requested": PDFA_LEVEL if self.plan.pdfa else None,
                    "pdfa_claimed": info.pdfa, "sandbox": sandbox}

    def _check_fonts(self, resolved: dict | None) -> None:
        """Say which faces the PDF printed in a substitute; with ``fonts="strict"`` refuse the set
        (its commit raises), also when this machine cannot tell (no fontconfig)."""
        subs = substitutes(resolved)
        self.fonts_note = substitute_note(subs)
        if self.plan.fonts == "strict" and (subs or resolved is None):
            if resolved is None:
                self.failure = RenderError("无法确认 PDF 所用的字体（本机没有 fontconfig 的 fc-match），"
                                           "按 --fonts strict 未写入任何文件", file=str(self.plan.out_dir))
            else:
                self.failure = strict_error(subs, file=str(self.plan.out_dir))

    def seal(self) -> dict:
        """The one point where every rendered byte of the set is in staging and nothing is in
        place yet: every rendered file is read back and compared with the validated data (a
        :class:`RenderError` naming what differs), then the manifest is made.  Raises what made
        the set fail."""
        p = self.plan
        if self.failure is not None:
            raise self.failure
        self._verify()
        if "docx" not in p.formats and self.docx.exists():
            self.docx.unlink()
            self.written.pop(self.docx.name, None)
        made = [n for n in p.names.values() if n in self.written]
        manifest = _manifest(p, [(n, self.written[n]) for n in made], self.pdf)
        write_file(self.staging / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        self._made = made
        return manifest

    def _verify(self) -> None:
        """The read-back guard (:mod:`reportkit.filing.guard`): every figure and every paragraph of
        what is about to be published, in every file, equals what was validated."""
        p, checks = self.plan, []
        if "docx" in p.formats:
            checks.append((readback.verify_docx, self.docx.name, p.templates["docx"]))
        if "xlsx" in p.formats:
            checks.append((readback.verify_xlsx, p.names["xlsx"], p.templates["xlsx"]))
        if "pdf" in p.formats and p.names["pdf"] in self.written:
            checks.append((readback.verify_pdf, p.names["pdf"], p.templates["docx"]))
        if "html" in p.formats:
            for name in (p.names["html"], p.names["html-fragment"]):
                checks.append((lambda data, ctx, template: readback.verify_html(data.decode("utf-8"), ctx,
                                                                                template=template),
                               name, p.templates["html"]))
        for verify, name, template in checks:
            verify(self.written[name], p.context, template=str(template))

    def commit(self) -> RenderResult:
        try:
            manifest = self.seal()
            paths, kept = self.folder.commit(self.staging, self._made)
        except OSError as exc:
            raise RenderError(f"写入失败：{os_message(exc)}", file=str(self.plan.out_dir)) from None
        notes = self.notes + [f"未删除 {n}：它在上一次生成之后被修改过，不再是上一套材料的原样文件" for n in kept]
        return RenderResult(self.plan.out_dir, paths, self.plan.findings, manifest, notes, self.fonts_note)


def convert_pdfs(sets: Sequence[StagedSet]) -> None:
    """Convert the staged .docx of every set that wants a PDF, in one LibreOffice call where
    possible.  A set whose PDF fails gets ``failure`` (its commit raises it); without
    LibreOffice every set gets a note and no PDF."""
    want = [s for s in sets if s.wants_pdf]
    if not want:
        return
    by_pdfa: dict[bool, list[StagedSet]] = {}
    for s in want:
        by_pdfa.setdefault(s.plan.pdfa, []).append(s)
    note = sandbox_note()
    for pdfa, group in by_pdfa.items():
        work = group[0].staging / ".pdf-work"  # inside a staging folder: cleaned with it, whatever happens
        try:
            results = convert_many([s.docx for s in group], work, pdfa=pdfa)
        except ConverterMissing as exc:
            for s in group:
                s.notes.append(exc.message)
            continue
        try:
            results = _keep_closing_whole(group, results, work, pdfa)
            for s, r in zip(group, results):
                if isinstance(r, RenderError):
                    s.failure = r
                else:
                    s.take_pdf(r, sandbox_name())
                    if note:
                        s.notes.append(note)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _keep_closing_whole(group: Sequence[StagedSet], results: list, work: Path, pdfa: bool) -> list:
    """Where LibreOffice left the 落款 alone on a page (it will not split a keep-with-next
    paragraph), convert again a copy of the .docx whose last paragraph of 六 is split at a line
    LibreOffice broke (``writing.docx.split_closing``); the .docx in the set is not changed."""
    again = []
    for i, (s, r) in enumerate(zip(group, results)):
        if isinstance(r, RenderError):
            continue
        at = closing_split_point(r.path, s.plan.context)
        if at:
            copy = work / f"closing-{i}.docx"
            write_file(copy, split_closing(s.written[s.docx.name], at))
            again.append((i, copy))
    if again:
        redone = convert_many([copy for _, copy in again], work / "closing", pdfa=pdfa)
        for (i, _), r in zip(again, redone):
            if isinstance(r, RenderError):  # the first PDF stands
                continue
            try:  # a customised template the cut did not suit: the first PDF stands
                verify_pdf(r.path.read_bytes(), group[i].plan.context)
            except RenderError:
                continue
            results[i] = r
    return results


def render(report, out_dir, options: RenderOptions | None = None, **loose) -> RenderResult:
    """Validate ``report`` and write its filing set into ``out_dir`` under ``options`` (a
    :class:`~reportkit.filing.options.RenderOptions`; its fields may also be given as keyword arguments,
    laid over it).

    Raises :class:`~reportkit.errors.ValidationFailed` (with the findings) when the data has
    errors, :class:`~reportkit.errors.OutputExistsError` when a file of the set exists and
    ``force`` is false, :class:`~reportkit.errors.OutputBusyError` when another render holds
    ``out_dir`` for more than ``wait`` seconds, :class:`~reportkit.errors.TemplateError` for a
    broken template, :class:`~reportkit.errors.RenderError` when a rendered file, read back, differs
    from the validated data.
    """
    p = plan(report, out_dir, RenderOptions.of(options, **loose))
    with StagedSet(p) as staged:
        convert_pdfs([staged])
        return staged.commit()


# ------------------------------------------------------------------ the manifest

def _manifest(p: Plan, made: list[tuple[str, bytes]], pdf: dict | None) -> dict:
    def template_entry(t: Path) -> dict:
        default = data_dir("templates") in t.resolve().parents
        return {"name": t.name, "source": "default" if default else "custom", "sha256": sha256_file(t)}

    report, data = p.report, p.report.data

    def output(item: tuple[str, bytes]) -> dict:
        name, data = item
        entry = {"name": name, "format": name.rsplit(".", 1)[-1], "size": len(data),
                 "sha256": hashlib.sha256(data).hexdigest()}
        if entry["format"] == "pdf" and pdf is not None:
            entry["pdf"] = pdf
        return entry

    return {
        "reportkit": __version__,
        "edition": data["format"],
        "year": data["year"],
        "agency": data["agency"],
        "agency_id": data.get("agency_id"),
        "timestamp": p.when.isoformat(),  # the fixed time stamped into the files (SOURCE_DATE_EPOCH / published)
        "input": {"file": Path(report.source).name if report.path else report.source,
                  "sha256": report.sha256 or hashlib.sha256(
                      json.dumps(data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()},
        "templates": {k: template_entry(t) for k, t in p.templates.items()},
        "outputs": [output(m) for m in made],
        "validation": {"valid": True, "errors": 0, "warnings": len(p.findings),
                       "findings": [f.to_dict() for f in p.findings]},
    }
