from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reportkit.cli import app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
XINYI = EXAMPLES / "xinyi-2020.json"
YUNXI = EXAMPLES / "yunxi-zrzyj-2021.json"

_cache: dict[Path, dict] = {}


@pytest.fixture(autouse=True, scope="session")
def _private_template_cache(tmp_path_factory):
    """Prepared Word templates go to a folder of this test run, not the user's cache folder."""
    import os

    os.environ["REPORTKIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("template-cache"))
    yield
    os.environ.pop("REPORTKIT_CACHE_DIR", None)


def example(path: Path) -> dict:
    if path not in _cache:
        _cache[path] = json.loads(path.read_text(encoding="utf-8"))
    return copy.deepcopy(_cache[path])


@pytest.fixture
def d2019() -> dict:
    return example(XINYI)


@pytest.fixture
def d2021() -> dict:
    return example(YUNXI)


@pytest.fixture
def write(tmp_path):
    """write(data, name="r.json") → path of a JSON file holding data (dict, str or bytes)."""
    def _write(data, name="report.json"):
        p = tmp_path / name
        if isinstance(data, bytes):
            p.write_bytes(data)
        elif isinstance(data, str):
            p.write_text(data, encoding="utf-8")
        else:
            p.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        return p
    return _write


class Result:
    def __init__(self, r):
        self.exit_code = r.exit_code
        self.stdout = r.stdout
        self.stderr = r.stderr if r.stderr_bytes is not None else ""
        self.output = self.stdout + self.stderr

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture
def cli():
    runner = CliRunner()

    def _run(*args):
        r = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
        return Result(r)
    return _run


def soffice_available() -> bool:
    from reportkit.engines.pdf import find_soffice

    return find_soffice() is not None and shutil.which("pdftotext") is not None


needs_libreoffice = pytest.mark.skipif(not soffice_available(),
                                       reason="LibreOffice (soffice) or pdftotext is not installed")
