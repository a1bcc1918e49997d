"""Benchmark: ``reportkit review`` of a supervising office's batch — 1,000 units over two years.

Run from the repository root (or anywhere; paths are resolved from this file)::

    python bench/bench_review.py              # 1,000 units, human-readable table
    python bench/bench_review.py --units 300  # a smaller batch
    python bench/bench_review.py --json       # one JSON object instead
    python bench/bench_review.py --case draft # only the batch whose prose came from one draft

Two batches (``--case own|draft|both``, both by default):

* **own** — every unit its own prose, one copy planted;
* **draft** — every unit's prose filled in from one draft (``tests/review_batch.template_batch``: a
  county's departments sharing it), so each long section is ≥ 80 % like the other units' (short
  ones, where a unit's name and own clause weigh more, less often): the copies are reported as a
  few groups of up to 1,000 units.  Target ≤ 30 s and ≤ 1 GB.

For the draft batch the review and the baseline each run in a process of their own, so that
their peak memory (RSS, ``VmHWM``) is theirs alone.

The batch is generated (``tests/review_batch.py``: valid reports with their own prose, both years
chained, as the review tests use), written to a temporary folder as JSON files, and reviewed the way
the command does it: ``reportkit.review(folder, previous=folder_of_last_year)`` — reading every file,
validating, the checks beyond validation — then the workbook and the page are written.  The issue's
target is ≤ 30 s for 1,000 units on this machine.

Baselines measured in the same run:

1. ``validate`` only: ``reportkit.load`` + ``reportkit.validate`` over the same files (what any
   review must at least do); the ratio says what the checks beyond validation cost.
2. The similarity check done naively — difflib's ratio for every pair of sections of different
   units (the quick_ratio filters included, as the single-report rule does) — over the first
   ``--naive-units`` units, and the index's own time on the same subset; the naive figure is then
   extrapolated to the whole batch by the square of the number of sections (it is quadratic), the
   index's is measured.
"""

from __future__ import annotations

import argparse
import difflib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _harness import run_and_report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TARGET_S = 30.0
TARGET_MB = 1024


