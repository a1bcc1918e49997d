"""The wheel carries the schema and the templates: install it elsewhere and use it."""

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out),
                        str(ROOT)], capture_output=True, text=True)
    if r.returncode != 0:  # hatchling not importable here: let pip fetch it in an isolated build
        r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(ROOT)],
                           capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    return next(out.glob("reportkit-*.whl"))


def test_wheel_contains_schema_and_templates(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for n in ("reportkit/_data/schema/report.schema.json",
              "reportkit/_data/templates/docx/report-2019.docx", "reportkit/_data/templates/docx/report-2021.docx",
              "reportkit/_data/templates/xlsx/report-2019.xlsx", "reportkit/_data/templates/xlsx/report-2021.xlsx"):
        assert n in names


def test_wheel_holds_every_package_and_the_font_configuration(wheel):
    """The layers' packages (an __init__.py each) and the PDF engine's fonts.conf beside it."""
    names = set(zipfile.ZipFile(wheel).namelist())
    src = ROOT / "src"
    for path in (src / "reportkit").rglob("*"):
        if path.suffix in (".py", ".conf") and "__pycache__" not in path.parts:
            assert path.relative_to(src).as_posix() in names
    assert "reportkit/writing/fonts.conf" in names and "reportkit/cli/__init__.py" in names


def test_installed_wheel_validates_and_renders_from_elsewhere(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    py = bindir / "python"
    # The dependencies come from the environment running the tests -- a virtualenv as the README
    # sets it up, or the system -- made visible by a .pth line (no network needed).  A .pth line
    # only adds a folder: the .pth files inside it (the editable install of this checkout) are not
    # processed, so the only reportkit the new venv can import is the wheel's.
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    outer = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    Path(site, "outer-deps.pth").write_text("\n".join(sorted(outer)) + "\n", encoding="utf-8")
    r = subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    work = tmp_path / "work"
    work.mkdir()
    for f in EXAMPLES.glob("*.json"):
        shutil.copy(f, work / f.name)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    where = subprocess.run([str(py), "-c", "import reportkit.resources as r; print(r.data_dir('templates'))"],
                           cwd=work, capture_output=True, text=True, env=env)
    assert str(env_dir) in where.stdout, where.stdout + where.stderr  # the wheel's copy, not the checkout
    exe = bindir / "reportkit"
    r = subprocess.run([str(exe), "validate", *sorted(p.name for p in work.glob("*.json"))], cwd=work,
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    r = subprocess.run([str(exe), "render", "xinyi-2020.json", "--formats", "docx,xlsx"], cwd=work,
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(list((work / "xinyi-2020").glob("*.docx"))) == 1


def test_wheel_contains_the_platform_package_data(wheel):
    """reportkit serve needs its templates, vendored scripts and styles, and migrations."""
    names = set(zipfile.ZipFile(wheel).namelist())
    src = ROOT / "src" / "reportkit" / "platform"
    shipped = [p for p in src.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert any(p.suffix == ".html" for p in shipped) and any(p.suffix == ".js" for p in shipped)
    for p in shipped:
        assert "reportkit/platform/" + p.relative_to(src).as_posix() in names, p
