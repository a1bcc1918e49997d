"""Template tags the platform's report page uses to show the workflow: ``{% workflow_panel %}``
(state, actions, history, comments) and ``{% comments_at name %}`` (the reviewer's comments at an
input of the form, where the clerk works)."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string

from .. import states
from ..models import Comment, Publication, StateChange

register = template.Library()


def _comments(context) -> list[Comment]:
    report = context.get("report")
    if report is None:
        return []
    cache = context.render_context.setdefault("workflow_comments", {})
    if report.pk not in cache:
        cache[report.pk] = list(Comment.objects.filter(report=report).select_related("author", "version", "closed_by")
                                .prefetch_related("replies__author", "replies__version").order_by("created", "id"))
    return cache[report.pk]


@register.simple_tag(takes_context=True)
def comments_at(context, name):
    here = [c for c in _comments(context) if c.path == name]
    if not here:
        return ""
    return render_to_string("workflow/_comments_at.html", {"name": name, "comments": here, "report": context["report"]})


@register.simple_tag(takes_context=True)
def workflow_panel(context):
    from .. import views

    request, report, version = context["request"], context["report"], context.get("version")
    user = request.user
    actions = {a.name: a for a in states.allowed(user, report, version)}
    warnings = []
    if "submit" in actions and version is not None:
        warnings = [(states.warning_key(f), f) for f in states.submission_findings(report, version.data)
                    if not f.is_error]
    roles = states.roles(user, report)
    comments = _comments(context)
    ctx = {
        "report": report, "version": version, "actions": actions, "warnings": warnings, "roles": roles,
        "comments": comments, "open_comments": sum(c.is_open for c in comments),
        "changes": StateChange.objects.filter(report=report).select_related("user", "version").order_by("at", "id"),
        "publications": Publication.objects.filter(report=report).select_related("version").order_by("published"),
        "places": views._labels(report.edition, version.data).items() if version and states.REVIEWER in roles else [],
        "finding_places": [(f"finding:{states.warning_key(f)}", f"{'✗' if f.is_error else '⚠'} {f.label}：{f.message}")
                           for f in (states.submission_findings(report, version.data) if version and states.REVIEWER in roles
                                     else [])],
        "rollup": report.unit.rollup and report.editable and states.CLERK in roles,
        "rollup_version": version is not None and version.source_name.startswith(views.ROLLUP_NOTE),
        "csrf_token": context.get("csrf_token"),
    }
    return render_to_string("workflow/_panel.html", ctx, request=request)


@register.simple_tag(takes_context=True)
def office_link(context):
    """The dashboard's link in the page header, for reviewers and administrators only."""
    from django.urls import reverse
    from django.utils.html import format_html

    from ...models import Membership

    user = context["request"].user
    if user.is_authenticated and (user.is_superuser or Membership.objects.filter(user=user, role="reviewer").exists()):
        return format_html('<a href="{}" id="office-link">审核工作台</a>', reverse("office"))
    return ""
