"""ruff, with the project's configuration ([tool.ruff] in pyproject.toml), passes the source, the
tests, the benchmarks and the tools, and does report what it is there to catch."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

PATHS = ("src", "tests", "bench", "tools")


def _ruff(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=cwd, capture_output=True, text=True)


def test_ruff_passes_the_code():
    r = _ruff("check", "--no-cache", "--output-format", "concise", *PATHS)
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_uses_the_project_rules(tmp_path):
    """The configuration is the one read: an unused import and an undefined name are reported by
    code (F401, F821) with their file and line, a long line is not (E501 is not selected)."""
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n\n\ndef f():\n    return undefined_name  # " + "x" * 150 + "\n", encoding="utf-8")
    r = _ruff("check", "--no-cache", "--output-format", "concise", "--config", str(ROOT / "pyproject.toml"), str(bad))
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert any(line.startswith(f"{bad}:1:8: F401") for line in lines), r.stdout
    assert any(line.startswith(f"{bad}:5:12: F821") for line in lines), r.stdout
    assert "E501" not in r.stdout


def test_ruff_reports_a_function_over_complexity_15(tmp_path):
    """mccabe (C90) is on with a limit of 15 (issue 19 item 6): a function of complexity 16 is
    reported with its name and complexity, one of 15 is not."""
    def function(name: str, branches: int) -> str:
        body = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(branches))
        return f"def {name}(x):\n{body}    return -1\n"

    src = tmp_path / "branches.py"
    text = function("fifteen", 14) + "\n\n" + function("sixteen", 15)
    src.write_text(text, encoding="utf-8")
    line = text.splitlines().index("def sixteen(x):") + 1
    r = _ruff("check", "--no-cache", "--output-format", "concise", "--config", str(ROOT / "pyproject.toml"), str(src))
    assert r.returncode == 1
    complex_ = [out for out in r.stdout.splitlines() if " C901 " in out]
    assert complex_ == [f"{src}:{line}:5: C901 `sixteen` is too complex (16 > 15)"], r.stdout
