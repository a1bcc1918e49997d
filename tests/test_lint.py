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
