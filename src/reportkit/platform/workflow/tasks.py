"""The region's review in the background (django-q2, like the renders): ``reportkit.review`` over
the current versions of a region's reports for a year, last year's platform reports as
``previous``; the results stored per report (the dashboard shows them at the unit) and the
review's workbook and page written to ``<data>/reviews/<run>/``."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ..models import Report, ReportVersion
from .models import ExportRun, ReviewRun

FILES = {"xlsx": "审查结果.xlsx", "html": "审查结果.html"}


def run_dir(run: ReviewRun) -> Path:
    return Path(settings.DATA_DIR) / "reviews" / str(run.pk)


def enqueue(run: ReviewRun) -> None:
    from django_q.tasks import async_task

    async_task("reportkit.platform.workflow.tasks.run", run.pk, task_name=f"review-{run.pk}")


def _current(region_ids, year: int) -> list[tuple[int, int, dict]]:
    """(report id, version number, data) of every report of the region for ``year`` with data."""
    current = ReportVersion.objects.filter(report=OuterRef("pk")).order_by("-number")
    rows = (Report.objects.filter(unit__region_id__in=region_ids, year=year)
            .annotate(v_id=Subquery(current.values("pk")[:1])).exclude(v_id=None).order_by("unit__name", "pk")
            .values_list("pk", "v_id"))
    ids = dict(rows)
    versions = ReportVersion.objects.in_bulk(list(ids.values()))
    return [(rid, versions[vid].number, versions[vid].data) for rid, vid in ids.items()]


def run(run_id: int) -> str:
    import reportkit
    from reportkit.reviewing import CHECKS

    job = ReviewRun.objects.select_related("region").get(pk=run_id)
    ReviewRun.objects.filter(pk=run_id).update(state=ReviewRun.State.RUNNING)
    try:
        region_ids = job.region.subtree_ids()
        this = _current(region_ids, job.year)
        last = _current(region_ids, job.year - 1)
        if not this:
            ReviewRun.objects.filter(pk=run_id).update(state=ReviewRun.State.FAILED, finished=timezone.now(),
                                                     message=f"{job.region.name}没有 {job.year} 年度的报告")
            return "failed"
        result = reportkit.review([d for _, _, d in this], previous=[d for _, _, d in last] or None)
        results = {}
        for (rid, number, _), unit in zip(this, result.units):
            results[str(rid)] = {
                "version": number, "verdict": unit.verdict, "errors": len(unit.errors),
                "warnings": len(unit.warnings),
                "issues": [{"check": i.check, "severity": i.severity, "code": i.code, "path": i.path,
                            "text": f"{CHECKS[i.check]}：{i.text()}"} for i in unit.issues]}
        out = run_dir(job)
        out.mkdir(parents=True, exist_ok=True)
        for suffix, name in FILES.items():
            result.write(out / name, force=True)
    except Exception as exc:  # noqa: BLE001 - recorded for the office, not hidden
        ReviewRun.objects.filter(pk=run_id).update(state=ReviewRun.State.FAILED, finished=timezone.now(),
                                                 message=f"审查失败：{type(exc).__name__}: {exc}")
        raise
    ReviewRun.objects.filter(pk=run_id).update(state=ReviewRun.State.DONE, finished=timezone.now(), results=results,
                                             message=f"审查了 {len(this)} 份报告（上一年度 {len(last)} 份）")
    return "done"


# ------------------------------------------------------------------------------ exports

def export_path(run: ExportRun) -> Path:
    return Path(settings.DATA_DIR) / "exports" / f"{run.pk}.zip"


def enqueue_export(run: ExportRun) -> None:
    from django_q.tasks import async_task

    async_task("reportkit.platform.workflow.tasks.export", run.pk, task_name=f"export-{run.pk}")


def export(run_id: int) -> str:
    """Write the zip: ``<unit>-<year>/<unit>-<year>.json`` (the version's text as saved) and
    ``…-填报表单.xlsx`` per unit, and ``清单.txt`` (unit, state, version, SHA-256 of the JSON)."""
    import os
    import zipfile

    from reportkit.form import form_bytes

    run = ExportRun.objects.select_related("region").get(pk=run_id)
    ExportRun.objects.filter(pk=run_id).update(state=ExportRun.State.RUNNING)
    path = export_path(run)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(".part")
    try:
        ids = [rid for rid, _, _ in _current(run.region.subtree_ids(), run.year)]
        reports = Report.objects.filter(pk__in=ids).select_related("unit").order_by("unit__name", "pk")
        lines = []
        with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as z:
            for report in reports:
                v = report.current()
                stem = f"{report.unit.name}-{run.year}"
                z.writestr(f"{stem}/{stem}.json", v.data_json)
                note = ""
                try:
                    z.writestr(f"{stem}/{stem}-填报表单.xlsx", form_bytes(v.data, name=stem))
                except Exception as exc:  # noqa: BLE001 - a report the form cannot hold is said in the list
                    note = f"（未能生成填报表单：{exc}）"
                lines.append(f"{report.unit.name}\t{report.get_state_display()}\t第 {v.number} 版\t{v.sha256}{note}")
            z.writestr("清单.txt", f"{run.region.name} {run.year} 年度 各单位当前版本（单位、状态、版本、JSON 的 SHA-256）\n"
                                  + "\n".join(lines) + "\n")
        os.replace(part, path)
    except Exception as exc:  # noqa: BLE001
        ExportRun.objects.filter(pk=run_id).update(state=ExportRun.State.FAILED, finished=timezone.now(),
                                                 message=f"导出失败：{type(exc).__name__}: {exc}")
        raise
    ExportRun.objects.filter(pk=run_id).update(state=ExportRun.State.DONE, finished=timezone.now(),
                                             reports=len(lines), message=f"导出了 {len(lines)} 份报告")
    return "done"
