"""Benchmark: peak memory of a batch (docx + xlsx) as the batch grows — it should stay flat.

Run from anywhere (Linux: memory is read from /proc)::

    python bench/bench_batch_memory.py                 # 100 and 1,000 reports, --jobs 2
    python bench/bench_batch_memory.py --sizes 50 500  # other sizes
    python bench/bench_batch_memory.py --json

For each size, ``reportkit render <n files> -o <tmp> --formats docx,xlsx --jobs 2`` runs as a
subprocess; every 50 ms the resident set size (VmRSS) of the batch process and of each of its
descendants (fork server, workers) is read from /proc.  Reported: the peak of the batch
process, the peak of the largest single worker, the peak of the sum over the tree, and the
wall time.  The smallest size is the baseline: the ratios show whether memory grows with the
number of reports.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _harness import run_and_report

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [ROOT / "examples" / "yunxi-zrzyj-2021.json", ROOT / "examples" / "xinyi-2020.json"]


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            out += [int(c) for c in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()]
    except OSError:
        pass
    return out


def _tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def measure(n: int, work: Path) -> dict:
    files = []
    for i in range(n):
        data = json.loads(EXAMPLES[i % 2].read_text(encoding="utf-8"))
        data["agency"] = f"测试县第{i:04d}单位"
        f = work / f"in-{n}" / f"r{i:04d}.json"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        files.append(f)
    peak = {"batch_kb": 0, "worker_kb": 0, "tree_kb": 0}
    c = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "reportkit", "render", *map(str, files),
                             "-o", str(work / f"out-{n}"), "--formats", "docx,xlsx", "--jobs", "2", "--json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            tree = _tree(proc.pid)
            sizes = {p: _rss_kb(p) for p in tree}
            peak["batch_kb"] = max(peak["batch_kb"], sizes.get(proc.pid, 0))
            peak["worker_kb"] = max([peak["worker_kb"]] + [v for p, v in sizes.items() if p != proc.pid])
            peak["tree_kb"] = max(peak["tree_kb"], sum(sizes.values()))
            time.sleep(0.05)
    t = threading.Thread(target=sample)
    t.start()
    err = proc.communicate()[1]
    done.set()
    t.join()
    wall = time.perf_counter() - c
    if proc.returncode != 0:
        raise SystemExit(f"render of {n} reports failed ({proc.returncode}): {err.decode()[-2000:]}")
    made = sum(1 for d in (work / f"out-{n}").iterdir() if (d / "manifest.json").exists())
    assert made == n, f"{made} sets for {n} reports"
    shutil.rmtree(work / f"out-{n}")
    return {"reports": n, "wall_s": wall, "per_report_s": wall / n, **peak}


def run(sizes: list[int]) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-mem-"))
    try:
        rows = [measure(n, work) for n in sizes]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base = rows[0]
    for r in rows:
        r["ratio_to_smallest"] = {k: r[k] / base[k] for k in ("batch_kb", "worker_kb", "tree_kb") if base[k]}
    return {"jobs": 2, "formats": "docx,xlsx", "sizes": rows}


def print_table(res: dict) -> None:
    r = res["result"]
    la = res["loadavg_1min"]
    print(f"reportkit batch memory (python {res['python']}, {res['cpus']} CPUs, 1-min load average "
          f"{la['before']:.2f} before / {la['after']:.2f} after), --jobs {r['jobs']}, {r['formats']}")
    print(f"   {'reports':>8} {'wall s':>8} {'s/report':>9} {'batch MB':>9} {'worker MB':>10} {'tree MB':>8}"
          "   ratios to smallest")
    for row in r["sizes"]:
        ratios = ", ".join(f"{k.removesuffix('_kb')} {v:.2f}x" for k, v in row["ratio_to_smallest"].items())
        print(f"   {row['reports']:>8} {row['wall_s']:>8.1f} {row['per_report_s']:>9.3f} "
              f"{row['batch_kb'] / 1024:>9.1f} "
              f"{row['worker_kb'] / 1024:>10.1f} {row['tree_kb'] / 1024:>8.1f}   {ratios}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="batch sizes (default 100 1000)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = ap.parse_args(argv)
    return run_and_report("bench_batch_memory", lambda: {"result": run(sorted(args.sizes))}, print_table, args.json)


if __name__ == "__main__":
    sys.exit(main())
