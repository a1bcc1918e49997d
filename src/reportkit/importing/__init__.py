"""Importing a published report: a Word file, a web page, a PDF or a text copy → report data,
with a reading report that says where every figure came from.

:func:`import_report` reads the document's tables as grids (:mod:`reportkit.reading`), locates
every official figure by its row and column labels (:func:`reportkit.reading.locate`), reads the
prose section by section (:mod:`.prose`) and returns an :class:`ImportResult`: the data (valid
against the schema whenever the document is complete) and every figure's origin, every label
matched only through a variant, every blank read as 0, every unit taken off, every guess and
everything not found.  Nothing is guessed silently: a figure that cannot be read is missing, and
a result with anything missing is not complete.

Printed 总计 cells are kept as the data's printed ``total``\\ s, so that ``validate`` checks the
report's own arithmetic.  A file that cannot be read at all raises :class:`DocumentError` (or
:class:`~reportkit.errors.InputFileError` when it cannot be opened).
"""

from __future__ import annotations

import json
import os
import re
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import DocumentError, InputFileError, InternalError, ReportkitError, UsageError
from ..loading import read_input
from .partial import partial_form
from .records import PROBLEMS, FigureRead, Note
from ..ooxml.package import not_a_zip
from ..reading.docx import BadDocument, WordContent, read_docx
from ..reading.html import read_html
from ..reading.pdf import read_pdf
from ..reading.grid import TooLarge
from ..reading.text import MAX_CHARS, _MD_RULE, decode, read_text
from .flat import looks_flat, looks_layout, read_flat, read_layout
from ..contract import tables as layout
from ..reading import locate
from .figures import read_figures
from .prose import SECTIONS, read_prose
from ..validation.checks import validate
from ..filing.output import write_bytes, write_text

__all__ = ["import_report", "ImportResult", "FigureRead", "Note", "DocumentError", "KINDS"]

#: file name endings → the reader that takes them
KINDS = {".docx": "docx", ".html": "html", ".htm": "html", ".shtml": "html", ".pdf": "pdf", ".txt": "text",
         ".md": "text"}
MAX_BYTES = 50 * 1024 * 1024


