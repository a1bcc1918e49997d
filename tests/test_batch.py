"""Batch rendering: one report's failure — of any kind — is that report's row; workers die
with the batch; PDFs of a batch share LibreOffice starts and a crashing document fails alone."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import reportkit
from reportkit.writing.pdf import convert_many

from .conftest import XINYI, YUNXI, example, needs_libreoffice
from .fakes import fake_soffice
from .processes import (complete_set, env_with, new_marker, processes_of, reportkit_cmd, staging_left, wait_for,
                        wait_gone)


def units(write, n: int, *, prefix="单位", bad: dict | None = None) -> list[Path]:
    """``n`` valid reports of distinct agencies (plus ``bad``: name → data changes)."""
    files = []
    for i in range(n):
        d = example(YUNXI)
        d["agency"] = f"云溪县{prefix}{i:03d}"
        files.append(write(d, f"u{i:03d}.json"))
    for name, change in (bad or {}).items():
        d = example(YUNXI)
        change(d)
        files.append(write(d, name))
    return files


def run(args, env, **kw):
    return subprocess.run(reportkit_cmd(*args), env=env, capture_output=True, text=True, timeout=300, **kw)


# ------------------------------------------------------------------ isolation (8.1)

@pytest.mark.parametrize("jobs", [1, 2])
def test_an_internal_bug_in_one_report_is_its_row(tmp_path, write, jobs):
    files = units(write, 3)
    env = env_with(fault="raise:云溪县单位001")
    r = run(["render", *files, "-o", tmp_path / "out", "--formats", "docx,xlsx", "--jobs", jobs], env)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert "内部错误" in r.stdout and "RuntimeError: injected fault" in r.stdout and "生成汇总" in r.stdout
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["云溪县单位000-2021", "云溪县单位002-2021"]
    for d in (tmp_path / "out").iterdir():
        assert complete_set(d)
    r = run(["render", *files, "-o", tmp_path / "out2", "--formats", "xlsx", "--jobs", jobs, "--json"], env)
    out = json.loads(r.stdout)
    assert [f["ok"] for f in out["files"]] == [True, False, True]
    err = out["files"][1]["error"]
    assert err["code"] == "internal" and "injected fault" in err["traceback"]


@pytest.mark.parametrize("mode", ["exit", "kill"])
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_worker_that_dies_is_its_rows_failure_and_the_others_render(tmp_path, write, mode, jobs):
    files = units(write, 4)
    r = run(["render", *files, "-o", tmp_path / "out", "--formats", "docx,xlsx", "--jobs", jobs],
            env_with(fault=f"{mode}:云溪县单位002"))
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert "进程意外退出" in r.stdout
    assert ("SIGKILL" if mode == "kill" else "退出码 3") in r.stdout
    folders = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert folders == ["云溪县单位000-2021", "云溪县单位001-2021", "云溪县单位003-2021"]
    assert all(complete_set(tmp_path / "out" / f) for f in folders)
    assert staging_left(tmp_path / "out") == []


def _hostile(write) -> list[Path]:
    """The issue's cases: a date no zip can hold, a lone surrogate, a 5000-digit integer."""
    d = example(YUNXI)
    d["published"] = "2108-01-01"
    late = write(d, "late.json")
    d = example(YUNXI)
    d["agency"] = "云溪县\ud800自然资源局"
    surrogate = write(json.dumps(d, ensure_ascii=True), "surrogate.json")
    d = example(YUNXI)
    text = json.dumps(d, ensure_ascii=False).replace('"natural": ', '"natural": ' + "9" * 5000 + ", \"x\": ", 1)
    huge = write(text, "huge.json")
    return [late, surrogate, huge]


def test_the_issues_hostile_reports_fail_alone_in_a_batch(tmp_path, write, cli):
    hostile = _hostile(write)
    files = [XINYI, *hostile, YUNXI]
    r = cli("render", *files, "-o", tmp_path / "out", "--formats", "docx,xlsx", "--jobs", 2)
    assert r.exit_code == 1
    assert "生成汇总" in r.stdout
    folders = list((tmp_path / "out").iterdir())
    assert sorted(complete_set(d)["agency"] for d in folders) == ["云溪县自然资源局", "新义街道办事处"]
    out = cli("render", *files, "-o", tmp_path / "out2", "--formats", "xlsx", "--json").json()
    assert [f["ok"] for f in out["files"]] == [True, False, False, False, True]
    assert all(f["error"]["message"] or f["errors"] for f in out["files"][1:4])


@pytest.mark.parametrize("case", [0, 1, 2], ids=["published-2108", "lone-surrogate", "5000-digits"])
def test_a_single_hostile_file_with_json_gets_json(tmp_path, write, cli, case):
    f = _hostile(write)[case]
    r = cli("render", f, "-o", tmp_path / "out", "--json")
    assert r.exit_code == 1
    out = r.json()
    assert out["ok"] is False and out["files"][0]["ok"] is False
    assert not (tmp_path / "out").exists()


