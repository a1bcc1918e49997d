"""Who may see and change what, checked on the server in every view and download.

* an administrator (superuser) sees and edits every report;
* a clerk (填报人) sees and edits the reports of their units;
* a reviewer (审核人) sees the reports of every unit in their region and the regions below it.

Views look objects up through :func:`report_for` and friends, which answer 404 for anything
outside the account's scope (an id of another unit tells nothing about whether it exists).
"""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from .models import Membership, Region, RenderJob, Report, Unit


def region_ids(user) -> set[int]:
    """Every region a reviewer reviews, subtrees included."""
    ids: set[int] = set()
    for region in Region.objects.filter(memberships__user=user, memberships__role=Membership.REVIEWER):
        ids |= region.subtree_ids()
    return ids


def units(user):
    """The units ``user`` may see."""
    if not user.is_authenticated:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    clerk = Q(memberships__user=user, memberships__role=Membership.CLERK)
    return Unit.objects.filter(clerk | Q(region_id__in=region_ids(user))).distinct()


def clerk_unit_ids(user) -> set[int]:
    return _scope(user)[0]


def _scope(user) -> tuple[set[int], set[int]]:
    """(units the user is clerk of, regions the user reviews — without their subtrees), read once
    per request (cached on the request's user object)."""
    cached = getattr(user, "_reportkit_scope", None)
    if cached is None:
        clerk, reviewer = set(), set()
        for role, unit, region in Membership.objects.filter(user=user).values_list("role", "unit_id", "region_id"):
            if role == Membership.CLERK:
                clerk.add(unit)
            elif role == Membership.REVIEWER:
                reviewer.add(region)
        cached = user._reportkit_scope = (clerk, reviewer)
    return cached


def can_see_unit(user, unit: Unit) -> bool:
    """Whether ``user`` may see ``unit`` and its reports: administrator, clerk of the unit, or
    reviewer of the unit's region or of a region above it."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    clerk, reviewer = _scope(user)
    if unit.pk in clerk:
        return True
    region, seen = unit.region_id, set()
    while reviewer and region is not None and region not in seen:  # up the tree: a few levels
        if region in reviewer:
            return True
        seen.add(region)
        region = Region.objects.filter(pk=region).values_list("parent_id", flat=True).first()
    return False


def can_edit_unit(user, unit: Unit) -> bool:
    """Whether ``user`` may change ``unit``'s reports (clerk of the unit, or administrator)."""
    return user.is_authenticated and (user.is_superuser or unit.pk in _scope(user)[0])


def reports(user):
    return Report.objects.filter(unit__in=units(user)).select_related("unit", "unit__region")


def unit_for(user, pk) -> Unit:
    try:
        unit = Unit.objects.select_related("region").get(pk=pk)
    except (Unit.DoesNotExist, ValueError):
        raise Http404("没有这个单位，或您无权查看") from None
    if not can_see_unit(user, unit):
        raise Http404("没有这个单位，或您无权查看")
    return unit


def report_for(user, pk, *, edit: bool = False) -> Report:
    """The report ``pk`` if ``user`` may see it (and change it, with ``edit``); 404 otherwise —
    the same answer whether the report exists or not."""
    try:
        report = Report.objects.select_related("unit", "unit__region").get(pk=pk)
    except (Report.DoesNotExist, ValueError):
        raise Http404("没有这份报告，或您无权查看") from None
    if not can_see_unit(user, report.unit) or (edit and not can_edit_unit(user, report.unit)):
        raise Http404("没有这份报告，或您无权查看")
    return report


def job_for(user, pk) -> RenderJob:
    try:
        job = RenderJob.objects.select_related("version__report__unit").get(pk=pk)
    except (RenderJob.DoesNotExist, ValueError):
        raise Http404("没有这个生成任务，或您无权查看") from None
    report_for(user, job.version.report_id)
    return job