@dataclass
class ImportResult:
    source: str
    kind: str                                   # docx | html | pdf | text
    edition: str | None
    data: dict
    figures: list[FigureRead] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every figure and required section was found and the data is valid against the schema."""
        return not any(n.kind in PROBLEMS for n in self.notes)

    def of_kind(self, *kinds: str) -> list[Note]:
        return [n for n in self.notes if n.kind in kinds]

    def to_form(self):
        """(the clerk's form as .xlsx bytes, the marked cells): what was read, every cell to complete or
        to check tinted and commented (:func:`reportkit.importing.partial.partial_form`)."""
        return partial_form(self)

    def to_dict(self) -> dict:
        return {"source": self.source, "kind": self.kind, "edition": self.edition, "complete": self.complete,
                "data": self.data, "figures": [asdict(f) for f in self.figures],
                "notes": [{k: v for k, v in asdict(n).items() if v is not None} for n in self.notes]}


# ------------------------------------------------------------------------------------ reading

def kind_of(name: str, raw: bytes) -> str:
    """The reader for a file, by its ending, checked against its first bytes."""
    ext = os.path.splitext(name)[1].lower()
    if raw.startswith(b"\xd0\xcf\x11\xe0") and "EncryptedPackage".encode("utf-16-le") in raw:
        raise DocumentError(not_a_zip(raw), file=name)   # a password-protected .docx, not an old .doc
    if ext == ".doc" or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise DocumentError("这是旧版 Word（.doc）或其他 OLE 格式的文件，请在 Word/WPS 中“另存为” .docx 后再导入",
                            file=name)
    if ext in (".wps", ".xls", ".xlsx", ".ofd"):
        raise UsageError(f"不能导入 {ext} 文件：请另存为 .docx、.pdf、.html 或 .txt", file=name)
    if ext not in KINDS:
        if raw.startswith(b"%PDF"):
            return "pdf"
        if raw.startswith(b"PK\x03\x04"):
            return "docx"
        raise UsageError(f"不认识的文件类型“{ext or '（无扩展名）'}”：可导入 .docx、.html/.htm、.pdf、.txt/.md",
                         file=name)
    kind = KINDS[ext]
    if kind == "docx" and not raw.startswith(b"PK"):
        raise DocumentError("不是有效的 .docx 文件（不是 zip 包）；文件可能已损坏或只是改了扩展名", file=name)
    if kind == "pdf" and b"%PDF" not in raw[:1024]:
        raise DocumentError("不是有效的 PDF 文件（缺少 %PDF 文件头）；文件可能已损坏或只是改了扩展名", file=name)
    return kind


def read_document(raw: bytes, kind: str, name: str):
    """The document's tables (grids) and paragraphs (a :class:`~reportkit.reading.docx.WordContent`)."""
    if kind == "docx":
        try:
            return read_docx(raw)
        except BadDocument as exc:
            raise DocumentError(f"不是可读取的 .docx 文件：{exc}", file=name) from None
    if kind == "html":
        return read_html(raw, name)
    if kind == "pdf":
        return read_pdf(raw, name)

    text = decode(raw, name)
    if len(text) <= MAX_CHARS and looks_layout(text):  # pdftotext -layout: figures in columns
        return read_layout(text, name)
    if len(text) <= MAX_CHARS and looks_flat(text):  # crawler text or OCR: tables run into lines
        return read_flat(text, name)
    if len(text) > MAX_CHARS:
        raise TooLarge(f"文本过长：{len(text)} 个字符，超过上限 {MAX_CHARS}；这不像一份年度报告", file=name)
    return read_text(raw, name)


def import_report(source, *, name: str | None = None, kind: str | None = None) -> ImportResult:
    """Read a published report.

    ``source`` is a path (``str`` or ``os.PathLike``) or the file's bytes; ``name`` names it in
    messages (and, for bytes, tells the kind by its ending unless ``kind`` is given: ``docx``,
    ``html``, ``pdf`` or ``text``).
    """
    if isinstance(source, (bytes, bytearray)):
        raw, shown = bytes(source), name or "<bytes>"
        if len(raw) > MAX_BYTES:
            raise InputFileError(f"文件过大（{len(raw)} 字节，上限 {MAX_BYTES}），不像一份年度报告", file=shown)
    else:
        raw, shown = read_bounded(Path(source)), name or str(source)
    kind = kind or kind_of(shown, raw)
    try:
        content = read_document(raw, kind, shown)
    except DocumentError as exc:  # a reader's limit met deep inside names no file: this one
        if exc.file is None:
            exc.file = shown
        raise
    if kind != "text" or hasattr(content, "flat_notes"):
        return _assemble(content, kind, shown)
    try:
        result = _assemble(content, kind, shown)
    except DocumentError:
        merged = _second_reading(raw, content, shown)
        if merged is None:
            raise
        return merged
    if result.complete:
        return result
    merged = _second_reading(raw, content, shown)
    if merged is None or len(merged.figures) <= len(result.figures):
        return result
    return merged


def _second_reading(raw: bytes, content, shown: str) -> ImportResult | None:
    """A Markdown (or tab/space) copy whose tables came apart (a PDF converted to Markdown: a row's
    label in one table and its figures in the next, a head row missing its label column) read a
    second time as one run of text, its rows split by the tables' own arithmetic (as for
    ``pdftotext -layout``), and laid beside the first reading: a figure both read must be the same
    (read differently it is a conflict, not read); a figure one of them read is taken.  A problem
    the first reading met about a figure the second read is dropped; the result is None when the
    second reading finds no table."""
    text = decode(raw, shown)
    lines = [ln.replace("|", "  ").replace("\t", "  ") for ln in text.splitlines() if not _MD_RULE.match(ln.strip())]
    lines = [re.sub(r"^#{1,6}\s+", "", ln) for ln in lines]
    lines = [ln for ln in lines if not re.fullmatch(r"\s*\d{1,3}\s*", ln)]  # a page number on its own line
    try:
        second = read_layout("\n".join(lines), shown)
    except DocumentError:
        return None
    if not second.grids:
        return None
    both = WordContent()
    both.grids = list(content.grids) + list(second.grids)
    both.paragraphs = list(content.paragraphs)
    both.flat_notes = second.flat_notes  # type: ignore[attr-defined]
    try:
        merged = _assemble(both, "text", shown)
    except DocumentError:
        return None

    read = {f.path for f in merged.figures}
    every = {f.path for f in layout.figures(merged.edition)} if merged.edition else set()
    merged.notes = [n for n in merged.notes
                    if not (n.kind in PROBLEMS and ((n.path is not None and n.path in read)
                                                    or (n.path is None and every <= read)))]
    for i, n in enumerate(merged.notes):  # a 总计 "not printed" beside figures of its row not read: not read either
        if n.kind == "not-printed" and n.path and n.path.endswith(".total"):
            row = n.path[:-len("total")]
            if any(p.startswith(row) and p not in read for p in every - {n.path}):
                merged.notes[i] = Note("missing", f"{n.message.split('：')[0]}：这一行的数字没有全部读出，总计也未读取",
                                       path=n.path, where=n.where)
    return merged


def read_bounded(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a published report: a regular file of at most ``limit`` bytes.  A device,
    pipe or socket (``/dev/zero`` named ``x.pdf``) is refused before anything is read, and never
    more than ``limit + 1`` bytes are read, whatever the file claims its size is."""
    shown = str(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputFileError("文件不存在", file=shown) from None
    except OSError:
        return read_input(path, limit=limit)  # its message says why
    if stat.S_ISDIR(st.st_mode):
        raise InputFileError("这是一个文件夹，不是报告文件", file=shown)
    if not stat.S_ISREG(st.st_mode):
        raise InputFileError("这不是普通文件（是设备、管道或套接字），不能导入", file=shown)
    if st.st_size > limit:
        raise InputFileError(f"文件过大（{st.st_size} 字节，上限 {limit}），不像一份年度报告", file=shown)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
    except OSError:
        return read_input(path, limit=limit)
    if len(raw) > limit:
        raise InputFileError(f"文件过大（超过上限 {limit} 字节），不像一份年度报告", file=shown)
    return raw


# ------------------------------------------------------------------------------------ assembling

def _assemble(content, kind: str, shown: str) -> ImportResult:
    if not content.grids:
        raise DocumentError(_no_tables(kind), file=shown)
    located = locate(content.grids)
    if located.edition is None or len(located.hits) < 10:
        raise DocumentError("文件中的表格不是政府信息公开工作年度报告的官方表格（找不到“信息内容”“申请人情况”"
                            "“行政复议”等表头和行标签）；这可能是另一种文件", file=shown)
    edition = located.edition
    notes: list[Note] = []
    for kind_, message, path, where in getattr(content, "flat_notes", ()):
        notes.append(Note(kind_, message, path=path, where=where))
    tables, figures = read_figures(located, edition, notes)
    prose = read_prose(content.paragraphs, edition)
    for kind_, message, path in prose.notes:
        notes.append(Note(kind_, message, path=path))
    for numeral, _, title in SECTIONS:
        if numeral in prose.found or numeral in "二三四":  # 二–四: only their tables are data
            continue
        if numeral == "六":
            notes.append(Note("absent", f"没有找到“{title}”这一节，other_matters 留空（印为“无”）"))
        else:
            notes.append(Note("missing", f"没有找到“{title}”这一节",
                              path="overview" if numeral == "一" else "problems"))
    f = prose.fields
    data: dict = {"format": edition}
    for k in ("year", "agency", "published", "preface"):
        if k in f:
            data[k] = f[k]
    data["overview"] = f.get("overview", {})
    data.update(tables)
    for k in ("problems", "improvements", "problems_heading", "improvements_heading", "other_matters", "fees"):
        if k in f:
            data[k] = f[k]
    result = ImportResult(shown, kind, edition, data, figures, notes)
    _check_schema(result)
    return result


def _no_tables(kind: str) -> str:
    if kind == "pdf":
        return "PDF 中找不到表格"
    if kind == "text":
        return "文本中找不到表格（表格的每一行应以制表符或两个以上空格分隔各格，或用 Markdown 的 | 分隔）"
    return "文件中没有表格：政府信息公开工作年度报告的二、三、四部分是表格"


def _check_schema(result: ImportResult) -> None:
    for finding in validate(result.data):
        if finding.code.startswith("schema") and not _reported(result, finding.path):
            result.notes.append(Note("schema", f"{finding.label}：{finding.message}", path=finding.path))


def _reported(result: ImportResult, json_path: str) -> bool:
    """A schema error about a figure already listed as missing or unreadable."""
    dotted = json_path.removeprefix("$.")
    return any(n.kind in PROBLEMS and n.path and (n.path == dotted or dotted.startswith(n.path + ".")
                                                  or n.path.startswith(dotted + "."))
               for n in result.notes)


# ------------------------------------------------------------------------------------ files

@dataclass
class ImportOutcome:
    """One file of :func:`import_files`: its result (or the error that stopped it) and what was written."""

    file: Path
    result: ImportResult | None = None
    error: Exception | None = None
    output: Path | None = None
    #: ``--partial``: the form written for an incomplete result, and its marked cells
    form: Path | None = None
    marks: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and self.result is not None and self.result.complete

    def to_dict(self) -> dict:
        d: dict = {"file": str(self.file), "ok": self.ok, "output": str(self.output) if self.output else None}
        if self.result is not None:
            d.update(self.result.to_dict())
        if self.error is not None:
            d["error"] = {"code": getattr(self.error, "code", "error"), "message": getattr(self.error, "message",
                                                                                            str(self.error))}
        if self.form is not None:
            d["form"] = str(self.form)
            d["marks"] = [asdict(m) for m in self.marks]
        return d


def output_paths(files: list[Path], output: Path | None) -> list[Path]:
    """Where each imported file's JSON goes: ``-o OUT.json`` for one file; ``-o DIR`` (or several
    files) one ``<name>.json`` per file inside DIR; no ``-o``: beside each file."""
    files = [Path(f) for f in files]
    if output is not None and output.suffix.lower() == ".json" and not output.is_dir():
        if len(files) > 1:
            raise UsageError("导入多个文件时 -o 应为一个文件夹", file=str(output))
        return [output]
    out, taken = [], set()
    for f in files:
        folder = output if output is not None else f.parent
        p = folder / f"{f.stem}.json"
        if p in taken:  # a.docx and a.pdf in one batch
            p = folder / f"{f.name}.json"
        taken.add(p)
        out.append(p)
    return out


def import_files(files: list[Path], output: Path | None = None, *, force: bool = False,
                 partial: bool = False) -> list[ImportOutcome]:
    """Import each file and write its data as JSON, only when complete (no partial JSON is written,
    nothing overwritten without ``force``).  With ``partial``, an incomplete result is written as the
    clerk's form (``<name>.xlsx`` where the JSON would go) with the cells to complete or check
    marked.  One unreadable file never stops the others."""
    outcomes = []
    for f, target in zip(files, output_paths(files, output)):
        o = ImportOutcome(Path(f))
        try:
            o.result = import_report(f)
            if o.result.complete:
                text = json.dumps(o.result.data, ensure_ascii=False, indent=2) + "\n"
                o.output = write_text(target, text, force=force)
            elif partial:
                raw, o.marks = o.result.to_form()
                o.form = write_bytes(target.with_suffix(".xlsx"), raw, force=force)
        except ReportkitError as exc:
            o.error = exc
        except Exception as exc:  # a bug met on this file is this file's row; the batch goes on
            o.error = _internal(exc, f)
        outcomes.append(o)
    return outcomes


def _internal(exc: Exception, file) -> Exception:
    err = InternalError(f"导入这份文件时出错（reportkit 的缺陷，请报告并附上文件）：{type(exc).__name__}: {exc}；"
                        "这份文件未导入，其他文件照常导入", file=str(file))
    return err
