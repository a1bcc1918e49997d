"""The workflow's pages.  Every view looks its report up through :mod:`reportkit.platform.access`
(404 outside the account's scope) and every change goes through :mod:`.states` or writes an
audit event."""

from __future__ import annotations

import csv
import difflib
import io
import json
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from reportkit.contract import tables as layout

from .. import access, audit, formpage
from ..season import filing_year
from ..models import AuditEvent, Region, Report, ReportVersion
from ..versions import Conflict, NotEditable, save_version
from . import dashboard as dash
from . import states
from .models import Comment, ExportRun, Publication, Reply, ReviewRun


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "") or request.GET.get("format") == "json"


def _refused(request, report, exc: states.Refused):
    audit.record(request, "report.refused", report, reason=exc.message, attempted=request.POST.get("action", ""))
    if _wants_json(request):
        return JsonResponse({"ok": False, "message": exc.message,
                             "findings": [formpage.finding_dict(f) for f in exc.findings]}, status=exc.status)
    return render(request, "workflow/refused.html", {"report": report, "message": exc.message,
                                                      "findings": exc.findings}, status=exc.status)


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# ------------------------------------------------------------------------------------ transitions

@login_required
@require_POST
def act(request, pk):
    """A transition of the report: ``action`` (submit, withdraw, return, approve, reopen, publish),
    ``reason``, ``version`` (the one the user saw) and, to submit, ``explain:<code>|<path>`` for
    each warning."""
    report = access.report_for(request.user, pk)
    explanations = {k.removeprefix("explain:"): v for k, v in request.POST.items() if k.startswith("explain:")}
    try:
        change = states.transition(report, request.POST.get("action", ""), request.user,
                                   reason=request.POST.get("reason", ""), request=request,
                                   version=_int(request.POST.get("version")), explanations=explanations)
    except states.Refused as exc:
        return _refused(request, report, exc)
    label = states.ACTIONS[change.action].label
    if _wants_json(request):
        return JsonResponse({"ok": True, "action": change.action, "state": change.to_state,
                             "state_label": Report.State(change.to_state).label})
    messages.success(request, f"已{label}：报告现为“{Report.State(change.to_state).label}”")
    return redirect("report", report.pk)


# ------------------------------------------------------------------------------------ comments

def _labels(edition: str, data: dict) -> dict[str, str]:
    """Every place of the form page a comment can be attached to, with its official label."""
    ctx = formpage.build(edition, data, [])
    out = {"": "整份报告"}
    for b in ctx["basic"] + ctx["texts_before"]:
        out[b.name] = b.label
    n = len(data.get("overview", {}).get("sections") or [])
    for i, (t, x) in enumerate(ctx["sections"][:n], 1):
        out[t.name] = f"{ctx['overview_title']}（{i}）小标题"
        out[x.name] = f"{ctx['overview_title']}（{i}）正文"
    for b in ctx["texts_after"]:
        out[b.name] = b.label
    if ctx["unit_box"] is not None:
        out[ctx["unit_box"].name] = ctx["unit_box"].label
    for f in layout.figures(edition):
        out[f.path] = f.label
    return out


@login_required
@require_POST
def comment_add(request, pk):
    report = access.report_for(request.user, pk)
    if states.REVIEWER not in states.roles(request.user, report):
        return _refused(request, report, states.Refused("只有本地区的审核人可以写审核意见", 403))
    version = report.current()
    text = request.POST.get("text", "").strip()
    path = request.POST.get("path", "").strip()
    if version is None or not text:
        return _refused(request, report, states.Refused("审核意见不能为空", 400))
    labels = _labels(report.edition, version.data)
    finding = ""
    if path.startswith("finding:"):  # a finding of the current version: shown at the input it concerns
        code, _, json_path = path.removeprefix("finding:").partition("|")
        found = next((f for f in states.submission_findings(report, version.data)
                      if f.code == code and f.path == json_path), None)
        if found is None:
            return _refused(request, report, states.Refused("这个检查结果已不在当前版本中，请刷新后再写意见", 409))
        path = formpage.anchor_of(found.path, formpage.page_names(report.edition, version.data))
        path = path if path in labels else ""
        finding, label = found.code, f"{found.label}：{found.message}"
    elif path not in labels:
        return _refused(request, report, states.Refused(f"报告中没有“{path}”这个位置", 400))
    else:
        label = labels[path]
    comment = Comment.objects.create(report=report, version=version, path=path, label=label[:300],
                                     finding=finding, text=text, author=request.user)
    audit.record(request, "comment.add", comment, report=report.pk, path=path, label=label, finding=finding,
                 text=text, version=version.number)
    if _wants_json(request):
        return JsonResponse({"ok": True, "comment": comment.pk})
    messages.success(request, f"已在“{label}”处写下审核意见")
    return redirect("report", report.pk)


