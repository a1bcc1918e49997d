"""Reproducible Office files: one zip layout for the same content, whenever it is made.

Every Office file reportkit writes goes through :func:`zip_members`: its zip entries and the
core properties' created/modified dates are stamped with one fixed moment — ``SOURCE_DATE_EPOCH``
when set, else the report's publication date, else 1 January after the report year (:func:`build_time`);
:func:`normalise` rewrites a zip another library made (XlsxWriter's) the same way.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import struct
import zipfile
import zlib

from .characters import printable
from .errors import UsageError

_CORE_DATES = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")
#: what a zip entry's time can hold (MS-DOS date and time: 1980-01-01 to 2107-12-31 23:59:58)
ZIP_TIME_MIN = dt.datetime(1980, 1, 1)
ZIP_TIME_MAX = dt.datetime(2107, 12, 31, 23, 59, 58)
_EPOCH = dt.datetime(1970, 1, 1)
#: deflate level of every member: 1 costs half the time of 6 (0.6 ms a report against 1.3) for
#: files about 15 % larger (17 KB instead of 15 KB for a Word report)
COMPRESS_LEVEL = 1


def build_time(published: str | None = None, year: int | None = None) -> dt.datetime:
    """The moment stamped into the files: ``SOURCE_DATE_EPOCH`` (reproducible-builds.org: an
    integer count of seconds since 1970-01-01 UTC) when set, else the publication date (which
    the contract bounds to years a zip can hold), else 1 January of the year after the report
    ``year`` (a report is made after its year ends; a .docx dated 2000 said nothing true), else
    2000-01-01 (files that belong to no report year).

    Raises :class:`~reportkit.errors.UsageError` naming the variable when ``SOURCE_DATE_EPOCH``
    is not such an integer or falls outside what a zip entry's time can hold."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        lo, hi = (int((t - _EPOCH).total_seconds()) for t in (ZIP_TIME_MIN, ZIP_TIME_MAX))
        if not re.fullmatch(r"[0-9]{1,20}", epoch):
            raise UsageError(f"环境变量 SOURCE_DATE_EPOCH 应为整数秒数（自 1970-01-01 UTC 起），实为 “{printable(epoch[:40])}”；"
                             "不需要固定时间戳时请删除此变量")
        if not lo <= int(epoch) <= hi:
            raise UsageError(f"环境变量 SOURCE_DATE_EPOCH 超出 Office 文件（zip）可记录的时间范围："
                             f"应在 {lo}（{ZIP_TIME_MIN:%Y-%m-%d}）至 {hi}（{ZIP_TIME_MAX:%Y-%m-%d}）之间，实为 {epoch}")
        return _EPOCH + dt.timedelta(seconds=int(epoch))
    if published:
        when = dt.datetime.combine(dt.date.fromisoformat(published), dt.time())
        if not ZIP_TIME_MIN <= when <= ZIP_TIME_MAX:  # validation bounds it: a caller's bug
            raise ValueError(f"build_time needs a validated publication date, not {published!r}")
        return when
    if isinstance(year, int) and not isinstance(year, bool) and ZIP_TIME_MIN.year <= year < ZIP_TIME_MAX.year:
        return dt.datetime(year + 1, 1, 1)
    return dt.datetime(2000, 1, 1)


def normalise(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite an OOXML zip with fixed entry times and fixed core-property dates."""
    src = zipfile.ZipFile(io.BytesIO(data))
    return zip_members([(info.filename, src.read(info.filename)) for info in src.infolist()], when)


class SharedMembers:
    """The compressed form of a template's own members, made once: each file rendered from the
    template shares what it did not change (styles, theme, settings, footers …), so those are
    deflated once per template, not once per report.

    ``members`` maps each member name to the template's bytes; a member written with the same
    bytes is taken from here (bytes compare by length first: a changed member costs nothing)."""

    def __init__(self, members) -> None:
        self._members = dict(members)
        self._deflated: dict[str, tuple[int, bytes]] = {}

    def get(self, name: str, body: bytes) -> tuple[int, bytes] | None:
        """(CRC-32, deflated bytes) of ``body`` when it is the template's own member ``name``."""
        if self._members.get(name) != body:
            return None
        entry = self._deflated.get(name)
        if entry is None:
            entry = self._deflated[name] = _deflate(body)
        return entry


CORE_PROPERTIES = "docProps/core.xml"
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_DEFLATED, _VERSION, _MADE_BY = 8, 20, (3 << 8) | 20   # deflate; zip 2.0; made on Unix, zip 2.0
_UTF8_NAME = 0x800


def _deflate(body: bytes) -> tuple[int, bytes]:
    return zlib.crc32(body), zlib.compress(body, COMPRESS_LEVEL, wbits=-15)


def zip_members(members, when: dt.datetime, *, shared: SharedMembers | None = None) -> bytes:
    """An OOXML zip of ``(name, bytes)`` in that order, every entry stamped ``when`` and the
    core properties' created/modified dates set to ``when``: the bytes :func:`normalise` gives.
    ``shared``: the template's members already deflated (:class:`SharedMembers`).

    Written here rather than through :mod:`zipfile`, which cannot take data already
    compressed; the layout is the one zipfile writes (local headers, central directory, end
    record; no data descriptors, no zip64), but "made by" is Unix on every platform."""
    dos_date = (max(when.year, 1980) - 1980) << 9 | when.month << 5 | when.day
    dos_time = when.hour << 11 | when.minute << 5 | when.second // 2
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out, central = [], []
    offset = 0
    for name, body in members:
        if name == CORE_PROPERTIES:
            body = _CORE_DATES.sub(lambda m: m.group(1) + stamp + m.group(3), body)
        crc, data = (shared.get(name, body) if shared is not None else None) or _deflate(body)
        try:
            raw, flags = name.encode("ascii"), 0
        except UnicodeEncodeError:
            raw, flags = name.encode("utf-8"), _UTF8_NAME
        if len(body) > 0xFFFFFFFF or len(data) > 0xFFFFFFFF or offset > 0xFFFFFFFF or len(central) >= 0xFFFF:
            raise ValueError("an OOXML package this large is not a report")
        out += (_LOCAL.pack(0x04034B50, _VERSION, flags, _DEFLATED, dos_time, dos_date, crc, len(data), len(body),
                            len(raw), 0), raw, data)
        central.append(_CENTRAL.pack(0x02014B50, _MADE_BY, _VERSION, flags, _DEFLATED, dos_time, dos_date, crc,
                                     len(data), len(body), len(raw), 0, 0, 0, 0, 0o600 << 16, offset) + raw)
        offset += _LOCAL.size + len(raw) + len(data)
    directory = b"".join(central)
    out += (directory, _END.pack(0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0))
    return b"".join(out)
