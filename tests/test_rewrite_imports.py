"""tools/rewrite_imports.py gives code written against the old flat layout the new module names:
what the lead runs on a branch begun before the moves (the platform app, new tests)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

TOOL = ROOT / "tools" / "rewrite_imports.py"

OLD_VIEW = '''"""A view of the platform, written before the moves."""
from .. import contract as c, layout
from ..engines.docx import render_docx
from ..filing import RenderResult, render
from ..validation import validate
from . import forms


def page(report):
    from ..readback import verify_docx  # noqa: F401
    return c, layout, render_docx, RenderResult, render, validate, forms
'''
NEW_VIEW = '''"""A view of the platform, written before the moves."""
from ..contract import official as c, tables as layout
from ..writing.docx import render_docx
from ..filing.set import RenderResult, render
from ..validation.checks import validate
from . import forms


def page(report):
    from ..filing.guard import verify_docx  # noqa: F401
    return c, layout, render_docx, RenderResult, render, validate, forms
'''
OLD_TEST = '''import reportkit.engines.xlsx as x
from reportkit import layout, load
from reportkit.cli import app


def test_it(monkeypatch):
    monkeypatch.setattr("reportkit.filing.render", None)
    return x, layout, load, app, "reportkit.render"
'''
NEW_TEST = '''import reportkit.writing.xlsx as x
from reportkit.contract import tables as layout
from reportkit import load
from reportkit.cli.app import app


def test_it(monkeypatch):
    monkeypatch.setattr("reportkit.filing.set.render", None)
    return x, layout, load, app, "reportkit.render"
'''


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(TOOL), *args], capture_output=True, text=True)


def test_old_imports_get_the_new_names(tmp_path):
    src = tmp_path / "src"
    view = src / "reportkit" / "platform" / "views.py"
    view.parent.mkdir(parents=True)
    view.write_text(OLD_VIEW, encoding="utf-8")
    test = tmp_path / "test_platform.py"
    test.write_text(OLD_TEST, encoding="utf-8")

    r = _run("--check", "--src", str(src), str(src), str(test))
    assert r.returncode == 1 and r.stdout.split() == [str(view), str(test)], r.stdout + r.stderr
    assert view.read_text(encoding="utf-8") == OLD_VIEW  # --check writes nothing

    r = _run("--src", str(src), str(src), str(test))
    assert r.returncode == 0, r.stderr
    assert view.read_text(encoding="utf-8") == NEW_VIEW
    assert test.read_text(encoding="utf-8") == NEW_TEST


def test_the_new_names_import():
    """Every name the rewritten code imports is where the tool says it is now."""
    from reportkit.cli.app import app
    from reportkit.contract import official, tables
    from reportkit.filing.guard import verify_docx
    from reportkit.filing.set import RenderResult, render
    from reportkit.validation.checks import validate
    from reportkit.writing.docx import render_docx

    assert all((app, official, tables, verify_docx, RenderResult, render, validate, render_docx))
    assert tables.tables and official.__name__ == "reportkit.contract.official"
