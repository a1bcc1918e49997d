"""What the workflow keeps beside the platform's reports: every change of state (with the version
it concerned and the reason), the reviewer's comments at a place of the report and the unit's
replies, publications, and the region's review runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from reportkit.platform.models import Immutable, Region, RenderJob, Report, ReportVersion


class StateChange(Immutable):
    """One transition of a report's state, never changed: who, when, from what to what, why, and the
    version it concerned (for 提交, the warnings and the unit's explanation of each)."""

    report = models.ForeignKey(Report, models.PROTECT, related_name="state_changes", verbose_name="报告")
    version = models.ForeignKey(ReportVersion, models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name="版本")
    action = models.CharField("操作", max_length=16)
    from_state = models.CharField("原状态", max_length=16)
    to_state = models.CharField("新状态", max_length=16)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="账号")
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    reason = models.TextField("理由", blank=True)
    details = models.JSONField("详情", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "状态变更"
        ordering = ["report", "-at", "-id"]
        indexes = [models.Index(fields=["report", "at"])]

    def __str__(self) -> str:
        return f"{self.report} {self.action_label} {self.from_label}→{self.to_label}"

    @property
    def action_label(self) -> str:
        from .states import ACTIONS

        return ACTIONS[self.action].label if self.action in ACTIONS else self.action

    @property
    def from_label(self) -> str:
        return Report.State(self.from_state).label

    @property
    def to_label(self) -> str:
        return Report.State(self.to_state).label


class Comment(models.Model):
    """A reviewer's comment at a place of the report: ``path`` is the form page's input name
    (``requests.received.natural``, ``overview.sections.2.text``) or ``""`` for the whole report;
    ``finding`` the code of the finding it is about, if any.  Closed by a reviewer only."""

    report = models.ForeignKey(Report, models.PROTECT, related_name="comments", verbose_name="报告")
    version = models.ForeignKey(ReportVersion, models.PROTECT, related_name="+", verbose_name="针对版本")
    path = models.CharField("位置", max_length=200, blank=True)
    label = models.CharField("位置名称", max_length=300, blank=True)
    finding = models.CharField("检查结果", max_length=64, blank=True)
    text = models.TextField("意见")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="审核人")
    created = models.DateTimeField("时间", auto_now_add=True)
    closed = models.DateTimeField("关闭时间", null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name="关闭人")
    closed_version = models.ForeignKey(ReportVersion, models.PROTECT, null=True, blank=True, related_name="+",
                                       verbose_name="关闭时的版本")

    class Meta:
        verbose_name = verbose_name_plural = "审核意见"
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.report} · {self.label or '整份报告'} · {self.text[:20]}"

    @property
    def is_open(self) -> bool:
        return self.closed is None


class Reply(Immutable):
    """The unit's answer to a comment, linked to the version that holds the fix."""

    comment = models.ForeignKey(Comment, models.PROTECT, related_name="replies", verbose_name="意见")
    version = models.ForeignKey(ReportVersion, models.PROTECT, related_name="+", verbose_name="修改后的版本")
    text = models.TextField("答复")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="答复人")
    created = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "答复"
        ordering = ["created", "id"]


class Publication(models.Model):
    """An approved version published: its rendered set (a done render job of that version), the
    time, and the manifest's SHA-256.  ``superseded`` is set when the report is reopened; the row
    stays (both versions remain visible)."""

    report = models.ForeignKey(Report, models.PROTECT, related_name="publications", verbose_name="报告")
    version = models.ForeignKey(ReportVersion, models.PROTECT, related_name="+", verbose_name="版本")
    job = models.ForeignKey(RenderJob, models.PROTECT, related_name="+", verbose_name="申报材料")
    published = models.DateTimeField("发布时间", auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                     verbose_name="发布人")
    manifest_sha256 = models.CharField("清单 SHA-256", max_length=64)
    superseded = models.DateTimeField("撤下时间（重新打开）", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "发布记录"
        ordering = ["report", "-published"]


class ReviewRun(models.Model):
    """``reportkit.review`` over a region's current versions for a year (in the background)."""

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "审查中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="地区")
    year = models.PositiveIntegerField("报告年度")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                     verbose_name="申请人")
    created = models.DateTimeField("申请时间", auto_now_add=True)
    finished = models.DateTimeField("完成时间", null=True, blank=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.QUEUED)
    message = models.TextField("说明", blank=True)
    #: {report id: {"version": n, "verdict", "errors", "warnings", "issues": [{check, severity, text}]}}
    results = models.JSONField("结果", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "地区审查"
        ordering = ["-created"]


class ExportRun(models.Model):
    """Every unit's current version of a region and year as one zip (JSON and Excel form), made
    in the background: a form takes ~0.1 s to write, a region of thousands minutes."""

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="地区")
    year = models.PositiveIntegerField("报告年度")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                     verbose_name="申请人")
    created = models.DateTimeField("申请时间", auto_now_add=True)
    finished = models.DateTimeField("完成时间", null=True, blank=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.QUEUED)
    message = models.TextField("说明", blank=True)
    reports = models.PositiveIntegerField("报告数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "导出"
        ordering = ["-created"]
