"""The Django admin, for administrators: regions, units, accounts and roles; versions and the
audit log are shown read-only (they are never changed)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from . import audit
from .models import AuditEvent, LoginFailure, Membership, Region, RenderJob, Report, ReportVersion, Unit

admin.site.site_header = admin.site.site_title = "年度报告填报平台 · 管理"
admin.site.index_title = "管理"


class Audited(admin.ModelAdmin):
    """Every change made in the admin (a password change included) is also an event of the
    audit log, with the address: the admin's own log entries are hooked, not replaced."""

    def log_addition(self, request, obj, message):
        audit.record(request, "admin.add", obj, shown=str(obj), change=_text(message))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        audit.record(request, "admin.change", obj, shown=str(obj), change=_text(message))
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:  # called before the deletion: the objects still have their ids
            audit.record(request, "admin.delete", obj, shown=str(obj))
        return super().log_deletions(request, queryset)


def _text(message) -> str:
    import json

    return message if isinstance(message, str) else json.dumps(message, ensure_ascii=False, default=str)


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(Audited, UserAdmin):
    pass


@admin.register(Region)
class RegionAdmin(Audited):
    list_display = ("name", "code", "parent")
    search_fields = ("name", "code")


@admin.register(Unit)
class UnitAdmin(Audited):
    list_display = ("name", "agency_id", "region", "rollup")
    list_filter = ("rollup",)
    search_fields = ("name", "agency_id")


@admin.register(Membership)
class MembershipAdmin(Audited):
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
class ReportAdmin(Audited):
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
