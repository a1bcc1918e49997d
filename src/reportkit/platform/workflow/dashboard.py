"""The office's dashboard: every unit of a region (subtree) for a year — also units that have not
started — with the state, days to the deadline, the current version's errors and warnings (stored
with each version when it is saved), the last activity and the last review's findings.

Five queries whatever the number of units: units, reports with their current version (a
subquery), those versions' stored counts, the last state change per report, the last review run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from ..models import Region, Report, ReportVersion, Unit
from .models import ReviewRun, StateChange

NOT_STARTED = "not_started"
STATE_LABELS = {NOT_STARTED: "未开始", **dict(Report.State.choices)}


def deadline(year: int, rollup: bool) -> dt.date:
    """《条例》第四十九条: 31 January of the next year; 31 March for a government's own report."""
    return dt.date(year + 1, 3, 31) if rollup else dt.date(year + 1, 1, 31)


@dataclass
class Row:
    unit_id: int
    unit: str
    region: str
    rollup: bool
    report_id: int | None = None
    state: str = NOT_STARTED
    version: int | None = None
    errors: int | None = None
    warnings: int | None = None
    last_activity: dt.datetime | None = None
    days_left: int = 0
    review: dict | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def overdue(self) -> bool:
        return self.days_left < 0 and self.state != "published"


def rows(region: Region, year: int, *, today: dt.date | None = None) -> tuple[list[Row], ReviewRun | None]:
    today = today or timezone.localdate()
    region_ids = region.subtree_ids()
    units = list(Unit.objects.filter(region_id__in=region_ids).select_related("region").order_by("name", "pk")
                 .values_list("pk", "name", "region__name", "rollup"))
    current = ReportVersion.objects.filter(report=OuterRef("pk")).order_by("-number").values("pk")[:1]
    of_year = Report.objects.filter(unit__region_id__in=region_ids, year=year).annotate(v_id=Subquery(current))
    reports = list(of_year.values("pk", "unit_id", "state", "v_id"))
    counts = {v["pk"]: v for v in ReportVersion.objects.filter(pk__in=of_year.values("v_id"))
              .values("pk", "number", "errors", "warnings", "created")}
    for r in reports:
        v = counts.get(r["v_id"], {})
        r.update(v_number=v.get("number"), v_errors=v.get("errors"), v_warnings=v.get("warnings"),
                 v_created=v.get("created"))
    by_unit = {r["unit_id"]: r for r in reports}
    last_change = dict(StateChange.objects.filter(report__unit__region_id__in=region_ids, report__year=year)
                       .values("report_id").annotate(last=Max("at")).values_list("report_id", "last"))
    run = ReviewRun.objects.filter(region=region, year=year, state=ReviewRun.State.DONE).order_by("-created").first()
    out = []
    for pk, name, region_name, rollup in units:
        row = Row(pk, name, region_name, rollup)
        row.days_left = (deadline(year, rollup) - today).days
        r = by_unit.get(pk)
        if r is not None:
            row.report_id, row.state, row.version = r["pk"], r["state"], r["v_number"]
            row.errors, row.warnings = r["v_errors"], r["v_warnings"]
            times = [t for t in (r["v_created"], last_change.get(r["pk"])) if t is not None]
            row.last_activity = max(times) if times else None
            if run is not None:
                row.review = run.results.get(str(r["pk"]))
        if row.errors:
            row.problems.append(f"{row.errors} 个错误")
        if row.overdue:
            row.problems.append(f"已过发布期限 {-row.days_left} 天")
        if row.review:
            stale = row.review["version"] != row.version
            for issue in row.review["issues"]:
                if issue["severity"] != "info":
                    row.problems.append(issue["text"] + (f"（审查的是第 {row.review['version']} 版，现为第 {row.version} 版）"
                                                         if stale else ""))
        out.append(row)
    return out, run


FILTERS = {
    "": "全部",
    "problems": "有问题",
    "errors": "有错误",
    "overdue": "已逾期",
    "waiting": "待审核（已提交）",
    "not_started": "未开始",
}


def keep(row: Row, state: str, problem: str) -> bool:
    if state and row.state != state:
        return False
    if problem == "problems":
        return bool(row.problems)
    if problem == "errors":
        return bool(row.errors)
    if problem == "overdue":
        return row.overdue
    if problem == "waiting":
        return row.state == "submitted"
    if problem == "not_started":
        return row.state == NOT_STARTED
    return True


def rows_html(rows: list[Row]) -> str:
    """The table's rows as HTML, built here rather than by the template engine: Django's templates
    take ~1-3 ms a row, which for 3,000 units is seconds; this takes microseconds.  Every text is
    escaped."""
    from html import escape

    from django.urls import reverse

    tz = timezone.get_current_timezone()
    link = reverse("report", args=[0]).replace("/0/", "/{}/")
    out = []
    for r in rows:
        name = escape(r.unit)
        cells = [
            f'<input type="checkbox" name="report" value="{r.report_id}" aria-label="选择 {name}">' if r.report_id else "",
            (f'<a href="{link.format(r.report_id)}">{name}</a>' if r.report_id else name) + ("（本级政府）" if r.rollup else ""),
            escape(r.region),
        ]
        when = r.last_activity.astimezone(tz).strftime("%Y-%m-%d %H:%M") if r.last_activity else ""
        problems = "".join(f"<div>{escape(p)}</div>" for p in r.problems)
        marked = ' class="has-problems"' if r.problems else ""
        out.append(
            f'<tr data-unit="{r.unit_id}" data-state="{r.state}"{marked}>'
            f'<td>{cells[0]}</td><td>{cells[1]}</td><td>{cells[2]}</td><td class="state">{r.state_label}</td>'
            f'<td class="days{" overdue" if r.overdue else ""}">{r.days_left}</td>'
            f'<td class="errors">{"" if r.errors is None else r.errors}</td>'
            f'<td class="warnings">{"" if r.warnings is None else r.warnings}</td>'
            f'<td>{when}</td><td class="problems">{problems}</td></tr>')
    return "\n".join(out)
