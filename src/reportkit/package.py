"""Reproducible Office files: one zip layout for the same content, whenever it is made.

python-docx stamps zip entries with the current time and openpyxl writes ``modified = now``
into docProps/core.xml; both are rewritten here to a fixed moment — ``SOURCE_DATE_EPOCH``
when set, else the report's publication date, else 2000-01-01.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile

_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def build_time(published: str | None = None) -> dt.datetime:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).replace(tzinfo=None)
    if published:
        try:
            return dt.datetime.combine(dt.date.fromisoformat(published), dt.time())
        except ValueError:
            pass
    return dt.datetime(2000, 1, 1)


def normalise(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite an OOXML zip with fixed entry times and fixed core-property dates."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    src = zipfile.ZipFile(io.BytesIO(data))
    members = []
    for info in src.infolist():
        body = src.read(info.filename)
        if info.filename == "docProps/core.xml":
            body = _CORE_DATES.sub(lambda m: m.group(1) + stamp + m.group(3), body)
        members.append((info.filename, body))
    return zip_members(members, when)


def zip_members(members, when: dt.datetime) -> bytes:
    """An OOXML zip of ``(name, bytes)`` in that order, every entry stamped ``when``."""
    date_time = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, body in members:
            zi = zipfile.ZipInfo(name, date_time=date_time)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body, compresslevel=6)
    return out.getvalue()
