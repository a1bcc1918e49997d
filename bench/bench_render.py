"""Benchmark: the filing set without PDF (.docx + .xlsx + manifest.json), in batch.

Run from the repository root (or anywhere; paths are resolved from this file)::

    python bench/bench_render.py              # human-readable table, < 60 s on 2 cores
    python bench/bench_render.py --n 30       # 30 renders of each example (default 20: a batch of 40)
    python bench/bench_render.py --pdf        # also time one PDF conversion per example
    python bench/bench_render.py --json       # one JSON object instead

Every figure is compared with a baseline measured in the same run, so the ratios mean
something on any machine; the absolute numbers only describe this one.

* reportkit: ``reportkit.render(path, tmp/i, formats=["docx", "xlsx"], force=True)`` for
  ``examples/xinyi-2020.json`` and ``examples/yunxi-zrzyj-2021.json``, ``--n`` times each, in
  one process (the path is re-read every time, as a batch would).  Seconds per report,
  median and mean.
* baseline ("plain"): the same default templates (``templates/docx/report-<edition>.docx``,
  ``templates/xlsx/report-<edition>.xlsx``) and the same context
  (``reportkit.writing.context.build_context(data)``, built once per example outside the timing):
  ``DocxTemplate(t).render(ctx)`` + ``save``, and ``openpyxl.load_workbook(t)`` + every
  ``{{ path }}`` in a text cell replaced by a plain dict walk + ``save``.  No validation, no
  sandbox, no template checks, no zip normalisation, no manifest, no staging folder.
  Runs are interleaved with reportkit's (report by report).
* breakdown: reportkit's steps timed by calling its functions directly, in the order
  ``filing.render`` calls them: validate (``reportkit.validate``), context
  (``build_context``), docx (``writing.docx.render_docx``: template check, sandboxed
  render, signature, the zip written reproducibly), xlsx (``writing.xlsx.render_xlsx`` to a buffer,
  the zip written reproducibly), verify (the read-back guard,
  ``readback.verify_docx`` and ``verify_xlsx``), write (lock, staging folder inside the output
  folder, file writes, manifest with SHA-256s, journaled commit).  The docx and xlsx steps are set against the plain
  baseline's docx and xlsx halves.  ``render - sum(steps)`` is what is left (loading the
  JSON, template resolution, ...).
* ``--pdf``: one LibreOffice conversion of each example's rendered .docx
  (``writing.pdf.convert_to_pdf``, a fresh LibreOffice profile each time, as reportkit
  does), plus the ``reportkit.render(..., formats=["docx", "xlsx", "pdf"])`` total.

* speed-ups (issue 9 targets): plain / reportkit per report for the docx half (target: docx
  <= 15 ms), the xlsx half (<= 10 ms), the two engines together, and the whole
  ``reportkit.render`` (docx+xlsx+manifest, >= 8x the plain loop).
* the template budget (``templating/jinja.py``): the compiled body of each default template
  rendered with the budget (``jinja.render``) and the same source compiled in a plain
  ``ImmutableSandboxedEnvironment`` (``Template.render``), so the cost of the limits per render
  is measured, not guessed; and what preparing a template costs (``writing.docx.prepare`` with
  ``cache=False``: docxtpl's ``patch_xml`` + the sandboxed compile), paid once per process.
* cold: ``python -m reportkit render examples/yunxi-zrzyj-2021.json --formats docx`` in a fresh
  process, ``--cold-runs`` times each (interleaved): with the disk cache of prepared templates
  off (``REPORTKIT_CACHE_DIR=""``) and warm (a temporary folder filled by one untimed run).

The first render in the process (imports of docxtpl/openpyxl, compiling the schema
validators, preparing the Word templates) is reported separately as "cold" and excluded from
the statistics.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _harness import run_and_report

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [ROOT / "examples" / "xinyi-2020.json", ROOT / "examples" / "yunxi-zrzyj-2021.json"]
FORMATS = ["docx", "xlsx"]
STEPS = ("validate", "context", "docx", "xlsx", "verify", "write")


# ------------------------------------------------------------------ the plain baseline

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}\}")


def _walk(ctx: dict, path: str):
    node = ctx
    for key in path.split("."):
        node = node[key]
    return node


def _plain_value(v):
    if isinstance(v, list):
        return "\n".join(map(str, v))
    return v


def plain_xlsx(template: Path, ctx: dict, out: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(template)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if not isinstance(v, str) or "{{" not in v:
                    continue
                m = _PLACEHOLDER.fullmatch(v.strip())
                if m:  # the whole cell: the value itself (numbers stay numbers)
                    cell.value = _plain_value(_walk(ctx, m.group(1)))
                else:
                    cell.value = _PLACEHOLDER.sub(lambda m: str(_plain_value(_walk(ctx, m.group(1)))), v)
    wb.save(out)


def plain_docx(template: Path, ctx: dict, out: Path) -> None:
    from docxtpl import DocxTemplate

    tpl = DocxTemplate(str(template))
    tpl.render(ctx)
    tpl.save(str(out))


def plain(template_docx: Path, template_xlsx: Path, ctx: dict, out_dir: Path) -> tuple[float, float]:
    """The baseline for one report; (docx seconds, xlsx seconds)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    c = time.perf_counter()
    plain_docx(template_docx, ctx, out_dir / "report.docx")
    m = time.perf_counter()
    plain_xlsx(template_xlsx, ctx, out_dir / "report.xlsx")
    return m - c, time.perf_counter() - m


