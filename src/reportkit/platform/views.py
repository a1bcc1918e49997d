"""The platform's pages.  Every view that takes an id looks it up through :mod:`.access` (404
outside the account's scope), every write goes through :mod:`.versions` or :mod:`.audit`."""

from __future__ import annotations

import json
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from reportkit import validate
from reportkit.contract.skeleton import skeleton

from . import access, audit, formpage
from .season import filing_year
from .models import LoginFailure, RenderJob, Report, ReportVersion
from .versions import Conflict, NotEditable, save_version


def _posted(request):
    """The page's inputs: a JSON object from the page's script, or the plain form post."""
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict) or not all(isinstance(v, str) for v in body.values()):
            raise BadPost("请求内容应为 JSON 对象，每个值都是文字")
        return body
    return request.POST


class BadPost(Exception):
    pass


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "fetch" or "application/json" in request.headers.get("Accept", "")


# ------------------------------------------------------------------------------------ login

class LoginView(auth_views.LoginView):
    """Django's login, throttled: after LOGIN_FAILURES_MAX failures of one user name from one
    address within LOGIN_FAILURE_WINDOW seconds, logins of that name from there are refused
    for the rest of the window (counted in the database: no extra service)."""

    template_name = "platform/login.html"
    redirect_authenticated_user = True

    def _throttled(self, username: str) -> bool:
        since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
        return LoginFailure.objects.filter(username=username, ip=audit.client_ip(self.request),
                                           at__gte=since).count() >= settings.LOGIN_FAILURES_MAX

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")[:150]
        if self._throttled(username):
            audit.record(request, "login.throttled", username=username)
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, f"登录失败次数过多：请 {settings.LOGIN_FAILURE_WINDOW // 60} 分钟后再试，"
                                 "或请管理员重置密码。")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        username = self.request.POST.get("username", "")[:150]
        LoginFailure.objects.create(username=username, ip=audit.client_ip(self.request))
        audit.record(self.request, "login.failed", username=username)
        return super().form_invalid(form)

    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(self.request, "login", user=form.get_user())
        return response


# ------------------------------------------------------------------------------------ home

@login_required
def home(request):
    user = request.user
    newest = ReportVersion.objects.filter(report=OuterRef("pk")).order_by("-number").values("pk")[:1]
    reports = list(access.reports(user).annotate(newest=Subquery(newest)).order_by("-year", "unit__name"))
    versions = ReportVersion.objects.defer("data_json").select_related("author").in_bulk(
        [r.newest for r in reports if r.newest])
    units = access.units(user).select_related("region").order_by("name")
    year = filing_year(timezone.localdate())
    return render(request, "platform/home.html", {
        "reports": [(r, versions.get(r.newest)) for r in reports],
        "units": [(u, access.can_edit_unit(user, u)) for u in units], "default_year": year,
    })


@login_required
@require_POST
def report_new(request, unit_id):
    """Start a unit's report for a year: carried over from the platform's report of the year
    before when there is one (``reportkit init --from`` rules: identity, 结转, 现行有效 start, no
    prose), otherwise an empty skeleton."""
    unit = access.unit_for(request.user, unit_id)
    if not access.can_edit_unit(request.user, unit):
        raise Http404("没有这个单位，或您无权填报")
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = 0
    if not 2019 <= year <= 2100:
        messages.error(request, "报告年度应为 2019 至 2100 之间的年份")
        return redirect("home")
    existing = Report.objects.filter(unit=unit, year=year).first()
    if existing is not None:
        return redirect("report", existing.pk)
    previous = Report.objects.filter(unit=unit, year=year - 1).first()
    prev_version = previous.current() if previous else None
    prev_data = prev_version.data if prev_version else None
    data = skeleton(year, unit.name, region=unit.region.name, previous=prev_data)
    if unit.agency_id:
        data["agency_id"] = unit.agency_id
    if unit.rollup:
        data["rollup"] = True
    with transaction.atomic():
        report = Report.objects.create(unit=unit, year=year)
        audit.record(request, "report.create", report, unit=unit.pk, year=year)
        save_version(report, data, base=0, user=request.user, request=request,
                     source=ReportVersion.Source.CARRIED if prev_data else ReportVersion.Source.NEW,
                     source_name=f"{previous} 第 {prev_version.number} 版" if prev_version else "")
    return redirect("report", report.pk)