def test_a_single_file_internal_bug_gives_json_not_a_traceback(tmp_path, cli, monkeypatch):
    import reportkit.filing.set as x  # the set calls the engine by the name it imported

    def broken(*a, **k):
        raise RuntimeError("injected fault")
    monkeypatch.setattr(x, "render_xlsx", broken)
    r = cli("render", YUNXI, "-o", tmp_path / "out", "--json")
    assert r.exit_code == 1
    f = r.json()["files"][0]
    assert f["error"]["code"] == "internal" and "RuntimeError" in f["error"]["message"]
    assert not (tmp_path / "out").exists()
    r = cli("render", YUNXI, "-o", tmp_path / "out")
    assert r.exit_code == 1 and "内部错误" in r.stdout


def test_previous_unreadable_with_json_gets_json(tmp_path, cli):
    r = cli("render", YUNXI, "-o", tmp_path / "out", "--previous", tmp_path / "nope.json", "--json")
    assert r.exit_code == 2 and r.json()["error"]["code"] == "input-file"


# ------------------------------------------------------------------ exit codes (8.12)

def test_a_missing_file_in_a_batch_is_a_row_and_exit_1(tmp_path, cli):
    r = cli("render", XINYI, tmp_path / "nope.json", "-o", tmp_path / "out", "--formats", "xlsx")
    assert r.exit_code == 1
    assert "无法读取" in r.stdout and "文件不存在" in r.stdout
    assert complete_set(tmp_path / "out" / "新义街道办事处-2020")


def test_the_single_input_missing_is_a_usage_error(tmp_path, cli):
    r = cli("render", tmp_path / "nope.json", "-o", tmp_path / "out")
    assert r.exit_code == 2 and "文件不存在" in r.stdout


def test_render_help_states_the_exit_codes(cli):
    text = "".join(cli("render", "--help").stdout.split())
    assert "退出码：0全部生成；1有报告未生成" in text
    assert "批量时某个文件不存在或无法读取只是它那一行的失败，退出码为1" in text


# ------------------------------------------------------------------ workers die with the batch (8.9)

