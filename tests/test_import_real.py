"""Real published reports (tests/data/real, sources in its README) imported and every figure checked
against a transcription made without the importer (``*.expected.json``: the tables row by row as
printed, read by eye from the file or its ``pdftotext -layout`` text).

A figure the importer writes must equal the transcription — a wrong figure fails the test; a figure
it does not write must be listed (missing, ambiguous, conflict or unreadable) and the report then
stops short of complete, with exactly the list the transcription's ``missing`` gives.  The summary
test counts reports (the files of one report share the transcription's ``report``) and prints the
corpus figures: reports complete / total, files complete / total, figures right / total, time per file."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from reportkit.contract import tables as layout
from reportkit.importing import PROBLEMS, import_report

REAL = Path(__file__).parent / "data" / "real"
CORPUS = sorted(REAL.glob("*.expected.json"))
TABLES = {"二": "proactive", "三": "requests", "四": "appeals"}
#: a figure printed so that no reader can tell it (digits run together with nothing to split them by):
#: it must not be read, and must be listed
UNKNOWABLE = "?"


def expected_figures(spec: dict) -> dict[str, object]:
    """The transcription's rows laid on the official figures of its edition, in table order."""
    out = {}
    for name, prefix in TABLES.items():
        paths = [f for f in layout.figures(spec["edition"]) if f.path.startswith(prefix + ".")]
        rows = spec["tables"][name]
        values = [v for row in rows for v in row] if rows and isinstance(rows[0], list) else list(rows)
        assert len(values) == len(paths), f"{spec['file']} 表{name}: {len(values)} values for {len(paths)} figures"
        for fig, v in zip(paths, values):
            if v is None:  # printed blank total: not printed, reportkit computes it
                continue
            out[fig.path] = v if v == UNKNOWABLE else str(v) if fig.value_kind == "amount" else v
    return out


def _read(spec_path: Path):
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    result = import_report(REAL / spec["file"])
    return spec, result


@pytest.mark.parametrize("spec_path", CORPUS, ids=[p.name.removesuffix(".expected.json") for p in CORPUS])
def test_every_figure_of_a_real_report(spec_path):
    spec, result = _read(spec_path)
    assert result.edition == spec["edition"]
    expect = expected_figures(spec)
    got = {f.path: f.value for f in result.figures}
    wrong = {p: (got[p], v) for p, v in expect.items() if p in got and got[p] != v}
    assert not wrong, f"wrong figures (read, printed): {wrong}"
    assert not set(got) - set(expect), f"figures the report does not print: {set(got) - set(expect)}"
    listed = {n.path for n in result.notes if n.kind in PROBLEMS and n.path}
    unread = set(expect) - set(got)
    assert unread <= listed, f"not read and not listed: {unread - listed}"
    knowable = {p for p in unread if expect[p] != UNKNOWABLE}
    assert sorted(knowable) == sorted(spec.get("missing", [])), "the list of what is missing"
    # the figures are complete exactly when nothing about a figure is listed (a report may still lack
    # a section of prose — kewei-2024.md has no 四/五 headings — which the result lists apart)
    figure_paths = {f.path for f in layout.figures(spec["edition"])}
    figure_problems = [n for n in result.notes if n.kind in PROBLEMS and n.path in figure_paths]
    assert (not figure_problems) == (not unread)
    assert not result.complete or not unread


#: the forms an office publishes a report in; a Markdown, ``pdftotext`` or crawler copy stands in for
#: its report only when the corpus holds none of them
PUBLISHED = {"html", "pdf", "docx"}


def report_of(spec: dict) -> str:
    """The report a file is a form of: its transcription's ``report`` key (the same for a PDF, its
    ``pdftotext`` capture, a crawler copy and the web page), else the file's name up to its first dot."""
    return spec.get("report") or spec["file"].split(".")[0]


def test_corpus_summary(capsys):
    """The corpus counted by report: a report is complete when its published form (web page, PDF, Word)
    imports complete and exact — every figure read and right, every section, title, agency, year and
    date — or, when the corpus holds no published form of it, its copy does.  ≥ 90 % of the reports
    that can be told are complete, no figure anywhere is wrong; the figures are printed."""
    files_complete = figures_complete_files = right = total = unknowable = 0
    seconds = []
    kinds = {}
    forms: dict[str, list[tuple[str, bool, bool]]] = {}  # report -> (kind, complete, every figure knowable)
    for spec_path in CORPUS:
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        start = time.perf_counter()
        result = import_report(REAL / spec["file"])
        seconds.append(time.perf_counter() - start)
        expect = expected_figures(spec)
        got = {f.path: f.value for f in result.figures}
        total += len(expect)
        right += sum(1 for p, v in expect.items() if got.get(p) == v)
        unknowable += sum(1 for v in expect.values() if v == UNKNOWABLE)
        wrong = {p: (got[p], v) for p, v in expect.items() if p in got and got[p] != v}
        assert not wrong, f"{spec['file']}: wrong figures (read, printed): {wrong}"
        figures_complete = len(got) == len(expect) and not any(
            n.kind in PROBLEMS and n.path in expect for n in result.notes)
        figures_complete_files += figures_complete
        files_complete += result.complete and figures_complete
        forms.setdefault(report_of(spec), []).append(
            (result.kind, result.complete and figures_complete, UNKNOWABLE not in expect.values()))
        kinds[result.kind] = kinds.get(result.kind, 0) + 1
    complete = told = 0
    incomplete = []
    for report, files in sorted(forms.items()):
        published = [f for f in files if f[0] in PUBLISHED]
        judged = published or files
        ok = all(f[1] for f in judged)
        complete += ok
        # a report can be told when the corpus holds its published form, or a copy whose every figure
        # a reader can tell (a crawler copy running digits together cannot say whether it is complete)
        told += bool(published) or any(f[2] for f in files)
        if not ok:
            incomplete.append(report)
    with capsys.disabled():
        print(f"\n真实报告：报告完整 {complete}/{len(forms)}（可判断的 {told} 份；不完整：{'、'.join(incomplete) or '无'}），"
              f"文件完整 {files_complete}/{len(CORPUS)}（数字完整 {figures_complete_files}），"
              f"数字正确 {right}/{total}（其中 {unknowable} 个印得无法分辨，未读取并列出），错误 0；"
              f"每个文件平均 {sum(seconds) / len(seconds):.2f} 秒；类型 {kinds}")
    assert complete >= 0.9 * told