def _comment(request, pk, cid) -> tuple[Report, Comment]:
    report = access.report_for(request.user, pk)
    return report, get_object_or_404(Comment, pk=cid, report=report)


@login_required
@require_POST
def comment_reply(request, pk, cid):
    report, comment = _comment(request, pk, cid)
    if states.CLERK not in states.roles(request.user, report):
        return _refused(request, report, states.Refused("只有本单位的填报人可以答复审核意见", 403))
    text = request.POST.get("text", "").strip()
    if not text:
        return _refused(request, report, states.Refused("答复不能为空", 400))
    if not comment.is_open:
        return _refused(request, report, states.Refused("这条审核意见已关闭", 409))
    version = report.current()
    reply = Reply.objects.create(comment=comment, version=version, text=text, author=request.user)
    audit.record(request, "comment.reply", reply, report=report.pk, comment=comment.pk, text=text,
                 version=version.number)
    messages.success(request, f"已答复（对应第 {version.number} 版）")
    return redirect("report", report.pk)


@login_required
@require_POST
def comment_close(request, pk, cid):
    report, comment = _comment(request, pk, cid)
    if states.REVIEWER not in states.roles(request.user, report):
        return _refused(request, report, states.Refused("只有本地区的审核人可以关闭审核意见", 403))
    with transaction.atomic():
        if Comment.objects.filter(pk=comment.pk, closed__isnull=True).update(
                closed=timezone.now(), closed_by=request.user, closed_version=report.current()) != 1:
            return _refused(request, report, states.Refused("这条审核意见已关闭", 409))
        audit.record(request, "comment.close", comment, report=report.pk)
    messages.success(request, "已关闭审核意见")
    return redirect("report", report.pk)


# ------------------------------------------------------------------------------------ comparison

def _diff_html(a: str, b: str) -> str:
    out = []
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            out.append(escape(a[i1:i2]))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(a[i1:i2])}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(b[j1:j2])}</ins>")
    return "".join(out).replace("\n", "<br>")


def comparison(edition: str, old: dict, new: dict) -> dict:
    """The figures and the prose that differ between two versions' data, with official labels."""
    figures = []
    for f in layout.figures(edition):
        a, b = formpage._value(old, f.path), formpage._value(new, f.path)
        if f.computed:
            sums = formpage.sums_of(f.path, edition)
            a, b = formpage.total_value(old, sums), formpage.total_value(new, sums)
        if a != b:
            figures.append({"path": f.path, "label": f.label, "old": a, "new": b})
    labels = _labels(edition, new) | _labels(edition, old)
    prose = []
    for name, label in labels.items():
        if not name or name in {f.path for f in layout.figures(edition)}:
            continue
        a, b = formpage._value(old, name), formpage._value(new, name)
        if a != b:
            a_text, b_text = formpage._shown(a), formpage._shown(b)
            prose.append({"path": name, "label": label, "diff": mark_safe(_diff_html(a_text, b_text))})
    return {"figures": figures, "prose": prose}


@login_required
@require_GET
def compare(request, pk):
    report = access.report_for(request.user, pk)
    numbers = list(report.versions.order_by("number").values_list("number", flat=True))
    if not numbers:
        raise Http404("报告还没有数据")
    b = _int(request.GET.get("b"), numbers[-1])
    a = _int(request.GET.get("a"), numbers[-2] if len(numbers) > 1 else numbers[-1])
    va, vb = report.versions.filter(number=a).first(), report.versions.filter(number=b).first()
    if va is None or vb is None:
        raise Http404("没有这个版本")
    result = comparison(report.edition, va.data, vb.data)
    if _wants_json(request):
        return JsonResponse({"a": a, "b": b, "figures": result["figures"],
                             "prose": [{"path": p["path"], "label": p["label"]} for p in result["prose"]]})
    return render(request, "workflow/compare.html", {"report": report, "a": va, "b": vb, "numbers": numbers, **result})