# ------------------------------------------------------------------------------------ the form

def _page(request, report, version, data, findings, *, status=200, conflict=None):
    ctx = formpage.build(report.edition, data, findings)
    errors = [f for f in findings if f.is_error]
    ctx.update({
        "report": report, "version": version, "base": version.number if version else 0,
        "findings": findings, "errors": len(errors), "warnings": len(findings) - len(errors),
        "editable": report.editable and access.can_edit_unit(request.user, report.unit),
        "conflict": conflict, "jobs": RenderJob.objects.filter(version__report=report).order_by("-created")[:5],
    })
    return render(request, "platform/report.html", ctx, status=status)


@login_required
def report(request, pk):
    """GET: the form with the current version and its findings.  POST: save a new version (the
    page works without JavaScript: the answer is the page again, with its findings); with
    ``X-Requested-With: fetch`` the answer is JSON (the page's autosave)."""
    if request.method == "GET":
        rep = access.report_for(request.user, pk)
        version = rep.current()
        data = version.data if version else {}
        return _page(request, rep, version, data, validate(data))
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    rep = access.report_for(request.user, pk, edit=True)
    current = rep.current()
    try:
        posted = _posted(request)
    except BadPost as exc:
        return JsonResponse({"ok": False, "message": str(exc)}, status=400)
    data = formpage.read_post(posted, rep.edition, current.data if current else {"year": rep.year})
    findings = validate(data)
    try:
        base = int(posted.get("base", ""))
    except ValueError:
        base = -1
    try:
        if current is not None and base == current.number and data == current.data:
            version = current  # nothing changed: no new version
        else:
            version = save_version(rep, data, base=base, user=request.user, request=request,
                                   source=ReportVersion.Source.TYPED, findings=findings)
    except Conflict as exc:
        if _wants_json(request):
            return JsonResponse({"ok": False, "conflict": True, "message": str(exc),
                                 "current": exc.current.number if exc.current else 0}, status=409)
        return _page(request, rep, current, data, findings, status=409, conflict=str(exc))
    except NotEditable as exc:
        if _wants_json(request):
            return JsonResponse({"ok": False, "message": str(exc)}, status=403)
        messages.error(request, str(exc))
        return redirect("report", rep.pk)
    if _wants_json(request):
        return JsonResponse({"ok": True, "version": version.number, **_check_payload(rep, data, findings)})
    return _page(request, rep, version, data, findings)


def _check_payload(rep: Report, data: dict, findings) -> dict:
    """The live check's answer: the findings with the input each is shown at (the page sums its
    totals itself)."""
    names = formpage.page_names(rep.edition, data)
    errors = sum(f.is_error for f in findings)
    return {"findings": [formpage.finding_dict(f, names) for f in findings], "errors": errors,
            "warnings": len(findings) - errors}


@login_required
@require_POST
def report_check(request, pk):
    """The live check: the page's current inputs validated by reportkit, nothing saved."""
    rep = access.report_for(request.user, pk)
    try:
        posted = _posted(request)
    except BadPost as exc:
        return JsonResponse({"ok": False, "message": str(exc)}, status=400)
    # the page holds everything but the year (the saved version is not read: the check is hot)
    data = formpage.read_post(posted, rep.edition, {"year": rep.year})
    return JsonResponse({"ok": True, **_check_payload(rep, data, validate(data))})