# ------------------------------------------------------------------ reportkit, step by step

def breakdown_once(path: Path, out_dir: Path) -> dict:
    """One render of ``path`` into ``out_dir`` through reportkit's own functions, each timed."""
    import reportkit
    from reportkit.filing import set as filing
    from reportkit.writing.context import build_context
    from reportkit.writing.docx import render_docx
    from reportkit.writing.xlsx import render_xlsx
    from reportkit.writing.stamps import build_time
    from reportkit.filing.guard import verify_docx, verify_xlsx
    from reportkit.filing.staging import MANIFEST, OutputFolder, write_file
    from reportkit.templating.sets import resolve

    t: dict[str, float] = {}
    clock = time.perf_counter
    report = reportkit.load(path)

    c = clock()
    reportkit.validate(report)
    t["validate"] = clock() - c

    data = report.data
    edition = data["format"]
    stem = filing.output_stem(data)
    names = {fmt: f"{stem}.{fmt}" for fmt in FORMATS}
    templates = {k: resolve(k, edition, None)[0] for k in ("docx", "xlsx")}

    c = clock()
    ctx = build_context(data)
    when = build_time(data.get("published"))
    t["context"] = clock() - c

    c = clock()
    docx_raw = render_docx(templates["docx"], ctx, when)
    t["docx"] = clock() - c

    c = clock()
    buf = io.BytesIO()
    render_xlsx(templates["xlsx"], ctx, buf, when=when)  # the zip written reproducibly, as filing asks
    xlsx_bytes = buf.getvalue()
    t["xlsx"] = clock() - c
    docx_bytes = docx_raw  # the Word engine writes its zip reproducibly too

    c = clock()
    verify_docx(docx_bytes, ctx)
    verify_xlsx(xlsx_bytes, ctx)
    t["verify"] = clock() - c

    plan = filing.plan(report, out_dir, reportkit.RenderOptions(formats=FORMATS, force=True))  # untimed: validates again
    c = clock()
    with OutputFolder(out_dir) as folder:
        staging = folder.new_staging()
        write_file(staging / names["docx"], docx_bytes)
        write_file(staging / names["xlsx"], xlsx_bytes)
        made = [names["docx"], names["xlsx"]]
        manifest = filing._manifest(plan, [(names["docx"], docx_bytes), (names["xlsx"], xlsx_bytes)], None)
        write_file(staging / MANIFEST, (json.dumps(manifest, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
        folder.commit(staging, made)
    t["write"] = clock() - c
    return t


# ------------------------------------------------------------------ runs

def _stats(xs: list[float]) -> dict:
    return {"median_s": statistics.median(xs), "mean_s": statistics.fmean(xs),
            "min_s": min(xs), "max_s": max(xs), "n": len(xs)}


def run(k: int, pdf: bool, cold_runs: int) -> dict:
    import reportkit
    from reportkit.writing.context import build_context
    from reportkit.resources import template_path

    work = Path(tempfile.mkdtemp(prefix="bench-render-"))
    try:
        # cold: the very first render in this process (reportkit goes first, so it pays the
        # imports of docxtpl/openpyxl and the schema compilation)
        c = time.perf_counter()
        reportkit.render(EXAMPLES[0], work / "cold", formats=FORMATS, force=True)
        cold = time.perf_counter() - c

        plain_inputs = []
        for p in EXAMPLES:
            data = reportkit.load(p).data
            e = data["format"]
            plain_inputs.append((template_path("docx", e), template_path("xlsx", e), build_context(data)))

        # warm-up, untimed: each example once through each path (the second validate of an
        # edition compiles fastjsonschema; the first plain run imports docxtpl's defaults)
        for _ in range(2):
            for i, p in enumerate(EXAMPLES):
                reportkit.render(p, work / "warm" / str(i), formats=FORMATS, force=True)
                plain(*plain_inputs[i], work / "warm-plain" / str(i))
                breakdown_once(p, work / "warm-steps" / str(i))

        rk_times, plain_times = [], []
        per_example = {p.name: {"reportkit": [], "plain": []} for p in EXAMPLES}
        steps = {s: [] for s in STEPS}
        plain_parts = {"docx": [], "xlsx": []}
        step_total = []
        for it in range(k):
            for i, p in enumerate(EXAMPLES):
                n = it * len(EXAMPLES) + i
                c = time.perf_counter()
                reportkit.render(p, work / "rk" / str(n), formats=FORMATS, force=True)
                dt_rk = time.perf_counter() - c
                c = time.perf_counter()
                pd, px = plain(*plain_inputs[i], work / "plain" / str(n))
                dt_plain = time.perf_counter() - c
                plain_parts["docx"].append(pd)
                plain_parts["xlsx"].append(px)
                rk_times.append(dt_rk)
                plain_times.append(dt_plain)
                per_example[p.name]["reportkit"].append(dt_rk)
                per_example[p.name]["plain"].append(dt_plain)
                st = breakdown_once(p, work / "steps" / str(n))
                for s in STEPS:
                    steps[s].append(st[s])
                step_total.append(sum(st.values()))

        rk, base = _stats(rk_times), _stats(plain_times)
        step_med = {s: statistics.median(v) for s, v in steps.items()}
        step_mean = {s: statistics.fmean(v) for s, v in steps.items()}
        res = {
            "renders_per_example": k,
            "reports": len(rk_times),
            "cold_first_render_s": cold,
            "reportkit": rk,
            "plain": base,
            "ratio_median": rk["median_s"] / base["median_s"],
            "ratio_mean": rk["mean_s"] / base["mean_s"],
            "per_example": {name: {"reportkit_median_s": statistics.median(v["reportkit"]),
                                   "plain_median_s": statistics.median(v["plain"]),
                                   "ratio_median": statistics.median(v["reportkit"]) /
                                   statistics.median(v["plain"])}
                            for name, v in per_example.items()},
            "breakdown": {
                "median_s": step_med,
                "mean_s": step_mean,
                "steps_sum_mean_s": statistics.fmean(step_total),
                "render_minus_steps_mean_s": rk["mean_s"] - statistics.fmean(step_total),
                "plain_median_s": {k: statistics.median(v) for k, v in plain_parts.items()},
                "plain_mean_s": {k: statistics.fmean(v) for k, v in plain_parts.items()},
            },
            "output_sizes": _sizes(work / "rk" / "0", work / "plain" / "0"),
        }
        pm, sm = res["breakdown"]["plain_median_s"], step_med
        res["speedups"] = {
            "docx": pm["docx"] / sm["docx"],
            "xlsx": pm["xlsx"] / sm["xlsx"],
            "docx+xlsx engines": (pm["docx"] + pm["xlsx"]) / (sm["docx"] + sm["xlsx"]),
            "reportkit.render (whole set)": base["median_s"] / rk["median_s"],
        }
        res["targets"] = {"docx_ms_max": 15.0, "xlsx_ms_max": 10.0, "render_speedup_min": 8.0,
                          "docx_met": 1000 * sm["docx"] <= 15.0, "xlsx_met": 1000 * sm["xlsx"] <= 10.0,
                          "render_met": base["median_s"] / rk["median_s"] >= 8.0}
        res["budget"] = budget_cost()
        res["cold"] = cold_start(cold_runs)
        if pdf:
            res["pdf"] = _pdf(work)
        return res
    finally:
        shutil.rmtree(work, ignore_errors=True)


def budget_cost(rounds: int = 200) -> dict:
    """Per render of each default template's body: budgeted vs plain sandboxed Jinja; and the
    one-off cost of preparing the template."""
    import reportkit
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from reportkit.writing.context import build_context
    from reportkit.writing import docx as engine
    from reportkit.templating.jinja import Budget, render
    from reportkit.limits import DEFAULT_LIMITS
    from reportkit.resources import template_path

    plain_env = ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined)
    out = {}
    for p in EXAMPLES:
        data = reportkit.load(p).data
        ctx = build_context(data)
        t = template_path("docx", data["format"])
        part, budgeted = engine.prepare(t).compiled[0]
        plain_tpl = plain_env.from_string(part.source)
        assert render(budgeted, ctx, Budget(DEFAULT_LIMITS)) == plain_tpl.render(ctx)

        def per(f) -> float:
            f()
            c = time.perf_counter()
            for _ in range(rounds):
                f()
            return (time.perf_counter() - c) / rounds

        with_budget = per(lambda: render(budgeted, ctx, Budget(DEFAULT_LIMITS)))
        without = per(lambda: plain_tpl.render(ctx))
        c = time.perf_counter()
        for _ in range(3):
            engine.prepare(t, cache=False)
        prepare_s = (time.perf_counter() - c) / 3
        out[t.name] = {"body_budgeted_s": with_budget, "body_plain_s": without,
                       "budget_overhead_s": with_budget - without, "prepare_once_s": prepare_s}
    return out


def cold_start(runs: int) -> dict:
    """Wall time of one ``reportkit render --formats docx`` in a new process, without and with
    the disk cache of prepared templates."""
    import os
    import subprocess

    work = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    try:
        cmd = [sys.executable, "-m", "reportkit", "render", str(EXAMPLES[1]), "-o", str(work / "out"),
               "--formats", "docx", "--force"]
        envs = {"disk cache off": dict(os.environ, REPORTKIT_CACHE_DIR=""),
                "disk cache warm": dict(os.environ, REPORTKIT_CACHE_DIR=str(work / "cache"))}
        for env in envs.values():  # untimed: fills the cache, warms the OS file cache
            subprocess.run(cmd, env=env, capture_output=True, check=True)
        times = {k: [] for k in envs}
        for _ in range(runs):
            for label, env in envs.items():
                c = time.perf_counter()
                subprocess.run(cmd, env=env, capture_output=True, check=True)
                times[label].append(time.perf_counter() - c)
        return {label: statistics.median(v) for label, v in times.items()} | {"runs": runs}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _sizes(rk_dir: Path, plain_dir: Path) -> dict:
    return {"reportkit": {p.suffix[1:]: p.stat().st_size for p in sorted(rk_dir.iterdir())},
            "plain": {p.suffix[1:]: p.stat().st_size for p in sorted(plain_dir.iterdir())}}


def _pdf(work: Path) -> dict:
    import reportkit
    from reportkit.writing.pdf import convert_to_pdf, find_soffice

    exe = find_soffice()
    if exe is None:
        return {"available": False}
    out = {"available": True, "soffice": exe, "convert_to_pdf_s": {}, "render_with_pdf_s": {}}
    for i, p in enumerate(EXAMPLES):
        d = work / "pdf" / str(i)
        reportkit.render(p, d, formats=["docx"], force=True)
        docx = next(d.glob("*.docx"))
        c = time.perf_counter()
        convert_to_pdf(docx, d)
        out["convert_to_pdf_s"][p.name] = time.perf_counter() - c
        c = time.perf_counter()
        reportkit.render(p, work / "pdf-full" / str(i), formats=["docx", "xlsx", "pdf"], force=True)
        out["render_with_pdf_s"][p.name] = time.perf_counter() - c
    return out


# ------------------------------------------------------------------ report

def print_table(res: dict) -> None:
    r = res["result"]
    rk, base = r["reportkit"], r["plain"]
    la = res["loadavg_1min"]
    print(f"reportkit render benchmark, formats docx+xlsx (python {res['python']}, {res['cpus']} CPUs, "
          f"1-min load average {la['before']:.2f} before / {la['after']:.2f} after)")
    print(f"{r['reports']} reports per path (2 examples x {r['renders_per_example']}), interleaved; "
          f"cold first render (excluded): {r['cold_first_render_s']:.3f} s")
    print()
    print(f"   {'s/report':44} {'median':>8} {'mean':>8} {'min':>8} {'max':>8}")
    print(f"   {'reportkit.render (docx+xlsx+manifest)':44} {rk['median_s']:>8.4f} {rk['mean_s']:>8.4f} "
          f"{rk['min_s']:>8.4f} {rk['max_s']:>8.4f}")
    print(f"   {'plain docxtpl + openpyxl (same templates)':44} {base['median_s']:>8.4f} {base['mean_s']:>8.4f} "
          f"{base['min_s']:>8.4f} {base['max_s']:>8.4f}")
    print(f"   ratio reportkit / plain: median {r['ratio_median']:.2f}x, mean {r['ratio_mean']:.2f}x; "
          f"reportkit {1 / rk['median_s']:.1f} reports/s, plain {1 / base['median_s']:.1f} reports/s")
    for name, v in r["per_example"].items():
        print(f"     {name:28} reportkit {v['reportkit_median_s']:.4f} s, plain {v['plain_median_s']:.4f} s, "
              f"ratio {v['ratio_median']:.2f}x")
    print()
    b = r["breakdown"]
    total = b["steps_sum_mean_s"]
    print("   reportkit breakdown (functions timed directly, per report)")
    print(f"   {'step':12} {'median s':>9} {'mean s':>9} {'share':>7}   {'plain median s':>14} {'step/plain':>10}")
    for s in STEPS:
        extra = ""
        if s in b["plain_median_s"]:
            pm = b["plain_median_s"][s]
            extra = f"   {pm:>14.4f} {b['median_s'][s] / pm:>9.2f}x"
        print(f"   {s:12} {b['median_s'][s]:>9.4f} {b['mean_s'][s]:>9.4f} {100 * b['mean_s'][s] / total:>6.1f}%{extra}")
    print(f"   {'sum':12} {'':>9} {total:>9.4f} {'100.0%':>7}")
    print(f"   render mean - sum of steps: {b['render_minus_steps_mean_s']:+.4f} s (loading, template resolution, timer noise)")
    sz = r["output_sizes"]
    print(f"   output sizes (bytes): reportkit {sz['reportkit']}, plain {sz['plain']}")
    print()
    print("   speed-up against the plain loop (plain / reportkit, medians per report)")
    for label, x in r["speedups"].items():
        print(f"     {label:32} {x:6.2f}x")
    tg = r["targets"]
    print(f"   targets: docx <= {tg['docx_ms_max']:.0f} ms {'MET' if tg['docx_met'] else 'NOT MET'} "
          f"({1000 * b['median_s']['docx']:.1f} ms); xlsx <= {tg['xlsx_ms_max']:.0f} ms "
          f"{'MET' if tg['xlsx_met'] else 'NOT MET'} ({1000 * b['median_s']['xlsx']:.1f} ms); "
          f"render >= {tg['render_speedup_min']:.0f}x {'MET' if tg['render_met'] else 'NOT MET'} "
          f"({r['speedups']['reportkit.render (whole set)']:.2f}x)")
    print()
    print("   template budget (templating/jinja.py), the body of each default template, per render")
    for name, v in r["budget"].items():
        print(f"     {name:18} budgeted {1000 * v['body_budgeted_s']:.2f} ms, plain sandbox "
              f"{1000 * v['body_plain_s']:.2f} ms, budget costs {1000 * v['budget_overhead_s']:+.2f} ms; "
              f"preparing the template (once per process) {1000 * v['prepare_once_s']:.0f} ms")
    c = r["cold"]
    print(f"   cold `reportkit render --formats docx` in a new process (median of {c['runs']}): "
          f"disk cache off {c['disk cache off']:.3f} s, warm {c['disk cache warm']:.3f} s "
          f"({c['disk cache off'] - c['disk cache warm']:+.3f} s)")
    if "pdf" in r:
        p = r["pdf"]
        print()
        if not p["available"]:
            print("   PDF: LibreOffice not found, not timed")
        else:
            print(f"   PDF (LibreOffice {p['soffice']}, fresh profile per conversion, one run each)")
            for name in p["convert_to_pdf_s"]:
                print(f"     {name:28} convert_to_pdf {p['convert_to_pdf_s'][name]:.2f} s; "
                      f"render docx+xlsx+pdf {p['render_with_pdf_s'][name]:.2f} s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20, help="renders of each example per path (default 20: 40 reports)")
    ap.add_argument("--pdf", action="store_true", help="also time one PDF conversion per example")
    ap.add_argument("--cold-runs", type=int, default=5, help="new processes per cold variant (default 5)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = ap.parse_args(argv)

    return run_and_report("bench_render", lambda: {"result": run(max(1, args.n), args.pdf, max(1, args.cold_runs))},
                          print_table, args.json)


if __name__ == "__main__":
    sys.exit(main())