# ------------------------------------------------------------------------------------ the dashboard

def _regions(user):
    if user.is_superuser:
        return Region.objects.filter(parent__isnull=True).order_by("name")
    return Region.objects.filter(memberships__user=user, memberships__role="reviewer").distinct().order_by("name")


def _region_for(user, pk) -> Region:
    region = Region.objects.filter(pk=_int(pk, 0)).first()
    if region is None or not (user.is_superuser or region.pk in access.region_ids(user)):
        raise Http404("没有这个地区，或您无权查看")
    return region


@login_required
@require_GET
def office(request):
    """The office's dashboard for a region and year (filters: state, problem)."""
    regions = list(_regions(request.user))
    if not regions:
        raise Http404("您不是审核人")
    region = _region_for(request.user, request.GET.get("region") or regions[0].pk)
    year = _int(request.GET.get("year"), filing_year(timezone.localdate()))
    if not 2019 <= year <= 2100:
        year = filing_year(timezone.localdate())
    state, problem = request.GET.get("state", ""), request.GET.get("problem", "")
    all_rows, run = dash.rows(region, year)
    shown = [r for r in all_rows if dash.keep(r, state, problem)]
    counts = {k: 0 for k in dash.STATE_LABELS}
    for r in all_rows:
        counts[r.state] += 1
    if _wants_json(request):
        return JsonResponse({"region": region.name, "year": year, "units": [
            {"unit": r.unit, "unit_id": r.unit_id, "report": r.report_id, "state": r.state, "state_label": r.state_label,
             "days_left": r.days_left, "errors": r.errors, "warnings": r.warnings,
             "last_activity": r.last_activity.isoformat() if r.last_activity else None, "problems": r.problems}
            for r in shown]})
    return render(request, "workflow/office.html", {
        "regions": regions, "region": region, "year": year, "table": mark_safe(dash.rows_html(shown)), "total": len(all_rows), "run": run,
        "state": state, "problem": problem, "states": dash.STATE_LABELS, "filters": dash.FILTERS,
        "counts": [(dash.STATE_LABELS[k], v) for k, v in counts.items()],
        "deadline": dash.deadline(year, False), "deadline_rollup": dash.deadline(year, True),
        "runs": ReviewRun.objects.filter(region=region, year=year)[:3]})


@login_required
@require_POST
def bulk(request):
    """Approve or return many reports at once (one reason for all); each is its own transition."""
    action = request.POST.get("action", "")
    if action not in ("approve", "return"):
        raise Http404("没有这个批量操作")
    reason = request.POST.get("reason", "")
    done, refused = [], []
    ids = [i for i in (_int(x) for x in request.POST.getlist("report")) if i]
    for report in access.reports(request.user).filter(pk__in=ids).order_by("unit__name"):
        try:
            states.transition(report, action, request.user, reason=reason, request=request, bulk=True)
            done.append(report.unit.name)
        except states.Refused as exc:
            refused.append(f"{report.unit.name}：{exc.message}")
    label = states.ACTIONS[action].label
    if _wants_json(request):
        return JsonResponse({"ok": not refused, "done": done, "refused": refused})
    if done:
        messages.success(request, f"已{label} {len(done)} 份报告")
    for line in refused:
        messages.error(request, line)
    back = request.POST.get("back", "")
    return redirect(back if back.startswith("/office/") else "office")


# ------------------------------------------------------------------------------------ the region's review

@login_required
@require_POST
def review_start(request):
    from .tasks import enqueue

    run = _start_run(request, ReviewRun, "review.request")
    enqueue(run)
    return redirect("review_run", run.pk)


def _start_run(request, model, action: str):
    """A background run (review or export) of the posted region and year, recorded in the audit log."""
    region = _region_for(request.user, request.POST.get("region"))
    year = _int(request.POST.get("year"), 0)
    if not 2019 <= year <= 2100:
        raise Http404("报告年度有误")
    run = model.objects.create(region=region, year=year, requested_by=request.user)
    audit.record(request, action, run, region=region.pk, year=year)
    return run