@login_required
def report_versions(request, pk):
    rep = access.report_for(request.user, pk)
    versions = rep.versions.select_related("author").order_by("-number")
    return render(request, "platform/versions.html", {"report": rep, "versions": versions})


@login_required
def version_json(request, pk, number):
    rep = access.report_for(request.user, pk)
    version = rep.versions.filter(number=number).first()
    if version is None:
        raise Http404("没有这个版本")
    response = HttpResponse(version.data_json, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(f'{rep.unit.name}-{rep.year}-v{number}.json')}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


# ------------------------------------------------------------------------------------ uploads

@login_required
def report_upload(request, pk):
    from .uploads import UploadRefused, data_from_upload

    rep = access.report_for(request.user, pk, edit=True)
    if request.method == "GET":
        return render(request, "platform/upload.html", {"report": rep})
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise UploadRefused("请选择要上传的文件")
        current = rep.current()
        data, source, notes = data_from_upload(upload, rep, partial=request.POST.get("partial") == "1")
        version = save_version(rep, data, base=current.number if current else 0, user=request.user,
                               request=request, source=source, source_name=upload.name, action="report.upload")
    except UploadRefused as exc:
        audit.record(request, "report.upload.refused", rep, file=upload.name if upload else "", reason=exc.message)
        return render(request, "platform/upload.html", {"report": rep, "refusal": exc.message, "details": exc.details,
                                                        "file_name": upload.name if upload else ""}, status=400)
    except (Conflict, NotEditable) as exc:
        return render(request, "platform/upload.html", {"report": rep, "refusal": str(exc)}, status=409)
    messages.success(request, f"已从“{upload.name}”生成第 {version.number} 版（{version.get_source_display()}）。"
                     + "".join(notes[:1]))
    for note in notes[1:]:  # a report read in part: each cell to complete or to check
        messages.warning(request, note)
    return redirect("report", rep.pk)


# ------------------------------------------------------------------------------------ rendering

@login_required
@require_POST
def report_render(request, pk):
    from .tasks import enqueue

    rep = access.report_for(request.user, pk)
    version = rep.current()
    if version is None:
        raise Http404("报告还没有数据")
    if version.errors:
        messages.error(request, f"第 {version.number} 版还有 {version.errors} 个错误，改正后才能生成申报材料")
        return redirect("report", rep.pk)
    job = RenderJob.objects.create(version=version, requested_by=request.user, step="排队等待后台生成")
    audit.record(request, "render.request", job, report=rep.pk, number=version.number)
    enqueue(job)
    return redirect("render_job", job.pk)


@login_required
def render_job(request, pk):
    """The job's page, or its state as JSON (the page's poll).  Both say whether the finished set
    can be published now (``publish``), from the same test the publish action makes; the page
    follows the job in place (render.js) and never reloads itself while JavaScript runs."""
    from .workflow.states import publish_offered

    job = access.job_for(request.user, pk)
    publish = publish_offered(request.user, job)
    if _wants_json(request) or request.GET.get("format") == "json":
        return JsonResponse(_job_dict(job) | {"publish": publish})
    return render(request, "platform/render.html", {"job": job, "report": job.version.report, "publish": publish,
                                                    "refresh": job.state in ("queued", "running")})


def _job_dict(job: RenderJob) -> dict:
    return {"id": job.pk, "state": job.state, "state_label": job.get_state_display(), "step": job.step,
            "message": job.message, "outputs": [
                {**o, "url": reverse("render_file", args=[job.pk, o["name"]])} for o in job.outputs]}


@login_required
def render_file(request, pk, name):
    from .tasks import job_dir

    job = access.job_for(request.user, pk)
    if job.state != RenderJob.State.DONE:
        raise Http404("文件尚未生成")
    listed = {o["name"] for o in job.outputs}
    if name not in listed:
        raise Http404("没有这个文件")
    path = job_dir(job) / name
    if not path.is_file():
        raise Http404("文件已不在服务器上")
    audit.record(request, "render.download", job, file=name)
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)
