"""The workflow's records in the admin: read only (changed only through the workflow's pages)."""

from django.contrib import admin

from ..admin import ReadOnly
from .models import Comment, ExportRun, Publication, Reply, ReviewRun, StateChange


@admin.register(StateChange)
class StateChangeAdmin(ReadOnly):
    list_display = ("at", "report", "action_label", "from_label", "to_label", "user", "reason")
    list_filter = ("action",)
    search_fields = ("report__unit__name", "reason")


@admin.register(Comment)
class CommentAdmin(ReadOnly):
    list_display = ("created", "report", "label", "text", "author", "closed")


@admin.register(Reply)
class ReplyAdmin(ReadOnly):
    list_display = ("created", "comment", "text", "author")


@admin.register(Publication)
class PublicationAdmin(ReadOnly):
    list_display = ("published", "report", "version", "manifest_sha256", "superseded")


@admin.register(ReviewRun)
class ReviewRunAdmin(ReadOnly):
    list_display = ("created", "region", "year", "state", "message")


@admin.register(ExportRun)
class ExportRunAdmin(ReadOnly):
    list_display = ("created", "region", "year", "state", "reports")
