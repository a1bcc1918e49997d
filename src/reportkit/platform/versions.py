"""Saving a report's data as a new immutable version, with optimistic concurrency.

A save names the version it was based on.  If another save came first, the base is stale and
:class:`Conflict` is raised (the view answers 409): nobody's edit is overwritten silently.  The
unique (report, number) constraint makes this hold even for two saves racing on two processes
or machines: one of them fails to insert its number.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from reportkit import validate

from . import audit
from .models import Report, ReportVersion


class Conflict(Exception):
    """The version a save was based on is no longer the current one."""

    def __init__(self, report: Report, base: int | None, current: "ReportVersion | None") -> None:
        self.report, self.base, self.current = report, base, current
        who = f"{current.author.get_username()} 于 {current.created:%Y-%m-%d %H:%M:%S} 保存了第 {current.number} 版" \
            if current is not None else "报告已有更新"
        super().__init__(f"保存冲突：您基于第 {base or 0} 版修改，但{who}。您的修改没有保存；"
                         "请重新打开报告，核对后再修改（或复制您的修改后刷新页面）。")


class NotEditable(Exception):
    pass


def counts(data: dict, findings=None) -> tuple[int, int]:
    """(errors, warnings) of ``data`` by reportkit's validation (``findings`` when already known)."""
    findings = validate(data) if findings is None else findings
    errors = sum(f.is_error for f in findings)
    return errors, len(findings) - errors


def save_version(report: Report, data: dict, *, base: int | None, user, source: str, request=None,
                 source_name: str = "", action: str = "report.save", findings=None) -> ReportVersion:
    """Store ``data`` as the next version of ``report``, based on version number ``base`` (None or 0
    for a report without versions).  Raises :class:`Conflict` when ``base`` is stale."""
    if not report.editable:
        raise NotEditable(f"报告当前状态为“{report.get_state_display()}”，不能修改")
    text, digest = ReportVersion.encode(data)
    errors, warnings = counts(data, findings)
    try:
        with transaction.atomic():
            current = report.versions.order_by("-number").first()
            current_number = current.number if current else 0
            if (base or 0) != current_number:
                raise Conflict(report, base, current)
            version = ReportVersion.objects.create(
                report=report, number=current_number + 1, parent=current, data_json=text, sha256=digest,
                author=user, source=source, source_name=source_name[:255], errors=errors, warnings=warnings)
            audit.record(request, action, version, user=user, report=report.pk, number=version.number,
                         source=source, source_name=source_name, sha256=digest, errors=errors, warnings=warnings)
    except IntegrityError:  # another process inserted the same number first
        raise Conflict(report, base, report.versions.order_by("-number").first()) from None
    return version
