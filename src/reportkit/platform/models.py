"""The platform's data: regions (a tree), units, who does what, reports, their immutable versions,
the append-only audit log, background renders and login failures.

Nothing is overwritten in place: a report's data lives only in :class:`ReportVersion` rows, each
saved once and never changed (the current data is the version with the highest number); a save
names the version it was based on, and the unique (report, number) pair makes a second save on
the same base fail instead of overwriting the first (see :func:`reportkit.platform.versions.save_version`).
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import models

from reportkit.contract import official as contract


class Immutable(models.Model):
    """A row written once: saving it again or deleting it is refused."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} 一经保存不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} 不可删除")


class Region(models.Model):
    """An administrative division; ``parent`` makes the tree (省 › 市 › 县 …)."""

    name = models.CharField("地区名称", max_length=100)
    code = models.CharField("区划代码", max_length=32, blank=True)
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name="上级地区")

    class Meta:
        verbose_name = verbose_name_plural = "地区"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def subtree_ids(self) -> set[int]:
        """This region's id and those of every region below it."""
        ids, frontier = {self.pk}, [self.pk]
        while frontier:
            frontier = list(Region.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
            frontier = [i for i in frontier if i not in ids]
            ids.update(frontier)
        return ids


class Unit(models.Model):
    """A unit that reports (a department, a 乡镇, or a government's own report when ``rollup``)."""

    name = models.CharField("单位名称", max_length=200)
    agency_id = models.CharField("单位标识", max_length=64, blank=True,
                                 help_text="统一社会信用代码等稳定标识，用于跨年度配对")
    region = models.ForeignKey(Region, models.PROTECT, related_name="units", verbose_name="所在地区")
    rollup = models.BooleanField("汇总报告", default=False, help_text="本级政府的年度报告（数据覆盖整个地区）")

    class Meta:
        verbose_name = verbose_name_plural = "单位"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["agency_id"], condition=~models.Q(agency_id=""),
                                               name="unit_agency_id_unique",
                                               violation_error_message="已有单位使用这个单位标识")]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A role of an account: clerk (填报人) of one unit, or reviewer (审核人) of a region and the
    regions below it.  Administrators are Django superusers."""

    CLERK, REVIEWER = "clerk", "reviewer"
    ROLES = [(CLERK, "填报人"), (REVIEWER, "审核人")]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="memberships",
                             verbose_name="账号")
    role = models.CharField("角色", max_length=16, choices=ROLES)
    unit = models.ForeignKey(Unit, models.CASCADE, null=True, blank=True, related_name="memberships",
                             verbose_name="单位（填报人）")
    region = models.ForeignKey(Region, models.CASCADE, null=True, blank=True, related_name="memberships",
                               verbose_name="地区（审核人，含下级）")

    class Meta:
        verbose_name = verbose_name_plural = "角色"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(role="clerk", unit__isnull=False, region__isnull=True)
                           | models.Q(role="reviewer", region__isnull=False, unit__isnull=True)),
                name="membership_role_scope",
                violation_error_message="填报人须选择单位（不选地区）；审核人须选择地区（不选单位）"),
            models.UniqueConstraint(fields=["user", "role", "unit", "region"], name="membership_unique",
                                    violation_error_message="这个账号已有这个角色"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit or self.region}"


class Report(models.Model):
    """A unit's report for a year.  Its data is in its versions; ``state`` is the workflow state
    (草稿 only for now; the office's workflow adds 已提交/退回修改/已通过/已发布)."""

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "已提交"
        RETURNED = "returned", "退回修改"
        APPROVED = "approved", "已通过"
        PUBLISHED = "published", "已发布"

    #: states in which the unit may still change the data
    EDITABLE = (State.DRAFT, State.RETURNED)

    unit = models.ForeignKey(Unit, models.PROTECT, related_name="reports", verbose_name="单位")
    year = models.PositiveIntegerField("报告年度")
    edition = models.CharField("格式版本", max_length=8, editable=False)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.DRAFT)
    created = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "年度报告"
        ordering = ["-year", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="report_unit_year_unique",
                                               violation_error_message="这个单位这一年度的报告已经存在")]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.year} 年度"

    def save(self, *args, **kwargs):
        self.edition = contract.edition_for(self.year)
        super().save(*args, **kwargs)

    @property
    def editable(self) -> bool:
        return self.state in self.EDITABLE

    def current(self) -> "ReportVersion | None":
        return self.versions.order_by("-number").first()


class ReportVersion(Immutable):
    """One saved state of a report's data, never changed: the JSON text exactly as saved."""

    class Source(models.TextChoices):
        NEW = "new", "新建"
        TYPED = "typed", "在线填写"
        FORM = "form", "上传填报表单"
        IMPORTED = "imported", "导入已发布的报告"
        CARRIED = "carried", "沿用上一年度"

    report = models.ForeignKey(Report, models.PROTECT, related_name="versions", verbose_name="报告")
    number = models.PositiveIntegerField("版本号")
    parent = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="children",
                               verbose_name="基于版本")
    data_json = models.TextField("数据（JSON）")
    sha256 = models.CharField("SHA-256", max_length=64)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="作者")
    created = models.DateTimeField("保存时间", auto_now_add=True)
    source = models.CharField("来源", max_length=16, choices=Source.choices)
    source_name = models.CharField("来源文件", max_length=255, blank=True)
    errors = models.PositiveIntegerField("错误数", default=0)
    warnings = models.PositiveIntegerField("警告数", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "报告版本"
        ordering = ["report", "-number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="version_report_number_unique")]

    def __str__(self) -> str:
        return f"{self.report} 第 {self.number} 版"

    @property
    def data(self) -> dict:
        return json.loads(self.data_json)

    @staticmethod
    def encode(data: dict) -> tuple[str, str]:
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


class AuditEvent(Immutable):
    """An append-only record of every write: who, when, what, on which object, from which address."""

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name="账号")
    username = models.CharField("账号名", max_length=150, blank=True)
    action = models.CharField("操作", max_length=64)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象", max_length=64, blank=True)
    details = models.JSONField("详情", default=dict, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.object_type}:{self.object_id}"


class RenderJob(models.Model):
    """A background render of one version into ``<data>/renders/<report>/<version>/``."""

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    version = models.ForeignKey(ReportVersion, models.PROTECT, related_name="renders", verbose_name="版本")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+",
                                     verbose_name="申请人")
    created = models.DateTimeField("申请时间", auto_now_add=True)
    started = models.DateTimeField("开始时间", null=True, blank=True)
    finished = models.DateTimeField("完成时间", null=True, blank=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.QUEUED)
    step = models.CharField("进度", max_length=100, blank=True)
    message = models.TextField("说明", blank=True)
    #: the manifest's outputs once done: [{"name", "format", "size", "sha256"}]
    outputs = models.JSONField("文件", default=list, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "生成任务"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.version} 生成（{self.get_state_display()}）"


class LoginFailure(models.Model):
    """A failed login, counted per user name and address to throttle guessing (no extra service)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "登录失败记录"
