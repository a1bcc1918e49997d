"""The embedding API as documented: the README example runs; the validate path stays light."""

import os
import re
import subprocess
import sys

import pytest

import reportkit

from .conftest import ROOT


def test_readme_embedding_example_runs(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks, "README has no python example"
    code = blocks[0].replace('"examples/', f'"{ROOT.as_posix()}/examples/').replace('"out/yunxi"',
                                                                                   f'"{(tmp_path / "o").as_posix()}"')
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "manifest.json" in r.stdout and (tmp_path / "o" / "manifest.json").exists()


def test_validate_never_imports_the_renderers():
    code = ("import sys, reportkit; reportkit.validate(sys.argv[1]);"
            "from reportkit.cli.app import app\n"
            "try:\n    app(['validate', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('docxtpl', 'openpyxl', 'docx', 'lxml') if m in sys.modules))")
    r = subprocess.run([sys.executable, "-c", code, str(ROOT / "examples" / "xinyi-2020.json")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"


def test_public_api_surface():
    import reportkit
    for name in ("load", "validate", "render", "Report", "Finding", "ReportkitError", "ValidationFailed",
                 "TemplateError", "UnsafeTemplateError", "OutputExistsError", "RenderError", "ConverterMissing"):
        assert hasattr(reportkit, name), name
    for cls in (reportkit.ValidationFailed, reportkit.TemplateError, reportkit.OutputExistsError,
                reportkit.RenderError, reportkit.UsageError, reportkit.DataError):
        assert issubclass(cls, reportkit.ReportkitError)


def test_console_script_module_entry(tmp_path):
    r = subprocess.run([sys.executable, "-m", "reportkit", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and "reportkit" in r.stdout
    r = subprocess.run([sys.executable, "-m", "reportkit", "validate", str(tmp_path / "x.json")],
                       capture_output=True, text=True, env={**os.environ})
    assert r.returncode == 2 and "文件不存在" in r.stderr + r.stdout and "Traceback" not in r.stderr


def test_render_takes_the_template_limits(tmp_path, d2021):
    """The budget a template may use is one option of reportkit.render (the defaults are far above a
    real report; an embedder may tighten them)."""
    tiny = reportkit.TemplateLimits(seconds=10, memory=10_000)
    with pytest.raises(reportkit.TemplateError) as exc:
        reportkit.render(d2021, tmp_path / "out", formats=["docx"], limits=tiny)
    assert "report-2021.docx" in str(exc.value)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert reportkit.render(d2021, tmp_path / "ok", formats=["docx"]).paths
