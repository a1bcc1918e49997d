"""The filing set: docx + xlsx + pdf + manifest, read back; safety; batch; template sets."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

import reportkit
from reportkit.contract import official as c
from reportkit.contract.totals import appeals_total, results_total, row_total

from .conftest import XINYI, YUNXI, example, soffice_available
from .fakes import fake_soffice
from .test_templates import _edit_zip
from .processes import complete_set, env_with, reportkit_cmd, staging_left, wait_for

FIG = ["docx", "xlsx"]


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def the(folder: Path, suffix: str) -> Path:
    files = list(folder.glob(f"*{suffix}"))
    assert len(files) == 1, files
    return files[0]


# ------------------------------------------------------------------ reading the workbook by labels

def _text(v) -> str:
    return "" if v is None else str(v).strip()


def _merged_span(ws, cell):
    for rng in ws.merged_cells.ranges:
        if cell.coordinate in rng:
            return rng.min_col, rng.max_col, rng.min_row, rng.max_row
    return cell.column, cell.column, cell.row, cell.row


def find(ws, text, *, within_cols=None, exact=True):
    hits = []
    for row in ws.iter_rows():
        for cell in row:
            t = _text(cell.value)
            if (t == text) if exact else (text in t):
                if within_cols is None or within_cols[0] <= cell.column <= within_cols[1]:
                    hits.append(cell)
    return hits


def row_of(ws, label):
    hits = find(ws, label)
    assert len(hits) == 1, (label, hits)
    return hits[0].row


def col_of(ws, label, within=None):
    hits = find(ws, label, within_cols=within)
    assert hits, label
    return hits[0].column


def value_at(ws, row_label, col_label, within=None):
    return ws.cell(row=row_of(ws, row_label), column=col_of(ws, col_label, within)).value


COLS = [(k, t) for k, t, _ in c.APPLICANT_COLUMNS] + [("total", "总计")]


def requests_rows(edition):
    req = c.report_field(edition).child("requests")
    rows = [(("received",), req.child("received").title), (("carried_over",), req.child("carried_over").title)]
    rows += [(("results",) + p, f.title) for p, f in c.applicant_rows(edition)]
    rows += [(("results", "total"), "（七）总计"), (("carried_forward",), req.child("carried_forward").title)]
    return rows


def expected_row(data, path, edition):
    req = data["requests"]
    if path == ("results", "total"):
        return results_total(req["results"], edition)
    row = req
    for p in path:
        row = row[p]
    return {**{k: row[k] for k, _, _ in c.APPLICANT_COLUMNS}, "total": row_total(row)}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = {}
    for src in (XINYI, YUNXI):
        d = tmp_path_factory.mktemp(src.stem)
        res = reportkit.render(src, d / "set", formats=FIG)
        out[src] = res
    return out


@pytest.mark.parametrize("src", [XINYI, YUNXI], ids=["2019", "2021"])
def test_xlsx_table_3_every_figure_by_labels(rendered, src):
    data = example(src)
    edition = data["format"]
    wb = openpyxl.load_workbook(the(rendered[src].out_dir, ".xlsx"))
    ws = wb["三、依申请公开"]
    for path, label in requests_rows(edition):
        want = expected_row(data, path, edition)
        r = row_of(ws, label)
        for key, header in COLS:
            v = ws.cell(row=r, column=col_of(ws, header)).value
            assert v == want[key], (label, header, v, want[key])
            assert isinstance(v, int) and not isinstance(v, bool)


def test_xlsx_totals_are_computed_not_blank(rendered):
    data = example(YUNXI)  # no printed totals in the data
    ws = openpyxl.load_workbook(the(rendered[YUNXI].out_dir, ".xlsx"))["三、依申请公开"]
    got = ws.cell(row=row_of(ws, "（七）总计"), column=col_of(ws, "总计")).value
    assert got == results_total(data["requests"]["results"], "2021")["total"] > 0


@pytest.mark.parametrize("src", [XINYI, YUNXI], ids=["2019", "2021"])
def test_xlsx_table_4_by_block_and_column(rendered, src):
    data = example(src)
    ws = openpyxl.load_workbook(the(rendered[src].out_dir, ".xlsx"))["四、复议诉讼"]
    data_row = max(r for r in range(1, ws.max_row + 1) if isinstance(ws.cell(row=r, column=1).value, int))
    for key, title in c.APPEAL_BLOCKS:
        block_label = title.split("·")[-1]
        anchor = find(ws, block_label)[0]
        lo, hi, _, _ = _merged_span(ws, anchor)
        for col_key, col_label in list(c.APPEAL_COLUMNS) + [("total", "总计")]:
            col = col_of(ws, col_label, within=(lo, hi))
            want = appeals_total(data["appeals"][key]) if col_key == "total" else data["appeals"][key][col_key]
            assert ws.cell(row=data_row, column=col).value == want, (title, col_label)


def test_xlsx_table_2_amounts_exact_and_numeric(rendered):
    data = example(YUNXI)
    ws = openpyxl.load_workbook(the(rendered[YUNXI].out_dir, ".xlsx"))["二、主动公开"]
    cell = ws.cell(row=row_of(ws, "行政事业性收费"), column=col_of(ws, "本年收费金额（单位：万元）"))
    assert Decimal(str(cell.value)) == Decimal(data["proactive"]["fees"]["amount"])
    assert cell.number_format == "0." + "0" * len(data["proactive"]["fees"]["amount"].split(".")[1])
    r = row_of(ws, "行政规范性文件")
    for key, header in (("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")):
        assert ws.cell(row=r, column=col_of(ws, header)).value == data["proactive"]["normative_documents"][key]
    assert value_at(ws, "行政许可", "本年处理决定数量") == data["proactive"]["licensing"]["decisions"]


def test_xlsx_2019_labels_and_merges(rendered):
    wb = openpyxl.load_workbook(the(rendered[XINYI].out_dir, ".xlsx"))
    ws = wb["三、依申请公开"]
    for label in ["2.其他法律行政法规禁止公开", "3.危及“三安全一稳定”", "（六）其他处理", "申请人情况", "法人或其他组织",
                  "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"]:
        assert find(ws, label), label
    assert not find(ws, "2.其他法律法规禁止公开")
    lo, hi, top, bottom = _merged_span(ws, find(ws, "三、本年度办理结果")[0])
    assert bottom - top + 1 == 20
    lo, hi, _, _ = _merged_span(ws, find(ws, "申请人情况")[0])
    assert hi - lo + 1 == 7
    assert find(wb["二、主动公开"], "采购总金额") and not find(wb["二、主动公开"], "采购总金额（万元）")  # no unit in the data


def test_xlsx_basic_facts_sheet(rendered):
    ws = openpyxl.load_workbook(the(rendered[YUNXI].out_dir, ".xlsx"))["基本情况"]
    values = {_text(c.value) for row in ws.iter_rows() for c in row}
    assert {"云溪县自然资源局", "11339901MB1F270818", "云溪县", "2021", "2022-01-20"} <= values


# ------------------------------------------------------------------ the set

def test_render_writes_set_and_manifest(tmp_path):
    res = reportkit.render(YUNXI, tmp_path / "out", formats=FIG)
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == sorted(["云溪县自然资源局-2021-政府信息公开工作年度报告.docx",
                            "云溪县自然资源局-2021-政府信息公开工作年度报告.xlsx", "manifest.json"])
    m = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert m == res.manifest
    assert m["reportkit"] == reportkit.__version__ and m["edition"] == "2021" and m["year"] == 2021
    assert m["agency"] == "云溪县自然资源局"
    assert m["input"]["sha256"] == sha(YUNXI)
    for o in m["outputs"]:
        p = tmp_path / "out" / o["name"]
        assert o["size"] == p.stat().st_size and o["sha256"] == sha(p)
    assert m["validation"] == {"valid": True, "errors": 0, "warnings": 0, "findings": []}
    assert res.paths[-1].name == "manifest.json"


def test_manifest_carries_warnings(tmp_path, write):
    d = example(XINYI)
    d["year"] = 2021  # edition mismatch: a warning, rendering goes on
    d["published"] = "2022-01-20"  # (without a date, a second warning)
    res = reportkit.render(write(d), tmp_path / "out", formats=["xlsx"])
    assert res.manifest["validation"]["warnings"] == 1
    assert res.manifest["validation"]["findings"][0]["code"] == "edition-year"


def test_same_input_gives_identical_bytes(tmp_path):
    a = reportkit.render(YUNXI, tmp_path / "a", formats=FIG)
    b = reportkit.render(YUNXI, tmp_path / "b", formats=FIG)
    for fmt in FIG:
        assert sha(the(a.out_dir, "." + fmt)) == sha(the(b.out_dir, "." + fmt))


def test_source_date_epoch_is_honoured(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    a = reportkit.render(YUNXI, tmp_path / "a", formats=FIG)
    for fmt in FIG:
        with zipfile.ZipFile(the(a.out_dir, "." + fmt)) as z:
            core = z.read("docProps/core.xml").decode()
            assert "2023-11-14T22:13:20Z" in core
            assert {i.date_time for i in z.infolist()} == {(2023, 11, 14, 22, 13, 20)}


def test_formula_looking_text_stays_text(tmp_path, write):
    d = example(YUNXI)
    d["agency"] = '=HYPERLINK("http://evil.example","点我")'
    d["region"] = "@SUM(A1:A2)"
    res = reportkit.render(write(d), tmp_path / "out", formats=["xlsx"])
    path = the(res.out_dir, ".xlsx")
    ws = openpyxl.load_workbook(path)["基本情况"]
    cells = [c for row in ws.iter_rows() for c in row if _text(c.value).startswith(("=HYPERLINK", "@SUM"))]
    assert len(cells) >= 2 and all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(path) as z:
        assert all("<f>" not in z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_invalid_data_writes_nothing(tmp_path, write, cli):
    d = example(YUNXI)
    d["requests"]["received"]["natural"] += 1
    with pytest.raises(reportkit.ValidationFailed) as e:
        reportkit.render(write(d), tmp_path / "out")
    assert any(f.code == "balance" for f in e.value.findings)
    assert not (tmp_path / "out").exists()
    r = cli("render", write(d), "-o", tmp_path / "out2")
    assert r.exit_code == 1 and "勾稽关系不平衡" in r.stdout and not (tmp_path / "out2").exists()


def test_existing_set_is_not_overwritten_without_force(tmp_path, cli):
    out = tmp_path / "out"
    reportkit.render(XINYI, out, formats=FIG)
    before = {p.name: sha(p) for p in out.iterdir()}
    r = cli("render", XINYI, "-o", out, "--formats", "docx,xlsx")
    assert r.exit_code == 2 and "已存在" in r.output and "--force" in r.output
    assert {p.name: sha(p) for p in out.iterdir()} == before
    with pytest.raises(reportkit.OutputExistsError):
        reportkit.render(XINYI, out, formats=["xlsx"])
    assert cli("render", XINYI, "-o", out, "--formats", "docx,xlsx", "--force").exit_code == 0


def test_force_drops_files_the_new_set_no_longer_has(tmp_path):
    out = tmp_path / "out"
    reportkit.render(XINYI, out, formats=FIG)
    reportkit.render(XINYI, out, formats=["xlsx"], force=True)
    assert sorted(p.suffix for p in out.iterdir()) == [".json", ".xlsx"]


def _no_leftovers(parent: Path):
    """reportkit's hidden files (staging folders, lock files) anywhere under ``parent``."""
    return [str(p) for p in parent.rglob(".reportkit-*")]


