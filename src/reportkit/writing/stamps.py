"""Reproducible Office files: one zip layout for the same content, whenever it is made.

Every Office file reportkit writes goes through :func:`~reportkit.ooxml.write.zip_members`
(the zip writer lives in :mod:`reportkit.ooxml.write`; its names are kept here): its zip entries
and the core properties' created/modified dates are stamped with one fixed moment —
``SOURCE_DATE_EPOCH`` when set, else the report's publication date, else 1 January after the
report year (:func:`build_time`).
"""

from __future__ import annotations

import datetime as dt
import os
import re

from ..contract.characters import printable
from ..errors import UsageError
from ..ooxml.write import COMPRESS_LEVEL, CORE_PROPERTIES, SharedMembers, normalise, zip_members  # noqa: F401

#: what a zip entry's time can hold (MS-DOS date and time: 1980-01-01 to 2107-12-31 23:59:58)
ZIP_TIME_MIN = dt.datetime(1980, 1, 1)
ZIP_TIME_MAX = dt.datetime(2107, 12, 31, 23, 59, 58)
_EPOCH = dt.datetime(1970, 1, 1)


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