def _region_run(model, user, pk, missing: str):
    """The run ``pk`` of ``model`` when it is of a region the user reviews (404 otherwise)."""
    run = model.objects.select_related("region").filter(pk=_int(pk, 0)).first()
    if run is None or not (user.is_superuser or run.region_id in access.region_ids(user)):
        raise Http404(missing)
    return run


def _run_for(user, pk) -> ReviewRun:
    return _region_run(ReviewRun, user, pk, "没有这次审查，或您无权查看")


@login_required
@require_GET
def review_run(request, pk):
    run = _run_for(request.user, pk)
    if _wants_json(request):
        return JsonResponse({"id": run.pk, "state": run.state, "state_label": run.get_state_display(),
                             "message": run.message, "results": run.results})
    reports = {str(r.pk): r for r in Report.objects.filter(pk__in=[_int(k) for k in run.results]).select_related("unit")}
    rows = sorted(((reports[k], v) for k, v in run.results.items() if k in reports), key=lambda x: x[0].unit.name)
    return render(request, "workflow/review.html", {"run": run, "rows": rows,
                                                     "refresh": run.state in ("queued", "running")})


@login_required
@require_GET
def review_file(request, pk, kind):
    from .tasks import FILES, run_dir

    run = _run_for(request.user, pk)
    if run.state != ReviewRun.State.DONE or kind not in FILES:
        raise Http404("文件尚未生成")
    path = run_dir(run) / FILES[kind]
    if not path.is_file():
        raise Http404("文件已不在服务器上")
    audit.record(request, "review.download", run, file=path.name)
    return FileResponse(path.open("rb"), as_attachment=True,
                        filename=f"{run.region.name}-{run.year}-{path.name}")


# ------------------------------------------------------------------------------------ publications

def _publication(region, year, unit, number=None) -> Publication:
    pubs = Publication.objects.select_related("report__unit__region", "version", "job").filter(
        report__unit_id=unit, report__unit__region_id=region, report__year=year)
    pub = pubs.filter(version__number=number).order_by("-published").first() if number else \
        pubs.filter(superseded__isnull=True).order_by("-published").first()
    if pub is None:
        raise Http404("没有已发布的报告")
    return pub


def published(request, region, year, unit, number=None):
    """The published report's address (stable per region/year/unit): publication time, the
    manifest's SHA-256, the files, and every publication of it (also those taken down)."""
    pub = _publication(region, year, unit, number)
    history = Publication.objects.filter(report=pub.report).select_related("version", "published_by").order_by("published")
    return render(request, "workflow/published.html", {"pub": pub, "report": pub.report, "history": history,
                                                        "files": pub.job.outputs})


def published_file(request, region, year, unit, name, number=None):
    from ..tasks import job_dir

    pub = _publication(region, year, unit, number)
    if name not in {o["name"] for o in pub.job.outputs}:
        raise Http404("没有这个文件")
    path = job_dir(pub.job) / name
    if not path.is_file():
        raise Http404("文件已不在服务器上")
    inline = name.endswith(".html") and request.GET.get("download") != "1"
    response = FileResponse(path.open("rb"), as_attachment=not inline, filename=name)
    if inline:  # the report's own page: its styles are its own, nothing else runs
        response["Content-Security-Policy"] = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                               "font-src data:; frame-ancestors 'none'")
    return response


# ------------------------------------------------------------------------------------ roll-up

ROLLUP_NOTE = "汇总起点"


