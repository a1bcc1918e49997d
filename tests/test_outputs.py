"""Where outputs go (issue 19, item 2): ``render -o ''`` is a usage error; a name of 100 Chinese
characters (300 bytes, more than a file name can hold) is shortened as render's names are, by
every command that writes; written files get the user's umask; a batch never writes through a
symbolic link it did not make."""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

from .conftest import XINYI, YUNXI

LONG = "长" * 100   # 300 bytes of UTF-8


def _umask_mode() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _only(folder, suffix):
    found = [p for p in folder.iterdir() if p.name.endswith(suffix)]
    assert len(found) == 1, list(folder.iterdir())
    return found[0]


def test_render_with_an_empty_output_is_a_usage_error(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("render", XINYI, "-o", "", "--formats", "docx")
    assert r.exit_code == 2 and "-o" in r.output and "空" in r.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["init-json", "init-xlsx", "convert", "schema", "review"])
def test_a_name_of_100_chinese_characters_is_shortened_not_a_crash(tmp_path, cli, command):
    src = tmp_path / "2021.json"
    shutil.copy(YUNXI, src)
    out = tmp_path / "out"
    out.mkdir()
    args = {"init-json": ("init", "--year", "2021", "--agency", "云溪县", "-o", out / f"{LONG}.json"),
            "init-xlsx": ("init", "--year", "2021", "--agency", "云溪县", "-o", out / f"{LONG}.xlsx"),
            "convert": ("convert", src, out / f"{LONG}.xlsx"),
            "schema": ("schema", "-o", out / f"{LONG}.json"),
            "review": ("review", src, "-o", out / f"{LONG}.json")}[command]
    r = cli(*args)
    assert r.exit_code in (0, 1) and "Traceback" not in r.output and "too long" not in r.output, r.output
    suffix = "." + str(args[-1]).rsplit(".", 1)[1]
    written = _only(out, suffix)
    assert len(written.name.encode("utf-8")) <= 255 and written.name.startswith("长" * 50)
    assert "~" in written.name and str(written) in r.output   # the name said is the name written
    assert stat.S_IMODE(written.stat().st_mode) == _umask_mode()


def test_render_and_import_into_a_folder_of_100_chinese_characters(tmp_path, cli):
    r = cli("render", XINYI, "-o", tmp_path / LONG, "--formats", "docx")
    assert r.exit_code == 0, r.output
    [folder] = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert len(folder.name.encode("utf-8")) <= 255 and (folder / "manifest.json").exists()
    text = tmp_path / "report.txt"
    shutil.copy(XINYI.parents[1] / "tests" / "data" / "xinyi-2020-annual-report.txt", text)
    r = cli("import", text, "-o", tmp_path / ("导" * 100))
    assert "Traceback" not in r.output and "too long" not in r.output, r.output


def test_files_written_by_init_convert_and_schema_get_the_umask_mode(tmp_path, cli):
    assert cli("init", "--year", "2021", "--agency", "云溪县", "-o", tmp_path / "a.json").exit_code == 0
    assert cli("convert", XINYI, tmp_path / "b.xlsx").exit_code == 0
    assert cli("schema", "-o", tmp_path / "c.json").exit_code == 0
    for name in ("a.json", "b.xlsx", "c.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == _umask_mode(), name


def test_a_batch_does_not_write_through_a_planted_symlink(tmp_path, cli):
    """A unit's folder planted in a batch's output as a link to another folder: that unit fails
    (its row says why), the linked folder is untouched, the other unit is rendered."""
    files = []
    for src in (XINYI, YUNXI):
        files.append(tmp_path / src.name)
        shutil.copy(src, files[-1])
    out = tmp_path / "out"
    first = cli("render", *files, "-o", out, "--formats", "docx", "--json")
    assert first.exit_code == 0, first.output
    rows = json.loads(first.output)["files"]
    victim_dir = tmp_path / "elsewhere"
    victim_dir.mkdir()
    (victim_dir / "keep.txt").write_text("mine", encoding="utf-8")
    planted = rows[0]["out_dir"]
    shutil.rmtree(planted)
    os.symlink(victim_dir, planted)
    r = cli("render", *files, "-o", out, "--formats", "docx", "--force", "--json")
    assert r.exit_code == 1, r.output
    again = json.loads(r.output)["files"]
    assert "符号链接" in again[0]["error"]["message"] and again[1]["ok"]
    assert sorted(p.name for p in victim_dir.iterdir()) == ["keep.txt"]
