"""Starting a report from what the unit has: a published report (Word, web page, PDF, text, read
by :func:`reportkit.import_report`) or a clerk's Excel form / JSON data (:func:`reportkit.load`).

A file of the report's own year becomes a new version as it is.  A file of the year before is
carried over by ``reportkit init --from``'s rules (:func:`reportkit.contract.skeleton.skeleton`: identity,
结转, 现行有效 start, no prose).  A published report the importer could not read completely is
refused with its own notes — unless the clerk asks for the part that was read (``partial``, the
platform's ``import --partial``): then what was read becomes a draft version, every figure not
read left empty (the page's checks mark each one at its cell) and every cell to complete or to
check listed, as the form ``import --partial`` writes marks them.  Nothing is ever half-applied
silently.
"""

from __future__ import annotations

import os

from django.conf import settings

from reportkit import ReportkitError, import_report, load
from reportkit.importing import KINDS, PROBLEMS
from reportkit.importing.partial import partial_data
from reportkit.contract.skeleton import skeleton

from .models import Report, ReportVersion

#: endings accepted: published reports, the Excel form, JSON data
ACCEPTED = tuple(KINDS) + (".xlsx", ".json")


class UploadRefused(Exception):
    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message, self.details = message, details or []


def data_from_upload(upload, report: Report, *, partial: bool = False) -> tuple[dict, str, list[str]]:
    """(data, version source, notes) for an uploaded file, or :class:`UploadRefused`; ``partial``:
    a published report read in part becomes a draft of what was read (see the module's text)."""
    name = os.path.basename(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in ACCEPTED:
        raise UploadRefused(f"“{name}”：不能上传 {ext or '无扩展名的'} 文件。可以上传已发布的报告（.docx、.html、.pdf、.txt）、"
                            "Excel/WPS 填报表单（.xlsx）或 JSON 数据（.json）")
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise UploadRefused(f"“{name}”：文件过大（{upload.size} 字节，上限 {settings.UPLOAD_MAX_BYTES} 字节）")
    raw = upload.read()
    read_notes: list[str] = []
    try:
        if ext in (".xlsx", ".json"):
            data, source = _from_data(raw, name), ReportVersion.Source.FORM
        else:
            data, read_notes = _from_published(raw, name, partial)
            source = ReportVersion.Source.IMPORTED
    except ReportkitError as exc:
        raise UploadRefused(f"“{name}”：{exc.message if hasattr(exc, 'message') else exc}") from None
    year = data.get("year")
    if year == report.year:
        if data.get("format") != report.edition:
            raise UploadRefused(f"“{name}”是 {data.get('format')} 格式，{report.year} 年度应使用 {report.edition} 格式")
        unit = report.unit
        if unit.agency_id:
            data.setdefault("agency_id", unit.agency_id)
        data.setdefault("region", unit.region.name)
        return data, source, read_notes
    if year == report.year - 1:
        unit = report.unit
        carried = skeleton(report.year, data.get("agency") or unit.name, region=data.get("region") or unit.region.name,
                           previous=data)
        if unit.agency_id and not carried.get("agency_id"):
            carried["agency_id"] = unit.agency_id
        return carried, ReportVersion.Source.CARRIED, [
            f"这是 {year} 年度的报告：已沿用单位信息、上年结转数字和现行有效件数起点，文字未复制。"]
    raise UploadRefused(f"“{name}”是 {year} 年度的报告；这份报告是 {report.year} 年度，"
                        f"只能上传本年度或 {report.year - 1} 年度的报告")


def _from_data(raw: bytes, name: str) -> dict:
    report = load(raw, name=name)
    errors = [f for f in report.reading if f.is_error]
    if errors:
        raise UploadRefused(f"“{name}”：表单中有 {len(errors)} 个单元格无法读取，未导入任何内容",
                            [f.text() for f in errors])
    if not isinstance(report.data.get("year"), int):
        raise UploadRefused(f"“{name}”：没有填写报告年度（year）")
    return report.data


def _from_published(raw: bytes, name: str, partial: bool) -> tuple[dict, list[str]]:
    """(the data read, the notes for the clerk) of a published report; refused when incomplete
    unless ``partial``."""
    result = import_report(raw, name=name)
    if not isinstance(result.data.get("year"), int):
        raise UploadRefused(f"“{name}”：找不到报告年度")
    if result.complete:
        return result.data, []
    if not partial or result.edition is None:
        problems = [n for n in result.notes if n.kind in PROBLEMS]
        raise UploadRefused(f"“{name}”：报告读取不完整（{len(problems)} 处），未导入任何内容"
                            + ("" if result.edition is None else "；可勾选“读不全时也导入已读出的部分”，在网页上补全"),
                            [n.message + (f"（{n.where}）" if n.where else "") for n in problems])
    return _partial_draft(result, name)


def _partial_draft(result, name: str) -> tuple[dict, list[str]]:
    """A report read in part as a draft: the figures read, the ones not read left out (the checks
    then mark each as 缺少), and the cells to complete or to check listed — the data and marks of the
    form ``import --partial`` writes (:func:`reportkit.importing.partial.partial_data`)."""
    data, _, marks = partial_data(result)
    todo = [m for m in marks if m.kind == "missing"]
    check = [m for m in marks if m.kind == "guess"]
    notes = [f"“{name}”读取不完整，已导入读出的部分：{len(todo)} 处待补（网页上标为“缺少”），{len(check)} 处请核对。"]
    notes += [f"待补：{m.message}" for m in todo]   # the importer's messages name the official label
    notes += [f"请核对：{m.message}" for m in dict((m.message, m) for m in check).values()]
    return data, notes
