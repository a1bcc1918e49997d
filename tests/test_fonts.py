"""The official faces in the PDF (issue 21.1): `reportkit fonts` lists the file used for each and
whether it is a substitute; `fonts install` installs an office's font files per user and refuses
what is not a font; `render` says every time which faces were substituted, and `--fonts strict`
writes nothing then; the free stand-ins are the heavier faces (the title in Noto Serif CJK SC
Black), as the PDF's embedded fonts show."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .conftest import YUNXI, needs_libreoffice
from .processes import reportkit_cmd

pytestmark = pytest.mark.skipif(shutil.which("fc-match") is None or shutil.which("fc-query") is None,
                                reason="fontconfig (fc-match, fc-query) is not installed")

OFFICIAL = ["仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体", "Times New Roman"]
#: a free font that a test renames to 仿宋_GB2312 (Debian's fonts-arphic-gbsn00lp)
FREE_FONT = Path("/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf")
#: the PostScript name the renamed copy carries, to find it among the PDF's fonts
TEST_PS_NAME = "ReportkitTestFangSongGB2312"


def _env(home: Path) -> dict:
    """A user of their own: fonts installed for this user go under ``home`` (XDG folders)."""
    return {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
            "XDG_CACHE_HOME": str(home / "cache"), "COLUMNS": "200"}


def _run(*args, env):
    return subprocess.run(reportkit_cmd(*args), capture_output=True, text=True, timeout=300, env=env)


def _faces(env) -> dict:
    r = _run("fonts", "--json", env=env)
    assert r.returncode == 0, r.stderr
    return {f["family"]: f for f in json.loads(r.stdout)["faces"]}


def _fangsong(folder: Path) -> Path:
    """A font file named 仿宋_GB2312: the free AR PL SungtiL GB renamed with fontTools (family
    仿宋_GB2312, PostScript name :data:`TEST_PS_NAME`), as an office's own font file is named."""
    from fontTools.ttLib import TTFont

    font = TTFont(FREE_FONT)
    name = font["name"]
    name.names = [n for n in name.names if n.nameID not in (1, 3, 4, 6, 16, 17)]
    for platform, encoding, lang in ((3, 1, 0x409), (3, 1, 0x804)):
        for name_id, value in ((1, "仿宋_GB2312"), (4, "仿宋_GB2312"), (3, TEST_PS_NAME), (6, TEST_PS_NAME)):
            name.setName(value, name_id, platform, encoding, lang)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "仿宋_GB2312.ttf"
    font.save(path)
    return path


def test_fonts_lists_every_official_face_with_its_file_and_whether_it_is_a_substitute(tmp_path):
    env = _env(tmp_path)
    faces = _faces(env)
    assert list(faces) == OFFICIAL
    for family, f in faces.items():
        assert f["file"] and Path(f["file"]).is_file(), f
        assert f["substitute"] is True, f  # this machine has none of the official faces
    r = _run("fonts", env=env)
    assert r.returncode == 0, r.stderr
    for family in OFFICIAL:
        assert f"{family}（" in r.stdout and "替代字体" in r.stdout
    assert "reportkit fonts install" in r.stdout


def test_the_free_stand_ins_are_the_heavier_faces(tmp_path):
    """The title's stand-in is a heavy serif and 黑体's a medium sans (fonts-noto-cjk-extra),
    楷体 stays AR PL KaitiM GB, Times New Roman is the metric-compatible Liberation Serif."""
    faces = _faces(_env(tmp_path))
    assert faces["方正小标宋简体"]["used"] == "Noto Serif CJK SC Black"
    assert faces["方正小标宋简体"]["file"].endswith("NotoSerifCJK-Black.ttc")
    assert faces["黑体"]["used"] == "Noto Sans CJK SC Medium"
    assert faces["楷体_GB2312"]["used"] == "AR PL KaitiM GB"
    assert faces["仿宋_GB2312"]["used"] == "Noto Serif CJK SC"
    assert faces["Times New Roman"]["used"] == "Liberation Serif"


def test_install_refuses_a_file_that_is_not_a_font_and_installs_nothing(tmp_path):
    env = _env(tmp_path / "home")
    office = tmp_path / "office"
    office.mkdir()
    (office / "SIMFANG.TTF").write_bytes(b"not a font at all\n" * 10)
    shutil.copy(FREE_FONT, office / "gbsn00lp.ttf")
    r = _run("fonts", "install", office, env=env)
    assert r.returncode == 2, r.stdout
    assert "SIMFANG.TTF" in r.stderr and "不是字体文件" in r.stderr and "未安装任何字体" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "home" / "data" / "fonts").exists()
    r = _run("fonts", "install", tmp_path / "nosuch", env=env)
    assert r.returncode == 2 and "不存在" in r.stderr, r.stderr
    (tmp_path / "empty").mkdir()
    r = _run("fonts", "install", tmp_path / "empty", env=env)
    assert r.returncode == 2 and "没有字体文件" in r.stderr and str(tmp_path / "empty") in r.stderr, r.stderr


