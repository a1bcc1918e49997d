"""Benchmark: reading the clerk's form (``reportkit.load("2021.xlsx")``) in a batch.

Run from the repository root (or anywhere; paths are resolved from this file)::

    python bench/bench_form.py            # a table
    python bench/bench_form.py --n 40     # forms per round
    python bench/bench_form.py --json     # one JSON object

``--n`` random valid reports (``tests/corpus.py``, both editions) are written as forms once; then,
for ``--rounds`` rounds, every form is read back with ``reportkit.load(bytes)`` (reportkit's own
lxml reader, by defined names, with every cell checked) and, interleaved in the same round, with
the baseline ``openpyxl.load_workbook(bytes)`` (load only: no values looked up).  The median round
gives milliseconds per workbook and the ratio.  Target (issue 10): ≤ 50 ms per workbook.
Writing a form (``reportkit.form.form_bytes``) is timed too, for information.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from bench._harness import run_and_report  # noqa: E402


def measure(n: int, rounds: int) -> dict:
    import openpyxl

    import reportkit
    from reportkit.form import form_bytes
    from tests.corpus import corpus

    reports = corpus(n, start=1000)
    t = time.perf_counter()
    forms = [form_bytes(r) for r in reports]
    write_ms = (time.perf_counter() - t) * 1000 / n
    for raw in forms[:2]:  # warm-up: imports, caches
        reportkit.load(raw, name="warm.xlsx")
    ours, base = [], []
    for _ in range(rounds):
        t = time.perf_counter()
        for raw in forms:
            reportkit.load(raw, name="form.xlsx")
        ours.append((time.perf_counter() - t) * 1000 / n)
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for raw in forms:
                openpyxl.load_workbook(io.BytesIO(raw))
        base.append((time.perf_counter() - t) * 1000 / n)
    ms, baseline = statistics.median(ours), statistics.median(base)
    return {"forms": n, "rounds": rounds, "read_ms_per_form": round(ms, 2),
            "openpyxl_load_ms_per_form": round(baseline, 2), "ratio_openpyxl_over_reportkit": round(baseline / ms, 2),
            "write_ms_per_form": round(write_ms, 2), "target_ms": 50, "met": ms <= 50}


def table(res: dict) -> None:
    print(f"reading {res['forms']} forms × {res['rounds']} rounds (median round)")
    print(f"  reportkit.load(form)        {res['read_ms_per_form']:8.2f} ms/form   (target ≤ {res['target_ms']} ms: "
          f"{'met' if res['met'] else 'NOT met'})")
    print(f"  openpyxl.load_workbook      {res['openpyxl_load_ms_per_form']:8.2f} ms/form   "
          f"baseline; reportkit is {res['ratio_openpyxl_over_reportkit']}× faster")
    print(f"  writing a form (form_bytes) {res['write_ms_per_form']:8.2f} ms/form")
    print(f"  load average {res['loadavg_1min']}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=40)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    return run_and_report("bench_form", lambda: measure(a.n, a.rounds), table, a.json)


if __name__ == "__main__":
    sys.exit(main())
