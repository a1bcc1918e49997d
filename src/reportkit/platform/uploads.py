"""Starting a report from what the unit has: a published report (Word, web page, PDF, text, read
by :func:`reportkit.import_report`) or a clerk's Excel form / JSON data (:func:`reportkit.load`).

A file of the report's own year becomes a new version as it is.  A file of the year before is
carried over by ``reportkit init --from``'s rules (:func:`reportkit.contract.skeleton.skeleton`: identity,
结转, 现行有效 start, no prose).  Anything the importer could not read completely is refused
with its own notes: nothing is half-applied.
"""

from __future__ import annotations

import os

from django.conf import settings

from reportkit import ReportkitError, import_report, load
from reportkit.importing import KINDS
from reportkit.contract.skeleton import skeleton

from .models import Report, ReportVersion

#: endings accepted: published reports, the Excel form, JSON data
ACCEPTED = tuple(KINDS) + (".xlsx", ".json")


class UploadRefused(Exception):
    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message, self.details = message, details or []


def data_from_upload(upload, report: Report) -> tuple[dict, str, list[str]]:
    """(data, version source, notes) for an uploaded file, or :class:`UploadRefused`."""
    name = os.path.basename(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    if ext not in ACCEPTED:
        raise UploadRefused(f"“{name}”：不能上传 {ext or '无扩展名的'} 文件。可以上传已发布的报告（.docx、.html、.pdf、.txt）、"
                            "Excel/WPS 填报表单（.xlsx）或 JSON 数据（.json）")
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise UploadRefused(f"“{name}”：文件过大（{upload.size} 字节，上限 {settings.UPLOAD_MAX_BYTES} 字节）")
    raw = upload.read()
    try:
        if ext in (".xlsx", ".json"):
            data, source = _from_data(raw, name), ReportVersion.Source.FORM
        else:
            data, source = _from_published(raw, name), ReportVersion.Source.IMPORTED
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
        return data, source, []
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


def _from_published(raw: bytes, name: str) -> dict:
    result = import_report(raw, name=name)
    if not result.complete:
        problems = [n for n in result.notes if n.kind in ("missing", "unreadable", "schema")]
        raise UploadRefused(f"“{name}”：报告读取不完整（{len(problems)} 处），未导入任何内容",
                            [n.message + (f"（{n.where}）" if n.where else "") for n in problems])
    if not isinstance(result.data.get("year"), int):
        raise UploadRefused(f"“{name}”：找不到报告年度")
    return result.data
