"""The state machine of a unit's report for a year.

=========  ==================  ==========  ==========================================
action     from                to          who
=========  ==================  ==========  ==========================================
submit     草稿, 退回修改        已提交       the unit's clerk (full validation: errors
                                          block, each warning needs an explanation)
withdraw   已提交               草稿         the unit's clerk (not yet reviewed)
return     已提交               退回修改      a reviewer of the unit's region (reason)
approve    已提交               已通过       a reviewer of the unit's region (locked)
reopen     已通过, 已发布        退回修改      a reviewer (reason; the approval is cleared
                                          and recorded, a publication taken down)
publish    已通过               已发布       the unit's clerk or a reviewer (a finished
                                          render of the approved version)
=========  ==================  ==========  ==========================================

An administrator may do every action.  The state is changed by a conditional UPDATE (``WHERE
state = <from>``): of two requests racing on two processes only one changes it, the other is
told the state has changed — no lost update on SQLite or PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from reportkit import validate
from reportkit.filing.staging import MANIFEST

from .. import access, audit
from ..models import RenderJob, Report
from .models import Comment, Publication, StateChange

S = Report.State
CLERK, REVIEWER = "clerk", "reviewer"


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    needs_reason: bool = False


ACTIONS = {a.name: a for a in (
    Action("submit", "提交", (S.DRAFT, S.RETURNED), S.SUBMITTED, (CLERK,)),
    Action("withdraw", "撤回", (S.SUBMITTED,), S.DRAFT, (CLERK,)),
    Action("return", "退回修改", (S.SUBMITTED,), S.RETURNED, (REVIEWER,), needs_reason=True),
    Action("approve", "通过", (S.SUBMITTED,), S.APPROVED, (REVIEWER,)),
    Action("reopen", "重新打开", (S.APPROVED, S.PUBLISHED), S.RETURNED, (REVIEWER,), needs_reason=True),
    Action("publish", "发布", (S.APPROVED,), S.PUBLISHED, (CLERK, REVIEWER)),
)}


class Refused(Exception):
    """A transition not allowed: ``status`` 403 (role or scope), 409 (state or version changed),
    400 (what the request lacks: a reason, an explanation, errors to fix)."""

    def __init__(self, message: str, status: int = 409, findings: list | None = None) -> None:
        super().__init__(message)
        self.message, self.status, self.findings = message, status, findings or []


def roles(user, report: Report) -> set[str]:
    """The workflow roles ``user`` holds for ``report`` (checked on the server, every time)."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {CLERK, REVIEWER}
    scope = getattr(user, "_workflow_scope", None)
    if scope is None:  # worked out once per request (the user object is the request's own)
        scope = user._workflow_scope = (access.clerk_unit_ids(user), access.region_ids(user))
    out = set()
    if report.unit_id in scope[0]:
        out.add(CLERK)
    if report.unit.region_id in scope[1]:
        out.add(REVIEWER)
    return out


def allowed(user, report: Report, version=None) -> list[Action]:
    """The actions ``user`` may take on ``report`` now (what the page offers): publishing only once
    :func:`publishable_render` has a render of ``version`` (the current one when not given) — the
    same test :func:`transition` makes, so the button is there exactly when publishing would work."""
    mine = roles(user, report)
    out = [a for a in ACTIONS.values() if report.state in a.sources and mine & set(a.roles)]
    if any(a.name == "publish" for a in out) and publishable_render(version or report.current()) is None:
        out = [a for a in out if a.name != "publish"]
    return out


def publishable_render(version) -> RenderJob | None:
    """The finished render of ``version`` that publishing uses (the newest with its manifest), or
    None.  The one answer to "can it be published yet": the report page's button, the render
    page's poll and the publish transition all ask it."""
    if version is None:
        return None
    for job in RenderJob.objects.filter(version=version, state=RenderJob.State.DONE).order_by("-finished", "-pk"):
        if any(o.get("name") == MANIFEST for o in job.outputs):
            return job
    return None


def publish_offered(user, job: RenderJob) -> bool:
    """Whether the render page of ``job`` offers publishing: ``job`` is a finished render of its
    report's current version and :func:`allowed` lets ``user`` publish the report now."""
    report = job.version.report
    current = report.current()
    if job.state != RenderJob.State.DONE or current is None or job.version_id != current.pk:
        return False
    return any(a.name == "publish" for a in allowed(user, report, current))


def warning_key(f) -> str:
    return f"{f.code}|{f.path}"


def previous_data(report: Report) -> dict | None:
    """Last year's platform report of the unit (its current version), for the full validation."""
    prev = Report.objects.filter(unit_id=report.unit_id, year=report.year - 1).first()
    version = prev.current() if prev else None
    return version.data if version else None


