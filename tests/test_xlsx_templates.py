"""The committed filing-set Excel templates are what their builder makes from the layout."""

from __future__ import annotations

import shutil
import subprocess
import sys

from .conftest import ROOT

BUILDER = ROOT / "tools" / "build_xlsx_templates.py"


def _check(out=None):
    args = [sys.executable, str(BUILDER), "--check"] + (["--out", str(out)] if out else [])
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def test_committed_templates_match_the_builder():
    r = _check()
    assert r.returncode == 0, r.stderr


def test_check_catches_a_stale_template(tmp_path):
    shutil.copytree(ROOT / "templates" / "xlsx", tmp_path, dirs_exist_ok=True)
    (tmp_path / "report-2019.xlsx").write_bytes((tmp_path / "report-2019.xlsx").read_bytes() + b"\0")
    r = _check(tmp_path)
    assert r.returncode == 1 and "report-2019.xlsx" in r.stderr and "report-2021.xlsx" not in r.stderr
