"""Benchmark: a batch of reports with PDF against one cold LibreOffice conversion.

Run from anywhere (paths are resolved from this file)::

    python bench/bench_pdf.py              # 20 reports, --jobs 2, 3 runs, a table (under a minute on 2 cores)
    python bench/bench_pdf.py --n 40       # 40 reports
    python bench/bench_pdf.py --pdfa       # also the same batch with --pdfa
    python bench/bench_pdf.py --json       # one JSON object instead

Every figure is compared with a baseline measured in the same run:

* baseline: one cold single-file ``soffice --headless --convert-to pdf`` of the 2021
  example's .docx with a fresh profile (as a user would run it by hand), median of 3.
* reportkit: ``reportkit render <n files> -o <tmp> --jobs 2`` (docx + xlsx + pdf + manifest,
  distinct agencies, the CLI as a subprocess: start-up, validation, rendering, sandboxed
  conversion, checks, commit), wall time, 3 runs.  The target of issue 9 is a ratio
  reportkit / baseline ≤ 4 for 20 reports.  Ratios are given of the medians and of the
  minima: on a machine shared with other work the minimum is the run least disturbed.
* ``--pdfa``: the same batch with ``--pdfa`` (PDF/A-2b), to show what it costs.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import run_and_report

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "yunxi-zrzyj-2021.json"


def cold_single(docx: Path, work: Path, exe: str) -> float:
    profile = Path(tempfile.mkdtemp(prefix="bench-lo-", dir=work))
    out = Path(tempfile.mkdtemp(prefix="bench-out-", dir=work))
    c = time.perf_counter()
    subprocess.run([exe, "--headless", "--invisible", "--norestore", "--nolockcheck", "--nodefault",
                    f"-env:UserInstallation={profile.as_uri()}", "--convert-to", "pdf", "--outdir", str(out),
                    str(docx)],
                   stdin=subprocess.DEVNULL, capture_output=True, check=True, timeout=300)
    dt = time.perf_counter() - c
    assert (out / (docx.stem + ".pdf")).exists(), "soffice made no PDF"
    return dt


def batch(files: list[Path], out: Path, extra: list[str]) -> float:
    c = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "reportkit", "render", *map(str, files), "-o", str(out), "--jobs", "2",
                        *extra], capture_output=True, text=True, timeout=1800)
    dt = time.perf_counter() - c
    if r.returncode != 0:
        raise SystemExit(f"reportkit render failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    sets = [d for d in out.iterdir() if (d / "manifest.json").exists()]
    assert len(sets) == len(files), f"{len(sets)} sets for {len(files)} reports"
    return dt


def run(n: int, pdfa: bool) -> dict:
    import reportkit
    from reportkit.writing.pdf import sandbox_name, soffice

    exe = soffice()
    work = Path(tempfile.mkdtemp(prefix="bench-pdf-"))
    try:
        docx = reportkit.render(EXAMPLE, work / "one", formats=["docx"]).paths[0]
        cold = [cold_single(docx, work, exe) for _ in range(3)]
        data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        files = []
        for i in range(n):
            data["agency"] = f"云溪县第{i:03d}单位"
            f = work / "in" / f"r{i:03d}.json"
            f.parent.mkdir(exist_ok=True)
            f.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            files.append(f)
        base = statistics.median(cold)
        res = {"reports": n, "jobs": 2, "soffice": exe, "sandbox": sandbox_name(),
               "cold_single_soffice_s": {"median": base, "min": min(cold), "runs": cold}}
        walls = [batch(files, work / f"out-{k}", []) for k in range(3)]
        wall = statistics.median(walls)
        res["batch_pdf_s"] = {"median": wall, "min": min(walls), "runs": walls}
        res["ratio_batch_over_cold_single"] = {"median": wall / base, "min": min(walls) / min(cold)}
        res["per_report_s"] = wall / n
        if pdfa:
            walls_a = [batch(files, work / f"out-pdfa-{k}", ["--pdfa"]) for k in range(3)]
            res["batch_pdfa_s"] = {"median": statistics.median(walls_a), "min": min(walls_a), "runs": walls_a}
            res["ratio_pdfa_over_plain"] = {"median": statistics.median(walls_a) / wall,
                                            "min": min(walls_a) / min(walls)}
        return res
    finally:
        shutil.rmtree(work, ignore_errors=True)


def print_table(res: dict) -> None:
    r = res["result"]
    la = res["loadavg_1min"]
    print(f"reportkit PDF batch benchmark (python {res['python']}, {res['cpus']} CPUs, 1-min load average "
          f"{la['before']:.2f} before / {la['after']:.2f} after; LibreOffice {r['soffice']}, sandbox {r['sandbox']})")
    def runs(d: dict) -> str:
        return f"median {d['median']:.2f} s, min {d['min']:.2f} s (runs {', '.join(f'{x:.2f}' for x in d['runs'])})"

    print(f"   one cold single-file soffice --convert-to pdf: {runs(r['cold_single_soffice_s'])}")
    print(f"   reportkit render, {r['reports']} reports, docx+xlsx+pdf, --jobs {r['jobs']}: {runs(r['batch_pdf_s'])}; "
          f"{r['per_report_s']:.2f} s/report")
    q = r["ratio_batch_over_cold_single"]
    print(f"   ratio batch / cold single: {q['median']:.2f}x of the medians, {q['min']:.2f}x of the minima "
          f"(target <= 4x for 20 reports)")
    if "batch_pdfa_s" in r:
        a = r["ratio_pdfa_over_plain"]
        print(f"   same batch with --pdfa: {runs(r['batch_pdfa_s'])}; {a['median']:.2f}x the plain PDF batch "
              f"(minima {a['min']:.2f}x)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20, help="reports in the batch (default 20)")
    ap.add_argument("--pdfa", action="store_true", help="also time the batch with --pdfa")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = ap.parse_args(argv)
    return run_and_report("bench_pdf", lambda: {"result": run(max(1, args.n), args.pdfa)}, print_table, args.json)


if __name__ == "__main__":
    sys.exit(main())
