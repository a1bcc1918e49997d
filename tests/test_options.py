"""One RenderOptions from the edge to the filing set (issue 19, items 3 and 4): the template
limits reach a batch's workers, ``reportkit.render`` takes ``options=``, a report is loaded and
validated once per render, and each rendered file is read back and hashed from memory."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

import reportkit
from reportkit import RenderOptions
from reportkit.limits import TemplateLimits

from .conftest import XINYI, YUNXI

FIG = ("docx", "xlsx")


def test_render_options_are_frozen_normalised_and_exported():
    o = RenderOptions(formats=["xlsx", "docx", "xlsx"])
    assert o.formats == ("xlsx", "docx") and o.wait == 60.0 and o.limits == TemplateLimits()
    with pytest.raises(Exception):
        o.force = True   # frozen
    with pytest.raises(ValueError, match="unknown formats"):
        RenderOptions(formats=("doc",))
    assert RenderOptions.of(o, force=True).force and not o.force
    assert RenderOptions.of(o, force=None) is o
    from reportkit.filing import staging
    from reportkit.filing.options import LOCK_WAIT

    assert staging.LOCK_WAIT is LOCK_WAIT   # the 60 s wait, defined once


def test_render_takes_options_and_keywords_laid_over_them(tmp_path):
    res = reportkit.render(YUNXI, tmp_path / "a", options=RenderOptions(formats=("xlsx",)))
    assert [p.suffix for p in res.paths] == [".xlsx", ".json"]
    res = reportkit.render(YUNXI, tmp_path / "b", options=RenderOptions(formats=("xlsx",)), formats=["docx"])
    assert [p.suffix for p in res.paths] == [".docx", ".json"]


def _greedy_html_set(tmp_path: Path, cli) -> Path:
    tpl = tmp_path / "tpl"
    assert cli("templates", "export", tpl).exit_code == 0
    for html in (tpl / "html").glob("*.html"):
        html.write_text('{% set big = "x" * 200000 %}' + html.read_text(encoding="utf-8"), encoding="utf-8")
    return tpl


def test_template_memory_limit_reaches_every_report_of_a_batch(tmp_path, cli):
    """``--template-memory 1`` stops a template that builds 200 kB (charged far more), in each worker of a batch;
    the default limit (128 MB) lets it render."""
    tpl = _greedy_html_set(tmp_path, cli)
    files = []
    for src in (XINYI, YUNXI):
        files.append(tmp_path / src.name)
        shutil.copy(src, files[-1])
    r = cli("render", *files, "-o", tmp_path / "out", "--formats", "html", "--templates", tpl, "--jobs", "2",
            "--template-memory", "1", "--json")
    assert r.exit_code == 1, r.output
    rows = json.loads(r.output)["files"]
    assert len(rows) == 2 and all("内存限制（1 MB）" in row["error"]["message"] for row in rows), rows
    r = cli("render", *files, "-o", tmp_path / "out2", "--formats", "html", "--templates", tpl, "--jobs", "2", "--json")
    assert r.exit_code == 0, r.output


def test_a_report_is_loaded_and_validated_once_and_files_read_back_from_memory(tmp_path, monkeypatch):
    from reportkit.filing import batch, set as filing
    from reportkit import loading
    from reportkit.validation import checks as validation

    calls = {"load": 0, "parse": 0, "validate": 0, "reads": []}
    real_parse, real_validate = loading._parse, validation.validate

    def parse(*a, **k):
        calls["parse"] += 1
        return real_parse(*a, **k)

    def validate(*a, **k):
        calls["validate"] += 1
        return real_validate(*a, **k)
    monkeypatch.setattr(loading, "_parse", parse)
    monkeypatch.setattr(filing, "validate", validate)
    real_read = Path.read_bytes

    def read_bytes(self):
        if (tmp_path / "out") in self.parents:   # a rendered file (staged or in place)
            calls["reads"].append(self.name)
        return real_read(self)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    src = tmp_path / "2021.json"
    shutil.copy(YUNXI, src)
    [outcome] = batch.render_many([src], tmp_path / "out", RenderOptions(formats=FIG + ("html",)))
    assert outcome.ok, outcome.error
    assert calls["parse"] == 1 and calls["validate"] == 1
    assert calls["reads"] == []   # the read-back guard and the manifest use the bytes as rendered
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["outputs"]:
        data = real_read(tmp_path / "out" / entry["name"])
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["size"] == len(data)