@login_required
@require_POST
def rollup_start(request, pk):
    """A government's own report (rollup) started from the sums of the approved (or published)
    reports of the units of its region: the tables only, saved as a new version named as a
    starting point; the prose is the clerk's."""
    import reportkit

    report = access.report_for(request.user, pk, edit=True)
    if not report.unit.rollup:
        return _refused(request, report, states.Refused("只有本级政府的汇总报告可以从下级单位的报告汇总", 400))
    sources = (Report.objects.filter(unit__region_id__in=report.unit.region.subtree_ids(), year=report.year,
                                     state__in=(Report.State.APPROVED, Report.State.PUBLISHED), unit__rollup=False)
               .select_related("unit").order_by("unit__name"))
    versions = [(r, r.current()) for r in sources]
    if not versions:
        return _refused(request, report, states.Refused(f"本地区还没有已通过的 {report.year} 年度单位报告，无法汇总", 400))
    result = reportkit.review([v.data for _, v in versions])
    sums = next((s for s in result.sums if s.edition == report.edition), None)
    if sums is None:
        return _refused(request, report, states.Refused("已通过的单位报告与本报告的格式版本不同，无法汇总", 400))
    current = report.current()
    data = json.loads(current.data_json)
    for f in layout.figures(report.edition):
        value = sums.values.get(f.path)
        if f.computed or value is None:
            continue
        formpage._put(data, f.path.split("."), value if isinstance(value, int) else str(value))
    names = [r.unit.name for r, _ in versions]
    try:
        version = save_version(report, data, base=current.number, user=request.user, request=request,
                               source=ReportVersion.Source.TYPED, action="report.rollup_start",
                               source_name=f"{ROLLUP_NOTE}：{len(versions)} 个单位已通过报告的表格合计")
    except (Conflict, NotEditable) as exc:
        return _refused(request, report, states.Refused(str(exc)))
    audit.record(request, "report.rollup_sources", version, units=names)
    messages.warning(request, f"已按 {len(versions)} 个单位已通过报告的合计填入表二、表三、表四（第 {version.number} 版）："
                              "这只是起点，须核对本级政府自身的数字并填写正文后再提交。")
    return redirect("report", report.pk)


# ------------------------------------------------------------------------------------ exports

def _attachment(data: bytes, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
    return response


@login_required
@require_POST
def export_start(request):
    """Every unit's current version of the region and year, its JSON and its Excel form, as one
    zip made in the background (:func:`.tasks.export`)."""
    from .tasks import enqueue_export

    run = _start_run(request, ExportRun, "export.request")
    enqueue_export(run)
    return redirect("export_run", run.pk)


def _export_for(user, pk) -> ExportRun:
    return _region_run(ExportRun, user, pk, "没有这次导出，或您无权查看")


@login_required
@require_GET
def export_run(request, pk):
    run = _export_for(request.user, pk)
    if _wants_json(request):
        return JsonResponse({"id": run.pk, "state": run.state, "state_label": run.get_state_display(),
                             "message": run.message, "reports": run.reports})
    return render(request, "workflow/export.html", {"run": run, "refresh": run.state in ("queued", "running")})


@login_required
@require_GET
def export_file(request, pk):
    from .tasks import export_path

    run = _export_for(request.user, pk)
    path = export_path(run)
    if run.state != ExportRun.State.DONE or not path.is_file():
        raise Http404("文件尚未生成")
    audit.record(request, "export.download", run, region=run.region_id, year=run.year)
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"{run.region.name}-{run.year}-各单位报告.zip")


AUDIT_HEAD = ["时间", "账号", "操作", "对象类型", "对象", "来源地址", "详情"]


@login_required
@require_GET
def audit_csv(request):
    """The audit log as CSV (UTF-8 with BOM for Excel): every event for an administrator; for a
    reviewer, the events of the reports of their region."""
    user = request.user
    events = AuditEvent.objects.order_by("at", "id")
    if not user.is_superuser:
        region_ids = access.region_ids(user)
        if not region_ids:
            raise Http404("您不是审核人")
        report_ids = [str(i) for i in Report.objects.filter(unit__region_id__in=region_ids).values_list("pk", flat=True)]
        events = events.filter(object_type="Report", object_id__in=report_ids) | events.filter(
            details__report__in=[int(i) for i in report_ids])
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
    w.writerow(AUDIT_HEAD)
    for e in events.iterator():
        w.writerow([timezone.localtime(e.at).isoformat(), e.username, e.action, e.object_type, e.object_id,
                    e.ip or "", json.dumps(e.details, ensure_ascii=False)])
    audit.record(request, "export.audit")
    return _attachment(out.getvalue().encode("utf-8"), f"审计日志-{timezone.localdate().isoformat()}.csv",
                       "text/csv; charset=utf-8")
