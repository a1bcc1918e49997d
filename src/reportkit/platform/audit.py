"""Writing the audit log: one :class:`~reportkit.platform.models.AuditEvent` per write."""

from __future__ import annotations

from .models import AuditEvent


def client_ip(request) -> str | None:
    """The address the request came from (REMOTE_ADDR: a reverse proxy in front is the office's to
    configure; X-Forwarded-For is not trusted)."""
    return request.META.get("REMOTE_ADDR") or None if request is not None else None


def record(request, action: str, obj=None, user=None, **details) -> AuditEvent:
    """Append an event: ``action`` (e.g. ``report.save``), the object it concerns and details."""
    user = user if user is not None else (getattr(request, "user", None) if request is not None else None)
    if user is not None and not user.is_authenticated:
        user = None
    return AuditEvent.objects.create(
        user=user, username=(user.get_username() if user else details.pop("username", "")),
        action=action, object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "", details=details, ip=client_ip(request))
