"""Benchmark: a province's filing sets on one machine — a generated batch, end to end.

Run from anywhere::

    python bench/bench_scale.py                     # 10,000 reports docx+xlsx, 200 with PDF, --jobs 2
    python bench/bench_scale.py --n 2000 --pdf-n 50
    python bench/bench_scale.py --json

Reports are random valid reports of both editions (``tests/corpus.py``: varied text lengths,
long agency names, zeros, printed totals), written as JSON files.  Each batch is one command, as
a supervising office would run it: ``reportkit render <files> -o <tmp> --formats … --jobs 2``,
timed as a whole process (wall), every set read back by the guard before it is written.

The baseline, measured in the same run: one ``reportkit render <one file>`` in a fresh process
(median of 3) — what a script calling reportkit once per unit pays per report.  Printed: wall
time per batch, reports per second, seconds per report against the baseline, and the time
10,000 reports take at the measured rate (measured when ``--n`` is 10,000, else extrapolated,
and said so).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import run_and_report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.corpus import random_report  # noqa: E402

REPORTKIT = [sys.executable, "-m", "reportkit"]


def _write_batch(folder: Path, n: int, start: int) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for seed in range(start, start + n):
        p = folder / f"u{seed:05d}.json"
        p.write_text(json.dumps(random_report(seed), ensure_ascii=False), encoding="utf-8")
        paths.append(p)
    return paths


def _timed(cmd: list[str], cwd: Path) -> tuple[float, int, str]:
    start = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - start, r.returncode, r.stdout[-2000:] + r.stderr[-2000:]


def _batch(files: list[Path], out: Path, formats: str, jobs: int, cwd: Path) -> dict:
    wall, code, tail = _timed(REPORTKIT + ["render", *map(str, files), "-o", str(out), "--formats", formats,
                                           "--jobs", str(jobs), "--json"], cwd)
    sets = sum(1 for d in out.iterdir() if (d / "manifest.json").exists()) if out.exists() else 0
    return {"reports": len(files), "formats": formats, "jobs": jobs, "wall_s": wall, "exit": code,
            "complete_sets": sets, "reports_per_s": len(files) / wall, "s_per_report": wall / len(files),
            **({"output_tail": tail} if code != 0 else {})}


def measure(n: int, pdf_n: int, jobs: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        files = _write_batch(work / "in", n, 0)
        single = []
        for i in range(3):  # the baseline: one report, one fresh process
            wall, code, _ = _timed(REPORTKIT + ["render", str(files[i]), "-o", str(work / f"one{i}"),
                                                "--formats", "docx,xlsx"], work)
            single.append(wall)
        base = statistics.median(single)
        res = {"baseline_single_process_s": base, "n": n}
        res["docx_xlsx"] = b = _batch(files, work / "out", "docx,xlsx", jobs, work)
        b["ratio_to_single"] = b["s_per_report"] / base
        b["ten_thousand_s"] = b["s_per_report"] * 10_000
        b["ten_thousand_measured"] = n == 10_000
        shutil.rmtree(work / "out", ignore_errors=True)
        if pdf_n:
            from reportkit.writing.pdf import find_soffice

            if find_soffice():
                res["with_pdf"] = p = _batch(files[:pdf_n], work / "out-pdf", "docx,xlsx,pdf", jobs, work)
                p["ratio_to_single"] = p["s_per_report"] / base
                p["ten_thousand_s"] = p["s_per_report"] * 10_000
                p["ten_thousand_measured"] = False
            else:
                res["with_pdf"] = {"skipped": "LibreOffice not installed"}
        return res
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _hours(s: float) -> str:
    return f"{s / 60:.1f} min" if s < 3600 else f"{s / 3600:.2f} h"


def print_table(r: dict) -> None:
    print(f"reportkit scale benchmark (python {r['python']}, {r['cpus']} CPUs, 1-min load average "
          f"{r['loadavg_1min']['before']:.2f} before / {r['loadavg_1min']['after']:.2f} after)")
    print(f"   baseline: one `reportkit render` of one report in a fresh process: {r['baseline_single_process_s']:.3f} s")
    for key in ("docx_xlsx", "with_pdf"):
        b = r.get(key)
        if not b:
            continue
        if "skipped" in b:
            print(f"   {key}: skipped ({b['skipped']})")
            continue
        how = "measured" if b["ten_thousand_measured"] else f"extrapolated from {b['reports']}"
        print(f"   {b['formats']:16} {b['reports']:>6} reports, --jobs {b['jobs']}: {b['wall_s']:8.1f} s wall, "
              f"{b['reports_per_s']:6.1f} reports/s, {1000 * b['s_per_report']:6.1f} ms/report "
              f"({b['ratio_to_single']:.3f}x the single-process baseline); {b['complete_sets']} complete sets, "
              f"exit {b['exit']}")
        print(f"   {'':16} 10,000 reports: {_hours(b['ten_thousand_s'])} ({how})")
        if b.get("output_tail"):
            print("   output:", b["output_tail"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="reports in the docx+xlsx batch (default 10000)")
    ap.add_argument("--pdf-n", type=int, default=200, help="reports in the batch with PDF (0: none)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    return run_and_report("scale", lambda: measure(args.n, args.pdf_n, args.jobs), print_table, args.json)


if __name__ == "__main__":
    sys.exit(main())