def test_failure_mid_render_leaves_nothing(tmp_path, monkeypatch):
    import reportkit.filing.set as x  # the set calls the engine by the name it imported

    def boom(*a, **k):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(x, "render_xlsx", boom)
    with pytest.raises(reportkit.RenderError, match="磁盘空间不足"):
        reportkit.render(YUNXI, tmp_path / "out", formats=FIG)
    assert not (tmp_path / "out").exists() and _no_leftovers(tmp_path) == []


def test_failure_with_force_keeps_the_old_set_intact(tmp_path, monkeypatch):
    out = tmp_path / "out"
    reportkit.render(YUNXI, out, formats=FIG)
    before = {p.name: sha(p) for p in out.iterdir()}
    import reportkit.filing.set as x  # the set calls the engine by the name it imported
    monkeypatch.setattr(x, "render_xlsx", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        reportkit.render(YUNXI, out, formats=FIG, force=True)
    assert {p.name: sha(p) for p in out.iterdir()} == before and _no_leftovers(tmp_path) == []


def test_libreoffice_crash_leaves_nothing(tmp_path, monkeypatch):
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\necho 'simulated crash' >&2\nexit 134\n")
    fake.chmod(0o755)
    monkeypatch.setenv("REPORTKIT_SOFFICE", str(fake))
    with pytest.raises(reportkit.RenderError, match="LibreOffice"):
        reportkit.render(YUNXI, tmp_path / "out")
    assert not (tmp_path / "out").exists() and _no_leftovers(tmp_path) == []


def test_without_libreoffice_the_rest_is_written_and_says_how_to_install(tmp_path, monkeypatch, cli):
    monkeypatch.setenv("REPORTKIT_SOFFICE", str(tmp_path / "no-such-soffice"))
    r = cli("render", YUNXI, "-o", tmp_path / "out")
    assert r.exit_code == 0
    assert "LibreOffice" in r.stdout and "apt-get install" in r.stdout
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".docx", ".json", ".xlsx"]