@pytest.mark.slow  # the sample PDF starts LibreOffice
@pytest.mark.skipif(not FREE_FONT.exists(), reason="fonts-arphic-gbsn00lp is not installed")
def test_an_installed_office_font_is_then_the_real_face(tmp_path):
    """An office's 仿宋_GB2312 file installed for this user (no root): `fonts` then reports the
    real face from the user's font folder; the other faces are still substitutes; a folder's
    other files are listed as not installed; the sample PDF printed in 仿宋_GB2312 embeds the
    installed file."""
    from .conftest import soffice_available

    pytest.importorskip("fontTools")
    home = tmp_path / "home"
    env = _env(home)
    office = tmp_path / "office"
    _fangsong(office)
    (office / "desktop.ini").write_text("[.ShellClassInfo]\n", encoding="utf-8")
    r = _run("fonts", "install", office, "--json", env=env)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    [installed] = result["installed"]
    assert installed["official"] == ["仿宋_GB2312"] and Path(installed["path"]).is_file()
    assert Path(installed["path"]).parent == home / "data" / "fonts" / "reportkit"
    assert result["skipped"] == [str(office / "desktop.ini")]
    assert installed["postscript"] == [TEST_PS_NAME]
    assert result["sample"] == ({"仿宋_GB2312": True} if soffice_available() else None)
    faces = {f["family"]: f for f in result["faces"]}
    assert faces["仿宋_GB2312"]["substitute"] is False and faces["仿宋_GB2312"]["file"] == installed["path"]
    assert faces["黑体"]["substitute"] is True
    again = _faces(env)  # a new process finds it too
    assert again["仿宋_GB2312"]["substitute"] is False


@needs_libreoffice
@pytest.mark.skipif(not FREE_FONT.exists(), reason="fonts-arphic-gbsn00lp is not installed")
def test_render_says_which_faces_are_substitutes_and_embeds_an_installed_one(tmp_path):
    """Every render says which faces the PDF printed in a substitute and how to install the
    office's own; the PDF embeds the stand-ins (pdffonts: the title's heavy serif); after
    installing an office's 仿宋_GB2312 the PDF embeds that file and 仿宋_GB2312 is no longer named."""
    pytest.importorskip("fontTools")
    home = tmp_path / "home"
    env = _env(home)
    r = _run("render", YUNXI, "-o", tmp_path / "before", env=env)
    assert r.returncode == 0, r.stderr
    assert "PDF 字体" in r.stdout and "仿宋_GB2312 → Noto Serif CJK SC" in r.stdout, r.stdout
    assert "方正小标宋简体 → Noto Serif CJK SC Black" in r.stdout and "reportkit fonts install" in r.stdout
    fonts = subprocess.run(["pdffonts", *(tmp_path / "before").glob("*.pdf")], capture_output=True, text=True).stdout
    assert "NotoSerifCJK" in fonts and "-Black" in fonts and "NotoSansCJK" in fonts and "-Medium" in fonts, fonts

    _run("fonts", "install", _fangsong(tmp_path / "office"), env=env)
    r = _run("render", YUNXI, "-o", tmp_path / "after", "--json", env=env)
    assert r.returncode == 0, r.stdout
    note = json.loads(r.stdout)["files"][0]["fonts_note"]
    assert "仿宋_GB2312" not in note and "黑体 → Noto Sans CJK SC Medium" in note, note
    [pdf] = (tmp_path / "after").glob("*.pdf")
    fonts = subprocess.run(["pdffonts", pdf], capture_output=True, text=True).stdout
    assert TEST_PS_NAME in fonts, fonts
    manifest = json.loads((tmp_path / "after" / "manifest.json").read_text(encoding="utf-8"))
    assert "仿宋_GB2312" not in manifest["outputs"][-1]["pdf"]["font_substitutes"]


@needs_libreoffice
def test_strict_fonts_write_nothing_when_a_face_is_a_substitute(tmp_path, cli):
    """`--fonts strict` (and the API's fonts="strict"): a clear error naming the substitutes and
    the fix, exit 1, no file written."""
    import reportkit

    out = tmp_path / "out"
    r = cli("render", YUNXI, "-o", out, "--fonts", "strict")
    assert r.exit_code == 1, r.output
    assert "替代字体" in r.output and "仿宋_GB2312" in r.output and "reportkit fonts install" in r.output
    assert not out.exists() or not any(p for p in out.iterdir() if not p.name.startswith("."))
    with pytest.raises(reportkit.RenderError, match="--fonts strict"):
        reportkit.render(YUNXI, tmp_path / "api", fonts="strict")
    assert not (tmp_path / "api").exists() or not any(p for p in (tmp_path / "api").iterdir()
                                                      if not p.name.startswith("."))
    r = cli("render", YUNXI, "-o", out, "--fonts", "loose")
    assert r.exit_code == 2 and "--fonts 应为 substitute 或 strict" in r.output