def submission_findings(report: Report, data: dict) -> list:
    return validate(data, previous=previous_data(report))


def transition(report: Report, name: str, user, *, reason: str = "", request=None, version: int | None = None,
               explanations: dict[str, str] | None = None, **details) -> StateChange:
    """Carry out action ``name`` on ``report`` for ``user``, or raise :class:`Refused`.

    ``version`` is the version number the user saw (submit, return, approve): when the report has a
    newer one, the action is refused rather than applied to what the user did not see."""
    action = ACTIONS.get(name)
    if action is None:
        raise Refused(f"没有“{name}”这个操作", 400)
    if not roles(user, report) & set(action.roles):
        who = "本单位的填报人" if action.roles == (CLERK,) else (
            "本地区的审核人" if action.roles == (REVIEWER,) else "本单位的填报人或本地区的审核人")
        raise Refused(f"“{action.label}”只能由{who}操作", 403)
    reason = (reason or "").strip()
    if action.needs_reason and not reason:
        raise Refused(f"“{action.label}”须写明理由", 400)
    with transaction.atomic():
        report = Report.objects.select_related("unit").get(pk=report.pk)
        if report.state not in action.sources:
            raise Refused(f"报告当前状态为“{report.get_state_display()}”，不能“{action.label}”"
                          f"（只有“{'”“'.join(S(s).label for s in action.sources)}”的报告可以）")
        current = report.current()
        if current is None:
            raise Refused("报告还没有数据，不能操作", 400)
        if version is not None and version != current.number:
            raise Refused(f"报告已有新的第 {current.number} 版（您看到的是第 {version} 版），请刷新后再操作")
        extra = dict(details)
        if name == "submit":
            extra["warnings"] = _check_submission(report, current, explanations or {})
        elif name == "publish":
            extra.update(_publish(report, current, user))
        elif name == "reopen":
            extra.update(_reopen(report))
        changed = Report.objects.filter(pk=report.pk, state=report.state).update(state=action.target)
        if changed != 1:  # another process changed it between our read and our write
            raise Refused("报告状态刚被他人改变，请刷新后再操作")
        change = StateChange.objects.create(report=report, version=current, action=name, from_state=report.state,
                                            to_state=action.target, user=user, reason=reason, details=extra)
        audit.record(request, f"report.{name}", report, user=user, reason=reason, version=current.number,
                     from_state=report.state, to_state=action.target,
                     **{k: v for k, v in extra.items() if k in ("warnings", "publication", "cleared", "manifest_sha256")})
    report.state = action.target
    return change


def _check_submission(report: Report, current, explanations: dict[str, str]) -> list[dict]:
    findings = submission_findings(report, current.data)
    errors = [f for f in findings if f.is_error]
    if errors:
        raise Refused(f"还有 {len(errors)} 个错误，改正后才能提交", 400, findings)
    out, missing = [], []
    for f in findings:
        text = (explanations.get(warning_key(f)) or "").strip()
        if not text:
            missing.append(f)
        out.append({"code": f.code, "path": f.path, "label": f.label, "message": f.message, "explanation": text})
    if missing:
        raise Refused(f"有 {len(missing)} 个警告没有写说明：每个警告都须写明情况后才能提交（警告可以说明，不能隐藏）",
                      400, missing)
    return out


def _publish(report: Report, current, user) -> dict:
    job = publishable_render(current)
    if job is None:
        raise Refused(f"请先生成第 {current.number} 版的申报材料（已通过的版本），生成完成后再发布", 400)
    manifest = next(o for o in job.outputs if o["name"] == MANIFEST)
    pub = Publication.objects.create(report=report, version=current, job=job, published_by=user,
                                     manifest_sha256=manifest["sha256"])
    return {"publication": pub.pk, "manifest_sha256": pub.manifest_sha256, "job": job.pk}


def _reopen(report: Report) -> dict:
    approval = (StateChange.objects.filter(report=report, action="approve").order_by("-at", "-id").first())
    cleared = {"by": approval.user.get_username(), "at": approval.at.isoformat(), "version": approval.version.number,
               "state_change": approval.pk} if approval else None
    now = timezone.now()
    taken_down = list(Publication.objects.filter(report=report, superseded__isnull=True).values_list("pk", flat=True))
    Publication.objects.filter(pk__in=taken_down).update(superseded=now)
    return {"cleared": cleared, "publications_superseded": taken_down}


def open_comments(report: Report) -> int:
    return Comment.objects.filter(report=report, closed__isnull=True).count()