def test_default_output_folder_is_beside_the_input(tmp_path, cli, write):
    src = write(example(XINYI), "2020.json")
    r = cli("render", src, "--formats", "xlsx")
    assert r.exit_code == 0 and (tmp_path / "2020" / "manifest.json").exists()


def test_library_never_prints(tmp_path, capsys):
    reportkit.render(XINYI, tmp_path / "out", formats=["xlsx"])
    assert capsys.readouterr() == ("", "")


# ------------------------------------------------------------------ batch

def test_batch_renders_valid_ones_and_reports_the_rest(tmp_path, cli, write):
    bad = example(YUNXI)
    bad["appeals"]["litigation"]["total"] = 999
    twin = example(YUNXI)
    twin["agency_id"] = "22339901MB1F270818"
    files = [XINYI, YUNXI, write(twin, "twin.json"), write(bad, "bad.json"), write("{", "broken.json")]
    r = cli("render", *files, "-o", tmp_path / "out", "--formats", "xlsx", "--jobs", 2)
    assert r.exit_code == 1
    assert "生成汇总" in r.stdout and "有错误" in r.stdout and "印发的总计 999" in r.stdout
    folders = sorted(p.name for p in (tmp_path / "out").iterdir())
    # two units of the same name and year get distinct folders; invalid ones get none
    assert "新义街道办事处-2020" in folders
    assert "云溪县自然资源局-2021-11339901MB1F270818" in folders
    assert "云溪县自然资源局-2021-22339901MB1F270818" in folders
    assert len(folders) == 3
    r = cli("render", *files, "-o", tmp_path / "out2", "--formats", "xlsx", "--json")
    out = r.json()
    assert [f["ok"] for f in out["files"]] == [True, True, True, False, False]


