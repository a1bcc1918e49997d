"""The filing set: validate, then write the .docx, .xlsx, .pdf and manifest.json of a report.

Everything is written into a staging folder first and moved into place only when the
whole set has been made: a failed render (bad template, full disk, LibreOffice crash)
leaves nothing behind, and an existing set is replaced only with ``force``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from . import __version__
from .errors import ConverterMissing, OutputExistsError, RenderError, ValidationFailed
from .findings import Finding, has_errors
from .loading import load
from .output import safe_name
from .validation import validate

FORMATS = ("docx", "xlsx", "pdf", "html")
#: the html format also writes the article alone, for pasting into a website's editor
FRAGMENT_SUFFIX = "-粘贴用.html"
MANIFEST = "manifest.json"


@dataclass
class RenderResult:
    out_dir: Path
    paths: list[Path]                       # the files written, manifest last
    findings: list[Finding]                 # validation findings (warnings only: errors stop rendering)
    manifest: dict
    notes: list[str] = field(default_factory=list)  # e.g. "LibreOffice missing, no PDF"


def output_stem(data: dict) -> str:
    return f"{safe_name(data['agency'])}-{data['year']}-政府信息公开工作年度报告"


def render(report, out_dir, *, formats: Sequence[str] | None = None, templates=None, previous=None,
           force: bool = False) -> RenderResult:
    """Validate ``report`` and write its filing set into ``out_dir``.

    Raises :class:`~reportkit.errors.ValidationFailed` (with the findings) when the data has
    errors, :class:`~reportkit.errors.OutputExistsError` when a file of the set exists and
    ``force`` is false, :class:`~reportkit.errors.TemplateError` for a broken template.
    """
    from .context import build_context
    from .package import build_time
    from .template_set import resolve

    report = load(report)
    formats = list(dict.fromkeys(formats or FORMATS))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown formats: {unknown}")
    findings = validate(report, previous=previous)
    if has_errors(findings):
        raise ValidationFailed(findings, file=report.source)

    data = report.data
    edition = data["format"]
    out_dir = Path(out_dir)
    stem = output_stem(data)
    names = {fmt: f"{stem}.{fmt}" for fmt in formats}
    if "html" in formats:
        names["html-fragment"] = stem + FRAGMENT_SUFFIX
    targets = [out_dir / n for n in names.values()] + [out_dir / MANIFEST]
    if not force:
        existing = [t for t in targets if t.exists()]
        if existing:
            raise OutputExistsError(f"已存在：{'、'.join(p.name for p in existing)}；如要覆盖请加 --force",
                                    file=str(out_dir))

    notes: list[str] = []
    used_templates = {}
    for kind in ("docx", "xlsx", "html"):
        if kind in formats or (kind == "docx" and "pdf" in formats):
            path, note = resolve(kind, edition, templates)
            used_templates[kind] = path
            if note:
                notes.append(note)

    context = build_context(data)
    when = build_time(data.get("published"))
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".reportkit-", dir=parent))
    except OSError as exc:
        raise RenderError(f"无法创建输出文件夹：{exc.strerror or exc}", file=str(out_dir)) from None
    try:
        made = _make(formats, names, used_templates, context, when, staging, notes)
        manifest = _manifest(report, edition, [staging / n for n in made], used_templates, findings, when)
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        paths = _commit(staging, out_dir, made, force)
    except OSError as exc:
        raise RenderError(f"写入失败：{exc.strerror or exc}", file=str(out_dir)) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RenderResult(out_dir, paths, findings, manifest, notes)


def _make(formats, names, templates, context, when, staging: Path, notes: list[str]) -> list[str]:
    """Render into ``staging``; the names of the files made, in the order of ``formats``."""
    from .package import normalise

    made = []
    docx_path = staging / (next(iter(names.values())).rsplit(".", 1)[0] + ".docx")
    if "docx" in templates:
        from .engines.docx import render_docx

        docx_path.write_bytes(normalise(render_docx(templates["docx"], context, when), when))
    if "xlsx" in formats:
        import io

        from .engines.xlsx import render_xlsx

        buf = io.BytesIO()
        render_xlsx(templates["xlsx"], context, buf)
        (staging / names["xlsx"]).write_bytes(normalise(buf.getvalue(), when))
    if "pdf" in formats:
        from .engines.pdf import convert_to_pdf

        try:
            convert_to_pdf(docx_path, staging)
        except ConverterMissing as exc:
            notes.append(exc.message)
    if "html" in formats:
        from .engines.html import render_html
        from .readback import verify_html

        page, fragment = render_html(templates["html"], context)
        verify_html(page, context, template=str(templates["html"]))
        (staging / names["html"]).write_text(page, encoding="utf-8")
        (staging / names["html-fragment"]).write_text(fragment, encoding="utf-8")
    if "docx" not in formats and docx_path.exists():
        docx_path.unlink()
    for name in names.values():
        if (staging / name).exists():
            made.append(name)
    return made


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def _manifest(report, edition, made, templates, findings, when) -> dict:
    from .resources import data_dir

    def template_entry(p: Path) -> dict:
        default = data_dir("templates") in p.resolve().parents
        return {"name": p.name, "source": "default" if default else "custom", "sha256": _sha256(p)}

    return {
        "reportkit": __version__,
        "edition": edition,
        "year": report.data["year"],
        "agency": report.data["agency"],
        "agency_id": report.data.get("agency_id"),
        "timestamp": when.isoformat(),  # the fixed time stamped into the files (SOURCE_DATE_EPOCH / published)
        "input": {"file": Path(report.source).name if report.path else report.source,
                  "sha256": report.sha256 or hashlib.sha256(
                      json.dumps(report.data, ensure_ascii=False, sort_keys=True).encode()).hexdigest()},
        "templates": {k: template_entry(p) for k, p in templates.items()},
        "outputs": [{"name": p.name, "format": p.suffix[1:], "size": p.stat().st_size, "sha256": _sha256(p)}
                    for p in made],
        "validation": {"valid": True, "errors": 0, "warnings": len(findings),
                       "findings": [f.to_dict() for f in findings]},
    }


def _commit(staging: Path, out_dir: Path, made: list[str], force: bool) -> list[Path]:
    """Move the staged set into ``out_dir`` (manifest last); drop files an old manifest listed
    that the new set no longer has."""
    out_dir.mkdir(parents=True, exist_ok=True)
    old = out_dir / MANIFEST
    stale: list[str] = []
    if force and old.exists():
        try:
            stale = [o["name"] for o in json.loads(old.read_text(encoding="utf-8")).get("outputs", [])
                     if o.get("name") not in made]
        except (ValueError, AttributeError, TypeError):
            stale = []
        old.unlink()  # no stale manifest while the new files move in
    paths = []
    for n in made + [MANIFEST]:
        os.replace(staging / n, out_dir / n)
        paths.append(out_dir / n)
    for n in stale:
        p = out_dir / Path(n).name
        if p.exists():
            p.unlink()
    return paths
