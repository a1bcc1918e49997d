"""Rendering in the background: a :class:`~reportkit.platform.models.RenderJob` is queued on
django-q2 (ORM broker: the same database, SQLite or PostgreSQL) and the worker started by
``reportkit serve`` calls :func:`reportkit.render` into ``<data>/renders/<report>/v<number>/`` —
the same call, the same bytes as ``reportkit render`` of the same data, read-back guard on.
No request ever waits for Word, Excel or LibreOffice."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import RenderJob

#: what the platform offers for download (the manifest lists them)
FORMATS = ["docx", "xlsx", "pdf", "html"]


def job_dir(job: RenderJob) -> Path:
    """The folder of a job's set: one per version, so a download always matches its version."""
    return Path(settings.DATA_DIR) / "renders" / str(job.version.report_id) / f"v{job.version.number}"


def enqueue(job: RenderJob) -> None:
    from django_q.tasks import async_task

    async_task("reportkit.platform.tasks.run", job.pk, task_name=f"render-{job.pk}")


def _step(job: RenderJob, **fields) -> None:
    for k, v in fields.items():
        setattr(job, k, v)
    job.save(update_fields=list(fields))


def run(job_id: int) -> str:
    """The task: render the job's version (called in the worker process)."""
    import reportkit
    from reportkit.filing.staging import MANIFEST

    job = RenderJob.objects.select_related("version__report").get(pk=job_id)
    _step(job, state=RenderJob.State.RUNNING, started=timezone.now(), step="正在生成 Word、Excel、网页和 PDF")
    out = job_dir(job)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        result = reportkit.render(job.version.data, out, formats=FORMATS, force=True)
    except reportkit.ReportkitError as exc:
        _step(job, state=RenderJob.State.FAILED, finished=timezone.now(), step="失败", message=str(exc))
        return "failed"
    except Exception as exc:  # noqa: BLE001 - recorded for the clerk and the administrator, not hidden
        _step(job, state=RenderJob.State.FAILED, finished=timezone.now(), step="失败",
              message=f"内部错误：{type(exc).__name__}: {exc}")
        raise
    outputs = [{k: o[k] for k in ("name", "format", "size", "sha256")} for o in result.manifest["outputs"]]
    manifest = out / MANIFEST
    outputs.append({"name": manifest.name, "format": "json", "size": manifest.stat().st_size,
                    "sha256": _sha256(manifest)})
    _step(job, state=RenderJob.State.DONE, finished=timezone.now(), step="已完成", outputs=outputs,
          message="；".join(result.notes))
    return "done"


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()
