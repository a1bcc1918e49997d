"""Details of the Word report an office would notice (issue 21 item 8): what its properties say
and when it is dated.  (Page-number position and 表三's start: tests/test_typesetting.py.)"""

from __future__ import annotations

import datetime as dt

import docx
import pytest

import reportkit

from .conftest import XINYI, YUNXI, example


def core_of(data: dict, out) -> "docx.opc.coreprops.CoreProperties":
    result = reportkit.render(data, out, formats=["docx"])
    (path,) = [p for p in result.paths if p.suffix == ".docx"]
    return docx.Document(str(path)).core_properties


@pytest.mark.parametrize("source, edition", [(XINYI, "2019"), (YUNXI, "2021")])
def test_subject_names_the_report_not_a_template(source, edition, tmp_path):
    core = core_of(example(source), tmp_path / "out")
    assert core.subject == f"政府信息公开工作年度报告（{edition}年版格式）"
    assert "模板" not in core.subject + core.title


def test_a_report_without_a_date_is_dated_after_its_year(tmp_path, monkeypatch):
    """Once every undated report said 2000-01-01: the first day after the report year instead."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    data = example(XINYI)
    assert "published" not in data
    core = core_of(data, tmp_path / "out")
    assert core.created == core.modified == dt.datetime(2021, 1, 1, tzinfo=core.created.tzinfo)


def test_the_publication_date_and_source_date_epoch_still_come_first(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    core = core_of(example(YUNXI), tmp_path / "a")
    assert core.created.date() == dt.date(2022, 1, 20)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    data = example(XINYI)
    core = core_of(data, tmp_path / "b")
    assert core.created.replace(tzinfo=None) == dt.datetime(1970, 1, 1) + dt.timedelta(seconds=1700000000)