def test_batch_needs_an_output_folder(cli):
    assert cli("render", XINYI, YUNXI).exit_code == 2


# ------------------------------------------------------------------ template sets

def test_export_edit_render_uses_the_edited_template(tmp_path, cli):
    tdir = tmp_path / "mine"
    r = cli("templates", "export", tdir)
    assert r.exit_code == 0 and len(list(tdir.rglob("report-*.*"))) == 6  # docx, xlsx, html × 2 editions
    _edit_zip(tdir / "docx" / "report-2019.docx", "word/document.xml", "一、总体情况", "一、工作总体情况")
    (tdir / "xlsx" / "report-2019.xlsx").unlink()
    res = reportkit.render(XINYI, tmp_path / "out", formats=FIG, templates=tdir)
    import docx
    texts = [p.text for p in docx.Document(the(res.out_dir, ".docx")).paragraphs]
    assert "一、工作总体情况" in texts and "一、总体情况" not in texts
    assert any("使用默认模板" in n for n in res.notes)
    assert res.manifest["templates"]["docx"]["source"] == "custom"
    assert res.manifest["templates"]["xlsx"]["source"] == "default"
    assert cli("templates", "export", tdir).exit_code == 2  # exists, no --force


# ------------------------------------------------------------------ replacing a set on disk (issue 8)