def _write(folder: Path, reports: list[dict]) -> None:
    folder.mkdir(parents=True)
    for n, data in enumerate(reports):
        (folder / f"unit-{n:04d}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _sections(reports: list[dict]):
    from reportkit.reviewing.similarity import Section, normalise
    from reportkit.validation.rules import texts

    return [Section(i, p, normalise(t)) for i, d in enumerate(reports) for p, t in texts(d).items()]


def _pairs(groups) -> int:
    """Pairs of sections of different units within the groups (the naive count, when each group
    is alike throughout)."""
    return sum(sum(a.unit != b.unit for n, a in enumerate(g.sections) for b in g.sections[n + 1:]) for g in groups)


def _naive(sections, threshold=0.8) -> tuple[float, int]:
    from reportkit.reviewing.similarity import MIN_CHARS

    sections = [s for s in sections if len(s.text) >= MIN_CHARS]
    found = 0
    t0 = time.perf_counter()
    for n, a in enumerate(sections):
        for b in sections[n + 1:]:
            if a.unit == b.unit:
                continue
            sm = difflib.SequenceMatcher(None, a.text, b.text, autojunk=False)
            if sm.real_quick_ratio() >= threshold and sm.quick_ratio() >= threshold and sm.ratio() >= threshold:
                found += 1
    return time.perf_counter() - t0, found


def measure(units: int, naive_units: int) -> dict:
    import reportkit
    from reportkit.reviewing.similarity import similar_groups
    from tests.review_batch import batch, plant_copy

    cur, prev = batch(units, seed=7)
    plant_copy(cur[1], cur[2])  # one copy to find among them all
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _write(tmp / "this-year", cur)
        _write(tmp / "last-year", prev)
        files = sorted((tmp / "this-year").iterdir())

        t0 = time.perf_counter()
        for f in files:
            reportkit.validate(reportkit.load(f))
        validate_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        result = reportkit.review(tmp / "this-year", previous=tmp / "last-year")
        review_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        result.write(tmp / "审查结果.xlsx")
        xlsx_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        result.write(tmp / "审查结果.html")
        html_s = time.perf_counter() - t0
        sizes = {p.name: p.stat().st_size for p in (tmp / "审查结果.xlsx", tmp / "审查结果.html")}

    sections = _sections(cur)
    t0 = time.perf_counter()
    groups = similar_groups(sections)
    index_all_s = time.perf_counter() - t0
    subset = [s for s in sections if s.unit < naive_units]
    naive_s, naive_found = _naive(subset)
    t0 = time.perf_counter()
    index_found = _pairs(similar_groups(subset))
    index_subset_s = time.perf_counter() - t0
    scale = (len(sections) / max(1, len(subset))) ** 2
    total = review_s + xlsx_s + html_s
    return {
        "units": units,
        "sections_compared": len(sections),
        "review_s": review_s,
        "write_xlsx_s": xlsx_s,
        "write_html_s": html_s,
        "total_s": total,
        "target_s": TARGET_S,
        "target_met": total <= TARGET_S,
        "baseline_validate_only_s": validate_s,
        "ratio_review_over_validate_only": review_s / validate_s,
        "similarity_index_s": index_all_s,
        "similarity_groups": len(groups),
        "naive_units": naive_units,
        "naive_subset_s": naive_s,
        "index_subset_s": index_subset_s,
        "naive_subset_matches": naive_found,
        "index_subset_matches": index_found,
        "naive_extrapolated_s": naive_s * scale,
        "ratio_naive_extrapolated_over_index": naive_s * scale / index_all_s,
        "verdicts": result.counts(),
        "output_bytes": sizes,
    }


# ------------------------------------------------------------------ one draft's prose

def _peak_rss_mb() -> float:
    """This process's peak resident memory: VmHWM (Linux; it starts afresh at exec, where
    ru_maxrss keeps the forking parent's), else ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(what: str, folder: str, previous: str) -> None:
    """In a process of its own: the review (and its three outputs) or the baseline; prints its
    seconds and peak RSS as JSON."""
    import reportkit

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    out: dict = {}
    if what == "validate":
        for f in sorted(Path(folder).iterdir()):
            reportkit.validate(reportkit.load(f))
    else:
        result = reportkit.review(folder, previous=previous)
        out["review_s"] = time.perf_counter() - t0
        for suffix in (".xlsx", ".html", ".json"):
            t1 = time.perf_counter()
            target = Path(folder).parent / f"审查结果{suffix}"
            result.write(target, force=True)
            out[f"write{suffix.replace('.', '_')}_s"] = time.perf_counter() - t1
            out[f"bytes{suffix.replace('.', '_')}"] = target.stat().st_size
        out["groups"] = [len(g.units) for g in result.copy_groups]
        out["copy_issues"] = sum(u.count("copy") for u in result.units)
        out["verdicts"] = result.counts()
    out["seconds"] = time.perf_counter() - t0
    out["cpu_s"] = time.process_time() - cpu0
    out["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(out, ensure_ascii=False))


def _run_child(what: str, folder: Path, previous: Path) -> dict:
    r = subprocess.run([sys.executable, __file__, "--child", what, str(folder), str(previous)],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout.splitlines()[-1])


def measure_draft(units: int) -> dict:
    from tests.review_batch import template_batch

    cur, prev = template_batch(units, seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _write(tmp / "this-year", cur)
        _write(tmp / "last-year", prev)
        del cur, prev
        base = _run_child("validate", tmp / "this-year", tmp / "last-year")
        run = _run_child("review", tmp / "this-year", tmp / "last-year")
    return {
        "units": units,
        "total_s": run["seconds"],
        "review_s": run["review_s"],
        "write_xlsx_s": run["write_xlsx_s"],
        "write_html_s": run["write_html_s"],
        "write_json_s": run["write_json_s"],
        "output_bytes": {k: run[f"bytes_{k}"] for k in ("xlsx", "html", "json")},
        "peak_rss_mb": run["peak_rss_mb"],
        "target_s": TARGET_S,
        "target_mb": TARGET_MB,
        "target_met": run["seconds"] <= TARGET_S and run["peak_rss_mb"] <= TARGET_MB,
        "cpu_s": run["cpu_s"],
        "baseline_validate_only_s": base["seconds"],
        "baseline_validate_only_cpu_s": base["cpu_s"],
        "baseline_validate_only_rss_mb": base["peak_rss_mb"],
        "ratio_time_over_baseline": run["seconds"] / base["seconds"],
        "ratio_cpu_over_baseline": run["cpu_s"] / base["cpu_s"],
        "ratio_rss_over_baseline": run["peak_rss_mb"] / base["peak_rss_mb"],
        "copy_groups": run["groups"],
        "copy_issues": run["copy_issues"],
        "verdicts": run["verdicts"],
    }


def print_draft(r: dict) -> None:
    print(f"review of {r['units']} units whose prose came from one draft (last year's reports too)")
    print(f"  review (read, validate, checks)   {r['review_s']:7.2f} s")
    b = r["output_bytes"]
    print(f"  write .xlsx / .html / .json       {r['write_xlsx_s']:7.2f} s / {r['write_html_s']:.2f} s / "
          f"{r['write_json_s']:.2f} s   ({b['xlsx']:,} / {b['html']:,} / {b['json']:,} bytes)")
    print(f"  total                             {r['total_s']:7.2f} s   peak RSS {r['peak_rss_mb']:.0f} MB   "
          f"target ≤ {r['target_s']:.0f} s and ≤ {r['target_mb']} MB: {'met' if r['target_met'] else 'NOT met'}")
    print(f"  CPU time of the review            {r['cpu_s']:7.2f} s   (the machine may be shared: see the load)")
    print(f"  baseline: load + validate only    {r['baseline_validate_only_s']:7.2f} s   CPU "
          f"{r['baseline_validate_only_cpu_s']:.2f} s   peak RSS {r['baseline_validate_only_rss_mb']:.0f} MB")
    print(f"  review / baseline                 time × {r['ratio_time_over_baseline']:.2f}   "
          f"CPU × {r['ratio_cpu_over_baseline']:.2f}   memory × {r['ratio_rss_over_baseline']:.2f}")
    print(f"  copy groups (units each) {r['copy_groups']}; {r['copy_issues']} copy issues (one a unit's section)")
    print(f"  verdicts {r['verdicts']}")


def print_table(r: dict) -> None:
    print(f"review of {r['units']} units over two years ({r['sections_compared']} narrative sections)")
    print(f"  review (read, validate, checks)   {r['review_s']:7.2f} s")
    sizes = r["output_bytes"]
    print(f"  write 审查结果.xlsx               {r['write_xlsx_s']:7.2f} s   ({sizes['审查结果.xlsx']:,} bytes)")
    print(f"  write 审查结果.html               {r['write_html_s']:7.2f} s   ({sizes['审查结果.html']:,} bytes)")
    print(f"  total                             {r['total_s']:7.2f} s   target ≤ {r['target_s']:.0f} s: "
          f"{'met' if r['target_met'] else 'NOT met'}")
    print(f"  baseline: load + validate only    {r['baseline_validate_only_s']:7.2f} s   "
          f"review / baseline = {r['ratio_review_over_validate_only']:.2f}")
    print(f"  similarity index, all sections    {r['similarity_index_s']:7.2f} s   "
          f"({r['similarity_groups']} groups ≥ 80 %)")
    print(f"  naive pairwise on {r['naive_units']} units       {r['naive_subset_s']:7.2f} s   "
          f"(index on the same: {r['index_subset_s']:.3f} s; pairs {r['naive_subset_matches']} vs "
          f"{r['index_subset_matches']})")
    print(f"  naive extrapolated to all         {r['naive_extrapolated_s']:7.1f} s   "
          f"= {r['ratio_naive_extrapolated_over_index']:.0f} × the index")
    print(f"  verdicts {r['verdicts']}")
    print(f"  load average: {r['loadavg_1min']}")


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(*sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--naive-units", type=int, default=60,
                        help="units over which the naive all-pairs similarity is timed")
    parser.add_argument("--case", choices=("own", "draft", "both"), default="both",
                        help="own: every unit its own prose; draft: all from one draft")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    def measure_cases() -> dict:
        out = {}
        if args.case in ("own", "both"):
            out["own"] = measure(args.units, args.naive_units)
        if args.case in ("draft", "both"):
            out["draft"] = measure_draft(args.units)
        return out

    def print_cases(r: dict) -> None:
        for key, show in (("own", print_table), ("draft", print_draft)):
            if key in r:
                show({**r[key], "loadavg_1min": r["loadavg_1min"]})
        if "own" not in r:
            print(f"  load average: {r['loadavg_1min']}")

    return run_and_report("review", measure_cases, print_cases, args.json)


if __name__ == "__main__":
    sys.exit(main())
