"""Benchmark: the Excel engine, template + context → .xlsx, in a batch in one process.

Run from the repository root (or anywhere; paths are resolved from this file)::

    python bench/bench_xlsx.py              # human-readable table, a few seconds on 2 cores
    python bench/bench_xlsx.py --n 100      # 100 renders of each example
    python bench/bench_xlsx.py --json       # one JSON object instead

Every figure is compared with a baseline measured in the same run, so the ratio means
something on any machine; the absolute numbers only describe this one.

* reportkit: ``writing.xlsx.render_xlsx(template, context, BytesIO())`` with the default
  template of each example's edition and the context ``build_context(data)`` (built once per
  example, outside the timing), ``--n`` times each. Every call reads and hashes the template
  file, as a batch does; the template is prepared on the first call of the process only.
* baseline ("openpyxl"): ``openpyxl.load_workbook`` + every ``{{ path }}`` in a text cell
  replaced + ``save`` to a ``BytesIO`` (``bench_render.plain_xlsx``, the baseline of the render
  benchmark), same template and context. Runs are interleaved with reportkit's, report by
  report.
* prepare: a render right after the engine's template cache was emptied — what the first
  report of a batch (or of each new template) pays on top.

Warm-up (untimed): one render of each example through each path (imports, first preparation).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

from _harness import run_and_report
from bench_render import EXAMPLES, plain_xlsx

ROOT = Path(__file__).resolve().parents[1]


def _ms(xs: list[float]) -> dict:
    return {"median_ms": 1000 * statistics.median(xs), "mean_ms": 1000 * statistics.fmean(xs),
            "min_ms": 1000 * min(xs), "max_ms": 1000 * max(xs), "n": len(xs)}


def run(n: int) -> dict:
    import reportkit
    from reportkit.writing.context import build_context
    from reportkit.writing import xlsx
    from reportkit.resources import template_path

    inputs = []
    for p in EXAMPLES:
        data = reportkit.load(p).data
        inputs.append((p.name, template_path("xlsx", data["format"]), build_context(data)))
    for _, template, ctx in inputs:   # warm-up
        xlsx.render_xlsx(template, ctx, io.BytesIO())
        plain_xlsx(template, ctx, io.BytesIO())

    clock = time.perf_counter
    times = {"reportkit": [], "openpyxl": []}
    per_example = {name: {"reportkit": [], "openpyxl": []} for name, _, _ in inputs}
    for _ in range(n):
        for name, template, ctx in inputs:
            c = clock()
            xlsx.render_xlsx(template, ctx, io.BytesIO())
            rk = clock() - c
            c = clock()
            plain_xlsx(template, ctx, io.BytesIO())
            base = clock() - c
            for key, dt in (("reportkit", rk), ("openpyxl", base)):
                times[key].append(dt)
                per_example[name][key].append(dt)

    prepare = []
    for _ in range(max(3, n // 10)):
        for _, template, ctx in inputs:
            xlsx._cache.clear()
            c = clock()
            xlsx.render_xlsx(template, ctx, io.BytesIO())
            prepare.append(clock() - c)

    sizes = {}
    for name, template, ctx in inputs:
        a, b = io.BytesIO(), io.BytesIO()
        xlsx.render_xlsx(template, ctx, a)
        plain_xlsx(template, ctx, b)
        sizes[name] = {"template": template.stat().st_size, "reportkit": len(a.getvalue()),
                       "openpyxl": len(b.getvalue())}

    rk, base = _ms(times["reportkit"]), _ms(times["openpyxl"])
    return {
        "renders_per_example": n,
        "reports": len(times["reportkit"]),
        "reportkit": rk,
        "openpyxl": base,
        "speedup_median": base["median_ms"] / rk["median_ms"],
        "speedup_mean": base["mean_ms"] / rk["mean_ms"],
        "per_example": {name: {k: statistics.median(v) * 1000 for k, v in d.items()}
                        for name, d in per_example.items()},
        "cold_render_with_prepare": _ms(prepare),
        "sizes_bytes": sizes,
    }


def print_table(res: dict) -> None:
    r = res["result"]
    la = res["loadavg_1min"]
    print(f"reportkit xlsx engine benchmark (python {res['python']}, {res['cpus']} CPUs, "
          f"1-min load average {la['before']:.2f} before / {la['after']:.2f} after)")
    print(f"{r['reports']} reports per path (2 examples x {r['renders_per_example']}), interleaved")
    print()
    print(f"   {'ms/report':46} {'median':>8} {'mean':>8} {'min':>8} {'max':>8}")
    rows = (("reportkit render_xlsx (prepared template)", r["reportkit"]),
            ("openpyxl load + fill + save (same template)", r["openpyxl"]),
            ("reportkit, first render of a template", r["cold_render_with_prepare"]))
    for label, s in rows:
        print(f"   {label:46} {s['median_ms']:>8.2f} {s['mean_ms']:>8.2f} {s['min_ms']:>8.2f} {s['max_ms']:>8.2f}")
    print(f"   speedup openpyxl / reportkit: median {r['speedup_median']:.1f}x, mean {r['speedup_mean']:.1f}x")
    for name, v in r["per_example"].items():
        print(f"     {name:28} reportkit {v['reportkit']:.2f} ms, openpyxl {v['openpyxl']:.2f} ms, "
              f"speedup {v['openpyxl'] / v['reportkit']:.1f}x")
    print(f"   sizes (bytes): {r['sizes_bytes']}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=50, help="renders of each example per path (default 50)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = ap.parse_args(argv)
    return run_and_report("bench_xlsx", lambda: {"result": run(max(1, args.n))}, print_table, args.json)


if __name__ == "__main__":
    sys.exit(main())