def _changed_yunxi(write, name="b.json"):
    d = example(YUNXI)
    d["problems"] += "另需加强复议诉讼案件的源头治理。"
    return write(d, name)


_KILL_AT_RENAME = """
import os, sys
import reportkit
n, calls, real = int(sys.argv[3]), [0], os.replace
def replace(a, b):
    calls[0] += 1
    if calls[0] == n:
        os._exit(9)
    return real(a, b)
os.replace = replace
reportkit.render(sys.argv[1], sys.argv[2], formats=sys.argv[4].split(","), force=True)
"""


@pytest.mark.parametrize("formats,renames", [("docx,xlsx", 4), ("xlsx", 3)])
def test_a_set_killed_at_any_rename_is_old_or_incomplete_and_then_rolled_forward(tmp_path, write, formats, renames):
    new = _changed_yunxi(write)
    for k in range(1, renames + 1):
        out = tmp_path / f"out{k}"
        old = reportkit.render(YUNXI, out, formats=FIG).manifest
        r = subprocess.run([sys.executable, "-c", _KILL_AT_RENAME, str(new), str(out), str(k), formats],
                           capture_output=True, text=True)
        assert r.returncode == 9, r.stderr
        now = complete_set(out)
        # a reader sees the old complete set, or no manifest at all: never a manifest that lies
        assert now == old if (out / "manifest.json").exists() else now is None, k
        # the next run into the folder finishes (journal) or drops (no journal) what was left
        with pytest.raises(reportkit.OutputExistsError):
            reportkit.render(new, out, formats=formats.split(","))
        assert staging_left(out) == []
        done = complete_set(out)
        expected = old if k == 1 else reportkit.render(new, tmp_path / f"ref{k}", formats=formats.split(",")).manifest
        assert done["outputs"] == expected["outputs"], k
        names = [o["name"] for o in expected["outputs"]] + ["manifest.json"]
        assert sorted(p.name for p in out.iterdir()) == sorted(names)


def test_a_staging_folder_without_journal_is_deleted_and_the_old_set_kept(tmp_path):
    out = tmp_path / "out"
    old = reportkit.render(YUNXI, out, formats=FIG).manifest
    left = out / ".reportkit-staging-killed"
    left.mkdir()
    (left / "half.docx").write_bytes(b"half")
    with pytest.raises(reportkit.OutputExistsError):
        reportkit.render(YUNXI, out, formats=FIG)
    assert not left.exists() and complete_set(out) == old


def test_staging_is_inside_the_output_folder(tmp_path, monkeypatch):
    """A writable output folder under a parent that cannot be written, and a mount point, need
    the staging folder inside the output folder: seen while the render runs."""
    from reportkit.filing import staging

    seen = []
    real = staging.OutputFolder.new_staging

    def spy(self):
        p = real(self)
        seen.append(p)
        return p
    monkeypatch.setattr(staging.OutputFolder, "new_staging", spy)
    reportkit.render(YUNXI, tmp_path / "a" / "out", formats=["xlsx"])
    assert [p.parent for p in seen] == [tmp_path / "a" / "out"] and not seen[0].exists()


