"""The Django admin, for administrators: regions, units, accounts and roles; versions and the
audit log are shown read-only (they are never changed)."""

from django.contrib import admin

from .models import AuditEvent, LoginFailure, Membership, Region, RenderJob, Report, ReportVersion, Unit

admin.site.site_header = admin.site.site_title = "年度报告填报平台 · 管理"
admin.site.index_title = "管理"


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "parent")
    search_fields = ("name", "code")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "agency_id", "region", "rollup")
    list_filter = ("rollup",)
    search_fields = ("name", "agency_id")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "unit", "region")
    list_filter = ("role",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("unit", "year", "edition", "state")
    list_filter = ("year", "state")

    def get_readonly_fields(self, request, obj=None):
        # a report's unit and year (hence its edition) are fixed once it has versions
        return ("edition",) if obj is None else ("unit", "year", "edition")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReportVersion)
class ReportVersionAdmin(ReadOnly):
    list_display = ("report", "number", "author", "created", "source", "errors", "warnings")
    list_filter = ("source",)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnly):
    list_display = ("at", "username", "action", "object_type", "object_id", "ip")
    list_filter = ("action",)
    search_fields = ("username", "object_id")


@admin.register(RenderJob)
class RenderJobAdmin(ReadOnly):
    list_display = ("version", "state", "created", "finished")


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnly):
    list_display = ("username", "ip", "at")