def _start_batch(tmp_path, write, marker, n=4, fault="sleep:*", formats="docx,xlsx"):
    files = units(write, n)
    proc = subprocess.Popen(reportkit_cmd("render", *files, "-o", tmp_path / "out", "--formats", formats,
                                          "--jobs", 2),
                            env=env_with(marker, fault=fault), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    # both workers busy: each has made its report's staging folder
    assert wait_for(lambda: len(staging_left(tmp_path / "out")) >= 2, timeout=60), proc.stderr
    return proc, files


def test_kill_9_of_a_batch_leaves_no_worker_and_the_next_run_cleans_up(tmp_path, write):
    marker = new_marker()
    proc, files = _start_batch(tmp_path, write, marker)
    workers = [p for p, _ in processes_of(marker) if p != proc.pid]
    assert len(workers) >= 2
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert wait_gone(marker) == []
    r = run(["render", *files, "-o", tmp_path / "out", "--formats", "docx,xlsx", "--jobs", 2], env_with())
    assert r.returncode == 0, r.stdout + r.stderr
    assert staging_left(tmp_path / "out") == []
    assert all(complete_set(d) for d in (tmp_path / "out").iterdir())


@pytest.mark.parametrize("sig, status, words", [(signal.SIGTERM, 143, "已中止（收到终止信号）"),
                                               (signal.SIGINT, 130, "已中止。")])  # Ctrl-C
def test_sigterm_or_ctrl_c_of_a_batch_stops_the_workers_and_removes_their_staging(tmp_path, write, sig, status,
                                                                                 words):
    marker = new_marker()
    proc, _ = _start_batch(tmp_path, write, marker)
    proc.send_signal(sig)
    assert proc.wait(timeout=30) == status
    err = proc.stderr.read().decode()
    assert words in err and "Traceback" not in err and "Aborted" not in err
    assert wait_gone(marker) == []
    assert staging_left(tmp_path / "out") == []
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_sigterm_makes_a_worker_discard_its_staging_wherever_it_was(tmp_path):
    """A worker told to end (SIGTERM, twice: the parent's request and the lifeline or
    PR_SET_PDEATHSIG) removes its staging folders itself and exits 143 — wherever its render was
    interrupted.  Unwinding by an exception raised in the middle of an import sometimes never
    reached the code that cleans up, and left staging folders behind."""
    code = ("import os, signal, sys, time\n"
            "from pathlib import Path\n"
            "from reportkit.filing.staging import OutputFolder\n"
            "from reportkit.filing.workers import _terminate\n"
            "signal.signal(signal.SIGTERM, _terminate)\n"
            "folder = OutputFolder(Path(sys.argv[1])).__enter__()\n"
            "staging = folder.new_staging()\n"
            "(staging / 'report.docx').write_bytes(b'x')\n"
            "os.kill(os.getpid(), signal.SIGTERM)\n"
            "os.kill(os.getpid(), signal.SIGTERM)\n"
            "time.sleep(30)\n"
            "print('not reached')\n")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 143 and "not reached" not in r.stdout, r.stdout + r.stderr
    assert staging_left(tmp_path) == []


# ------------------------------------------------------------------ PDF in batch (9.3)

def _docxs(tmp_path, agencies) -> list[Path]:
    out = []
    for i, agency in enumerate(agencies):
        d = example(YUNXI)
        d["agency"] = agency
        res = reportkit.render(d, tmp_path / f"d{i}", formats=["docx"])
        out.append(res.paths[0])
    return out


def test_convert_many_shares_starts_and_a_crashing_document_fails_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTKIT_SOFFICE", str(fake_soffice(tmp_path / "fake")))
    docs = _docxs(tmp_path, ["甲单位", "乙单位", "CRASH单位", "丁单位", "GARBAGE单位", "戊单位", "NOTHING单位"])
    work = tmp_path / "work"
    results = convert_many(docs, work)
    ok = [not isinstance(r, reportkit.RenderError) for r in results]
    assert ok == [True, True, False, True, False, True, False]
    assert "LibreOffice" in results[2].message
    assert "不是可以打开的 PDF" in results[4].message
    assert "没有生成 PDF" in results[6].message
    assert all(r.info.pages >= 1 for r, good in zip(results, ok) if good)
    # one call for all, the culprit alone, the rest together; the garbage and empty ones once more alone
    assert len(list(work.glob("soffice-*.log"))) == 5


def test_a_hanging_document_is_stopped_by_the_per_document_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTKIT_SOFFICE", str(fake_soffice(tmp_path / "fake")))
    docs = _docxs(tmp_path, ["甲单位", "HANG单位", "丙单位"])
    started = time.monotonic()
    results = convert_many(docs, tmp_path / "work", timeout=4)
    assert [isinstance(r, reportkit.RenderError) for r in results] == [False, True, False]
    assert "超过 4 秒" in results[1].message
    assert time.monotonic() - started < 60


def test_a_crashing_document_in_a_pdf_batch_fails_alone(tmp_path, write):
    files = units(write, 5, bad={"crash.json": lambda d: d.update(agency="CRASH县自然资源局")})
    env = env_with(REPORTKIT_SOFFICE=fake_soffice(tmp_path / "fake"))
    r = run(["render", *files, "-o", tmp_path / "out", "--jobs", 2], env)
    assert r.returncode == 1, r.stderr
    assert "CRASH县自然资源局" in r.stdout and "LibreOffice" in r.stdout
    folders = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert folders == [f"云溪县单位{i:03d}-2021" for i in range(5)]
    for f in folders:
        m = complete_set(tmp_path / "out" / f)
        assert [o["format"] for o in m["outputs"]] == ["docx", "xlsx", "pdf"]
    assert staging_left(tmp_path / "out") == []


@needs_libreoffice
def test_a_real_pdf_batch(tmp_path, write):
    files = units(write, 4)
    r = run(["render", *files, "-o", tmp_path / "out", "--jobs", 2, "--formats", "pdf"], env_with())
    assert r.returncode == 0, r.stdout + r.stderr
    for d in sorted((tmp_path / "out").iterdir()):
        m = complete_set(d)
        (pdf,) = m["outputs"]
        assert pdf["format"] == "pdf" and pdf["pdf"]["pages"] >= 2
        text = subprocess.run(["pdftotext", str(d / pdf["name"]), "-"], capture_output=True, text=True).stdout
        assert m["agency"] in "".join(text.split())
        assert not list(d.glob("*.docx"))  # converted from a staged .docx that is not part of this set


def test_a_batch_of_forms_names_folders_from_a_light_read_of_each(tmp_path, cli, monkeypatch):
    """Before the workers start, each form is read only as far as its agency, year and agency_id
    (read_identity, never the whole form): the names are those the whole form gives; two forms of
    one unit and year get distinct folders; a workbook that is not a form is its own row with the
    loader's message."""
    from reportkit.filing.batch import _scan
    from reportkit.form import form_bytes
    from reportkit.form import read as form_read
    from reportkit.form.read import read_identity

    forms = []
    for i, agency in enumerate(["云溪县自然资源局", "云溪县自然资源局", "云溪县林业局"]):
        d = example(YUNXI)
        d["agency"] = agency
        d["problems"] += "甲" * i  # the two forms of one unit differ
        p = tmp_path / f"f{i}.xlsx"
        p.write_bytes(form_bytes(d))
        forms.append(p)
        whole = reportkit.load(p)
        with monkeypatch.context() as m:
            m.setattr(form_read._Reader, "read", lambda *a: pytest.fail("the scan read the whole form"))
            data, digest, error = _scan(p)
        assert error is None and digest == whole.sha256
        assert data == {k: whole.data[k] for k in ("agency", "year", "agency_id") if k in whole.data}
        assert read_identity(p.read_bytes(), str(p)) == data
    rendered = reportkit.render(YUNXI, tmp_path / "set", formats=["xlsx"])
    not_a_form = next(p for p in rendered.paths if p.suffix == ".xlsx")
    r = cli("render", *forms, not_a_form, "-o", tmp_path / "out", "--formats", "docx")
    assert r.exit_code == 1, r.output
    assert "不是填报表单" in r.output
    folders = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(folders) == 3 and len([f for f in folders if f.startswith("云溪县自然资源局")]) == 2, folders