def _as_other_user(cmd: list[str]) -> list[str] | None:
    """``cmd`` run as an unprivileged user (nobody when we are root), or None when impossible."""
    if os.geteuid() != 0:
        return cmd
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    wrapped = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]
    probe = subprocess.run(wrapped[:4] + [cmd[0], "-c", "import reportkit"], capture_output=True)
    return wrapped if probe.returncode == 0 else None


def test_writable_output_folder_under_a_read_only_parent(tmp_path):
    base = Path(tempfile.mkdtemp(prefix="rk-ro-"))
    try:
        base.chmod(0o755)
        src = base / "r.json"
        shutil.copyfile(YUNXI, src)
        src.chmod(0o644)
        out = base / "ro" / "out"
        out.mkdir(parents=True)
        cmd = _as_other_user(reportkit_cmd("render", src, "-o", out, "--formats", "docx,xlsx"))
        if cmd is None:
            pytest.skip("cannot run a process as an unprivileged user here (setpriv missing or python unreachable)")
        if os.geteuid() == 0:
            os.chown(out, 65534, 65534)
        out.parent.chmod(0o555)
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        assert complete_set(out) and staging_left(base) == []
    finally:
        (base / "ro").chmod(0o755)
        shutil.rmtree(base, ignore_errors=True)


def test_output_folder_on_a_mount_point(tmp_path):
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None:
        pytest.skip("mounting a file system needs root and unshare")
    out = tmp_path / "mnt"
    out.mkdir()
    inner = " ".join(f"'{a}'" for a in reportkit_cmd("render", YUNXI, "-o", out, "--formats", "docx,xlsx"))
    r = subprocess.run([unshare, "-m", "sh", "-c",
                        f"mount -t tmpfs -o size=20m tmpfs '{out}' && {inner} && cat '{out}/manifest.json' "
                        f"&& ls -a '{out}'"], capture_output=True, text=True, timeout=120)
    if "mount:" in r.stderr and r.returncode != 0:
        pytest.skip(f"cannot mount here: {r.stderr.strip()}")
    assert r.returncode == 0, r.stdout + r.stderr
    assert '"outputs"' in r.stdout and ".reportkit-staging" not in r.stdout


def test_two_renders_into_one_folder_take_turns(tmp_path, write):
    """Real processes: while one render holds the folder, a second with a short --wait fails
    clearly and a third waits its turn; the folder ends up holding the third's complete set."""
    env = env_with(REPORTKIT_SOFFICE=fake_soffice(tmp_path / "fake"))
    d = example(YUNXI)
    d["agency"] = "SLOW云溪县自然资源局"
    slow = write(d, "slow.json")
    out = tmp_path / "out"
    first = subprocess.Popen(reportkit_cmd("render", slow, "-o", out), env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    assert wait_for(lambda: staging_left(out) != [], timeout=60)
    second = subprocess.run(reportkit_cmd("render", slow, "-o", out, "--force", "--wait", "0.5", "--formats", "xlsx"),
                            env=env, capture_output=True, text=True, timeout=120)
    third = subprocess.Popen(reportkit_cmd("render", slow, "-o", out, "--force", "--formats", "xlsx"), env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert first.wait(timeout=120) == 0, first.stderr.read()
    assert third.wait(timeout=120) == 0, third.stderr.read()
    assert second.returncode == 1
    assert "输出文件夹正被另一个 reportkit 进程使用" in second.stdout and "0.5 秒" in second.stdout
    m = complete_set(out)
    assert [o["format"] for o in m["outputs"]] == ["xlsx"]  # the third's set, whole
    assert sorted(p.suffix for p in out.iterdir()) == [".json", ".xlsx"]


def test_a_long_agency_name_is_shortened_in_bytes_stably(tmp_path, write, cli):
    d = example(YUNXI)
    d["agency"] = "云溪县" + "自然资源和规划局不动产登记中心" * 6 + "第一分中心"  # 98 characters, 294 bytes
    src = write(d, "long.json")
    res = reportkit.render(src, tmp_path / "out", formats=[*FIG, "html"])  # html: the longest name, 粘贴用
    names = [p.name for p in res.paths]
    assert len(names) == len(FIG) + 3 and all(len(n.encode("utf-8")) <= 255 for n in names)
    stem = names[0].rsplit(".", 1)[0]
    assert stem.endswith("-2021-政府信息公开工作年度报告") and "~" in stem
    assert reportkit.render(src, tmp_path / "again", formats=FIG).paths[0].name == names[0]  # stable
    import docx

    assert d["agency"] in "".join(p.text for p in docx.Document(res.paths[0]).paragraphs)  # the text is whole
    d2 = dict(d, agency=d["agency"][:-5] + "第二分中心")
    r = cli("render", src, write(d2, "long2.json"), "-o", tmp_path / "batch", "--formats", "xlsx")
    assert r.exit_code == 0, r.stdout
    folders = sorted(p.name for p in (tmp_path / "batch").iterdir())
    assert len(set(folders)) == 2 and all(len(f.encode("utf-8")) <= 255 and f.endswith("-2021") for f in folders)


def test_output_naming_an_existing_file_is_a_clear_usage_error(tmp_path, cli):
    f = tmp_path / "taken"
    f.write_text("mine")
    r = cli("render", YUNXI, "-o", f)
    assert r.exit_code == 2 and "是一个文件，不是文件夹" in r.output and "File exists" not in r.output
    assert f.read_text() == "mine"


def test_an_input_without_suffix_is_a_clear_usage_error(tmp_path, cli, write):
    src = write(example(YUNXI), "2021")
    r = cli("render", src)
    assert r.exit_code == 2 and "没有扩展名" in r.output and "-o" in r.output and "File exists" not in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2021"]
    assert cli("render", src, "-o", tmp_path / "out", "--formats", "xlsx").exit_code == 0


def test_soffice_variable_naming_a_non_program_says_so(tmp_path, cli, monkeypatch):
    monkeypatch.setenv("REPORTKIT_SOFFICE", "/etc/passwd")
    r = cli("render", YUNXI, "-o", tmp_path / "out")
    assert r.exit_code == 0
    assert "REPORTKIT_SOFFICE" in r.stdout and "不是可执行的程序" in r.stdout and "Permission denied" not in r.output
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".docx", ".json", ".xlsx"]


def test_disk_full_during_pdf_is_said_plainly(tmp_path):
    unshare = shutil.which("unshare")
    if os.geteuid() != 0 or unshare is None or not soffice_available():
        pytest.skip("needs root (a small tmpfs), unshare and LibreOffice")
    disk = tmp_path / "disk"
    disk.mkdir()
    inner = " ".join(f"'{a}'" for a in reportkit_cmd("render", YUNXI, "-o", disk / "out"))
    r = subprocess.run([unshare, "-m", "sh", "-c",
                        f"mount -t tmpfs -o size=150k tmpfs '{disk}' && {inner}; echo rc=$?; ls -a '{disk}'"],
                       capture_output=True, text=True, timeout=180)
    if "mount:" in r.stderr:
        pytest.skip(f"cannot mount here: {r.stderr.strip()}")
    assert "rc=1" in r.stdout, r.stdout + r.stderr
    assert "磁盘空间不足" in r.stdout
    assert "%" not in r.stdout and "file://" not in r.stdout and "SfxBaseModel" not in r.stdout
    assert "out" not in r.stdout.split("rc=1", 1)[1].split()  # nothing left on the disk


def test_force_never_deletes_a_file_the_set_did_not_write(tmp_path):
    out = tmp_path / "out"
    reportkit.render(YUNXI, out, formats=FIG)
    docx_file = the(out, ".docx")
    docx_file.write_bytes(docx_file.read_bytes() + b"\n")  # edited by hand after the render
    (out / "备注.txt").write_text("mine", encoding="utf-8")
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    outside = tmp_path / "outside.txt"
    outside.write_text("outside")
    m["outputs"].append({"name": "../outside.txt", "format": "txt", "size": 7,
                         "sha256": hashlib.sha256(b"outside").hexdigest()})
    (out / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    res = reportkit.render(YUNXI, out, formats=["xlsx"], force=True)
    assert docx_file.exists() and (out / "备注.txt").read_text(encoding="utf-8") == "mine" and outside.exists()
    assert any(docx_file.name in n and "修改" in n for n in res.notes)
    assert [o["format"] for o in complete_set(out)["outputs"]] == ["xlsx"]


def test_a_reader_never_sees_a_manifest_that_does_not_match(tmp_path, write):
    """While another process replaces the set again and again, a reader that reads the manifest,
    hashes the files and reads the manifest again never finds a mismatch."""
    import threading

    out = tmp_path / "out"
    reportkit.render(YUNXI, out, formats=FIG)
    other = _changed_yunxi(write)
    script = ("import sys, reportkit\n"
              "for i in range(8):\n"
              "    reportkit.render(sys.argv[1 + i % 2], sys.argv[3], formats=['docx', 'xlsx'], force=True)\n")
    writer = subprocess.Popen([sys.executable, "-c", script, str(other), str(YUNXI), str(out)])
    seen, bad = [], []

    def read():
        while writer.poll() is None:
            try:
                m1 = (out / "manifest.json").read_bytes()
            except FileNotFoundError:
                seen.append(None)
                continue
            try:
                hashes = {o["name"]: hashlib.sha256((out / o["name"]).read_bytes()).hexdigest()
                          for o in json.loads(m1)["outputs"]}
                m2 = (out / "manifest.json").read_bytes()
            except (FileNotFoundError, ValueError):
                continue
            if m1 == m2:
                seen.append(m1)
                if hashes != {o["name"]: o["sha256"] for o in json.loads(m1)["outputs"]}:
                    bad.append(m1)
    t = threading.Thread(target=read)
    t.start()
    assert writer.wait(timeout=300) == 0
    t.join()
    assert bad == []
    assert len({s for s in seen if s}) == 2  # the reader saw both sets, whole


def test_a_commit_that_cannot_finish_is_a_clear_error_and_finished_later(tmp_path):
    out = tmp_path / "out"
    reportkit.render(YUNXI, out, formats=["xlsx"])
    xlsx = the(out, ".xlsx")
    xlsx.unlink()
    xlsx.mkdir()  # a folder where the new file must go: the rename fails mid-commit
    with pytest.raises(reportkit.RenderError, match="写入失败"):
        reportkit.render(YUNXI, out, formats=["xlsx"], force=True)
    assert not (out / "manifest.json").exists() and staging_left(out) != []  # incomplete, and says so
    xlsx.rmdir()
    with pytest.raises(reportkit.OutputExistsError):  # the next run finishes the journaled commit first
        reportkit.render(YUNXI, out, formats=["xlsx"])
    assert complete_set(out) and staging_left(out) == []


def test_a_failed_render_keeps_an_empty_folder_the_user_made(tmp_path, monkeypatch):
    import reportkit.filing.set as x  # the set calls the engine by the name it imported

    out = tmp_path / "mine"
    out.mkdir()
    monkeypatch.setattr(x, "render_xlsx", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(reportkit.RenderError):
        reportkit.render(YUNXI, out, formats=["xlsx"])
    assert out.is_dir() and list(out.iterdir()) == []


def test_every_command_says_a_full_disk_plainly(tmp_path, cli, monkeypatch):
    """init -o, convert, schema -o, review -o … write through output.write_bytes: an OS error is said
    in Chinese there too (it once printed "No space left on device")."""
    import errno

    from reportkit.filing import output

    def full(*_):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output.os, "replace", full)
    r = cli("init", "-y", "2021", "-a", "云溪县自然资源局", "-o", tmp_path / "2021.json")
    assert r.exit_code == 1 and "磁盘空间不足" in r.output and "No space" not in r.output, r.output
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone too
